package deliver

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/veille-oss/veille/pkg/alert"
)

func outboxCfg() OutboxConfig {
	return OutboxConfig{BackoffBase: 50 * time.Millisecond, BackoffMax: 400 * time.Millisecond}
}

type statusLog struct {
	mu sync.Mutex
	s  []Status
}

func (l *statusLog) add(s Status) { l.mu.Lock(); l.s = append(l.s, s); l.mu.Unlock() }
func (l *statusLog) count(state string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, s := range l.s {
		if s.Status == state {
			n++
		}
	}
	return n
}

func waitKeys(t *testing.T, r *receiver, n int, d time.Duration) {
	t.Helper()
	deadline := time.After(d)
	for got := 0; got < n; {
		select {
		case <-r.notify:
			got++
		case <-deadline:
			t.Fatalf("only %d of %d deliveries arrived", got, n)
		}
	}
}

func TestOutboxChannelDownThenBack(t *testing.T) {
	_, _, js := startNATS(t, "")
	rcv, srv := newReceiver(t, testSecret, 4) // 503 x4, then up
	dc := Config{Channels: []ChannelConfig{webhookCfg(srv.URL, true)}, Routes: []Route{{Channels: []string{"hook"}}}}
	dc.Channels[0].RatePerMinute = 6000
	chans, err := Build(dc, nil)
	if err != nil {
		t.Fatal(err)
	}
	var st statusLog
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ob, err := NewOutbox(ctx, js, outboxCfg(), dc, chans, WithStatus(st.add))
	if err != nil {
		t.Fatal(err)
	}
	evs := []alert.Event{sampleEvent(alert.Opened, 1, 5), sampleEvent(alert.Updated, 2, 5), sampleEvent(alert.Escalated, 3, 7)}
	for _, ev := range evs {
		if _, err := ob.Enqueue(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	// enqueueing the same event again (a replayed mention) stores it once
	if _, err := ob.Enqueue(ctx, evs[1]); err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- ob.Run(runCtx) }()
	waitKeys(t, rcv, 3, 20*time.Second)
	time.Sleep(300 * time.Millisecond) // room for a wrong duplicate to show up
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	want := []string{evs[0].Key("hook"), evs[1].Key("hook"), evs[2].Key("hook")}
	if strings.Join(rcv.order, " ") != strings.Join(want, " ") {
		t.Fatalf("order %v, want %v", rcv.order, want)
	}
	for k, n := range rcv.byKey {
		if n != 1 {
			t.Errorf("%s received %d times", k, n)
		}
	}
	if rcv.calls != 3+4 {
		t.Fatalf("%d HTTP calls, want 3 deliveries + 4 refused", rcv.calls)
	}
	if st.count(StatusRetrying) != 4 || st.count(StatusDelivered) != 3 {
		t.Fatalf("statuses: %+v", st.s)
	}
	// the work queue is empty once delivered
	info, err := js.Stream(ctx, "ALERTS_OUTBOX")
	if err != nil {
		t.Fatal(err)
	}
	if si, _ := info.Info(ctx); si.State.Msgs != 0 {
		t.Fatalf("%d messages left in the outbox", si.State.Msgs)
	}
}

func TestOutboxSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	s, nc, js := startNATS(t, dir)
	rcv, srv := newReceiver(t, testSecret, 1<<30) // down for now
	dc := Config{Channels: []ChannelConfig{webhookCfg(srv.URL, true)}, Routes: []Route{{Channels: []string{"hook"}}}}
	chans, _ := Build(dc, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ob, err := NewOutbox(ctx, js, outboxCfg(), dc, chans)
	if err != nil {
		t.Fatal(err)
	}
	ev := sampleEvent(alert.Opened, 1, 9)
	if _, err := ob.Enqueue(ctx, ev); err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- ob.Run(runCtx) }()
	time.Sleep(500 * time.Millisecond) // a few refused attempts
	stop()
	<-done
	nc.Close()
	s.Shutdown()
	s.WaitForShutdown()

	// the whole server restarts on the same store; the channel comes back
	rcv.mu.Lock()
	refused := rcv.calls
	rcv.fail = 0
	rcv.mu.Unlock()
	if refused < 2 {
		t.Fatalf("only %d attempts while down", refused)
	}
	_, _, js2 := startNATS(t, dir)
	ob2, err := NewOutbox(ctx, js2, outboxCfg(), dc, chans)
	if err != nil {
		t.Fatal(err)
	}
	runCtx2, stop2 := context.WithCancel(ctx)
	go func() { done <- ob2.Run(runCtx2) }()
	waitKeys(t, rcv, 1, 20*time.Second)
	stop2()
	<-done
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	if rcv.byKey[ev.Key("hook")] != 1 {
		t.Fatalf("delivered %d times", rcv.byKey[ev.Key("hook")])
	}
}

// natsPub adapts a core NATS connection to Publisher, as the alerter does.
type natsPub struct{ nc *nats.Conn }

func (p natsPub) Publish(_ context.Context, subject string, data []byte) error {
	return p.nc.Publish(subject, data)
}

func TestNATSChannel(t *testing.T) {
	_, nc, _ := startNATS(t, "")
	sub, err := nc.SubscribeSync("alerts.>")
	if err != nil {
		t.Fatal(err)
	}
	dc := Config{Channels: []ChannelConfig{{Name: "bus", Type: TypeNATS}}}.Resolve(nil)
	chans, err := Build(dc, natsPub{nc})
	if err != nil {
		t.Fatal(err)
	}
	ev := sampleEvent(alert.Opened, 1, 6)
	ev.Incident.Brand = "Duval & Fils"
	if err := chans["bus"].Send(context.Background(), Message{Key: ev.Key("bus"), Event: ev, SentAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	msg, err := sub.NextMsg(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var p Payload
	if err := json.Unmarshal(msg.Data, &p); err != nil || msg.Subject != "alerts.duval___fils" || p.Incident.ID != ev.Incident.ID {
		t.Fatalf("subject %q payload %+v (%v)", msg.Subject, p, err)
	}
	if _, err := Build(dc, nil); err == nil {
		t.Fatal("a nats channel without publisher was built")
	}
}
