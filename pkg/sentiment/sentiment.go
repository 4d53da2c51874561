// Package sentiment scores the polarity of French (and English) short and
// long texts: a hand-built rule layer (negation scope, intensifiers,
// contrast, emoji, informal spellings, hashtags) over the Pattern lexicon,
// feeding a small hashed logistic-regression model trained on French tweets
// and reviews. It returns a label, a score in [-1, 1], a confidence and the
// evidence (words and phrases) that drove the decision.
package sentiment

import (
	_ "embed"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
)

//go:generate go run ./internal/train -data ../../../shared/data

// Embedded derived data, produced by internal/train (see NOTICE.d/sentiment.md).
var (
	//go:embed data/pattern_fr.tsv
	patternTSV []byte
	//go:embed data/model.bin.gz
	modelBin []byte
)

// MaxEvidence bounds the evidence list.
const MaxEvidence = 5

// Result is the sentiment of one text.
type Result struct {
	Label      string   `json:"label"` // neg, neu, pos
	Score      float64  `json:"score"` // P(pos) - P(neg), in [-1, 1]
	Confidence float64  `json:"confidence"`
	Evidence   []string `json:"evidence"`
}

// Analyzer scores texts. It is immutable after construction and safe for
// concurrent use.
type Analyzer struct {
	lex         Lexicon
	phraseFirst map[string]bool
	model       *Model
	pool        sync.Pool
}

type scratch struct {
	neg   []bool
	feats []Feature
	refs  []wordRef
}

// New builds the Analyzer from the embedded lexicon and model.
func New() (*Analyzer, error) {
	lex, err := ParseLexicon(patternTSV)
	if err != nil {
		return nil, fmt.Errorf("sentiment: embedded lexicon: %w", err)
	}
	m, err := DecodeModel(modelBin)
	if err != nil {
		return nil, fmt.Errorf("sentiment: embedded model: %w", err)
	}
	return NewAnalyzer(lex, m), nil
}

// NewAnalyzer builds an Analyzer over a lexicon (the hand lexicon is
// overlaid) and a model; a nil model gives a rule-only analyzer.
func NewAnalyzer(lex Lexicon, m *Model) *Analyzer {
	a := &Analyzer{lex: lex.withHand(), phraseFirst: map[string]bool{}, model: m}
	for k := range fixedPhrases {
		first, _, _ := strings.Cut(k, " ")
		a.phraseFirst[first] = true
	}
	a.pool.New = func() any { return &scratch{} }
	return a
}

// Rules runs only the rule/lexicon layer.
func (a *Analyzer) Rules(text string) Rules {
	toks := Tokenize(text)
	return a.analyse(toks, nil)
}

// Features returns the model features of text for the given options (used
// by the trainer).
func (a *Analyzer) Features(text string, opt FeatureOptions, bits uint8) []Feature {
	toks := Tokenize(text)
	neg := make([]bool, len(toks))
	r := a.analyse(toks, neg)
	f, _ := featurize(toks, neg, &r, opt, bits, nil, nil)
	return f
}

// Analyze scores one text.
func (a *Analyzer) Analyze(text string) Result {
	toks := Tokenize(text)
	s := a.pool.Get().(*scratch)
	defer a.pool.Put(s)
	if cap(s.neg) < len(toks) {
		s.neg = make([]bool, len(toks))
	}
	neg := s.neg[:len(toks)]
	clear(neg)
	r := a.analyse(toks, neg)
	if a.model == nil {
		return ruleOnly(&r)
	}
	s.feats, s.refs = featurize(toks, neg, &r, a.model.Opts, a.model.Bits, s.feats[:0], s.refs[:0])
	p := a.model.Predict(s.feats, r.Score)
	best := 0
	for c := 1; c < NClass; c++ {
		if p[c] > p[best] {
			best = c
		}
	}
	res := Result{
		Label:      Labels[best],
		Score:      round3(p[ClassPos] - p[ClassNeg]),
		Confidence: round3(p[best]),
	}
	if c, ok := overrule(&r); ok && c != best {
		// Several unanimous, strong rule hits and a model that disagrees:
		// the model's word weights (trained on tweets) can outvote a plain
		// complaint through words like "commande" or an unknown brand
		// name. The evidence wins; the score meets the model halfway.
		best = c
		res.Label = Labels[c]
		res.Score = round3((r.Score + res.Score) / 2)
		res.Confidence = round3(0.5 + math.Abs(res.Score)/2)
	}
	res.Evidence = a.evidence(toks, &r, s, best)
	return res
}

// overrule returns the class the rules alone vouch for: at least two
// lexical hits, all of one sign and none negated, and a rule score of at
// least 0.9 in magnitude.
func overrule(r *Rules) (int, bool) {
	if len(r.Hits) < 2 || math.Abs(r.Score) < 0.9 {
		return 0, false
	}
	for _, h := range r.Hits {
		if h.Negated || h.Value == 0 || (h.Value > 0) != (r.Score > 0) {
			return 0, false
		}
	}
	if r.Score > 0 {
		return ClassPos, true
	}
	return ClassNeg, true
}

func ruleOnly(r *Rules) Result {
	res := Result{Score: round3(r.Score), Confidence: round3(0.5 + math.Abs(r.Score)/2)}
	switch {
	case r.Score > 0.15:
		res.Label = "pos"
	case r.Score < -0.15:
		res.Label = "neg"
	default:
		res.Label = "neu"
	}
	res.Evidence = ruleEvidence(r, res.Label, nil)
	return res
}

func ruleEvidence(r *Rules, label string, ev []string) []string {
	hits := make([]Hit, 0, len(r.Hits))
	for _, h := range r.Hits {
		if label == "pos" && h.Value <= 0 || label == "neg" && h.Value >= 0 {
			continue
		}
		hits = append(hits, h)
	}
	sort.SliceStable(hits, func(i, j int) bool { return math.Abs(hits[i].Value) > math.Abs(hits[j].Value) })
	for _, h := range hits {
		if len(ev) >= MaxEvidence || label == "neu" && len(ev) >= 3 {
			break
		}
		ev = addEvidence(ev, h.Phrase)
	}
	return ev
}

func addEvidence(ev []string, p string) []string {
	lp := strings.ToLower(p)
	for _, e := range ev {
		if strings.Contains(strings.ToLower(e), lp) {
			return ev
		}
	}
	return append(ev, p)
}

// evidence combines the rule hits with the word features that pushed the
// model most towards its label.
func (a *Analyzer) evidence(toks []Token, r *Rules, s *scratch, best int) []string {
	ev := ruleEvidence(r, Labels[best], make([]string, 0, MaxEvidence))
	if best == ClassNeu || len(ev) >= MaxEvidence {
		return ev
	}
	other := ClassNeg
	if best == ClassNeg {
		other = ClassPos
	}
	type contrib struct {
		ref wordRef
		v   float32
	}
	var top [3]contrib
	mask := uint32(1)<<a.model.Bits - 1
	for _, ref := range s.refs {
		f := s.feats[ref.feat]
		b := int(f.Index&mask) * NClass
		v := (a.model.W[b+best] - a.model.W[b+other]) * f.Value
		if v <= 0.05 {
			continue
		}
		// keep the three strongest content words: a CM learns nothing from "te" or "ce".
		if v <= 0.3 || !contentWord(&toks[ref.from]) || !contentWord(&toks[ref.to]) {
			continue
		}
		for k := range top {
			if v > top[k].v {
				copy(top[k+1:], top[k:len(top)-1])
				top[k] = contrib{ref, v}
				break
			}
		}
	}
	for _, c := range top {
		if c.v == 0 || len(ev) >= MaxEvidence {
			break
		}
		ev = addEvidence(ev, joinRaw(toks, c.ref.from, c.ref.to))
	}
	return ev
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

func contentWord(t *Token) bool {
	if t.Kind != KWord || len(t.Norm) < 3 {
		return false
	}
	return !evidenceStop[t.Norm]
}

var evidenceStop = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields("les des une est sont ete etre avoir ont avait pour par sur dans avec sans que qui quoi dont cette ces ses son sa leur leurs nous vous ils elles elle lui moi toi mais car donc puis tout tous toute toutes plus moins tres trop bien ete fait faire cet ceux celle celui comme aussi encore deja selon entre vers chez apres avant pendant depuis the and for with this that you are was have has not but from they them their its our your his her ici voila aux alors quand comment pourquoi ") {
		m[w] = true
	}
	return m
}()
