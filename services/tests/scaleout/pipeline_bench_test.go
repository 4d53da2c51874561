package scaleout

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/pkg/platform/service"
	"github.com/veille-oss/veille/pkg/tooling/bench"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
	"github.com/veille-oss/veille/services/alerter"
	"github.com/veille-oss/veille/services/enricher"
	"github.com/veille-oss/veille/services/sink"
)

// BenchmarkPipeline runs the end-to-end pipeline in this process (so
// -cpuprofile sees enricher, sink and NATS together) and reports mentions/s.
// BENCH_ALERTS=n adds the alerter and n measured incidents.
func BenchmarkPipeline(b *testing.B) {
	cfg := testenv.Config(b)
	cfg.Sink.FlushInterval = time.Second
	for b.Loop() {
		res, err := bench.Run(context.Background(), pipelineStage(cfg, envInt("BENCH_COUNT", 50000),
			time.Duration(envInt("BENCH_SECONDS", 3))*time.Second, float64(envInt("BENCH_RATE", 5000)), envInt("BENCH_ALERTS", 0)))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(res.Pipeline.PerSec, "mentions/s")
		b.ReportMetric(res.Pipeline.Latency.P99ms, "p99-ms")
		if os.Getenv("BENCH_TABLE") != "" {
			_ = res.WriteTable(os.Stderr)
		}
	}
}

// pipelineStage is veille bench's pipeline stage alone, run in this process
// (enricher, sink and, with alerts > 0, the alerter) on cfg.
func pipelineStage(cfg *config.Config, count int, paced time.Duration, rate float64, alerts int) bench.Options {
	return bench.Options{
		Count: count, Duration: paced, Rate: rate, Alerts: alerts,
		ClickHouse: cfg.ClickHouse, Base: cfg, Log: testenv.Discard(),
		Services: map[string]service.Func{"enricher": enricher.Run, "sink": sink.Run, "alerter": alerter.Run},
		Skip:     []string{"ceilings", "crawl", "enrich"},
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
