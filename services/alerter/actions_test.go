package alerter_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/alert"
	"github.com/veille-oss/veille/pkg/store/analytics"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
)

// TestManualResolveHolds runs the service as deployed: a person resolves
// the incident (the console's KV put), the alerter announces the
// resolution, absorbs the crisis going on at its level, and opens a new
// incident linked to the old one only when it truly grows again.
func TestManualResolveHolds(t *testing.T) {
	cfg := testenv.Config(t)
	b := testenv.Bus(t, cfg)
	st := testenv.Store(t, cfg)
	h := newHook(t)
	setAlerting(t, cfg, alertingYAML(h.srv.URL))
	start(t, cfg, b, st, "a1")
	ctx := context.Background()

	publishAll(t, b, storm("Duval", 40))
	first := waitEvent(t, h, alert.Opened, 15*time.Second).Inc

	kv, err := alert.OpenActions(ctx, b.JS, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := alert.PutAction(ctx, kv, alert.HumanAction{IncidentID: first.ID, Brand: "Duval", Action: alert.ActionResolved, By: "alice", At: time.Now().UTC()}); err != nil {
		t.Fatal(err)
	}
	res := waitEvent(t, h, alert.Resolved, 10*time.Second).Inc
	if res.ID != first.ID || res.ResolvedBy != "alice" {
		t.Fatalf("resolved event %s by %q, want %s by alice", res.ID, res.ResolvedBy, first.ID)
	}
	testenv.Eventually(t, 20*time.Second, "veille.alerts says resolved", func() (bool, string) {
		inc, err := analytics.IncidentByID(ctx, st.Conn, st.DB, first.ID)
		return err == nil && inc.Status == analytics.StatusResolved, fmt.Sprint(inc.Status, err)
	})
	before := len(streamEvents(t, b, "Duval"))

	// The crisis goes on below its peak after the window passed: held.
	time.Sleep(11 * time.Second)
	publishAll(t, b, storm("Duval", 30))
	waitIdle(t, b)
	time.Sleep(time.Second) // a tick
	if evs := streamEvents(t, b, "Duval"); len(evs) != before {
		last := evs[len(evs)-1]
		t.Fatalf("the detector undid the manual resolution: %d events after it, last %s on %s", len(evs)-before, last.Event, last.Incident.ID)
	}
	if inc, _ := analytics.IncidentByID(ctx, st.Conn, st.DB, first.ID); inc.Status != analytics.StatusResolved {
		t.Fatalf("incident is %s after detector activity", inc.Status)
	}

	// It truly grows: a new incident, linked, with why.
	publishAll(t, b, storm("Duval", 200))
	next := waitEvent(t, h, alert.Opened, 15*time.Second).Inc
	if next.ID == first.ID || next.Previous != first.ID || next.Regrowth == nil || next.Regrowth.Now < next.Regrowth.Held {
		t.Fatalf("new incident %s previous %q regrowth %+v", next.ID, next.Previous, next.Regrowth)
	}
	testenv.Eventually(t, 20*time.Second, "incident_actions link both incidents", func() (bool, string) {
		acts, err := analytics.IncidentActions(ctx, st.Conn, st.DB, first.ID, next.ID)
		if err != nil {
			return false, err.Error()
		}
		var olds, news []analytics.IncidentAction
		for _, a := range acts {
			if a.IncidentID == first.ID {
				olds = append(olds, a)
			} else {
				news = append(news, a)
			}
		}
		hOld, hNew := analytics.HandlingOf(olds), analytics.HandlingOf(news)
		return hOld.Next == next.ID && hNew.Previous == first.ID && hNew.PreviousDetail != "", fmt.Sprintf("%+v", acts)
	})
	// The detector's timeline of the held incident survives merges of veille.alerts.
	acts, err := analytics.IncidentActions(ctx, st.Conn, st.DB, first.ID)
	if err != nil {
		t.Fatal(err)
	}
	evs := analytics.DetectorEvents(acts)
	if len(evs) < 2 || evs[0].Event != "opened" || evs[len(evs)-1].Event != "resolved" || evs[len(evs)-1].ResolvedBy != "alice" {
		t.Fatalf("detector timeline %+v", evs)
	}
	t.Logf("held %s (resolved by alice); new incident %s: %+v", first.ID, next.ID, *next.Regrowth)
}
