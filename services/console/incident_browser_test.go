package console_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"gopkg.in/yaml.v3"

	"github.com/veille-oss/veille/pkg/platform/bus"
	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/platform/obs"
	"github.com/veille-oss/veille/pkg/platform/service"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
	"github.com/veille-oss/veille/services/alerter"
	"github.com/veille-oss/veille/services/console"
)

// incidentAlerting is a fast alerter: a 4 s window, 20 negatives open an
// incident before any baseline exists.
const incidentAlerting = `
defaults: {window: 4s, bucket: 1s, seasonality: none, cold_min_count: 20, update_every: 1s, resolve_after: 1m}
tick: 200ms
snapshot_every: 500ms
lease_ttl: 3s
`

// startAlerter runs the real alerter on the harness's NATS and ClickHouse.
func startAlerter(t *testing.T, h *harness) {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(incidentAlerting), &doc); err != nil {
		t.Fatal(err)
	}
	h.cfg.Alerting = *doc.Content[0]
	env := &service.Env{Config: h.cfg, Log: testenv.Logger(t).With("service", "alerter"), Bus: h.bus, Metrics: obs.NewRegistry()}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := alerter.RunWith(ctx, env, alerter.Options{Instance: "browser-test", Store: h.st}); err != nil && ctx.Err() == nil {
			t.Errorf("alerter: %v", err)
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
}

// crisis is n negative Duval mentions collected now, published on the
// enriched stream (alerter, live page) and stored (as the sink does).
func crisis(t *testing.T, h *harness, n int, tag string) {
	t.Helper()
	now := time.Now().UTC()
	ms := make([]*mention.Mention, n)
	for i := range ms {
		m := mk("Duval", "forum", "conso", "neg", fmt.Sprintf("%s %d : yaourt Duval avarié, je suis malade, honteux !", tag, i), 0,
			evidence("avarié", "honteux"))
		m.URL = fmt.Sprintf("https://forum.example.fr/duval/%s/%d", tag, i)
		m.PublishedAt, m.CollectedAt = now.Add(-time.Minute), now
		m.Enrichment.EnrichedAt = now
		m.Enrichment.InfluenceScore = float64(i % 50)
		m.SetID()
		ms[i] = m
	}
	h.insert(ms)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, m := range ms {
		if err := h.bus.PublishMention(ctx, bus.EnrichedSubject("fr"), m); err != nil {
			t.Fatal(err)
		}
	}
}

// TestBrowserIncidentFlow is a CM's session: the crisis is noticed on the
// live page (badge, banner, notification), handled to "resolved" with an
// assignee and a note, and stays resolved while the detector still sees it.
func TestBrowserIncidentFlow(t *testing.T) {
	// People act on the wall clock, as the alerter does.
	h := setup(t, func(_ *config.Config, o *console.Options) { o.Now = time.Now })
	h.insert(fixtures())
	startAlerter(t, h)
	ctx := newBrowser(t)
	u := h.http.URL
	sctx, cancel := step(ctx)
	_, err := chromedp.CallBrowser(sctx, browser.SetPermission, browser.SetPermissionParams{
		Permission: &browser.PermissionDescriptor{Name: "notifications"}, Setting: browser.PermissionSettingGranted, Origin: u,
	})
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "log in",
		chromedp.Navigate(u+"/live?brand=Duval"),
		chromedp.WaitVisible(chromedp.CSS("#login-form")),
		chromedp.SendKeys(chromedp.CSS("#user"), testUser),
		chromedp.SendKeys(chromedp.CSS("#password"), testPassword),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("login-submit").click()`),
	)
	waitPage(t, ctx, `location.pathname === "/live" && document.readyState === "complete"`)
	do(t, ctx, "French", chromedp.SetValue(chromedp.CSS("#lang-select"), "fr"), chromedp.Submit(chromedp.CSS("#lang-select")))
	waitPage(t, ctx, `document.documentElement.lang === "fr" && location.pathname === "/live" && !!(window.veilleIncidents && window.veilleIncidents.connected) && !!(window.veilleLive && window.veilleLive.connected)`)
	if n := eval[int](t, ctx, `window.veilleIncidents.active`); n != 0 || !eval[bool](t, ctx, `document.getElementById("inc-badge").hidden`) {
		t.Fatalf("badge before any incident: %d active", n)
	}

	start := time.Now()
	crisis(t, h, 40, "buzz")
	do(t, ctx, "banner", poll(`!document.getElementById("inc-banner").hidden && document.getElementById("inc-badge").textContent === "1"`, 20*time.Second))
	t.Logf("crisis published -> banner and badge on the live page: %s", time.Since(start).Round(time.Millisecond))
	text := eval[string](t, ctx, `document.getElementById("inc-banner").textContent`)
	if !(strings.Contains(text, "Nouvel incident") || strings.Contains(text, "Incident aggravé")) || !strings.Contains(text, "Pic de volume négatif — Duval") || !strings.Contains(text, "sévérité") {
		t.Fatalf("banner %q", text)
	}
	if n := eval[int](t, ctx, `window.veilleIncidents.notified`); n < 1 {
		t.Fatalf("no browser notification (permission granted)")
	}
	shot(t, ctx, "incident-banner-live")

	// Click events on the elements themselves: a pointer click at computed
	// coordinates landed on <body> on a loaded machine, as the page reflowed
	// (live cards, the incident banner updating) between hit test and press.
	do(t, ctx, "open the incident", chromedp.Evaluate[chromedp.Void](`document.querySelector("#inc-banner a.button").click()`))
	waitPage(t, ctx, `location.pathname.startsWith("/incidents/inc-") && document.getElementById("incident") !== null`)
	if h1 := eval[string](t, ctx, `document.querySelector("h1").textContent`); h1 != "Pic de volume négatif — Duval" {
		t.Fatalf("incident title %q", h1)
	}
	id := eval[string](t, ctx, `document.getElementById("incident").dataset.id`)
	do(t, ctx, "assign",
		chromedp.SendKeys(chromedp.CSS("#assignee"), "bob"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("assign").click()`),
	)
	waitPage(t, ctx, `location.search.includes("done=assigned") && document.readyState === "complete"`)
	do(t, ctx, "note",
		chromedp.SendKeys(chromedp.CSS("#note"), "Réponse publiée ; lot 42 retiré de la vente."),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("add-note").click()`),
	)
	waitPage(t, ctx, `location.search.includes("done=note") && document.readyState === "complete"`)
	do(t, ctx, "resolve", chromedp.Evaluate[chromedp.Void](`document.getElementById("resolve").click()`))
	waitPage(t, ctx, `location.search.includes("done=resolved") && document.readyState === "complete"`)
	if s := eval[string](t, ctx, `document.getElementById("incident").dataset.status`); s != "resolved" {
		t.Fatalf("status after resolve: %s", s)
	}

	// The alerter takes the resolution into account (its resolved event).
	testenv.Eventually(t, 20*time.Second, "the alerter's resolved event in the timeline", func() (bool, string) {
		_, body := h.get(h.client(), "/api/incidents/"+id, bearer()...)
		return strings.Contains(body, `"source":"detector","kind":"resolved"`), body
	})
	// The crisis goes on at its level once the window has passed: held.
	time.Sleep(5 * time.Second)
	crisis(t, h, 30, "suite")
	time.Sleep(3 * time.Second) // several alerter ticks
	do(t, ctx, "reload", chromedp.Navigate(u+"/incidents/"+id))
	waitPage(t, ctx, `document.readyState === "complete" && !!window.veilleIncidents && window.veilleIncidents.connected`)
	status := eval[string](t, ctx, `document.getElementById("incident").dataset.status`)
	who := eval[string](t, ctx, `(document.getElementById("resolved-by") || {}).textContent || ""`)
	tl := eval[string](t, ctx, `document.getElementById("timeline").textContent`)
	assignee := eval[string](t, ctx, `document.getElementById("incident-assignee").textContent`)
	if status != "resolved" || !strings.Contains(who, "par "+testUser) || !strings.Contains(tl, "lot 42 retiré") || !strings.Contains(assignee, "bob") ||
		!strings.Contains(tl, "Résolution prise en compte par l'alerteur") {
		t.Fatalf("after detector activity: status %s, %q, assignee %q, timeline %q", status, who, assignee, tl)
	}
	if n := eval[int](t, ctx, `window.veilleIncidents.active`); n != 0 {
		t.Fatalf("badge counts %d active incidents after the resolution", n)
	}
	_, body := h.get(h.client(), "/api/incidents?brand=Duval", bearer()...)
	if body != "[]\n" {
		t.Fatalf("active Duval incidents after the held resolution: %s", body)
	}
	shot(t, ctx, "incident-resolved")
}
