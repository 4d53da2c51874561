package console

import (
	"strings"
	"unicode"
)

// Segment is a piece of a snippet; C is the highlight class ("" for plain
// text, "term" for a matched brand term, "ev-neg"/"ev-pos"/"ev" for the
// words that carried the sentiment).
type Segment struct {
	T string `json:"t"`
	C string `json:"c,omitempty"`
}

// Snippet bounds.
const (
	snippetRunes = 360
	snippetLead  = 100
)

// highlight cuts a snippet of text around the first highlighted word and
// marks the matched terms and the sentiment evidence in it. Matching is
// case-insensitive on word boundaries; a term ending in * matches a prefix.
func highlight(text string, terms, evidence []string, label string) []Segment {
	return highlightQuery(text, terms, evidence, label, "")
}

// highlightQuery is highlight that also marks (class "q") every occurrence
// of a searched text, anywhere in a word as the search matches it, and
// centres the snippet on the first one.
func highlightQuery(text string, terms, evidence []string, label, query string) []Segment {
	runes := []rune(text)
	lower := make([]rune, len(runes))
	for i, r := range runes {
		lower[i] = unicode.ToLower(r)
	}
	class := make([]string, len(runes))
	evClass := "ev"
	if label == "neg" || label == "pos" {
		evClass = "ev-" + label
	}
	mark(lower, class, evidence, evClass)
	mark(lower, class, terms, "term") // terms win over evidence
	markQuery(lower, class, query)    // and what the user searched wins over both
	return cut(runes, class, "q")
}

// cut makes the snippet's segments: at most snippetRunes, starting a little
// before the first rune of class prefer (else of any class).
func cut(runes []rune, class []string, prefer string) []Segment {
	first := -1
	for i, c := range class {
		if c == prefer {
			first = i
			break
		}
	}
	for i, c := range class {
		if first < 0 && c != "" {
			first = i
			break
		}
	}
	start, end := 0, len(runes)
	if len(runes) > snippetRunes {
		if first > snippetLead {
			start = first - snippetLead
			// Start on a word.
			for start < first && !unicode.IsSpace(runes[start]) {
				start++
			}
			for start < first && unicode.IsSpace(runes[start]) {
				start++
			}
		}
		end = min(start+snippetRunes, len(runes))
	}
	var out []Segment
	if start > 0 {
		out = append(out, Segment{T: "… "})
	}
	for i := start; i < end; {
		j := i
		for j < end && class[j] == class[i] {
			j++
		}
		s := string(runes[i:j])
		if n := len(out); n > 0 && out[n-1].C == class[i] {
			out[n-1].T += s
		} else {
			out = append(out, Segment{T: s, C: class[i]})
		}
		i = j
	}
	if end < len(runes) {
		out = append(out, Segment{T: " …"})
	}
	return out
}

func isWord(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

func mark(lower []rune, class []string, words []string, c string) {
	for _, w := range words {
		w = strings.TrimSpace(w)
		prefix := strings.HasSuffix(w, "*")
		w = strings.TrimLeft(strings.TrimSuffix(w, "*"), "=")
		if w == "" {
			continue
		}
		needle := []rune(strings.ToLower(w))
		for i := 0; i+len(needle) <= len(lower); i++ {
			if i > 0 && isWord(lower[i-1]) {
				continue
			}
			if !hasAt(lower, needle, i) {
				continue
			}
			end := i + len(needle)
			if prefix {
				for end < len(lower) && isWord(lower[end]) {
					end++
				}
			} else if end < len(lower) && isWord(lower[end]) {
				continue
			}
			for k := i; k < end; k++ {
				class[k] = c
			}
			i = end - 1
		}
	}
}

func hasAt(hay, needle []rune, i int) bool {
	for k, r := range needle {
		if hay[i+k] != r {
			return false
		}
	}
	return true
}

// markQuery marks every case-insensitive occurrence of q (as ClickHouse's
// positionCaseInsensitiveUTF8 finds it: not only whole words).
func markQuery(lower []rune, class []string, q string) {
	needle := []rune(strings.ToLower(strings.TrimSpace(q)))
	if len(needle) == 0 {
		return
	}
	for i := 0; i+len(needle) <= len(lower); i++ {
		if hasAt(lower, needle, i) {
			for k := i; k < i+len(needle); k++ {
				class[k] = "q"
			}
			i += len(needle) - 1
		}
	}
}

// highlightToxic marks the words that made a mention toxic (class "tox")
// and the brand terms, and centres the snippet on the first of them.
func highlightToxic(text string, terms, words []string) []Segment {
	runes := []rune(text)
	lower := make([]rune, len(runes))
	for i, r := range runes {
		lower[i] = unicode.ToLower(r)
	}
	class := make([]string, len(runes))
	mark(lower, class, terms, "term")
	mark(lower, class, words, "tox")
	return cut(runes, class, "tox")
}
