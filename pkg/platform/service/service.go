// Package service holds what every veille service receives from its main:
// the configuration, a logger, the bus connection and the metrics registry.
// The all-in-one command builds one Env and runs every service on it.
package service

import (
	"context"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/veille-oss/veille/pkg/platform/bus"
	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/pkg/platform/obs"
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

// Groups returns brand name -> group, for share-of-voice columns.
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

// WatchLag exports a durable consumer's lag as veille_consumer_pending and
// veille_consumer_ack_pending{consumer=name}.
func (e *Env) WatchLag(ctx context.Context, name string, cons jetstream.Consumer) {
	pending := e.Metrics.Gauge("consumer_pending", "Messages in the stream not yet delivered to the consumer (lag).", "consumer")
	ack := e.Metrics.Gauge("consumer_ack_pending", "Messages delivered and not yet acknowledged.", "consumer")
	go bus.WatchLag(ctx, cons, 5*time.Second, func(p uint64, a int) {
		pending.WithLabelValues(name).Set(float64(p))
		ack.WithLabelValues(name).Set(float64(a))
	})
}
