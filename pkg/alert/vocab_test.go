package alert

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/veille-oss/veille/pkg/tooling/loadgen"
)

// tokenizeReference is tokenize as first written (NFD per letter, no
// table, one string per word): the folding table and the reused word
// buffer must give exactly its words.
func tokenizeReference(s string) []string {
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
		case unicode.IsLetter(r) || unicode.IsDigit(r):
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

func TestTokenizeMatchesReference(t *testing.T) {
	check := func(s string) {
		t.Helper()
		if got, want := tokenize(s), tokenizeReference(s); !slices.Equal(got, want) {
			t.Fatalf("tokenize(%q) = %q, want %q", s, got, want)
		}
	}
	// every rune alone and inside a word
	for r := rune(0); r <= 0x2FFFF; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		check(string(r))
		check("ab" + string(r) + "cd")
	}
	g := &loadgen.Generator{Seed: 5}
	for i := range 2000 {
		m := g.Mention(i)
		check(m.Title + "\n" + m.Text)
	}
	for _, s := range []string{
		"", "L'ÉTÉ à Noël, Œuvre & ÆON", "Cafe\u0301 de\u0301cu", "\xff\xfebad utf8\xc3", "arnaq* remboursement*",
		"ǅemal ǈubljana ǋego", "ﬁn ﬂeur", "Ⅻ ① ²", "İstanbul ß ẞ", "日本語のテキスト", "Ελληνικά Кириллица",
	} {
		check(s)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("aéÉèçœŒæ'- *.\u0301ĳŉǰ日ΣσßİıK1²")
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(24) {
			b.WriteRune(alphabet[rng.IntN(len(alphabet))])
		}
		check(b.String())
	}
}

// TestMatchWordsJoinsTitleAndText: the engine adds title and text to one
// word list; it must match as the text joined by a line break did.
func TestMatchWordsJoinsTitleAndText(t *testing.T) {
	v := newVocabulary(DefaultCrisisTerms)
	g := &loadgen.Generator{Seed: 8}
	var w words
	n := 0
	for i := range 3000 {
		m := g.Mention(i)
		m.Title = []string{"", "Arnaque", "Rappel produit:", m.Title}[i%4]
		w.reset()
		w.add(m.Title)
		w.add(m.Text)
		got, want := v.matchWords(&w), matchReference(v, m.Title+"\n"+m.Text)
		if !slices.Equal(got, want) {
			t.Fatalf("%q + %q: %q, want %q", m.Title, m.Text, got, want)
		}
		n += len(got)
	}
	if n == 0 {
		t.Fatal("no crisis term found in 3000 loadgen mentions: the test compares nothing")
	}
}

// matchReference is vocabulary.match as first written, on
// tokenizeReference's words.
func matchReference(v *vocabulary, text string) []string {
	words := tokenizeReference(text)
	var found []string
	seen := map[string]bool{}
	at := func(t term, i int) bool {
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
	for i, w := range words {
		for _, t := range v.byFirst[w] {
			if at(t, i) && !seen[t.raw] {
				seen[t.raw] = true
				found = append(found, t.raw)
			}
		}
		for _, t := range v.prefix {
			if w[0] == t.words[0][0] && at(t, i) && !seen[t.raw] {
				seen[t.raw] = true
				found = append(found, t.raw)
			}
		}
	}
	return found
}
