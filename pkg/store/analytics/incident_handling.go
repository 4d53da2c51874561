package analytics

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Actions on incidents (veille.incident_actions, schemas/clickhouse/0006).
const (
	ActionAcknowledged = "acknowledged"
	ActionResolved     = "resolved"
	ActionReopened     = "reopened"
	ActionAssigned     = "assigned"
	ActionNote         = "note"
	// ActionLinked is written by the alerter on an incident that follows a
	// resolved one (LinkedIncident = the resolved one, Detail = why);
	// ActionFollowed on the resolved one (LinkedIncident = the new one).
	ActionLinked   = "linked"
	ActionFollowed = "followed"
	// ActionDetector is one event of the alerter on the incident (opened,
	// updated, escalated, resolved), written by its recorder with Detail =
	// DetectorEvent as JSON: veille.alerts keeps only the latest row of an
	// incident once merged, so the timeline cannot be read there.
	ActionDetector = "detector"
)

// Bounds on what people type.
const (
	MaxNoteChars     = 2000
	MaxAssigneeBytes = 200
)

// IncidentAction is one row of veille.incident_actions.
type IncidentAction struct {
	IncidentID     string    `json:"incident_id"`
	Brand          string    `json:"brand"`
	ID             string    `json:"action_id"`
	Action         string    `json:"action"`
	Actor          string    `json:"actor"`
	At             time.Time `json:"at"`
	Assignee       string    `json:"assignee,omitempty"`
	Note           string    `json:"note,omitempty"`
	LinkedIncident string    `json:"linked_incident,omitempty"`
	Detail         string    `json:"detail,omitempty"`
}

// Validate checks an action before it is stored and names the bad field.
func (a IncidentAction) Validate() error {
	switch a.Action {
	case ActionAcknowledged, ActionResolved, ActionReopened, ActionAssigned, ActionNote, ActionLinked, ActionFollowed, ActionDetector:
	default:
		return fmt.Errorf("%w: action must be acknowledged, resolved, reopened, assigned, note, linked, followed or detector, got %q", ErrBadFilter, a.Action)
	}
	switch {
	case a.IncidentID == "" || len(a.IncidentID) > 200:
		return fmt.Errorf("%w: incident_id must be 1-200 bytes", ErrBadFilter)
	case a.Actor == "" || len(a.Actor) > 200:
		return fmt.Errorf("%w: actor must be 1-200 bytes", ErrBadFilter)
	case len(a.Assignee) > MaxAssigneeBytes:
		return fmt.Errorf("%w: assignee longer than %d bytes", ErrBadFilter, MaxAssigneeBytes)
	case !utf8.ValidString(a.Note) || utf8.RuneCountInString(a.Note) > MaxNoteChars:
		return fmt.Errorf("%w: note must be valid text of at most %d characters", ErrBadFilter, MaxNoteChars)
	case a.Action == ActionNote && strings.TrimSpace(a.Note) == "":
		return fmt.Errorf("%w: note is empty", ErrBadFilter)
	case len(a.Detail) > 4096 || len(a.LinkedIncident) > 200:
		return fmt.Errorf("%w: detail or linked_incident too long", ErrBadFilter)
	case a.At.IsZero():
		return fmt.Errorf("%w: at is missing", ErrBadFilter)
	}
	return nil
}

// NewActionID is a random action id (people's actions are each their own).
func NewActionID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

const actionCols = "incident_id, brand, action_id, action, actor, at, assignee, note, linked_incident, detail"

// InsertIncidentActions stores actions (idempotent on action_id).
func InsertIncidentActions(ctx context.Context, conn driver.Conn, db string, acts ...IncidentAction) error {
	t, err := table(db, "incident_actions")
	if err != nil {
		return err
	}
	if len(acts) == 0 {
		return nil
	}
	b, err := conn.PrepareBatch(ctx, fmt.Sprintf("INSERT INTO %s (%s)", t, actionCols))
	if err != nil {
		return queryErr("insert incident actions", err)
	}
	defer b.Abort()
	for _, a := range acts {
		if err := a.Validate(); err != nil {
			return err
		}
		if a.ID == "" {
			a.ID = NewActionID()
		}
		if err := b.Append(a.IncidentID, a.Brand, a.ID, a.Action, a.Actor, a.At.UTC().Truncate(time.Second),
			a.Assignee, a.Note, a.LinkedIncident, a.Detail); err != nil {
			return queryErr("insert incident actions", err)
		}
	}
	if err := b.Send(); err != nil {
		return queryErr("insert incident actions", err)
	}
	return nil
}

// IncidentActions returns the actions on these incidents, oldest first.
func IncidentActions(ctx context.Context, conn driver.Conn, db string, ids ...string) ([]IncidentAction, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	if len(ids) > 1000 {
		return nil, fmt.Errorf("%w: at most 1000 incident ids, got %d", ErrBadFilter, len(ids))
	}
	t, err := table(db, "incident_actions")
	if err != nil {
		return nil, err
	}
	q := fmt.Sprintf("SELECT %s FROM %s FINAL WHERE has(?, incident_id) ORDER BY at, action_id LIMIT 10000", actionCols, t)
	return queryAll(ctx, conn, "incident actions", q, []any{ids}, func(rows driver.Rows, a *IncidentAction) error {
		if err := rows.Scan(&a.IncidentID, &a.Brand, &a.ID, &a.Action, &a.Actor, &a.At, &a.Assignee, &a.Note, &a.LinkedIncident, &a.Detail); err != nil {
			return err
		}
		a.At = a.At.UTC()
		return nil
	})
}

// Handling is how people handled an incident, from its actions.
type Handling struct {
	Assignee   string           `json:"assignee,omitempty"`
	AssignedBy string           `json:"assigned_by,omitempty"`
	AssignedAt time.Time        `json:"assigned_at,omitzero"`
	AckBy      string           `json:"acknowledged_by,omitempty"`
	AckAt      time.Time        `json:"acknowledged_at,omitzero"`
	ResolvedBy string           `json:"resolved_by,omitempty"`
	ResolvedAt time.Time        `json:"resolved_at,omitzero"`
	ReopenedBy string           `json:"reopened_by,omitempty"`
	ReopenedAt time.Time        `json:"reopened_at,omitzero"`
	Notes      []IncidentAction `json:"notes,omitempty"`
	// Previous is the resolved incident this one follows; Next the one
	// that followed it (the crisis grew again after its resolution).
	Previous, PreviousDetail string
	Next                     string
}

// HandlingOf folds an incident's actions (oldest first): the latest
// assignment, acknowledgement and resolution win; a reopening clears the
// resolution before it.
func HandlingOf(acts []IncidentAction) Handling {
	var h Handling
	for _, a := range acts {
		switch a.Action {
		case ActionAssigned:
			h.Assignee, h.AssignedBy, h.AssignedAt = a.Assignee, a.Actor, a.At
		case ActionAcknowledged:
			h.AckBy, h.AckAt = a.Actor, a.At
		case ActionResolved:
			h.ResolvedBy, h.ResolvedAt = a.Actor, a.At
		case ActionReopened:
			h.ReopenedBy, h.ReopenedAt = a.Actor, a.At
			h.ResolvedBy, h.ResolvedAt = "", time.Time{}
		case ActionNote:
			h.Notes = append(h.Notes, a)
		case ActionLinked:
			h.Previous, h.PreviousDetail = a.LinkedIncident, a.Detail
		case ActionFollowed:
			h.Next = a.LinkedIncident
		}

	}
	return h
}

// DetectorEvent is one event of the alerter on an incident.
type DetectorEvent struct {
	Seq        uint64    `json:"seq"`
	Event      string    `json:"event"`
	Severity   uint8     `json:"severity"`
	At         time.Time `json:"at"`
	CountTotal uint32    `json:"count_total"`
	CountNeg   uint32    `json:"count_neg"`
	ResolvedBy string    `json:"resolved_by,omitempty"`
}

// DetectorAction is the incident_actions row of a detector event (its id
// is <incident>:<seq>, so a replay stores it once).
func DetectorAction(incident, brand string, e DetectorEvent) IncidentAction {
	d, _ := json.Marshal(e)
	return IncidentAction{IncidentID: incident, Brand: brand, ID: incident + ":" + strconv.FormatUint(e.Seq, 10),
		Action: ActionDetector, Actor: "veille", At: e.At, Detail: string(d)}
}

// DetectorEvents are the detector events among an incident's actions,
// oldest first.
func DetectorEvents(acts []IncidentAction) []DetectorEvent {
	var out []DetectorEvent
	for _, a := range acts {
		var e DetectorEvent
		if a.Action != ActionDetector || json.Unmarshal([]byte(a.Detail), &e) != nil {
			continue
		}
		e.At = e.At.UTC()
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b DetectorEvent) int { return cmp.Compare(a.Seq, b.Seq) })
	return out
}

// Sorts of an incident's mentions.
const (
	SortInfluence  = "influence"
	SortNegativity = "negativity"
	SortRecent     = "recent"
)

// IncidentMentionsQuery pages and filters the mentions behind an incident.
type IncidentMentionsQuery struct {
	Sort           string // influence (default), negativity, recent
	Sentiment      string // neg, neu, pos
	InfluencerOnly bool
	ToxicOnly      bool
	Query          string
	Offset, Limit  int // Limit defaults to 50, at most 500
}

// MentionPage is one page of mentions and the total count.
type MentionPage struct {
	Mentions []Mention `json:"mentions"`
	Total    uint64    `json:"total"`
	Offset   int       `json:"offset"`
	Limit    int       `json:"limit"`
}

// IncidentMentions returns the mentions behind an incident: the brand's
// mentions collected from one detection window before it opened until it
// was resolved (or now), restricted to the class its rule counts
// (influencers' negative mentions, toxic ones, non-positive ones for
// crisis vocabulary), as the alerter counts them (by collected_at).
func IncidentMentions(ctx context.Context, conn driver.Conn, db string, inc Incident, q IncidentMentionsQuery, now time.Time) (MentionPage, error) {
	if q.Limit == 0 {
		q.Limit = 50
	}
	switch {
	case q.Limit < 0 || q.Limit > 500:
		return MentionPage{}, fmt.Errorf("%w: limit must be in 1..500, got %d", ErrBadFilter, q.Limit)
	case q.Offset < 0 || q.Offset > MaxLimit:
		return MentionPage{}, fmt.Errorf("%w: offset must be in 0..%d, got %d", ErrBadFilter, MaxLimit, q.Offset)
	}
	order := "influence_score DESC, sentiment_score ASC, collected_at DESC, id"
	switch q.Sort {
	case "", SortInfluence:
		q.Sort = SortInfluence
	case SortNegativity:
		order = "sentiment_score ASC, influence_score DESC, collected_at DESC, id"
	case SortRecent:
		order = "published_at DESC, id"
	default:
		return MentionPage{}, fmt.Errorf("%w: sort must be influence, negativity or recent, got %q", ErrBadFilter, q.Sort)
	}
	f := Filter{Sentiment: q.Sentiment, InfluencerOnly: q.InfluencerOnly, ToxicOnly: q.ToxicOnly, Query: q.Query}
	if err := f.Validate(); err != nil {
		return MentionPage{}, err
	}
	t, err := table(db, "mentions")
	if err != nil {
		return MentionPage{}, err
	}
	w := f.where(true)
	w.add("brand = ?", inc.Brand)
	win := inc.WindowEnd.Sub(inc.WindowStart)
	w.add("collected_at >= toDateTime(?)", unix(inc.OpenedAt.Add(-win)))
	end := inc.ResolvedAt
	if end.IsZero() || inc.Active() {
		end = now
	}
	w.add("collected_at <= toDateTime(?)", unix(end))
	// As the alerter: a mention published long before it was collected
	// (a first crawl's history) is backfill, not buzz (its default
	// ignore_older_than, 48h).
	w.add("published_at >= collected_at - 172800")
	switch inc.Rule {
	case "influencer":
		w.add("is_influencer = 1 AND sentiment_label = 'neg'")
	case "toxic":
		w.add("(toxic = 1 OR notEmpty(toxicity))")
	case "crisis_terms":
		w.add("sentiment_label != 'pos'")
	}
	var p MentionPage
	p.Offset, p.Limit = q.Offset, q.Limit
	if err := conn.QueryRow(ctx, fmt.Sprintf("SELECT count() FROM %s FINAL WHERE %s", t, w.sql()), w.args...).Scan(&p.Total); err != nil {
		return p, queryErr("incident mentions count", err)
	}
	sel := fmt.Sprintf("SELECT %s FROM %s FINAL WHERE %s ORDER BY %s LIMIT %d, %d", mentionCols, t, w.sql(), order, q.Offset, q.Limit)
	p.Mentions, err = queryAll(ctx, conn, "incident mentions", sel, w.args, scanMention)
	return p, err
}

// incidentIDs lists the ids of incidents, sorted.
func incidentIDs(list []Incident) []string {
	ids := make([]string, 0, len(list))
	for _, i := range list {
		ids = append(ids, i.ID)
	}
	slices.Sort(ids)
	return ids
}

// HandlingByIncident returns the handling of each incident of list.
func HandlingByIncident(ctx context.Context, conn driver.Conn, db string, list []Incident) (map[string]Handling, error) {
	acts, err := IncidentActions(ctx, conn, db, incidentIDs(list)...)
	if err != nil {
		return nil, err
	}
	by := map[string][]IncidentAction{}
	for _, a := range acts {
		by[a.IncidentID] = append(by[a.IncidentID], a)
	}
	out := make(map[string]Handling, len(list))
	for _, i := range list {
		out[i.ID] = HandlingOf(by[i.ID])
	}
	return out, nil
}
