package watch

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// fuzzSeeds covers every construct of the language and the error paths.
var fuzzSeeds = []string{
	`orange`, `orange AND free`, `orange free`, `orange OR free`, `orange NOT fruit`,
	`orange -fruit`, `-"jus d'orange" orange`, `(a OR b) c`, `NOT a OR b`, `NOT NOT a`,
	`((a OR b) AND (c OR (d AND NOT e)))`, `"société générale"`, `« société générale »`,
	`“crédit agricole”`, `duval NEAR/5 yaourt`, `duval NEAR/3f yaourt`,
	`"société générale" NEAR/3 "crédit agricole"`, `(duval OR danone) NEAR/2 yaour*`,
	`a NEAR/1 b NEAR/1 c`, `opérat*`, `"orange opér*"`, `=Orange`, `="Orange Business"`,
	`=Opér*`, `orange -=orange`, `site:example.fr`, `site:https://example.fr/blog/`,
	`lang:fr-CA`, `author:"Camille Roux"`, `title:(orange OR free) panne`, `text:x`,
	`url:/forum/`, `TITLE:x`, `œuvre ﬁat Straße ＯＲＡＮＧＥ`, `aujourd’hui l'Oréal`,
	// errors
	``, `(`, `)`, `(a`, `a)`, `a AND`, `OR a`, `a NEAR b`, `a NEAR/x b`, `a NEAR/5 (b AND c)`,
	`"abc`, `op*x`, `o*`, `*`, `- a`, `=`, `=(a)`, `titel:x`, `site:`, `lang:f`, `title:-x`,
	"a \xff", `()`, `""`, `&&`, strings.Repeat("(", 70) + "a", strings.Repeat("NOT ", 70) + "a",
}

// FuzzParse checks that no input panics or takes long, that accepted
// queries have a canonical form that parses back to itself, and that
// matching with them (and matching the input as a document) is safe.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	docMatcher, err := Compile([]Brand{
		{Name: "a", Query: `=Orange OR opér* OR ("société générale" NEAR/3 crédit*) -site:x.fr`},
		{Name: "b", Query: `title:(a OR b) author:"c d" lang:fr url:e`},
		{Name: "c"},
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		start := time.Now()
		q, err := Parse(s)
		if err != nil {
			pe, ok := err.(*ParseError)
			if !ok {
				t.Fatalf("Parse(%q) error %T, want *ParseError", s, err)
			}
			if pe.Pos < 1 || pe.Pos > utf8.RuneCountInString(s)+1 {
				t.Fatalf("Parse(%q): position %d outside the query", s, pe.Pos)
			}
		} else {
			canon := q.String()
			if len(canon) <= MaxQueryBytes {
				q2, err := Parse(canon)
				if err != nil {
					t.Fatalf("Parse(%q) ok but its canonical form %q fails: %v", s, canon, err)
				}
				if q2.String() != canon {
					t.Fatalf("canonical form of %q not stable: %q -> %q", s, canon, q2.String())
				}
			}
			m, err := Compile([]Brand{{Name: "x", Query: s}})
			if err != nil {
				t.Fatalf("Parse(%q) ok but Compile fails: %v", s, err)
			}
			m.Match(Doc{Title: s, Text: s + " " + s, Author: s, URL: "https://x.fr/" + s, Lang: "fr"})
		}
		for _, mt := range docMatcher.Match(Doc{Title: s, Text: s, URL: s, Lang: s, Author: s}) {
			for _, term := range mt.Terms {
				if !strings.Contains(s, term) {
					t.Fatalf("term %q is not in the document %q", term, s)
				}
			}
		}
		if d := time.Since(start); d > time.Second {
			t.Fatalf("input %q took %v", s, d)
		}
	})
}
