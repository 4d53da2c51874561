package bench

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/veille-oss/veille/pkg/platform/config"
)

// natsProcess is a nats-server of its own for the pipeline: the topology
// of docker compose and Kubernetes, where NATS is not inside veille run.
type natsProcess struct {
	pid  int
	stop func()
}

// startNATS starts the nats-server binary at path with JetStream in dir on
// a free loopback port, points cfg at it and waits until it listens.
func startNATS(ctx context.Context, path, dir string, cfg *config.Config) (*natsProcess, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	store := filepath.Join(dir, "nats-server")
	if err := os.MkdirAll(store, 0o750); err != nil {
		return nil, fmt.Errorf("%w: %w", errBench, err)
	}
	logf, err := os.Create(filepath.Join(dir, "nats-server.log"))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errBench, err)
	}
	cmd := exec.Command(path, "-js", "-sd", store, "-a", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("%w: start %s: %w", errBench, path, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); logf.Close(); close(done) }()
	np := &natsProcess{pid: cmd.Process.Pid, stop: func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			break
		}
		select {
		case <-done:
			return nil, fmt.Errorf("%w: %s exited at start-up (see %s)", errBench, path, logf.Name())
		default:
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			np.stop()
			return nil, fmt.Errorf("%w: %s not listening on %s after 30s", errBench, path, addr)
		}
		time.Sleep(100 * time.Millisecond)
	}
	cfg.NATS.URL = "nats://" + addr
	return np, nil
}
