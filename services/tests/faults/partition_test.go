package faults

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/platform/bus"
	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
)

// TestPartitionedSinkReplica: two sink replicas (separate veille run
// processes on one NATS), each with its own ClickHouse. Replica A's
// ClickHouse is killed while A holds a batch; A hands it back after
// sink.handoff_after (2 s here) and B stores every mention published after
// the cut, exactly once.
func TestPartitionedSinkReplica(t *testing.T) {
	chA, chB := testenv.StartClickHouse(t), testenv.StartClickHouse(t)
	ns := startNATS(t, "")
	sinkCfg := func(addr string) (string, string) {
		dir := t.TempDir()
		p := writeConfig(t, dir, pipeConfig{NATSURL: ns.URL(), CHAddr: addr})
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		b = []byte(strings.Replace(string(b), "handoff_after: 5m", "handoff_after: 2s", 1))
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return dir, p
	}
	enriched := func(*mention.Mention) string { return bus.EnrichedSubject("fr") }
	pub := connectBus(t, ns.URL(), "")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	dirA, cfgA := sinkCfg(chA.Addr())
	a := startProc(t, dirA, cfgA, "sink")
	a.waitReady(60 * time.Second)
	stA := openStore(t, chA.Addr())
	if _, err := publish(ctx, pub, 601, 200, 0, enriched); err != nil {
		t.Fatal(err)
	}
	waitWhere(t, stA, seedWhere(601), 200, 60*time.Second)
	time.Sleep(time.Second) // acked as well
	chA.Kill()

	const total = 3000
	if _, err := publish(ctx, pub, 602, total, 0, enriched); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second) // A has fetched a batch it cannot store
	dirB, cfgB := sinkCfg(chB.Addr())
	b := startProc(t, dirB, cfgB, "sink")
	b.waitReady(60 * time.Second)
	stB := openStore(t, chB.Addr())
	waitWhere(t, stB, seedWhere(602), total, 120*time.Second)
	final, distinct, physical := countWhere(t, stB, seedWhere(602))
	if final != total || distinct != total {
		t.Fatalf("replica B: rows after FINAL %d, distinct %d (physical %d), want %d each", final, distinct, physical, total)
	}
	if !a.running() {
		t.Fatal("replica A exited while its ClickHouse was away")
	}
	if logs := a.logs(); !strings.Contains(logs, "handed back") {
		t.Errorf("replica A never handed its batch back:\n%s", logs[max(0, len(logs)-2000):])
	}
	t.Logf("replica B stored %d/%d exactly once (physical %d); A's log in %s", final, total, physical, filepath.Join(dirA, "sink.log"))
}
