package alert

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/platform/mention"
)

var t0 = time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)

// simClock is a settable clock for deterministic tests.
type simClock struct{ now time.Time }

func (c *simClock) Now() time.Time { return c.now }

type gen struct {
	n int
}

func (g *gen) mention(brand, lbl string, at time.Time, text string) *mention.Mention {
	g.n++
	score := map[string]float64{"neg": -0.7, "neu": 0, "pos": 0.6}[lbl]
	m := &mention.Mention{
		Brand:       brand,
		SourceKind:  mention.KindWeb,
		SourceName:  "test",
		URL:         fmt.Sprintf("https://forum.example/t/%d", g.n),
		Text:        text,
		Author:      mention.Author{Name: fmt.Sprintf("user%d", g.n%97)},
		PublishedAt: at.Add(-time.Minute),
		CollectedAt: at,
		Enrichment: &mention.Enrichment{
			Lang:           "fr",
			Sentiment:      mention.Sentiment{Label: lbl, Score: score},
			InfluenceScore: float64(g.n % 40),
		},
	}
	m.SetID()
	return m
}

func testEngine(t testing.TB, cfg Config) (*Engine, *simClock) {
	t.Helper()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	c := &simClock{now: t0}
	return NewEngine(cfg, c.Now), c
}

func kinds(evs []Event) map[Kind]int {
	k := map[Kind]int{}
	for _, e := range evs {
		k[e.Kind]++
	}
	return k
}

// calm feeds ordinary traffic: Poisson arrivals with a daily rhythm,
// ~5% negative, ~25% positive, some neutral posts by influencers.
func calm(t testing.TB, e *Engine, clk *simClock, g *gen, rng *rand.Rand, brand string, from time.Time, d time.Duration, perMin float64) []Event {
	t.Helper()
	var evs []Event
	end := from.Add(d)
	at := from
	nextTick := from
	peak := perMin * 2
	for {
		// thinning: candidate arrivals at the peak rate, kept with r(t)/peak
		at = at.Add(time.Duration(rng.ExpFloat64() / peak * float64(time.Minute)))
		if !at.Before(end) {
			break
		}
		h := float64(at.Hour()) + float64(at.Minute())/60
		// quiet nights, busy days: 0.15..1.85 x mean, peak at 14h
		r := perMin * (1 - 0.85*math.Cos(2*math.Pi*(h-2)/24))
		if rng.Float64()*peak > r {
			continue
		}
		for !nextTick.After(at) {
			clk.now = nextTick
			evs = append(evs, e.Tick(nextTick)...)
			nextTick = nextTick.Add(10 * time.Second)
		}
		clk.now = at
		u := rng.Float64()
		lbl := "neu"
		switch {
		case u < 0.05:
			lbl = "neg"
		case u < 0.30:
			lbl = "pos"
		}
		m := g.mention(brand, lbl, at, "Avis sur les produits "+brand+" : livraison correcte, rien à signaler.")
		if lbl != "neg" && rng.Float64() < 0.01 {
			m.Enrichment.IsInfluencer = true
			m.Enrichment.InfluenceScore = 80
		}
		evs = append(evs, e.Observe(m)...)
	}
	return evs
}

func TestCalmWeekNoFalseAlarm(t *testing.T) {
	e, clk := testEngine(t, Config{})
	g := &gen{}
	rng := rand.New(rand.NewPCG(42, 7))
	evs := calm(t, e, clk, g, rng, "Duval", t0, 7*24*time.Hour, 6)
	if g.n < 50000 {
		t.Fatalf("replay too small: %d mentions", g.n)
	}
	for _, ev := range evs {
		t.Errorf("false alarm: %s %s sev %d: %s at %v", ev.Kind, ev.Incident.Cause, ev.Incident.Severity, ev.Incident.Detail, ev.Incident.UpdatedAt)
	}
	// and the same engine still sees a real crisis at the end of the week
	at := clk.now
	var crisis []Event
	for i := range 40 {
		at = at.Add(5 * time.Second)
		clk.now = at
		crisis = append(crisis, e.Observe(g.mention("Duval", "neg", at, fmt.Sprintf("Service client Duval nul, commande %d jamais arrivée", i)))...)
	}
	if k := kinds(crisis); k[Opened] != 1 {
		t.Fatalf("a burst of 40 negative mentions in 200s after a calm week: %v events, want one opened", k)
	}
	t.Logf("calm week: %d mentions, 0 alerts; crisis opened: %s", g.n, crisis[0].Incident.Detail)
}

func TestStormIsOneIncident(t *testing.T) {
	e, clk := testEngine(t, Config{ConsoleBaseURL: "https://console.example/"})
	g := &gen{}
	rng := rand.New(rand.NewPCG(1, 2))
	if evs := calm(t, e, clk, g, rng, "Duval", t0, 24*time.Hour, 4); len(evs) != 0 {
		t.Fatalf("warm-up raised %d events", len(evs))
	}
	start := clk.now
	var evs []Event
	for i := range 1000 {
		at := start.Add(time.Duration(i) * 600 * time.Millisecond) // 10 minutes
		clk.now = at
		m := g.mention("Duval", "neg", at, fmt.Sprintf("Les yaourts Duval ont un goût horrible, lot %d. Très déçu.", i))
		m.Enrichment.Sentiment.Score = -0.3 - 0.6*float64(i%7)/6
		evs = append(evs, e.Observe(m)...)
		if i%20 == 0 {
			evs = append(evs, e.Tick(at)...)
		}
	}
	k := kinds(evs)
	if k[Opened] != 1 {
		t.Fatalf("storm opened %d incidents, want 1 (%v)", k[Opened], k)
	}
	if k[Escalated] < 1 || k[Updated] < 2 {
		t.Fatalf("storm should grow the incident with updates and escalations, got %v", k)
	}
	if len(evs) > 40 {
		t.Fatalf("storm produced %d events, want a handful (throttled)", len(evs))
	}
	id := evs[0].Incident.ID
	sev := 0
	for i, ev := range evs {
		inc := ev.Incident
		if inc.ID != id {
			t.Fatalf("event %d on another incident %s (%s)", i, inc.ID, inc.Cause)
		}
		if inc.Seq != i+1 {
			t.Fatalf("event %d has seq %d", i, inc.Seq)
		}
		if inc.Severity < sev {
			t.Fatalf("severity fell from %d to %d", sev, inc.Severity)
		}
		if ev.Kind == Escalated && inc.Severity <= sev {
			t.Fatalf("escalation without a severity rise (%d)", sev)
		}
		sev = inc.Severity
		if len(inc.Top) == 0 || len(inc.Top) > MaxTop {
			t.Fatalf("event %d has %d top mentions", i, len(inc.Top))
		}
	}
	last := evs[len(evs)-1].Incident
	if last.Counts.Neg < 900 || last.Severity < 7 {
		t.Fatalf("last state: counts %+v severity %d", last.Counts, last.Severity)
	}
	if last.Link != "https://console.example/incidents/"+id {
		t.Fatalf("link %q", last.Link)
	}
	if last.Top[0].Score > -0.8 || last.Top[0].Rank < last.Top[len(last.Top)-1].Rank {
		t.Fatalf("top mentions not ranked by negativity: %+v", last.Top[0])
	}
	// back to calm: the incident resolves once, then nothing
	res := calm(t, e, clk, g, rng, "Duval", clk.now, 2*time.Hour, 4)
	rk := kinds(res)
	if rk[Resolved] != 1 || rk[Opened] != 0 {
		t.Fatalf("after the storm: %v, want one resolution", rk)
	}
	for _, ev := range res {
		if ev.Kind == Resolved && ev.Incident.ID != id {
			t.Fatalf("resolved another incident")
		}
	}
	t.Logf("storm: %d events %v; final severity %d counts %+v; %s", len(evs), k, last.Severity, last.Counts, last.Detail)
}

func TestColdStartMinCount(t *testing.T) {
	e, clk := testEngine(t, Config{Defaults: Rules{ColdMinCount: 8, Window: time.Minute}})
	g := &gen{}
	var evs []Event
	for i := range 7 {
		clk.now = t0.Add(time.Duration(i) * time.Second)
		evs = append(evs, e.Observe(g.mention("Neuve", "neg", clk.now, "pas content"))...)
	}
	if len(evs) != 0 {
		t.Fatalf("7 negatives < cold_min_count 8 raised %v", kinds(evs))
	}
	clk.now = clk.now.Add(time.Second)
	evs = e.Observe(g.mention("Neuve", "neg", clk.now, "pas content du tout"))
	if len(evs) != 1 || evs[0].Kind != Opened || evs[0].Incident.Cause != CauseVolume || evs[0].Incident.Counts.Neg != 8 {
		t.Fatalf("8th negative: %+v", evs)
	}
}

func TestCrisisVocabulary(t *testing.T) {
	v := newVocabulary(DefaultCrisisTerms)
	cases := []struct {
		text string
		want string
	}{
		{"RAPPEL CONSO : les yaourts Duval retirés de la vente", "rappel conso,retire* de la vente"},
		{"C'est une ARNAQUE totale", "arnaque*"},
		{"l'arnaque du siècle", "arnaque*"},
		{"Appel au #boycott de Duval", "boycott*"},
		{"Plusieurs personnes intoxiquées après le repas", "intoxiqu*"},
		{"une fuite de données clients chez Duval", "fuite* de donnees"},
		{"Produit dangereux pour les enfants", "dangereu*"},
		{"Attention danger !", "danger"},
		{"Un vrai Scandale sanitaire", "scandale*"},
		{"dépôt de plainte", "plainte*"},
		{"Rappel : la boutique ferme à 18h", ""},
		{"arnaqueuse", "arnaque*"},
		{"Dangerfield est un acteur", ""},
		{"pas de fuite ici, et des données propres", ""},
		{"l'intox continue", ""},
		{"ce produit est complaisant", ""},
	}
	for _, c := range cases {
		got := strings.Join(v.match(c.text), ",")
		if got != c.want {
			t.Errorf("match(%q) = %q, want %q", c.text, got, c.want)
		}
	}

	e, clk := testEngine(t, Config{})
	g := &gen{}
	clk.now = t0.Add(time.Hour)
	if evs := e.Observe(g.mention("Duval", "pos", clk.now, "Super, pas d'arnaque chez Duval, je recommande")); len(evs) != 0 {
		t.Fatalf("a positive mention with a crisis word alerted: %v", kinds(evs))
	}
	evs := e.Observe(g.mention("Duval", "neu", clk.now, "RAPPEL CONSO : lots de yaourts Duval retirés de la vente"))
	if len(evs) != 1 || evs[0].Kind != Opened || evs[0].Incident.Cause != CauseCrisis {
		t.Fatalf("crisis mention: %+v", evs)
	}
	inc := evs[0].Incident
	if inc.Severity < 4 || len(inc.Top) != 1 || len(inc.Top[0].Terms) != 2 {
		t.Fatalf("crisis incident: severity %d top %+v", inc.Severity, inc.Top)
	}
}

func TestInfluencerNegative(t *testing.T) {
	e, clk := testEngine(t, Config{})
	g := &gen{}
	clk.now = t0.Add(time.Hour)
	pos := g.mention("Duval", "pos", clk.now, "J'adore Duval")
	pos.Enrichment.IsInfluencer, pos.Enrichment.InfluenceScore = true, 90
	if evs := e.Observe(pos); len(evs) != 0 {
		t.Fatalf("positive influencer alerted: %v", kinds(evs))
	}
	if evs := e.Observe(g.mention("Duval", "neg", clk.now, "Duval bof")); len(evs) != 0 {
		t.Fatalf("one ordinary negative mention alerted: %v", kinds(evs))
	}
	neg := g.mention("Duval", "neg", clk.now, "Je ne rachèterai jamais Duval, service client méprisant.")
	neg.Author.Name = "Grande Voix"
	neg.Enrichment.IsInfluencer, neg.Enrichment.InfluenceScore = true, 92
	evs := e.Observe(neg)
	if len(evs) != 1 || evs[0].Kind != Opened || evs[0].Incident.Cause != CauseInfluencer {
		t.Fatalf("influencer negative: %+v", evs)
	}
	inc := evs[0].Incident
	if inc.Counts.Influencer != 1 || inc.Top[0].Author != "Grande Voix" || inc.Severity < 6 {
		t.Fatalf("influencer incident: %+v", inc)
	}
	// a second influencer feeds the same incident and escalates it
	clk.now = clk.now.Add(10 * time.Second)
	neg2 := g.mention("Duval", "neg", clk.now, "Moi aussi, Duval c'est fini.")
	neg2.Enrichment.IsInfluencer, neg2.Enrichment.InfluenceScore = true, 70
	evs = e.Observe(neg2)
	if len(evs) != 1 || evs[0].Kind != Escalated || evs[0].Incident.ID != inc.ID || evs[0].Incident.Counts.Influencer != 2 {
		t.Fatalf("second influencer: %+v", evs)
	}
}

func TestToxicContent(t *testing.T) {
	e, clk := testEngine(t, Config{Brands: map[string]Rules{"Calme": {Disable: []string{CauseToxic}}}})
	g := &gen{}
	clk.now = t0.Add(time.Hour)
	m := g.mention("Duval", "neg", clk.now, "Bande d'escr... de Duval, allez vous faire")
	m.Enrichment.Toxic = true
	m.Enrichment.Toxicity = []mention.ToxicFlag{{Category: "insult", Evidence: []string{"..."}}}
	evs := e.Observe(m)
	if len(evs) != 1 || evs[0].Incident.Cause != CauseToxic || evs[0].Incident.Counts.Toxic != 1 {
		t.Fatalf("toxic: %+v", evs)
	}
	m2 := g.mention("Calme", "neg", clk.now, "insulte")
	m2.Enrichment.Toxic = true
	if evs := e.Observe(m2); len(evs) != 0 {
		t.Fatalf("toxic disabled for Calme but alerted: %v", kinds(evs))
	}
	// the same mention redelivered is not counted twice
	if evs := e.Observe(m); len(evs) != 0 {
		t.Fatalf("redelivered mention: %v", kinds(evs))
	}
}

func TestSentimentDrop(t *testing.T) {
	// steady volume, tone flips: the volume detector would need 3x, the
	// sentiment detector sees the share of negatives jump.
	e, clk := testEngine(t, Config{Defaults: Rules{Seasonality: "none", Warmup: time.Hour, MinRatio: 20}})
	g := &gen{}
	rng := rand.New(rand.NewPCG(3, 4))
	if evs := calm(t, e, clk, g, rng, "Duval", t0, 6*time.Hour, 20); len(evs) != 0 {
		t.Fatalf("warm-up alerted %v", kinds(evs))
	}
	var evs []Event
	at := clk.now
	for i := range 100 {
		at = at.Add(3 * time.Second)
		clk.now = at
		lbl := "pos"
		if i%2 == 0 {
			lbl = "neg"
		}
		evs = append(evs, e.Observe(g.mention("Duval", lbl, at, "avis"))...)
	}
	if len(evs) == 0 || evs[0].Kind != Opened || evs[0].Incident.Cause != CauseSentiment {
		t.Fatalf("tone flip: %v %+v", kinds(evs), evs)
	}
	t.Log(evs[0].Incident.Detail)
}

func TestThrottleCooldownResolve(t *testing.T) {
	rules := Rules{ColdMinCount: 5, Window: 10 * time.Second, UpdateEvery: 5 * time.Second,
		ResolveAfter: 20 * time.Second, Cooldown: 30 * time.Second, Seasonality: "none"}
	e, clk := testEngine(t, Config{Defaults: rules})
	g := &gen{}
	feed := func(from time.Time, n int, every time.Duration) []Event {
		var evs []Event
		for i := range n {
			clk.now = from.Add(time.Duration(i) * every)
			evs = append(evs, e.Observe(g.mention("Duval", "neg", clk.now, "nul"))...)
			evs = append(evs, e.Tick(clk.now)...)
		}
		return evs
	}
	evs := feed(t0, 40, 250*time.Millisecond) // 10 s
	k := kinds(evs)
	if k[Opened] != 1 || k[Updated]+k[Escalated] > 4 {
		t.Fatalf("10s burst: %v", k)
	}
	id := evs[0].Incident.ID
	// quiet: resolves 20s after the last firing
	var res []Event
	for s := 1; s <= 25; s++ {
		res = append(res, e.Tick(clk.now.Add(time.Duration(s)*time.Second))...)
	}
	rk := kinds(res)
	if rk[Resolved] != 1 {
		t.Fatalf("quiet period: %v", rk)
	}
	resolvedAt := clk.now.Add(25 * time.Second)
	// within cooldown: same incident reopens, announced as an update
	evs = feed(resolvedAt, 10, 200*time.Millisecond)
	if len(evs) == 0 || evs[0].Incident.ID != id || evs[0].Kind == Opened || evs[0].Incident.Reopens != 1 {
		t.Fatalf("reopen in cooldown: %+v", evs)
	}
	// resolve again, wait past cooldown: a new incident
	for s := 1; s <= 100; s++ {
		e.Tick(clk.now.Add(time.Duration(s) * time.Second))
	}
	evs = feed(clk.now.Add(101*time.Second), 10, 200*time.Millisecond)
	if len(evs) == 0 || evs[0].Kind != Opened || evs[0].Incident.ID == id {
		t.Fatalf("after cooldown: %+v", kinds(evs))
	}
}

func TestSnapshotRestore(t *testing.T) {
	e, clk := testEngine(t, Config{Defaults: Rules{ColdMinCount: 5, Window: 30 * time.Second, Seasonality: "none"}})
	g := &gen{}
	var evs []Event
	for i := range 6 {
		clk.now = t0.Add(time.Duration(i) * time.Second)
		evs = append(evs, e.Observe(g.mention("Duval", "neg", clk.now, "nul"))...)
	}
	if kinds(evs)[Opened] != 1 {
		t.Fatalf("no incident to snapshot: %v", kinds(evs))
	}
	data, err := e.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	e2 := NewEngine(e.cfg, clk.Now)
	if err := e2.Restore(data); err != nil {
		t.Fatal(err)
	}
	if got := e2.Incidents(); len(got) != 1 || got[0].ID != evs[0].Incident.ID {
		t.Fatalf("restored incidents: %+v", got)
	}
	clk.now = clk.now.Add(2 * time.Minute)
	evs2 := e2.Observe(g.mention("Duval", "neg", clk.now, "toujours nul"))
	for _, ev := range evs2 {
		if ev.Kind == Opened {
			t.Fatalf("restart re-opened the incident")
		}
	}
	if len(evs2) != 1 || evs2[0].Incident.Seq != evs[len(evs)-1].Incident.Seq+1 {
		t.Fatalf("after restore: %+v", evs2)
	}
	for _, bad := range []string{``, `{"version":9}`, `{"version":1,"incidents":[{"key":"x","state":{"incident":{"incident_id":"a","brand":"b","rule":"nope"}}}]}`} {
		if err := e2.Restore([]byte(bad)); err == nil {
			t.Errorf("Restore(%q) accepted", bad)
		}
	}
}

func TestSnippet(t *testing.T) {
	long := strings.Repeat("é ", 400)
	s := snippet(long, "")
	if n := len([]rune(s)); n != MaxSnippet || !strings.HasSuffix(s, "…") {
		t.Fatalf("snippet has %d runes", n)
	}
	if s := snippet("  court\n\ttexte ", ""); s != "court texte" {
		t.Fatalf("snippet %q", s)
	}
	if s := snippet("", "Titre"); s != "Titre" {
		t.Fatalf("snippet from title %q", s)
	}
}

func TestPoissonTail(t *testing.T) {
	// P(X >= 3 | λ=1) = 1 - e^-1(1+1+0.5)
	want := 1 - math.Exp(-1)*2.5
	if got := math.Exp(logPoissonTail(3, 1)); math.Abs(got-want) > 1e-9 {
		t.Fatalf("tail = %v, want %v", got, want)
	}
	// P(X >= 2 | n=3,p=.5) = 0.5
	if got := math.Exp(logBinomTail(2, 3, 0.5)); math.Abs(got-0.5) > 1e-9 {
		t.Fatalf("binomial tail = %v", got)
	}
	if z := poissonZ(20, 2); z < 6 || z > 9 {
		t.Fatalf("z(20|2) = %v", z)
	}
}
