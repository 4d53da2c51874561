package alerter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/veille-oss/veille/pkg/alert"
	"github.com/veille-oss/veille/pkg/alert/deliver"
	"github.com/veille-oss/veille/pkg/platform/bus"
	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/pkg/platform/retry"
	"github.com/veille-oss/veille/pkg/store"
	"github.com/veille-oss/veille/pkg/store/analytics"
)

// RecorderDurable is the consumer that copies the ALERTS stream into
// veille.alerts.
const RecorderDurable = "alerter_recorder"

// versionScale separates the event's seq from the delivery progress in the
// version column: version = seq·1e6 + progress, so a later event always
// wins and, within one event, the row with the most delivery progress does.
const versionScale = 1_000_000

// alertColumns are the veille.alerts columns (schemas/clickhouse/0002),
// named because ClickHouse 18.16 needs them in a batch insert.
var alertColumns = []string{"incident_id", "brand", "rule", "event", "severity", "status", "opened_at", "updated_at", "resolved_at",
	"window_start", "window_end", "count_total", "count_neg", "count_neu", "count_pos", "count_influencer", "count_toxic",
	"top_mention_ids", "summary", "deliveries", "version"}

// entry is the latest known event of an incident and its deliveries.
type entry struct {
	p     deliver.Payload
	deliv map[string]alert.Delivery
	seen  time.Time
}

// recorder writes one veille.alerts row per event read from the ALERTS
// stream (acked once committed, so no event is lost while ClickHouse is
// down), and rewrites the latest row of an incident as delivery statuses
// come in from the outbox (best effort: a status lost in a crash leaves
// the row at its previous status).
type recorder struct {
	log    *slog.Logger
	chCfg  config.ClickHouse
	router *deliver.Router
	st     *store.Store // set once connected

	mu      sync.Mutex
	entries map[string]*entry                    // incident id -> latest
	early   map[string]map[string]alert.Delivery // "<id>:<seq>" -> statuses before the event was read
	dirty   map[string]bool                      // incident ids whose row must be rewritten

	rows     prometheus.Counter
	failures prometheus.Counter
}

// maxEntries bounds the incidents whose delivery statuses are tracked.
const maxEntries = 10000

func (r *recorder) status(s deliver.Status) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e := r.entries[s.IncidentID]; e != nil && e.p.Incident.Seq == s.Seq {
		if mergeDelivery(e.deliv, s.Delivery) {
			r.dirty[s.IncidentID] = true
		}
		return
	} else if e != nil && e.p.Incident.Seq > s.Seq {
		return // a newer event's row supersedes this one
	}
	k := s.IncidentID + ":" + itoa(s.Seq)
	m := r.early[k]
	if m == nil {
		if len(r.early) >= maxEntries {
			clear(r.early)
		}
		m = map[string]alert.Delivery{}
		r.early[k] = m
	}
	mergeDelivery(m, s.Delivery)
}

// mergeDelivery keeps the most advanced status per channel and reports
// whether anything changed.
func mergeDelivery(m map[string]alert.Delivery, d alert.Delivery) bool {
	old, ok := m[d.Channel]
	if ok && progressOf(old) >= progressOf(d) {
		return false
	}
	m[d.Channel] = d
	return true
}

func statusRank(s string) int {
	switch s {
	case deliver.StatusRetrying:
		return 1
	case deliver.StatusDelivered, deliver.StatusFailed:
		return 2
	}
	return 0
}

func progressOf(d alert.Delivery) int { return 3*d.Attempts + statusRank(d.Status) }

func itoa(n int) string { return fmt.Sprint(n) }

// row builds the insert values of an entry.
func (e *entry) row() []any {
	inc := e.p.Incident
	status := "open"
	if !inc.ResolvedAt.IsZero() {
		status = "resolved"
	}
	names := make([]string, 0, len(e.deliv))
	progress := 0
	for n, d := range e.deliv {
		names = append(names, n)
		progress += progressOf(d)
	}
	slices.Sort(names)
	ds := make([]alert.Delivery, 0, len(names))
	for _, n := range names {
		ds = append(ds, e.deliv[n])
	}
	dj, _ := json.Marshal(ds)
	top := make([]string, 0, len(inc.Top))
	for _, t := range inc.Top {
		top = append(top, t.ID)
	}
	zero := func(t time.Time) time.Time {
		if t.IsZero() {
			return time.Unix(0, 0).UTC()
		}
		return t.UTC()
	}
	return []any{
		inc.ID, inc.Brand, inc.Cause, string(e.p.Event), uint8(max(1, min(10, inc.Severity))), status,
		zero(inc.OpenedAt), zero(inc.UpdatedAt), zero(inc.ResolvedAt),
		zero(inc.Window.Start), zero(inc.Window.End),
		u32(inc.Counts.Total), u32(inc.Counts.Neg), u32(inc.Counts.Neu), u32(inc.Counts.Pos),
		u32(inc.Counts.Influencer), u32(inc.Counts.Toxic),
		top, inc.Detail, string(dj),
		uint64(max(0, inc.Seq))*versionScale + uint64(min(progress, versionScale-1)),
	}
}

func u32(n int) uint32 { return uint32(max(0, n)) }

// accept records an event read from the stream and returns its row.
func (r *recorder) accept(p deliver.Payload) []any {
	r.mu.Lock()
	defer r.mu.Unlock()
	id := p.Incident.ID
	e := r.entries[id]
	if e != nil && e.p.Incident.Seq > p.Incident.Seq {
		// an old event replayed: write its own row, keep the newer state
		old := &entry{p: p, deliv: map[string]alert.Delivery{}}
		return old.row()
	}
	if e == nil {
		if len(r.entries) >= maxEntries {
			r.evict()
		}
		e = &entry{}
		r.entries[id] = e
	}
	e.p, e.seen = p, time.Now()
	e.deliv = map[string]alert.Delivery{}
	for _, ch := range r.router.Channels(alert.Event{Kind: p.Event, Incident: p.Incident}) {
		e.deliv[ch] = alert.Delivery{Channel: ch, Status: "pending"}
	}
	k := id + ":" + itoa(p.Incident.Seq)
	for _, d := range r.early[k] {
		mergeDelivery(e.deliv, d)
	}
	delete(r.early, k)
	delete(r.dirty, id)
	return e.row()
}

// evict drops the least recently seen half of the entries (resolved ones
// are dropped first by being older, in practice).
func (r *recorder) evict() {
	type kv struct {
		id   string
		seen time.Time
	}
	all := make([]kv, 0, len(r.entries))
	for id, e := range r.entries {
		all = append(all, kv{id, e.seen})
	}
	slices.SortFunc(all, func(a, b kv) int { return a.seen.Compare(b.seen) })
	for _, x := range all[:len(all)/2] {
		delete(r.entries, x.id)
		delete(r.dirty, x.id)
	}
}

// takeDirty returns the rows of incidents whose deliveries changed.
func (r *recorder) takeDirty() (ids []string, rows [][]any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for id := range r.dirty {
		if e := r.entries[id]; e != nil {
			ids = append(ids, id)
			rows = append(rows, e.row())
		}
	}
	clear(r.dirty)
	return ids, rows
}

func (r *recorder) markDirty(ids []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, id := range ids {
		if r.entries[id] != nil {
			r.dirty[id] = true
		}
	}
}

func (r *recorder) insert(ctx context.Context, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	if r.st == nil {
		return fmt.Errorf("%w: not connected", store.ErrUnavailable)
	}
	if err := store.InsertRows(ctx, r.st.Conn, r.st.DB, "alerts", alertColumns, rows); err != nil {
		return err
	}
	r.rows.Add(float64(len(rows)))
	return nil
}

// connect opens ClickHouse (retrying until ctx ends) and migrates.
func (r *recorder) connect(ctx context.Context) error {
	return retry.Do(ctx, retry.New(500*time.Millisecond, 30*time.Second), func(ctx context.Context) error {
		st, err := store.OpenRetry(ctx, r.chCfg, r.log, "alerter", 30*time.Second)
		if err != nil {
			return retry.Permanent(err)
		}
		if _, err := st.Migrate(ctx); err != nil {
			st.Close()
			return err
		}
		r.st = st
		return nil
	}, func(_ int, err error, wait time.Duration) {
		r.log.Warn("clickhouse not ready for alerts; retrying", "err", err, "backoff", wait)
	})
}

// run consumes the ALERTS stream into veille.alerts and flushes delivery
// status rows, until ctx ends.
func (r *recorder) run(ctx context.Context, b *bus.Bus, ownStore bool) error {
	if r.st == nil {
		if err := r.connect(ctx); err != nil {
			return nil // shutting down before ClickHouse came up
		}
		if ownStore {
			// the next leadership term reconnects
			defer func() { r.st.Close(); r.st = nil }()
		}
	}
	cons, err := b.Consumer(ctx, bus.ConsumerConfig{
		Stream: bus.StreamAlerts, Durable: RecorderDurable,
		FilterSubjects: []string{bus.SubjectAlertsPrefix + "*"},
		MaxDeliver:     -1, AckWait: 30 * time.Second, MaxAckPending: 10000,
	})
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				r.flushStatuses(context.WithoutCancel(ctx))
				return
			case <-t.C:
				r.flushStatuses(ctx)
			}
		}
	}()
	err = bus.FetchLoop(ctx, r.log, cons, 500, 500*time.Millisecond, 10*time.Second, func(ctx context.Context, msgs []jetstream.Msg) {
		r.handle(ctx, b, msgs)
	})
	wg.Wait()
	return err
}

func (r *recorder) flushStatuses(ctx context.Context) {
	ids, rows := r.takeDirty()
	if len(rows) == 0 {
		return
	}
	ictx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := r.insert(ictx, rows); err != nil {
		r.failures.Inc()
		r.log.Warn("delivery status rows not written; will retry", "rows", len(rows), "err", err)
		r.markDirty(ids)
	}
}

func (r *recorder) handle(ctx context.Context, b *bus.Bus, msgs []jetstream.Msg) {
	rows := make([][]any, 0, len(msgs))
	keep := make([]jetstream.Msg, 0, len(msgs))
	var links []analytics.IncidentAction
	for _, msg := range msgs {
		var p deliver.Payload
		if err := json.Unmarshal(msg.Data(), &p); err != nil {
			b.Fail(ctx, msg, RecorderDurable, 0, fmt.Errorf("%w: alert payload: %w", bus.ErrPoison, err))
			continue
		}
		if p.Schema != deliver.SchemaV1 || p.Incident.ID == "" {
			// not an alerter event (another publisher on alerts.*): not ours to store
			r.log.Debug("foreign message on alerts stream skipped", "subject", msg.Subject())
			_ = msg.Ack()
			continue
		}
		rows = append(rows, r.accept(p))
		keep = append(keep, msg)
		links = append(links, detectorRow(p))
		if p.Event == alert.Opened {
			links = append(links, linkRows(p.Incident)...)
		}
	}
	err := r.insert(ctx, rows)
	if err == nil {
		err = r.insertLinks(ctx, links)
	}
	if err != nil {
		r.failures.Inc()
		if errors.Is(err, store.ErrRowRefused) {
			// the driver refused a value: retrying cannot help
			for _, m := range keep {
				b.Fail(ctx, m, RecorderDurable, 0, fmt.Errorf("%w: %w", bus.ErrPoison, err))
			}
			return
		}
		r.log.Warn("alerts rows not written; will retry", "rows", len(rows), "err", err)
		for _, m := range keep {
			_ = m.NakWithDelay(2 * time.Second)
		}
		return
	}
	for _, m := range keep {
		_ = m.Ack()
	}
}
