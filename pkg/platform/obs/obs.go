// Package obs is veille's observability: slog setup, the Prometheus registry
// shared by every service of a process, and the /metrics, /healthz and
// /readyz endpoint whose readiness reflects dependency outages.
package obs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// NewLogger builds a slog logger writing to w at level in format text|json.
// URL credentials are removed from every attribute and message (redactAttr).
func NewLogger(w io.Writer, level, format string) *slog.Logger {
	var lv slog.Level
	switch strings.ToLower(level) {
	case "debug":
		lv = slog.LevelDebug
	case "warn":
		lv = slog.LevelWarn
	case "error":
		lv = slog.LevelError
	default:
		lv = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: lv, ReplaceAttr: redactAttr}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// Check reports whether a dependency is usable; nil means ready.
type Check func(ctx context.Context) error

// Registry holds the process's metrics and readiness checks.
type Registry struct {
	Prom   *prometheus.Registry
	mu     sync.Mutex
	checks map[string]Check
	log    *slog.Logger
	// lastFails is the failing set last logged at warn level.
	lastFails string
}

// NewRegistry returns a registry with Go and process collectors.
func NewRegistry() *Registry {
	r := prometheus.NewRegistry()
	r.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return &Registry{Prom: r, checks: map[string]Check{}}
}

// AddCheck registers a readiness check under name (e.g. "nats", "clickhouse").
func (r *Registry) AddCheck(name string, c Check) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.checks[name] = c
}

// Ready runs every check and returns the failures by name.
func (r *Registry) Ready(ctx context.Context) map[string]error {
	r.mu.Lock()
	checks := make(map[string]Check, len(r.checks))
	for k, v := range r.checks {
		checks[k] = v
	}
	r.mu.Unlock()
	out := map[string]error{}
	for name, c := range checks {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		if err := c(cctx); err != nil {
			out[name] = err
		}
		cancel()
	}
	return out
}

// Counter registers (or returns the already registered) counter vector.
func (r *Registry) Counter(name, help string, labels ...string) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "veille", Name: name, Help: help}, labels)
	if err := r.Prom.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			return are.ExistingCollector.(*prometheus.CounterVec)
		}
		panic(err)
	}
	return c
}

// Gauge registers (or returns) a gauge vector.
func (r *Registry) Gauge(name, help string, labels ...string) *prometheus.GaugeVec {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "veille", Name: name, Help: help}, labels)
	if err := r.Prom.Register(g); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			return are.ExistingCollector.(*prometheus.GaugeVec)
		}
		panic(err)
	}
	return g
}

// Histogram registers (or returns) a histogram vector.
func (r *Registry) Histogram(name, help string, buckets []float64, labels ...string) *prometheus.HistogramVec {
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: "veille", Name: name, Help: help, Buckets: buckets}, labels)
	if err := r.Prom.Register(h); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			return are.ExistingCollector.(*prometheus.HistogramVec)
		}
		panic(err)
	}
	return h
}

// Handler serves /metrics, /healthz (process alive) and /readyz (every
// dependency check passes; 503 otherwise, the failing ones logged), and with
// withPprof Go's profiles under /debug/pprof/.
func (r *Registry) Handler(withPprof bool) http.Handler {
	mux := http.NewServeMux()
	if withPprof {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	mux.Handle("/metrics", promhttp.HandlerFor(r.Prom, promhttp.HandlerOpts{}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fails := r.Ready(req.Context())
		if len(fails) == 0 {
			r.logNotReady(nil) // the next failure is logged at warn level again
			_, _ = io.WriteString(w, "ready\n")
			return
		}
		// Only the status: which dependency fails (and its error, which may
		// name hosts and users) goes to the log, not to whoever asks.
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, "not ready\n")
		r.logNotReady(fails)
	})
	return mux
}

// Serve runs the metrics endpoint on addr until ctx ends.
func (r *Registry) Serve(ctx context.Context, addr string, withPprof bool, log *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("metrics listen %s: %w", addr, err)
	}
	r.SetLogger(log)
	srv := &http.Server{Handler: r.Handler(withPprof), ReadHeaderTimeout: 5 * time.Second}
	log.Info("metrics endpoint", "url", "http://"+ln.Addr().String()+"/metrics")
	return Serve(ctx, srv, ln, 3*time.Second)
}

// Serve runs srv on ln until ctx ends, then shuts it down, giving requests
// in flight up to grace to finish. It returns nil after a shutdown.
func Serve(ctx context.Context, srv *http.Server, ln net.Listener, grace time.Duration) error {
	stop := context.AfterFunc(ctx, func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace)
		defer cancel()
		_ = srv.Shutdown(sctx)
	})
	defer stop()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
