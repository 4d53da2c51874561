package enrich

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/veille-oss/veille/pkg/nlp/dedup"
	"github.com/veille-oss/veille/pkg/nlp/entities"
	"github.com/veille-oss/veille/pkg/nlp/sentiment"
	"github.com/veille-oss/veille/pkg/nlp/toxicity"
	"github.com/veille-oss/veille/pkg/platform/mention"
)

const benchReview = `J'ai commandé le nouveau robot de Duval il y a trois semaines. La livraison a été rapide, franchement rien à redire, ` +
	`et le montage prend dix minutes. Par contre le bruit est vraiment pénible au-dessus de la vitesse 3 et le bol se raye très vite. ` +
	`Le SAV de Blanchard m'a répondu sous 48h, c'est bien, mais ils refusent le remboursement. Bref : pas terrible pour 249 €, ` +
	`je ne le recommande pas. Mme Martin, la vendeuse de Lyon, était adorable 😊 !!`

// benchPool is how many distinct variants a case has: run with
// -benchtime 4000x (or less) so no text comes back, since an exact copy
// ends a dedup bucket scan early and would flatter Assign.
const benchPool = 4096

// benchCases are the text shapes of the enricher's traffic; each has a pool
// of variants (a fifth of the words replaced at random) so the dedup index
// sees distinct signatures, as in production.
func benchCases(b *testing.B) []struct {
	name  string
	texts []string
} {
	art := read(b, "../nlp/dedup/testdata/article_a.txt") + "\n" + read(b, "../nlp/dedup/testdata/article_b.txt")
	bases := []struct{ name, text string }{
		{"tweet", tweets[0] + " " + tweets[2]},
		{"review", benchReview},
		{"article", art},
	}
	out := make([]struct {
		name  string
		texts []string
	}, len(bases))
	r := rand.New(rand.NewPCG(1, 2))
	for i, c := range bases {
		words := strings.Fields(c.text)
		out[i].name = c.name
		for v := 0; v < benchPool; v++ {
			w := append([]string(nil), words...)
			for k := 0; k < len(w)/5+1; k++ {
				w[r.IntN(len(w))] = words[r.IntN(len(words))]
			}
			out[i].texts = append(out[i].texts, strings.Join(w, " "))
		}
	}
	return out
}

// fillIndex puts 100,000 random signatures in ix: the enricher's index in
// steady state, whose bucket scans are the cost of Assign.
func fillIndex(ix *dedup.Index) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 100000; i++ {
		ix.AssignHash(fmt.Sprint(i), r.Uint64())
	}
}

// BenchmarkEnrich is Tagger.Enrich as the enricher builds it (brands, the
// default 100,000-signature dedup index, full).
func BenchmarkEnrich(b *testing.B) {
	for _, c := range benchCases(b) {
		b.Run(c.name, func(b *testing.B) {
			tg, err := New(Options{Brands: eqBrands})
			if err != nil {
				b.Fatal(err)
			}
			fillIndex(tg.dup)
			ms := make([]*mention.Mention, len(c.texts))
			for i, t := range c.texts {
				ms[i] = &mention.Mention{ID: fmt.Sprintf("%032x", i), Title: "Avis sur Duval", Text: t, LangHint: "fr"}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				tg.Enrich(ms[i%len(ms)])
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "mentions/s")
		})
	}
}

// BenchmarkNLP is each stage's entry point on the same texts.
func BenchmarkNLP(b *testing.B) {
	sa, err := sentiment.New()
	if err != nil {
		b.Fatal(err)
	}
	tox := toxicity.New()
	ent := entities.New(eqBrands)
	stages := []struct {
		name string
		fn   func(*dedup.Index, string)
	}{
		{"sentiment", func(_ *dedup.Index, s string) { sa.Analyze(s) }},
		{"toxicity", func(_ *dedup.Index, s string) { tox.Check(s) }},
		{"entities", func(_ *dedup.Index, s string) { ent.Extract(s) }},
		{"dedup", func(ix *dedup.Index, s string) { ix.Assign("0123456789abcdef0123456789abcdef", s) }},
	}
	cases := benchCases(b)
	for _, st := range stages {
		for _, c := range cases {
			b.Run(st.name+"/"+c.name, func(b *testing.B) {
				var ix *dedup.Index
				if st.name == "dedup" {
					ix = dedup.New(dedup.Options{})
					fillIndex(ix)
				}
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					st.fn(ix, c.texts[i%len(c.texts)])
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "texts/s")
			})
		}
	}
}
