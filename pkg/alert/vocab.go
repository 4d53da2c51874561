package alert

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// tokenize splits text into lowercase, accent-free words. Apostrophes,
// hyphens and punctuation split words, so "l'arnaque" yields "l", "arnaque".
func tokenize(s string) []string {
	out := make([]string, 0, len(s)/6)
	buf := make([]byte, 0, 32)
	var dec []byte
	flush := func() {
		if len(buf) > 0 {
			out = append(out, string(buf))
			buf = buf[:0]
		}
	}
	for _, r := range s {
		switch {
		case r < 0x80:
			switch {
			case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '*':
				// '*' is kept so terms can carry a prefix wildcard
				buf = append(buf, byte(r))
			case r >= 'A' && r <= 'Z':
				buf = append(buf, byte(r+'a'-'A'))
			default:
				flush()
			}
		case r == 'œ' || r == 'Œ':
			buf = append(buf, "oe"...)
		case r == 'æ' || r == 'Æ':
			buf = append(buf, "ae"...)
		case unicode.Is(unicode.Mn, r):
			// a combining accent in decomposed input: dropped, the word goes on
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			// decompose (é -> e + U+0301) and keep the base letters
			dec = norm.NFD.AppendString(dec[:0], string(r))
			for _, d := range string(dec) {
				if !unicode.Is(unicode.Mn, d) {
					buf = utf8.AppendRune(buf, unicode.ToLower(d))
				}
			}
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
			if w[0] == t.words[0][0] && t.matchAt(words, i) {
				add(t)
			}
		}
	}
	return found
}
