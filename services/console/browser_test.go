package console_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/veille-oss/veille/pkg/platform/bus"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
)

// chromium finds the browser; the browser tests fail (not skip) without it.
func chromium(t *testing.T) string { return testenv.Chromium(t) }

// artifacts is where screenshots go: $VEILLE_ARTIFACTS or testdata/artifacts.
func artifacts(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("VEILLE_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("testdata", "artifacts")
	} else {
		dir = filepath.Join(dir, "console")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1000),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	t.Cleanup(func() { cancelC(); cancelA() })
	// The first Do starts the browser; its context must outlive the test.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// step bounds one browser step.
func step(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, 30*time.Second)
}

func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	sctx, cancel := step(ctx)
	defer cancel()
	img, err := chromedp.Run(sctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	if err := os.WriteFile(filepath.Join(artifacts(t), name+".png"), img, 0o644); err != nil {
		t.Error(err)
	}
}

func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := step(ctx)
	defer cancel()
	if err := chromedp.Do(sctx, steps...); err != nil {
		shot(t, ctx, "failure-"+strings.ReplaceAll(what, " ", "-"))
		t.Fatalf("%s: %v", what, err)
	}
}

func eval[T any](t *testing.T, ctx context.Context, js string, opts ...chromedp.EvaluateOption) T {
	t.Helper()
	sctx, cancel := step(ctx)
	defer cancel()
	v, err := chromedp.Run(sctx, chromedp.Evaluate[T](js, opts...))
	if err != nil {
		t.Fatalf("evaluate %.80s: %v", js, err)
	}
	return v
}

func poll(js string, timeout time.Duration) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Poll[bool](js, chromedp.WithPollingInterval(5*time.Millisecond), chromedp.WithPollingTimeout(timeout))(ctx, tg)
		return err
	})
}

// waitPage polls across a navigation (a poll inside the page dies with it).
func waitPage(t *testing.T, ctx context.Context, js string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		sctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		ok, err := chromedp.Run(sctx, chromedp.Evaluate[bool](js))
		cancel()
		if err == nil && ok {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	shot(t, ctx, "failure-wait")
	t.Fatalf("page never satisfied %s", js)
}

func TestBrowser(t *testing.T) {
	h := setup(t)
	ms := fixtures()
	h.insert(ms)
	ctx := newBrowser(t)
	u := h.http.URL

	t.Run("unauthenticated is refused", func(t *testing.T) {
		do(t, ctx, "open dashboard", chromedp.Navigate(u+"/dashboard?brand=Duval"), chromedp.WaitVisible(chromedp.CSS("#login-form")))
		loc := eval[string](t, ctx, `location.href`)
		status := eval[int](t, ctx, `fetch("/api/search").then(r => r.status)`, chromedp.EvalAwaitPromise)
		if !strings.Contains(loc, "/login?next=") || status != 401 {
			t.Fatalf("landed on %s; API status %d", loc, status)
		}
		shot(t, ctx, "login")
	})

	t.Run("log in", func(t *testing.T) {
		do(t, ctx, "log in",
			chromedp.SendKeys(chromedp.CSS("#user"), testUser),
			chromedp.SendKeys(chromedp.CSS("#password"), testPassword),
			chromedp.Click(chromedp.CSS("#login-submit")),
			chromedp.WaitVisible(chromedp.CSS("#chart-volume")),
		)
		if loc := eval[string](t, ctx, `location.pathname + location.search`); loc != "/dashboard?brand=Duval" {
			t.Fatalf("after login at %s", loc)
		}
	})

	chartState := `(() => {
		const c = window.veilleCharts, v = c.volume.data.datasets;
		const sum = a => a.reduce((x, y) => x + y, 0);
		const cv = document.getElementById("chart-volume");
		return {
			canvases: document.querySelectorAll("canvas").length,
			volume: sum(v.map(d => sum(d.data))),
			points: c.volume.getDatasetMeta(0).data.length,
			sov: c.sov.data.datasets[0].data,
			langs: c.langs.data.labels.length,
			rendered: cv.width > 0 && cv.height > 0,
			sentiment: v.map(d => sum(d.data)),
		};
	})()`
	type charts struct {
		Canvases  int   `json:"canvases"`
		Volume    int   `json:"volume"`
		Points    int   `json:"points"`
		SoV       []int `json:"sov"`
		Langs     int   `json:"langs"`
		Rendered  bool  `json:"rendered"`
		Sentiment []int `json:"sentiment"`
	}

	t.Run("keyboard: skip link first", func(t *testing.T) {
		do(t, ctx, "sources", chromedp.Navigate(u+"/sources"), chromedp.KeyEvent(kb.Tab))
		cls := eval[string](t, ctx, `document.activeElement.className`)
		outline := eval[string](t, ctx, `getComputedStyle(document.activeElement).outlineStyle`)
		left := eval[float64](t, ctx, `document.activeElement.getBoundingClientRect().left`)
		if cls != "skip" || outline == "none" || left < 0 {
			t.Fatalf("first Tab focuses %q (outline %q, left %v), want the visible skip link", cls, outline, left)
		}
		do(t, ctx, "skip", chromedp.KeyEvent(kb.Enter))
		if id := eval[string](t, ctx, `document.activeElement.id`); id != "main" {
			t.Fatalf("the skip link moves focus to %q, want main", id)
		}
		shot(t, ctx, "sources")
	})

	t.Run("dashboard charts have data", func(t *testing.T) {
		do(t, ctx, "dashboard",
			chromedp.Navigate(u+"/dashboard?brand=Duval&period=24h"),
			poll(`!!(window.veilleCharts && window.veilleCharts.volume && window.veilleCharts.sov)`, 10*time.Second),
		)
		res := eval[charts](t, ctx, chartState)
		if res.Canvases != 3 || res.Volume != 5 || res.Points < 24 || len(res.SoV) != 2 || res.SoV[0] != 5 || res.SoV[1] != 2 || res.Langs != 2 || !res.Rendered {
			t.Fatalf("charts: %+v", res)
		}
		if fmt.Sprint(res.Sentiment) != "[3 1 1]" {
			t.Fatalf("volume by sentiment (neg, neu, pos) %v, want [3 1 1]", res.Sentiment)
		}
		shot(t, ctx, "dashboard")
	})

	t.Run("dashboard on a phone", func(t *testing.T) {
		do(t, ctx, "phone",
			chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile),
			chromedp.Navigate(u+"/dashboard?brand=Duval&period=24h"),
			poll(`!!(window.veilleCharts && window.veilleCharts.volume)`, 10*time.Second),
		)
		overflow := eval[bool](t, ctx, `document.documentElement.scrollWidth > window.innerWidth + 1`)
		shot(t, ctx, "dashboard-phone")
		do(t, ctx, "desktop", chromedp.EmulateViewport(1280, 1000))
		if overflow {
			t.Fatal("the dashboard scrolls sideways on a 390px-wide phone")
		}
	})

	t.Run("live stream shows a new mention within 2s", func(t *testing.T) {
		do(t, ctx, "live page",
			chromedp.Navigate(u+"/live?brand=Duval&sentiment=neg"),
			poll(`!!(window.veilleLive && window.veilleLive.connected)`, 10*time.Second),
		)
		pos := mk("Duval", "forum", "conso", "pos", "Duval est super.", 9*time.Hour, evidence("super"))
		neg := mk("Duval", "forum", "conso", "neg", "Duval m'a encore déçu, service client nul.", 9*time.Hour+time.Minute, evidence("déçu", "nul"), influencer)
		pctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := h.bus.PublishMention(pctx, bus.EnrichedSubject("fr"), pos); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if err := h.bus.PublishMention(pctx, bus.EnrichedSubject("fr"), neg); err != nil {
			t.Fatal(err)
		}
		sctx, scancel := step(ctx)
		defer scancel()
		err := chromedp.Do(sctx, poll(fmt.Sprintf(`document.querySelector('li[data-id="%s"]') !== null`, neg.ID), 5*time.Second))
		lat := time.Since(start)
		if err != nil {
			shot(t, ctx, "failure-live")
			t.Fatalf("mention not shown: %v", err)
		}
		t.Logf("live stream latency, NATS publish -> card in the page: %s", lat)
		if lat > 2*time.Second {
			t.Fatalf("live latency %s > 2s", lat)
		}
		first := eval[string](t, ctx, `document.querySelector("#stream li").dataset.id`)
		marks := eval[string](t, ctx, `Array.from(document.querySelectorAll("#stream li:first-child mark")).map(m => m.className + ":" + m.textContent).join(",")`)
		badge := eval[string](t, ctx, `document.querySelector("#stream li:first-child .badge.infl").textContent`)
		posShown := eval[bool](t, ctx, fmt.Sprintf(`document.querySelector('li[data-id="%s"]') !== null`, pos.ID))
		if first != neg.ID || marks != "term:Duval,ev-neg:déçu,ev-neg:nul" || !strings.Contains(badge, "Influenc") || posShown {
			t.Fatalf("card: first %s, marks %q, badge %q, positive shown %v", first, marks, badge, posShown)
		}
		shot(t, ctx, "live")
	})

	t.Run("filters change the list and CSV exports it", func(t *testing.T) {
		do(t, ctx, "search", chromedp.Navigate(u+"/search"), chromedp.WaitVisible(chromedp.CSS("#results")))
		all := eval[int](t, ctx, `document.querySelectorAll("#results li").length`)
		do(t, ctx, "filter",
			chromedp.SetValue(chromedp.CSS("#f-sent"), "neg"),
			chromedp.SetValue(chromedp.CSS("#f-brand"), "Duval"),
			chromedp.Click(chromedp.CSS("#f-apply")),
		)
		waitPage(t, ctx, `location.search.includes("sentiment=neg") && document.readyState === "complete" && document.querySelector("#results") !== null`)
		neg := eval[int](t, ctx, `document.querySelectorAll("#results li").length`)
		allNeg := eval[bool](t, ctx, `Array.from(document.querySelectorAll("#results li")).every(li => li.classList.contains("sent-neg"))`)
		if all != 7 || neg != 3 || !allNeg {
			t.Fatalf("unfiltered %d cards, filtered %d (all negative: %v); want 7 then 3", all, neg, allNeg)
		}
		shot(t, ctx, "search-filtered")

		dir := t.TempDir()
		sctx, cancel := step(ctx)
		defer cancel()
		if _, err := chromedp.CallBrowser(sctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: new(true),
		}); err != nil {
			t.Fatal(err)
		}
		events := chromedp.BrowserEvents(sctx, browser.DownloadProgress)
		// Activated from the keyboard, as a keyboard user would.
		do(t, ctx, "download", chromedp.Focus(chromedp.CSS("#csv-link")), chromedp.KeyEvent(kb.Enter))
		guid := ""
		for ev, err := range events {
			if err != nil {
				files, _ := os.ReadDir(dir)
				t.Fatalf("CSV download did not complete: %v (files %v)", err, files)
			}
			if ev.State == browser.DownloadProgressStateCompleted {
				guid = ev.GUID
				break
			}
		}
		b, err := os.ReadFile(filepath.Join(dir, guid))
		if err != nil {
			t.Fatal(err)
		}
		cr := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(b), "\ufeff")))
		if strings.HasPrefix(strings.TrimPrefix(string(b), "\ufeff"), "id;") {
			cr.Comma = ';' // the French export (this browser's page language)
		}
		rows, err := cr.ReadAll()
		if err != nil {
			t.Fatalf("downloaded CSV: %v\n%s", err, b)
		}
		// Header + the 3 stored negative Duval mentions (the live ones are not stored).
		if len(rows) != 4 {
			t.Fatalf("CSV has %d rows:\n%s", len(rows), b)
		}
		for _, r := range rows[1:] {
			if r[2] != "Duval" || r[9] != "neg" {
				t.Fatalf("CSV row outside the filter: %v", r)
			}
		}
	})
}
