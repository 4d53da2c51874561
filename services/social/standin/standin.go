// Package standin serves local stand-ins for the social networks' public
// APIs, for veille's tests and demo: no network reaches the real ones from
// here. Each stand-in is written from the network's public API reference
// (cited at the top of its file), not from veille's collectors: shapes,
// pagination cursors, 401/403/429 with their headers, deletions. They keep
// everything in memory and are safe for concurrent use.
package standin

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"
)

// limiter is the rate-limit and token behaviour the stand-ins share: a
// rate-limit window during which every call is refused with 429, and a
// token that can be required and expired.
type limiter struct {
	mu      sync.Mutex
	token   string
	expired bool
	reset   time.Time       // calls before it are refused with 429
	inWin   map[string]bool // paths answered 429 in the current window
	refused int
	early   int
}

// RequireToken makes calls need "Authorization: Bearer <token>".
func (l *limiter) RequireToken(token string) {
	l.mu.Lock()
	l.token, l.expired = token, false
	l.mu.Unlock()
}

// ExpireToken makes the required token refused from now on (401).
func (l *limiter) ExpireToken() {
	l.mu.Lock()
	l.expired = true
	l.mu.Unlock()
}

// RateLimit opens a window of d (rounded up to whole seconds, as the
// headers carry seconds) during which every call is refused with 429.
func (l *limiter) RateLimit(d time.Duration) {
	l.mu.Lock()
	l.reset = time.Now().Add(d).Truncate(time.Second).Add(time.Second)
	l.inWin = map[string]bool{}
	l.mu.Unlock()
}

// Stats are what a test checks about the client's behaviour.
type Stats struct {
	// Refused429 is how many calls were answered 429.
	Refused429 int
	// EarlyRetries is how many calls to an endpoint came again inside a
	// window after a 429 of that endpoint had announced the reset: a
	// client that honours the limit makes none.
	EarlyRetries int
}

// Stats returns the counts so far.
func (l *limiter) Stats() Stats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return Stats{Refused429: l.refused, EarlyRetries: l.early}
}

// check decides a call's fate: "" to serve it, "token" (missing or
// invalid), "expired", or "limited" with the reset time.
func (l *limiter) check(r *http.Request) (string, time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.token != "" {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || got != l.token {
			return "token", time.Time{}
		}
		if l.expired {
			return "expired", time.Time{}
		}
	}
	if time.Now().Before(l.reset) {
		l.refused++
		if l.inWin[r.URL.Path] {
			l.early++
		}
		l.inWin[r.URL.Path] = true
		return "limited", l.reset
	}
	return "", time.Time{}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// changes broadcasts "something was appended" to waiting streams.
type changes struct {
	mu sync.Mutex
	ch chan struct{}
}

func (c *changes) wait() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ch == nil {
		c.ch = make(chan struct{})
	}
	return c.ch
}

func (c *changes) notify() {
	c.mu.Lock()
	if c.ch != nil {
		close(c.ch)
		c.ch = nil
	}
	c.mu.Unlock()
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only our own maps are encoded
	}
	return string(b)
}
