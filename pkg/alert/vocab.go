package alert

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// words is a tokenized text: the words' bytes back to back and where each
// one ends. An engine keeps one and reuses it for every mention, so
// matching crisis terms allocates nothing per word.
type words struct {
	buf  []byte
	ends []int
}

func (w *words) reset() { w.buf, w.ends = w.buf[:0], w.ends[:0] }

func (w *words) len() int { return len(w.ends) }

func (w *words) word(i int) []byte {
	start := 0
	if i > 0 {
		start = w.ends[i-1]
	}
	return w.buf[start:w.ends[i]]
}

// add tokenizes s into lowercase, accent-free words appended to w.
// Apostrophes, hyphens and punctuation split words, so "l'arnaque" yields
// "l", "arnaque". Adding two texts gives the words of both joined by a
// separator.
func (w *words) add(s string) {
	start := len(w.buf)
	flush := func() {
		if len(w.buf) > start {
			w.ends = append(w.ends, len(w.buf))
			start = len(w.buf)
		}
	}
	for _, r := range s {
		switch {
		case r < 0x80:
			switch {
			case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '*':
				// '*' is kept so terms can carry a prefix wildcard
				w.buf = append(w.buf, byte(r))
			case r >= 'A' && r <= 'Z':
				w.buf = append(w.buf, byte(r+'a'-'A'))
			default:
				flush()
			}
		case r == 'œ' || r == 'Œ':
			w.buf = append(w.buf, "oe"...)
		case r == 'æ' || r == 'Æ':
			w.buf = append(w.buf, "ae"...)
		case unicode.Is(unicode.Mn, r):
			// a combining accent in decomposed input: dropped, the word goes on
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if r < foldedMax {
				w.buf = append(w.buf, foldedLatin()[r-0x80]...)
			} else {
				w.buf = fold(w.buf, r)
			}
		default:
			flush()
		}
	}
	flush()
}

// fold appends the letter or digit r decomposed (é -> e + U+0301), keeping
// the base letters, lowercased.
func fold(dst []byte, r rune) []byte {
	var enc, dec [utf8.UTFMax * 8]byte
	d := norm.NFD.Append(dec[:0], utf8.AppendRune(enc[:0], r)...)
	for _, x := range string(d) {
		if !unicode.Is(unicode.Mn, x) {
			dst = utf8.AppendRune(dst, unicode.ToLower(x))
		}
	}
	return dst
}

// foldedMax bounds the runes whose folding is precomputed: Latin-1
// Supplement and Latin Extended-A and B, nearly every accented letter of
// French and of the languages around it. norm allocates a buffer per call.
const foldedMax = 0x250

// foldedLatin is fold of each rune in [0x80, foldedMax); read only.
var foldedLatin = sync.OnceValue(func() []string {
	t := make([]string, foldedMax-0x80)
	for r := rune(0x80); r < foldedMax; r++ {
		t[r-0x80] = string(fold(nil, r))
	}
	return t
})

// tokenize returns the words of s (see words.add).
func tokenize(s string) []string {
	var w words
	w.add(s)
	out := make([]string, w.len())
	for i := range out {
		out[i] = string(w.word(i))
	}
	return out
}

// term is one crisis expression as a sequence of words; a word ending in
// "*" matches any word with that prefix.
type term struct {
	raw   string
	words []string
	// prefix[j] says words[j] ends in "*"; stems[j] is words[j] without it.
	prefix []bool
	stems  []string
}

func newTerm(raw string, ws []string) term {
	t := term{raw: raw, words: ws, prefix: make([]bool, len(ws)), stems: make([]string, len(ws))}
	for j, w := range ws {
		t.stems[j], t.prefix[j] = strings.CutSuffix(w, "*")
	}
	return t
}

func (t term) matchAt(w *words, i int) bool {
	if i+len(t.words) > w.len() {
		return false
	}
	for j, stem := range t.stems {
		word := w.word(i + j)
		if t.prefix[j] {
			if len(word) < len(stem) || string(word[:len(stem)]) != stem {
				return false
			}
		} else if string(word) != stem {
			return false
		}
	}
	return true
}

// vocabulary matches crisis terms in text.
type vocabulary struct {
	byFirst map[string][]term // first word exact
	prefix  []term            // first word is a prefix pattern
}

func newVocabulary(terms []string) *vocabulary {
	v := &vocabulary{byFirst: map[string][]term{}}
	for _, raw := range terms {
		ws := tokenize(raw)
		if len(ws) == 0 {
			continue
		}
		t := newTerm(raw, ws)
		if strings.HasSuffix(ws[0], "*") {
			v.prefix = append(v.prefix, t)
		} else {
			v.byFirst[ws[0]] = append(v.byFirst[ws[0]], t)
		}
	}
	return v
}

// empty reports whether v can match nothing.
func (v *vocabulary) empty() bool {
	return v == nil || (len(v.byFirst) == 0 && len(v.prefix) == 0)
}

// match returns the distinct terms (as configured) found in text.
func (v *vocabulary) match(text string) []string {
	if v.empty() {
		return nil
	}
	var w words
	w.add(text)
	return v.matchWords(&w)
}

// matchWords returns the distinct terms (as configured) found in w, in
// the order they first occur.
func (v *vocabulary) matchWords(w *words) []string {
	if v.empty() {
		return nil
	}
	var found []string
	add := func(t term) {
		for _, f := range found {
			if f == t.raw {
				return
			}
		}
		found = append(found, t.raw)
	}
	for i := range w.len() {
		word := w.word(i)
		for _, t := range v.byFirst[string(word)] {
			if t.matchAt(w, i) {
				add(t)
			}
		}
		for _, t := range v.prefix {
			if word[0] == t.words[0][0] && t.matchAt(w, i) {
				add(t)
			}
		}
	}
	return found
}
