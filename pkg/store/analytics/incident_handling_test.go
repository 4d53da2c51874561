package analytics_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/store/analytics"
)

func TestIncidentHandling(t *testing.T) {
	st := setup(t)
	ctx := context.Background()
	conn, db := st.Conn, st.DB
	insertAlert(t, st, "inc-h", "Duval", "open", 1_000_000, base.Add(10*time.Minute), nil)
	insertAlert(t, st, "inc-h", "Duval", "open", 1_000_003, base.Add(10*time.Minute), nil) // delivery progress, same event
	insertAlert(t, st, "inc-h", "Duval", "open", 2_000_000, base.Add(20*time.Minute), nil)
	if _, err := analytics.SetIncidentStatus(ctx, conn, db, "inc-h", analytics.StatusResolved, base.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	acts := []analytics.IncidentAction{
		{IncidentID: "inc-h", Brand: "Duval", Action: analytics.ActionAssigned, Actor: "alice", At: base.Add(30 * time.Minute), Assignee: "bob"},
		{IncidentID: "inc-h", Brand: "Duval", Action: analytics.ActionNote, Actor: "bob", At: base.Add(40 * time.Minute), Note: "Réponse publiée sur le forum ; rappel du lot 42 confirmé."},
		{IncidentID: "inc-h", Brand: "Duval", Action: analytics.ActionResolved, Actor: "bob", At: base.Add(2 * time.Hour)},
		{IncidentID: "inc-h", Brand: "Duval", ID: "inc-h:followed", Action: analytics.ActionFollowed, Actor: "veille", At: base.Add(3 * time.Hour), LinkedIncident: "inc-n"},
	}
	if err := analytics.InsertIncidentActions(ctx, conn, db, acts...); err != nil {
		t.Fatal(err)
	}
	// the alerter's link row is idempotent on its action id
	if err := analytics.InsertIncidentActions(ctx, conn, db, acts[3]); err != nil {
		t.Fatal(err)
	}
	got, err := analytics.IncidentActions(ctx, conn, db, "inc-h")
	if err != nil || len(got) != 4 || got[0].Action != "assigned" || got[3].Action != "followed" {
		t.Fatalf("actions %+v %v", got, err)
	}
	h := analytics.HandlingOf(got)
	if h.Assignee != "bob" || h.AssignedBy != "alice" || h.ResolvedBy != "bob" || !h.ResolvedAt.Equal(base.Add(2*time.Hour)) ||
		len(h.Notes) != 1 || h.Notes[0].Actor != "bob" || h.Next != "inc-n" {
		t.Fatalf("handling %+v", h)
	}
	if h2 := analytics.HandlingOf(append(got, analytics.IncidentAction{Action: analytics.ActionReopened, Actor: "carol", At: base.Add(4 * time.Hour)})); h2.ResolvedBy != "" || h2.ReopenedBy != "carol" {
		t.Fatalf("a reopening keeps the resolution: %+v", h2)
	}
	for _, bad := range []analytics.IncidentAction{
		{IncidentID: "inc-h", Action: "delete", Actor: "x", At: base},
		{IncidentID: "inc-h", Action: analytics.ActionNote, Actor: "x", At: base, Note: "  "},
		{IncidentID: "inc-h", Action: analytics.ActionNote, Actor: "x", At: base, Note: string(make([]rune, 2001))},
		{IncidentID: "", Action: analytics.ActionNote, Actor: "x", At: base, Note: "n"},
	} {
		if err := analytics.InsertIncidentActions(ctx, conn, db, bad); !errors.Is(err, analytics.ErrBadFilter) {
			t.Fatalf("bad action %+v accepted: %v", bad.Action, err)
		}
	}

	// The detector's timeline: its events as the recorder stores them
	// (twice for the replay of event 2: stored once).
	det := []analytics.IncidentAction{
		analytics.DetectorAction("inc-h", "Duval", analytics.DetectorEvent{Seq: 2, Event: "escalated", Severity: 7, At: base.Add(20 * time.Minute), CountTotal: 40, CountNeg: 30}),
		analytics.DetectorAction("inc-h", "Duval", analytics.DetectorEvent{Seq: 1, Event: "opened", Severity: 5, At: base.Add(10 * time.Minute), CountTotal: 20, CountNeg: 18}),
		analytics.DetectorAction("inc-h", "Duval", analytics.DetectorEvent{Seq: 2, Event: "escalated", Severity: 7, At: base.Add(20 * time.Minute), CountTotal: 40, CountNeg: 30}),
	}
	if err := analytics.InsertIncidentActions(ctx, conn, db, det...); err != nil {
		t.Fatal(err)
	}
	all, err := analytics.IncidentActions(ctx, conn, db, "inc-h")
	if err != nil {
		t.Fatal(err)
	}
	evs := analytics.DetectorEvents(all)
	if len(evs) != 2 || evs[0].Seq != 1 || evs[1].Event != "escalated" || evs[1].Severity != 7 || !evs[1].At.Equal(base.Add(20*time.Minute)) {
		t.Fatalf("events %+v", evs)
	}
	if h := analytics.HandlingOf(all); h.Assignee != "bob" || h.ResolvedBy != "bob" {
		t.Fatalf("detector rows change the handling: %+v", h)
	}

	// Mentions behind it: Duval collected from one window (1h) before it
	// opened until its resolution (base+2h): the three of the first 90 min.
	inc, err := analytics.IncidentByID(ctx, conn, db, "inc-h")
	if err != nil {
		t.Fatal(err)
	}
	now := base.Add(48 * time.Hour)
	p, err := analytics.IncidentMentions(ctx, conn, db, inc, analytics.IncidentMentionsQuery{Limit: 2}, now)
	if err != nil || p.Total != 3 || len(p.Mentions) != 2 || p.Mentions[0].AuthorName != "Jean Influent" {
		t.Fatalf("page 1 by influence: total %d, %+v, %v", p.Total, p.Mentions, err)
	}
	p2, err := analytics.IncidentMentions(ctx, conn, db, inc, analytics.IncidentMentionsQuery{Limit: 2, Offset: 2}, now)
	if err != nil || len(p2.Mentions) != 1 || p2.Mentions[0].ID == p.Mentions[0].ID || p2.Mentions[0].ID == p.Mentions[1].ID {
		t.Fatalf("page 2: %+v %v", p2.Mentions, err)
	}
	neg, err := analytics.IncidentMentions(ctx, conn, db, inc, analytics.IncidentMentionsQuery{Sort: analytics.SortNegativity, Sentiment: "neg"}, now)
	if err != nil || neg.Total != 2 || neg.Mentions[0].Sentiment != "neg" {
		t.Fatalf("negative only: %+v %v", neg, err)
	}
	if _, err := analytics.IncidentMentions(ctx, conn, db, inc, analytics.IncidentMentionsQuery{Sort: "random"}, now); !errors.Is(err, analytics.ErrBadFilter) {
		t.Fatalf("bad sort: %v", err)
	}
}
