// Package testenv starts the real infrastructure tests need: an embedded
// nats-server with JetStream in a temp dir, and a fresh database on the
// local ClickHouse (deploy/local/clickhouse.sh start; make test does it).
// A test whose server or browser is missing skips with one line under a plain
// go test and fails under make test (VEILLE_REQUIRE_SERVERS=1): see Missing.
package testenv

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/platform/bus"
	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/pkg/platform/obs"
	"github.com/veille-oss/veille/pkg/platform/service"
	"github.com/veille-oss/veille/pkg/store"
)

// Logger returns a logger writing to the test log (or discarding when -v is off
// and the test passes: t.Log output is only shown on failure).
func Logger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(string(p[:max(len(p)-1, 0)]))
	return len(p), nil
}

// Discard is a logger that drops everything (benchmarks).
func Discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// Config returns a configuration for tests: embedded NATS on a random port in
// a temp dir, ClickHouse from VEILLE_CLICKHOUSE_ADDR or 127.0.0.1:9000 with a
// database of its own, short timeouts.
func Config(t testing.TB) *config.Config {
	t.Helper()
	c := config.Default()
	c.DataDir = t.TempDir()
	c.NATS.Embedded.Listen = "127.0.0.1:0"
	c.NATS.AckWait = 5 * time.Second
	c.NATS.DedupWindow = 2 * time.Minute
	c.Metrics.Listen = ""
	c.Console.Listen = "127.0.0.1:0"
	if a := os.Getenv(config.EnvClickHouseAddr); a != "" {
		c.ClickHouse.Addr = []string{a}
	}
	c.ClickHouse.Database = fmt.Sprintf("veille_test_%d_%d", time.Now().Unix()%100000, rand.IntN(1_000_000))
	c.Sink.FlushInterval = 200 * time.Millisecond
	c.Sink.MaxBackoff = 2 * time.Second
	return c
}

// Bus starts an embedded nats-server for cfg and connects to it.
func Bus(t testing.TB, cfg *config.Config) *bus.Bus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := bus.Connect(ctx, cfg.NATS, cfg.DataDir, Discard())
	if err != nil {
		t.Fatalf("embedded NATS: %v", err)
	}
	t.Cleanup(b.Close)
	return b
}

// Store opens ClickHouse for cfg, migrates its fresh database, and drops the
// database when the test ends.
func Store(t testing.TB, cfg *config.Config) *store.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	NeedClickHouse(t, cfg.ClickHouse.Addr)
	st, err := store.Open(ctx, cfg.ClickHouse, Discard())
	if err != nil {
		t.Fatalf("ClickHouse at %v is needed (start it with deploy/local/clickhouse.sh start, or set %s): %v",
			cfg.ClickHouse.Addr, config.EnvClickHouseAddr, err)
	}
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = st.Conn.Exec(ctx, "DROP DATABASE IF EXISTS "+cfg.ClickHouse.Database)
		st.Close()
	})
	return st
}

// Env builds a service environment on b.
func Env(t testing.TB, cfg *config.Config, b *bus.Bus) *service.Env {
	return &service.Env{Config: cfg, Log: Logger(t), Bus: b, Metrics: obs.NewRegistry()}
}

// Eventually polls cond until it is true or timeout passes.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	last := ""
	for time.Now().Before(deadline) {
		ok, state := cond()
		if ok {
			return
		}
		last = state
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s: not true after %s (last: %s)", what, timeout, last)
}

// RepoRoot walks up from the working directory to the directory holding go.work.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.work not found above the working directory")
		}
		dir = parent
	}
}

// SharedData returns ../shared/data beside the repository (the training and
// evaluation data); when it is absent (a user's checkout) the test is
// skipped with a message saying what was not checked.
func SharedData(t testing.TB, what string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		p := filepath.Join(dir, "shared", "data")
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skipf("shared/data not found above the package directory: %s not checked", what)
		}
		dir = parent
	}
}
