package sink_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/platform/bus"
	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/platform/service"
	"github.com/veille-oss/veille/pkg/store"
	"github.com/veille-oss/veille/pkg/tooling/loadgen"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
	"github.com/veille-oss/veille/services/sink"
)

// start runs fn in the background until the returned stop is called.
func start(t *testing.T, env *service.Env, fn service.Func) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := fn(ctx, env); err != nil && ctx.Err() == nil {
			t.Errorf("service: %v", err)
		}
	}()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); wg.Wait() }) }
	t.Cleanup(stop)
	return stop
}

// enriched sends loadgen's mentions straight to the sink's input.
func enriched(*mention.Mention) string { return bus.EnrichedSubject("fr") }

func publish(t *testing.T, b *bus.Bus, seed uint64, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	got, err := loadgen.Publish(ctx, b, &loadgen.Generator{Seed: seed}, loadgen.Options{Count: n, Subject: enriched})
	if err != nil || got != n {
		t.Fatalf("published %d/%d: %v", got, n, err)
	}
}

func waitCount(t *testing.T, st *store.Store, want uint64, timeout time.Duration) {
	t.Helper()
	testenv.Eventually(t, timeout, fmt.Sprintf("count() FINAL = %d", want), func() (bool, string) {
		n, err := st.CountMentions(context.Background(), "")
		return err == nil && n == want, fmt.Sprintf("%d (err %v)", n, err)
	})
}

// exactlyOnce checks every mention is stored once after FINAL and counts the
// physical duplicates ReplacingMergeTree will fold.
func exactlyOnce(t *testing.T, st *store.Store, want uint64) {
	t.Helper()
	var distinct, final uint64
	ctx := context.Background()
	if err := st.Conn.QueryRow(ctx, "SELECT uniqExact(id) FROM "+st.DB+".mentions").Scan(&distinct); err != nil {
		t.Fatal(err)
	}
	final, err := st.CountMentions(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if distinct != want || final != want {
		t.Fatalf("distinct ids %d, rows after FINAL %d, want %d each", distinct, final, want)
	}
}

// waitDrained waits until the sink's consumer has nothing pending or unacked.
func waitDrained(t *testing.T, b *bus.Bus) {
	t.Helper()
	testenv.Eventually(t, 60*time.Second, "sink consumer drained", func() (bool, string) {
		c, err := b.JS.Consumer(context.Background(), bus.StreamEnriched, sink.Durable)
		if err != nil {
			return false, err.Error()
		}
		ci, err := c.Info(context.Background())
		if err != nil {
			return false, err.Error()
		}
		return ci.NumPending == 0 && ci.NumAckPending == 0, fmt.Sprintf("pending %d, ack pending %d", ci.NumPending, ci.NumAckPending)
	})
}

func TestSinkStoresOnceAndIsIdempotent(t *testing.T) {
	cfg := testenv.Config(t)
	b := testenv.Bus(t, cfg)
	st := testenv.Store(t, cfg)
	env := testenv.Env(t, cfg, b)
	start(t, env, sink.Run)
	publish(t, b, 7, 5000)
	waitCount(t, st, 5000, 60*time.Second)
	// Same seed again: same ids, nothing new.
	publish(t, b, 7, 5000)
	time.Sleep(2 * time.Second)
	exactlyOnce(t, st, 5000)
	var brands uint64
	if err := st.Conn.QueryRow(context.Background(), "SELECT uniqExact(brand) FROM "+st.DB+".mentions").Scan(&brands); err != nil || brands < 3 {
		t.Fatalf("brands stored: %d (%v)", brands, err)
	}
}

func TestClickHouseOutageLosesNothing(t *testing.T) {
	ch := testenv.StartClickHouse(t)
	cfg := testenv.Config(t)
	cfg.ClickHouse.Addr = []string{ch.Addr()}
	cfg.Sink.BatchRows = 500
	b := testenv.Bus(t, cfg)
	st := testenv.Store(t, cfg)
	env := testenv.Env(t, cfg, b)
	start(t, env, sink.Run)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const total = 6000
	done := make(chan error, 1)
	go func() {
		_, err := loadgen.Publish(ctx, b, &loadgen.Generator{Seed: 11}, loadgen.Options{Count: total, Rate: 1500, Subject: enriched})
		done <- err
	}()
	testenv.Eventually(t, 30*time.Second, "some rows before the outage", func() (bool, string) {
		n, err := st.CountMentions(context.Background(), "")
		return err == nil && n > 0, fmt.Sprint(n)
	})
	ch.Kill()
	time.Sleep(3 * time.Second) // mentions keep flowing into NATS meanwhile
	ch.Start()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	waitCount(t, st, total, 90*time.Second)
	waitDrained(t, b)
	exactlyOnce(t, st, total)
}

func TestKillBetweenInsertAndAckNoDuplicate(t *testing.T) {
	cfg := testenv.Config(t)
	cfg.NATS.AckWait = 2 * time.Second
	cfg.Sink.BatchRows = 1000
	b := testenv.Bus(t, cfg)
	st := testenv.Store(t, cfg)
	publish(t, b, 13, 3000)

	// First sink: its own NATS connection, dropped right after the first
	// insert commits and before any ack: a crash at the worst moment.
	b1, err := bus.Connect(context.Background(), config.NATS{URL: b.Server().ClientURL(), MaxDeliver: 5, AckWait: cfg.NATS.AckWait}, cfg.DataDir, testenv.Discard())
	if err != nil {
		t.Fatal(err)
	}
	var killed atomic.Bool
	env1 := testenv.Env(t, cfg, b1)
	stop1 := start(t, env1, func(ctx context.Context, env *service.Env) error {
		return sink.RunWith(ctx, env, sink.Options{Store: st, AfterInsert: func(int) {
			if killed.CompareAndSwap(false, true) {
				b1.NC.Close() // acks can no longer be sent
			}
		}})
	})
	testenv.Eventually(t, 30*time.Second, "first insert", func() (bool, string) { return killed.Load(), "" })
	stop1()
	n, _ := st.CountMentions(context.Background(), "")
	if n == 0 {
		t.Fatal("the killed sink committed nothing; the test would prove nothing")
	}
	// A fresh sink gets the unacked messages again and re-inserts them.
	start(t, testenv.Env(t, cfg, b), sink.Run)
	waitCount(t, st, 3000, 60*time.Second)
	waitDrained(t, b)
	var physical uint64
	if err := st.Conn.QueryRow(context.Background(), "SELECT count() FROM "+st.DB+".mentions").Scan(&physical); err != nil {
		t.Fatal(err)
	}
	t.Logf("physical rows %d (re-inserted %d), after FINAL 3000", physical, physical-3000)
	if physical <= 3000 {
		t.Fatalf("expected redelivered rows to be re-inserted (physical %d): the kill did not happen between insert and ack", physical)
	}
	exactlyOnce(t, st, 3000)
}

func TestPoisonMessageDeadLettered(t *testing.T) {
	cfg := testenv.Config(t)
	b := testenv.Bus(t, cfg)
	st := testenv.Store(t, cfg)
	env := testenv.Env(t, cfg, b)
	start(t, env, sink.Run)
	ctx := context.Background()
	if _, err := b.JS.Publish(ctx, bus.EnrichedSubject("fr"), []byte(`{"schema":"veille.mention.v1","id":"nothex"}`)); err != nil {
		t.Fatal(err)
	}
	publish(t, b, 17, 100)
	waitCount(t, st, 100, 30*time.Second)
	dl, err := b.JS.Stream(ctx, bus.StreamDeadLetter)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := dl.GetLastMsgForSubject(ctx, bus.SubjectDeadPrefix+">")
	if err != nil {
		t.Fatalf("no dead letter: %v", err)
	}
	if string(msg.Data) != `{"schema":"veille.mention.v1","id":"nothex"}` {
		t.Fatalf("dead letter body %q", msg.Data)
	}
	reason := msg.Header.Get(bus.HeaderReason)
	if reason == "" || msg.Header.Get(bus.HeaderOrigSubject) != "mentions.enriched.fr" {
		t.Fatalf("dead letter headers %v", msg.Header)
	}
	t.Logf("dead letter reason: %s", reason)
	if !strings.Contains(reason, "id") {
		t.Fatalf("reason does not name the bad field: %q", reason)
	}
}
