package faults

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/platform/bus"
	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/tooling/bench"
	"github.com/veille-oss/veille/services/sink"
)

// enrichedFR sends loadgen's mentions straight to the sink's input.
func enrichedFR(*mention.Mention) string { return bus.EnrichedSubject("fr") }

// TestSinkGraceful: SIGTERM drains the batch in flight and acks it before
// the process exits (nothing is redelivered to the next sink); with
// ClickHouse down and 100k mentions flowing the sink's memory stays flat.
func TestSinkGraceful(t *testing.T) {
	p := startPipeline(t)
	// The enricher is not needed: mentions go straight to mentions.enriched.
	_ = p.enricher.signal(syscall.SIGTERM)

	t.Run("sigterm_drains_and_acks", func(t *testing.T) {
		const n = 30000
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		done := make(chan error, 1)
		go func() { _, err := publish(ctx, p.pub, 201, n, 10000, enrichedFR); done <- err }()
		waitWhere(t, p.st, seedWhere(201), 1000, 30*time.Second)
		t0 := time.Now()
		if err := p.sink.signal(syscall.SIGTERM); err != nil {
			t.Fatalf("sink exit after SIGTERM: %v", err)
		}
		exitIn := time.Since(t0)
		ci := consumerInfo(t, p.pub, bus.StreamEnriched, sink.Durable)
		final, distinct, physical := countWhere(t, p.st, seedWhere(201))
		t.Logf("SIGTERM: exited in %s; delivered %d, ack floor %d, ack pending %d; stored %d (physical %d)",
			exitIn.Round(time.Millisecond), ci.Delivered.Consumer, ci.AckFloor.Consumer, ci.NumAckPending, final, physical)
		if ci.NumAckPending != 0 || ci.AckFloor.Consumer != ci.Delivered.Consumer {
			t.Fatalf("after SIGTERM: %d messages delivered but not acked (delivered %d, ack floor %d)",
				ci.NumAckPending, ci.Delivered.Consumer, ci.AckFloor.Consumer)
		}
		if physical != distinct || uint64(ci.AckFloor.Consumer) < physical {
			t.Fatalf("after SIGTERM: physical rows %d, distinct %d, acked %d", physical, distinct, ci.AckFloor.Consumer)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		before := redeliveries(t, p.pub, bus.StreamEnriched, sink.Durable)
		p.sink.start()
		waitWhere(t, p.st, seedWhere(201), n, 60*time.Second)
		final, distinct, physical = countWhere(t, p.st, seedWhere(201))
		if final != n || distinct != n || physical != n {
			t.Fatalf("after restart: final %d, distinct %d, physical %d, want %d each (no duplicate)", final, distinct, physical, n)
		}
		if r := redeliveries(t, p.pub, bus.StreamEnriched, sink.Durable) - before; r != 0 {
			t.Fatalf("%d messages redelivered after the graceful restart, want 0", r)
		}
	})

	t.Run("backpressure_rss_flat", func(t *testing.T) {
		const n = 100000
		p.sink.waitReady(30 * time.Second)
		p.ch.Kill()
		time.Sleep(2 * time.Second)
		base, err := bench.VmRSS(p.sink.pid())
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		done := make(chan error, 1)
		go func() { _, err := publish(ctx, p.pub, 202, n, 0, enrichedFR); done <- err }()
		peak := base
		sample := func() {
			if kb, err := bench.VmRSS(p.sink.pid()); err == nil {
				peak = max(peak, kb)
			}
		}
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		var pubErr error
	wait:
		for {
			select {
			case pubErr = <-done:
				break wait
			case <-tick.C:
				sample()
			}
		}
		if pubErr != nil {
			t.Fatal(pubErr)
		}
		// Keep watching while the whole backlog sits in NATS.
		for range 25 {
			<-tick.C
			sample()
		}
		t.Logf("back-pressure: sink VmRSS %d MB before, peak %d MB with ClickHouse down and %d mentions queued", base/1024, peak/1024, n)
		if grow := peak - base; grow > 100*1024 {
			t.Fatalf("sink RSS grew by %d MB with ClickHouse down, want < 100 MB", grow/1024)
		}
		if !p.sink.running() {
			t.Fatal("sink exited during the outage")
		}
		p.ch.Start()
		waitWhere(t, p.st, seedWhere(202), n, 120*time.Second)
		final, distinct, _ := countWhere(t, p.st, seedWhere(202))
		if final != n || distinct != n {
			t.Fatalf("final %d, distinct %d, want %d", final, distinct, n)
		}
	})
}
