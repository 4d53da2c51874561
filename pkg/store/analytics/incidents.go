package analytics

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Incident statuses in veille.alerts.
const (
	StatusOpen         = "open"
	StatusAcknowledged = "acknowledged"
	StatusResolved     = "resolved"
)

// Incident is the current state of a bad-buzz incident: the row of
// veille.alerts with the highest version for its incident_id.
type Incident struct {
	ID              string    `json:"incident_id"`
	Brand           string    `json:"brand"`
	Rule            string    `json:"rule"`
	Event           string    `json:"event"`
	Severity        uint8     `json:"severity"`
	Status          string    `json:"status"`
	OpenedAt        time.Time `json:"opened_at"`
	UpdatedAt       time.Time `json:"updated_at"`
	ResolvedAt      time.Time `json:"resolved_at,omitzero"`
	WindowStart     time.Time `json:"window_start"`
	WindowEnd       time.Time `json:"window_end"`
	CountTotal      uint32    `json:"count_total"`
	CountNeg        uint32    `json:"count_neg"`
	CountNeu        uint32    `json:"count_neu"`
	CountPos        uint32    `json:"count_pos"`
	CountInfluencer uint32    `json:"count_influencer"`
	CountToxic      uint32    `json:"count_toxic"`
	TopMentionIDs   []string  `json:"top_mention_ids"`
	Summary         string    `json:"summary"`
	Deliveries      string    `json:"deliveries"`
	Version         uint64    `json:"version"`
}

// Active reports whether the incident is still open or acknowledged.
func (i Incident) Active() bool { return i.Status != StatusResolved }

// incidentColsInsert names the columns for inserts (ClickHouse 18.16 needs them).
const incidentColsInsert = `incident_id, brand, rule, event, severity, status, opened_at, updated_at, resolved_at,
  window_start, window_end, count_total, count_neg, count_neu, count_pos, count_influencer, count_toxic,
  top_mention_ids, summary, deliveries, version`

func scanIncident(rows driver.Rows, i *Incident) error {
	if err := rows.Scan(&i.ID, &i.Brand, &i.Rule, &i.Event, &i.Severity, &i.Status, &i.OpenedAt, &i.UpdatedAt, &i.ResolvedAt,
		&i.WindowStart, &i.WindowEnd, &i.CountTotal, &i.CountNeg, &i.CountNeu, &i.CountPos, &i.CountInfluencer, &i.CountToxic,
		&i.TopMentionIDs, &i.Summary, &i.Deliveries, &i.Version); err != nil {
		return err
	}
	for _, t := range []*time.Time{&i.OpenedAt, &i.UpdatedAt, &i.ResolvedAt, &i.WindowStart, &i.WindowEnd} {
		*t = t.UTC()
		if t.Unix() <= 0 {
			*t = time.Time{}
		}
	}
	return nil
}

// stickyAck is the current status: the newest row's, except that a
// person's acknowledgement holds until the incident is resolved. The
// alerter keeps writing rows (updates, escalations, delivery progress) with
// status open and higher versions; an acknowledgement after the latest
// resolution (by version) still stands through them.
const stickyAck = `multiIf(toString(argMax(status, version)) = 'resolved', 'resolved',
  maxIf(version, event = 'acknowledged') > maxIf(version, toString(status) = 'resolved'), 'acknowledged',
  toString(argMax(status, version)))`

// latest is the newest row per incident. argMax by version rather than
// FINAL: it is exact even before background merges and on a Distributed
// table whose shards merge independently.
func latest(t, where string) string {
	cols := []string{"brand", "rule", "event", "severity", "status", "opened_at", "updated_at", "resolved_at",
		"window_start", "window_end", "count_total", "count_neg", "count_neu", "count_pos", "count_influencer", "count_toxic",
		"top_mention_ids", "summary", "deliveries"}
	// Aliases are prefixed: 18.16 would resolve "version" inside argMax to
	// an alias max(version) of the same name.
	outer := []string{"incident_id"}
	inner := []string{"incident_id"}
	for _, c := range cols {
		expr := fmt.Sprintf("argMax(%s, version)", c)
		if c == "status" {
			expr = stickyAck
		}
		inner = append(inner, expr+" AS a_"+c)
		outer = append(outer, "a_"+c)
	}
	inner = append(inner, "max(version) AS a_version")
	outer = append(outer, "a_version")
	return fmt.Sprintf("SELECT %s FROM (SELECT %s FROM %s GROUP BY incident_id) WHERE %s",
		strings.Join(outer, ", "), strings.Join(inner, ", "), t, where)
}

// Incidents lists incidents, most recently updated first. Brand, From/To
// (incidents overlapping the period), Status and Limit apply.
func Incidents(ctx context.Context, conn driver.Conn, db string, f Filter) ([]Incident, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	t, err := table(db, "alerts")
	if err != nil {
		return nil, err
	}
	w := &where{}
	if f.Brand != "" {
		w.add("a_brand = ?", f.Brand)
	}
	if !f.From.IsZero() {
		w.add("a_updated_at >= toDateTime(?)", unix(f.From))
	}
	if !f.To.IsZero() {
		w.add("a_opened_at < toDateTime(?)", unix(f.To))
	}
	switch f.Status {
	case "active":
		w.add("a_status != 'resolved'")
	case "":
	default:
		w.add("a_status = ?", f.Status)
	}
	q := latest(t, w.sql()) + fmt.Sprintf(" ORDER BY a_status = 'resolved', a_updated_at DESC, incident_id LIMIT %d", f.limit())
	return queryAll(ctx, conn, "incidents", q, w.args, scanIncident)
}

// IncidentByID returns the current state of one incident, or ErrNotFound.
func IncidentByID(ctx context.Context, conn driver.Conn, db, id string) (Incident, error) {
	t, err := table(db, "alerts")
	if err != nil {
		return Incident{}, err
	}
	if id == "" || len(id) > 200 {
		return Incident{}, fmt.Errorf("%w: incident id %q", ErrNotFound, id)
	}
	out, err := queryAll(ctx, conn, "incident", latest(t, "incident_id = ?")+" LIMIT 1", []any{id}, scanIncident)
	if err != nil {
		return Incident{}, err
	}
	if len(out) == 0 {
		return Incident{}, fmt.Errorf("%w: incident %q", ErrNotFound, id)
	}
	return out[0], nil
}

// SetIncidentStatus records that a person acknowledged, resolved or
// reopened (status open) an incident: a copy of its latest row with the new
// status, event (acknowledged, resolved, reopened) and updated_at, and
// version + 1, so it becomes the current state.
func SetIncidentStatus(ctx context.Context, conn driver.Conn, db, id, status string, now time.Time) (Incident, error) {
	if status != StatusAcknowledged && status != StatusResolved && status != StatusOpen {
		return Incident{}, fmt.Errorf("%w: status must be acknowledged, resolved or open, got %q", ErrBadFilter, status)
	}
	inc, err := IncidentByID(ctx, conn, db, id)
	if err != nil {
		return Incident{}, err
	}
	t, _ := table(db, "alerts")
	now = now.UTC().Truncate(time.Second)
	event := status
	if status == StatusOpen {
		event = ActionReopened
		inc.ResolvedAt = time.Time{}
	}
	inc.Status, inc.Event, inc.UpdatedAt = status, event, now
	inc.Version++
	if status == StatusResolved && inc.ResolvedAt.IsZero() {
		inc.ResolvedAt = now
	}
	batch, err := conn.PrepareBatch(ctx, fmt.Sprintf("INSERT INTO %s (%s)", t, incidentColsInsert))
	if err != nil {
		return Incident{}, queryErr("set incident status", err)
	}
	defer batch.Abort()
	ts := func(t time.Time) time.Time {
		if t.IsZero() {
			return time.Unix(0, 0).UTC()
		}
		return t
	}
	ids := inc.TopMentionIDs
	if ids == nil {
		ids = []string{}
	}
	if err := batch.Append(inc.ID, inc.Brand, inc.Rule, inc.Event, inc.Severity, inc.Status, ts(inc.OpenedAt), ts(inc.UpdatedAt), ts(inc.ResolvedAt),
		ts(inc.WindowStart), ts(inc.WindowEnd), inc.CountTotal, inc.CountNeg, inc.CountNeu, inc.CountPos, inc.CountInfluencer, inc.CountToxic,
		ids, inc.Summary, inc.Deliveries, inc.Version); err != nil {
		return Incident{}, queryErr("set incident status", err)
	}
	if err := batch.Send(); err != nil {
		return Incident{}, queryErr("set incident status", err)
	}
	return inc, nil
}
