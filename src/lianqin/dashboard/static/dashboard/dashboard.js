/* Leaders' dashboard: fetch /dashboard/data.json?days=N, draw the KPIs, the trend, the
   channels, the streets and the ranking with ECharts (served by the app). Live: a
   "lianqin:case" event schedules a refresh, debounced and at most one per 10 s.
   The period buttons switch without reloading; "大屏" goes fullscreen, dark. */
(function () {
  "use strict";
  var MIN_GAP = 10000, DEBOUNCE = 1500, FALLBACK = 300000;
  var body, source, days, t = {}, charts = {}, lastFetch = 0, timer = null, busy = false;

  function pct(x) { return x === null || x === undefined ? "—" : (x * 100).toFixed(1) + "%"; }
  function $(id) { return document.getElementById(id); }
  function text(id, value) { var el = $(id); if (el) el.textContent = value; }
  function n(label) { return label.replace("N", String(days)); }

  function chart(id) {
    if (!charts[id]) charts[id] = window.echarts.init($(id), body.classList.contains("big") ? "dark" : null);
    return charts[id];
  }

  function kpis(d) {
    var today = d.today, period = d.period;
    text("scope-name", d.scope.name);
    text("kpi-new", today.new);
    text("kpi-open", t.open + " " + today.open_now);
    text("kpi-onsite", pct(today.on_site_rate));
    text("kpi-onsite-detail", t.onsite + " " + today.on_site + " / " + t.dispatched + " " +
      today.dispatched + " · " + n(t.period) + " " + pct(period.on_site_rate));
    text("kpi-dispatched", today.dispatched);
    text("kpi-overdue", today.overdue_now);
    text("kpi-closed", today.closed);
    text("kpi-period-closed", n(t.period_closed) + " " + period.closed);
    text("kpi-sat-label", n(t.sat));
    text("kpi-satisfaction", pct(period.satisfaction));
    var cb = period.callbacks || {}, valid = (cb.satisfied || 0) + (cb.basically_satisfied || 0) + (cb.unsatisfied || 0);
    text("kpi-sat-detail", t.callbacks + " " + valid);
    text("trend-title", n(t.trend));
    text("updated", new Date(d.generated_at).toLocaleTimeString("zh-CN", { hour12: false }));
  }

  function trend(d) {
    var line = function (name, data, color) {
      return { name: name, type: "line", smooth: false, symbolSize: 5, data: data, itemStyle: { color: color },
               areaStyle: name === t.new ? { opacity: 0.08 } : undefined };
    };
    chart("chart-trend").setOption({
      backgroundColor: "transparent", tooltip: { trigger: "axis" }, legend: { top: 0 },
      grid: { left: 44, right: 18, top: 34, bottom: 28 },
      xAxis: { type: "category", data: d.trend.labels, boundaryGap: false },
      yAxis: { type: "value", minInterval: 1 },
      series: [line(t.new, d.trend.new, "#1565c0"), line(t.closed, d.trend.closed, "#2e7d32"),
               line(t.overdue, d.trend.overdue, "#6a1b9a")]
    }, true);
  }

  function channels(d) {
    chart("chart-channels").setOption({
      backgroundColor: "transparent", tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
      legend: { bottom: 0, type: "scroll" },
      series: [{ type: "pie", radius: ["38%", "68%"], center: ["50%", "45%"], label: { formatter: "{b}\n{c}" },
                 data: d.channels.map(function (c) { return { name: c.label, value: c.n, itemStyle: { color: c.color } }; }) }]
    }, true);
  }

  function streets(d) {
    var rows = d.streets.slice().sort(function (a, b) { return a.code < b.code ? -1 : 1; });
    var names = rows.map(function (s) { return s.name; });
    var bar = function (name, key, color) {
      return { name: name, type: "bar", data: rows.map(function (s) { return s[key]; }), itemStyle: { color: color } };
    };
    chart("chart-streets").setOption({
      backgroundColor: "transparent", tooltip: { trigger: "axis" }, legend: { top: 0 },
      grid: { left: 44, right: 18, top: 34, bottom: 50 },
      xAxis: { type: "category", data: names, axisLabel: { interval: 0, rotate: names.length > 8 ? 30 : 0 } },
      yAxis: { type: "value", minInterval: 1 },
      series: [bar(t.new, "new", "#1565c0"), bar(t.closed, "closed", "#2e7d32"), bar(t.overdue, "overdue", "#6a1b9a")]
    }, true);
    var tbody = document.querySelector("#ranking tbody");
    tbody.textContent = "";
    d.streets.forEach(function (s) {
      var tr = document.createElement("tr");
      [s.rank, s.name, s.new, s.closed, s.overdue, pct(s.on_site_rate), pct(s.satisfaction)].forEach(function (v) {
        var td = document.createElement("td"); td.textContent = v; tr.appendChild(td);
      });
      tbody.appendChild(tr);
    });
  }

  function refresh() {
    if (busy) return;
    busy = true; lastFetch = Date.now(); timer = null;
    fetch(source + "?days=" + days, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, body: j }; }); })
      .then(function (res) {
        var err = $("board-error");
        if (!res.ok) throw new Error(res.body.message + (res.body.hint ? "（" + res.body.hint + "）" : ""));
        err.hidden = true;
        kpis(res.body); trend(res.body); channels(res.body); streets(res.body);
        body.setAttribute("data-loaded", String(lastFetch));
      })
      .catch(function (e) {
        var err = $("board-error");
        err.textContent = t.failed + "：" + e.message; err.hidden = false;
      })
      .finally(function () { busy = false; });
  }

  function schedule() {
    if (timer) return;
    var wait = Math.max(DEBOUNCE, MIN_GAP - (Date.now() - lastFetch));
    timer = setTimeout(refresh, wait);
  }

  function setDays(value) {
    days = value;
    document.querySelectorAll(".period").forEach(function (a) {
      a.classList.toggle("active", a.getAttribute("data-days") === String(value));
    });
    history.replaceState(null, "", "?days=" + value);
    refresh();
  }

  document.addEventListener("DOMContentLoaded", function () {
    body = document.body;
    source = body.getAttribute("data-source");
    days = parseInt(body.getAttribute("data-days"), 10) || 30;
    t = JSON.parse($("board-i18n").textContent);
    document.querySelectorAll(".period").forEach(function (a) {
      a.addEventListener("click", function (e) { e.preventDefault(); setDays(parseInt(a.getAttribute("data-days"), 10)); });
    });
    $("fullscreen").addEventListener("click", function () {
      body.classList.toggle("big");
      Object.keys(charts).forEach(function (k) { charts[k].dispose(); delete charts[k]; });
      if (body.classList.contains("big") && document.documentElement.requestFullscreen) {
        document.documentElement.requestFullscreen().catch(function () {});
      } else if (document.fullscreenElement) { document.exitFullscreen(); }
      refresh();
    });
    window.addEventListener("resize", function () { Object.keys(charts).forEach(function (k) { charts[k].resize(); }); });
    document.addEventListener("lianqin:case", schedule);
    setInterval(schedule, FALLBACK);
    refresh();
  });
  window.LianqinDashboard = { refresh: refresh, charts: charts };
})();
