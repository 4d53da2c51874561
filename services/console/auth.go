package console

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
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
		return "", fmt.Errorf("%w: %w", ErrPassword, err)
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

// session is one logged-in browser.
type session struct {
	id      string
	user    string
	csrf    string
	created time.Time
	seen    time.Time
}

// sessionRecord is a session as kept in the sessions bucket.
type sessionRecord struct {
	User    string    `json:"user"`
	CSRF    string    `json:"csrf"`
	Created time.Time `json:"created"`
	Seen    time.Time `json:"seen"`
}

// BucketSessions is the NATS KV bucket of console sessions: a console
// restart does not log people out, and several console replicas share
// logins and logouts. Keys are hashes of the session ids, so reading the
// bucket does not give a usable cookie.
const BucketSessions = "VEILLE_CONSOLE_SESSIONS"

// seenEvery bounds how often a session's last-seen time is written back:
// the idle timeout is exact to this much.
const seenEvery = time.Minute

// sessions are kept in the KV bucket when there is one (the source of truth:
// a logout on one replica is seen by all), else in memory only. The local
// map counts this instance's sessions for the gauge and serves when the
// bucket cannot be reached.
type sessions struct {
	mu      sync.Mutex
	m       map[string]*session
	maxAge  time.Duration
	idle    time.Duration
	now     func() time.Time
	onCount func(n int)
	kv      jetstream.KeyValue
	log     *slog.Logger
	// ends are closed when a session ends (logout here, or its deletion
	// seen in the bucket): the live streams opened with it stop at once.
	// Keyed by sessionKey so that deletions seen in the bucket match.
	ends map[string]map[chan struct{}]struct{}
}

func newSessions(now func() time.Time, onCount func(int)) *sessions {
	return &sessions{m: map[string]*session{}, maxAge: 12 * time.Hour, idle: 2 * time.Hour, now: now, onCount: onCount, log: slog.New(slog.DiscardHandler)}
}

func sessionKey(id string) string {
	h := sha256.Sum256([]byte(id))
	return "s" + hex.EncodeToString(h[:20])
}

func (s *sessions) expired(se *session, now time.Time) bool {
	return now.Sub(se.created) > s.maxAge || now.Sub(se.seen) > s.idle
}

func (s *sessions) save(ctx context.Context, se *session) error {
	b, err := json.Marshal(sessionRecord{User: se.user, CSRF: se.csrf, Created: se.created, Seen: se.seen})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	_, err = s.kv.Put(ctx, sessionKey(se.id), b)
	return err
}

func (s *sessions) create(ctx context.Context, user string) *session {
	now := s.now()
	se := &session{id: randomToken(), user: user, csrf: randomToken(), created: now, seen: now}
	if s.kv != nil {
		if err := s.save(ctx, se); err != nil {
			s.log.Warn("console: session not stored in NATS (kept in this process only)", "err", err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gcLocked(now)
	s.m[se.id] = se
	s.onCount(len(s.m))
	return se
}

func (s *sessions) get(ctx context.Context, id string) *session {
	if id == "" {
		return nil
	}
	now := s.now()
	if s.kv != nil {
		se, err := s.load(ctx, id)
		if err == nil {
			if se == nil || s.expired(se, now) {
				if se != nil {
					s.delete(ctx, id)
				} else {
					s.forget(id)
				}
				return nil
			}
			if now.Sub(se.seen) >= seenEvery {
				se.seen = now
				if err := s.save(ctx, se); err != nil {
					s.log.Warn("console: session last-seen not stored", "err", err)
				}
			}
			s.mu.Lock()
			s.m[id] = se
			s.onCount(len(s.m))
			s.mu.Unlock()
			return se
		}
		s.log.Warn("console: sessions bucket unreachable; using this process's sessions", "err", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	se := s.m[id]
	if se == nil {
		return nil
	}
	if s.expired(se, now) {
		delete(s.m, id)
		s.onCount(len(s.m))
		s.endLocked(sessionKey(id))
		return nil
	}
	se.seen = now
	return se
}

// load reads a session from the bucket: nil, nil when there is none.
func (s *sessions) load(ctx context.Context, id string) (*session, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	e, err := s.kv.Get(ctx, sessionKey(id))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var rec sessionRecord
	if err := json.Unmarshal(e.Value(), &rec); err != nil || rec.User == "" || rec.CSRF == "" {
		return nil, nil // unreadable: as good as absent
	}
	return &session{id: id, user: rec.User, csrf: rec.CSRF, created: rec.Created, seen: rec.Seen}, nil
}

func (s *sessions) forget(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, id)
	s.onCount(len(s.m))
	s.endLocked(sessionKey(id))
}

func (s *sessions) delete(ctx context.Context, id string) {
	if s.kv != nil {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		if err := s.kv.Delete(dctx, sessionKey(id)); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
			s.log.Warn("console: session not deleted from NATS", "err", err)
		}
		cancel()
	}
	s.forget(id)
}

func (s *sessions) gcLocked(now time.Time) {
	for id, se := range s.m {
		if s.expired(se, now) {
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

// reserve counts one login attempt against both keys before the password
// is checked, atomically: concurrent attempts cannot all pass the check
// before any failure is recorded. It returns how long the caller must wait
// (0: go ahead). A successful login resets both keys; a failed one leaves
// its reservation counted. Lock order is always a then b.
func reserve(a *throttle, ka string, b *throttle, kb string) time.Duration {
	a.mu.Lock()
	defer a.mu.Unlock()
	b.mu.Lock()
	defer b.mu.Unlock()
	if w := max(a.waitLocked(ka), b.waitLocked(kb)); w > 0 {
		return w
	}
	a.countLocked(ka)
	b.countLocked(kb)
	return 0
}

func (t *throttle) waitLocked(key string) time.Duration {
	if f := t.m[key]; f != nil {
		return max(f.lockedUntil.Sub(t.now()), 0)
	}
	return 0
}

// countLocked records an attempt; past max attempts in the window the key
// is locked out for lockout, doubling with every further one (at most 16x).
func (t *throttle) countLocked(key string) {
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

// maxNextLen bounds the post-login target; the console's own links are short.
const maxNextLen = 2048

// safeNext keeps post-login redirects on this console: only an absolute
// path made of printable ASCII, with no scheme, host, backslash or control
// character anywhere (browsers drop tabs and newlines and read "\\" as "/",
// so "/\t/evil" or "/\\evil" would become "//evil", another host).
// Anything else gives "/".
func safeNext(next string) string {
	if next == "" || len(next) > maxNextLen || next[0] != '/' {
		return "/"
	}
	for i := 0; i < len(next); i++ {
		if c := next[i]; c <= ' ' || c >= 0x7f || c == '\\' {
			return "/"
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !strings.HasPrefix(u.Path, "/") {
		return "/"
	}
	// Encoded forms are checked too: "/%2F/evil" or "/%5Cevil" may be
	// decoded by a proxy in front of the console.
	p := u.Path
	if strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\") || strings.HasPrefix(next, "//") {
		return "/"
	}
	for _, r := range p {
		if r < ' ' || r == 0x7f {
			return "/"
		}
	}
	return next
}
