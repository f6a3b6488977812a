// Estimated cost on the new-job form: tokens x epochs x credits per 1,000 tokens.
(function () {
  const form = document.getElementById("job-form");
  if (!form) return;
  const rate = parseFloat(form.dataset.creditsPer1k);
  const out = document.getElementById("estimate-value");
  function update() {
    const select = form.querySelector("select[name=training_file]");
    const option = select && select.selectedOptions[0];
    const tokens = option ? parseInt(option.dataset.tokens || "0", 10) : 0;
    const epochs = parseInt(form.querySelector("[name=n_epochs]").value || "3", 10);
    out.textContent = tokens ? (Math.ceil(tokens * epochs / 1000 * rate * 10000) / 10000).toFixed(4)
                             : "— (upload to see)";
  }
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
})();
