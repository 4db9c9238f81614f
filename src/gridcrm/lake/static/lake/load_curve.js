// Draws a customer's load curve wherever a [data-load-curve] container appears,
// on page load and after htmx swaps the fragment in.
(function () {
  function draw(root) {
    for (const el of root.querySelectorAll("[data-load-curve]")) {
      const source = document.getElementById(el.dataset.loadCurve);
      if (el.dataset.drawn || !source || typeof Plotly === "undefined") continue;
      el.dataset.drawn = "1";
      const data = JSON.parse(source.textContent);
      // The typical day, laid over the last day of the window for comparison.
      const lastDay = data.times.length ? data.times[data.times.length - 1].slice(0, 10) : "";
      const quarters = data.typical.map((_, q) =>
        `${lastDay} ${String(Math.floor(q / 4)).padStart(2, "0")}:${String((q % 4) * 15).padStart(2, "0")}`);
      const locale = window.GridCRMChart || { layout: (l) => l, config: (c) => c };
      Plotly.newPlot(el, [
        { type: "scatter", mode: "lines", name: data.labels.kw, x: data.times, y: data.kw, line: { width: 1.5 } },
        { type: "scatter", mode: "lines", name: data.labels.typical, x: quarters, y: data.typical,
          line: { dash: "dot", width: 1.5 } },
      ], locale.layout({
        margin: { t: 10, r: 10, b: 40, l: 60 },
        xaxis: { type: "date" },
        yaxis: { title: { text: data.labels.unit || "kW" }, rangemode: "tozero" },
        legend: { orientation: "h", y: 1.15 },
        font: { family: "system-ui, 'PingFang SC', 'Noto Sans CJK SC', sans-serif" },
      }), locale.config({ displayModeBar: false, responsive: true }));
    }
  }
  document.addEventListener("DOMContentLoaded", () => draw(document));
  document.addEventListener("htmx:afterSettle", () => draw(document));
  window.addEventListener("load", () => draw(document)); // plotly.js is deferred too
})();
