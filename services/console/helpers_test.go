package console_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/platform/bus"
	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/platform/service"
	"github.com/veille-oss/veille/pkg/store"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
	"github.com/veille-oss/veille/services/console"
)

const (
	testUser     = "alice"
	testPassword = "correct horse battery"
	testToken    = "api-token-0123456789abcdef"
)

// hashOnce shares one bcrypt hash between tests (each costs ~60 ms).
var hashOnce = sync.OnceValues(func() (string, error) { return console.HashPassword(testPassword) })

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type harness struct {
	t     *testing.T
	cfg   *config.Config
	bus   *bus.Bus
	st    *store.Store
	env   *service.Env
	srv   *console.Server
	http  *httptest.Server
	clock *clock
}

type setupOpt func(*config.Config, *console.Options)

func setup(t *testing.T, opts ...setupOpt) *harness {
	t.Helper()
	hash, err := hashOnce()
	if err != nil {
		t.Fatal(err)
	}
	cfg := testenv.Config(t)
	cfg.Console.Users = []config.ConsoleUser{{Name: testUser, PasswordHash: config.Secret(hash)}}
	cfg.Console.Token = testToken
	cfg.Brands = []config.Brand{{Name: "Duval", Group: "laitiers"}, {Name: "Blanchard", Group: "laitiers"}}
	cfg.Sources = []config.Source{
		{Kind: "rss", Name: "Le Fil Info", URL: "https://news.example.fr/rss.xml"},
		{Kind: "forum", Name: "conso", URL: "https://forum.example.fr/f/2"},
		{Kind: "web", Name: "blog", Seeds: []string{"https://blog.example.fr/"}},
	}
	h := &harness{t: t, cfg: cfg, clock: &clock{t: time.Now().UTC()}}
	o := console.Options{Now: h.clock.Now}
	for _, fn := range opts {
		fn(cfg, &o)
	}
	h.bus = testenv.Bus(t, cfg)
	h.st = testenv.Store(t, cfg)
	o.Store = h.st
	h.env = testenv.Env(t, cfg, h.bus)
	srv, err := console.New(context.Background(), h.env, o)
	if err != nil {
		t.Fatal(err)
	}
	h.srv = srv
	h.http = httptest.NewServer(srv.Handler())
	t.Cleanup(func() { h.http.CloseClientConnections(); h.http.Close(); srv.Close() })
	return h
}

// client is a browser-like HTTP client: cookie jar, no automatic redirects.
func (h *harness) client() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 20 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

var csrfRe = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func csrfOf(t *testing.T, body string) string {
	t.Helper()
	m := csrfRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token in page:\n%.500s", body)
	}
	return m[1]
}

func (h *harness) get(c *http.Client, path string, hdr ...string) (*http.Response, string) {
	h.t.Helper()
	req, err := http.NewRequest("GET", h.http.URL+path, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func (h *harness) post(c *http.Client, path string, form url.Values, hdr ...string) (*http.Response, string) {
	h.t.Helper()
	req, err := http.NewRequest("POST", h.http.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// tryLogin posts the login form (with the token the login page gave).
func (h *harness) tryLogin(c *http.Client, user, pw string) *http.Response {
	h.t.Helper()
	_, body := h.get(c, "/login")
	resp, _ := h.post(c, "/login", url.Values{"csrf_token": {csrfOf(h.t, body)}, "user": {user}, "password": {pw}, "next": {"/dashboard"}})
	return resp
}

// login returns a logged-in client and its session's CSRF token.
func (h *harness) login() (*http.Client, string) {
	h.t.Helper()
	c := h.client()
	if resp := h.tryLogin(c, testUser, testPassword); resp.StatusCode != http.StatusSeeOther {
		h.t.Fatalf("login: status %d", resp.StatusCode)
	}
	_, body := h.get(c, "/sources")
	return c, csrfOf(h.t, body)
}

var base = time.Now().UTC().Truncate(time.Hour).Add(-12 * time.Hour)

// mk builds an enriched mention.
func mk(brand, kind, source, sent, text string, at time.Duration, mods ...func(*mention.Mention)) *mention.Mention {
	m := &mention.Mention{
		Brand: brand, MatchedTerms: []string{brand}, SourceKind: kind, SourceName: source,
		URL:   fmt.Sprintf("https://%s.example.fr/%s/%d", strings.ReplaceAll(source, " ", ""), brand, int(at/time.Minute)) + "/" + sent,
		Title: "À propos de " + brand, Text: text, Author: mention.Author{Name: "Marie"},
		PublishedAt: base.Add(at), CollectedAt: base.Add(at + time.Minute),
		Enrichment: &mention.Enrichment{
			Lang: "fr", LangConfidence: 0.95, EnrichedAt: base.Add(at + 2*time.Minute),
			Sentiment: mention.Sentiment{Label: sent, Score: map[string]float64{"neg": -0.7, "neu": 0, "pos": 0.7}[sent], Confidence: 0.8},
		},
	}
	for _, f := range mods {
		f(m)
	}
	m.SetID()
	return m
}

func evidence(w ...string) func(*mention.Mention) {
	return func(m *mention.Mention) { m.Enrichment.Sentiment.Evidence = w }
}

func influencer(m *mention.Mention) {
	m.Enrichment.IsInfluencer = true
	m.Enrichment.InfluenceScore = 85
	m.Author.Name = "Jean Influent"
}

func toxic(m *mention.Mention) {
	m.Enrichment.Toxic = true
	m.Enrichment.Toxicity = []mention.ToxicFlag{{Category: "insult"}}
}

func lang(l string) func(*mention.Mention) { return func(m *mention.Mention) { m.Enrichment.Lang = l } }

// fixtures are stored mentions: Duval 5 (3 neg), Blanchard 2.
func fixtures() []*mention.Mention {
	return []*mention.Mention{
		mk("Duval", "forum", "conso", "neg", "Le yaourt Duval est nul, vraiment déçue.", 0, evidence("nul", "déçue")),
		mk("Duval", "forum", "conso", "neg", "Duval, c'est une arnaque, bande d'idiots.", time.Hour, evidence("arnaque"), toxic),
		mk("Duval", "rss", "Le Fil Info", "pos", "La Laiterie Duval signe un excellent trimestre.", 2*time.Hour, evidence("excellent"), influencer),
		mk("Duval", "web", "blog", "neg", "Duval: the worst yogurt ever.", 3*time.Hour, evidence("worst"), lang("en")),
		mk("Duval", "web", "blog", "neu", "Duval ouvre une usine près de Lyon.", 4*time.Hour),
		mk("Blanchard", "forum", "conso", "pos", "Blanchard fait du bon beurre.", time.Hour, evidence("bon")),
		mk("Blanchard", "rss", "Le Fil Info", "neu", "Blanchard recrute.", 5*time.Hour),
	}
}

func (h *harness) insert(ms []*mention.Mention) {
	h.t.Helper()
	if err := h.st.InsertMentions(context.Background(), ms, h.env.Groups()); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) insertIncident(id, brand, status string, version uint64, top []string) {
	h.t.Helper()
	ctx := context.Background()
	b, err := h.st.Conn.PrepareBatch(ctx, "INSERT INTO "+h.st.DB+".alerts (incident_id, brand, rule, event, severity, status, opened_at, updated_at, resolved_at, window_start, window_end, count_total, count_neg, count_neu, count_pos, count_influencer, count_toxic, top_mention_ids, summary, deliveries, version)")
	if err != nil {
		h.t.Fatal(err)
	}
	zero := time.Unix(0, 0).UTC()
	if err := b.Append(id, brand, "neg_spike", "opened", uint8(8), status, base, base.Add(time.Hour), zero, base, base.Add(time.Hour),
		uint32(len(top)), uint32(len(top)), uint32(0), uint32(0), uint32(0), uint32(1), top, "Pic de mentions négatives sur "+brand, "", version); err != nil {
		h.t.Fatal(err)
	}
	if err := b.Send(); err != nil {
		h.t.Fatal(err)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// metricValue reads a gauge or counter (optionally with one label value).
func metricValue(h *harness, name, label string) (float64, error) {
	mfs, err := h.env.Metrics.Prom.Gather()
	if err != nil {
		return 0, err
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if label != "" {
				ok := false
				for _, lp := range m.GetLabel() {
					if lp.GetValue() == label {
						ok = true
					}
				}
				if !ok {
					continue
				}
			}
			if g := m.GetGauge(); g != nil {
				return g.GetValue(), nil
			}
			if c := m.GetCounter(); c != nil {
				return c.GetValue(), nil
			}
		}
	}
	return 0, fmt.Errorf("metric %s{%s} not found", name, label)
}

func testutilGauge(h *harness, name string) (float64, error) { return metricValue(h, name, "") }
func testutilCounter(h *harness, name, label string) (float64, error) {
	return metricValue(h, name, label)
}
