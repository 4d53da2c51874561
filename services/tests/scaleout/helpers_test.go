package scaleout

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/platform/bus"
	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
)

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// connectWithRetry connects to an external NATS, retrying while a fresh
// JetStream cluster elects its meta leader.
func connectWithRetry(ctx context.Context, t *testing.T, cfg *config.Config) *bus.Bus {
	t.Helper()
	var last error
	for ctx.Err() == nil {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		b, err := bus.Connect(cctx, cfg.NATS, cfg.DataDir, testenv.Discard())
		cancel()
		if err == nil {
			return b
		}
		last = err
		time.Sleep(300 * time.Millisecond)
	}
	t.Fatalf("connect to the NATS cluster: %v", last)
	return nil
}
