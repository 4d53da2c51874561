package console_test

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/collection/collect"
	"github.com/veille-oss/veille/pkg/platform/bus"
	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/services/console"
)

func bearer() []string { return []string{"Authorization", "Bearer " + testToken} }

func TestSearchAndCSVExport(t *testing.T) {
	h := setup(t)
	h.insert(fixtures())
	c := h.client()
	cases := []struct {
		query string
		want  uint64
	}{
		{"", 7},
		{"brand=Duval", 5},
		{"brand=Duval&sentiment=neg", 3},
		{"kind=forum", 3},
		{"lang=en", 1},
		{"influencer=1", 1},
		{"toxic=1", 1},
		{"q=ARNAQUE", 1},
		{"q=marie", 6},
		{"period=24h&brand=Blanchard", 2},
		{"period=custom&from=2001-01-01&to=2001-01-02", 0},
	}
	for _, cs := range cases {
		resp, body := h.get(c, "/api/search?"+cs.query, bearer()...)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", cs.query, resp.StatusCode, body)
		}
		var res console.SearchResult
		if err := json.Unmarshal([]byte(body), &res); err != nil {
			t.Fatal(err)
		}
		if res.Total != cs.want || uint64(len(res.Mentions)) != cs.want {
			t.Errorf("%s: total %d, %d rows; want %d", cs.query, res.Total, len(res.Mentions), cs.want)
		}
	}
	for _, bad := range []string{"sentiment=angry", "kind=tv", "period=1y", "limit=abc", "period=custom&from=yesterday"} {
		if resp, _ := h.get(c, "/api/search?"+bad, bearer()...); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", bad, resp.StatusCode)
		}
	}

	// CSV of the filtered list.
	resp, body := h.get(c, "/export.csv?brand=Duval&sentiment=neg", bearer()...)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("csv: %d %v", resp.StatusCode, resp.Header)
	}
	// French by default: semicolons (French Excel splits on them).
	cr := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff")))
	cr.Comma = ';'
	rows, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || rows[0][0] != "id" || rows[0][15] != "text" {
		t.Fatalf("csv rows: %v", rows)
	}
	for _, r := range rows[1:] {
		if r[2] != "Duval" || r[9] != "neg" {
			t.Fatalf("row outside the filter: %v", r)
		}
	}
	if !strings.Contains(body, "c'est une arnaque, bande d'idiots.") || !strings.Contains(body, "déçue") {
		t.Fatalf("csv lacks texts:\n%s", body)
	}

	// The HTML search page shows the highlighted results and the export link.
	lc, _ := h.login()
	resp, page := h.get(lc, "/search?q=arnaque")
	if resp.StatusCode != 200 || !strings.Contains(page, `<mark class="q">arnaque</mark>`) || !strings.Contains(page, `<mark class="term">Duval</mark>`) ||
		!strings.Contains(page, `href="/export.csv?q=arnaque"`) || !strings.Contains(page, `Toxique`) {
		t.Fatalf("search page:\n%s", page)
	}
}

func TestCSVNeutralisesFormulas(t *testing.T) {
	h := setup(t)
	m := mk("Duval", "web", "blog", "neu", "=HYPERLINK(\"http://evil\";\"x\") Duval", 0)
	h.insert([]*mention.Mention{m})
	_, body := h.get(h.client(), "/export.csv", bearer()...)
	if !strings.Contains(body, `'=HYPERLINK`) {
		t.Fatalf("formula not neutralised:\n%s", body)
	}
}

func TestDashboardAPI(t *testing.T) {
	h := setup(t)
	h.insert(fixtures())
	_, body := h.get(h.client(), "/api/dashboard?brand=Duval&period=24h", bearer()...)
	var d console.Dashboard
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	if d.Sentiment.Total != 5 || d.Sentiment.Neg != 3 || d.Sentiment.Net != -40 {
		t.Fatalf("sentiment %+v", d.Sentiment)
	}
	if len(d.Share) != 2 || d.Share[0].Brand != "Duval" || d.Share[0].Share != 71.4 || d.Group != "laitiers" {
		t.Fatalf("share of voice %+v (group %q)", d.Share, d.Group)
	}
	if d.Volume.Step != time.Hour || len(d.Volume.Points) < 24 {
		t.Fatalf("volume step %s, %d points", d.Volume.Step, len(d.Volume.Points))
	}
	var total uint64
	for _, p := range d.Volume.Points {
		total += p.Total
	}
	if total != 5 {
		t.Fatalf("volume sums to %d", total)
	}
	if len(d.Sources) != 3 || len(d.Influencers) != 1 || d.Influencers[0].Name != "Jean Influent" || len(d.Langs) != 2 || len(d.Terms.Evidence) == 0 {
		t.Fatalf("tops: sources %v, influencers %v, langs %v, evidence %v", d.Sources, d.Influencers, d.Langs, d.Terms.Evidence)
	}
	// The HTML page carries the same numbers and the chart data.
	c, _ := h.login()
	resp, page := h.get(c, "/dashboard?brand=Duval&period=24h")
	if resp.StatusCode != 200 || !strings.Contains(page, `id="kpi-total">5<`) || !strings.Contains(page, "id=\"kpi-net\">\u221240,0\u202f%<") ||
		!strings.Contains(page, `<script type="application/json" id="chart-data">{"langs":`) || !strings.Contains(page, "/static/chart.umd.min.js") {
		t.Fatalf("dashboard page:\n%s", page)
	}
}

func TestIncidentsAcknowledgeAndResolve(t *testing.T) {
	h := setup(t)
	ms := fixtures()
	h.insert(ms)
	h.insertIncident("inc-7", "Duval", "open", 1, []string{ms[0].ID, ms[1].ID})
	h.insertIncident("inc-8", "Blanchard", "resolved", 3, nil)
	c, tok := h.login()
	resp, page := h.get(c, "/incidents")
	if resp.StatusCode != 200 || !strings.Contains(page, `href="/incidents/inc-7"`) || strings.Contains(page, "inc-8") {
		t.Fatalf("active incidents:\n%s", page)
	}
	if _, page = h.get(c, "/incidents?status=all"); !strings.Contains(page, "inc-8") {
		t.Fatal("past incident missing from all")
	}
	// Every mention behind it: the brand's 5 mentions collected since one
	// window (1h) before it opened, not only its top 2.
	_, page = h.get(c, "/incidents/inc-7")
	if !strings.Contains(page, `data-status="open"`) || strings.Count(page, `class="card sent-neg"`) != 3 || strings.Count(page, `class="card sent-`) != 5 || !strings.Contains(page, `id="ack"`) {
		t.Fatalf("incident page:\n%s", page)
	}
	resp, _ = h.post(c, "/incidents/inc-7/ack", url.Values{"csrf_token": {tok}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/incidents/inc-7?done=acknowledged" {
		t.Fatalf("ack: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page = h.get(c, "/incidents/inc-7?done=acknowledged")
	if !strings.Contains(page, `data-status="acknowledged"`) || !strings.Contains(page, "Incident pris en charge.") || strings.Contains(page, `id="ack"`) {
		t.Fatalf("after ack:\n%s", page)
	}
	h.post(c, "/incidents/inc-7/resolve", url.Values{"csrf_token": {tok}})
	_, body := h.get(c, "/api/incidents?status=all", bearer()...)
	var list []struct {
		ID      string `json:"incident_id"`
		Status  string `json:"status"`
		Version uint64 `json:"version"`
	}
	if err := json.Unmarshal([]byte(body), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != "inc-7" && list[1].ID != "inc-7" {
		t.Fatalf("incidents %+v", list)
	}
	for _, i := range list {
		if i.ID == "inc-7" && (i.Status != "resolved" || i.Version != 3) {
			t.Fatalf("inc-7 after resolve: %+v", i)
		}
	}
	if resp, _ := h.get(c, "/incidents/nope"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown incident: %d", resp.StatusCode)
	}
}

func TestSourcesHealth(t *testing.T) {
	h := setup(t)
	ctx := context.Background()
	c, _ := h.login()
	// No bucket yet: every configured source is listed as never collected.
	_, body := h.get(c, "/api/sources", bearer()...)
	var list []console.SourceHealth
	if err := json.Unmarshal([]byte(body), &list); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	if len(list) != 3 || list[0].State != "never" || list[2].URL != "https://blog.example.fr/" {
		t.Fatalf("sources before any state: %+v", list)
	}
	kv, err := h.bus.JS.KeyValue(ctx, collect.BucketSources)
	if err != nil {
		t.Fatalf("bucket not created by the console: %v", err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	put := func(name string, v map[string]any) {
		b, _ := json.Marshal(v)
		if _, err := kv.Put(ctx, bus.Token(name), b); err != nil {
			t.Fatal(err)
		}
	}
	put("Le Fil Info", map[string]any{"name": "Le Fil Info", "kind": "rss", "url": "https://news.example.fr/rss.xml", "last_success": now.Format(time.RFC3339), "items_seen": 42, "pages_fetched": 7, "updated_at": now.Format(time.RFC3339)})
	put("conso", map[string]any{"name": "conso", "kind": "forum", "url": "https://forum.example.fr/f/2", "last_success": now.Add(-time.Hour).Format(time.RFC3339), "last_error": "HTTP 503 from forum.example.fr", "last_error_at": now.Format(time.RFC3339), "items_seen": 3, "updated_at": now.Format(time.RFC3339),
		"counters": map[string]int{"posts_seen": 31, "posts_new": 12, "skipped.quote_only": 2, "skipped.deleted": 5, "dates_missing": 4}})
	put("old", map[string]any{"name": "old", "kind": "web", "url": "https://old.example.fr/", "items_seen": 1, "updated_at": now.Format(time.RFC3339)})
	_, body = h.get(c, "/api/sources", bearer()...)
	list = nil
	if err := json.Unmarshal([]byte(body), &list); err != nil {
		t.Fatal(err)
	}
	states := map[string]string{}
	for _, s := range list {
		states[s.Name] = s.State
	}
	if len(list) != 4 || states["Le Fil Info"] != "ok" || states["conso"] != "error" || states["blog"] != "never" || states["old"] != "unconfigured" || list[0].ItemsSeen != 42 {
		t.Fatalf("sources: %+v", list)
	}
	_, page := h.get(c, "/sources")
	if !strings.Contains(page, "HTTP 503 from forum.example.fr") || !strings.Contains(page, "En erreur") || !strings.Contains(page, `data-source="Le Fil Info"`) {
		t.Fatalf("sources page:\n%s", page)
	}
	// The forum source's post counters: read, new, skipped by reason
	// (most first), dates missing; a source without counters shows none.
	for _, want := range []string{"<dt>lus</dt><dd>31</dd>", "<dt>nouveaux</dt><dd>12</dd>",
		`<dd>7 (<span data-skip="deleted">supprimés 5</span>, <span data-skip="quote_only">citations seules 2</span>)</dd>`,
		`<dt>sans date lisible</dt><dd class="errtext">4</dd>`} {
		if !strings.Contains(page, want) {
			t.Fatalf("sources page lacks %s:\n%s", want, page)
		}
	}
	if strings.Count(page, `<dl class="counters">`) != 1 {
		t.Fatalf("counters shown for sources that have none:\n%s", page)
	}
}

func TestLanguageChoice(t *testing.T) {
	h := setup(t)
	c := h.client()
	if _, page := h.get(c, "/login"); !strings.Contains(page, `<html lang="fr">`) || !strings.Contains(page, "Mot de passe") {
		t.Fatal("default language is not French")
	}
	if _, page := h.get(c, "/login", "Accept-Language", "en-GB,en;q=0.9"); !strings.Contains(page, `<html lang="en">`) || !strings.Contains(page, "Password") {
		t.Fatal("Accept-Language en ignored")
	}
	if _, page := h.get(c, "/login", "Accept-Language", "de-DE"); !strings.Contains(page, `<html lang="fr">`) {
		t.Fatal("unsupported language does not fall back to the default")
	}
	lc, tok := h.login()
	resp, _ := h.post(lc, "/lang", url.Values{"csrf_token": {tok}, "lang": {"en"}, "next": {"/sources"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/sources" {
		t.Fatalf("lang switch: %d", resp.StatusCode)
	}
	// The cookie wins over Accept-Language.
	if _, page := h.get(lc, "/sources", "Accept-Language", "fr-FR"); !strings.Contains(page, "Sources health") || !strings.Contains(page, "Never collected") {
		t.Fatal("language cookie ignored")
	}
}

func TestLiveStreamSSE(t *testing.T) {
	h := setup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// One mention before the browser connects: it arrives in the backlog.
	early := mk("Duval", "rss", "Le Fil Info", "pos", "Duval, une belle réussite.", 0, evidence("belle réussite"))
	if err := h.bus.PublishMention(ctx, bus.EnrichedSubject("fr"), early); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	req, _ := http.NewRequestWithContext(ctx, "GET", h.http.URL+"/api/stream?brand=Duval&sentiment=neg", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream; charset=utf-8" {
		t.Fatalf("stream: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	events := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok && d != "{}" {
				events <- d
			}
		}
		close(events)
	}()
	// The positive backlog mention does not match sentiment=neg.
	other := mk("Blanchard", "forum", "conso", "neg", "Blanchard nul.", time.Minute)
	neg := mk("Duval", "forum", "conso", "neg", "Duval est vraiment nul.", 2*time.Minute, evidence("vraiment nul"))
	if err := h.bus.PublishMention(ctx, bus.EnrichedSubject("fr"), other); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := h.bus.PublishMention(ctx, bus.EnrichedSubject("fr"), neg); err != nil {
		t.Fatal(err)
	}
	select {
	case d := <-events:
		lat := time.Since(start)
		var cd console.Card
		if err := json.Unmarshal([]byte(d), &cd); err != nil {
			t.Fatal(err)
		}
		if cd.ID != neg.ID || cd.Sentiment != "neg" {
			t.Fatalf("first event %+v, want the Duval negative mention", cd)
		}
		want := []console.Segment{{T: "Duval", C: "term"}, {T: " est "}, {T: "vraiment nul", C: "ev-neg"}, {T: "."}}
		if b1, _ := json.Marshal(cd.Segments); string(b1) != mustJSON(want) {
			t.Fatalf("segments %s", b1)
		}
		t.Logf("SSE latency publish -> event: %s", lat)
		if lat > 2*time.Second {
			t.Fatalf("live latency %s > 2s", lat)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no live event within 5s")
	}
	if v, _ := testutilGauge(h, "veille_console_sse_clients"); v != 1 {
		t.Fatalf("sse clients gauge %v", v)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
