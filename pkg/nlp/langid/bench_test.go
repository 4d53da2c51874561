package langid

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/tooling/loadgen"
)

var benchTexts = []struct{ name, text string }{
	{"word", "magnifique"},
	{"word_pair", "service client"},
	{"tweet", "Franchement le service client de @Orange est nul, 3 jours sans internet et personne ne répond 😡 #fibre https://t.co/xyz"},
	{"sentence", "La nouvelle campagne publicitaire de la marque a suscité de nombreuses réactions sur les réseaux sociaux cette semaine."},
	{"paragraph", "La nouvelle campagne publicitaire de la marque a suscité de nombreuses réactions sur les réseaux sociaux cette semaine. " +
		"Plusieurs internautes ont dénoncé un message jugé maladroit, tandis que d'autres saluaient l'audace du ton employé. " +
		"Contactée par notre rédaction, l'entreprise n'a pas souhaité commenter la polémique, mais a indiqué qu'elle suivait la situation de près. " +
		"Les spécialistes de la communication estiment que l'impact sur l'image de la marque restera limité à court terme."},
}

func BenchmarkDetect(b *testing.B) {
	d := New()
	article := strings.Repeat(benchTexts[len(benchTexts)-1].text+" ", 20) // ~10k chars
	for _, c := range append(benchTexts, struct{ name, text string }{"article_10k", article}) {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				d.Detect(c.text)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "texts/s")
		})
	}
}

// BenchmarkDetectKinds runs a mix of real-shaped texts per length class
// (tweet, review, article) and reports the cost per text, the number that
// matters to the enricher's throughput.
func BenchmarkDetectKinds(b *testing.B) {
	d := New()
	sentences := loadSamples(b, "sentences.tsv")
	var tweets, reviews, articles []string
	for seed := uint64(1); seed <= 2; seed++ {
		g := loadgen.Generator{Seed: seed, Now: time.Unix(1, 0)}
		for i := range 200 {
			if t := g.Mention(i).Text; len(t) < 160 {
				tweets = append(tweets, t)
			} else {
				reviews = append(reviews, t)
			}
		}
	}
	for i := 0; i+12 <= len(sentences); i += 12 {
		var a strings.Builder
		for _, s := range sentences[i : i+12] {
			a.WriteString(s.text + " ")
		}
		articles = append(articles, a.String())
	}
	for _, c := range []struct {
		name  string
		texts []string
	}{{"tweet", tweets}, {"review", reviews}, {"article", articles}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				d.Detect(c.texts[n%len(c.texts)])
				n++
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/text")
		})
	}
}

// BenchmarkNew measures loading the embedded model and the heap it keeps.
func BenchmarkNew(b *testing.B) {
	var d *Detector
	for b.Loop() {
		d = New()
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heapMB")
	runtime.KeepAlive(d)
}
