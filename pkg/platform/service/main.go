package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"

	"github.com/oklog/run"

	"github.com/veille-oss/veille/pkg/platform/bus"
	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/pkg/platform/obs"
)

// LoadConfig loads path, or defaults plus environment when path is empty.
func LoadConfig(path string) (*config.Config, error) {
	if path == "" {
		return config.Parse(nil, "defaults", os.Getenv)
	}
	return config.Load(path)
}

// RunServices connects the bus (embedded when no URL is configured), serves
// metrics, and runs every service until ctx ends or one fails.
func RunServices(ctx context.Context, cfg *config.Config, log *slog.Logger, fns map[string]Func) error {
	SetMemoryLimit(cfg, log)
	b, err := bus.Connect(ctx, cfg.NATS, cfg.DataDir, log)
	if err != nil {
		return err
	}
	defer b.Close()
	reg := obs.NewRegistry()
	reg.AddCheck("nats", func(context.Context) error {
		if !b.NC.IsConnected() {
			return errors.New("not connected")
		}
		return nil
	})
	env := &Env{Config: cfg, Log: log, Bus: b, Metrics: reg}
	return Group(ctx, env, fns)
}

// SetMemoryLimit applies memory_limit_mb as the Go soft memory limit unless
// GOMEMLIMIT is set: most of a loaded process's memory is the embedded NATS
// server's buffers and dedup index, which the GC then keeps in check.
func SetMemoryLimit(cfg *config.Config, log *slog.Logger) {
	if os.Getenv("GOMEMLIMIT") != "" || cfg.MemoryLimitMB <= 0 {
		return
	}
	debug.SetMemoryLimit(int64(cfg.MemoryLimitMB) << 20)
	log.Debug("soft memory limit", "mb", cfg.MemoryLimitMB)
}

// Group runs fns (and the metrics endpoint) on env until ctx ends or one
// returns; then every other is interrupted and awaited.
func Group(ctx context.Context, env *Env, fns map[string]Func) error {
	var g run.Group
	gctx, cancel := context.WithCancel(ctx)
	defer cancel()
	g.Add(func() error { <-gctx.Done(); return nil }, func(error) { cancel() })
	if env.Config.Metrics.Listen != "" {
		mctx, mcancel := context.WithCancel(ctx)
		g.Add(func() error {
			return env.Metrics.Serve(mctx, env.Config.Metrics.Listen, env.Config.Metrics.Pprof, env.Log)
		}, func(error) { mcancel() })
	}
	for name, fn := range fns {
		sctx, scancel := context.WithCancel(ctx)
		g.Add(func() error {
			err := fn(sctx, env)
			if err != nil && sctx.Err() == nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			if sctx.Err() == nil {
				// Nothing (left) to do, e.g. no source of its kind: a
				// finished service must not stop the others.
				env.Log.Debug("service idle", "service", name)
				<-sctx.Done()
			}
			return nil
		}, func(error) { scancel() })
	}
	return g.Run()
}
