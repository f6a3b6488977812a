// Draws the dashboard's charts from the JSON the page embeds (no extra requests).
document.addEventListener("DOMContentLoaded", () => {
  const data = JSON.parse(document.getElementById("dashboard-data").textContent);
  const line = (id, labels, datasets) => {
    const canvas = document.getElementById(id);
    if (!canvas || !window.Chart) return;
    new Chart(canvas, {
      type: "line",
      data: { labels, datasets: datasets.map((d) => ({ tension: 0.25, pointRadius: 0, ...d })) },
      options: { responsive: true, interaction: { mode: "index", intersect: false }, scales: { y: { beginAtZero: true } } },
    });
  };
  line("chart-signups", data.signups.labels, [{ label: "Sign-ups", data: data.signups.count, borderColor: "#3a2d8f" }]);
  line("chart-api", data.api.labels, [
    { label: "Requests", data: data.api.requests, borderColor: "#0d7a5f" },
    { label: "Errors", data: data.api.errors, borderColor: "#b42318" },
  ]);
  line("chart-forum", data.forum.labels, [
    { label: "Posts", data: data.forum.posts, borderColor: "#3a2d8f" },
    { label: "New threads", data: data.forum.threads, borderColor: "#c26b00" },
  ]);
});
