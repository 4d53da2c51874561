package obs

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
)

// SetLogger sets where /readyz logs the failing checks (Serve sets it).
func (r *Registry) SetLogger(log *slog.Logger) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.log = log
}

// FailureText formats failing checks by name, sorted, one per line: for
// logs and for authenticated callers only.
func FailureText(fails map[string]error) string {
	names := make([]string, 0, len(fails))
	for n := range fails {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, "%s: %v\n", n, fails[n])
	}
	return b.String()
}

// logNotReady logs the failing checks: at warn level when the failing set
// changes, at debug level while it stays (probes ask every few seconds).
func (r *Registry) logNotReady(fails map[string]error) {
	r.mu.Lock()
	log := r.log
	names := make([]string, 0, len(fails))
	for n := range fails {
		names = append(names, n)
	}
	sort.Strings(names)
	key := strings.Join(names, ",")
	changed := key != r.lastFails
	r.lastFails = key
	r.mu.Unlock()
	if log == nil || len(fails) == 0 {
		return
	}
	lvl := slog.LevelDebug
	if changed {
		lvl = slog.LevelWarn
	}
	log.Log(context.Background(), lvl, "not ready", "failing", strings.TrimSpace(FailureText(fails)))
}
