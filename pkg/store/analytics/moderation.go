package analytics

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Moderation decisions (veille.moderation.status).
const (
	ModPending = "pending" // in the queue (no decision, or put back)
	ModHandled = "handled" // "traité"
	ModIgnored = "ignored" // "ignoré"
)

// Moderation queue views: what ModerationQueue lists.
const (
	QueueTodo    = "todo" // pending: the default
	QueueHandled = "handled"
	QueueIgnored = "ignored"
	QueueAll     = "all"
)

// ModItem is a toxic mention with the decision taken on it.
type ModItem struct {
	Mention
	Status string    `json:"status"` // pending, handled, ignored
	By     string    `json:"moderated_by,omitempty"`
	At     time.Time `json:"moderated_at,omitzero"`
}

// queueWhere is f's toxic mentions in one view of the queue.
func queueWhere(db string, f Filter, view string) (*where, error) {
	mod, err := table(db, "moderation")
	if err != nil {
		return nil, err
	}
	f.ToxicOnly = true
	w := f.where(false)
	decided := fmt.Sprintf("SELECT mention_id FROM %s FINAL WHERE status = ?", mod)
	switch view {
	case "", QueueTodo:
		w.add(fmt.Sprintf("id NOT IN (SELECT mention_id FROM %s FINAL WHERE status != 'pending')", mod))
	case QueueHandled:
		w.add("id IN ("+decided+")", ModHandled)
	case QueueIgnored:
		w.add("id IN ("+decided+")", ModIgnored)
	case QueueAll:
	default:
		return nil, &FieldError{Field: "view", Got: view, Want: "todo, handled, ignored or all"}
	}
	return w, nil
}

// ModerationQueue lists the toxic mentions matching f in one view of the
// queue (todo, handled, ignored, all), newest first, f.Limit from f.Offset,
// with their decisions.
func ModerationQueue(ctx context.Context, conn driver.Conn, db string, f Filter, view string) ([]ModItem, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	t, err := table(db, "mentions")
	if err != nil {
		return nil, err
	}
	w, err := queueWhere(db, f, view)
	if err != nil {
		return nil, err
	}
	q := fmt.Sprintf(`SELECT %s FROM %s FINAL WHERE %s ORDER BY published_at DESC, id LIMIT %d, %d`, mentionCols, t, w.sql(), f.Offset, f.limit())
	ms, err := queryAll(ctx, conn, "moderation queue", q, w.args, scanMention)
	if err != nil || len(ms) == 0 {
		return nil, err
	}
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	mod, _ := table(db, "moderation")
	type mark struct {
		id, status, by string
		at             time.Time
	}
	marks, err := queryAll(ctx, conn, "moderation marks", fmt.Sprintf(`SELECT mention_id, toString(status), moderated_by, moderated_at FROM %s FINAL WHERE has(?, mention_id)`, mod), []any{ids},
		func(rows driver.Rows, m *mark) error { return rows.Scan(&m.id, &m.status, &m.by, &m.at) })
	if err != nil {
		return nil, err
	}
	byID := make(map[string]mark, len(marks))
	for _, m := range marks {
		byID[m.id] = m
	}
	out := make([]ModItem, len(ms))
	for i, m := range ms {
		out[i] = ModItem{Mention: m, Status: ModPending}
		if mk, ok := byID[m.ID]; ok {
			out[i].Status, out[i].By, out[i].At = mk.status, mk.by, mk.at.UTC()
		}
	}
	return out, nil
}

// ModerationCount counts one view of the queue.
func ModerationCount(ctx context.Context, conn driver.Conn, db string, f Filter, view string) (uint64, error) {
	if err := f.Validate(); err != nil {
		return 0, err
	}
	t, err := table(db, "mentions")
	if err != nil {
		return 0, err
	}
	w, err := queueWhere(db, f, view)
	if err != nil {
		return 0, err
	}
	var n uint64
	if err := conn.QueryRow(ctx, fmt.Sprintf("SELECT count() FROM %s FINAL WHERE %s", t, w.sql()), w.args...).Scan(&n); err != nil {
		return 0, queryErr("moderation count", err)
	}
	return n, nil
}

// SetModeration records a decision on a stored toxic mention, by user at
// now. The mention must exist (ErrNotFound) and be toxic (ErrBadFilter).
func SetModeration(ctx context.Context, conn driver.Conn, db, id, status, user string, now time.Time) (ModItem, error) {
	switch status {
	case ModPending, ModHandled, ModIgnored:
	default:
		return ModItem{}, &FieldError{Field: "mark", Got: status, Want: "pending, handled or ignored"}
	}
	if id == "" || len(id) > 64 || strings.Trim(id, "0123456789abcdef") != "" {
		return ModItem{}, fmt.Errorf("%w: mention %q", ErrNotFound, id)
	}
	ms, err := MentionsByID(ctx, conn, db, []string{id})
	if err != nil {
		return ModItem{}, err
	}
	if len(ms) == 0 {
		return ModItem{}, fmt.Errorf("%w: mention %s", ErrNotFound, id)
	}
	m := ms[0]
	if !m.Toxic {
		return ModItem{}, &FieldError{Field: "mention", Got: id, Want: "a mention flagged toxic"}
	}
	mod, err := table(db, "moderation")
	if err != nil {
		return ModItem{}, err
	}
	b, err := conn.PrepareBatch(ctx, "INSERT INTO "+mod+" (mention_id, brand, status, moderated_by, moderated_at, version)")
	if err != nil {
		return ModItem{}, queryErr("moderation insert", err)
	}
	now = now.UTC().Truncate(time.Second)
	// Nanoseconds order two decisions of the same second.
	if err := b.Append(m.ID, m.Brand, status, user, now, uint64(time.Now().UnixNano())); err != nil {
		_ = b.Abort()
		return ModItem{}, queryErr("moderation insert", err)
	}
	if err := b.Send(); err != nil {
		return ModItem{}, queryErr("moderation insert", err)
	}
	return ModItem{Mention: m, Status: status, By: user, At: now}, nil
}
