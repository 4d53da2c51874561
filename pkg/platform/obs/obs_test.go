package obs_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/veille-oss/veille/pkg/platform/obs"
)

func get(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestHandler(t *testing.T) {
	r := obs.NewRegistry()
	r.Counter("things_total", "things").WithLabelValues().Add(3)
	if code, body := get(t, r.Handler(false), "/metrics"); code != 200 || !strings.Contains(body, "veille_things_total 3") {
		t.Fatalf("/metrics: %d %q", code, body)
	}
	if code, _ := get(t, r.Handler(false), "/readyz"); code != 200 {
		t.Fatalf("/readyz with no checks: %d", code)
	}
	r.AddCheck("clickhouse", func(context.Context) error { return errors.New("connection refused") })
	var logged bytes.Buffer
	r.SetLogger(obs.NewLogger(&logged, "info", "text"))
	if code, body := get(t, r.Handler(false), "/readyz"); code != 503 || body != "not ready\n" {
		t.Fatalf("/readyz with a failing check: %d %q, want 503 without the check's name", code, body)
	}
	// The details go to the log (once per change of the failing set).
	get(t, r.Handler(false), "/readyz")
	if n := strings.Count(logged.String(), "clickhouse: connection refused"); n != 1 {
		t.Fatalf("failing check logged %d times, want 1:\n%s", n, logged.String())
	}
}

func TestPprofOptIn(t *testing.T) {
	r := obs.NewRegistry()
	if code, _ := get(t, r.Handler(false), "/debug/pprof/heap"); code != http.StatusNotFound {
		t.Fatalf("pprof served without metrics.pprof: %d", code)
	}
	if code, body := get(t, r.Handler(true), "/debug/pprof/"); code != 200 || !strings.Contains(body, "goroutine") {
		t.Fatalf("pprof index with metrics.pprof: %d", code)
	}
	if code, _ := get(t, r.Handler(true), "/debug/pprof/heap"); code != 200 {
		t.Fatalf("heap profile: %d", code)
	}
}
