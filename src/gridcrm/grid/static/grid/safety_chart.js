// The safety overview's chart: open risks by station and kind, stacked. Each bar carries
// the address of the records behind it (customdata); a click opens them.
document.addEventListener("DOMContentLoaded", () => {
  const el = document.getElementById("risk-chart");
  if (!el) return;
  const series = JSON.parse(el.dataset.series).map((s) => ({ type: "bar", ...s }));
  Plotly.newPlot(el, series, {
    barmode: "stack",
    margin: { t: 10, r: 10, b: 90, l: 50 },
    legend: { orientation: "h", y: 1.15 },
    font: { family: "system-ui, 'PingFang SC', 'Noto Sans CJK SC', sans-serif" },
  }, { displayModeBar: false, responsive: true });
  el.on("plotly_click", (event) => {
    const link = event.points.length && event.points[0].customdata;
    if (link) window.location.assign(link);
  });
});
