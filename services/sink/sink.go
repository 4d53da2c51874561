// Package sink writes enriched mentions to ClickHouse. It batches by rows,
// bytes and time, inserts over the native protocol with named columns, and
// acks a message only once the batch holding it is committed. When
// ClickHouse is down it keeps the batch unacked (extending the ack deadline)
// and retries with backoff, fetching nothing new meanwhile, so memory stays
// bounded and nothing is dropped. A row ClickHouse refuses for good is
// isolated by bisection and sent to the dead letters with the reason.
package sink

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/veille-oss/veille/pkg/platform/bus"
	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/platform/retry"
	"github.com/veille-oss/veille/pkg/platform/service"
	"github.com/veille-oss/veille/pkg/store"
)

// Durable is the sink's consumer name; every sink copy shares it.
const Durable = "sink"

// Options are test hooks and overrides; the zero value is production.
type Options struct {
	// AfterInsert runs after a batch is committed and before it is acked.
	// Tests use it to kill the sink at the worst moment.
	AfterInsert func(n int)
	// Store overrides the ClickHouse connection (tests).
	Store *store.Store
}

type sink struct {
	env     *service.Env
	log     *slog.Logger
	st      *store.Store
	groups  map[string]string
	opts    Options
	maxDel  int
	ackWait time.Duration

	rows      prometheus.Counter
	batches   prometheus.Observer
	insertDur prometheus.Observer
	retries   prometheus.Counter
	dead      prometheus.Counter
	handoffs  prometheus.Counter
}

// Run consumes mentions.enriched.> into <db>.mentions until ctx ends.
func Run(ctx context.Context, env *service.Env) error { return RunWith(ctx, env, Options{}) }

// RunWith is Run with options.
func RunWith(ctx context.Context, env *service.Env, opts Options) error {
	cfg := env.Config
	log := env.Log.With("service", "sink")
	st := opts.Store
	if st == nil {
		var err error
		st, err = store.OpenRetry(ctx, env.Config.ClickHouse, log, "sink", env.Config.Sink.MaxBackoff)
		if err != nil {
			return err
		}
		defer st.Close()
	}
	if _, err := st.Migrate(ctx); err != nil {
		return err
	}
	env.Metrics.AddCheck("clickhouse", st.Ping)
	ackWait := cfg.NATS.AckWait
	cons, err := env.Bus.Consumer(ctx, bus.ConsumerConfig{
		Stream:         bus.StreamEnriched,
		Durable:        Durable,
		FilterSubjects: []string{bus.SubjectEnrichedPrefix + ">"},
		MaxAckPending:  max(4*cfg.Sink.BatchRows, 20000),
		AckWait:        ackWait,
	})
	if err != nil {
		return err
	}
	env.WatchLag(ctx, Durable, cons)
	m := env.Metrics
	s := &sink{
		env: env, log: log, st: st, groups: env.Groups(), opts: opts,
		maxDel: cfg.NATS.MaxDeliver, ackWait: ackWait,
		rows:      m.Counter("sink_rows_total", "Mentions committed to ClickHouse.").WithLabelValues(),
		batches:   m.Histogram("sink_batch_rows", "Rows per insert batch.", prometheus.ExponentialBuckets(1, 4, 9)).WithLabelValues(),
		insertDur: m.Histogram("sink_insert_seconds", "ClickHouse insert latency.", prometheus.DefBuckets).WithLabelValues(),
		retries:   m.Counter("sink_retries_total", "Insert attempts retried because ClickHouse was unavailable.").WithLabelValues(),
		dead:      m.Counter("sink_dead_letters_total", "Mentions sent to the dead letters by the sink.").WithLabelValues(),
		handoffs:  m.Counter("sink_handoffs_total", "Mentions handed back to another replica because ClickHouse was unreachable.").WithLabelValues(),
	}
	log.Info("sink started", "batch_rows", cfg.Sink.BatchRows, "flush_interval", cfg.Sink.FlushInterval)
	// Drain budget: finish the batch in flight at shutdown, but never hold
	// messages past their ack deadline.
	return bus.FetchLoop(ctx, log, cons, cfg.Sink.BatchRows, cfg.Sink.FlushInterval, 2*ackWait, s.handle)
}

type item struct {
	msg jetstream.Msg
	m   *mention.Mention
}

func (s *sink) handle(ctx context.Context, msgs []jetstream.Msg) {
	items := make([]item, 0, len(msgs))
	for _, msg := range msgs {
		m, err := mention.Decode(msg.Data())
		if err != nil {
			s.dead.Inc()
			s.env.Bus.Fail(ctx, msg, Durable, s.maxDel, fmt.Errorf("%w: %w", bus.ErrPoison, err))
			continue
		}
		items = append(items, item{msg, m})
	}
	// Split by bytes so one insert never exceeds sink.batch_bytes.
	limit := s.env.Config.Sink.BatchBytes
	start, size := 0, 0
	for i, it := range items {
		n := len(it.msg.Data())
		if i > start && size+n > limit {
			s.insert(ctx, items[start:i])
			start, size = i, 0
		}
		size += n
	}
	if start < len(items) {
		s.insert(ctx, items[start:])
	}
}

// insert commits items, retrying while ClickHouse is unavailable, bisecting
// when it refuses the batch, then acks.
func (s *sink) insert(ctx context.Context, items []item) {
	if len(items) == 0 {
		return
	}
	ms := make([]*mention.Mention, len(items))
	for i, it := range items {
		ms[i] = it.m
	}
	// The waits stay under a third of the ack wait, so the progress check
	// at the top of the next wait comes before the deadline.
	backoff := retry.New(200*time.Millisecond, min(s.env.Config.Sink.MaxBackoff, s.ackWait/3))
	lastProgress := time.Now()
	firstFailure := time.Time{}
	for attempt := 0; ; attempt++ {
		t0 := time.Now()
		err := s.st.InsertMentions(ctx, ms, s.groups)
		if err == nil {
			s.insertDur.Observe(time.Since(t0).Seconds())
			s.batches.Observe(float64(len(ms)))
			s.rows.Add(float64(len(ms)))
			if s.opts.AfterInsert != nil {
				s.opts.AfterInsert(len(ms))
			}
			for _, it := range items {
				_ = it.msg.Ack()
			}
			return
		}
		if permanent(err) {
			if len(items) == 1 {
				s.dead.Inc()
				s.env.Bus.Fail(ctx, items[0].msg, Durable, s.maxDel, fmt.Errorf("%w: clickhouse refused the row: %w", bus.ErrPoison, err))
				return
			}
			s.log.Warn("clickhouse refused a batch; bisecting to find the bad rows", "rows", len(items), "err", err)
			half := len(items) / 2
			s.insert(ctx, items[:half])
			s.insert(ctx, items[half:])
			return
		}
		if ctx.Err() != nil {
			// Shutting down with ClickHouse away: leave the messages unacked;
			// they are redelivered to the next sink.
			s.log.Warn("shutdown while clickhouse unavailable; batch left for redelivery", "rows", len(items))
			return
		}
		if firstFailure.IsZero() {
			firstFailure = time.Now()
		}
		if down := time.Since(firstFailure); down >= s.env.Config.Sink.HandoffAfter && s.handBack(items, down) {
			s.waitClickHouse(ctx)
			return
		}
		s.retries.Inc()
		wait := backoff.Next()
		if attempt == 0 || attempt%10 == 0 {
			s.log.Warn("insert failed; retrying", "rows", len(items), "attempt", attempt+1, "err", err, "backoff", wait)
		}
		// Keep the messages ours while we wait.
		if time.Since(lastProgress) > s.ackWait/3 {
			for _, it := range items {
				_ = it.msg.InProgress()
			}
			lastProgress = time.Now()
		}
		_ = retry.Sleep(ctx, wait)
	}
}

// permanent reports whether ClickHouse refused the data itself (retrying the
// same rows can never succeed) rather than being unavailable.
func permanent(err error) bool {
	var ex *clickhouse.Exception
	if errors.As(err, &ex) {
		switch ex.Code {
		case 6, 26, 27, 38, 41, 53, 69, 70, 72, 117, 131, 321:
			// CANNOT_PARSE_TEXT, CANNOT_PARSE_QUOTED_STRING, CANNOT_PARSE_INPUT_ASSERTION_FAILED,
			// CANNOT_PARSE_DATE, CANNOT_PARSE_DATETIME, TYPE_MISMATCH, ARGUMENT_OUT_OF_BOUND,
			// CANNOT_CONVERT_TYPE, CANNOT_PARSE_NUMBER, INCORRECT_DATA, TOO_LARGE_STRING_SIZE,
			// VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
			return true
		}
		return false
	}
	return errors.Is(err, store.ErrRowRefused)
}
