/* The grid worker's phone page.
   Every form with class "queued" is not sent directly: pressing its button makes an
   idempotency key (a UUID) and puts {key, url, fields, photos as Blobs} into a queue in
   IndexedDB. The queue is sent in order whenever the network is there (at once, on the
   "online" event, on page load and every 15 s); each POST carries the key in the
   Idempotency-Key header, so a re-sent item (the answer was lost, the page was reloaded)
   is recognised by the server and never acts twice. An item is removed when the server
   answers — 2xx (done) or 4xx (refused: shown to the worker, who can fix and resend);
   a network error or 5xx keeps it for the next try. */
(function () {
  "use strict";
  var DB = "lianqin-field", STORE = "outbox", position = null, sending = false;

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function db() {
    return new Promise(function (resolve, reject) {
      var open = indexedDB.open(DB, 1);
      open.onupgradeneeded = function () { open.result.createObjectStore(STORE, { keyPath: "key" }); };
      open.onsuccess = function () { resolve(open.result); };
      open.onerror = function () { reject(open.error); };
    });
  }
  function tx(mode, work) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var t = d.transaction(STORE, mode), store = t.objectStore(STORE), out = work(store);
        t.oncomplete = function () { resolve(out && out.result !== undefined ? out.result : out); };
        t.onerror = function () { reject(t.error); };
      });
    });
  }
  var queue = {
    add: function (item) { return tx("readwrite", function (s) { s.put(item); }); },
    all: function () { return tx("readonly", function (s) { return s.getAll(); }); },
    remove: function (key) { return tx("readwrite", function (s) { s.delete(key); }); }
  };

  function showPending() {
    return queue.all().then(function (items) {
      items.sort(function (a, b) { return a.made - b.made; });
      document.getElementById("pending-count").textContent = items.length;
      var list = document.getElementById("outbox");
      list.innerHTML = "";
      items.forEach(function (it) {
        var li = document.createElement("li");
        li.textContent = "待发送：" + it.label + (it.error ? "（" + it.error + "）" : "");
        list.appendChild(li);
      });
      return items;
    });
  }

  function send() {
    if (sending) return Promise.resolve();
    sending = true;
    return showPending().then(function (items) {
      var chain = Promise.resolve();
      items.forEach(function (it) {
        chain = chain.then(function () {
          var body = new FormData();
          Object.keys(it.fields).forEach(function (k) { body.append(k, it.fields[k]); });
          (it.photos || []).forEach(function (p) { body.append("photos", p.blob, p.name); });
          return fetch(it.url, { method: "POST", body: body, credentials: "same-origin",
            headers: { "Idempotency-Key": it.key, "X-CSRFToken": Lianqin.csrf() } })
            .then(function (res) {
              return res.json().catch(function () { return {}; }).then(function (answer) {
                if (res.status >= 500) throw new Error("server " + res.status);
                if (res.ok) {
                  Lianqin.toast("已发送：" + it.label + (answer.case_number ? " → " + answer.case_number : ""));
                  if (it.url.indexOf("/checkins") > 0 && answer.at) addCheckin(answer);
                } else {
                  Lianqin.toast("未通过：" + it.label + "：" + (answer.message || res.status) + (answer.hint ? "（" + answer.hint + "）" : ""), "warn");
                }
                return queue.remove(it.key);
              });
            })
            .catch(function () { /* offline or server trouble: keep it for the next try */ });
        });
      });
      return chain;
    }).then(function () { sending = false; return showPending(); }, function () { sending = false; });
  }

  function addCheckin(answer) {
    var li = document.createElement("li");
    li.textContent = answer.at.slice(11, 16) + " " + (answer.grid || "—");
    document.getElementById("checkins").appendChild(li);
  }

  function enqueue(form) {
    var fields = {}, photos = [];
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name) return;
      if (el.type === "file") {
        Array.prototype.forEach.call(el.files, function (f) { photos.push({ name: f.name, blob: f }); });
      } else fields[el.name] = el.value;
    });
    if (form.dataset.position) {
      if (!position) { Lianqin.toast("还没有定位，请稍候或打开手机定位", "warn"); return; }
      fields.lon = position.lon; fields.lat = position.lat; fields.accuracy = position.accuracy;
    }
    fields.at = new Date().toISOString();
    var button = form.querySelector("button");
    var item = { key: uuid(), url: form.dataset.url, fields: fields, photos: photos, made: Date.now(),
      label: (button ? button.textContent.trim() : "提交") + " " + (fields.description || fields.note || "").slice(0, 20) };
    queue.add(item).then(function () {
      form.reset();
      Lianqin.toast(navigator.onLine ? "正在发送…" : "已保存，联网后自动发送");
      return send();
    });
  }

  function locate() {
    if (!navigator.geolocation) return;
    navigator.geolocation.watchPosition(function (p) {
      position = { lon: p.coords.longitude, lat: p.coords.latitude, accuracy: Math.round(p.coords.accuracy) };
      document.getElementById("position").textContent = "当前位置 " + position.lat.toFixed(5) + ", " + position.lon.toFixed(5) + " ±" + position.accuracy + "m";
      if (window.me) window.me.setLatLng([position.lat, position.lon]);
    }, function () {
      document.getElementById("position").textContent = "无法获取位置：请打开手机定位并允许本页使用";
    }, { enableHighAccuracy: true, maximumAge: 30000, timeout: 20000 });
  }

  function tabs() {
    var links = document.querySelectorAll(".field-tabs a");
    function show(id) {
      document.querySelectorAll(".panel").forEach(function (p) { p.hidden = p.id !== id; });
      links.forEach(function (a) { a.classList.toggle("on", a.getAttribute("href") === "#" + id); });
      if (id === "map") drawMap();
    }
    links.forEach(function (a) { a.addEventListener("click", function (e) { e.preventDefault(); show(a.getAttribute("href").slice(1)); }); });
    show((location.hash || "#tasks").slice(1));
  }

  var map = null;
  function drawMap() {
    if (map || !window.L) { if (map) map.invalidateSize(); return; }
    map = L.map("my-map", { attributionControl: false, maxZoom: 19 });
    map.setView([32.06, 118.63], 13);
    fetch("/console/map/grids.geojson").then(function (r) { return r.json(); }).then(function (geo) {
      var layer = L.geoJSON(geo, { style: { color: "#1565c0", weight: 2, fillOpacity: 0.06 } }).addTo(map);
      if (geo.features.length) map.fitBounds(layer.getBounds());
      document.getElementById("my-map").dataset.grids = geo.features.length;
    }).catch(function () {});
    fetch("/console/map/cases.json").then(function (r) { return r.json(); }).then(function (data) {
      data.cases.forEach(function (c) {
        L.circleMarker([c.lat, c.lon], { radius: 7, color: "#d32f2f", fillOpacity: 0.8 }).bindPopup(c.number + " " + c.title).addTo(map);
      });
    }).catch(function () {});
    window.me = L.circleMarker(position ? [position.lat, position.lon] : [0, 0], { radius: 8, color: "#0d47a1", fillOpacity: 1 }).addTo(map);
  }

  function network() {
    var on = navigator.onLine, box = document.getElementById("net");
    box.classList.toggle("offline", !on);
    document.getElementById("net-state").textContent = on ? "在线" : "离线：提交会先存在手机上";
    if (on) send();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form.queued").forEach(function (form) {
      form.addEventListener("submit", function (e) { e.preventDefault(); enqueue(form); });
    });
    window.addEventListener("online", network);
    window.addEventListener("offline", network);
    tabs(); locate(); network(); showPending();
    setInterval(function () { if (navigator.onLine) send(); }, 15000);
    if ("serviceWorker" in navigator) navigator.serviceWorker.register("/field/sw.js", { scope: "/field/" }).catch(function () {});
  });
  window.LianqinField = { send: send, pending: showPending };
})();
