// Package service holds what every veille service receives from its main:
// the configuration, a logger, the bus connection and the metrics registry.
// The all-in-one command builds one Env and runs every service on it.
package service

import (
	"context"
	"log/slog"

	"github.com/veille-oss/veille/pkg/bus"
	"github.com/veille-oss/veille/pkg/config"
	"github.com/veille-oss/veille/pkg/obs"
)

// Env is shared by the services of one process.
type Env struct {
	Config  *config.Config
	Log     *slog.Logger
	Bus     *bus.Bus
	Metrics *obs.Registry
	// Instance distinguishes copies of a service in logs (scale-out).
	Instance string
}

// Func is a service's entry point: it runs until ctx is cancelled, then
// drains in-flight work and returns.
type Func func(ctx context.Context, env *Env) error

// Brands returns brand name -> group, for share-of-voice columns.
func (e *Env) Groups() map[string]string {
	out := make(map[string]string, len(e.Config.Brands))
	for _, b := range e.Config.Brands {
		g := b.Group
		if g == "" {
			g = b.Name
		}
		out[b.Name] = g
	}
	return out
}
