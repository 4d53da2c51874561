package deliver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/time/rate"

	"github.com/veille-oss/veille/pkg/alert"
)

// errOutbox is wrapped by outbox setup and enqueue errors.
var errOutbox = errors.New("alert outbox")

// OutboxConfig configures the JetStream outbox.
type OutboxConfig struct {
	// Stream is the work-queue stream. Default "ALERTS_OUTBOX".
	Stream string `yaml:"stream"`
	// SubjectPrefix: messages go to <prefix>.<channel>. Default
	// "alerts.outbox". No other stream may capture these subjects (a stream
	// on "alerts.>" would overlap: keep alerts.<brand> on its own prefix or
	// list brands explicitly).
	SubjectPrefix string `yaml:"subject_prefix"`
	// Replicas of the stream (3 on a cluster). Default 1.
	Replicas int `yaml:"replicas"`
	// MaxAge is how long an undelivered event is kept while its channel is
	// down. Default 72h.
	MaxAge time.Duration `yaml:"max_age"`
	// DuplicateWindow: enqueuing the same (event, channel) twice within it
	// stores it once. Default 1h.
	DuplicateWindow time.Duration `yaml:"duplicate_window"`
	// BackoffBase and BackoffMax bound the exponential retry delay
	// (base·2^(attempt-1), ±20% jitter). Defaults 2s and 5m.
	BackoffBase time.Duration `yaml:"backoff_base"`
	BackoffMax  time.Duration `yaml:"backoff_max"`
	// MaxAttempts gives up after this many attempts; 0 keeps retrying until
	// MaxAge. Default 0.
	MaxAttempts int `yaml:"max_attempts"`
}

func (c OutboxConfig) withDefaults() OutboxConfig {
	if c.Stream == "" {
		c.Stream = "ALERTS_OUTBOX"
	}
	if c.SubjectPrefix == "" {
		c.SubjectPrefix = "alerts.outbox"
	}
	if c.Replicas == 0 {
		c.Replicas = 1
	}
	if c.MaxAge == 0 {
		c.MaxAge = 72 * time.Hour
	}
	if c.DuplicateWindow == 0 {
		c.DuplicateWindow = time.Hour
	}
	if c.BackoffBase == 0 {
		c.BackoffBase = 2 * time.Second
	}
	if c.BackoffMax == 0 {
		c.BackoffMax = 5 * time.Minute
	}
	return c
}

// Status reports one attempt's outcome, for the veille.alerts record.
type Status struct {
	Key        string
	IncidentID string
	Seq        int
	Event      alert.Kind
	alert.Delivery
}

// Delivery statuses.
const (
	StatusDelivered = "delivered"
	StatusRetrying  = "retrying"
	StatusFailed    = "failed"
)

// envelope is what the outbox stores per (event, channel).
type envelope struct {
	Key      string      `json:"key"`
	Channel  string      `json:"channel"`
	Event    alert.Event `json:"event"`
	Enqueued time.Time   `json:"enqueued"`
}

// Outbox persists events per channel in a JetStream work queue and
// delivers them with retries. Delivery is at least once; each message
// carries the idempotency key X-Veille-Delivery so receivers see each
// (event, channel) once. Per channel one message is in flight at a time,
// so a channel receives its events in order.
type Outbox struct {
	js       jetstream.JetStream
	cfg      OutboxConfig
	router   *Router
	channels map[string]Channel
	limits   map[string]*rate.Limiter
	timeouts map[string]time.Duration
	log      *slog.Logger
	onStatus func(Status)
	now      func() time.Time
}

// OutboxOption tunes an Outbox.
type OutboxOption func(*Outbox)

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) OutboxOption { return func(o *Outbox) { o.log = l } }

// WithStatus sets a callback called after every attempt (from the channel's
// worker goroutine; keep it quick).
func WithStatus(f func(Status)) OutboxOption { return func(o *Outbox) { o.onStatus = f } }

// NewOutbox creates or updates the stream. cfgs are the resolved channel
// configs (for rate limits and timeouts); channels are built by Build.
func NewOutbox(ctx context.Context, js jetstream.JetStream, cfg OutboxConfig, dc Config, channels map[string]Channel, opts ...OutboxOption) (*Outbox, error) {
	cfg = cfg.withDefaults()
	o := &Outbox{
		js: js, cfg: cfg, router: NewRouter(dc.Routes), channels: channels,
		limits: map[string]*rate.Limiter{}, timeouts: map[string]time.Duration{},
		log: slog.Default(), now: time.Now,
	}
	for _, opt := range opts {
		opt(o)
	}
	for _, cc := range dc.Channels {
		o.limits[cc.Name] = rate.NewLimiter(rate.Limit(cc.RatePerMinute/60), cc.Burst)
		o.timeouts[cc.Name] = cc.Timeout
	}
	_, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        cfg.Stream,
		Description: "veille alert deliveries waiting for their channel",
		Subjects:    []string{cfg.SubjectPrefix + ".>"},
		Retention:   jetstream.WorkQueuePolicy,
		Storage:     jetstream.FileStorage,
		Replicas:    cfg.Replicas,
		MaxAge:      cfg.MaxAge,
		Duplicates:  cfg.DuplicateWindow,
		MaxMsgSize:  1 << 20,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: create stream %s: %w", errOutbox, cfg.Stream, err)
	}
	return o, nil
}

// Enqueue stores the event for every channel its route selects and returns
// those channels. It returns once JetStream has persisted every copy, so
// the caller may then ack the mention that caused the event.
func (o *Outbox) Enqueue(ctx context.Context, ev alert.Event) ([]string, error) {
	names := o.router.Channels(ev)
	for _, name := range names {
		if _, ok := o.channels[name]; !ok {
			return nil, fmt.Errorf("%w: route names channel %q that was not built", errOutbox, name)
		}
		env := envelope{Key: ev.Key(name), Channel: name, Event: ev, Enqueued: o.now().UTC()}
		data, err := json.Marshal(env)
		if err != nil {
			return nil, fmt.Errorf("%w: encode: %w", errOutbox, err)
		}
		msg := &nats.Msg{Subject: o.cfg.SubjectPrefix + "." + name, Data: data}
		if _, err := o.js.PublishMsg(ctx, msg, jetstream.WithMsgID(env.Key)); err != nil {
			return nil, fmt.Errorf("%w: publish %s: %w", errOutbox, env.Key, err)
		}
		o.status(env, alert.Delivery{Channel: name, Status: "pending"})
	}
	return names, nil
}

func (o *Outbox) status(env envelope, d alert.Delivery) {
	if o.onStatus == nil {
		return
	}
	o.onStatus(Status{Key: env.Key, IncidentID: env.Event.Incident.ID, Seq: env.Event.Incident.Seq, Event: env.Event.Kind, Delivery: d})
}

// Run delivers until ctx is done: one durable pull consumer and one worker
// per channel.
func (o *Outbox) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	errs := make(chan error, len(o.channels))
	for name, ch := range o.channels {
		cons, err := o.js.CreateOrUpdateConsumer(ctx, o.cfg.Stream, jetstream.ConsumerConfig{
			Durable:       "outbox_" + name,
			Description:   "deliveries to channel " + name,
			FilterSubject: o.cfg.SubjectPrefix + "." + name,
			AckPolicy:     jetstream.AckExplicitPolicy,
			AckWait:       o.timeout(name) + 30*time.Second,
			MaxDeliver:    -1,
			MaxAckPending: 1, // in order, and a down channel holds its queue
		})
		if err != nil {
			return fmt.Errorf("%w: consumer for %s: %w", errOutbox, name, err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := o.work(ctx, name, ch, cons); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	return errors.Join(collect(errs)...)
}

func collect(ch chan error) []error {
	var out []error
	for e := range ch {
		out = append(out, e)
	}
	return out
}

func (o *Outbox) timeout(name string) time.Duration {
	if d, ok := o.timeouts[name]; ok {
		return d
	}
	return 10 * time.Second
}

func (o *Outbox) work(ctx context.Context, name string, ch Channel, cons jetstream.Consumer) error {
	it, err := cons.Messages(jetstream.PullMaxMessages(1), jetstream.PullExpiry(5*time.Second))
	if err != nil {
		return fmt.Errorf("%w: consume %s: %w", errOutbox, name, err)
	}
	stop := context.AfterFunc(ctx, it.Stop)
	defer stop()
	for {
		msg, err := it.Next()
		if err != nil {
			if errors.Is(err, jetstream.ErrMsgIteratorClosed) || ctx.Err() != nil {
				return nil
			}
			o.log.Warn("alert outbox: fetch", "channel", name, "err", err)
			continue
		}
		o.handle(ctx, name, ch, msg)
	}
}

func (o *Outbox) handle(ctx context.Context, name string, ch Channel, msg jetstream.Msg) {
	var env envelope
	if err := json.Unmarshal(msg.Data(), &env); err != nil || env.Key == "" {
		o.log.Error("alert outbox: undecodable message dropped", "channel", name)
		_ = msg.TermWithReason("undecodable")
		return
	}
	attempt := 1
	if md, err := msg.Metadata(); err == nil {
		attempt = int(md.NumDelivered)
	}
	if lim := o.limits[name]; lim != nil {
		if err := lim.Wait(ctx); err != nil {
			_ = msg.Nak() // shutting down: leave it for the next run
			return
		}
	}
	// An attempt that has started is finished, and acked, even if shutdown
	// begins meanwhile: cancelling it after the receiver got the message
	// would deliver it twice on the next run.
	dctx := context.WithoutCancel(ctx)
	sctx, cancel := context.WithTimeout(dctx, o.timeout(name))
	now := o.now()
	err := ch.Send(sctx, Message{Key: env.Key, Event: env.Event, Attempt: attempt, SentAt: now})
	cancel()
	d := alert.Delivery{Channel: name, Attempts: attempt}
	switch {
	case err == nil:
		actx, acancel := context.WithTimeout(dctx, 5*time.Second)
		aerr := msg.DoubleAck(actx)
		acancel()
		if aerr != nil {
			// the receiver has it; a redelivery carries the same key
			o.log.Warn("alert outbox: ack after delivery failed", "channel", name, "key", env.Key, "err", aerr)
		}
		d.Status, d.DeliveredAt = StatusDelivered, o.now().UTC()
		o.log.Info("alert delivered", "channel", name, "key", env.Key, "attempt", attempt)
	case errors.Is(err, ErrPermanent),
		o.cfg.MaxAttempts > 0 && attempt >= o.cfg.MaxAttempts,
		now.Sub(env.Enqueued) > o.cfg.MaxAge:
		_ = msg.TermWithReason("delivery failed")
		d.Status, d.LastError = StatusFailed, err.Error()
		o.log.Error("alert delivery failed for good", "channel", name, "key", env.Key, "attempt", attempt, "err", err)
	default:
		delay := o.backoff(attempt)
		var ra *RetryAfterError
		if errors.As(err, &ra) && ra.Delay > delay {
			delay = ra.Delay
		}
		_ = msg.NakWithDelay(delay)
		d.Status, d.LastError = StatusRetrying, err.Error()
		o.log.Warn("alert delivery failed, will retry", "channel", name, "key", env.Key, "attempt", attempt, "retry_in", delay, "err", err)
	}
	o.status(env, d)
}

// backoff is base·2^(attempt-1) capped at max, with ±20% jitter so many
// outboxes retrying one receiver do not synchronise.
func (o *Outbox) backoff(attempt int) time.Duration {
	d := o.cfg.BackoffBase
	for i := 1; i < attempt && d < o.cfg.BackoffMax; i++ {
		d *= 2
	}
	d = min(d, o.cfg.BackoffMax)
	j := 0.8 + 0.4*rand.Float64()
	return time.Duration(float64(d) * j)
}
