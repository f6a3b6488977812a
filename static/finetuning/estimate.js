// The estimate on the new-job form predicts the charge, as finetuning.services.estimate_cost:
// device-seconds = start-up + tokens x epochs / throughput, times the price per device-second.
(function () {
  const form = document.getElementById("job-form");
  if (!form) return;
  const pricing = JSON.parse(document.getElementById("finetune-pricing").textContent);
  const price = parseFloat(pricing.credits_per_second);
  const out = document.getElementById("estimate-value");
  const tokensOut = document.getElementById("estimate-tokens");
  const secondsOut = document.getElementById("estimate-seconds");
  function update() {
    const select = form.querySelector("select[name=training_file]");
    const option = select && select.selectedOptions[0];
    const upload = form.querySelector("input[name=upload]");
    let tokens = option ? parseInt(option.dataset.tokens || "0", 10) : 0;
    if (!tokens && upload && upload.files.length) {
      tokens = Math.ceil(upload.files[0].size / 4);  // the server's estimate: ~4 bytes of UTF-8 per token
    }
    const epochs = parseInt(form.querySelector("[name=n_epochs]").value || "3", 10);
    if (!tokens) {
      out.textContent = "— (pick or upload a file)";
      tokensOut.textContent = secondsOut.textContent = "—";
      return;
    }
    const trained = tokens * epochs;
    const seconds = Math.round((pricing.startup_seconds + trained / pricing.tokens_per_second) * 10) / 10;
    tokensOut.textContent = trained.toLocaleString();
    secondsOut.textContent = seconds.toFixed(1);
    out.textContent = (Math.ceil(seconds * price * 10000) / 10000).toFixed(4);
  }
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
})();
