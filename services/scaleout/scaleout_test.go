package scaleout

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/bus"
	"github.com/veille-oss/veille/pkg/config"
	"github.com/veille-oss/veille/pkg/loadgen"
	"github.com/veille-oss/veille/pkg/mention"
	"github.com/veille-oss/veille/pkg/obs"
	"github.com/veille-oss/veille/pkg/service"
	"github.com/veille-oss/veille/pkg/testenv"
	"github.com/veille-oss/veille/services/enricher/enricher"
	"github.com/veille-oss/veille/services/sink/sink"
)

// instanceEnv is what a separate process would have: its own bus
// connection to the shared NATS, its own metrics, its own name.
func instanceEnv(ctx context.Context, t *testing.T, cfg *config.Config, url, name string) *service.Env {
	t.Helper()
	c := *cfg
	c.NATS.URL = url
	b, err := bus.Connect(ctx, c.NATS, c.DataDir, testenv.Discard())
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	t.Cleanup(b.Close)
	return &service.Env{Config: &c, Log: testenv.Logger(t).With("instance", name), Bus: b, Metrics: obs.NewRegistry(), Instance: name}
}

// TestTwoEnrichersTwoSinks runs two copies of the enricher and of the sink
// on one NATS, each with its own connection, on the same durable consumers,
// under load: every mention is stored exactly once, every copy did part of
// the work, and no enriched message was published twice.
func TestTwoEnrichersTwoSinks(t *testing.T) {
	cfg := testenv.Config(t)
	cfg.Enricher.Workers = 1
	cfg.Enricher.Batch = 100
	cfg.Sink.BatchRows = 500
	srvBus := testenv.Bus(t, cfg) // the embedded server everyone connects to
	st := testenv.Store(t, cfg)
	url := srvBus.Server().ClientURL()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var enriched [2]atomic.Int64
	var stored [2]atomic.Int64
	var wg sync.WaitGroup
	for i := range 2 {
		eenv := instanceEnv(ctx, t, cfg, url, fmt.Sprintf("enricher-%d", i))
		proc, err := enricher.NewDefault(ctx, eenv)
		if err != nil {
			t.Fatal(err)
		}
		counting := enricher.ProcessorFunc(func(ctx context.Context, m *mention.Mention) error {
			enriched[i].Add(1)
			return proc.Process(ctx, m)
		})
		senv := instanceEnv(ctx, t, cfg, url, fmt.Sprintf("sink-%d", i))
		wg.Add(2)
		go func() {
			defer wg.Done()
			if err := enricher.RunWith(ctx, eenv, enricher.Options{Processor: counting}); err != nil {
				t.Errorf("enricher-%d: %v", i, err)
			}
		}()
		go func() {
			defer wg.Done()
			if err := sink.RunWith(ctx, senv, sink.Options{AfterInsert: func(n int) { stored[i].Add(int64(n)) }}); err != nil {
				t.Errorf("sink-%d: %v", i, err)
			}
		}()
	}
	const n = 20000
	pub := instanceEnv(ctx, t, cfg, url, "loadgen")
	if got, err := loadgen.Publish(ctx, pub.Bus, &loadgen.Generator{Seed: 42}, loadgen.Options{Count: n}); err != nil || got != n {
		t.Fatalf("loadgen: %d of %d: %v", got, n, err)
	}
	testenv.Eventually(t, 120*time.Second, "every mention stored", func() (bool, string) {
		var c uint64
		if err := st.Conn.QueryRow(ctx, fmt.Sprintf("SELECT count() FROM %s.mentions", cfg.ClickHouse.Database)).Scan(&c); err != nil {
			return false, err.Error()
		}
		return c >= n, fmt.Sprintf("%d rows", c)
	})
	// Let anything that would be a duplicate arrive before counting.
	time.Sleep(2 * time.Second)
	cancel()
	wg.Wait()

	var rows, distinct uint64
	if err := st.Conn.QueryRow(context.Background(), fmt.Sprintf("SELECT count(), uniqExact(id) FROM %s.mentions", cfg.ClickHouse.Database)).Scan(&rows, &distinct); err != nil {
		t.Fatal(err)
	}
	if rows != n || distinct != n {
		t.Fatalf("stored %d rows, %d distinct ids; want exactly %d of each (no row twice, none lost)", rows, distinct, n)
	}
	for i := range 2 {
		e, s := enriched[i].Load(), stored[i].Load()
		t.Logf("instance %d: enriched %d, stored %d", i, e, s)
		if e == 0 || s == 0 {
			t.Errorf("instance %d did nothing (enriched %d, stored %d): the durable consumer is not shared", i, e, s)
		}
	}
	if tot := enriched[0].Load() + enriched[1].Load(); tot != n {
		t.Errorf("enriched %d times for %d mentions: some mention was processed twice (or lost)", tot, n)
	}
	if tot := stored[0].Load() + stored[1].Load(); tot != n {
		t.Errorf("sinks inserted %d rows for %d mentions", tot, n)
	}
	es, err := srvBus.JS.Stream(context.Background(), bus.StreamEnriched)
	if err != nil {
		t.Fatal(err)
	}
	info, err := es.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != n {
		t.Errorf("enriched stream holds %d messages for %d mentions", info.State.Msgs, n)
	}
	for _, c := range [][2]string{{bus.StreamRaw, enricher.Durable}, {bus.StreamEnriched, sink.Durable}} {
		ci, err := srvBus.JS.Consumer(context.Background(), c[0], c[1])
		if err != nil {
			t.Fatal(err)
		}
		inf, err := ci.Info(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if inf.NumPending != 0 || inf.NumAckPending != 0 || inf.NumRedelivered != 0 {
			t.Errorf("consumer %s: pending %d, ack pending %d, redelivered %d; want all 0", c[1], inf.NumPending, inf.NumAckPending, inf.NumRedelivered)
		}
	}
}
