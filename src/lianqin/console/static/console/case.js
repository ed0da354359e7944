/* The case page: the mini map (the case's grid outline and its point, no tiles) and the
   live notice when someone else changes this case while it is open. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("case-map");
    if (el && window.L) {
      var map = L.map(el, { attributionControl: false, zoomControl: true, maxZoom: 19 });
      var lon = parseFloat(el.dataset.lon), lat = parseFloat(el.dataset.lat);
      var located = !isNaN(lat) && !isNaN(lon);
      if (located) {
        L.circleMarker([lat, lon], { radius: 7, color: "#d32f2f", fillOpacity: 0.8 }).addTo(map);
        map.setView([lat, lon], 16);
      }
      if (el.dataset.grid) {
        fetch("/console/map/grids.geojson?grid=" + encodeURIComponent(el.dataset.grid))
          .then(function (r) { return r.json(); })
          .then(function (geo) {
            var layer = L.geoJSON(geo, { style: { color: "#1565c0", weight: 2, fillOpacity: 0.08 } }).addTo(map);
            var bounds = layer.getBounds();
            if (located) bounds.extend(L.latLng(lat, lon));
            if (bounds.isValid()) map.fitBounds(bounds, { padding: [12, 12] });
          });
      } else if (!located) {
        el.textContent = "待定位";
      }
    }
  });
  document.addEventListener("lianqin:case", function (e) {
    var body = document.body;
    if (e.detail.number !== body.dataset.case) return;
    if (String(e.detail.version) === body.dataset.version) return;
    var stale = document.getElementById("stale");
    if (stale) stale.hidden = false;
  });
})();
