package analytics_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/store/analytics"
)

func TestModerationQueue(t *testing.T) {
	st := setup(t)
	ctx := context.Background()
	conn, db := st.Conn, st.DB
	var ms []*mention.Mention
	for i, txt := range []string{"Duval bande de connards", "Duval sale con", "Duval je vais te retrouver"} {
		m := fx{brand: "Duval", kind: "forum", source: "conso", lang: "fr", sent: "neg", author: "Troll", at: time.Duration(30+i) * time.Hour, toxic: true, terms: []string{"Duval"}, text: txt}.mention(200 + i)
		ms = append(ms, m)
	}
	if err := st.InsertMentions(ctx, ms, groups); err != nil {
		t.Fatal(err)
	}
	f := analytics.Filter{Brand: "Duval"}
	todo, err := analytics.ModerationQueue(ctx, conn, db, f, analytics.QueueTodo)
	if err != nil {
		t.Fatal(err)
	}
	// 3 new + 1 toxic in the fixture, newest first.
	if len(todo) != 4 || todo[0].ID != ms[2].ID || todo[0].Status != analytics.ModPending {
		t.Fatalf("queue: %d items, first %+v", len(todo), todo)
	}
	now := base.Add(72 * time.Hour)
	if _, err := analytics.SetModeration(ctx, conn, db, ms[2].ID, analytics.ModHandled, "alice", now); err != nil {
		t.Fatal(err)
	}
	if _, err := analytics.SetModeration(ctx, conn, db, ms[1].ID, analytics.ModIgnored, "bob", now); err != nil {
		t.Fatal(err)
	}
	count := func(view string) uint64 {
		n, err := analytics.ModerationCount(ctx, conn, db, f, view)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if a, b, c, d := count(analytics.QueueTodo), count(analytics.QueueHandled), count(analytics.QueueIgnored), count(analytics.QueueAll); a != 2 || b != 1 || c != 1 || d != 4 {
		t.Fatalf("todo %d, handled %d, ignored %d, all %d; want 2 1 1 4", a, b, c, d)
	}
	handled, err := analytics.ModerationQueue(ctx, conn, db, f, analytics.QueueHandled)
	if err != nil || len(handled) != 1 || handled[0].By != "alice" || !handled[0].At.Equal(now) || handled[0].Status != analytics.ModHandled {
		t.Fatalf("handled: %+v %v", handled, err)
	}
	// Put back in the queue: the later decision wins.
	if _, err := analytics.SetModeration(ctx, conn, db, ms[2].ID, analytics.ModPending, "alice", now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if n := count(analytics.QueueTodo); n != 3 {
		t.Fatalf("after putting back: %d to handle, want 3", n)
	}
	// Bad input.
	if _, err := analytics.SetModeration(ctx, conn, db, ms[0].ID, "done", "alice", now); !errors.Is(err, analytics.ErrBadFilter) {
		t.Fatalf("bad status: %v", err)
	}
	if _, err := analytics.SetModeration(ctx, conn, db, "0123456789abcdef", analytics.ModHandled, "alice", now); !errors.Is(err, analytics.ErrNotFound) {
		t.Fatalf("unknown mention: %v", err)
	}
	all, _ := analytics.Search(ctx, conn, db, analytics.Filter{Brand: "Blanchard", Limit: 1})
	if _, err := analytics.SetModeration(ctx, conn, db, all[0].ID, analytics.ModHandled, "alice", now); !errors.Is(err, analytics.ErrBadFilter) {
		t.Fatalf("non-toxic mention: %v", err)
	}
	if _, err := analytics.ModerationQueue(ctx, conn, db, f, "later"); !errors.Is(err, analytics.ErrBadFilter) {
		t.Fatalf("bad view: %v", err)
	}
}
