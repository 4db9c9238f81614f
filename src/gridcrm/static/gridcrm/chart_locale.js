// The charts' half of the one formatting policy (core/formats.py): axis numbers in full
// with thousands grouped by "," (no "5k"), and on Chinese pages dates and month names in
// Chinese ("2026年11月", "11月24日") instead of plotly's English ("Nov 24 2026").
// Load after plotly.js and before the scripts that draw; they call GridCRMChart.layout and
// GridCRMChart.config on what they pass to Plotly.newPlot.
(function () {
  const zh = (document.documentElement.lang || "").toLowerCase().startsWith("zh");
  if (zh && typeof Plotly !== "undefined") {
    Plotly.register({
      moduleType: "locale",
      name: "zh-CN",
      dictionary: {},
      format: {
        days: ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"],
        shortDays: ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
        months: ["一月", "二月", "三月", "四月", "五月", "六月", "七月", "八月", "九月", "十月", "十一月", "十二月"],
        shortMonths: ["1月", "2月", "3月", "4月", "5月", "6月", "7月", "8月", "9月", "10月", "11月", "12月"],
        periods: ["上午", "下午"],
        date: "%Y-%m-%d",
        year: "%Y年",
        month: "%Y年%-m月",
        dayMonth: "%-m月%-d日",
        dayMonthYear: "%Y年%-m月%-d日",
        decimal: ".",
        thousands: ",",
        grouping: [3],
      },
    });
  }
  const axis = { separatethousands: true, exponentformat: "none", hoverformat: "" };
  const dateHover = "%Y-%m-%d %H:%M";
  window.GridCRMChart = {
    /** The layout with the policy's separators and axes; the caller's settings win. */
    layout(layout) {
      const out = Object.assign({ separators: ".," }, layout);
      out.xaxis = Object.assign({}, axis, layout.xaxis);
      out.yaxis = Object.assign({}, axis, layout.yaxis);
      if (out.xaxis.type === "date" && !out.xaxis.hoverformat) out.xaxis.hoverformat = dateHover;
      return out;
    },
    /** The config with the page's locale. */
    config(config) {
      return Object.assign({ locale: zh ? "zh-CN" : "en" }, config);
    },
  };
})();
