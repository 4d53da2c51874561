package enrich

import (
	"testing"

	"github.com/veille-oss/veille/pkg/platform/mention"
)

// TestEnglishPath: texts detected as English go through pkg/nlp/english
// (brand words, places after prepositions); French ones do not.
func TestEnglishPath(t *testing.T) {
	tg, err := New(Options{Brands: []string{"Vague", "Duval"}})
	if err != nil {
		t.Fatal(err)
	}
	has := func(es []mention.Entity, e mention.Entity) bool {
		for _, x := range es {
			if x == e {
				return true
			}
		}
		return false
	}
	cases := []struct {
		text, hint string
		lang       string
		want, not  []mention.Entity
	}{
		{"Our team flew to Lyon to visit the Duval factory near Manchester last week.", "en", "en",
			[]mention.Entity{{Text: "Lyon", Type: "LOC"}, {Text: "Duval", Type: "ORG"}, {Text: "Manchester", Type: "LOC"}}, nil},
		{"I met Tim Cook in New York and he was charming.", "en", "en",
			[]mention.Entity{{Text: "Tim Cook", Type: "PER"}, {Text: "New York", Type: "LOC"}}, nil},
		{"The answer from support was vague and really unhelpful, nothing was solved.", "en", "en",
			nil, []mention.Entity{{Text: "Vague", Type: "ORG"}}},
		// French: the rules alone, where a brand written in lower case is the brand.
		{"j'ai acheté le nouveau casque vague hier, il est top", "fr", "fr",
			[]mention.Entity{{Text: "Vague", Type: "ORG"}}, nil},
	}
	for _, c := range cases {
		r := tg.Tag(c.text, c.hint)
		if r.Lang != c.lang {
			t.Errorf("%q: lang %s, want %s", c.text, r.Lang, c.lang)
			continue
		}
		for _, w := range c.want {
			if !has(r.Entities, w) {
				t.Errorf("%q: entities %v, missing %v", c.text, r.Entities, w)
			}
		}
		for _, n := range c.not {
			if has(r.Entities, n) {
				t.Errorf("%q: entities %v, unexpected %v", c.text, r.Entities, n)
			}
		}
	}
}
