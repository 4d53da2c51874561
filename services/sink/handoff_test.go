package sink_test

import (
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/tooling/testenv"
	"github.com/veille-oss/veille/services/sink"
)

// TestPartitionedReplicaHandsBackItsBatch: replica A's ClickHouse (a
// private server) dies while A holds a batch; replica B, on the shared
// server, must store every mention published after, exactly once. Before
// sink.handoff_after, A kept its batch until its ClickHouse came back.
func TestPartitionedReplicaHandsBackItsBatch(t *testing.T) {
	ch := testenv.StartClickHouse(t)
	cfgA := testenv.Config(t)
	shared := cfgA.ClickHouse.Addr
	cfgA.ClickHouse.Addr = []string{ch.Addr()}
	cfgA.Sink.BatchRows = 500
	cfgA.Sink.HandoffAfter = 2 * time.Second
	b := testenv.Bus(t, cfgA)
	stA := testenv.Store(t, cfgA)
	start(t, testenv.Env(t, cfgA, b), sink.Run)

	// A alone stores a first lot, so it is up and consuming.
	publish(t, b, 21, 100)
	waitCount(t, stA, 100, 60*time.Second)
	waitDrained(t, b) // acked too: none of the first lot is redelivered
	ch.Kill()

	// A fetches (part of) the next lot and cannot store it.
	const total = 3000
	publish(t, b, 22, total)
	time.Sleep(time.Second)
	cfgB := *cfgA
	cfgB.ClickHouse.Addr = shared
	stB := testenv.Store(t, &cfgB)
	start(t, testenv.Env(t, &cfgB, b), sink.Run)

	waitCount(t, stB, total, 90*time.Second)
	waitDrained(t, b)
	exactlyOnce(t, stB, total)
}
