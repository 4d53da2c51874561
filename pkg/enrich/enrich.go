// Package enrich runs the enrichment NLP on a text or a mention: language,
// sentiment with evidence, toxicity flags, entities and near-duplicate
// cluster. It is what `veille tag`, `veille eval` and the enricher service use.
package enrich

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/veille-oss/veille/pkg/nlp/dedup"
	"github.com/veille-oss/veille/pkg/nlp/english"
	"github.com/veille-oss/veille/pkg/nlp/entities"
	"github.com/veille-oss/veille/pkg/nlp/langid"
	"github.com/veille-oss/veille/pkg/nlp/sentiment"
	"github.com/veille-oss/veille/pkg/nlp/toxicity"
	"github.com/veille-oss/veille/pkg/platform/mention"
)

// Options configure a Tagger.
type Options struct {
	// Brands are recognised as organisation entities.
	Brands []string
	// Targets are the configured brands (name, aliases, watch query) whose
	// sentiment each mention row carries; a mention's brand that is not
	// among them is scored by its name and matched terms alone.
	Targets []Target
	// DedupCapacity is how many recent mention signatures the
	// near-duplicate index keeps (default 100000).
	DedupCapacity int
	// DedupMaxDistance is the SimHash Hamming distance of one cluster (default 10).
	DedupMaxDistance int
	// NoEntities skips entity extraction (it is the only optional stage).
	NoEntities bool
	// Now stamps EnrichedAt; nil means time.Now.
	Now func() time.Time
}

// Tagger enriches texts and mentions. It is safe for concurrent use.
type Tagger struct {
	lang *langid.Detector
	sent *sentiment.Analyzer
	tox  *toxicity.Detector
	ent  *entities.Extractor
	en   *english.Extractor // English texts: ent's rules, then prose
	dup  *dedup.Index
	camp *dedup.Campaigns // coordinated posting (suspicious.go)
	opts Options
	// target scores the sentiment about each brand (the row's sentiment).
	target *sentiment.TargetScorer
}

// Sentiment is the sentiment part of Result.
type Sentiment struct {
	Label      string   `json:"label"`
	Score      float64  `json:"score"`
	Confidence float64  `json:"confidence"`
	Evidence   []string `json:"evidence"`
}

// Result is the enrichment of one text; it marshals to the JSON of `veille tag`.
type Result struct {
	Lang           string              `json:"lang"`
	LangConfidence float64             `json:"lang_confidence"`
	Sentiment      Sentiment           `json:"sentiment"`
	Toxic          bool                `json:"toxic"`
	Toxicity       []mention.ToxicFlag `json:"toxicity"`
	Entities       []mention.Entity    `json:"entities"`
}

// New builds a Tagger from the embedded models.
func New(opts Options) (*Tagger, error) {
	s, err := sentiment.New()
	if err != nil {
		return nil, fmt.Errorf("enrich: %w", err)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	ent := entities.New(opts.Brands)
	return &Tagger{
		lang: langid.New(),
		sent: s,
		tox:  toxicity.New(),
		ent:  ent,
		en:   english.NewExtractor(ent, english.Options{}),
		dup:  dedup.New(dedup.Options{Capacity: opts.DedupCapacity, MaxDistance: opts.DedupMaxDistance}),
		camp: dedup.NewCampaigns(0, 0),
		opts: opts,
		// nil splitter: the French/English default of pkg/sentiment.
		target: sentiment.NewTargetScorer(s, sentimentTargets(opts.Targets), nil),
	}, nil
}

// Tag enriches one text; langHint (ISO 639-1, may be empty) helps the
// language detector on short texts.
func (t *Tagger) Tag(text, langHint string) Result { return t.tag(text, langHint, true) }

// tag is Tag; without docSentiment the text-level sentiment is left empty
// (Enrich stores the brand's own).
func (t *Tagger) tag(text, langHint string, docSentiment bool) Result {
	lr := t.lang.DetectWithHint(text, langHint)
	res := Result{
		Lang:           lr.Lang,
		LangConfidence: round3(lr.Confidence),
		Toxicity:       []mention.ToxicFlag{},
		Entities:       []mention.Entity{},
	}
	if docSentiment {
		res.Sentiment = toSentiment(t.sent.Analyze(text))
	}
	tr := t.tox.Check(text)
	res.Toxic = tr.Toxic
	if len(tr.Flags) > 0 {
		res.Toxicity = make([]mention.ToxicFlag, 0, len(tr.Flags))
	}
	for _, f := range tr.Flags {
		res.Toxicity = append(res.Toxicity, mention.ToxicFlag{Category: f.Category, Evidence: f.Evidence})
	}
	if !t.opts.NoEntities {
		var ents []entities.Entity
		if res.Lang == "en" && t.en != nil {
			ents = t.en.Extract(text)
		} else {
			ents = t.ent.Extract(text)
		}
		if len(ents) > 0 {
			res.Entities = make([]mention.Entity, 0, min(len(ents), mention.MaxEntities))
		}
		for _, e := range ents {
			if len(res.Entities) >= mention.MaxEntities {
				break
			}
			res.Entities = append(res.Entities, mention.Entity{Text: e.Text, Type: e.Type})
		}
	}
	return res
}

// Enrich fills m.Enrichment (language, sentiment about m.Brand, toxicity,
// entities, duplicate cluster, time); influence fields already there are kept.
func (t *Tagger) Enrich(m *mention.Mention) {
	text := m.Text
	if m.Title != "" && !strings.HasPrefix(m.Text, m.Title) {
		text = m.Title + "\n" + m.Text
	}
	r := t.tag(text, m.LangHint, false)
	e := m.Enrichment
	if e == nil {
		e = &mention.Enrichment{}
		m.Enrichment = e
	}
	e.Lang, e.LangConfidence = r.Lang, r.LangConfidence
	// one row per (mention, brand): the row's sentiment is the one
	// expressed about its brand, not the text's mood.
	e.Sentiment = t.brandSentiment(m, text)
	e.Toxic = r.Toxic
	e.Toxicity = nil
	if len(r.Toxicity) > 0 {
		e.Toxicity = r.Toxicity
	}
	e.Entities = nil
	if len(r.Entities) > 0 {
		e.Entities = r.Entities
	}
	// the cluster is over the body only: syndicated copies change titles.
	e.DupCluster = t.dup.Assign(m.ID, m.Text)
	if e.DupCluster == "" {
		// Too short for a reliable SimHash: its own story, so counting
		// distinct dup_cluster counts every mention once.
		e.DupCluster = m.ID
	}
	e.Suspicious = t.suspicious(m)
	e.EnrichedAt = t.opts.Now().UTC()
}

func round3(v float64) float64 {
	return math.Round(v*1000) / 1000
}
