package cookbook

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/veille-oss/veille/pkg/enrich/influence"
	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/store"
)

// Dataset is a deterministic, realistic sample of the demo brands' mentions
// over six days: background chatter for Duval and Blanchard (group
// laitiers), Voltéo (mobilite) and Vague (mode), plus planted stories the
// cookbook's queries must find (a negative forum storm, an influencer, a
// syndicated news story, toxic posts, an incident).
type Dataset struct {
	// End is exclusive: every mention is published in [End-6 days, End).
	End    time.Time
	Groups map[string]string
	// Mentions are the first versions; Updates are later versions of some
	// of them (same id, same bucket, edited text) inserted afterwards, as the
	// sink does when a post is edited: FINAL and the aggregates count them once.
	Mentions []*mention.Mention
	Updates  []*mention.Mention
	Alerts   []Alert
	// SpikeHour is the hour of the negative storm on SpikeThread (Duval).
	SpikeHour   time.Time
	SpikeThread string
	// StoryCluster is the dup_cluster of the syndicated Duval story.
	StoryCluster string
}

// Alert is one row of veille.alerts.
type Alert struct {
	IncidentID, Brand, Rule, Event, Status, Summary string
	Severity                                        uint8
	OpenedAt, UpdatedAt, WindowStart, WindowEnd     time.Time
	CountTotal, CountNeg, CountNeu, CountPos        uint32
	CountInfluencer, CountToxic                     uint32
	TopMentionIDs                                   []string
	Version                                         uint64
}

// Latest returns the last version of every mention, by id.
func (d *Dataset) Latest() map[string]*mention.Mention {
	out := make(map[string]*mention.Mention, len(d.Mentions))
	for _, m := range d.Mentions {
		out[m.ID] = m
	}
	for _, m := range d.Updates {
		out[m.ID] = m
	}
	return out
}

type source struct {
	name, kind, host string
	authors          []string
}

var brandSources = map[string][]source{
	"Duval": {
		{"monquotidien", mention.KindWeb, "monquotidien.test", []string{"Rédaction", "Sophie Lenoir"}},
		{"monquotidien-rss", mention.KindRSS, "monquotidien.test", []string{"Rédaction"}},
		{"forum-conso-phpbb", mention.KindForum, "forum-conso.test", []string{"Marie_L", "kevin77", "Nadège", "Papa_Ours", "Awa Diop"}},
		{"blog-camille", mention.KindWeb, "blog-camille.test", []string{"Lecteur anonyme", "Hélène"}},
	},
	"Blanchard": {
		{"monquotidien", mention.KindWeb, "monquotidien.test", []string{"Sophie Lenoir"}},
		{"forum-conso-phpbb", mention.KindForum, "forum-conso.test", []string{"Marie_L", "Nadège", "Bertrand"}},
		{"forum-conso-xenforo", mention.KindForum, "forum-conso.test", []string{"Moussa K.", "Julie"}},
	},
	"Voltéo": {
		{"velo-urbain", mention.KindWeb, "velo-urbain.test", []string{"Thomas Roue", "Inès"}},
		{"velo-urbain-feed", mention.KindRSS, "velo-urbain.test", []string{"Thomas Roue"}},
	},
	"Vague": {
		{"mode-surf", mention.KindWeb, "mode-surf.test", []string{"Léa Glisse", "Yann"}},
		{"mode-surf-feed", mention.KindRSS, "mode-surf.test", []string{"Léa Glisse"}},
		{"forum-conso-xenforo", mention.KindForum, "forum-conso.test", []string{"Moussa K.", "Julie"}},
	},
}

// background volumes and sentiment odds (neg, neu; pos is the rest).
var brandMix = []struct {
	brand    string
	n        int
	neg, neu float64
}{
	{"Duval", 120, 0.30, 0.35},
	{"Blanchard", 70, 0.15, 0.35},
	{"Voltéo", 55, 0.20, 0.30},
	{"Vague", 35, 0.10, 0.50},
}

var (
	negWords = []string{"nul", "déçu", "cher", "arnaque", "pas terrible"}
	posWords = []string{"excellent", "bravo", "délicieux", "top", "pas mal"}
	texts    = map[string][]string{
		"neg": {"Franchement %s c'est nul, très déçu.", "%s est trop cher pour ce que c'est.", "Pas terrible le nouveau %s."},
		"neu": {"%s annonce une nouvelle gamme.", "Quelqu'un a testé %s ?", "%s ouvre un site près de Lyon."},
		"pos": {"Bravo à %s, excellent produit !", "%s, c'est vraiment top.", "Pas mal du tout, %s."},
	}
)

// Fixture builds the data set ending at end (truncated to the hour).
func Fixture(end time.Time) *Dataset {
	end = end.UTC().Truncate(time.Hour)
	d := &Dataset{
		End:          end,
		Groups:       map[string]string{"Duval": "laitiers", "Blanchard": "laitiers", "Voltéo": "mobilite", "Vague": "mode"},
		SpikeHour:    end.Add(-30 * time.Hour),
		SpikeThread:  "http://forum-conso.test/phpbb/viewtopic.php?t=42",
		StoryCluster: "c0ffee00rappel01",
	}
	r := rand.New(rand.NewPCG(2025, 3))
	start := end.Add(-6 * 24 * time.Hour)
	seq := 0
	add := func(m *mention.Mention) *mention.Mention {
		seq++
		if m.URL == "" {
			m.URL = fmt.Sprintf("http://%s/p/%d", hostOf(m.SourceName), seq)
		}
		m.CollectedAt = m.PublishedAt.Add(3 * time.Minute)
		m.Enrichment.EnrichedAt = m.CollectedAt.Add(time.Second)
		m.Enrichment.AuthorKey = influence.AuthorKey(m)
		m.SetID()
		d.Mentions = append(d.Mentions, m)
		return m
	}

	for _, b := range brandMix {
		srcs := brandSources[b.brand]
		for i := 0; i < b.n; i++ {
			s := srcs[r.IntN(len(srcs))]
			label := "pos"
			switch x := r.Float64(); {
			case x < b.neg:
				label = "neg"
			case x < b.neg+b.neu:
				label = "neu"
			}
			lang := "fr"
			switch x := r.Float64(); {
			case x < 0.08:
				lang = "en"
			case x < 0.11:
				lang = "de"
			}
			at := start.Add(time.Duration(r.Int64N(int64(6*24*time.Hour - 2*time.Minute))))
			m := &mention.Mention{
				Brand: b.brand, SourceKind: s.kind, SourceName: s.name,
				MatchedTerms: []string{b.brand},
				Title:        fmt.Sprintf("%s : sujet %d", b.brand, i),
				Text:         fmt.Sprintf(texts[label][r.IntN(3)], b.brand),
				Author:       mention.Author{Name: s.authors[r.IntN(len(s.authors))], Followers: r.IntN(400), PostCount: r.IntN(2000)},
				PublishedAt:  at.Truncate(time.Second),
				Likes:        r.IntN(15),
				Enrichment:   enrichment(r, label, lang, 5+r.Float64()*30),
			}
			if b.brand == "Duval" && r.IntN(4) == 0 {
				m.MatchedTerms = []string{"Laiterie Duval"}
			}
			if s.kind == mention.KindForum {
				m.ThreadURL = fmt.Sprintf("http://%s/t/%s-%d", s.host, slugish(b.brand), i%9)
				m.ThreadTitle = fmt.Sprintf("Avis sur %s (%d)", b.brand, i%9)
				m.Position = 2 + i%7
				m.Anchor = fmt.Sprintf("p%d", i)
				m.URL = m.ThreadURL + "#" + m.Anchor
			}
			add(m)
		}
	}

	// The storm: 40 negative posts in one hour on one thread, 4 of them toxic.
	spikeNames := []string{"Marie_L", "kevin77", "Nadège", "Papa_Ours", "Awa Diop", "Bertrand", "Julie", "Troll_du_93"}
	for i := 0; i < 40; i++ {
		m := &mention.Mention{
			Brand: "Duval", SourceKind: mention.KindForum, SourceName: "forum-conso-phpbb",
			MatchedTerms: []string{"Duval"},
			ThreadURL:    d.SpikeThread, ThreadTitle: "Yaourts Duval rappelés ?",
			Position: i + 1, Anchor: fmt.Sprintf("p%d", 9000+i),
			URL:         d.SpikeThread + fmt.Sprintf("#p%d", 9000+i),
			Text:        "Encore un rappel de yaourts Duval, c'est nul, je suis déçu.",
			Author:      mention.Author{Name: spikeNames[i%len(spikeNames)], PostCount: 10 + i},
			PublishedAt: d.SpikeHour.Add(time.Duration(i) * 80 * time.Second),
			Enrichment:  enrichment(r, "neg", "fr", 8),
		}
		if i == 0 {
			m.Replies = 39
			m.Title = "Yaourts Duval rappelés ?"
		}
		if i%10 == 7 {
			m.Text = "Duval bande d'escrocs, vous êtes des idiots !"
			m.Enrichment.Toxic = true
			m.Enrichment.Toxicity = []mention.ToxicFlag{{Category: "insult", Evidence: []string{"idiots"}}}
		}
		add(m)
	}

	// The influencer: Camille Martin, a food blogger, on Duval and Voltéo.
	camille := func(brand, label string, at time.Duration, title string) {
		m := &mention.Mention{
			Brand: brand, SourceKind: mention.KindWeb, SourceName: "blog-camille",
			MatchedTerms: []string{brand}, Title: title,
			Text:        title + " — " + fmt.Sprintf(texts[label][0], brand),
			Author:      mention.Author{Name: "Camille Martin", URL: "http://blog-camille.test/auteur/camille/", Followers: 12500, PostCount: 340},
			PublishedAt: end.Add(-at), Likes: 120, Replies: 18,
			Enrichment: enrichment(r, label, "fr", 86),
		}
		m.Enrichment.IsInfluencer = true
		add(m)
	}
	camille("Duval", "pos", 20*time.Hour, "Mon avis sur le skyr Duval")
	camille("Duval", "pos", 44*time.Hour, "Recette : cheesecake au fromage blanc Duval")
	camille("Duval", "pos", 70*time.Hour, "Duval, la laiterie qui monte")
	camille("Duval", "pos", 95*time.Hour, "Visite de la Laiterie Duval")
	camille("Duval", "neu", 110*time.Hour, "Duval et le rappel : ce que l'on sait")
	camille("Voltéo", "pos", 30*time.Hour, "J'ai testé le vélo Voltéo")
	camille("Voltéo", "pos", 60*time.Hour, "Voltéo, six mois après")

	// A negative influencer on Voltéo.
	for i, at := range []time.Duration{10 * time.Hour, 50 * time.Hour} {
		m := &mention.Mention{
			Brand: "Voltéo", SourceKind: mention.KindWeb, SourceName: "velo-urbain",
			MatchedTerms: []string{"Voltéo"}, Title: fmt.Sprintf("Voltéo : la batterie lâche encore (%d)", i+1),
			Text:        "La batterie Voltéo est nulle, pas terrible du tout.",
			Author:      mention.Author{Name: "Jules Vélo", Followers: 8000},
			PublishedAt: end.Add(-at), Likes: 60,
			Enrichment: enrichment(r, "neg", "fr", 72),
		}
		m.Enrichment.IsInfluencer = true
		add(m)
	}

	// The syndicated story: one news item, ten copies, one dup_cluster.
	for i := 0; i < 10; i++ {
		srcs := []string{"monquotidien", "monquotidien-rss"}
		m := &mention.Mention{
			Brand: "Duval", SourceKind: []string{mention.KindWeb, mention.KindRSS}[i%2], SourceName: srcs[i%2],
			MatchedTerms: []string{"Laiterie Duval"}, Title: "La Laiterie Duval rappelle des yaourts",
			Text:        "La Laiterie Duval rappelle des lots de yaourts nature par précaution.",
			URL:         fmt.Sprintf("http://monquotidien.test/rappel-duval-%d", i),
			PublishedAt: end.Add(-29*time.Hour + time.Duration(i)*time.Minute),
			Enrichment:  enrichment(r, "neu", "fr", 40),
		}
		m.Enrichment.DupCluster = d.StoryCluster
		add(m)
	}

	// Vague: two toxic posts to moderate.
	for i := 0; i < 2; i++ {
		m := &mention.Mention{
			Brand: "Vague", SourceKind: mention.KindForum, SourceName: "forum-conso-xenforo",
			MatchedTerms: []string{"Vague"}, ThreadURL: "http://forum-conso.test/threads/vague-soldes.7/",
			ThreadTitle: "Soldes Vague", Position: 3 + i, Anchor: fmt.Sprintf("post-%d", 77+i),
			Text:        "Les vendeurs de Vague sont des abrutis.",
			Author:      mention.Author{Name: "Troll_du_93"},
			PublishedAt: end.Add(-time.Duration(5+i) * time.Hour),
			Enrichment:  enrichment(r, "neg", "fr", 3),
		}
		m.URL = m.ThreadURL + "#" + m.Anchor
		m.Enrichment.Toxic = true
		m.Enrichment.Toxicity = []mention.ToxicFlag{{Category: "insult", Evidence: []string{"abrutis"}}}
		add(m)
	}

	// Edits: every fifth mention is collected again later with a new text.
	for i := 0; i < len(d.Mentions); i += 5 {
		c := *d.Mentions[i]
		e := *c.Enrichment
		c.Enrichment = &e
		c.Text += " (modifié)"
		c.CollectedAt = c.CollectedAt.Add(time.Hour)
		e.EnrichedAt = c.CollectedAt.Add(time.Second)
		d.Updates = append(d.Updates, &c)
	}

	var top []string
	for _, m := range d.Mentions {
		if m.ThreadURL == d.SpikeThread && len(top) < 5 {
			top = append(top, m.ID)
		}
	}
	d.Alerts = []Alert{
		{IncidentID: "inc-duval-storm", Brand: "Duval", Rule: "neg_spike", Event: "opened", Status: "open", Severity: 8,
			OpenedAt: d.SpikeHour.Add(20 * time.Minute), UpdatedAt: d.SpikeHour.Add(20 * time.Minute),
			WindowStart: d.SpikeHour, WindowEnd: d.SpikeHour.Add(20 * time.Minute),
			CountTotal: 15, CountNeg: 15, CountToxic: 1, TopMentionIDs: top,
			Summary: "Pic de mentions négatives sur Duval (forum-conso-phpbb)", Version: 1},
		{IncidentID: "inc-duval-storm", Brand: "Duval", Rule: "neg_spike", Event: "escalated", Status: "open", Severity: 9,
			OpenedAt: d.SpikeHour.Add(20 * time.Minute), UpdatedAt: d.SpikeHour.Add(50 * time.Minute),
			WindowStart: d.SpikeHour, WindowEnd: d.SpikeHour.Add(50 * time.Minute),
			CountTotal: 38, CountNeg: 38, CountToxic: 4, TopMentionIDs: top,
			Summary: "Pic de mentions négatives sur Duval (forum-conso-phpbb)", Version: 2},
		{IncidentID: "inc-vague-toxic", Brand: "Vague", Rule: "toxic_burst", Event: "resolved", Status: "resolved", Severity: 3,
			OpenedAt: end.Add(-6 * time.Hour), UpdatedAt: end.Add(-3 * time.Hour),
			WindowStart: end.Add(-7 * time.Hour), WindowEnd: end.Add(-5 * time.Hour),
			CountTotal: 2, CountNeg: 2, CountToxic: 2, Summary: "Messages injurieux sur Vague", Version: 1},
	}
	return d
}

func enrichment(r *rand.Rand, label, lang string, influence float64) *mention.Enrichment {
	score := map[string]float64{"neg": -0.5, "neu": 0, "pos": 0.5}[label] + (r.Float64()-0.5)*0.4
	e := &mention.Enrichment{
		Lang: lang, LangConfidence: 0.9,
		Sentiment:      mention.Sentiment{Label: label, Score: score, Confidence: 0.8},
		InfluenceScore: influence,
	}
	switch label {
	case "neg":
		e.Sentiment.Evidence = []string{negWords[r.IntN(len(negWords))]}
	case "pos":
		e.Sentiment.Evidence = []string{posWords[r.IntN(len(posWords))]}
	}
	return e
}

func hostOf(sourceName string) string {
	switch sourceName {
	case "monquotidien", "monquotidien-rss":
		return "monquotidien.test"
	case "blog-camille":
		return "blog-camille.test"
	case "velo-urbain", "velo-urbain-feed":
		return "velo-urbain.test"
	case "mode-surf", "mode-surf-feed":
		return "mode-surf.test"
	}
	return "forum-conso.test"
}

func slugish(s string) string {
	if s == "Voltéo" {
		return "volteo"
	}
	return s
}

// Load inserts the data set into st's database: mentions, then their later
// versions, then the alerts.
func Load(ctx context.Context, st *store.Store, d *Dataset) error {
	if err := st.InsertMentions(ctx, d.Mentions, d.Groups); err != nil {
		return fmt.Errorf("load mentions: %w", err)
	}
	if err := st.InsertMentions(ctx, d.Updates, d.Groups); err != nil {
		return fmt.Errorf("load updates: %w", err)
	}
	b, err := st.Conn.PrepareBatch(ctx, "INSERT INTO "+st.DB+`.alerts (incident_id, brand, rule, event, severity, status,
  opened_at, updated_at, resolved_at, window_start, window_end, count_total, count_neg, count_neu, count_pos,
  count_influencer, count_toxic, top_mention_ids, summary, deliveries, version)`)
	if err != nil {
		return fmt.Errorf("load alerts: %w", err)
	}
	defer b.Abort()
	for _, a := range d.Alerts {
		resolved := time.Unix(0, 0).UTC()
		if a.Status == "resolved" {
			resolved = a.UpdatedAt
		}
		ids := a.TopMentionIDs
		if ids == nil {
			ids = []string{}
		}
		if err := b.Append(a.IncidentID, a.Brand, a.Rule, a.Event, a.Severity, a.Status,
			a.OpenedAt, a.UpdatedAt, resolved, a.WindowStart, a.WindowEnd, a.CountTotal, a.CountNeg, a.CountNeu, a.CountPos,
			a.CountInfluencer, a.CountToxic, ids, a.Summary, "", a.Version); err != nil {
			return fmt.Errorf("load alert %s: %w", a.IncidentID, err)
		}
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("load alerts: %w", err)
	}
	return nil
}
