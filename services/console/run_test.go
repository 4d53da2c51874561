package console_test

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/tooling/testenv"
	"github.com/veille-oss/veille/services/console"
)

// TestRunServesAndStops runs the console as the all-in-one does: its own
// listener and ClickHouse connection, ready once both NATS and ClickHouse
// answer, and gone when the context ends.
func TestRunServesAndStops(t *testing.T) {
	cfg := testenv.Config(t)
	b := testenv.Bus(t, cfg)
	testenv.Store(t, cfg) // a fresh database, dropped at the end
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Console.Listen = l.Addr().String()
	l.Close()
	env := testenv.Env(t, cfg, b)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- console.Run(ctx, env) }()
	url := "http://" + cfg.Console.Listen
	testenv.Eventually(t, 20*time.Second, "console ready", func() (bool, string) {
		resp, err := http.Get(url + "/readyz")
		if err != nil {
			return false, err.Error()
		}
		resp.Body.Close()
		return resp.StatusCode == 200, resp.Status
	})
	if resp, err := http.Get(url + "/api/search"); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("unauthenticated API: %v %v", resp, err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}
