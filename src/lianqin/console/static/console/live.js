/* Live events for every page: one EventSource on /events/ per page. The browser
   reconnects by itself and sends Last-Event-ID, so the server replays what was missed.
   Each event is re-dispatched on document as a "lianqin:case" CustomEvent (detail = the
   event's data); pages listen to that. A page opts in with <body data-live>. */
(function () {
  "use strict";
  var Lianqin = (window.Lianqin = window.Lianqin || {});

  Lianqin.toast = function (text, kind) {
    var box = document.getElementById("toasts");
    if (!box) return;
    var el = document.createElement("div");
    el.className = "toast" + (kind ? " " + kind : "");
    el.textContent = text;
    box.appendChild(el);
    setTimeout(function () { el.remove(); }, 6000);
  };

  Lianqin.csrf = function () {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  };

  function connect() {
    var status = document.getElementById("live-status");
    var source = new EventSource("/events/");
    Lianqin.source = source;
    if (status) status.hidden = false;
    source.addEventListener("open", function () {
      if (status) status.className = "live-status on";
      document.dispatchEvent(new CustomEvent("lianqin:connected"));
    });
    source.addEventListener("error", function () {
      if (status) status.className = "live-status off";
    });
    source.addEventListener("case", function (message) {
      var data;
      try { data = JSON.parse(message.data); } catch (e) { return; }
      Lianqin.lastEventId = message.lastEventId;
      document.dispatchEvent(new CustomEvent("lianqin:case", { detail: data }));
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (document.body.hasAttribute("data-live")) connect();
  });
})();
