package alert

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/tooling/loadgen"
)

// BenchmarkObserve measures detector + incident throughput in mentions/s.
func BenchmarkObserve(b *testing.B) {
	long := strings.Repeat("Le service client de la marque a été correct, livraison rapide et emballage soigné. ", 40)
	cases := []struct {
		name   string
		brands int
		label  func(i int) string
		text   string
		// loadgen: varied French and English texts of article length
		// instead of text, the mix the pipeline sees
		loadgen bool
	}{
		{"calm/1-brand", 1, func(i int) string { return [...]string{"neu", "pos", "neu", "neg", "neu"}[i%5] }, "avis correct", false},
		{"calm/1000-brands", 1000, func(i int) string { return [...]string{"neu", "pos", "neu", "neg", "neu"}[i%5] }, "avis correct", false},
		{"storm/open-incident", 1, func(int) string { return "neg" }, "horrible, je suis déçu", false},
		{"calm/3KB-text", 1, func(i int) string { return [...]string{"neu", "pos", "neg"}[i%3] }, long, false},
		{"loadgen/4-brands", 0, func(i int) string { return [...]string{"neu", "pos", "neg", "neg", "neu"}[i%5] }, "", true},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			now := t0
			e := NewEngine(Config{}, func() time.Time { return now })
			ms := make([]*mention.Mention, 4096)
			g := &gen{}
			lg := &loadgen.Generator{Seed: 1, Now: now}
			for i := range ms {
				if c.loadgen {
					m := lg.Mention(i)
					m.Enrichment = &mention.Enrichment{Lang: "fr", Sentiment: mention.Sentiment{Label: c.label(i)}, InfluenceScore: float64(i % 40)}
					ms[i] = m
					continue
				}
				ms[i] = g.mention(fmt.Sprintf("brand%d", i%c.brands), c.label(i), now, c.text)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				m := ms[i%len(ms)]
				m.ID = fmt.Sprint(i) // distinct ids: no dedup shortcut
				now = now.Add(50 * time.Millisecond)
				m.CollectedAt = now
				e.Observe(m)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "mentions/s")
		})
	}
}
