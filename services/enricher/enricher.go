// Package enricher turns raw mentions into enriched ones: it consumes
// mentions.raw.>, runs the processor (language, sentiment, toxicity,
// entities, near-duplicates, influence), publishes to
// mentions.enriched.<lang> and acks the raw message only after JetStream
// acknowledged the enriched one. A message that makes the processor fail or
// panic goes to the dead letters with the reason; the stream goes on.
package enricher

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/veille-oss/veille/pkg/platform/bus"
	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/platform/service"
)

// Durable is the enricher's consumer name; every copy shares it.
const Durable = "enricher"

// Processor enriches one mention in place. It must be safe for concurrent use.
type Processor interface {
	Process(ctx context.Context, m *mention.Mention) error
}

// ProcessorFunc adapts a function to Processor.
type ProcessorFunc func(ctx context.Context, m *mention.Mention) error

// Process implements Processor.
func (f ProcessorFunc) Process(ctx context.Context, m *mention.Mention) error { return f(ctx, m) }

// Options override the processor (tests, other pipelines); nil uses the default.
type Options struct {
	Processor Processor
}

type enricher struct {
	env    *service.Env
	log    *slog.Logger
	proc   Processor
	maxDel int

	in, out, failed prometheus.Counter
	lat             prometheus.Observer
}

// Run enriches until ctx ends.
func Run(ctx context.Context, env *service.Env) error { return RunWith(ctx, env, Options{}) }

// RunWith is Run with options.
func RunWith(ctx context.Context, env *service.Env, opts Options) error {
	log := env.Log.With("service", "enricher")
	proc := opts.Processor
	if proc == nil {
		p, err := NewDefault(ctx, env)
		if err != nil {
			return err
		}
		// After the last batch, while the bus is still up: the influence
		// state of the last seconds is flushed, not lost with the process.
		defer func() {
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			if err := p.Close(cctx); err != nil {
				log.Warn("influence state not flushed at shutdown", "err", err)
			}
		}()
		proc = p
	}
	cfg := env.Config
	workers := cfg.Enricher.Workers
	if workers == 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	cons, err := env.Bus.Consumer(ctx, bus.ConsumerConfig{
		Stream:         bus.StreamRaw,
		Durable:        Durable,
		FilterSubjects: []string{bus.SubjectRawPrefix + ">"},
		MaxAckPending:  max(4*workers*cfg.Enricher.Batch, 20000),
	})
	if err != nil {
		return err
	}
	env.WatchLag(ctx, Durable, cons)
	m := env.Metrics
	e := &enricher{
		env: env, log: log, proc: proc, maxDel: cfg.NATS.MaxDeliver,
		in:     m.Counter("enricher_in_total", "Raw mentions received.").WithLabelValues(),
		out:    m.Counter("enricher_out_total", "Enriched mentions published and acknowledged.").WithLabelValues(),
		failed: m.Counter("enricher_failed_total", "Mentions that failed enrichment or publishing.").WithLabelValues(),
		lat:    m.Histogram("enricher_batch_seconds", "Time to enrich and publish one batch.", prometheus.DefBuckets).WithLabelValues(),
	}
	log.Info("enricher started", "workers", workers, "batch", cfg.Enricher.Batch)
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = bus.FetchLoop(ctx, log, cons, cfg.Enricher.Batch, 200*time.Millisecond, cfg.NATS.AckWait, e.handle)
		}()
	}
	wg.Wait()
	return nil
}

func (e *enricher) process(ctx context.Context, m *mention.Mention) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: enrichment panicked: %v", bus.ErrPoison, r)
		}
	}()
	return e.proc.Process(ctx, m)
}

func (e *enricher) handle(ctx context.Context, msgs []jetstream.Msg) {
	t0 := time.Now()
	e.in.Add(float64(len(msgs)))
	type pending struct {
		msg jetstream.Msg
		fut jetstream.PubAckFuture
		id  string
	}
	pend := make([]pending, 0, len(msgs))
	for _, msg := range msgs {
		m, err := mention.Decode(msg.Data())
		if err != nil {
			e.failed.Inc()
			e.env.Bus.Fail(ctx, msg, Durable, e.maxDel, fmt.Errorf("%w: %w", bus.ErrPoison, err))
			continue
		}
		if err := e.process(ctx, m); err != nil {
			e.failed.Inc()
			e.env.Bus.Fail(ctx, msg, Durable, e.maxDel, err)
			continue
		}
		lang := "und"
		if m.Enrichment != nil && m.Enrichment.Lang != "" {
			lang = m.Enrichment.Lang
		}
		// Encoding validates the enriched mention: an invalid one can never
		// be published, so it is poison, not a retry.
		fut, err := e.env.Bus.PublishMentionAsync(bus.EnrichedSubject(lang), m)
		if errors.Is(err, mention.ErrInvalid) {
			err = fmt.Errorf("%w: enriched mention invalid: %w", bus.ErrPoison, err)
		}
		if err != nil {
			e.failed.Inc()
			e.env.Bus.Fail(ctx, msg, Durable, e.maxDel, err)
			continue
		}
		pend = append(pend, pending{msg, fut, m.ID})
	}
	timeout := time.NewTimer(e.env.Config.NATS.AckWait)
	defer timeout.Stop()
	for _, p := range pend {
		select {
		case <-p.fut.Ok():
			_ = p.msg.Ack()
			e.out.Inc()
		case err := <-p.fut.Err():
			e.failed.Inc()
			e.log.Warn("enriched publish failed; raw message will be redelivered", "id", p.id, "err", err)
			_ = p.msg.Nak()
		case <-timeout.C:
			e.log.Warn("enriched publish not acknowledged in time; raw messages will be redelivered")
			return
		}
	}
	e.lat.Observe(time.Since(t0).Seconds())
}
