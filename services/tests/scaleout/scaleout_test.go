package scaleout

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	dto "github.com/prometheus/client_model/go"
	"gopkg.in/yaml.v3"

	"github.com/veille-oss/veille/pkg/platform/bus"
	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/platform/obs"
	"github.com/veille-oss/veille/pkg/platform/service"
	"github.com/veille-oss/veille/pkg/tooling/loadgen"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
	"github.com/veille-oss/veille/services/alerter"
	"github.com/veille-oss/veille/services/enricher"
	"github.com/veille-oss/veille/services/sink"
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

// TestTwoOfEachService runs two copies of the enricher, the sink and the
// alerter on one NATS, each with its own connection, under load. Enrichers
// and sinks share their durable consumers: every mention is stored exactly
// once, every copy did part of the work, no enriched message was published
// twice. Alerters elect a leader: each mention is fed to the alert engine
// once, by one copy, and every alert event is published once.
func TestTwoOfEachService(t *testing.T) {
	cfg := testenv.Config(t)
	var alerting yaml.Node
	if err := yaml.Unmarshal([]byte(`{defaults: {window: 10s, bucket: 1s, seasonality: none, cold_min_count: 20}, tick: 200ms, snapshot_every: 500ms, lease_ttl: 3s}`), &alerting); err != nil {
		t.Fatal(err)
	}
	cfg.Alerting = *alerting.Content[0]
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
	var alerters [2]*service.Env
	var wg sync.WaitGroup
	for i := range 2 {
		eenv := instanceEnv(ctx, t, cfg, url, fmt.Sprintf("enricher-%d", i))
		proc, err := enricher.NewDefault(ctx, eenv)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { // before the bus closes (cleanups run last-in first-out)
			if err := proc.Close(context.Background()); err != nil {
				t.Errorf("enricher-%d: close: %v", i, err)
			}
		})
		counting := enricher.ProcessorFunc(func(ctx context.Context, m *mention.Mention) error {
			enriched[i].Add(1)
			return proc.Process(ctx, m)
		})
		senv := instanceEnv(ctx, t, cfg, url, fmt.Sprintf("sink-%d", i))
		alerters[i] = instanceEnv(ctx, t, cfg, url, fmt.Sprintf("alerter-%d", i))
		wg.Add(3)
		go func() {
			defer wg.Done()
			if err := alerter.Run(ctx, alerters[i]); err != nil {
				t.Errorf("alerter-%d: %v", i, err)
			}
		}()
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
	// The alerter's consumer starts at "now - window" on first start: let
	// the leader be elected before the load, so it sees all of it.
	testenv.Eventually(t, 30*time.Second, "an alerter leader", func() (bool, string) {
		l := metric(t, alerters[0], "veille_alerter_leader") + metric(t, alerters[1], "veille_alerter_leader")
		return l == 1, fmt.Sprintf("%v leaders", l)
	})
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
	testenv.Eventually(t, 60*time.Second, "every mention fed to the alert engine", func() (bool, string) {
		fed := metric(t, alerters[0], "veille_alerter_mentions_total") + metric(t, alerters[1], "veille_alerter_mentions_total") +
			metric(t, alerters[0], "veille_alerter_backfill_total") + metric(t, alerters[1], "veille_alerter_backfill_total")
		return fed >= n, fmt.Sprintf("%v fed", fed)
	})
	// Let anything that would be a duplicate arrive before counting.
	time.Sleep(2 * time.Second)
	var fed, leaders [2]float64
	for i := range 2 {
		fed[i] = metric(t, alerters[i], "veille_alerter_mentions_total") + metric(t, alerters[i], "veille_alerter_backfill_total")
		leaders[i] = metric(t, alerters[i], "veille_alerter_leader")
	}
	cancel()
	wg.Wait()

	t.Logf("alerters: fed %v, leader %v", fed, leaders)
	if fed[0]+fed[1] != n || leaders[0]+leaders[1] != 1 || (fed[0] != 0 && fed[1] != 0) {
		t.Errorf("alerters fed %v mentions (want %d, all by the one leader), leaders %v", fed, n, leaders)
	}
	checkAlertsOnce(t, srvBus)

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

// metric sums the samples of a counter or gauge in an instance's registry.
func metric(t *testing.T, env *service.Env, name string) float64 {
	t.Helper()
	mfs, err := env.Metrics.Prom.Gather()
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			sum += value(m)
		}
	}
	return sum
}

func value(m *dto.Metric) float64 {
	switch {
	case m.GetCounter() != nil:
		return m.GetCounter().GetValue()
	case m.GetGauge() != nil:
		return m.GetGauge().GetValue()
	}
	return 0
}

// checkAlertsOnce reads the ALERTS stream: the load opened incidents, and
// no event (delivery id = incident:seq) was published twice.
func checkAlertsOnce(t *testing.T, b *bus.Bus) {
	t.Helper()
	ctx := context.Background()
	cons, err := b.JS.OrderedConsumer(ctx, bus.StreamAlerts, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for {
		batch, err := cons.Fetch(500, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			t.Fatal(err)
		}
		got := 0
		for m := range batch.Messages() {
			got++
			var p struct {
				DeliveryID string `json:"delivery_id"`
			}
			if err := json.Unmarshal(m.Data(), &p); err != nil || p.DeliveryID == "" {
				t.Fatalf("alert event without delivery id: %s", m.Data())
			}
			if seen[p.DeliveryID] {
				t.Errorf("alert event %s published twice", p.DeliveryID)
			}
			seen[p.DeliveryID] = true
		}
		if got == 0 {
			break
		}
	}
	t.Logf("%d alert events, each once", len(seen))
	if len(seen) == 0 {
		t.Error("no alert event: the alerters did nothing with 30% negative load")
	}
}
