// veille console: live stream (server-sent events) and dashboard charts.
// No build step; runs in any current browser.
(function () {
  "use strict";

  var COLORS = { neg: "#c62828", neu: "#78909c", pos: "#2e7d32" };
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

  function fmtDate(iso, lang) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) return "";
    var p = function (n) { return (n < 10 ? "0" : "") + n; };
    var day = p(d.getUTCDate()), mon = p(d.getUTCMonth() + 1), y = d.getUTCFullYear();
    var hm = p(d.getUTCHours()) + ":" + p(d.getUTCMinutes());
    return lang === "fr" ? day + "/" + mon + "/" + y + " " + hm : y + "-" + mon + "-" + day + " " + hm;
  }

  function card(m, t, lang) {
    var li = el("li", "card sent-" + (m.sentiment || ""));
    li.dataset.id = m.id;
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

  function live() {
    var list = document.getElementById("stream");
    if (!list || !window.EventSource) return;
    var t = JSON.parse(document.getElementById("i18n").textContent);
    var lang = document.documentElement.lang;
    var status = document.getElementById("live-status");
    var count = document.getElementById("live-count");
    var empty = document.getElementById("live-empty");
    var stats = (window.veilleLive = { received: 0, connected: false });
    var es = new EventSource(list.dataset.src);
    es.addEventListener("open", function () {
      status.textContent = status.dataset.live;
      stats.connected = true;
    });
    es.addEventListener("error", function () {
      status.textContent = status.dataset.lost;
      stats.connected = false;
    });
    es.addEventListener("mention", function (ev) {
      var m;
      try { m = JSON.parse(ev.data); } catch (e) { return; }
      var old = list.querySelector('li[data-id="' + CSS.escape(m.id) + '"]');
      if (old) old.remove();
      list.insertBefore(card(m, t, lang), list.firstChild); // newest first
      while (list.children.length > MAX_CARDS) list.removeChild(list.lastChild);
      stats.received++;
      count.textContent = list.children.length;
      empty.hidden = list.children.length > 0;
    });
  }

  function charts() {
    var data = document.getElementById("chart-data");
    if (!data || !window.Chart) return;
    var d = JSON.parse(data.textContent);
    var n = d.names;
    var common = { responsive: true, maintainAspectRatio: false, animation: false };
    var made = (window.veilleCharts = {});
    var vol = document.getElementById("chart-volume");
    if (vol) {
      made.volume = new Chart(vol, {
        type: "bar",
        data: {
          labels: d.volume.labels || [],
          datasets: [
            { label: n.neg, data: d.volume.neg || [], backgroundColor: COLORS.neg },
            { label: n.neu, data: d.volume.neu || [], backgroundColor: COLORS.neu },
            { label: n.pos, data: d.volume.pos || [], backgroundColor: COLORS.pos }
          ]
        },
        options: Object.assign({}, common, {
          scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } }
        })
      });
    }
    var palette = ["#1565c0", "#ef6c00", "#6a1b9a", "#00838f", "#9e9d24", "#ad1457", "#4e342e", "#37474f"];
    [["sov", "chart-sov"], ["langs", "chart-langs"]].forEach(function (p) {
      var c = document.getElementById(p[1]);
      if (!c) return;
      made[p[0]] = new Chart(c, {
        type: "doughnut",
        data: {
          labels: d[p[0]].labels || [],
          datasets: [{ label: n.mentions, data: d[p[0]].data || [], backgroundColor: palette }]
        },
        options: Object.assign({}, common, { plugins: { legend: { position: "bottom" } } })
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

  function start() {
    live();
    charts();
    periods();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
