// Live loss chart on the job page (Chart.js), refreshed while the job is not finished.
(function () {
  const canvas = document.getElementById("loss-chart");
  if (!canvas || !window.Chart) return;
  const chart = new Chart(canvas, {
    type: "line",
    data: { datasets: [
      { label: "training loss", data: [], borderColor: "#4b3f9e", pointRadius: 0, tension: 0.2 },
      { label: "validation loss", data: [], borderColor: "#d9822b", pointRadius: 3, showLine: true },
    ] },
    options: { animation: false, maintainAspectRatio: false, parsing: false,
               scales: { x: { type: "linear", title: { display: true, text: "step" } } } },
  });
  async function refresh() {
    const response = await fetch(canvas.dataset.url, { credentials: "same-origin" });
    if (!response.ok) return;
    const body = await response.json();
    chart.data.datasets[0].data = body.train;
    chart.data.datasets[1].data = body.valid;
    chart.update();
    if (!["succeeded", "failed", "cancelled"].includes(body.status)) setTimeout(refresh, 2000);
  }
  refresh();
})();
