package loadgen_test

import (
	"context"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/tooling/loadgen"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
)

// TestPublishPaced checks the pacing: at a rate, mention i is never
// published before start + i/rate (minus one tick), all are acknowledged
// once, and they go out in ticks rather than one timer each.
func TestPublishPaced(t *testing.T) {
	cfg := testenv.Config(t)
	b := testenv.Bus(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const n, rate, tick = 3000, 6000.0, 20 * time.Millisecond
	at := make([]time.Time, n)
	start := time.Now()
	got, err := loadgen.Publish(ctx, b, &loadgen.Generator{Seed: 5}, loadgen.Options{Count: n, Rate: rate, Tick: tick,
		OnPublished: func(i int, _ string, t time.Time) { at[i] = t }})
	if err != nil || got != n {
		t.Fatalf("published %d of %d: %v", got, n, err)
	}
	distinct := map[time.Time]bool{}
	for i, ts := range at {
		if ts.IsZero() {
			t.Fatalf("mention %d never reported published", i)
		}
		if early := start.Add(time.Duration(float64(i)/rate*float64(time.Second)) - tick).Sub(ts); early > 0 {
			t.Fatalf("mention %d published %v before it was due", i, early)
		}
		distinct[ts.Truncate(time.Millisecond)] = true
	}
	last := float64(n-1) / rate
	if el := time.Since(start); el.Seconds() < last-tick.Seconds() {
		t.Fatalf("%d mentions at %.0f/s took %v: faster than the rate", n, rate, el)
	}
	// 0.5 s in 20 ms ticks is ~25 bursts; one timer per mention would
	// give about as many distinct milliseconds as the phase lasts (500).
	if len(distinct) > 200 {
		t.Fatalf("%d distinct publish milliseconds for %d mentions: not published in ticks", len(distinct), n)
	}
}
