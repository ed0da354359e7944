// The indicator page's chart: registered cases (bars) and the on-site rate (line) per row
// of the table, drawn from the same JSON the table was rendered from (#indicator-data).
(function () {
  "use strict";
  function draw() {
    var el = document.getElementById("chart-indicators");
    var source = document.getElementById("indicator-data");
    if (!el || !source || !window.echarts) return;
    var data = JSON.parse(source.textContent);
    var rows = data.rows.slice(0, 40);
    var names = rows.map(function (r) { return r.name; });
    var chart = window.echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { data: ["立案数", "现场处置率"] },
      grid: { left: 50, right: 50, bottom: 80, top: 40 },
      xAxis: { type: "category", data: names, axisLabel: { rotate: names.length > 8 ? 40 : 0 } },
      yAxis: [{ type: "value", name: "件" },
              { type: "value", name: "%", min: 0, max: 100 }],
      series: [
        { name: "立案数", type: "bar", data: rows.map(function (r) { return r.figures.registered; }) },
        { name: "现场处置率", type: "line", yAxisIndex: 1,
          data: rows.map(function (r) {
            var v = r.figures.on_site_rate; return v === null ? null : Math.round(v * 1000) / 10;
          }) }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
