package enrich

import (
	"fmt"
	"testing"

	"github.com/veille-oss/veille/pkg/nlp/dedup"
	"github.com/veille-oss/veille/pkg/nlp/entities"
	"github.com/veille-oss/veille/pkg/nlp/langid"
	"github.com/veille-oss/veille/pkg/nlp/sentiment"
	"github.com/veille-oss/veille/pkg/nlp/toxicity"
)

var tweets = []string{
	"Franchement le nouveau forfait @Orange c pas terrible, service client injoignable depuis 3 jours 😡 #nul",
	"trooop bien le concert hier soir à Lyon, merci l'équipe!!! 😍 #génial",
	"La SNCF annonce encore des retards sur la ligne Paris-Rennes ce matin, selon M. Dupont http://t.co/x",
	"not bad at all, I love it, le design est awesome",
	"t'es qu'un c0nn4rd, je vais te retrouver",
}

// BenchmarkStages reports texts/s for each stage and for the whole Tag on
// tweet-length texts (target: ≥ 10,000 texts/s on one core for Tag).
func BenchmarkStages(b *testing.B) {
	sa, err := sentiment.New()
	if err != nil {
		b.Fatal(err)
	}
	tox := toxicity.New()
	ent := entities.New([]string{"Orange", "SNCF"})
	lid := langid.New()
	dup := dedup.New(dedup.Options{})
	tg := newTagger(b)
	stages := []struct {
		name string
		fn   func(string)
	}{
		{"langid", func(s string) { lid.DetectWithHint(s, "") }},
		{"sentiment", func(s string) { sa.Analyze(s) }},
		{"toxicity", func(s string) { tox.Check(s) }},
		{"entities", func(s string) { ent.Extract(s) }},
		{"dedup", func(s string) { dup.Assign("", s+s+s) }},
		{"tag", func(s string) { tg.Tag(s, "") }},
	}
	for _, st := range stages {
		b.Run(st.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				st.fn(tweets[i%len(tweets)])
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "texts/s")
		})
	}
}

func ExampleTagger_Tag() {
	tg, err := New(Options{})
	if err != nil {
		panic(err)
	}
	r := tg.Tag("Le nouveau menu, franchement pas terrible", "fr")
	fmt.Println(r.Sentiment.Label, r.Sentiment.Evidence[0])
	// Output: neg franchement pas terrible
}
