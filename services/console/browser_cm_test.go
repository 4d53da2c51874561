package console_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/veille-oss/veille/pkg/platform/bus"
	"github.com/veille-oss/veille/pkg/platform/mention"
)

// TestBrowserCommunityManager drives the flows a community manager uses,
// in French and in the Paris time zone: a dashboard figure opens its
// search, times in the viewer's zone, the live stream's order, pause and
// "N nouvelles mentions", the moderation queue, the phone header.
func TestBrowserCommunityManager(t *testing.T) {
	h := setup(t)
	ms := fixtures()
	abuse := mk("Duval", "forum", "conso", "neg", "Duval, bande de connards, rendez l'argent.", 6*time.Hour, func(m *mention.Mention) {
		m.Enrichment.Toxic = true
		m.Enrichment.Toxicity = []mention.ToxicFlag{{Category: "insult"}}
	})
	h.insert(append(ms, abuse))
	ctx := newBrowser(t)
	u := h.http.URL
	sctx, cancel := step(ctx)
	if _, err := chromedp.Call(sctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "Europe/Paris"}); err != nil {
		t.Fatal(err)
	}
	cancel()
	do(t, ctx, "log in",
		chromedp.Navigate(u+"/login"),
		chromedp.Evaluate[chromedp.Void](`document.cookie = "veille_lang=fr; path=/"`),
		chromedp.Navigate(u+"/login?next=%2Fdashboard%3Fbrand%3DDuval%26period%3D24h"),
		chromedp.SendKeys(chromedp.CSS("#user"), testUser),
		chromedp.SendKeys(chromedp.CSS("#password"), testPassword),
		chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS("#kpi-neg-link")),
	)

	t.Run("a dashboard figure opens the search that counts it", func(t *testing.T) {
		do(t, ctx, "dashboard", chromedp.Navigate(u+"/dashboard?brand=Duval&period=24h"), chromedp.WaitVisible(chromedp.CSS("#kpi-neg-link")))
		kpi := eval[string](t, ctx, `document.getElementById("kpi-neg").textContent`)
		net := eval[string](t, ctx, `document.getElementById("kpi-net").textContent`)
		if net != "\u221250,0\u202f%" {
			t.Fatalf("net tonality %q, want −50,0 %% (4 neg, 1 neu, 1 pos: minus sign, decimal comma, narrow space)", net)
		}
		do(t, ctx, "click", chromedp.Click(chromedp.CSS("#kpi-neg-link")))
		waitPage(t, ctx, `location.pathname === "/search" && document.querySelector("#result-count") !== null`)
		count := eval[string](t, ctx, `document.getElementById("result-count").textContent`)
		cards := eval[int](t, ctx, `document.querySelectorAll("#results li.sent-neg").length`)
		if !strings.HasSuffix(count, "sur "+kpi) || strconv.Itoa(cards) != kpi {
			t.Fatalf("KPI %s opened %q with %d negative cards", kpi, count, cards)
		}
		shot(t, ctx, "cm-drilldown-search")
	})

	t.Run("a chart bar opens the search of its bucket", func(t *testing.T) {
		do(t, ctx, "dashboard", chromedp.Navigate(u+"/dashboard?brand=Duval&period=24h"),
			poll(`!!(window.veilleCharts && window.veilleCharts.volume)`, 10*time.Second))
		// The first bucket with negative mentions, clicked as Chart.js reports a click.
		bar := eval[int](t, ctx, `(() => {
			const c = window.veilleCharts.volume, neg = c.data.datasets[0].data;
			const i = neg.findIndex(v => v > 0);
			c.options.onClick(null, [{ index: i, datasetIndex: 0 }]);
			return neg[i];
		})()`)
		waitPage(t, ctx, `location.pathname === "/search" && document.querySelector("#result-count") !== null`)
		count := eval[string](t, ctx, `document.getElementById("result-count").textContent`)
		cards := eval[int](t, ctx, `document.querySelectorAll("#results li.sent-neg").length`)
		if bar < 1 || cards != bar || !strings.HasSuffix(count, "sur "+strconv.Itoa(bar)) {
			t.Fatalf("bar of %d negative mentions opened %q with %d negative cards", bar, count, cards)
		}
	})

	t.Run("times in the viewer's zone, named", func(t *testing.T) {
		do(t, ctx, "search", chromedp.Navigate(u+"/search?brand=Duval&sentiment=neu"), chromedp.WaitVisible(chromedp.CSS("#results")))
		waitPage(t, ctx, `document.querySelector("#results time").dataset.local === "1"`)
		txt := eval[string](t, ctx, `document.querySelector("#results time").textContent`)
		zone := eval[string](t, ctx, `document.getElementById("tz-name").textContent`)
		// The neutral Duval mention: base + 4 h UTC, one hour later in Paris (winter) or two (summer).
		utc := base.Add(4 * time.Hour)
		paris, _ := time.LoadLocation("Europe/Paris")
		want := utc.In(paris).Format("15:04")
		if zone != "Europe/Paris" || !strings.Contains(txt, want) || !strings.Contains(txt, "UTC+") || !strings.Contains(txt, "il y a") {
			t.Fatalf("time %q (zone %q), want %s Paris time, the zone and 'il y a'", txt, zone, want)
		}
	})

	t.Run("live stream: publication order, pause and new mentions button", func(t *testing.T) {
		do(t, ctx, "live", chromedp.Navigate(u+"/live?brand=Duval"), poll(`!!(window.veilleLive && window.veilleLive.connected)`, 10*time.Second))
		pctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		newer := mk("Duval", "forum", "conso", "neg", "Duval nul ce matin.", 11*time.Hour, evidence("nul"))
		older := mk("Duval", "web", "blog", "neu", "Vieux billet sur Duval recrawlé.", -30*24*time.Hour)
		for _, m := range []*mention.Mention{newer, older} { // the old one arrives last
			if err := h.bus.PublishMention(pctx, bus.EnrichedSubject("fr"), m); err != nil {
				t.Fatal(err)
			}
		}
		sctx, scancel := step(ctx)
		defer scancel()
		if err := chromedp.Do(sctx, poll(fmt.Sprintf(`document.querySelector('li[data-id="%s"]') !== null`, older.ID), 5*time.Second)); err != nil {
			t.Fatalf("mentions not shown: %v", err)
		}
		order := eval[[]string](t, ctx, `Array.from(document.querySelectorAll("#stream li")).map(li => li.dataset.id)`)
		if eval[bool](t, ctx, `getComputedStyle(document.getElementById("live-new")).display !== "none"`) {
			t.Fatal("the new mentions button shows with nothing pending")
		}
		if len(order) != 2 || order[0] != newer.ID || order[1] != older.ID {
			t.Fatalf("order %v, want the newer publication first", order)
		}
		do(t, ctx, "pause", chromedp.Click(chromedp.CSS("#live-pause")))
		if p := eval[string](t, ctx, `document.getElementById("live-pause").getAttribute("aria-pressed")`); p != "true" {
			t.Fatalf("pause button pressed %q", p)
		}
		latest := mk("Duval", "forum", "conso", "neg", "Duval encore nul.", 11*time.Hour+5*time.Minute, evidence("nul"))
		if err := h.bus.PublishMention(pctx, bus.EnrichedSubject("fr"), latest); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(sctx, poll(`window.veilleLive.pending === 1`, 5*time.Second)); err != nil {
			t.Fatalf("no pending mention: %v", err)
		}
		btn := eval[string](t, ctx, `document.getElementById("live-new").textContent`)
		shown := eval[bool](t, ctx, fmt.Sprintf(`document.querySelector('li[data-id="%s"]') !== null`, latest.ID))
		if btn != "1 nouvelle mention" || shown {
			t.Fatalf("while paused: button %q, card shown %v", btn, shown)
		}
		shot(t, ctx, "cm-live-paused")
		do(t, ctx, "show new", chromedp.Click(chromedp.CSS("#live-new")))
		first := eval[string](t, ctx, `document.querySelector("#stream li").dataset.id`)
		hidden := eval[bool](t, ctx, `getComputedStyle(document.getElementById("live-new")).display === "none"`)
		rel := eval[string](t, ctx, `document.querySelector("#stream li time").textContent`)
		if first != latest.ID || !hidden || !strings.Contains(rel, "UTC+") {
			t.Fatalf("after the button: first %s (want %s), button hidden %v, time %q", first, latest.ID, hidden, rel)
		}
	})

	t.Run("moderation queue: handle a mention", func(t *testing.T) {
		do(t, ctx, "moderation", chromedp.Navigate(u+"/moderation?brand=Duval"), chromedp.WaitVisible(chromedp.CSS("#mod-queue")))
		before := eval[int](t, ctx, `document.querySelectorAll("#mod-queue li").length`)
		words := eval[string](t, ctx, fmt.Sprintf(`Array.from(document.querySelectorAll('li[data-id="%s"] .flags mark')).map(m => m.textContent).join(",")`, abuse.ID))
		if before != 2 || words != "bande de connards" {
			t.Fatalf("queue of %d, flagged words %q", before, words)
		}
		shot(t, ctx, "cm-moderation")
		do(t, ctx, "handle", chromedp.Click(chromedp.CSS(fmt.Sprintf(`li[data-id="%s"] .mod-handle`, abuse.ID))))
		waitPage(t, ctx, `location.search.includes("done=handled") && document.querySelector(".flash") !== null`)
		after := eval[int](t, ctx, `document.querySelectorAll("#mod-queue li").length`)
		tab := eval[string](t, ctx, `document.getElementById("tab-handled").textContent`)
		if after != 1 || !strings.Contains(tab, "(1)") {
			t.Fatalf("after handling: %d in the queue, tab %q", after, tab)
		}
	})

	t.Run("compact header on a phone", func(t *testing.T) {
		do(t, ctx, "phone",
			chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile),
			chromedp.Navigate(u+"/live?brand=Duval"),
			chromedp.WaitVisible(chromedp.CSS("#stream")),
		)
		hdr := eval[float64](t, ctx, `document.querySelector("header.top").getBoundingClientRect().height`)
		overflow := eval[bool](t, ctx, `document.documentElement.scrollWidth > window.innerWidth + 1`)
		shot(t, ctx, "cm-live-phone")
		do(t, ctx, "moderation phone", chromedp.Navigate(u+"/moderation?brand=Duval&view=all"), chromedp.WaitVisible(chromedp.CSS("#mod-queue")))
		shot(t, ctx, "cm-moderation-phone")
		do(t, ctx, "desktop", chromedp.EmulateViewport(1280, 1000))
		t.Logf("phone header: %.0f px of 844 (%.1f%%)", hdr, hdr/844*100)
		if hdr > 0.12*844 || overflow {
			t.Fatalf("phone header %.0f px (%.1f%% of 844, want <= 12%%), sideways scroll %v", hdr, hdr/844*100, overflow)
		}
	})
}
