// The new-job form's estimate comes from the server (finetuning:job_estimate): the one
// computation the job and the API use. The base model's tokenizer counts the file as
// training will, and the training workers' measured throughput predicts the metered
// device time. An upload is checked there first: a file that fails shows why, never a figure.
(function () {
  const form = document.getElementById("job-form");
  const box = document.getElementById("estimate");
  if (!form || !box) return;
  const el = (id) => document.getElementById(id);
  const figures = ["estimate-value", "estimate-tokens", "estimate-epochs", "estimate-trained", "estimate-seconds"];
  let timer = null;
  let sequence = 0;

  function clear(basis) {
    figures.forEach((id) => { el(id).textContent = "—"; });
    el("estimate-basis").textContent = basis || "";
  }

  function problem(text) {
    clear("");
    el("estimate-reason").textContent = text;
    el("estimate-problem").hidden = false;
  }

  function show(data) {
    el("estimate-problem").hidden = true;
    el("estimate-value").textContent = data.credits;
    el("estimate-tokens").textContent = data.tokens.toLocaleString();
    el("estimate-epochs").textContent = data.n_epochs;
    el("estimate-trained").textContent = data.trained_tokens.toLocaleString();
    el("estimate-seconds").textContent = data.device_seconds.toFixed(1);
    el("estimate-basis").textContent = data.basis;
  }

  function hasFile() {
    const select = form.querySelector("select[name=training_file]");
    const upload = form.querySelector("input[name=upload]");
    return Boolean((select && select.value) || (upload && upload.files.length));
  }

  async function update() {
    const mine = ++sequence;
    if (!hasFile()) {
      if (el("estimate-problem").hidden) clear(el("estimate-pick").textContent);
      return;
    }
    let data;
    try {
      const response = await fetch(box.dataset.url, { method: "POST", body: new FormData(form), credentials: "same-origin" });
      data = await response.json();
    } catch (error) {
      if (mine === sequence) clear("");
      return;
    }
    if (mine !== sequence) return; // a newer request is on its way
    if (data.problem) problem(data.problem);
    else show(data);
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(update, 300);
  }

  form.addEventListener("input", later);
  form.addEventListener("change", later);
  update();
})();
