/* The queue page: keyboard shortcuts and live refresh.
   j/k move the selection, Enter opens the selected case, / focuses the search,
   1–5 switch views, m opens the map. A live event refreshes the rows (at once, then at most once a
   second) and flashes the row of the case it concerns. */
(function () {
  "use strict";
  var selected = -1;
  var pending = null;
  var touched = {};

  function rows() { return Array.prototype.slice.call(document.querySelectorAll("#rows tr[data-number]")); }

  function select(i) {
    var all = rows();
    if (!all.length) return;
    selected = Math.max(0, Math.min(all.length - 1, i));
    all.forEach(function (r, n) { r.classList.toggle("selected", n === selected); });
    all[selected].scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("keydown", function (e) {
    var typing = /^(INPUT|SELECT|TEXTAREA)$/.test(e.target.tagName);
    if (typing) { if (e.key === "Escape") e.target.blur(); return; }
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "j") select(selected + 1);
    else if (e.key === "k") select(selected - 1);
    else if (e.key === "Enter" && selected >= 0) window.location = rows()[selected].dataset.href;
    else if (e.key === "/") { e.preventDefault(); document.getElementById("q").focus(); }
    else if (e.key === "m") window.location = "/console/map/";
    else if (/^[1-5]$/.test(e.key)) {
      var tab = document.querySelector('.tabs a[data-key="' + e.key + '"]');
      if (tab) window.location = tab.href;
    } else return;
    e.preventDefault();
  });

  document.addEventListener("lianqin:case", function (e) {
    touched[e.detail.number] = true;
    var note = document.getElementById("live-note");
    if (note) note.textContent = "更新：" + e.detail.number + " " + (e.detail.title || "");
    if (e.detail.action === "create") Lianqin.toast("新案件 " + e.detail.number + "：" + (e.detail.title || ""));
    if (e.detail.action === "warning" && e.detail.warning !== "normal") Lianqin.toast("预警 " + e.detail.number + "：" + e.detail.warning, "warn");
    if (e.detail.action === "escalate") Lianqin.toast("升级 " + e.detail.number + " → " + e.detail.level, "warn");
    refresh();
  });

  /* at once on the first event, then at most once a second while events keep coming */
  var again = false;
  function refresh() {
    if (pending) { again = true; return; }
    htmx.trigger(document.getElementById("rows"), "refresh");
    pending = setTimeout(function () {
      pending = null;
      if (again) { again = false; refresh(); }
    }, 1000);
  }

  document.body.addEventListener("htmx:afterSwap", function () {
    rows().forEach(function (r) {
      if (touched[r.dataset.number]) r.classList.add("flash");
    });
    touched = {};
    if (selected >= 0) select(selected);
  });

  /* a click anywhere on a row opens the case (delegated: rows are replaced live) */
  document.addEventListener("click", function (e) {
    var row = e.target.closest ? e.target.closest("#rows tr[data-href]") : null;
    if (row && e.target.tagName !== "A") window.location = row.dataset.href;
  });
})();
