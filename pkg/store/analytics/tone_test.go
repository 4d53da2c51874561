package analytics_test

import (
	"context"
	"testing"

	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/store/analytics"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
)

// TestToneWords: the dashboard's tone words leave out stop words, pattern
// tags and the brand's own name and matched terms (aliases).
func TestToneWords(t *testing.T) {
	cfg := testenv.Config(t)
	st := testenv.Store(t, cfg)
	ctx := context.Background()
	rows := []struct {
		brand string
		terms []string
		sent  string
		ev    []string
	}{
		{"Vague", []string{"Vague"}, "neg", []string{"Vague", "après", "déçue", "pot"}},
		{"Vague", []string{"Vague Paris"}, "neg", []string{"vague paris", "déçue", "mieux que→-"}},
		{"Vague", []string{"Vague"}, "neg", []string{"sarcasme:merci…panne", "nul", "blanc"}},
		{"Vague", []string{"Vague"}, "neu", []string{"actualité"}},
	}
	var ms []*mention.Mention
	for i, r := range rows {
		f := fx{brand: r.brand, kind: "forum", source: "conso", lang: "fr", sent: r.sent, author: "A", terms: r.terms, evidence: r.ev, text: "x"}
		ms = append(ms, f.mention(100+i))
	}
	if err := st.InsertMentions(ctx, ms, nil); err != nil {
		t.Fatal(err)
	}
	terms, err := analytics.TopTerms(ctx, st.Conn, st.DB, analytics.Filter{Brand: "Vague"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]uint64{}
	for _, tc := range terms.Evidence {
		got[tc.Term] = tc.Mentions
	}
	if len(got) != 2 || got["déçue"] != 2 || got["nul"] != 1 {
		t.Errorf("tone words %+v, want déçue ×2 and nul ×1", terms.Evidence)
	}
}
