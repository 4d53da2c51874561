package alert

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/mention"
)

// BenchmarkObserve measures detector + incident throughput in mentions/s.
func BenchmarkObserve(b *testing.B) {
	long := strings.Repeat("Le service client de la marque a été correct, livraison rapide et emballage soigné. ", 40)
	cases := []struct {
		name   string
		brands int
		label  func(i int) string
		text   string
	}{
		{"calm/1-brand", 1, func(i int) string { return [...]string{"neu", "pos", "neu", "neg", "neu"}[i%5] }, "avis correct"},
		{"calm/1000-brands", 1000, func(i int) string { return [...]string{"neu", "pos", "neu", "neg", "neu"}[i%5] }, "avis correct"},
		{"storm/open-incident", 1, func(int) string { return "neg" }, "horrible, je suis déçu"},
		{"calm/3KB-text", 1, func(i int) string { return [...]string{"neu", "pos", "neg"}[i%3] }, long},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			now := t0
			e := NewEngine(Config{}, func() time.Time { return now })
			ms := make([]*mention.Mention, 4096)
			g := &gen{}
			for i := range ms {
				ms[i] = g.mention(fmt.Sprintf("brand%d", i%c.brands), c.label(i), now, c.text)
			}
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
