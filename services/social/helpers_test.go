package social_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	dto "github.com/prometheus/client_model/go"

	"github.com/veille-oss/veille/pkg/collection/collect"
	"github.com/veille-oss/veille/pkg/platform/bus"
	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/platform/service"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
)

// harness is a real embedded NATS with the configuration of one test.
type harness struct {
	t   *testing.T
	cfg *config.Config
	bus *bus.Bus
}

func newHarness(t *testing.T, sources ...config.Source) *harness {
	t.Helper()
	cfg := testenv.Config(t)
	cfg.Crawler.Interval = time.Hour
	cfg.Brands = []config.Brand{
		{Name: "Duval", Group: "laitiers", Aliases: []string{"Laiterie Duval"}, Query: `(=Duval OR "Laiterie Duval") AND NOT "rue Duval"`},
		{Name: "Blanchard", Group: "laitiers"},
	}
	cfg.Sources = sources
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, cfg: cfg, bus: testenv.Bus(t, cfg)}
}

// run starts svc on a fresh Env (its own metrics) and returns its stop.
func (h *harness) run(svc service.Func) (stop func(), env *service.Env) {
	env = testenv.Env(h.t, h.cfg, h.bus)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc(ctx, env) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				h.t.Errorf("service returned %v", err)
			}
		case <-time.After(20 * time.Second):
			h.t.Error("service did not stop")
		}
	}
	h.t.Cleanup(stop)
	return stop, env
}

// mentions reads every raw mention of kind in the stream, in order.
func (h *harness) mentions(kind string) []*mention.Mention {
	h.t.Helper()
	ctx := context.Background()
	cons, err := h.bus.JS.OrderedConsumer(ctx, bus.StreamRaw, jetstream.OrderedConsumerConfig{FilterSubjects: []string{bus.RawSubject(kind)}})
	if err != nil {
		h.t.Fatal(err)
	}
	var out []*mention.Mention
	for {
		batch, err := cons.FetchNoWait(500)
		if err != nil {
			h.t.Fatal(err)
		}
		n := 0
		for m := range batch.Messages() {
			n++
			mm, err := mention.Decode(m.Data())
			if err != nil {
				h.t.Fatal(err)
			}
			out = append(out, mm)
		}
		if n == 0 {
			return out
		}
	}
}

// waitMentions waits until at least n mentions of kind are in the stream.
func (h *harness) waitMentions(kind string, n int) []*mention.Mention {
	h.t.Helper()
	var got []*mention.Mention
	testenv.Eventually(h.t, 30*time.Second, "mentions published", func() (bool, string) {
		got = h.mentions(kind)
		return len(got) >= n, jsonLen(len(got), n)
	})
	return got
}

func jsonLen(got, want int) string {
	b, _ := json.Marshal(map[string]int{"got": got, "want": want})
	return string(b)
}

// published is the collector_mentions_total a service counted.
func published(t *testing.T, env *service.Env) float64 {
	t.Helper()
	mfs, err := env.Metrics.Prom.Gather()
	if err != nil {
		t.Fatal(err)
	}
	total := 0.0
	for _, mf := range mfs {
		if mf.GetName() != "veille_collector_mentions_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			total += counterValue(m)
		}
	}
	return total
}

func counterValue(m *dto.Metric) float64 { return m.GetCounter().GetValue() }

// health reads a source's health record.
func (h *harness) health(name string) collect.Health {
	h.t.Helper()
	var out collect.Health
	kv, err := h.bus.JS.KeyValue(context.Background(), collect.BucketSources)
	if err != nil {
		return out // the collector has not created it yet
	}
	e, err := kv.Get(context.Background(), bus.Token(name))
	if err != nil {
		return out
	}
	_ = json.Unmarshal(e.Value(), &out)
	return out
}

// startServer serves h on loopback for the test.
func startServer(t *testing.T, h http.Handler) *httptest.Server {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}
