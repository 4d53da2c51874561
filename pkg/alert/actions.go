package alert

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// ActionsBucket is the NATS KV bucket where the console records what people
// do to incidents (key: incident id, value: the latest HumanAction as JSON).
// The alerter reads it at start and watches it, so a person's resolution
// holds through the detector's later readings.
const ActionsBucket = "VEILLE_INCIDENTS"

// ActionsTTL is how long the bucket keeps an incident's latest action: far
// beyond any cooldown, so a restart still knows who resolved what.
const ActionsTTL = 30 * 24 * time.Hour

// ActionsKV is the bucket's configuration; the console (writer) and the
// alerter (reader) both create it with this, so neither undoes the other's.
func ActionsKV(replicas int) jetstream.KeyValueConfig {
	return jetstream.KeyValueConfig{
		Bucket: ActionsBucket, Description: "veille: people's latest action per incident (console -> alerter)",
		History: 1, TTL: ActionsTTL, Storage: jetstream.FileStorage, Replicas: max(replicas, 1),
	}
}

// OpenActions opens (or creates) the actions bucket.
func OpenActions(ctx context.Context, js jetstream.JetStream, replicas int) (jetstream.KeyValue, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, ActionsKV(replicas))
	if err != nil {
		return nil, fmt.Errorf("kv bucket %s: %w", ActionsBucket, err)
	}
	return kv, nil
}

// PutAction records a as its incident's latest action.
func PutAction(ctx context.Context, kv jetstream.KeyValue, a HumanAction) error {
	if err := a.Validate(); err != nil {
		return err
	}
	data, err := json.Marshal(a)
	if err != nil {
		return err
	}
	if _, err := kv.Put(ctx, a.IncidentID, data); err != nil {
		return fmt.Errorf("%s %s: %w", ActionsBucket, a.IncidentID, err)
	}
	return nil
}

// Human actions on an incident.
const (
	ActionAcknowledged = "acknowledged"
	ActionResolved     = "resolved"
	ActionReopened     = "reopened"
)

// ErrAction is wrapped by invalid human actions.
var ErrAction = errors.New("invalid incident action")

// HumanAction is what a person did to an incident, as the alerter reads it.
type HumanAction struct {
	IncidentID string    `json:"incident_id"`
	Brand      string    `json:"brand"`
	Action     string    `json:"action"`
	By         string    `json:"by"`
	At         time.Time `json:"at"`
}

// Validate checks the action's fields.
func (a HumanAction) Validate() error {
	switch {
	case a.IncidentID == "" || len(a.IncidentID) > 200 || strings.Trim(a.IncidentID, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != "":
		return fmt.Errorf("%w: incident_id must be 1-200 letters, digits, - or _", ErrAction)
	case a.Action != ActionAcknowledged && a.Action != ActionResolved && a.Action != ActionReopened:
		return fmt.Errorf("%w: action must be acknowledged, resolved or reopened, got %q", ErrAction, a.Action)
	case a.At.IsZero():
		return fmt.Errorf("%w: at is missing", ErrAction)
	}
	return nil
}

// Regrowth says why an incident opened after a person resolved the one
// before it: the detector's level in the window at that resolution and now.
type Regrowth struct {
	// Measure is what is counted in the window: neg, influencer, toxic or crisis.
	Measure string `json:"measure"`
	// Held is the level a new incident had to reach (twice the level at
	// the resolution, at least the previous peak); Now is the level reached.
	AtResolution int           `json:"at_resolution"`
	Held         int           `json:"held"`
	Now          int           `json:"now"`
	Window       time.Duration `json:"window_ns"`
	ResolvedBy   string        `json:"resolved_by,omitempty"`
}

// measureOf is what the detector of a cause counts in the window.
func measureOf(cause string) string {
	switch family(cause) {
	case CauseInfluencer:
		return "influencer"
	case CauseToxic:
		return "toxic"
	case CauseCrisis:
		return "crisis"
	}
	return "neg"
}

// winAt is the window's tally as it stands at bucket idx, without moving
// the ring (a resolution long after the last mention sees a quiet window).
func (r *ring) winAt(idx int64) tally {
	var w tally
	if r.Head < 0 {
		return w
	}
	n := int64(len(r.Slots))
	for i := max(r.Head-n+1, idx-n+1); i <= min(r.Head, idx); i++ {
		w.add(r.Slots[int(mod(i, n))])
	}
	return w
}

// level is the window's count of measure at t.
func (b *brandState) level(measure string, t time.Time) int {
	w := b.Ring.winAt(b.Ring.index(t))
	switch measure {
	case "influencer":
		return w.Infl
	case "toxic":
		return w.Toxic
	case "crisis":
		return w.Crisis
	}
	return w.Neg
}

// Apply records a person's action on an incident and returns the events it
// causes. A resolution closes the incident at once (a resolved event with
// ResolvedBy) and holds it: later detector readings at the same level feed
// nothing and reopen nothing; only a real new rise (the window's level at
// least twice the level at resolution, and at least the incident's peak)
// opens a new incident linked to it (Previous, Regrowth). A reopening
// makes it open again. Actions older than the last one applied, and
// actions on incidents the engine no longer keeps, change nothing.
func (e *Engine) Apply(a HumanAction) []Event {
	if a.Validate() != nil {
		return nil
	}
	now := e.clock().UTC()
	e.mu.Lock()
	defer e.mu.Unlock()
	var key string
	var st *incState
	for k, s := range e.incidents {
		if s.Inc.ID == a.IncidentID {
			key, st = k, s
			break
		}
	}
	if st == nil || !a.At.After(st.HumanAt) {
		return nil
	}
	st.HumanAt = a.At
	bk, _, _ := strings.Cut(key, "\x00")
	rl := e.cfg.rulesFor(bk)
	b := e.brands[bk]
	if b != nil {
		rl = b.rules
	}
	inc := &st.Inc
	switch a.Action {
	case ActionResolved:
		lvl := 0
		if b != nil {
			lvl = b.level(measureOf(inc.Cause), now)
		}
		st.Held, st.HeldAt, st.HeldBy = true, lvl, a.By
		if !inc.Open() {
			return nil // already resolved by the detector: only the hold changes
		}
		inc.ResolvedAt, inc.ResolvedBy = now, a.By
		inc.Seq++
		inc.UpdatedAt = now
		st.Dirty = false
		st.LastNotified = now
		return []Event{{Kind: Resolved, Incident: inc.clone()}}
	case ActionReopened:
		st.Held, st.HeldAt, st.HeldBy = false, 0, ""
		if inc.Open() {
			return nil
		}
		inc.ResolvedAt, inc.ResolvedBy = time.Time{}, ""
		inc.Reopens++
		st.LastFire = now // resolve_after counts from the reopening
		st.Dirty = true
		st.LastNotified = time.Time{}
		return e.emit(nil, st, &rl, now)
	}
	return nil
}

// heldThreshold is the window level a held incident's detector must reach
// for a new incident: twice the level at resolution, at least the peak.
func (st *incState) heldThreshold(rl *Rules) int {
	floor := 1
	if measureOf(st.Inc.Cause) == "neg" {
		floor = max(rl.MinCount, st.Inc.Peak)
	}
	return max(2*st.HeldAt, floor)
}

// held handles a detector firing for a cause whose incident a person
// resolved: it reports whether the firing is absorbed (no event), and
// otherwise replaces the held incident by a new one linked to it. e.mu is held.
func (e *Engine) held(b *brandState, st *incState, key, cause string, t time.Time) (absorbed bool) {
	if st == nil || st.Inc.Open() || !st.Held {
		return false
	}
	rl := &b.rules
	m := measureOf(cause)
	lvl, thr := b.level(m, t), st.heldThreshold(rl)
	if lvl < thr {
		st.LastFire = t // the crisis goes on at its level: keep holding
		return true
	}
	prev := st.Inc
	delete(e.incidents, key)
	e.relapse[key] = relapse{Previous: prev.ID, Regrowth: Regrowth{
		Measure: m, AtResolution: st.HeldAt, Held: thr, Now: lvl, Window: rl.Window, ResolvedBy: st.HeldBy,
	}}
	return false
}

// relapse is the link a new incident carries to the held one it follows.
type relapse struct {
	Previous string
	Regrowth Regrowth
}

// linkRelapse sets the link on an incident just opened for key.
func (e *Engine) linkRelapse(key string) {
	r, ok := e.relapse[key]
	if !ok {
		return
	}
	delete(e.relapse, key)
	if st := e.incidents[key]; st != nil && st.Inc.Seq == 0 {
		st.Inc.Previous = r.Previous
		g := r.Regrowth
		st.Inc.Regrowth = &g
	}
}

// holdOver reports whether a held, resolved incident may be forgotten: its
// cooldown is over and its detector has been quiet for resolve_after.
func holdOver(st *incState, rl *Rules, now time.Time) bool {
	if now.Sub(st.Inc.ResolvedAt) < rl.Cooldown {
		return false
	}
	return !st.Held || now.Sub(st.LastFire) >= rl.ResolveAfter
}
