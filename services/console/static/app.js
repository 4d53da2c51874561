// veille console: live stream (server-sent events) and dashboard charts.
// No build step; runs in any current browser.
(function () {
  "use strict";

  var COLORS = { neg: "#c62828", neu: "#546e7a", pos: "#2e7d32" };
  var MAX_CARDS = 200;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  // Only http(s) links from mentions are followed.
  function safeURL(u) {
    return /^https?:\/\//i.test(u || "") ? u : "#";
  }

  // The viewer's time zone (named on every time shown) and a cookie so
  // that the server's exports use it too.
  var TZ = (function () {
    try { return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC"; } catch (e) { return "UTC"; }
  })();
  document.cookie = "veille_tz=" + encodeURIComponent(TZ) + "; path=/; max-age=31536000; samesite=lax";

  var absFmt = {}, relFmt = {};
  function fmtDate(iso, lang) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) return "";
    if (!absFmt[lang]) {
      absFmt[lang] = new Intl.DateTimeFormat(lang === "fr" ? "fr-FR" : "en-GB", {
        day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short"
      });
    }
    return absFmt[lang].format(d);
  }

  // "il y a 3 min", "dans 2 h" ... for the last week; "" beyond.
  function fmtRel(iso, lang, now) {
    var d = new Date(iso);
    if (isNaN(d.getTime()) || !window.Intl || !Intl.RelativeTimeFormat) return "";
    var s = Math.round((d.getTime() - now) / 1000), a = Math.abs(s);
    if (a > 7 * 86400) return "";
    if (!relFmt[lang]) relFmt[lang] = new Intl.RelativeTimeFormat(lang, { numeric: "auto", style: "short" });
    var f = relFmt[lang];
    if (a < 45) return f.format(0, "second");
    if (a < 3600) return f.format(Math.round(s / 60), "minute");
    if (a < 86400) return f.format(Math.round(s / 3600), "hour");
    return f.format(Math.round(s / 86400), "day");
  }

  // Every <time datetime> shows the viewer's zone, named, and how long ago.
  function localize(root, lang) {
    var now = Date.now();
    (root || document).querySelectorAll("time[datetime]").forEach(function (t) {
      var iso = t.getAttribute("datetime"), abs = fmtDate(iso, lang);
      if (!abs) return;
      var rel = fmtRel(iso, lang, now);
      t.textContent = rel ? rel + " · " + abs : abs;
      t.title = abs + " (" + TZ + ")";
      t.dataset.local = "1";
    });
  }

  function card(m, t, lang) {
    var li = el("li", "card sent-" + (m.sentiment || ""));
    li.dataset.id = m.id;
    li.dataset.published = m.published_at;
    var art = el("article");
    var head = el("header", "card-head");
    head.appendChild(el("span", "src", (t["kind." + m.source_kind] || m.source_kind) + " · " + m.source_name));
    head.appendChild(el("span", "tag", m.brand));
    head.appendChild(el("span", "sent", t["sent." + (m.sentiment || "")] || ""));
    if (m.toxic) head.appendChild(el("span", "badge toxic", t["card.toxic"]));
    if (m.suspicious && m.suspicious.length) {
      var sb = el("span", "badge suspicious", t["card.suspicious"]);
      sb.title = m.suspicious.map(function (r) { return t["susp." + r] || r; }).join(", ");
      head.appendChild(sb);
    }
    art.appendChild(head);
    var meta = el("p", "meta");
    if (m.author) {
      meta.appendChild(document.createTextNode(t["card.by"] + " "));
      if (m.author_url && safeURL(m.author_url) !== "#") {
        var a = el("a", "", m.author);
        a.href = m.author_url;
        a.rel = "noopener noreferrer nofollow";
        meta.appendChild(a);
      } else {
        meta.appendChild(el("span", "author", m.author));
      }
    } else {
      meta.appendChild(document.createTextNode(t["card.anonymous"]));
    }
    if (m.influencer) {
      meta.appendChild(document.createTextNode(" "));
      meta.appendChild(el("span", "badge infl", "★ " + t["card.influencer"]));
    }
    meta.appendChild(document.createTextNode(" · "));
    var time = el("time", "", fmtDate(m.published_at, lang));
    time.dateTime = m.published_at;
    meta.appendChild(time);
    localize(meta, lang);
    if (m.lang) meta.appendChild(document.createTextNode(" · " + m.lang));
    art.appendChild(meta);
    var eng = [["likes", "♥"], ["reposts", "↻"], ["replies", "💬"], ["views", "👁"]].filter(function (k) { return m[k[0]]; })
      .map(function (k) { return k[1] + " " + m[k[0]] + " " + t["card." + k[0]]; });
    if (m.followers) eng.push(m.followers + " " + t["card.followers"]);
    if (eng.length) art.appendChild(el("p", "engagement", eng.join(" · ")));
    if (m.title) art.appendChild(el("h3", "card-title", m.title));
    var snip = el("p", "snippet");
    (m.segments || []).forEach(function (s) {
      snip.appendChild(s.c ? el("mark", s.c, s.t) : document.createTextNode(s.t));
    });
    art.appendChild(snip);
    var link = el("a", "orig", t["card.open"]);
    link.href = safeURL(m.url);
    link.target = "_blank";
    link.rel = "noopener noreferrer nofollow";
    art.appendChild(link);
    li.appendChild(art);
    return li;
  }

  // The live stream: cards sorted by publication time (a re-crawled old
  // post goes where it belongs, not on top). While paused, or scrolled down
  // reading, new mentions wait behind the "N nouvelles mentions" button.
  function live() {
    var list = document.getElementById("stream");
    if (!list || !window.EventSource) return;
    var t = JSON.parse(document.getElementById("i18n").textContent);
    var lang = document.documentElement.lang;
    var status = document.getElementById("live-status");
    var count = document.getElementById("live-count");
    var empty = document.getElementById("live-empty");
    var pauseBtn = document.getElementById("live-pause");
    var newBtn = document.getElementById("live-new");
    var stats = (window.veilleLive = { received: 0, connected: false, pending: 0, paused: false });
    var pending = [], ready = false;

    function place(m) {
      var old = list.querySelector('li[data-id="' + CSS.escape(m.id) + '"]');
      if (old) old.remove();
      var li = card(m, t, lang), at = Date.parse(m.published_at) || 0, before = null;
      for (var c = list.firstElementChild; c; c = c.nextElementSibling) {
        if ((Date.parse(c.dataset.published) || 0) < at) { before = c; break; }
      }
      list.insertBefore(li, before);
      while (list.children.length > MAX_CARDS) list.removeChild(list.lastChild);
    }
    function refresh() {
      count.textContent = list.children.length;
      empty.hidden = list.children.length > 0;
      stats.pending = pending.length;
      if (newBtn) {
        newBtn.hidden = pending.length === 0;
        newBtn.textContent = pending.length === 1 ? t["live.new.one"] : t["live.new.many"].replace("%d", pending.length);
      }
    }
    function flush() {
      pending.forEach(place);
      pending = [];
      refresh();
    }
    function reading() {
      return stats.paused || window.scrollY > list.offsetTop + 40;
    }
    if (pauseBtn) {
      pauseBtn.hidden = false;
      pauseBtn.addEventListener("click", function () {
        stats.paused = !stats.paused;
        pauseBtn.setAttribute("aria-pressed", stats.paused ? "true" : "false");
        pauseBtn.textContent = stats.paused ? t["live.resume"] : t["live.pause"];
        status.textContent = stats.paused ? t["live.paused"] : (stats.connected ? status.dataset.live : status.dataset.lost);
        if (!stats.paused) flush();
      });
    }
    if (newBtn) {
      newBtn.addEventListener("click", function () {
        flush();
        list.scrollIntoView({ block: "start" });
        var first = list.querySelector("li");
        if (first) { first.tabIndex = -1; first.focus({ preventScroll: true }); }
      });
    }
    window.addEventListener("scroll", function () {
      if (!reading() && pending.length) flush();
    }, { passive: true });

    var es = new EventSource(list.dataset.src);
    es.addEventListener("open", function () {
      if (!stats.paused) status.textContent = status.dataset.live;
      stats.connected = true;
    });
    es.addEventListener("error", function () {
      status.textContent = status.dataset.lost;
      stats.connected = false;
    });
    es.addEventListener("ready", function () { ready = true; });
    es.addEventListener("mention", function (ev) {
      var m;
      try { m = JSON.parse(ev.data); } catch (e) { return; }
      stats.received++;
      if (ready && reading()) pending.push(m);
      else place(m);
      refresh();
    });
    // Relative times age while the page stays open.
    setInterval(function () { localize(list, lang); }, 30000);
  }

  function charts() {
    var data = document.getElementById("chart-data");
    if (!data || !window.Chart) return;
    var d = JSON.parse(data.textContent);
    var n = d.names;
    var lang = document.documentElement.lang;
    var common = { responsive: true, maintainAspectRatio: false, animation: false };
    var SENT = ["neg", "neu", "pos"];
    // A click on a bar or a slice opens the search of the mentions it counts.
    function opener(links, withSentiment) {
      return function (evt, elems) {
        if (!elems || !elems.length || !links) return;
        var e = elems[0], u = links[e.index];
        if (!u) return;
        if (withSentiment) u += "&sentiment=" + SENT[e.datasetIndex];
        window.location.href = u;
      };
    }
    var made = (window.veilleCharts = {});
    var vol = document.getElementById("chart-volume");
    if (vol) {
      made.volume = new Chart(vol, {
        type: "bar",
        data: {
          labels: (d.volume.starts || []).map(function (iso) { return chartLabel(iso, d.volume.step, lang); }),
          datasets: [
            { label: n.neg, data: d.volume.neg || [], backgroundColor: COLORS.neg },
            { label: n.neu, data: d.volume.neu || [], backgroundColor: COLORS.neu },
            { label: n.pos, data: d.volume.pos || [], backgroundColor: COLORS.pos }
          ]
        },
        options: Object.assign({}, common, {
          onClick: opener(d.volume.links, true),
          scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } }
        })
      });
    }
    var palette = ["#1565c0", "#a84300", "#6a1b9a", "#00727d", "#6b6a00", "#ad1457", "#4e342e", "#37474f"];
    [["sov", "chart-sov"], ["langs", "chart-langs"]].forEach(function (p) {
      var c = document.getElementById(p[1]);
      if (!c) return;
      made[p[0]] = new Chart(c, {
        type: "doughnut",
        data: {
          labels: d[p[0]].labels || [],
          datasets: [{ label: n.mentions, data: d[p[0]].data || [], backgroundColor: palette }]
        },
        options: Object.assign({}, common, { onClick: opener(d[p[0]].links, false), plugins: { legend: { position: "bottom" } } })
      });
    });
  }

  // Picking a date switches the period picker to "custom".
  function periods() {
    var sel = document.getElementById("f-period");
    if (!sel) return;
    ["f-from", "f-to"].forEach(function (id) {
      var i = document.getElementById(id);
      if (i) i.addEventListener("change", function () { if (i.value) sel.value = "custom"; });
    });
  }

  // A volume bucket's label in the viewer's zone: "02/12 17h", or the day.
  function chartLabel(iso, step, lang) {
    var d = new Date(iso), o = { day: "2-digit", month: "2-digit" };
    if (step < 86400) o.hour = "2-digit";
    return new Intl.DateTimeFormat(lang === "fr" ? "fr-FR" : "en-GB", o).format(d);
  }

  function start() {
    localize(document, document.documentElement.lang);
    var zone = document.getElementById("tz-name");
    if (zone) zone.textContent = TZ;
    live();
    charts();
    periods();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
