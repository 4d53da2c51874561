package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/veille-oss/veille/pkg/platform/retry"
)

// ErrPoison marks a message that can never be processed (malformed, refused
// by the store); handlers wrap it so the message goes to the dead letters at
// once instead of being redelivered.
var ErrPoison = errors.New("poison message")

// ConsumerConfig describes a durable pull consumer.
type ConsumerConfig struct {
	Stream         string
	Durable        string
	FilterSubjects []string
	MaxDeliver     int
	AckWait        time.Duration
	MaxAckPending  int
}

// Consumer creates or updates a durable pull consumer with explicit acks.
// Several processes using the same durable share its messages (scale-out).
func (b *Bus) Consumer(ctx context.Context, cc ConsumerConfig) (jetstream.Consumer, error) {
	if cc.MaxDeliver == 0 {
		cc.MaxDeliver = b.cfg.MaxDeliver
	}
	if cc.AckWait == 0 {
		cc.AckWait = b.cfg.AckWait
	}
	if cc.MaxAckPending == 0 {
		cc.MaxAckPending = 50000
	}
	jc := jetstream.ConsumerConfig{
		Durable:       cc.Durable,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       cc.AckWait,
		MaxDeliver:    cc.MaxDeliver,
		MaxAckPending: cc.MaxAckPending,
		DeliverPolicy: jetstream.DeliverAllPolicy,
		// Back off redeliveries of failing messages instead of hammering.
		BackOff: backoffs(cc.AckWait, cc.MaxDeliver),
	}
	if len(cc.FilterSubjects) == 1 {
		jc.FilterSubject = cc.FilterSubjects[0]
	} else if len(cc.FilterSubjects) > 1 {
		jc.FilterSubjects = cc.FilterSubjects
	}
	cons, err := b.JS.CreateOrUpdateConsumer(ctx, cc.Stream, jc)
	if err != nil {
		return nil, fmt.Errorf("consumer %s on %s: %w", cc.Durable, cc.Stream, err)
	}
	return cons, nil
}

// backoffs spaces redeliveries: ack wait first, then growing, at most 1 per
// delivery (the server requires len(BackOff) <= MaxDeliver).
func backoffs(ackWait time.Duration, maxDeliver int) []time.Duration {
	if maxDeliver <= 1 {
		return nil
	}
	n := maxDeliver - 1
	if n > 8 {
		n = 8
	}
	out := make([]time.Duration, n)
	d := ackWait
	for i := range out {
		out[i] = d
		if d < 5*time.Minute {
			d *= 2
		}
	}
	return out
}

// Deliveries returns how many times msg has been delivered (1 the first time).
func Deliveries(msg jetstream.Msg) uint64 {
	md, err := msg.Metadata()
	if err != nil {
		return 1
	}
	return md.NumDelivered
}

// DeadLetter copies msg to deadletter.<stream> with the reason and its origin,
// waits for the stream's ack, then terminates the original so it is never
// redelivered. Nothing is dropped: if the dead letter cannot be published the
// original is left unacked and will come back.
func (b *Bus) DeadLetter(ctx context.Context, msg jetstream.Msg, consumer string, reason error) error {
	stream := ""
	var seq uint64
	if md, err := msg.Metadata(); err == nil {
		stream = md.Stream
		seq = md.Sequence.Stream
	}
	out := nats.NewMsg(SubjectDeadPrefix + Token(stream))
	out.Data = msg.Data()
	for k, v := range msg.Headers() {
		if k == nats.MsgIdHdr {
			continue
		}
		out.Header[k] = v
	}
	reasonText := "unknown"
	if reason != nil {
		reasonText = reason.Error()
	}
	if len(reasonText) > 2048 {
		reasonText = reasonText[:2048]
	}
	out.Header.Set(HeaderReason, reasonText)
	out.Header.Set(HeaderOrigSubject, msg.Subject())
	out.Header.Set(HeaderOrigStream, stream)
	out.Header.Set(HeaderConsumer, consumer)
	out.Header.Set(HeaderDeliveries, strconv.FormatUint(Deliveries(msg), 10))
	// Dedup the dead letter itself on (stream, sequence, consumer).
	out.Header.Set(nats.MsgIdHdr, fmt.Sprintf("dl.%s.%d.%s", stream, seq, consumer))
	if _, err := b.JS.PublishMsg(ctx, out); err != nil {
		return fmt.Errorf("dead letter for %s seq %d: %w", msg.Subject(), seq, err)
	}
	b.log.Warn("message dead-lettered", "subject", msg.Subject(), "stream", stream, "seq", seq, "consumer", consumer, "reason", reasonText)
	return msg.Term()
}

// Fail handles a message whose processing failed: poison messages and
// messages out of deliveries go to the dead letters, others are nak'ed for a
// later redelivery.
func (b *Bus) Fail(ctx context.Context, msg jetstream.Msg, consumer string, maxDeliver int, err error) {
	if errors.Is(err, ErrPoison) || (maxDeliver > 0 && Deliveries(msg) >= uint64(maxDeliver)) {
		if dlErr := b.DeadLetter(ctx, msg, consumer, err); dlErr != nil {
			b.log.Error("dead letter failed; message left for redelivery", "err", dlErr)
			_ = msg.Nak()
		}
		return
	}
	_ = msg.NakWithDelay(time.Second * time.Duration(Deliveries(msg)))
}

// BatchFunc processes a batch of messages and acks, naks or dead-letters each.
type BatchFunc func(ctx context.Context, msgs []jetstream.Msg)

// FetchLoop fetches batches from cons until ctx is cancelled and hands each
// batch to fn. fn runs with a context that outlives ctx by up to drain, so a
// batch in flight at shutdown is finished and acked rather than abandoned.
func FetchLoop(ctx context.Context, log *slog.Logger, cons jetstream.Consumer, batch int, maxWait, drain time.Duration, fn BatchFunc) error {
	backoff := retry.New(100*time.Millisecond, 5*time.Second)
	for ctx.Err() == nil {
		res, err := cons.Fetch(batch, jetstream.FetchMaxWait(maxWait))
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			wait := backoff.Next()
			log.Warn("fetch failed; retrying", "err", err, "backoff", wait)
			_ = retry.Sleep(ctx, wait)
			continue
		}
		msgs := make([]jetstream.Msg, 0, batch)
		for m := range res.Messages() {
			msgs = append(msgs, m)
		}
		if err := res.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) && !errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			log.Debug("fetch ended with error", "err", err)
			if len(msgs) == 0 {
				_ = backoff.Wait(ctx)
			}
		}
		if len(msgs) == 0 {
			continue
		}
		backoff.Reset()
		pctx, cancel := drainContext(ctx, drain)
		fn(pctx, msgs)
		cancel()
	}
	return nil
}

// drainContext is cancelled drain after ctx ends, never before: a batch
// waiting out an outage (the sink while ClickHouse is down) keeps waiting as
// long as the service runs, instead of being abandoned to redelivery until
// JetStream's max_deliver silently drops it; a batch in flight at shutdown
// gets drain to finish.
func drainContext(ctx context.Context, drain time.Duration) (context.Context, context.CancelFunc) {
	pctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, func() { time.AfterFunc(drain, cancel) })
	return pctx, func() { stop(); cancel() }
}

// LagReporter receives a consumer's backlog (messages not yet delivered) and
// the messages delivered but not yet acknowledged.
type LagReporter func(pending uint64, ackPending int)

// WatchLag polls cons every interval and reports its lag until ctx ends;
// the metrics endpoint exports it as consumer lag.
func WatchLag(ctx context.Context, cons jetstream.Consumer, interval time.Duration, report LagReporter) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if ci, err := cons.Info(ctx); err == nil {
			report(ci.NumPending, ci.NumAckPending)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// ReadAll reads the messages of stream that match filter (all when empty),
// from the first to the last stored at the call, with an ordered consumer.
func (b *Bus) ReadAll(ctx context.Context, stream, filter string, fn func(jetstream.Msg)) error {
	cfg := jetstream.OrderedConsumerConfig{}
	if filter != "" {
		cfg.FilterSubjects = []string{filter}
	}
	cons, err := b.JS.OrderedConsumer(ctx, stream, cfg)
	if err != nil {
		return fmt.Errorf("read %s: %w", stream, err)
	}
	for {
		batch, err := cons.FetchNoWait(500)
		if err != nil {
			return fmt.Errorf("read %s: %w", stream, err)
		}
		n := 0
		for msg := range batch.Messages() {
			n++
			fn(msg)
		}
		if n == 0 {
			return batch.Error()
		}
	}
}
