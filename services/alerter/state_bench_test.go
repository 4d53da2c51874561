package alerter

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/alert"
	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/tooling/loadgen"
)

// BenchmarkCheckpoint measures one engine snapshot saved to the NATS KV
// bucket (serialise, gzip, chunked puts, manifest compare-and-set), the
// work the leader does at every checkpoint.
func BenchmarkCheckpoint(b *testing.B) {
	ctx := context.Background()
	kv := stateBucket(b)
	for _, brands := range []int{4, 200} {
		b.Run(fmt.Sprintf("brands=%d", brands), func(b *testing.B) {
			now := time.Date(2026, 3, 14, 10, 0, 0, 0, time.UTC)
			e := alert.NewEngine(alert.Config{}, func() time.Time { return now })
			names := make([]string, brands)
			for i := range names {
				names[i] = fmt.Sprintf("Marque%d", i)
			}
			g := &loadgen.Generator{Seed: 3, Brands: names, Now: now}
			for i := range 20_000 {
				m := g.Mention(i)
				m.CollectedAt = now.Add(time.Duration(i) * 50 * time.Millisecond)
				m.Enrichment = &mention.Enrichment{Lang: "fr", Sentiment: mention.Sentiment{Label: [...]string{"neu", "pos", "neg"}[i%3]}}
				e.Observe(m)
			}
			// A fresh manifest: each run starts as a new leader would.
			if err := kv.Purge(ctx, manifestKey); err != nil {
				b.Fatal(err)
			}
			ss := &stateStore{kv: kv, holder: "bench"}
			var size int
			var err error
			b.ReportAllocs()
			for b.Loop() {
				if size, err = ss.save(ctx, e); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(size), "gzip-bytes")
		})
	}
}
