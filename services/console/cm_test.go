package console_test

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/services/console"
)

// figureLinks reads every linked figure of a dashboard page: the KPI cards
// and the table cells, as (search URL, number shown).
var (
	kpiRe = regexp.MustCompile(`<a class="kpi[^"]*" href="([^"]+)" id="[^"]+"><span class="kpi-label">[^<]*</span> <span class="kpi-value" id="[^"]+">([^<]+)</span>`)
	figRe = regexp.MustCompile(`<a class="fig" href="([^"]+)">([^<]+)</a>`)
)

func digits(s string) uint64 {
	n, _ := strconv.ParseUint(strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s), 10, 64)
	return n
}

// TestDashboardFiguresOpenTheirSearch: every figure of the dashboard links
// to a search whose count equals it (counted by ClickHouse), and the
// previous period is compared.
func TestDashboardFiguresOpenTheirSearch(t *testing.T) {
	h := setup(t)
	ms := fixtures()
	// A mention of the previous 24 h, for the comparison.
	ms = append(ms, mk("Duval", "forum", "conso", "neg", "Duval déjà nul hier.", -20*time.Hour, evidence("nul")))
	h.insert(ms)
	c, _ := h.login()
	resp, page := h.get(c, "/dashboard?brand=Duval&period=24h")
	if resp.StatusCode != 200 {
		t.Fatalf("dashboard: %d", resp.StatusCode)
	}
	type fig struct {
		url  string
		want uint64
	}
	var figs []fig
	for _, m := range kpiRe.FindAllStringSubmatch(page, -1) {
		figs = append(figs, fig{html.UnescapeString(m[1]), digits(m[2])})
	}
	nKPI := len(figs)
	for _, m := range figRe.FindAllStringSubmatch(page, -1) {
		figs = append(figs, fig{html.UnescapeString(m[1]), digits(m[2])})
	}
	if nKPI != 4 || len(figs) < 25 {
		t.Fatalf("%d KPI links and %d figures in all; want 4 and at least 25", nKPI, len(figs))
	}
	for _, f := range figs {
		u, err := url.Parse(f.url)
		if err != nil || u.Path != "/search" {
			t.Fatalf("figure link %q", f.url)
		}
		_, body := h.get(c, "/api/search?"+u.RawQuery, bearer()...)
		var res console.SearchResult
		if err := json.Unmarshal([]byte(body), &res); err != nil {
			t.Fatalf("%s: %v %s", f.url, err, body)
		}
		if res.Total != f.want {
			t.Errorf("figure %d opens %s counting %d", f.want, f.url, res.Total)
		}
	}
	// A drilled-down search keeps its exact instants in the form (a date
	// input would drop them on the next submit).
	_, sp := h.get(c, figs[1].url)
	if !regexp.MustCompile(`<input type="text" id="f-from" name="from" value="\d{4}-\d\d-\d\dT`).MatchString(sp) {
		t.Fatalf("drilled-down search form:\n%s", sp)
	}
	// 5 now, 1 in the 24 h before: +400 %.
	if text := html.UnescapeString(page); !strings.Contains(text, "+400,0\u202f%") || !strings.Contains(text, "période précédente : 1") || !strings.Contains(text, "+60,0\u202fpts") {
		t.Fatalf("no comparison with the previous period:\n%s", page)
	}
	// The JSON carries it too.
	_, body := h.get(c, "/api/dashboard?brand=Duval&period=24h", bearer()...)
	var d console.Dashboard
	if err := json.Unmarshal([]byte(body), &d); err != nil || d.Previous == nil || d.Previous.Sentiment.Total != 1 || d.Previous.Sentiment.Neg != 1 {
		t.Fatalf("previous period: %+v %v", d.Previous, err)
	}
}

func TestSearchPagingAndFrenchErrors(t *testing.T) {
	h := setup(t)
	var ms []*mention.Mention
	for i := range 120 {
		ms = append(ms, mk("Duval", "forum", "conso", "neu", fmt.Sprintf("Message %d sur Duval et son écologie.", i), -time.Duration(i)*time.Minute))
	}
	h.insert(ms)
	c, _ := h.login()
	seen := map[string]bool{}
	for p, want := range map[int]int{1: 50, 2: 50, 3: 20} {
		_, body := h.get(c, fmt.Sprintf("/api/search?brand=Duval&page=%d", p), bearer()...)
		var res console.SearchResult
		if err := json.Unmarshal([]byte(body), &res); err != nil {
			t.Fatal(err)
		}
		if res.Total != 120 || len(res.Mentions) != want || res.Page != p || res.Pages != 3 || res.First != (p-1)*50+1 {
			t.Fatalf("page %d: total %d, %d rows, page %d/%d, first %d", p, res.Total, len(res.Mentions), res.Page, res.Pages, res.First)
		}
		for _, m := range res.Mentions {
			if seen[m.ID] {
				t.Fatalf("mention %s on two pages", m.ID)
			}
			seen[m.ID] = true
		}
	}
	if len(seen) != 120 {
		t.Fatalf("%d distinct mentions over 3 pages", len(seen))
	}
	resp, page := h.get(c, "/search?brand=Duval&q=%C3%89COLO&page=2")
	if resp.StatusCode != 200 || !strings.Contains(page, "Mentions 51 à 100 sur 120") || !strings.Contains(page, "Page 2 sur 3") ||
		!strings.Contains(page, `rel="prev"`) || !strings.Contains(page, `href="/search?brand=Duval&amp;q=%C3%89COLO&amp;page=3"`) ||
		!strings.Contains(page, `<mark class="q">écolo</mark>`) {
		t.Fatalf("search page 2:\n%s", page)
	}
	// Errors are French, naming the field and the value.
	for q, want := range map[string]string{
		"sentiment=angry":         "Tonalité : « angry » n'est pas une valeur possible (négatif, neutre ou positif).",
		"period=1y":               "Période : « 1y » n'est pas une valeur possible",
		"page=abc":                "Page : « abc »",
		"period=custom&from=hier": "Date de début : « hier » n'est pas une date (AAAA-MM-JJ).",
		"period=custom&from=2025-02-01&to=2025-01-01": "la date de fin doit suivre la date de début.",
		"kind=tv": "Type de source : « tv »",
	} {
		resp, page := h.get(c, "/search?"+q)
		text := html.UnescapeString(page)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(text, want) || strings.Contains(text, " must be ") {
			t.Errorf("%s: %d, want %q in:\n%.2000s", q, resp.StatusCode, want, text)
		}
	}
	_, body := h.get(c, "/api/search?sentiment=angry", bearer()...)
	if !strings.Contains(body, "n'est pas une valeur possible") {
		t.Errorf("API error not French: %s", body)
	}
}

// TestCSVExportStreamsEveryRow: 12,000 rows (above the old silent 10,000
// cap), semicolons and decimal commas in French, commas and points with
// format=intl, times in the viewer's zone.
func TestCSVExportStreamsEveryRow(t *testing.T) {
	h := setup(t)
	const n = 12_000
	ms := make([]*mention.Mention, 0, n)
	for i := range n {
		ms = append(ms, mk("Duval", "web", "blog", "neg", fmt.Sprintf("Avis %d : Duval déçoit.", i), -time.Duration(i)*time.Minute))
	}
	h.insert(ms)
	resp, body := h.get(h.client(), "/export.csv?brand=Duval", append(bearer(), "Cookie", "veille_tz=Europe%2FParis")...)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	cr := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff")))
	cr.Comma = ';'
	rows, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != n+1 {
		t.Fatalf("%d data rows, want %d", len(rows)-1, n)
	}
	if rows[1][10] != "-0,700" {
		t.Fatalf("score %q, want -0,700 (decimal comma)", rows[1][10])
	}
	pub, err := time.Parse(time.RFC3339, rows[1][1])
	if err != nil || !strings.HasSuffix(rows[1][1], "+01:00") && !strings.HasSuffix(rows[1][1], "+02:00") {
		t.Fatalf("published_at %q not in the viewer's zone (Europe/Paris): %v", rows[1][1], err)
	}
	if !pub.Equal(ms[0].PublishedAt) {
		t.Fatalf("published_at %s, want %s", pub, ms[0].PublishedAt)
	}
	_, body = h.get(h.client(), "/export.csv?brand=Duval&format=intl&limit=3", bearer()...)
	rows, err = csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
	if err != nil || len(rows) != 4 || rows[1][10] != "-0.700" || !strings.HasSuffix(rows[1][1], "Z") {
		t.Fatalf("intl export: %v %v", rows, err)
	}
	if resp, _ := h.get(h.client(), "/export.csv?format=xls", bearer()...); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("bad format: %d", resp.StatusCode)
	}
}

func TestModerationQueueFlow(t *testing.T) {
	h := setup(t)
	tox := func(txt string, at time.Duration) *mention.Mention {
		return mk("Duval", "forum", "conso", "neg", txt, at, func(m *mention.Mention) {
			m.Enrichment.Toxic = true
			m.Enrichment.Toxicity = []mention.ToxicFlag{{Category: "insult"}}
		})
	}
	a := tox("Duval, bande de connards, rendez l'argent.", 90*time.Minute)
	b := tox("Chez Duval ce sont des abrutis.", 2*time.Hour)
	h.insert(append(fixtures(), a, b))
	c, csrf := h.login()
	resp, page := h.get(c, "/moderation?brand=Duval")
	if resp.StatusCode != 200 {
		t.Fatalf("moderation: %d", resp.StatusCode)
	}
	// Newest first; flagged words shown; the link to the original.
	ib, ia := strings.Index(page, `data-id="`+b.ID+`"`), strings.Index(page, `data-id="`+a.ID+`"`)
	if ib < 0 || ia < 0 || ib > ia || !strings.Contains(page, `<mark class="tox">bande de connards</mark>`) || !strings.Contains(page, `<mark class="tox">abrutis</mark>`) ||
		!strings.Contains(page, "Insulte") || !strings.Contains(page, `href="`+a.URL+`"`) || !strings.Contains(page, "À traiter <span class=\"count\">(3)</span>") {
		t.Fatalf("queue page:\n%s", page)
	}
	resp, _ = h.post(c, "/moderation/"+a.ID, url.Values{"csrf_token": {csrf}, "mark": {"handled"}, "next": {"/moderation?brand=Duval&view=todo"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/moderation?brand=Duval&done=handled&view=todo" {
		t.Fatalf("mark: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page = h.get(c, "/moderation?brand=Duval&view=todo&done=handled")
	if strings.Contains(page, `data-id="`+a.ID+`"`) || !strings.Contains(page, "Mention marquée comme traitée.") {
		t.Fatalf("handled mention still in the queue:\n%s", page)
	}
	_, page = h.get(c, "/moderation?brand=Duval&view=handled")
	if !strings.Contains(page, `data-id="`+a.ID+`"`) || !strings.Contains(page, "Traitée par alice le") {
		t.Fatalf("handled view:\n%s", page)
	}
	// Without the CSRF token: refused. A hostile next: stays local.
	if resp, _ := h.post(c, "/moderation/"+b.ID, url.Values{"mark": {"ignored"}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("no CSRF: %d", resp.StatusCode)
	}
	resp, _ = h.post(c, "/moderation/"+b.ID, url.Values{"csrf_token": {csrf}, "mark": {"ignored"}, "next": {"https://evil.example/moderation"}})
	if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, "/moderation?") {
		t.Fatalf("redirect to %q", loc)
	}
	// The API, with the token.
	_, body := h.get(c, "/api/moderation?brand=Duval&view=all", bearer()...)
	var p console.ModerationPage
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatal(err)
	}
	if p.Counts["todo"] != 1 || p.Counts["handled"] != 1 || p.Counts["ignored"] != 1 || len(p.Items) != 3 {
		t.Fatalf("api: counts %v, %d items", p.Counts, len(p.Items))
	}
	resp, body = h.post(c, "/api/moderation/"+b.ID, url.Values{"mark": {"done"}}, bearer()...)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Décision") {
		t.Fatalf("bad mark: %d %s", resp.StatusCode, body)
	}
}
