package bench

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/platform/service"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
)

func TestVmRSSAndCPU(t *testing.T) {
	kb, err := VmRSS(os.Getpid())
	if err != nil || kb < 1024 || kb > 16<<20 {
		t.Fatalf("VmRSS of this test = %d kB, %v; want a plausible size", kb, err)
	}
	if _, err := VmRSS(-1); err == nil {
		t.Fatal("VmRSS(-1) did not fail")
	}
	a, err := readCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	phase := startCPU(os.Getpid(), nil)
	for x, deadline := 0, time.Now().Add(50*time.Millisecond); time.Now().Before(deadline); x++ {
		_ = x * x
	}
	// This process is the pipeline and the bench at once here, and no
	// nats-server runs: the split must say so. How much CPU the busy loop got
	// depends on the machine's load, so no amount is asserted; the two reads
	// of this process may be a tick (10 µs per mention here) apart.
	if s := phase.perMention(1000); s.Pipeline-s.Bench > 10 || s.Bench-s.Pipeline > 10 || s.Pipeline < 0 || s.NATS != 0 || s.Machine < 0 || s.Busy < 0 {
		t.Fatalf("CPU split %+v: want the pipeline's share equal to the bench's within a tick, no nats-server, nothing negative", s)
	}
	b, err := readCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if b.total < a.total || b.proc < a.proc || b.busyShare(a) < 0 || b.busyShare(a) > 1 {
		t.Fatalf("CPU snapshots %+v then %+v: want non-decreasing totals and a busy share in [0, 1]", a, b)
	}
}

// TestSeriesBound: every mention costs its stages at their ceilings one
// after the other: 2 publishes, a consume per consumer, a row, and an
// enrichment spread over the CPUs.
func TestSeriesBound(t *testing.T) {
	for _, c := range []struct {
		alerter  bool
		consumes int
		bound    float64
	}{
		// 2/100k + 3/200k + 1/50k + 1/(50k*2) = 65 µs
		{true, 3, 1e6 / 65},
		// without the alerter: 60 µs
		{false, 2, 1e6 / 60},
	} {
		r := &Result{Machine: Machine{CPUs: 2}, EnrichPerCore: 50000,
			Ceilings: &Ceilings{JSPublish: 100000, JSConsume: 200000, JSBoth: 1 / (1/100000.0 + 1/200000.0), CHInsert: 50000},
			Pipeline: &Pipeline{PerSec: 10000}}
		if c.alerter {
			r.Pipeline.AlerterPS = 10000
		}
		r.ratios()
		if r.Ratios.Consumes != c.consumes || math.Abs(r.Ratios.SeriesBound-c.bound) > 0.01 || math.Abs(r.Ratios.IngestVsBound-10000/c.bound) > 1e-6 {
			t.Errorf("alerter %v: %d consumes, bound %.2f/s, ratio %.4f; want %d, %.2f/s, %.4f",
				c.alerter, r.Ratios.Consumes, r.Ratios.SeriesBound, r.Ratios.IngestVsBound, c.consumes, c.bound, 10000/c.bound)
		}
	}
}

func TestPercentile(t *testing.T) {
	v := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for _, c := range []struct{ p, want float64 }{{0.5, 5}, {0.99, 10}, {0.1, 1}, {0, 1}, {1, 10}} {
		if got := percentile(v, c.p); got != c.want {
			t.Errorf("percentile(%v) = %v, want %v", c.p, got, c.want)
		}
	}
	if percentile(nil, 0.5) != 0 {
		t.Error("percentile of nothing is not 0")
	}
}

// TestWriteConfig: the child process's config loads back, with the
// secrets left out of the file and passed in the environment instead.
func TestWriteConfig(t *testing.T) {
	base := config.Default()
	base.ClickHouse.Password = "s3cret"
	base.Brands = []config.Brand{{Name: "Duval", Group: "laitiers"}}
	cfg, err := pipelineConfig(base, base.ClickHouse, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "veille.yaml")
	if err := WriteConfig(cfg, path); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte("s3cret")) || bytes.Contains(data, []byte("redacted")) {
		t.Fatalf("the password (or its redacted form) is in the file:\n%s", data)
	}
	env := ChildEnv(cfg)
	loaded, err := config.Parse(data, path, func(k string) string {
		for _, kv := range env {
			if v, ok := strings.CutPrefix(kv, k+"="); ok {
				return v
			}
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	if loaded.ClickHouse.Password.Reveal() != "s3cret" || loaded.NATS.Embedded.Listen != cfg.NATS.Embedded.Listen ||
		len(loaded.Brands) != 1 || loaded.Metrics.Listen != "" {
		t.Fatalf("config did not survive the round trip: %+v", loaded)
	}
}

func TestCrawlStage(t *testing.T) {
	n, rate, err := measureCrawl(context.Background(), Options{Count: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if n != 200 || rate <= 0 {
		t.Fatalf("crawled %d pages at %.0f/s; want 200 pages at a positive rate", n, rate)
	}
}

// TestRunStages measures the ceilings and the enrichment stage for real (a
// small count) against the local ClickHouse, prints the table, and leaves
// no scratch database behind.
func TestRunStages(t *testing.T) {
	cfg := testenv.Config(t)
	calls := 0
	res, err := Run(context.Background(), Options{
		Count: 3000, ClickHouse: cfg.ClickHouse, Base: cfg, Log: testenv.Discard(),
		Skip: []string{"pipeline", "crawl"}, AlertNA: "not in this test",
		NewEnrich: func(context.Context, *service.Env) (Enricher, error) {
			return fakeEnricher{process: func(m *mention.Mention) error {
				calls++
				m.Enrichment = fakeEnrichment()
				return m.Validate()
			}}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	c := res.Ceilings
	if c == nil || c.JSPublish <= 0 || c.JSConsume <= 0 || c.JSBoth <= 0 || c.JSBoth > min(c.JSPublish, c.JSConsume) || c.CHInsert <= 0 {
		t.Fatalf("ceilings %+v: want positive rates, the combined one below both", c)
	}
	if res.EnrichTexts != 2000 || calls < 2000 || res.EnrichPerCore <= 0 {
		t.Fatalf("enrichment: %d texts, %d calls, %.0f/s", res.EnrichTexts, calls, res.EnrichPerCore)
	}
	var out bytes.Buffer
	if err := res.WriteTable(&out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"JetStream publish", "ClickHouse native insert", "enrichment, 1 goroutine", "alert latency p50/p99", "not in this test"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
	st := testenv.Store(t, cfg) // any connection will do to look for leftovers
	var left uint64
	if err := st.Conn.QueryRow(context.Background(), "SELECT count() FROM system.databases WHERE name = ?", res.ScratchDB).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(res.ScratchDB, "veille_bench_") || left != 0 {
		t.Errorf("scratch database %q left behind (%d)", res.ScratchDB, left)
	}
}

// fakeEnricher stands in for the enricher's processor in the stage test.
type fakeEnricher struct{ process func(*mention.Mention) error }

func (f fakeEnricher) Process(_ context.Context, m *mention.Mention) error { return f.process(m) }
func (f fakeEnricher) Close(context.Context) error                         { return nil }
