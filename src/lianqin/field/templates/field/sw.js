{% load static %}/* The phone page's service worker: the page and its files stay available offline.
   The page itself: network first (fresh tasks), the cached copy when offline. Static
   files: cache first (their names do not change within a release). The queued reports
   themselves live in IndexedDB (field.js), not here. */
var CACHE = "lianqin-field-v1";
var SHELL = ["/field/", "{% static 'console/console.css' %}", "{% static 'console/live.js' %}",
  "{% static 'vendor/htmx.org/htmx.min.js' %}", "{% static 'vendor/leaflet/leaflet.js' %}",
  "{% static 'vendor/leaflet/leaflet.css' %}", "{% static 'field/field.js' %}", "{% static 'field/field.css' %}"];

self.addEventListener("install", function (e) {
  e.waitUntil(caches.open(CACHE).then(function (c) { return c.addAll(SHELL); }).then(function () { return self.skipWaiting(); }));
});
self.addEventListener("activate", function (e) {
  e.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== CACHE; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});
self.addEventListener("fetch", function (e) {
  var req = e.request;
  if (req.method !== "GET") return;
  var url = new URL(req.url);
  if (url.pathname.indexOf("/static/") === 0) {
    e.respondWith(caches.match(req).then(function (hit) { return hit || fetch(req); }));
  } else if (url.pathname === "/field/" || url.pathname.indexOf("/console/map/") === 0) {
    e.respondWith(fetch(req).then(function (res) {
      var copy = res.clone();
      caches.open(CACHE).then(function (c) { c.put(req, copy); });
      return res;
    }).catch(function () { return caches.match(req, { ignoreSearch: false }); }));
  }
});
