package scaleout

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/tooling/bench"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
)

// TestBenchPipeline runs veille bench's pipeline stage small (in this
// process, 1,000/s paced for 3 s, then a 3,000-mention flood): every
// mention stored once, latency samples all seen, three incidents measured
// through enricher and alerter, and the table says so. Whether the paced rate
// was kept up depends on the machine's load, so only its report is checked.
func TestBenchPipeline(t *testing.T) {
	cfg := testenv.Config(t)
	cfg.Sink.FlushInterval = 500 * time.Millisecond
	res, err := bench.Run(context.Background(), pipelineStage(cfg, 3000, 3*time.Second, 1000, 3))
	if err != nil {
		t.Fatal(err)
	}
	p := res.Pipeline
	if p == nil {
		t.Fatal("no pipeline result")
	}
	l := p.Latency
	if a := p.Alert; a == nil || a.Incidents != 3 || a.Missing != 0 || a.P50ms <= 0 || a.P99ms < a.P50ms {
		t.Fatalf("alert latency %+v", p.Alert)
	}
	if a := p.AlertLoaded; a == nil || a.Incidents != 3 || a.Missing != 0 || a.P50ms <= 0 || a.P99ms < a.P50ms {
		t.Fatalf("alert latency under load %+v", p.AlertLoaded)
	}
	if p.PerSec <= 0 || p.Stored != 6000+2*3*20 || p.Distinct != p.Stored {
		t.Fatalf("flood %.0f/s, stored %d / distinct %d, want 3000 paced + 3000 flood once each", p.PerSec, p.Stored, p.Distinct)
	}
	if l.Samples == 0 || l.Missing != 0 || l.P50ms <= 0 || l.P99ms < l.P50ms || l.Maxms < l.P99ms {
		t.Fatalf("latency %+v", l)
	}
	if l.Rate != 1000 || l.Published != 3000 || l.StoredPerSec <= 0 || l.FirstP50ms <= 0 || l.LastP50ms <= 0 {
		t.Fatalf("paced phase at 1,000/s: %+v", l)
	}
	var out bytes.Buffer
	if err := res.WriteTable(&out); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + out.String())
	if !strings.Contains(out.String(), "kept up") && !strings.Contains(out.String(), "fell behind") {
		t.Errorf("table has no verdict on the paced phase:\n%s", out.String())
	}
	for _, want := range []string{"end-to-end ingest", "publish -> queryable p99", "paced phase stored at", "exactly once", "alert latency p50 / p99 (3 incidents", "under load: 3 incidents at once"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
}
