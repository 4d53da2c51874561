package deliver

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/alert"
	"github.com/veille-oss/veille/pkg/platform/mention"
)

// BenchmarkAlertLatency measures, per case, the time from Observe of the
// mention that crosses a threshold to the signed webhook's receipt, through
// the JetStream outbox: p50 and p99 in milliseconds.
func BenchmarkAlertLatency(b *testing.B) {
	cases := []struct {
		name  string
		cause string
	}{
		{"volume-spike", alert.CauseVolume},
		{"influencer", alert.CauseInfluencer},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			_, _, js := startNATS(b, "")
			rcv, srv := newReceiver(b, testSecret, 0)
			dc := Config{Channels: []ChannelConfig{webhookCfg(srv.URL, true)}, Routes: []Route{{Channels: []string{"hook"}}}}
			dc.Channels[0].RatePerMinute, dc.Channels[0].Burst = 1e6, 1000
			chans, _ := Build(dc, nil)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			ob, err := NewOutbox(ctx, js, outboxCfg(), dc, chans, WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
			if err != nil {
				b.Fatal(err)
			}
			go func() { _ = ob.Run(ctx) }()
			e := alert.NewEngine(alert.Config{Defaults: alert.Rules{MinCount: 3, ColdMinCount: 3}}, nil)
			n := 0
			mk := func(brand string) *mention.Mention {
				n++
				m := &mention.Mention{Brand: brand, URL: fmt.Sprintf("https://ex.example/%d", n), Text: "très déçu",
					CollectedAt: time.Now(), Enrichment: &mention.Enrichment{Sentiment: mention.Sentiment{Label: "neg", Score: -0.8}}}
				m.SetID()
				return m
			}
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				brand := fmt.Sprintf("brand-%d", i)
				var m *mention.Mention
				if c.cause == alert.CauseVolume {
					e.Observe(mk(brand))
					e.Observe(mk(brand))
					m = mk(brand)
				} else {
					m = mk(brand)
					m.Enrichment.IsInfluencer, m.Enrichment.InfluenceScore = true, 90
				}
				start := time.Now()
				evs := e.Observe(m)
				if len(evs) != 1 || evs[0].Incident.Cause != c.cause {
					b.Fatalf("crossing mention gave %+v", evs)
				}
				if _, err := ob.Enqueue(ctx, evs[0]); err != nil {
					b.Fatal(err)
				}
				select {
				case <-rcv.notify:
				case <-time.After(10 * time.Second):
					b.Fatal("no delivery")
				}
				lat = append(lat, time.Since(start))
			}
			b.StopTimer()
			slices.Sort(lat)
			q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))]) / 1e6 }
			b.ReportMetric(q(0.50), "p50-ms")
			b.ReportMetric(q(0.99), "p99-ms")
		})
	}
}
