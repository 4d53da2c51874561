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
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

//go:generate go run ./internal/train -data ../../../../shared/data

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
	phrases     map[string]float64 // fixedPhrases, or the target layer's superset
	phraseFirst map[string]bool
	model       *Model
	intern      map[string]string // folded known words, shared by the tokens
	pool        sync.Pool
}

// scratch is the per-call working memory of Analyze, pooled: tokens, rule
// hits and features are only read while the call runs.
type scratch struct {
	toks  []Token
	hits  []Hit
	sort  []Hit
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
	a := &Analyzer{lex: lex.withHand(), phrases: fixedPhrases, phraseFirst: map[string]bool{}, model: m}
	for k := range fixedPhrases {
		first, _, _ := strings.Cut(k, " ")
		a.phraseFirst[first] = true
	}
	a.intern = make(map[string]string, len(a.lex)+len(evidenceStop)+64)
	for k := range a.lex {
		a.intern[k] = k
	}
	for _, m := range []map[string]bool{evidenceStop, negators, contrasts, clauseBreaks} {
		for k := range m {
			a.intern[k] = k
		}
	}
	for k := range intensifiers {
		a.intern[k] = k
	}
	for k := range fixedPhrases {
		for _, w := range strings.Fields(k) {
			a.intern[w] = w
		}
	}
	for _, w := range strings.Fields(commonWords) {
		a.intern[w] = w
	}
	a.pool.New = func() any { return &scratch{} }
	return a
}

// Rules runs only the rule/lexicon layer.
func (a *Analyzer) Rules(text string) Rules {
	toks := tokenizeInto(nil, text, a.intern)
	return a.analyse(toks, nil)
}

// Features returns the model features of text for the given options (used
// by the trainer).
func (a *Analyzer) Features(text string, opt FeatureOptions, bits uint8) []Feature {
	toks := tokenizeInto(nil, text, a.intern)
	neg := make([]bool, len(toks))
	r := a.analyse(toks, neg)
	f, _ := featurize(toks, neg, &r, opt, bits, nil, nil)
	return f
}

// Analyze scores one text.
func (a *Analyzer) Analyze(text string) Result {
	s := a.pool.Get().(*scratch)
	defer a.release(s)
	s.toks = tokenizeInto(s.toks[:0], text, a.intern)
	toks := s.toks
	if cap(s.neg) < len(toks) {
		s.neg = make([]bool, len(toks))
	}
	neg := s.neg[:len(toks)]
	clear(neg)
	r := a.analyseInto(toks, neg, s.hits[:0])
	s.hits = r.Hits
	if a.model == nil {
		return ruleOnly(&r, s)
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

// release returns s to the pool without the strings it points to, so a
// pooled slice does not keep a past text alive.
func (a *Analyzer) release(s *scratch) {
	clear(s.toks)
	clear(s.hits)
	clear(s.sort)
	a.pool.Put(s)
}

func ruleOnly(r *Rules, s *scratch) Result {
	res := Result{Score: round3(r.Score), Confidence: round3(0.5 + math.Abs(r.Score)/2)}
	switch {
	case r.Score > 0.15:
		res.Label = "pos"
	case r.Score < -0.15:
		res.Label = "neg"
	default:
		res.Label = "neu"
	}
	res.Evidence = ruleEvidence(r, res.Label, nil, s)
	return res
}

func ruleEvidence(r *Rules, label string, ev []string, s *scratch) []string {
	hits := s.sort[:0]
	for _, h := range r.Hits {
		if label == "pos" && h.Value <= 0 || label == "neg" && h.Value >= 0 {
			continue
		}
		hits = append(hits, h)
	}
	s.sort = hits
	// a stable sort has one result whatever the algorithm: the order of sort.SliceStable.
	slices.SortStableFunc(hits, func(x, y Hit) int {
		ax, ay := math.Abs(x.Value), math.Abs(y.Value)
		switch {
		case ax > ay:
			return -1
		case ax < ay:
			return 1
		}
		return 0
	})
	for _, h := range hits {
		if len(ev) >= MaxEvidence || label == "neu" && len(ev) >= 3 {
			break
		}
		ev = addEvidence(ev, h.Phrase)
	}
	return ev
}

func addEvidence(ev []string, p string) []string {
	if isASCII(p) {
		for _, e := range ev {
			if isASCII(e) && containsLowerASCII(e, p) {
				return ev
			}
		}
		// a non-ASCII e: the general comparison below.
	}
	var lp string
	for _, e := range ev {
		if isASCII(p) && isASCII(e) {
			continue // compared above
		}
		if lp == "" {
			lp = strings.ToLower(p)
		}
		if strings.Contains(strings.ToLower(e), lp) {
			return ev
		}
	}
	return append(ev, p)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// containsLowerASCII is strings.Contains(strings.ToLower(s), strings.ToLower(sub))
// for ASCII s and sub, without the copies.
func containsLowerASCII(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		k := 0
		for k < len(sub) && lowerASCII(s[i+k]) == lowerASCII(sub[k]) {
			k++
		}
		if k == len(sub) {
			return true
		}
	}
	return false
}

// evidence combines the rule hits with the word features that pushed the
// model most towards its label.
func (a *Analyzer) evidence(toks []Token, r *Rules, s *scratch, best int) []string {
	ev := ruleEvidence(r, Labels[best], make([]string, 0, MaxEvidence), s)
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

// commonWords are frequent folded words outside the lexicon, interned so
// their capitalised or accented spellings ("Le", "été", "déjà") share one
// copy instead of one per token.
const commonWords = `le la les l un une des du de d au aux ce cet cette ces il elle ils elles on je j tu nous vous me te se s
en y a ou et ni or si ne n qu que qui ca c est etait ete etre avoir deja apres avant tres meme memes pres ainsi
mon ma mes ton ta tes son sa ses notre nos votre vos leur leurs lui moi toi soi eux
pour par sur sous dans avec sans chez vers entre contre depuis pendant selon malgre
mais donc car puis alors quand comme comment pourquoi ou voici voila
ai as avons avez ont suis es sommes etes sont fait faire fais vais va vas allons allez vont peut peux pouvez
tout tous toute toutes rien personne plus moins bien mal trop peu aussi encore toujours jamais
premier premiere annee annees fois jour jours mois semaine heure heures prix client clients service produit commande livraison
probleme reponse qualite societe entreprise marque magasin site france paris
the a an of to in on at for with by from and or but is are was were be been it this that i you he she we they my your
`
