// Estimated cost on the new-job form: tokens x epochs x credits per 1,000 tokens.
(function () {
  const form = document.getElementById("job-form");
  if (!form) return;
  const rate = parseFloat(form.dataset.rate);
  const out = document.getElementById("estimate-value");
  function update() {
    const select = form.querySelector("select[name=training_file]");
    const option = select && select.selectedOptions[0];
    const upload = form.querySelector("input[name=upload]");
    let tokens = option ? parseInt(option.dataset.tokens || "0", 10) : 0;
    if (!tokens && upload && upload.files.length) {
      tokens = Math.ceil(upload.files[0].size / 4);  // the server's estimate: ~4 bytes of UTF-8 per token
    }
    const epochs = parseInt(form.querySelector("[name=n_epochs]").value || "3", 10);
    out.textContent = tokens ? (Math.ceil(tokens * epochs / 1000 * rate * 10000) / 10000).toFixed(4)
                             : "— (pick or upload a file)";
  }
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
})();
