// Package alerter is the alerting service: it feeds the enriched mention
// stream to the pkg/alert engine, publishes every incident event on
// alerts.<brand> (ALERTS stream), hands it to the durable delivery outbox
// (webhook, Slack, Teams, e-mail), records it in veille.alerts, and keeps
// the engine's state in the NATS KV bucket VEILLE_ALERTER.
//
// Copies of the service share a leader lease in that bucket: only the
// holder consumes mentions, so two copies never open two incidents for
// one crisis; a standby takes over within lease_ttl when the leader
// disappears, restoring its snapshot.
package alerter

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/veille-oss/veille/pkg/alert"
	"github.com/veille-oss/veille/pkg/alert/deliver"
	"github.com/veille-oss/veille/pkg/platform/bus"
	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/platform/retry"
	"github.com/veille-oss/veille/pkg/platform/service"
	"github.com/veille-oss/veille/pkg/store"
)

// Durable is the mention consumer of the alerter; only the lease holder
// pulls from it.
const Durable = "alerter"

// BusChannel is the name the alerts.<brand> publication carries in
// delivery ids and metrics; no configured channel may take it.
const BusChannel = "bus"

// Options are overrides for tests; the zero value is production.
type Options struct {
	// Instance names this copy in the lease (default host-pid-random).
	Instance string
	// Store is an already-open ClickHouse connection (default: open
	// clickhouse from the config).
	Store *store.Store
	// Getenv resolves *_env secrets (default os.Getenv).
	Getenv func(string) string
	// Clock is the engine's clock (default time.Now).
	Clock func() time.Time
}

// Run runs the alerter until ctx ends.
func Run(ctx context.Context, env *service.Env) error { return RunWith(ctx, env, Options{}) }

type alerter struct {
	env  *service.Env
	log  *slog.Logger
	cfg  Config
	dc   deliver.Config
	opts Options
	kv   jetstream.KeyValue

	mentions  prometheus.Counter
	poison    prometheus.Counter
	backfill  prometheus.Counter
	events    *prometheus.CounterVec
	sent      *prometheus.CounterVec
	open      *prometheus.GaugeVec
	leader    prometheus.Gauge
	snapBytes prometheus.Gauge
	rec       *recorder
}

// RunWith is Run with options.
func RunWith(ctx context.Context, env *service.Env, opts Options) error {
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.Instance == "" {
		opts.Instance = instanceName(env.Instance)
	}
	cfg, err := DecodeConfig(&env.Config.Alerting, env.Config.Console.PublicURL(), opts.Getenv)
	if err != nil {
		return err
	}
	log := env.Log.With("service", "alerter", "instance", opts.Instance)
	replicas := max(env.Config.NATS.Replicas, 1)
	if cfg.Outbox.Replicas == 0 {
		cfg.Outbox.Replicas = replicas
	}
	kv, err := env.Bus.KeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      Bucket,
		Description: "veille alerter: leader lease and engine snapshot",
		History:     1,
		Storage:     jetstream.FileStorage,
		Replicas:    replicas,
	})
	if err != nil {
		return fmt.Errorf("alerter: %w", err)
	}
	m := env.Metrics
	a := &alerter{
		env: env, log: log, cfg: cfg, dc: cfg.Delivery(opts.Getenv), opts: opts, kv: kv,
		mentions:  m.Counter("alerter_mentions_total", "Enriched mentions fed to the alert engine.").WithLabelValues(),
		backfill:  m.Counter("alerter_backfill_total", "Mentions not fed to the detectors: published long before collected (ignore_older_than).").WithLabelValues(),
		poison:    m.Counter("alerter_poison_total", "Mentions the alerter could not decode (dead-lettered).").WithLabelValues(),
		events:    m.Counter("alerter_events_total", "Incident events emitted, by kind.", "event"),
		sent:      m.Counter("alerter_alerts_sent_total", "Alert delivery attempts by channel and status (bus = alerts.<brand>).", "channel", "status"),
		open:      m.Gauge("alerter_incidents_open", "Open incidents, by rule.", "rule"),
		leader:    m.Gauge("alerter_leader", "1 while this instance holds the leader lease.").WithLabelValues(),
		snapBytes: m.Gauge("alerter_snapshot_bytes", "Size of the last engine snapshot (gzip).").WithLabelValues(),
	}
	a.rec = &recorder{
		log: log, chCfg: env.Config.ClickHouse, router: deliver.NewRouter(a.dc.Routes), st: opts.Store,
		entries: map[string]*entry{}, early: map[string]map[string]alert.Delivery{}, dirty: map[string]bool{},
		rows:     m.Counter("alerter_rows_total", "Rows written to veille.alerts.").WithLabelValues(),
		failures: m.Counter("alerter_row_failures_total", "Failed veille.alerts inserts (retried).").WithLabelValues(),
	}
	log.Info("alerter started", "channels", len(a.dc.Channels), "lease_ttl", cfg.LeaseTTL)
	return a.campaign(ctx)
}

func instanceName(base string) string {
	if base == "" {
		base, _ = os.Hostname()
	}
	var b [4]byte
	_, _ = crand.Read(b[:])
	return fmt.Sprintf("%s-%d-%s", base, os.Getpid(), hex.EncodeToString(b[:]))
}

// campaign tries to hold the lease and leads while it does.
func (a *alerter) campaign(ctx context.Context) error {
	l := &lease{kv: a.kv, holder: a.opts.Instance, ttl: a.cfg.LeaseTTL, now: time.Now}
	standby := false
	for ctx.Err() == nil {
		ok, err := l.tryAcquire(ctx)
		if err != nil && ctx.Err() == nil {
			a.log.Warn("leader lease unavailable", "err", err)
		}
		if !ok {
			if !standby {
				a.log.Info("standing by: another alerter holds the lease")
				standby = true
			}
			_ = retry.Sleep(ctx, retry.Jitter(a.cfg.LeaseTTL/4))
			continue
		}
		standby = false
		a.log.Info("leading: this alerter holds the lease")
		a.leader.Set(1)
		err = a.lead(ctx, l)
		a.leader.Set(0)
		if ctx.Err() != nil {
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			if rerr := l.release(rctx); rerr != nil {
				a.log.Warn("lease not released; the standby waits for it to expire", "err", rerr)
			}
			cancel()
			return nil
		}
		if err != nil {
			a.log.Warn("stopped leading", "err", err)
		}
		_ = retry.Sleep(ctx, retry.Jitter(a.cfg.LeaseTTL/4))
	}
	return nil
}

// lead does the work while the lease is held: restore, consume, deliver,
// record. It returns when ctx ends (after a final snapshot) or the lease
// is lost (without one: the new leader owns the state).
func (a *alerter) lead(ctx context.Context, l *lease) error {
	lctx, cancel := context.WithCancelCause(ctx)
	var wg sync.WaitGroup
	// Stop the helpers before waiting for them, whatever the return path.
	defer func() { cancel(nil); wg.Wait() }()
	// Renew the lease; stop everything if it cannot be held.
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(a.cfg.LeaseTTL / 4)
		defer t.Stop()
		for {
			select {
			case <-lctx.Done():
				return
			case <-t.C:
			}
			rctx, rcancel := context.WithTimeout(lctx, a.cfg.LeaseTTL/4)
			err := l.renew(rctx)
			rcancel()
			switch {
			case errors.Is(err, ErrLeaseLost):
				cancel(err)
				return
			case err != nil && time.Now().After(l.safeUntil()):
				cancel(fmt.Errorf("%w: not renewed in time: %w", ErrLeaseLost, err))
				return
			case err != nil:
				a.log.Warn("lease renewal failed; retrying", "err", err)
			}
		}
	}()

	eng := alert.NewEngine(a.cfg.Config, a.opts.Clock)
	ss := &stateStore{kv: a.kv, holder: a.opts.Instance}
	restored, err := ss.load(lctx, eng)
	if err != nil {
		// A corrupt snapshot must not stop alerting: start fresh, loudly.
		// An unreachable KV is retried by campaigning again.
		if !errors.Is(err, ErrCorruptState) {
			return err
		}
		a.log.Error("engine snapshot unusable; starting with an empty state", "err", err)
	}
	a.setOpen(eng)
	a.log.Info("engine state", "restored", restored, "open_incidents", len(eng.Incidents()))

	chans, err := deliver.Build(a.dc, natsPublisher{a.env.Bus.NC})
	if err != nil {
		return err
	}
	ob, err := deliver.NewOutbox(lctx, a.env.Bus.JS, a.cfg.Outbox, a.dc, chans,
		deliver.WithLogger(a.log), deliver.WithStatus(a.onStatus))
	if err != nil {
		return err
	}
	wg.Add(2)
	go func() {
		defer wg.Done()
		if err := ob.Run(lctx); err != nil {
			cancel(err)
		}
	}()
	go func() {
		defer wg.Done()
		if err := a.rec.run(lctx, a.env.Bus, a.opts.Store == nil); err != nil && lctx.Err() == nil {
			a.log.Error("alerts recorder stopped", "err", err)
		}
	}()

	cons, err := a.consumer(lctx)
	if err != nil {
		return err
	}
	// People's actions (resolve, reopen) from the console: read at start
	// and watched, so a manual resolution holds through detector updates.
	actions := &actionQueue{}
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := a.watchActions(lctx, actions); err != nil && lctx.Err() == nil {
			a.log.Error("people's incident actions not read: a manual resolution may be undone", "err", err)
		}
	}()
	p := &processor{a: a, eng: eng, ss: ss, ob: ob, cons: cons, heldMax: heldMax(cons), actions: actions}
	err = p.loop(lctx)
	if c := context.Cause(lctx); errors.Is(c, ErrLeaseLost) {
		return c
	}
	return err
}

func (a *alerter) onStatus(s deliver.Status) {
	if s.Status != "pending" {
		a.sent.WithLabelValues(s.Channel, s.Status).Inc()
	}
	a.rec.status(s)
}

func (a *alerter) setOpen(eng *alert.Engine) {
	a.open.Reset()
	for _, inc := range eng.Incidents() {
		a.open.WithLabelValues(inc.Cause).Inc()
	}
}

// consumer returns the mention consumer, creating it on first use to start
// one window back rather than at the beginning of the stream: replaying
// days of history into the current window would look like a crisis.
func (a *alerter) consumer(ctx context.Context) (jetstream.Consumer, error) {
	js := a.env.Bus.JS
	cons, err := js.Consumer(ctx, bus.StreamEnriched, Durable)
	if err == nil {
		return cons, nil
	}
	if !errors.Is(err, jetstream.ErrConsumerNotFound) {
		return nil, fmt.Errorf("alerter consumer: %w", err)
	}
	cons, err = js.CreateConsumer(ctx, bus.StreamEnriched, jetstream.ConsumerConfig{
		Durable:       Durable,
		Description:   "alert engine (leader only)",
		FilterSubject: bus.SubjectEnrichedPrefix + ">",
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       max(a.env.Config.NATS.AckWait, 4*a.cfg.SnapshotEvery),
		MaxDeliver:    -1,
		MaxAckPending: max(20*a.cfg.Batch, 10000),
		DeliverPolicy: jetstream.DeliverByStartTimePolicy,
		OptStartTime:  ptr(time.Now().Add(-a.maxWindow())),
	})
	if errors.Is(err, jetstream.ErrConsumerExists) {
		return js.Consumer(ctx, bus.StreamEnriched, Durable)
	}
	if err != nil {
		return nil, fmt.Errorf("alerter consumer: %w", err)
	}
	return cons, nil
}

func ptr[T any](v T) *T { return &v }

// heldMax is how many processed messages the leader may hold unacked before
// it snapshots: three quarters of the consumer's max_ack_pending (of the
// consumer as it exists, which may predate this configuration). JetStream
// stops delivering at max_ack_pending, so waiting for snapshot_every alone
// would cap the alerter at max_ack_pending per snapshot_every (10,000 per
// 2 s by default) whenever no incident forces a snapshot.
func heldMax(cons jetstream.Consumer) int {
	if info := cons.CachedInfo(); info != nil && info.Config.MaxAckPending > 0 {
		return max(info.Config.MaxAckPending*3/4, 1)
	}
	return 7500
}

func (a *alerter) maxWindow() time.Duration {
	w := a.cfg.Defaults.Window
	if w == 0 {
		w = alert.DefaultRules().Window
	}
	for _, r := range a.cfg.Brands {
		w = max(w, r.Window)
	}
	return w
}

// natsPublisher adapts the connection for nats channels (subjects outside
// the streams: core publish, flushed).
type natsPublisher struct{ nc *nats.Conn }

func (p natsPublisher) Publish(ctx context.Context, subject string, data []byte) error {
	if err := p.nc.Publish(subject, data); err != nil {
		return err
	}
	return p.nc.FlushWithContext(ctx)
}

// processor is the leader's consume loop. It owns the engine.
type processor struct {
	a    *alerter
	eng  *alert.Engine
	ss   *stateStore
	ob   *deliver.Outbox
	cons jetstream.Consumer

	held     []jetstream.Msg // processed, acked after the next snapshot
	heldMax  int             // snapshot (and ack) once this many are held
	lastSnap time.Time
	nextTick time.Time
	actions  *actionQueue
}

func (p *processor) loop(ctx context.Context) error {
	cfg := p.a.cfg
	p.lastSnap, p.nextTick = time.Now(), time.Now().Add(cfg.Tick)
	for ctx.Err() == nil {
		wait := time.Until(p.nextTick)
		if len(p.held) > 0 {
			wait = min(wait, time.Until(p.lastSnap.Add(cfg.SnapshotEvery)))
		}
		msgs := p.fetch(ctx, max(wait, 20*time.Millisecond))
		if err := p.cycle(ctx, msgs); err != nil {
			return err
		}
	}
	if errors.Is(context.Cause(ctx), ErrLeaseLost) {
		return nil // the new leader owns the state; held messages come back to it
	}
	// Shutdown: store the state and ack what it holds.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	return p.checkpoint(fctx)
}

// fetch returns what is available at once, or waits up to wait for the
// first message; one message never waits for a full batch.
func (p *processor) fetch(ctx context.Context, wait time.Duration) []jetstream.Msg {
	batch := p.a.cfg.Batch
	collect := func(mb jetstream.MessageBatch, out []jetstream.Msg) []jetstream.Msg {
		for m := range mb.Messages() {
			out = append(out, m)
		}
		return out
	}
	var out []jetstream.Msg
	if mb, err := p.cons.FetchNoWait(batch); err == nil {
		out = collect(mb, out)
	}
	if len(out) > 0 || ctx.Err() != nil {
		return out
	}
	mb, err := p.cons.Fetch(1, jetstream.FetchMaxWait(wait))
	if err != nil {
		if ctx.Err() == nil {
			p.a.log.Warn("fetch failed", "err", err)
			_ = retry.Sleep(ctx, 200*time.Millisecond)
		}
		return nil
	}
	out = collect(mb, out)
	if len(out) > 0 && batch > 1 {
		if mb, err := p.cons.FetchNoWait(batch - 1); err == nil {
			out = collect(mb, out)
		}
	}
	return out
}

// cycle feeds msgs, ticks when due, makes the resulting events durable,
// and checkpoints when events happened or the snapshot is due.
func (p *processor) cycle(ctx context.Context, msgs []jetstream.Msg) error {
	a := p.a
	var events []alert.Event
	for _, msg := range msgs {
		m, err := mention.Decode(msg.Data())
		if err != nil {
			a.poison.Inc()
			a.env.Bus.Fail(ctx, msg, Durable, 0, fmt.Errorf("%w: %w", bus.ErrPoison, err))
			continue
		}
		p.held = append(p.held, msg)
		if !a.cfg.Fresh(m) {
			a.backfill.Inc()
			continue
		}
		events = append(events, p.eng.Observe(m)...)
		a.mentions.Inc()
	}
	if p.actions != nil {
		for _, h := range p.actions.take() {
			events = append(events, p.eng.Apply(h)...)
		}
	}
	now := time.Now()
	ticked := false
	if !now.Before(p.nextTick) {
		events = append(events, p.eng.Tick(a.opts.Clock())...)
		p.nextTick = now.Add(a.cfg.Tick)
		ticked = true
	}
	if len(events) > 0 {
		if err := p.persist(ctx, events); err != nil {
			return err
		}
	}
	if ticked || len(events) > 0 {
		a.setOpen(p.eng)
	}
	if len(events) > 0 || len(p.held) >= p.heldMax || (len(p.held) > 0 && time.Since(p.lastSnap) >= a.cfg.SnapshotEvery) {
		return p.checkpoint(ctx)
	}
	return nil
}

// persist publishes every event on alerts.<brand> and enqueues it for its
// channels, retrying until both are stored or ctx ends. Both are
// idempotent (Msg-Id), so a retry after a partial failure stores nothing
// twice.
func (p *processor) persist(ctx context.Context, events []alert.Event) error {
	a := p.a
	backoff := retry.New(100*time.Millisecond, 5*time.Second)
	lastProgress := time.Now()
	for attempt := 0; ; attempt++ {
		err := p.persistOnce(ctx, events)
		if err == nil {
			for _, ev := range events {
				a.events.WithLabelValues(string(ev.Kind)).Inc()
				a.sent.WithLabelValues(BusChannel, deliver.StatusDelivered).Inc()
				a.log.Info("incident event", "event", ev.Kind, "incident", ev.Incident.ID, "seq", ev.Incident.Seq,
					"brand", ev.Incident.Brand, "rule", ev.Incident.Cause, "severity", ev.Incident.Severity,
					"neg", ev.Incident.Counts.Neg, "total", ev.Incident.Counts.Total)
			}
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("alerter: events not stored before shutdown (mentions left unacked): %w", err)
		}
		if attempt == 0 || attempt%10 == 0 {
			a.log.Warn("storing events failed; retrying", "events", len(events), "err", err, "attempt", attempt+1)
		}
		if time.Since(lastProgress) > 5*time.Second {
			for _, m := range p.held {
				_ = m.InProgress()
			}
			lastProgress = time.Now()
		}
		_ = backoff.Wait(ctx)
	}
}

func (p *processor) persistOnce(ctx context.Context, events []alert.Event) error {
	js := p.a.env.Bus.JS
	futures := make([]jetstream.PubAckFuture, 0, len(events))
	for _, ev := range events {
		data, err := json.Marshal(deliver.Payload{
			Schema: deliver.SchemaV1, DeliveryID: ev.Key(BusChannel),
			// the event's own time, so a re-publish is byte-identical
			SentAt: ev.Incident.UpdatedAt.UTC(), Event: ev.Kind, Incident: ev.Incident,
		})
		if err != nil {
			return err
		}
		msg := &nats.Msg{Subject: bus.AlertSubject(ev.Incident.Brand), Data: data, Header: nats.Header{}}
		msg.Header.Set("Veille-Event", string(ev.Kind))
		f, err := js.PublishMsgAsync(msg, jetstream.WithMsgID(ev.Incident.ID+":"+itoa(ev.Incident.Seq)))
		if err != nil {
			return fmt.Errorf("publish %s: %w", msg.Subject, err)
		}
		futures = append(futures, f)
	}
	for _, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			return fmt.Errorf("%w: alerts: %w", bus.ErrPublish, err)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	for _, ev := range events {
		if _, err := p.ob.Enqueue(ctx, ev); err != nil {
			return err
		}
	}
	return nil
}

// checkpoint stores the engine state, then acks the mentions it covers.
func (p *processor) checkpoint(ctx context.Context) error {
	backoff := retry.New(100*time.Millisecond, 5*time.Second)
	for {
		n, err := p.ss.save(ctx, p.eng)
		if err == nil {
			p.a.snapBytes.Set(float64(n))
			break
		}
		if errors.Is(err, ErrLeaseLost) {
			return err
		}
		if ctx.Err() != nil {
			return fmt.Errorf("alerter: state not saved before shutdown: %w", err)
		}
		p.a.log.Warn("saving engine state failed; retrying", "err", err)
		_ = backoff.Wait(ctx)
	}
	for _, m := range p.held {
		_ = m.Ack()
	}
	p.held = p.held[:0]
	p.lastSnap = time.Now()
	return nil
}
