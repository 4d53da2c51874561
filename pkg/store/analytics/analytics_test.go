package analytics_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/store"
	"github.com/veille-oss/veille/pkg/store/analytics"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
)

// base is the fixture's reference time: every fixture date is relative to it.
var base = time.Date(2025, 3, 14, 10, 0, 0, 0, time.UTC)

type fx struct {
	brand, kind, source, lang, sent, author string
	at                                      time.Duration // after base
	infl, toxic                             bool
	terms, evidence                         []string
	text                                    string
}

func (f fx) mention(i int) *mention.Mention {
	m := &mention.Mention{
		Brand: f.brand, MatchedTerms: f.terms, SourceKind: f.kind, SourceName: f.source,
		URL:  fmt.Sprintf("https://%s.example.fr/p/%d", f.source, i),
		Text: f.text, Title: fmt.Sprintf("Titre %d", i),
		Author:      mention.Author{Name: f.author},
		PublishedAt: base.Add(f.at), CollectedAt: base.Add(f.at + time.Minute),
		Enrichment: &mention.Enrichment{
			Lang: f.lang, LangConfidence: 0.9,
			Sentiment: mention.Sentiment{Label: f.sent, Score: map[string]float64{"neg": -0.8, "neu": 0, "pos": 0.6}[f.sent], Confidence: 0.8, Evidence: f.evidence},
			Toxic:     f.toxic, IsInfluencer: f.infl, InfluenceScore: map[bool]float64{true: 80, false: 10}[f.infl],
			EnrichedAt: base.Add(f.at + 2*time.Minute),
		},
	}
	if f.toxic {
		m.Enrichment.Toxicity = []mention.ToxicFlag{{Category: "insult"}}
	}
	m.SetID()
	return m
}

// fixture: Duval (group laitiers) 6 mentions, Blanchard (laitiers) 3, Zeta (no group) 1.
var fixtures = []fx{
	{brand: "Duval", kind: "forum", source: "conso", lang: "fr", sent: "neg", author: "Marie", at: 0, terms: []string{"Duval"}, evidence: []string{"nul", "déçue"}, text: "Le yaourt Duval est nul, très déçue."},
	{brand: "Duval", kind: "forum", source: "conso", lang: "fr", sent: "neg", author: "Marie", at: 30 * time.Minute, terms: []string{"Duval"}, evidence: []string{"nul"}, text: "Encore un pot Duval nul."},
	{brand: "Duval", kind: "rss", source: "news", lang: "fr", sent: "pos", author: "Jean Influent", at: 90 * time.Minute, infl: true, terms: []string{"Laiterie Duval"}, evidence: []string{"excellent"}, text: "La Laiterie Duval signe un excellent trimestre."},
	{brand: "Duval", kind: "web", source: "blog", lang: "en", sent: "neu", author: "", at: 3 * time.Hour, terms: []string{"duval"}, text: "Duval opens a plant near Lyon."},
	{brand: "Duval", kind: "forum", source: "conso", lang: "fr", sent: "neg", author: "Troll", at: 25 * time.Hour, toxic: true, terms: []string{"Duval"}, evidence: []string{"arnaque"}, text: "Duval c'est une arnaque, bande d'idiots."},
	{brand: "Duval", kind: "rss", source: "news", lang: "fr", sent: "pos", author: "Jean Influent", at: 26 * time.Hour, infl: true, terms: []string{"Duval"}, evidence: []string{"bravo"}, text: "Bravo à Duval pour son ÉCOLOGIE."},
	{brand: "Blanchard", kind: "forum", source: "conso", lang: "fr", sent: "pos", author: "Paul", at: time.Hour, terms: []string{"Blanchard"}, evidence: []string{"bon"}, text: "Blanchard fait du bon beurre."},
	{brand: "Blanchard", kind: "rss", source: "news", lang: "fr", sent: "neu", author: "Paul", at: 2 * time.Hour, terms: []string{"Blanchard"}, text: "Blanchard recrute."},
	{brand: "Blanchard", kind: "web", source: "blog", lang: "de", sent: "neg", author: "Hans", at: 27 * time.Hour, terms: []string{"Blanchard"}, evidence: []string{"schlecht"}, text: "Blanchard ist schlecht."},
	{brand: "Zeta", kind: "web", source: "blog", lang: "fr", sent: "neu", author: "Zoé", at: time.Hour, terms: []string{"Zeta"}, text: "Zeta existe."},
}

var groups = map[string]string{"Duval": "laitiers", "Blanchard": "laitiers"}

func setup(t *testing.T) *store.Store {
	t.Helper()
	cfg := testenv.Config(t)
	st := testenv.Store(t, cfg)
	var ms []*mention.Mention
	for i, f := range fixtures {
		ms = append(ms, f.mention(i))
	}
	ctx := context.Background()
	if err := st.InsertMentions(ctx, ms, groups); err != nil {
		t.Fatal(err)
	}
	// A second, later version of mention 0 (same id): FINAL must count it once.
	again := fixtures[0].mention(0)
	again.CollectedAt = base.Add(time.Hour)
	again.Enrichment.EnrichedAt = base.Add(time.Hour)
	if err := st.InsertMentions(ctx, []*mention.Mention{again}, groups); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestAnalyticsQueries(t *testing.T) {
	st := setup(t)
	ctx := context.Background()
	conn, db := st.Conn, st.DB
	day := analytics.Filter{Brand: "Duval", From: base, To: base.Add(24 * time.Hour)}
	all := analytics.Filter{Brand: "Duval", From: base, To: base.Add(48 * time.Hour)}

	t.Run("VolumeSeries", func(t *testing.T) {
		v, err := analytics.VolumeSeries(ctx, conn, db, day, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if v.Step != time.Hour || len(v.Points) != 24 {
			t.Fatalf("step %s, %d points; want 1h, 24", v.Step, len(v.Points))
		}
		p0 := v.Points[0]
		if !p0.Start.Equal(base) || p0.Neg != 2 || p0.Total != 2 {
			t.Fatalf("first bucket %+v, want 2 neg at %s", p0, base)
		}
		if p := v.Points[1]; p.Pos != 1 || p.Total != 1 {
			t.Fatalf("second bucket %+v, want 1 pos", p)
		}
		if p := v.Points[3]; p.Neu != 1 || p.Total != 1 {
			t.Fatalf("fourth bucket %+v, want 1 neu", p)
		}
		var sum uint64
		for _, p := range v.Points {
			sum += p.Total
		}
		if sum != 4 {
			t.Fatalf("day total %d, want 4", sum)
		}
		d, err := analytics.VolumeSeries(ctx, conn, db, all, 0)
		if err != nil {
			t.Fatal(err)
		}
		if d.Step != time.Hour || len(d.Points) != 48 {
			t.Fatalf("auto step over 2 days: %s, %d points", d.Step, len(d.Points))
		}
	})

	t.Run("NetSentiment", func(t *testing.T) {
		s, err := analytics.NetSentiment(ctx, conn, db, all)
		if err != nil {
			t.Fatal(err)
		}
		// 3 neg, 1 neu, 2 pos: (2-3)/6 = -16.7 %
		if s.Total != 6 || s.Neg != 3 || s.Neu != 1 || s.Pos != 2 || s.Net != -16.7 {
			t.Fatalf("got %+v", s)
		}
		if s.AvgScore >= 0 {
			t.Fatalf("average score %v, want negative", s.AvgScore)
		}
		empty, err := analytics.NetSentiment(ctx, conn, db, analytics.Filter{Brand: "Nobody"})
		if err != nil || empty.Total != 0 || empty.Net != 0 {
			t.Fatalf("empty brand: %+v %v", empty, err)
		}
	})

	t.Run("ShareOfVoice", func(t *testing.T) {
		sov, err := analytics.ShareOfVoice(ctx, conn, db, all)
		if err != nil {
			t.Fatal(err)
		}
		if len(sov) != 2 || sov[0].Brand != "Duval" || sov[0].Mentions != 6 || sov[1].Brand != "Blanchard" || sov[1].Mentions != 3 {
			t.Fatalf("got %+v", sov)
		}
		if sov[0].Share != 66.7 || sov[1].Share != 33.3 {
			t.Fatalf("shares %v %v", sov[0].Share, sov[1].Share)
		}
		z, err := analytics.ShareOfVoice(ctx, conn, db, analytics.Filter{Brand: "Zeta"})
		if err != nil || len(z) != 1 || z[0].Brand != "Zeta" || z[0].Share != 100 {
			t.Fatalf("brand without group: %+v %v", z, err)
		}
	})

	t.Run("TopSources", func(t *testing.T) {
		src, err := analytics.TopSources(ctx, conn, db, all)
		if err != nil {
			t.Fatal(err)
		}
		if len(src) != 3 || src[0].Name != "conso" || src[0].Kind != "forum" || src[0].Mentions != 3 || src[0].Neg != 3 || src[1].Name != "news" {
			t.Fatalf("got %+v", src)
		}
	})

	t.Run("TopAuthors", func(t *testing.T) {
		a, err := analytics.TopAuthors(ctx, conn, db, all)
		if err != nil {
			t.Fatal(err)
		}
		// The unnamed author is not an author.
		if len(a) != 3 || a[0].Mentions != 2 || a[2].Name != "Troll" {
			t.Fatalf("got %+v", a)
		}
		inf, err := analytics.TopAuthors(ctx, conn, db, analytics.Filter{Brand: "Duval", InfluencerOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(inf) != 1 || inf[0].Name != "Jean Influent" || !inf[0].Influencer || inf[0].InfluenceScore != 80 || inf[0].Pos != 2 {
			t.Fatalf("influencers %+v", inf)
		}
	})

	t.Run("TopTerms", func(t *testing.T) {
		terms, err := analytics.TopTerms(ctx, conn, db, all)
		if err != nil {
			t.Fatal(err)
		}
		// "Duval" and "duval" fold together.
		if len(terms.Matched) != 2 || terms.Matched[0].Term != "duval" || terms.Matched[0].Mentions != 5 || terms.Matched[1].Term != "laiterie duval" {
			t.Fatalf("matched %+v", terms.Matched)
		}
		ev := terms.Evidence
		if len(ev) != 5 || ev[0].Term != "nul" || ev[0].Mentions != 2 || ev[0].Neg != 2 || ev[0].Pos != 0 {
			t.Fatalf("evidence %+v", ev)
		}
		one, err := analytics.TopTerms(ctx, conn, db, analytics.Filter{Brand: "Duval", Limit: 1})
		if err != nil || len(one.Evidence) != 1 || len(one.Matched) != 1 {
			t.Fatalf("limit 1: %+v %v", one, err)
		}
	})

	t.Run("LanguageSplit", func(t *testing.T) {
		l, err := analytics.LanguageSplit(ctx, conn, db, all)
		if err != nil {
			t.Fatal(err)
		}
		if len(l) != 2 || l[0].Lang != "fr" || l[0].Mentions != 5 || l[1].Lang != "en" || l[0].Share != 83.3 {
			t.Fatalf("got %+v", l)
		}
	})

	t.Run("Search", func(t *testing.T) {
		cases := []struct {
			name string
			f    analytics.Filter
			want int
		}{
			{"everything", analytics.Filter{}, 10},
			{"brand", analytics.Filter{Brand: "Blanchard"}, 3},
			{"group", analytics.Filter{Group: "laitiers"}, 9},
			{"text case and accents", analytics.Filter{Query: "écologie"}, 1},
			{"title", analytics.Filter{Query: "titre 3"}, 1},
			{"author", analytics.Filter{Query: "influent"}, 2},
			{"sentiment", analytics.Filter{Brand: "Duval", Sentiment: "neg"}, 3},
			{"kind", analytics.Filter{Kind: "web"}, 3},
			{"lang", analytics.Filter{Lang: "de"}, 1},
			{"influencer", analytics.Filter{InfluencerOnly: true}, 2},
			{"toxic", analytics.Filter{ToxicOnly: true}, 1},
			{"period", analytics.Filter{From: base.Add(24 * time.Hour), To: base.Add(48 * time.Hour)}, 3},
			{"limit", analytics.Filter{Limit: 4}, 4},
			{"quote in query", analytics.Filter{Query: "c'est une"}, 1},
			{"nothing", analytics.Filter{Query: "introuvable"}, 0},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				got, err := analytics.Search(ctx, conn, db, c.f)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != c.want {
					t.Fatalf("%d results, want %d", len(got), c.want)
				}
				n, err := analytics.Count(ctx, conn, db, c.f)
				if err != nil {
					t.Fatal(err)
				}
				if c.f.Limit == 0 && n != uint64(c.want) {
					t.Fatalf("count %d, want %d", n, c.want)
				}
				for i := 1; i < len(got); i++ {
					if got[i].PublishedAt.After(got[i-1].PublishedAt) {
						t.Fatalf("not newest first at %d", i)
					}
				}
			})
		}
		got, err := analytics.Search(ctx, conn, db, analytics.Filter{ToxicOnly: true})
		if err != nil || len(got) != 1 {
			t.Fatal(err)
		}
		m := got[0]
		if m.Brand != "Duval" || m.SourceKind != "forum" || m.Sentiment != "neg" || !m.Toxic || len(m.Toxicity) != 1 || m.AuthorName != "Troll" ||
			len(m.Evidence) != 1 || m.Evidence[0] != "arnaque" || !m.PublishedAt.Equal(base.Add(25*time.Hour)) {
			t.Fatalf("row %+v", m)
		}
		byID, err := analytics.MentionsByID(ctx, conn, db, []string{m.ID, "not-hex'; DROP", "0123456789abcdef0123456789abcdef"})
		if err != nil || len(byID) != 1 || byID[0].ID != m.ID {
			t.Fatalf("by id: %+v %v", byID, err)
		}
	})
}

func TestFilterValidation(t *testing.T) {
	cases := []struct {
		name string
		f    analytics.Filter
	}{
		{"sentiment", analytics.Filter{Sentiment: "bad"}},
		{"kind", analytics.Filter{Kind: "twitter"}},
		{"status", analytics.Filter{Status: "closed"}},
		{"limit", analytics.Filter{Limit: analytics.MaxLimit + 1}},
		{"negative limit", analytics.Filter{Limit: -1}},
		{"period", analytics.Filter{From: base, To: base}},
		{"query", analytics.Filter{Query: string(make([]byte, analytics.MaxQueryBytes+1))}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := c.f.Validate(); !errors.Is(err, analytics.ErrBadFilter) {
				t.Fatalf("got %v, want ErrBadFilter", err)
			}
			// Queries refuse it before touching the server (nil conn).
			if _, err := analytics.Search(context.Background(), nil, "veille", c.f); !errors.Is(err, analytics.ErrBadFilter) {
				t.Fatalf("search: %v", err)
			}
		})
	}
	if _, err := analytics.Search(context.Background(), nil, "veille; DROP", analytics.Filter{}); !errors.Is(err, analytics.ErrBadFilter) {
		t.Fatalf("bad database name: %v", err)
	}
	if err := (analytics.Filter{Sentiment: "neg", Kind: "rss", Status: "active", Limit: 10}).Validate(); err != nil {
		t.Fatal(err)
	}
}

func insertAlert(t *testing.T, st *store.Store, id, brand, status string, version uint64, updated time.Time, top []string) {
	t.Helper()
	ctx := context.Background()
	b, err := st.Conn.PrepareBatch(ctx, "INSERT INTO "+st.DB+".alerts (incident_id, brand, rule, event, severity, status, opened_at, updated_at, resolved_at, window_start, window_end, count_total, count_neg, count_neu, count_pos, count_influencer, count_toxic, top_mention_ids, summary, deliveries, version)")
	if err != nil {
		t.Fatal(err)
	}
	zero := time.Unix(0, 0).UTC()
	if err := b.Append(id, brand, "neg_spike", "opened", uint8(7), status, base, updated, zero, base.Add(-time.Hour), base,
		uint32(40), uint32(30), uint32(8), uint32(2), uint32(1), uint32(3), top, "Pic de mentions négatives", "", version); err != nil {
		t.Fatal(err)
	}
	if err := b.Send(); err != nil {
		t.Fatal(err)
	}
}

// TestAcknowledgementSticks: the alerter keeps writing rows with status open
// (updates, escalations, delivery progress) at higher versions; a person's
// acknowledgement holds through them until a resolution, and an incident
// reopened after that is open again.
func TestAcknowledgementSticks(t *testing.T) {
	st := setup(t)
	ctx := context.Background()
	conn, db := st.Conn, st.DB
	status := func(want string) {
		t.Helper()
		got, err := analytics.IncidentByID(ctx, conn, db, "inc-s")
		if err != nil || got.Status != want {
			t.Fatalf("status %q (%v), want %q", got.Status, err, want)
		}
		list, err := analytics.Incidents(ctx, conn, db, analytics.Filter{Status: want})
		if err != nil || len(list) != 1 || list[0].ID != "inc-s" {
			t.Fatalf("filter status=%s: %+v %v", want, list, err)
		}
	}
	insertAlert(t, st, "inc-s", "Duval", "open", 1_000_000, base, nil)
	status("open")
	if _, err := analytics.SetIncidentStatus(ctx, conn, db, "inc-s", analytics.StatusAcknowledged, base.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	status("acknowledged")
	insertAlert(t, st, "inc-s", "Duval", "open", 1_000_003, base.Add(2*time.Minute), nil) // delivery progress of event 1
	insertAlert(t, st, "inc-s", "Duval", "open", 2_000_000, base.Add(3*time.Minute), nil) // escalated
	status("acknowledged")
	if got, _ := analytics.IncidentByID(ctx, conn, db, "inc-s"); got.Version != 2_000_000 || !got.UpdatedAt.Equal(base.Add(3*time.Minute)) {
		t.Fatalf("the alerter's newer row is not the current state: %+v", got)
	}
	insertAlert(t, st, "inc-s", "Duval", "resolved", 3_000_000, base.Add(4*time.Minute), nil)
	status("resolved")
	insertAlert(t, st, "inc-s", "Duval", "open", 4_000_000, base.Add(5*time.Minute), nil) // reopened
	status("open")
}

func TestIncidents(t *testing.T) {
	st := setup(t)
	ctx := context.Background()
	conn, db := st.Conn, st.DB
	ids, err := analytics.Search(ctx, conn, db, analytics.Filter{Brand: "Duval", Sentiment: "neg"})
	if err != nil || len(ids) != 3 {
		t.Fatal(err)
	}
	insertAlert(t, st, "inc-a", "Duval", "open", 1, base, []string{ids[0].ID})
	insertAlert(t, st, "inc-a", "Duval", "open", 2, base.Add(10*time.Minute), []string{ids[0].ID, ids[1].ID})
	insertAlert(t, st, "inc-b", "Blanchard", "resolved", 5, base.Add(-time.Hour), nil)

	all, err := analytics.Incidents(ctx, conn, db, analytics.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].ID != "inc-a" || all[0].Version != 2 || len(all[0].TopMentionIDs) != 2 || all[1].ID != "inc-b" {
		t.Fatalf("got %+v", all)
	}
	a := all[0]
	if a.Status != "open" || a.Severity != 7 || a.CountNeg != 30 || !a.ResolvedAt.IsZero() || !a.UpdatedAt.Equal(base.Add(10*time.Minute)) || !a.Active() {
		t.Fatalf("incident a %+v", a)
	}
	ms, err := analytics.MentionsByID(ctx, conn, db, a.TopMentionIDs)
	if err != nil || len(ms) != 2 {
		t.Fatalf("incident mentions: %d %v", len(ms), err)
	}
	active, err := analytics.Incidents(ctx, conn, db, analytics.Filter{Status: "active"})
	if err != nil || len(active) != 1 || active[0].ID != "inc-a" {
		t.Fatalf("active: %+v %v", active, err)
	}
	brand, err := analytics.Incidents(ctx, conn, db, analytics.Filter{Brand: "Blanchard"})
	if err != nil || len(brand) != 1 || brand[0].Status != "resolved" {
		t.Fatalf("by brand: %+v %v", brand, err)
	}

	now := base.Add(time.Hour)
	acked, err := analytics.SetIncidentStatus(ctx, conn, db, "inc-a", analytics.StatusAcknowledged, now)
	if err != nil {
		t.Fatal(err)
	}
	if acked.Version != 3 || acked.Status != "acknowledged" {
		t.Fatalf("acked %+v", acked)
	}
	got, err := analytics.IncidentByID(ctx, conn, db, "inc-a")
	if err != nil || got.Status != "acknowledged" || got.Event != "acknowledged" || got.Version != 3 || !got.UpdatedAt.Equal(now) || len(got.TopMentionIDs) != 2 || got.CountNeg != 30 {
		t.Fatalf("after ack: %+v %v", got, err)
	}
	if _, err := analytics.SetIncidentStatus(ctx, conn, db, "inc-a", analytics.StatusResolved, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	got, err = analytics.IncidentByID(ctx, conn, db, "inc-a")
	if err != nil || got.Status != "resolved" || got.Version != 4 || !got.ResolvedAt.Equal(now.Add(time.Minute)) || got.Active() {
		t.Fatalf("after resolve: %+v %v", got, err)
	}
	active, err = analytics.Incidents(ctx, conn, db, analytics.Filter{Status: "active"})
	if err != nil || len(active) != 0 {
		t.Fatalf("active after resolve: %+v %v", active, err)
	}
	if _, err := analytics.IncidentByID(ctx, conn, db, "nope"); !errors.Is(err, analytics.ErrNotFound) {
		t.Fatalf("unknown incident: %v", err)
	}
	if _, err := analytics.SetIncidentStatus(ctx, conn, db, "inc-a", "closed", now); !errors.Is(err, analytics.ErrBadFilter) {
		t.Fatalf("unknown status: %v", err)
	}
	reopened, err := analytics.SetIncidentStatus(ctx, conn, db, "inc-a", analytics.StatusOpen, now.Add(2*time.Minute))
	if err != nil || reopened.Event != "reopened" || !reopened.ResolvedAt.IsZero() {
		t.Fatalf("reopen by hand: %+v %v", reopened, err)
	}
	if got, _ = analytics.IncidentByID(ctx, conn, db, "inc-a"); got.Status != "open" || !got.Active() {
		t.Fatalf("after reopen: %+v", got)
	}
	if _, err := analytics.SetIncidentStatus(ctx, conn, db, "nope", analytics.StatusResolved, now); !errors.Is(err, analytics.ErrNotFound) {
		t.Fatalf("resolve unknown: %v", err)
	}
}
