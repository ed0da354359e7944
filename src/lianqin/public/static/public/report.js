/* The report form's map: the district's community outlines (no tile layer: nothing is
   loaded from elsewhere), a click drops the pin, the pin fills the hidden lon/lat fields
   (WGS-84, the outlines' own system). Without JavaScript the address alone works. */
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }
  ready(function () {
    var box = document.getElementById("pick-map");
    var form = document.getElementById("report-form");
    if (form) {
      form.addEventListener("submit", function () {
        var button = document.getElementById("submit-report");
        if (button) { setTimeout(function () { button.disabled = true; button.textContent = "正在提交…"; }, 0); }
      });
    }
    if (!box || typeof L === "undefined") return;
    var lon = document.getElementById("id_lon"), lat = document.getElementById("id_lat");
    var text = document.getElementById("pin-text"), clear = document.getElementById("clear-pin");
    box.hidden = false;
    document.getElementById("map-tools").hidden = false;
    var map = L.map(box, { zoomControl: true, attributionControl: false, minZoom: 9, maxZoom: 19 });
    map.setView([32.0, 118.7], 11);
    box.lqMap = map; /* for the browser test: where a place is on screen */
    var marker = null;
    function put(latlng, move) {
      if (!marker) { marker = L.marker(latlng, { draggable: true }).addTo(map);
        marker.on("dragend", function () { put(marker.getLatLng(), false); }); }
      else marker.setLatLng(latlng);
      lon.value = latlng.lng.toFixed(6); lat.value = latlng.lat.toFixed(6);
      text.textContent = "已标出位置（" + lon.value + "，" + lat.value + "），可拖动标记调整";
      clear.hidden = false;
      if (move) map.setView(latlng, Math.max(map.getZoom(), 16));
    }
    window.addEventListener("resize", function () { map.invalidateSize(); });
    clear.addEventListener("click", function () {
      if (marker) { map.removeLayer(marker); marker = null; }
      lon.value = ""; lat.value = ""; text.textContent = "尚未标出位置"; clear.hidden = true;
    });
    map.on("click", function (e) { put(e.latlng, false); });
    fetch(box.dataset.areas, { credentials: "same-origin" }).then(function (r) { return r.json(); })
      .then(function (data) {
        var layer = L.geoJSON(data, {
          style: { color: "#1565c0", weight: 1.5, fillColor: "#bbdefb", fillOpacity: 0.35 },
          onEachFeature: function (f, l) {
            l.bindTooltip(f.properties.name, { direction: "center", className: "area-name" });
            l.on("click", function (e) { put(e.latlng, false); });
          }
        }).addTo(map);
        map.invalidateSize();  /* the layout may have settled since the map was made */
        if (layer.getLayers().length) map.fitBounds(layer.getBounds(), { padding: [8, 8] });
        if (lon.value && lat.value) put(L.latLng(+lat.value, +lon.value), true);
        box.dataset.ready = "1";
      }).catch(function () { text.textContent = "地图加载失败，请填写地址"; });
    document.getElementById("locate-me").addEventListener("click", function () {
      if (!navigator.geolocation) { Lianqin.toast("此浏览器不支持定位，请在地图上点选或填写地址", "warn"); return; }
      navigator.geolocation.getCurrentPosition(function (p) {
        put(L.latLng(p.coords.latitude, p.coords.longitude), true);
      }, function () { Lianqin.toast("无法获取您的位置，请在地图上点选或填写地址", "warn"); },
      { enableHighAccuracy: true, timeout: 10000 });
    });
  });
})();
