// Charts of the usage page, from the JSON the server embeds (no extra requests).
(function () {
  "use strict";
  function draw() {
    var node = document.getElementById("usage-data");
    if (!node || typeof Chart === "undefined") return;
    var d = JSON.parse(node.textContent);
    var opts = { responsive: true, animation: false, interaction: { mode: "index", intersect: false },
                 scales: { y: { beginAtZero: true } } };
    new Chart(document.getElementById("chart-requests"), { type: "bar", options: opts, data: { labels: d.days, datasets: [
      { label: "Requests", data: d.requests, backgroundColor: "#4f46e5" },
      { label: "Errors", data: d.errors, backgroundColor: "#dc3545" } ] } });
    new Chart(document.getElementById("chart-tokens"), { type: "bar",
      options: Object.assign({}, opts, { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } }),
      data: { labels: d.days, datasets: [
        { label: "Prompt tokens", data: d.prompt_tokens, backgroundColor: "#0d6efd" },
        { label: "Completion tokens", data: d.completion_tokens, backgroundColor: "#20c997" } ] } });
    new Chart(document.getElementById("chart-latency"), { type: "line", options: Object.assign({}, opts, { spanGaps: true }),
      data: { labels: d.days, datasets: [
        { label: "p50", data: d.p50, borderColor: "#198754" },
        { label: "p95", data: d.p95, borderColor: "#fd7e14" } ] } });
    new Chart(document.getElementById("chart-models"), { type: "doughnut", options: { responsive: true, maintainAspectRatio: false, animation: false },
      data: { labels: d.by_model.map(function (r) { return r.model_id || "(none)"; }),
              datasets: [{ label: "Requests", data: d.by_model.map(function (r) { return r.requests; }) }] } });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw); else draw();
})();
