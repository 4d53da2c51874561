package sentiment

import (
	"math"
	"strings"
)

// Hit is one piece of evidence found by the rule layer: a word or phrase
// with its contribution after negation, intensity and contrast.
type Hit struct {
	Phrase  string
	Value   float64
	Negated bool
}

// Rules is the outcome of the rule/lexicon layer.
type Rules struct {
	Score  float64 // tanh of the summed contributions, in [-1, 1]
	PosSum float64
	NegSum float64 // as a positive number
	Hits   []Hit
	Excl   int // exclamation marks
	Quest  int
	Caps   int // words in capitals
	PosEmo int
	NegEmo int
	Negs   int // negations seen
	Words  int
}

const negWindow = 3 // words after a negator that it reaches

// analyse runs the rule layer over tokens. negMark[i] is set when token i
// is in a negation scope (used by the model's features too).
func (a *Analyzer) analyse(toks []Token, negMark []bool) Rules {
	return a.analyseInto(toks, negMark, nil)
}

// analyseInto is analyse appending the hits to hits (a pooled slice).
func (a *Analyzer) analyseInto(toks []Token, negMark []bool, hits []Hit) Rules {
	r := Rules{Hits: hits}
	weight := 1.0
	neOpen := false
	neIdx := -1
	negUntil := -1
	negIdx := -1
	mult := 1.0
	multIdx := -1
	lastHit := -1    // index into r.Hits of the last lexical hit
	lastHitTok := -1 // its token index
	negConsumed := false
	for i := 0; i < len(toks); i++ {
		t := &toks[i]
		switch t.Kind {
		case KPunct:
			r.Excl += t.Excl
			if t.Norm == "?" {
				r.Quest++
			}
			if isBreak(t.Norm) {
				neOpen, negUntil, mult, multIdx = false, -1, 1, -1
			}
			continue
		case KEmoji:
			v := emojiPolarity[t.Norm]
			if v != 0 {
				if v > 0 {
					r.PosEmo++
				} else {
					r.NegEmo++
				}
				r.Hits = append(r.Hits, Hit{Phrase: t.Raw, Value: v * weight})
			}
			continue
		case KWord:
		default:
			continue
		}
		r.Words++
		w := t.Norm
		if t.Caps {
			r.Caps++
		}
		inNeg := neOpen || i <= negUntil
		if inNeg && negMark != nil {
			negMark[i] = true
		}
		// idioms first: "pas mal", "pas terrible", "à éviter"...
		if v, n := a.matchPhrase(toks, i); n > 0 {
			if v != 0 {
				v *= mult * weight
				start := i
				if multIdx >= 0 && multIdx < i {
					start = multIdx
				}
				r.Hits = append(r.Hits, Hit{Phrase: joinRaw(toks, start, i+n-1), Value: v})
				lastHit, lastHitTok = len(r.Hits)-1, i+n-1
			}
			if toks[i].Norm == "pas" || toks[i].Norm == "jamais" || toks[i].Norm == "aucun" || toks[i].Norm == "sans" {
				r.Negs++
			}
			neOpen, negUntil, mult, multIdx = false, -1, 1, -1
			i += n - 1
			continue
		}
		if contrasts[w] {
			// the clause after "mais" weighs more than the one before.
			for k := range r.Hits {
				r.Hits[k].Value *= 0.5
			}
			weight = 1.5
			neOpen, negUntil, mult, multIdx = false, -1, 1, -1
			continue
		}
		if w == "ne" {
			neOpen, neIdx, negConsumed = true, i, false
			continue
		}
		if neOpen && w == "que" { // "ne ... que" restricts, it doesn't negate
			neOpen = false
			continue
		}
		if negators[w] || (neOpen && w == "plus") {
			r.Negs++
			if neOpen && negConsumed {
				// "je n'aime pas": the verb between ne and pas took the negation.
				if lastHit >= 0 && lastHitTok > neIdx && lastHitTok >= i-3 && r.Hits[lastHit].Negated {
					r.Hits[lastHit].Phrase += " " + t.Raw // the evidence reads "n'aime pas"
				}
				neOpen, negUntil = false, -1
				continue
			}
			if !neOpen && !a.sentimentAhead(toks, i) && lastHit >= 0 && lastHitTok >= i-2 && !r.Hits[lastHit].Negated {
				// "j'aime pas", "c'est nul pas": negate backwards.
				h := &r.Hits[lastHit]
				h.Value = negate(h.Value)
				h.Negated = true
				h.Phrase = h.Phrase + " " + t.Raw
				continue
			}
			if neOpen {
				negIdx = neIdx
			} else {
				negIdx = i
			}
			neOpen = false
			negUntil = i + negWindow
			continue
		}
		if m, ok := intensifiers[w]; ok && a.sentimentAhead(toks, i) {
			if mult == 1 {
				multIdx = i
			}
			mult *= m
			continue
		}
		if w == "un" && i+1 < len(toks) && toks[i+1].Norm == "peu" {
			if mult == 1 {
				multIdx = i
			}
			mult *= 0.5
			i++
			continue
		}
		if m, ok := diminishers[w]; ok && a.sentimentAhead(toks, i) {
			if mult == 1 {
				multIdx = i
			}
			mult *= m
			continue
		}
		v, ok := a.lookup(w)
		if !ok || v == 0 {
			continue
		}
		start := i
		if multIdx >= 0 && i-multIdx <= 3 {
			start = multIdx
		}
		negated := false
		if inNeg {
			negated = true
			v = negate(v)
			ni := negIdx
			if neOpen {
				ni = neIdx // "ne déçoit jamais": the evidence starts at "ne"
			}
			if ni >= 0 && i-ni <= 5 && ni < start {
				start = ni
			}
			if neOpen {
				negConsumed = true
			}
			negUntil = -1 // one negation, one word
		}
		v *= mult
		if t.Caps {
			v *= 1.4
		}
		if t.Elong {
			v *= 1.3
		}
		if t.Hashtag {
			v *= 1.2
		}
		v *= weight
		phrase := joinRaw(toks, start, i)
		if negated && start < i-5 {
			phrase = toks[negIdx].Raw + " … " + t.Raw
		}
		r.Hits = append(r.Hits, Hit{Phrase: phrase, Value: clamp(v, -2, 2), Negated: negated})
		lastHit, lastHitTok = len(r.Hits)-1, i
		mult, multIdx = 1, -1
	}
	amp := 1 + 0.15*math.Min(float64(r.Excl), 3)
	sum := 0.0
	for _, h := range r.Hits {
		sum += h.Value
		if h.Value > 0 {
			r.PosSum += h.Value
		} else {
			r.NegSum -= h.Value
		}
	}
	r.Score = math.Tanh(sum * amp)
	return r
}

// negate shifts polarity: a negated positive is clearly negative ("pas
// génial"), a negated negative only mildly positive ("pas mauvais").
func negate(v float64) float64 {
	if v > 0 {
		return -0.9 * v
	}
	return -0.5 * v
}

func isBreak(p string) bool { return clauseBreaks[p] }

func clamp(v, lo, hi float64) float64 {
	return math.Max(lo, math.Min(hi, v))
}

// sentimentAhead reports whether a polar word or idiom follows within 2 words.
func (a *Analyzer) sentimentAhead(toks []Token, i int) bool {
	for j := i + 1; j < len(toks) && j <= i+2; j++ {
		t := &toks[j]
		if t.Kind != KWord {
			return false
		}
		if v, ok := a.lookup(t.Norm); ok && v != 0 {
			return true
		}
		if _, n := a.matchPhrase(toks, j); n > 0 {
			return true
		}
		if _, ok := intensifiers[t.Norm]; !ok {
			if t.Norm != "pas" && t.Norm != "du" && t.Norm != "tout" {
				return false
			}
		}
	}
	return false
}

// lookup finds a word in the lexicon, trying a few light variants.
func (a *Analyzer) lookup(w string) (float64, bool) {
	if v, ok := a.lex[w]; ok {
		return v, true
	}
	if len(w) > 4 && (strings.HasSuffix(w, "s") || strings.HasSuffix(w, "x")) {
		if v, ok := a.lex[w[:len(w)-1]]; ok {
			return v, true
		}
	}
	return 0, false
}

// matchPhrase matches a fixed phrase starting at token i; it returns the
// phrase polarity and the number of tokens it covers.
func (a *Analyzer) matchPhrase(toks []Token, i int) (float64, int) {
	if toks[i].Kind != KWord || !a.phraseFirst[toks[i].Norm] {
		return 0, 0
	}
	var buf [64]byte
	for n := 4; n >= 2; n-- {
		if i+n > len(toks) {
			continue
		}
		key := buf[:0]
		ok := true
		for j := i; j < i+n; j++ {
			if toks[j].Kind != KWord {
				ok = false
				break
			}
			if j > i {
				key = append(key, ' ')
			}
			key = append(key, toks[j].Norm...)
		}
		if !ok {
			continue
		}
		if v, found := a.phrases[string(key)]; found {
			return v, n
		}
	}
	return 0, 0
}

func joinRaw(toks []Token, from, to int) string {
	if from == to {
		return toks[from].Raw
	}
	var b strings.Builder
	prev := ""
	for j := from; j <= to; j++ {
		raw := toks[j].Raw
		if raw == prev && toks[j].Kind == KWord && j > from { // informal expansions share one raw
			continue
		}
		if b.Len() > 0 && !strings.HasSuffix(b.String(), "'") && !strings.HasSuffix(b.String(), "’") {
			b.WriteByte(' ')
		}
		b.WriteString(raw)
		prev = raw
	}
	return b.String()
}
