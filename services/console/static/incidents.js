// veille console: incident awareness on every page. The alerts stream
// (server-sent events) feeds the badge on "Incidents", a banner when an
// incident opens or escalates, and browser notifications once allowed.
(function () {
  "use strict";

  var badge = document.getElementById("inc-badge");
  var banner = document.getElementById("inc-banner");
  var i18n = document.getElementById("inc-i18n");
  if (!badge || !banner || !i18n || !window.EventSource) return;
  var t = JSON.parse(i18n.textContent);
  var active = {};
  var stats = (window.veilleIncidents = { connected: false, events: 0, notified: 0, active: 0, banner: "" });
  var KEY = "veille.incidents.hidden";

  function hidden() {
    try { return JSON.parse(sessionStorage.getItem(KEY) || "[]"); } catch (e) { return []; }
  }
  function hide(id) {
    var h = hidden();
    if (h.indexOf(id) < 0) h.push(id);
    try { sessionStorage.setItem(KEY, JSON.stringify(h.slice(-100))); } catch (e) { /* private mode */ }
    banner.hidden = true;
    stats.banner = "";
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function renderBadge() {
    var n = Object.keys(active).length;
    stats.active = n;
    badge.hidden = n === 0;
    badge.textContent = n;
    badge.title = n + " " + t["nav.badge"];
    badge.setAttribute("aria-label", n + " " + t["nav.badge"]);
  }

  function canAsk() {
    return "Notification" in window && Notification.permission === "default";
  }

  function askButton() {
    var b = el("button", "secondary notify-enable", t["banner.notify"]);
    b.type = "button";
    b.addEventListener("click", ask);
    return b;
  }

  function ask() {
    if (!canAsk()) return;
    Notification.requestPermission().then(function () {
      document.querySelectorAll(".notify-enable, #notify-enable").forEach(function (b) { b.hidden = !canAsk(); });
    });
  }

  function show(n, kind) {
    // The same incident again (an update every few seconds during a crisis):
    // change the texts in place, so the link under the user's pointer stays
    // the same element and a click on it is not lost to a re-render.
    if (!banner.hidden && banner.dataset.id === n.id && banner.querySelector("a.button")) {
      banner.className = "inc-banner sev-" + n.level;
      banner.dataset.kind = kind;
      banner.querySelector("p strong").textContent = t["banner." + kind] + " : ";
      banner.querySelector(".inc-title").textContent = n.title;
      banner.querySelector(".inc-sev").textContent = n.severity_text;
      banner.querySelector("a.button").href = n.link;
      stats.banner = n.id;
      return;
    }
    banner.textContent = "";
    banner.className = "inc-banner sev-" + n.level;
    banner.dataset.id = n.id;
    banner.dataset.kind = kind;
    var p = el("p");
    p.appendChild(el("strong", "", t["banner." + kind] + " : "));
    p.appendChild(el("span", "inc-title", n.title));
    p.appendChild(document.createTextNode(" · "));
    p.appendChild(el("span", "inc-sev", n.severity_text));
    var others = Object.keys(active).length - (active[n.id] ? 1 : 0);
    if (others > 0) p.appendChild(document.createTextNode(" · " + t["banner.more"].replace("%d", others)));
    banner.appendChild(p);
    var a = el("a", "button", t["banner.open"]);
    a.href = n.link;
    banner.appendChild(a);
    if (canAsk()) banner.appendChild(askButton());
    var x = el("button", "secondary", t["banner.close"]);
    x.type = "button";
    x.addEventListener("click", function () { hide(n.id); });
    banner.appendChild(x);
    banner.hidden = false;
    stats.banner = n.id;
  }

  function notify(n, kind) {
    if (!("Notification" in window) || Notification.permission !== "granted") return;
    try {
      new Notification(t["banner." + kind] + " : " + n.title, { body: n.severity_text, tag: n.id + ":" + n.event });
      stats.notified++;
    } catch (e) { /* some browsers only notify from a service worker */ }
  }

  var es = new EventSource("/api/alerts/stream");
  es.addEventListener("open", function () { stats.connected = true; });
  es.addEventListener("error", function () { stats.connected = false; });
  es.addEventListener("state", function (ev) {
    var d;
    try { d = JSON.parse(ev.data); } catch (e) { return; }
    active = {};
    (d.active || []).forEach(function (n) { active[n.id] = n; });
    renderBadge();
    // The most severe incident nobody has taken on yet, unless hidden.
    var h = hidden(), pick = null;
    Object.keys(active).forEach(function (id) {
      var n = active[id];
      if (n.status === "open" && h.indexOf(id) < 0 && (!pick || n.severity > pick.severity)) pick = n;
    });
    if (pick && location.pathname !== pick.link) show(pick, "active");
  });
  es.addEventListener("incident", function (ev) {
    var n;
    try { n = JSON.parse(ev.data); } catch (e) { return; }
    stats.events++;
    if (n.status === "resolved") {
      delete active[n.id];
      if (banner.dataset.id === n.id) { banner.hidden = true; stats.banner = ""; }
    } else {
      active[n.id] = n;
      if (n.event === "opened" || n.event === "escalated") {
        show(n, n.event);
        notify(n, n.event);
      } else if (banner.dataset.id === n.id && !banner.hidden) {
        show(n, banner.dataset.kind || "active"); // fresher figures, same news
      }
    }
    renderBadge();
  });

  var btn = document.getElementById("notify-enable");
  if (btn) {
    btn.hidden = !canAsk();
    btn.addEventListener("click", ask);
  }
})();
