package alerter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/veille-oss/veille/pkg/alert"
	"github.com/veille-oss/veille/pkg/alert/deliver"
	"github.com/veille-oss/veille/pkg/store"
	"github.com/veille-oss/veille/pkg/store/analytics"
)

// maxQueuedActions bounds the people's actions waiting for the next cycle;
// a burst beyond it is read again at the next leadership term.
const maxQueuedActions = 10000

// actionQueue hands people's actions (alert.ActionsBucket) from the KV
// watcher to the processor, which owns the engine.
type actionQueue struct {
	mu   sync.Mutex
	acts []alert.HumanAction
}

func (q *actionQueue) push(a alert.HumanAction) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.acts) >= maxQueuedActions {
		return false
	}
	q.acts = append(q.acts, a)
	return true
}

func (q *actionQueue) take() []alert.HumanAction {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := q.acts
	q.acts = nil
	return out
}

// watchActions reads every incident's latest action at start, then each
// new one, into q until ctx ends. The console puts them when a person
// acknowledges, resolves or reopens an incident.
func (a *alerter) watchActions(ctx context.Context, q *actionQueue) error {
	kv, err := alert.OpenActions(ctx, a.env.Bus.JS, a.env.Config.NATS.Replicas)
	if err != nil {
		return fmt.Errorf("alerter: %w", err)
	}
	w, err := kv.WatchAll(ctx, jetstream.IgnoreDeletes())
	if err != nil {
		return fmt.Errorf("alerter: watch %s: %w", alert.ActionsBucket, err)
	}
	defer func() { _ = w.Stop() }()
	initial := 0
	for {
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-w.Updates():
			if !ok {
				return errors.New("alerter: actions watcher closed")
			}
			if e == nil { // the current values have all been read
				a.log.Info("people's incident actions read", "actions", initial)
				continue
			}
			initial++
			var h alert.HumanAction
			if len(e.Value()) > 4096 || json.Unmarshal(e.Value(), &h) != nil || h.Validate() != nil {
				a.log.Warn("unusable incident action skipped", "key", e.Key())
				continue
			}
			if !q.push(h) {
				a.log.Warn("incident actions queue full; action read again at the next term", "incident", h.IncidentID)
			}
		}
	}
}

// linkRows are the incident_actions rows telling that a new incident
// follows one a person resolved: linked on the new one (with why), followed
// on the old one. Their ids are fixed, so a replay stores them once.
func linkRows(inc alert.Incident) []analytics.IncidentAction {
	if inc.Previous == "" {
		return nil
	}
	detail := ""
	if inc.Regrowth != nil {
		b, _ := json.Marshal(inc.Regrowth)
		detail = string(b)
	}
	at := inc.OpenedAt.UTC()
	return []analytics.IncidentAction{
		{IncidentID: inc.ID, Brand: inc.Brand, ID: inc.ID + ":linked", Action: analytics.ActionLinked, Actor: "veille", At: at,
			LinkedIncident: inc.Previous, Detail: detail},
		{IncidentID: inc.Previous, Brand: inc.Brand, ID: inc.Previous + ":followed", Action: analytics.ActionFollowed, Actor: "veille", At: at,
			LinkedIncident: inc.ID},
	}
}

// detectorRow is the timeline row of an event (veille.alerts keeps only an
// incident's latest row once merged).
func detectorRow(p deliver.Payload) analytics.IncidentAction {
	inc := p.Incident
	return analytics.DetectorAction(inc.ID, inc.Brand, analytics.DetectorEvent{
		Seq: uint64(max(0, inc.Seq)), Event: string(p.Event), Severity: uint8(max(1, min(10, inc.Severity))), At: inc.UpdatedAt.UTC().Truncate(time.Second),
		CountTotal: u32(inc.Counts.Total), CountNeg: u32(inc.Counts.Neg), ResolvedBy: inc.ResolvedBy,
	})
}

func (r *recorder) insertLinks(ctx context.Context, acts []analytics.IncidentAction) error {
	if len(acts) == 0 {
		return nil
	}
	if r.st == nil {
		return fmt.Errorf("%w: not connected", store.ErrUnavailable)
	}
	ictx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return analytics.InsertIncidentActions(ictx, r.st.Conn, r.st.DB, acts...)
}
