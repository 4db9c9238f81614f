// Draws the charts of a page from the JSON their container carries in data-series.
document.addEventListener("DOMContentLoaded", () => {
  const locale = window.GridCRMChart || { layout: (l) => l, config: (c) => c };
  for (const el of document.querySelectorAll(".chart[data-series]")) {
    const type = el.dataset.type || "bar";
    const series = JSON.parse(el.dataset.series).map((s) => ({ type, ...s }));
    const percent = el.dataset.ytitle === "%";
    Plotly.newPlot(el, series, locale.layout({
      barmode: "stack",
      margin: { t: 10, r: 10, b: 80, l: 60 },
      yaxis: { title: { text: el.dataset.ytitle || "" }, range: percent ? [0, 100] : undefined },
      legend: { orientation: "h", y: 1.12 },
      font: { family: "system-ui, 'PingFang SC', 'Noto Sans CJK SC', sans-serif" },
    }), locale.config({ displayModeBar: false, responsive: true }));
  }
});
