package console

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestHighlight(t *testing.T) {
	cases := []struct {
		name, text, label string
		terms, evidence   []string
		want              string
	}{
		{"term and negative evidence", "Le yaourt Duval est nul.", "neg", []string{"Duval"}, []string{"nul"},
			`[{"t":"Le yaourt "},{"t":"Duval","c":"term"},{"t":" est "},{"t":"nul","c":"ev-neg"},{"t":"."}]`},
		{"case-insensitive, word boundaries", "DUVAL et duvalier, nulle part", "pos", []string{"duval"}, []string{"nul"},
			`[{"t":"DUVAL","c":"term"},{"t":" et duvalier, nulle part"}]`},
		{"prefix term", "Les opérateurs télécoms", "", []string{"opérat*"}, nil,
			`[{"t":"Les "},{"t":"opérateurs","c":"term"},{"t":" télécoms"}]`},
		{"phrase evidence, neutral", "C'est pas terrible du tout", "neu", nil, []string{"pas terrible"},
			`[{"t":"C'est "},{"t":"pas terrible","c":"ev"},{"t":" du tout"}]`},
		{"case-sensitive marker dropped", "Chez Duval", "", []string{"=Duval"}, nil,
			`[{"t":"Chez "},{"t":"Duval","c":"term"}]`},
		{"nothing to mark", "Rien à voir", "", []string{"Duval"}, nil, `[{"t":"Rien à voir"}]`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, _ := json.Marshal(highlight(c.text, c.terms, c.evidence, c.label))
			if string(b) != c.want {
				t.Fatalf("got  %s\nwant %s", b, c.want)
			}
		})
	}
	// A long text is cut around the first mark, on a word, with ellipses.
	long := strings.Repeat("bla ", 200) + "Duval déçoit " + strings.Repeat("encore ", 200)
	segs := highlight(long, []string{"Duval"}, nil, "neg")
	var sb strings.Builder
	found := false
	for _, s := range segs {
		sb.WriteString(s.T)
		found = found || (s.C == "term" && s.T == "Duval")
	}
	out := sb.String()
	if !found || !strings.HasPrefix(out, "… bla") || !strings.HasSuffix(out, " …") || len([]rune(out)) > snippetRunes+4 {
		t.Fatalf("snippet %q", out)
	}
}

func TestHighlightQuery(t *testing.T) {
	long := strings.Repeat("bla ", 200) + "Le pot ÉCOLOGIQUE de Duval." + strings.Repeat(" bla", 200)
	segs := highlightQuery(long, []string{"Duval"}, nil, "pos", "écolo")
	var got []string
	for _, s := range segs {
		if s.C != "" {
			got = append(got, s.C+":"+s.T)
		}
	}
	if strings.Join(got, ",") != "q:ÉCOLO,term:Duval" {
		t.Fatalf("marks %v in %+v", got, segs)
	}
	if !strings.HasPrefix(segs[0].T, "… ") || len([]rune(segs[0].T)) > snippetLead+5 {
		t.Fatalf("snippet not centred on the searched text: starts %q", segs[0].T)
	}
}
