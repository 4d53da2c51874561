package alert

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// foldRune lowercases and strips accents from one rune (é -> e, Œ -> oe is
// left to the caller). It returns 0 for combining marks.
func foldRune(r rune) rune {
	if unicode.Is(unicode.Mn, r) {
		return 0
	}
	return unicode.ToLower(r)
}

// tokenize splits text into lowercase, accent-free words. Apostrophes,
// hyphens and punctuation split words, so "l'arnaque" yields "l", "arnaque".
func tokenize(s string) []string {
	var out []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			out = append(out, b.String())
			b.Reset()
		}
	}
	// NFD splits "é" into "e" + combining acute, which foldRune drops.
	it := norm.NFD.String(s)
	for _, r := range it {
		switch {
		case r == '*':
			// kept so terms can carry a prefix wildcard; text rarely has it
			// inside a word and the matcher ignores it in text.
			b.WriteRune(r)
		case r == 'œ' || r == 'Œ':
			b.WriteString("oe")
		case r == 'æ' || r == 'Æ':
			b.WriteString("ae")
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(foldRune(r))
		case unicode.Is(unicode.Mn, r):
			// accent: dropped, the word goes on
		default:
			flush()
		}
	}
	flush()
	return out
}

// term is one crisis expression as a sequence of words; a word ending in
// "*" matches any word with that prefix.
type term struct {
	raw   string
	words []string
}

func (t term) matchAt(words []string, i int) bool {
	if i+len(t.words) > len(words) {
		return false
	}
	for j, w := range t.words {
		if p, ok := strings.CutSuffix(w, "*"); ok {
			if !strings.HasPrefix(words[i+j], p) {
				return false
			}
		} else if words[i+j] != w {
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
		t := term{raw: raw, words: ws}
		if strings.HasSuffix(ws[0], "*") {
			v.prefix = append(v.prefix, t)
		} else {
			v.byFirst[ws[0]] = append(v.byFirst[ws[0]], t)
		}
	}
	return v
}

// match returns the distinct terms (as configured) found in text.
func (v *vocabulary) match(text string) []string {
	if v == nil || (len(v.byFirst) == 0 && len(v.prefix) == 0) {
		return nil
	}
	words := tokenize(text)
	var found []string
	seen := map[string]bool{}
	add := func(t term) {
		if !seen[t.raw] {
			seen[t.raw] = true
			found = append(found, t.raw)
		}
	}
	for i, w := range words {
		for _, t := range v.byFirst[w] {
			if t.matchAt(words, i) {
				add(t)
			}
		}
		for _, t := range v.prefix {
			if t.matchAt(words, i) {
				add(t)
			}
		}
	}
	return found
}
