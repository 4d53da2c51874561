package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/veille-oss/veille/pkg/tooling/bench"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
)

// asVeille makes this test binary act as the veille command when it is
// started as a child (veille bench starts `<its own executable> run`).
const asVeille = "CLI_TEST_RUN_AS_VEILLE"

func TestMain(m *testing.M) {
	if os.Getenv(asVeille) == "1" {
		os.Exit(Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// TestBenchChildWithNATSServerAndProfiles runs veille bench as users do: the
// pipeline in a child `veille run`, here against a nats-server process of
// its own (--nats-server, built from the module nats-server) and profiled
// (--profile). The JSON result must carry both processes' memory and CPU,
// every row stored once, the alerter's read rate, and two gzip'd pprof files.
func TestBenchChildWithNATSServerAndProfiles(t *testing.T) {
	cfg := testenv.Config(t)
	dir := t.TempDir()
	natsBin := filepath.Join(dir, "nats-server")
	build := exec.Command("go", "build", "-o", natsBin, "github.com/nats-io/nats-server/v2")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building nats-server: %v\n%s", err, out)
	}
	cfgPath := filepath.Join(dir, "veille.yaml")
	if err := bench.WriteConfig(cfg, cfgPath); err != nil {
		t.Fatal(err)
	}
	t.Setenv(asVeille, "1") // inherited by the child veille run only
	profDir := filepath.Join(dir, "prof")
	var out, errw bytes.Buffer
	code := Main([]string{"bench", "--config", cfgPath, "--count", "3000", "--duration", "2s", "--rate", "1000",
		"--alerts", "2", "--skip", "ceilings,crawl,enrich", "--nats-server", natsBin, "--profile", profDir, "--json"},
		bytes.NewReader(nil), &out, &errw)
	if code != 0 {
		t.Fatalf("veille bench exited %d: %s", code, errw.String())
	}
	var res bench.Result
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("result is not JSON: %v\n%s", err, out.String())
	}
	p := res.Pipeline
	if p == nil {
		t.Fatal("no pipeline result")
	}
	t.Logf("mode %q: %.0f/s, alerter %.0f/s, veille run %.0f µs %.0f MB, nats-server %.0f µs %.0f MB",
		p.Mode, p.PerSec, p.AlerterPS, p.CPU.Pipeline, p.RSSMaxMB, p.CPU.NATS, p.NATSRSSMaxMB)
	switch {
	case p.Mode != "process + nats-server":
		t.Fatalf("mode %q, want the child process with its own nats-server", p.Mode)
	case p.Stored != p.Distinct || p.Stored < 3000:
		t.Fatalf("stored %d rows, %d distinct ids", p.Stored, p.Distinct)
	case p.AlerterPS <= 0 || p.Alert == nil || p.Alert.Missing != 0:
		t.Fatalf("alerter: read rate %.0f/s, alert result %+v", p.AlerterPS, p.Alert)
	case p.RSSMaxMB <= 0 || p.NATSRSSMaxMB <= 0 || p.CPU.Pipeline <= 0 || p.CPU.NATS <= 0:
		t.Fatalf("memory or CPU missing: veille run %.0f MB %.0f µs, nats-server %.0f MB %.0f µs", p.RSSMaxMB, p.CPU.Pipeline, p.NATSRSSMaxMB, p.CPU.NATS)
	case p.Latency.CPU.Pipeline <= 0 || p.Latency.CPU.NATS <= 0 || p.Latency.CPU.Machine < p.Latency.CPU.Pipeline:
		t.Fatalf("paced phase CPU split %+v: want the pipeline's and nats-server's share within the machine's", p.Latency.CPU)
	case len(p.Redelivered) != 3:
		t.Fatalf("redeliveries %v: want the enricher's, the sink's and the alerter's", p.Redelivered)
	}
	for _, name := range []string{"flood-cpu.pprof", "flood-heap.pprof"} {
		b, err := os.ReadFile(filepath.Join(profDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if len(b) < 100 || b[0] != 0x1f || b[1] != 0x8b {
			t.Fatalf("%s: %d bytes, not a gzip'd profile", name, len(b))
		}
	}
}
