// Draws the credit-score history of the customer page's credit panel. A static file, not
// an inline script, so that the Content-Security-Policy can forbid inline scripts; the
// panel arrives through htmx, hence the afterSettle hook.
(function () {
  function draw() {
    const el = document.getElementById("credit-history-chart");
    if (!el || el.dataset.drawn || typeof Plotly === "undefined") return;
    el.dataset.drawn = "1";
    const locale = window.GridCRMChart || { layout: (l) => l, config: (c) => c };
    Plotly.newPlot(el, JSON.parse(el.dataset.series), locale.layout({ margin: { t: 10, r: 10, b: 40, l: 50 } }),
      locale.config({ displayModeBar: false, responsive: true }));
  }
  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSettle", draw);
  window.addEventListener("load", draw); // plotly.js is deferred too
})();
