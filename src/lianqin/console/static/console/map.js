/* The district map: grid polygons (no tile layer: the grids are the map), coloured by
   open-case load or by their worst warning; open cases as clustered markers, red when
   late. Live events reload the data (at most every 3 s). */
(function () {
  "use strict";
  var LOAD = [[0, "#f1f8e9"], [1, "#c5e1a5"], [3, "#ffe082"], [6, "#ffb74d"], [10, "#e57373"]];
  var WARN = { normal: "#c8e6c9", yellow: "#fff176", red: "#ef5350", overdue: "#8e24aa" };
  var WARN_NAMES = { normal: "正常", yellow: "黄牌", red: "红牌", overdue: "超期" };
  var map, grids, markers, mode = "load", timer = null;

  function loadColour(n) {
    var c = LOAD[0][1];
    LOAD.forEach(function (step) { if (n >= step[0]) c = step[1]; });
    return c;
  }
  function style(feature) {
    var p = feature.properties;
    return { color: "#546e7a", weight: 0.6, fillOpacity: 0.75,
      fillColor: mode === "load" ? loadColour(p.open) : WARN[p.warning] || WARN.normal };
  }
  function legend() {
    var box = document.getElementById("legend-scale");
    box.innerHTML = "";
    var items = mode === "load"
      ? LOAD.map(function (s) { return [s[1], "≥" + s[0] + " 件"]; })
      : Object.keys(WARN).map(function (k) { return [WARN[k], WARN_NAMES[k]]; });
    items.forEach(function (it) {
      var row = document.createElement("div");
      var sw = document.createElement("i");
      sw.style.background = it[0];
      row.appendChild(sw);
      row.appendChild(document.createTextNode(it[1]));
      box.appendChild(row);
    });
  }
  function load(first) {
    fetch("/console/map/grids.geojson").then(function (r) { return r.json(); }).then(function (geo) {
      if (grids) grids.remove();
      grids = L.geoJSON(geo, {
        style: style,
        onEachFeature: function (f, layer) {
          var p = f.properties;
          layer.bindTooltip(p.street + " " + p.community + " " + p.name + "：在办 " + p.open + " 件");
        }
      }).addTo(map);
      grids.bringToBack();
      document.getElementById("map-count").textContent = "网格 " + geo.features.length + " 个";
      document.getElementById("big-map").dataset.grids = geo.features.length;
      if (first && geo.features.length) map.fitBounds(grids.getBounds());
    });
    fetch("/console/map/cases.json").then(function (r) { return r.json(); }).then(function (data) {
      markers.clearLayers();
      data.cases.forEach(function (c) {
        var late = c.warning === "red" || c.warning === "overdue";
        var m = L.circleMarker([c.lat, c.lon], { radius: 6, color: late ? "#b71c1c" : "#0d47a1", fillOpacity: 0.85 });
        var link = document.createElement("a");
        link.href = "/console/cases/" + c.number + "/";
        link.textContent = c.number + " " + c.title;
        m.bindPopup(link);
        markers.addLayer(m);
      });
      document.getElementById("big-map").dataset.cases = data.cases.length;
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    map = L.map("big-map", { attributionControl: false, preferCanvas: true, maxZoom: 19, minZoom: 8 });
    map.setView([32.06, 118.63], 11);
    markers = L.markerClusterGroup({ maxClusterRadius: 40 });
    map.addLayer(markers);
    legend();
    load(true);
    document.querySelectorAll('input[name="colour"]').forEach(function (radio) {
      radio.addEventListener("change", function () { mode = radio.value; legend(); if (grids) grids.setStyle(style); });
    });
  });
  document.addEventListener("lianqin:case", function () {
    if (timer) return;
    timer = setTimeout(function () { timer = null; load(false); }, 3000);
  });
})();
