package sentiment

import "math"

// Feature is one hashed feature with its value.
type Feature struct {
	Index uint32
	Value float32
}

// Dense rule features occupy the first buckets; hashed ones never land there.
const (
	fBias = iota
	fRuleScore
	fRulePos
	fRuleNeg
	fPosEmo
	fNegEmo
	fExcl
	fQuest
	fCaps
	fNegs
	fNoHit
	fShort
	fLong
	fURL
	fUser
	fRuleStrong
	nDense = 16
)

// PositiveRuleFeatures and NegativeRuleFeatures are the dense features whose
// weights the trainer keeps monotone (towards pos, resp. neg).
var (
	PositiveRuleFeatures = []int{fRuleScore, fRulePos, fPosEmo, fRuleStrong}
	NegativeRuleFeatures = []int{fRuleNeg, fNegEmo}
)

// FeatureOptions selects feature groups (the trainer searches over them).
type FeatureOptions struct {
	CharGrams  bool
	CharWeight float32
	Bigrams    bool
	RuleWeight float32
}

// DefaultFeatureOptions are the options the embedded model was trained with
// unless the model header says otherwise.
var DefaultFeatureOptions = FeatureOptions{CharGrams: true, CharWeight: 0.5, Bigrams: true, RuleWeight: 1}

// maxGramWord bounds the words (with their two marks) whose character
// n-grams are hashed incrementally on the stack.
const maxGramWord = 48

type wordRef struct {
	feat     int // index in the feature slice
	from, to int // token span
}

const (
	fnvOffset = 2166136261
	fnvPrime  = 16777619
)

func hstr(h uint32, s string) uint32 {
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= fnvPrime
	}
	return h
}

func hbyte(h uint32, b byte) uint32 {
	h ^= uint32(b)
	return h * fnvPrime
}

// featurize builds the model's feature vector from tokens and the rule layer.
func featurize(toks []Token, neg []bool, r *Rules, opt FeatureOptions, bits uint8, feats []Feature, refs []wordRef) ([]Feature, []wordRef) {
	mask := uint32(1)<<bits - 1
	span := mask + 1 - nDense
	bucket := func(h uint32) uint32 { return nDense + h%span }
	rw := opt.RuleWeight
	urls, users := 0, 0
	for i := range toks {
		switch toks[i].Kind {
		case KURL:
			urls++
		case KUser:
			users++
		}
	}
	b2f := func(b bool) float32 {
		if b {
			return 1
		}
		return 0
	}
	feats = append(feats,
		Feature{fBias, 1},
		Feature{fRuleScore, rw * float32(r.Score) * 2},
		Feature{fRulePos, rw * float32(math.Log1p(r.PosSum))},
		Feature{fRuleNeg, rw * float32(math.Log1p(r.NegSum))},
		Feature{fPosEmo, rw * float32(math.Min(float64(r.PosEmo), 3))},
		Feature{fNegEmo, rw * float32(math.Min(float64(r.NegEmo), 3))},
		Feature{fExcl, float32(math.Min(float64(r.Excl), 3)) / 3},
		Feature{fQuest, float32(math.Min(float64(r.Quest), 3)) / 3},
		Feature{fCaps, float32(math.Min(float64(r.Caps), 3)) / 3},
		Feature{fNegs, float32(math.Min(float64(r.Negs), 3)) / 3},
		Feature{fNoHit, b2f(len(r.Hits) == 0)},
		Feature{fShort, b2f(r.Words < 12)},
		Feature{fLong, b2f(r.Words > 40)},
		Feature{fURL, b2f(urls > 0)},
		Feature{fUser, b2f(users > 0)},
		Feature{fRuleStrong, rw * float32(math.Max(-1, math.Min(1, 2*r.Score))) * b2f(math.Abs(r.Score) > 0.5)},
	)
	start := len(feats)
	prev := -1
	for i := range toks {
		t := &toks[i]
		if t.Kind == KPunct && t.Norm != "!" && t.Norm != "?" {
			prev = -1
			continue
		}
		h := uint32(fnvOffset)
		if neg != nil && neg[i] {
			h = hbyte(h, '~')
		}
		h = hstr(hbyte(h, 'w'), t.Norm)
		refs = append(refs, wordRef{feat: len(feats), from: i, to: i})
		feats = append(feats, Feature{bucket(h), 1})
		if opt.Bigrams && prev >= 0 {
			hb := hstr(hbyte(hstr(hbyte(uint32(fnvOffset), 'b'), toks[prev].Norm), ' '), t.Norm)
			refs = append(refs, wordRef{feat: len(feats), from: prev, to: i})
			feats = append(feats, Feature{bucket(hb), 1})
		}
		prev = i
	}
	nw := len(feats) - start
	if nw > 0 {
		s := float32(1 / math.Sqrt(float64(nw)))
		for k := start; k < len(feats); k++ {
			feats[k].Value = s
		}
	}
	if opt.CharGrams {
		cstart := len(feats)
		for i := range toks {
			t := &toks[i]
			if t.Kind != KWord || len(t.Norm) < 3 {
				continue
			}
			w := t.Norm
			// n-grams of "<word>" for n = 3..5, bytes (folded text is mostly ASCII).
			L := len(w) + 2
			at := func(k int) byte {
				if k == 0 {
					return '<'
				}
				if k == L-1 {
					return '>'
				}
				return w[k-1]
			}
			// negated words get their own character n-grams: "~satisfait" is
			// not "satisfait".
			seed := byte('c')
			if neg != nil && neg[i] {
				seed = 'n'
			}
			if L > maxGramWord {
				for n := 3; n <= 5; n++ {
					for s := 0; s+n <= L; s++ {
						h := hbyte(uint32(fnvOffset), seed)
						for k := s; k < s+n; k++ {
							h = hbyte(h, at(k))
						}
						feats = append(feats, Feature{bucket(h), 1})
					}
				}
				continue
			}
			// FNV is sequential: the 4- and 5-gram at s extend the 3-gram
			// at s, so hash each start once and emit in the n-major order
			// the model sums in.
			var g3, g4, g5 [maxGramWord]uint32
			for s := 0; s+3 <= L; s++ {
				h := hbyte(hbyte(hbyte(hbyte(uint32(fnvOffset), seed), at(s)), at(s+1)), at(s+2))
				g3[s] = h
				if s+4 <= L {
					h = hbyte(h, at(s+3))
					g4[s] = h
					if s+5 <= L {
						g5[s] = hbyte(h, at(s+4))
					}
				}
			}
			for s := 0; s+3 <= L; s++ {
				feats = append(feats, Feature{bucket(g3[s]), 1})
			}
			for s := 0; s+4 <= L; s++ {
				feats = append(feats, Feature{bucket(g4[s]), 1})
			}
			for s := 0; s+5 <= L; s++ {
				feats = append(feats, Feature{bucket(g5[s]), 1})
			}
		}
		nc := len(feats) - cstart
		if nc > 0 {
			s := opt.CharWeight / float32(math.Sqrt(float64(nc)))
			for k := cstart; k < len(feats); k++ {
				feats[k].Value = s
			}
		}
	}
	return feats, refs
}
