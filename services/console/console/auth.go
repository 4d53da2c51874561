package console

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Cookie names.
const (
	cookieSession = "veille_session"
	cookieCSRF    = "veille_csrf"
	cookieLang    = "veille_lang"
	csrfField     = "csrf_token"
	csrfHeader    = "X-CSRF-Token"
)

var (
	// ErrPassword is returned by HashPassword for an unusable password.
	ErrPassword = errors.New("unusable password")
	// errCSRF is the reason state-changing requests without a valid token get 403.
	errCSRF = errors.New("missing or invalid CSRF token")
)

// HashPassword returns the bcrypt hash to put in console.users[].password_hash
// (veille passwd prints it).
func HashPassword(pw string) (string, error) {
	if len(pw) < 8 {
		return "", fmt.Errorf("%w: at least 8 characters", ErrPassword)
	}
	if len(pw) > 72 {
		// bcrypt ignores what is past 72 bytes; refuse rather than surprise.
		return "", fmt.Errorf("%w: at most 72 bytes", ErrPassword)
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrPassword, err)
	}
	return string(h), nil
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand never fails on Linux (Go >= 1.24 panics instead)
	return base64.RawURLEncoding.EncodeToString(b)
}

func equal(a, b string) bool {
	return a != "" && len(a) == len(b) && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// session is one logged-in browser. Sessions live in memory: a console
// restart logs everyone out, which is acceptable for a handful of users.
type session struct {
	id      string
	user    string
	csrf    string
	created time.Time
	seen    time.Time
}

type sessions struct {
	mu      sync.Mutex
	m       map[string]*session
	maxAge  time.Duration
	idle    time.Duration
	now     func() time.Time
	onCount func(n int)
}

func newSessions(now func() time.Time, onCount func(int)) *sessions {
	return &sessions{m: map[string]*session{}, maxAge: 12 * time.Hour, idle: 2 * time.Hour, now: now, onCount: onCount}
}

func (s *sessions) create(user string) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.gcLocked(now)
	se := &session{id: randomToken(), user: user, csrf: randomToken(), created: now, seen: now}
	s.m[se.id] = se
	s.onCount(len(s.m))
	return se
}

func (s *sessions) get(id string) *session {
	if id == "" {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	se := s.m[id]
	if se == nil {
		return nil
	}
	now := s.now()
	if now.Sub(se.created) > s.maxAge || now.Sub(se.seen) > s.idle {
		delete(s.m, id)
		s.onCount(len(s.m))
		return nil
	}
	se.seen = now
	return se
}

func (s *sessions) delete(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, id)
	s.onCount(len(s.m))
}

func (s *sessions) gcLocked(now time.Time) {
	for id, se := range s.m {
		if now.Sub(se.created) > s.maxAge || now.Sub(se.seen) > s.idle {
			delete(s.m, id)
		}
	}
}

// throttle counts login failures per key (an IP, a user name) and locks the
// key out for a growing time once it has too many failures in a window.
type throttle struct {
	mu      sync.Mutex
	m       map[string]*failures
	max     int
	window  time.Duration
	lockout time.Duration
	now     func() time.Time
}

type failures struct {
	n           int
	first       time.Time
	lockedUntil time.Time
}

const throttleMaxKeys = 100_000

func newThrottle(max int, window, lockout time.Duration, now func() time.Time) *throttle {
	return &throttle{m: map[string]*failures{}, max: max, window: window, lockout: lockout, now: now}
}

// blocked returns how long key must still wait, or 0.
func (t *throttle) blocked(key string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	f := t.m[key]
	if f == nil {
		return 0
	}
	if d := f.lockedUntil.Sub(t.now()); d > 0 {
		return d
	}
	return 0
}

// fail records a failure; past max failures in the window the key is locked
// out for lockout, doubling with every further failure (at most 16x).
func (t *throttle) fail(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	f := t.m[key]
	if f == nil || (now.Sub(f.first) > t.window && now.After(f.lockedUntil)) {
		if len(t.m) >= throttleMaxKeys {
			t.gcLocked(now)
		}
		f = &failures{first: now}
		t.m[key] = f
	}
	f.n++
	if f.n >= t.max {
		d := t.lockout << min(f.n-t.max, 4)
		f.lockedUntil = now.Add(d)
	}
}

func (t *throttle) reset(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.m, key)
}

func (t *throttle) gcLocked(now time.Time) {
	for k, f := range t.m {
		if now.Sub(f.first) > t.window && now.After(f.lockedUntil) {
			delete(t.m, k)
		}
	}
	// Under a flood of distinct keys, forget everything rather than grow.
	if len(t.m) >= throttleMaxKeys {
		clear(t.m)
	}
}

// clientIP is the peer address. X-Forwarded-For is not trusted: behind a
// reverse proxy every client shares the proxy's limit, which errs safe.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// safeNext keeps post-login redirects on this site.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.ContainsAny(next, "\r\n") {
		return "/"
	}
	return next
}
