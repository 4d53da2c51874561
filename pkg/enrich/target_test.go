package enrich

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/veille-oss/veille/pkg/platform/mention"
)

func TestQueryWords(t *testing.T) {
	got := QueryWords(`(=Duval OR "Laiterie Duval") AND NOT "rue Duval" AND title:Lumio* AND site:example.fr AND (Free NEAR/3 fibre)`)
	want := []string{"Duval", "Laiterie", "Duval", "rue", "Duval", "Lumio", "Free", "fibre"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("QueryWords = %q, want %q", got, want)
	}
}

// TestEnrichRowSentimentIsTheBrands: the row's sentiment is about its brand
// (a comparison gives the two rows opposite labels), while Tag keeps the
// text-level sentiment.
func TestEnrichRowSentimentIsTheBrands(t *testing.T) {
	tg, err := New(Options{Targets: []Target{{Name: "Free", Aliases: []string{"Freebox"}}, {Name: "Bouygues"}, {Name: "Vague", Query: "=Vague"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ brand, text, want string }{
		{"Free", "Free est bien mieux que Bouygues pour la fibre", "pos"},
		{"Bouygues", "Free est bien mieux que Bouygues pour la fibre", "neg"},
		{"Vague", "Vague ouvre une boutique à Nantes", "neu"},
		{"Lumio", "Bravo Lumio, encore une panne", "neg"}, // not configured: scored by name
	} {
		m := &mention.Mention{ID: "0123456789abcdef0123456789abcdef", Brand: c.brand, MatchedTerms: []string{c.brand}, Text: c.text}
		tg.Enrich(m)
		if s := m.Enrichment.Sentiment; s.Label != c.want || s.Label != "neu" && len(s.Evidence) == 0 {
			t.Errorf("%s in %q: %+v, want %s with evidence", c.brand, c.text, s, c.want)
		}
	}
	if s := tg.Tag("Vague ouvre une boutique à Nantes", "fr").Sentiment; s.Label == "" {
		t.Errorf("Tag lost the text-level sentiment: %+v", s)
	}
	var out bytes.Buffer
	if err := tg.TagLinesBrands(context.Background(), strings.NewReader("La Freebox plante encore\n"), &out, false, []string{"Free", "Vague"}); err != nil {
		t.Fatal(err)
	}
	var r BrandsResult
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Brands) != 2 || r.Brands[0].Brand != "Free" || !r.Brands[0].Found || r.Brands[1].Found || r.Lang == "" {
		t.Errorf("TagLinesBrands: %s", out.String())
	}
}
