// Package console is veille's web console: the live stream of mentions
// (server-sent events fed by NATS), brand dashboards, incidents, sources
// health and search over ClickHouse, with CSV export. Pages are rendered on
// the server (html/template) with a little vanilla JavaScript and Chart.js;
// French first, English available. Access needs a login (bcrypt users from
// the configuration) or the API token; sessions are HttpOnly SameSite=Lax
// cookies and every state-changing request carries a CSRF token.
package console

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/crypto/bcrypt"

	"github.com/veille-oss/veille/pkg/platform/obs"
	"github.com/veille-oss/veille/pkg/platform/service"
	"github.com/veille-oss/veille/pkg/store"
	"github.com/veille-oss/veille/services/console/static"
)

// Options tune the console; the zero value is production.
type Options struct {
	// Store overrides the ClickHouse connection (tests).
	Store *store.Store
	// MaxUserFailures and MaxIPFailures are the failed logins tolerated per
	// user name and per client address within FailureWindow before a
	// lockout of Lockout (doubling with each further failure).
	MaxUserFailures int
	MaxIPFailures   int
	FailureWindow   time.Duration
	Lockout         time.Duration
	// Now is the clock (tests).
	Now func() time.Time
}

func (o *Options) defaults() {
	if o.MaxUserFailures <= 0 {
		o.MaxUserFailures = 5
	}
	if o.MaxIPFailures <= 0 {
		o.MaxIPFailures = 20
	}
	if o.FailureWindow <= 0 {
		o.FailureWindow = 15 * time.Minute
	}
	if o.Lockout <= 0 {
		o.Lockout = time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Server is the console's HTTP handler with its live hub and ClickHouse link.
type Server struct {
	env      *service.Env
	log      *slog.Logger
	opts     Options
	st       atomic.Pointer[store.Store]
	ownStore bool
	hub      *hub
	sub      *nats.Subscription
	sessions *sessions
	userThr  *throttle
	ipThr    *throttle
	users    map[string][]byte
	dummy    []byte
	pages    *pages
	mod      moderation
	handler  http.Handler
	inc      incidentState

	queryDur *prometheus.HistogramVec
	logins   *prometheus.CounterVec
	cancel   context.CancelFunc
	done     chan struct{}
}

// sessionsKV opens (or creates) the sessions bucket; entries expire with the
// sessions' maximum age.
func (s *Server) sessionsKV(ctx context.Context) (jetstream.KeyValue, error) {
	if s.env.Bus == nil || s.env.Bus.JS == nil {
		return nil, errors.New("no NATS connection")
	}
	r := max(s.env.Config.NATS.Replicas, 1)
	return s.env.Bus.KeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: BucketSessions, History: 1, TTL: s.sessions.maxAge, Storage: jetstream.FileStorage, Replicas: r,
		Description: "veille console sessions (keys are hashes of the session ids)",
	})
}

// Run serves the console on console.listen until ctx ends.
func Run(ctx context.Context, env *service.Env) error { return RunWith(ctx, env, Options{}) }

// RunWith is Run with options.
func RunWith(ctx context.Context, env *service.Env, opts Options) error {
	s, err := New(ctx, env, opts)
	if err != nil {
		return err
	}
	defer s.Close()
	ln, err := net.Listen("tcp", env.Config.Console.Listen)
	if err != nil {
		return fmt.Errorf("console listen %s: %w", env.Config.Console.Listen, err)
	}
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		// No WriteTimeout: the live stream is a long response. Queries are
		// bounded by their own contexts.
		BaseContext: func(net.Listener) context.Context { return ctx },
	}
	url := "http://" + ln.Addr().String() + "/"
	if b := env.Config.Console.BaseURL; b != "" {
		url = b
	}
	s.log.Info("console listening", "url", url, "addr", ln.Addr().String())
	return obs.Serve(ctx, srv, ln, 5*time.Second)
}

// New builds the console: subscribes to the live stream and connects to
// ClickHouse (in the background, retrying, when it is not up yet).
func New(ctx context.Context, env *service.Env, opts Options) (*Server, error) {
	opts.defaults()
	cfg := env.Config.Console
	s := &Server{
		env: env, log: env.Log.With("service", "console"), opts: opts,
		users: map[string][]byte{}, done: make(chan struct{}),
	}
	m := env.Metrics
	sessGauge := m.Gauge("console_sessions", "Logged-in console sessions.").WithLabelValues()
	sseGauge := m.Gauge("console_sse_clients", "Browsers connected to the live stream.").WithLabelValues()
	dropped := m.Counter("console_live_dropped_total", "Live events dropped for slow browsers.").WithLabelValues()
	s.queryDur = m.Histogram("console_query_seconds", "ClickHouse query latency of console pages.", prometheus.DefBuckets, "query")
	s.logins = m.Counter("console_logins_total", "Console login attempts by result.", "result")
	s.sessions = newSessions(opts.Now, func(n int) { sessGauge.Set(float64(n)) })
	s.sessions.log = s.log
	if kv, err := s.sessionsKV(ctx); err != nil {
		s.log.Warn("console: sessions kept in this process only (a restart logs people out)", "err", err)
	} else {
		s.sessions.kv = kv
	}
	s.userThr = newThrottle(opts.MaxUserFailures, opts.FailureWindow, opts.Lockout, opts.Now)
	s.ipThr = newThrottle(opts.MaxIPFailures, opts.FailureWindow, opts.Lockout, opts.Now)
	s.hub = newHub(dropped.Inc, func(n int) { sseGauge.Set(float64(n)) })
	for _, u := range cfg.Users {
		s.users[u.Name] = []byte(u.PasswordHash.Reveal())
	}
	if len(s.users) == 0 && cfg.Token == "" {
		s.log.Warn("console: no user and no token configured; nobody can log in (add console.users with veille passwd)")
	}
	dummy, err := bcrypt.GenerateFromPassword([]byte(randomToken()), bcrypt.DefaultCost)
	if err != nil {
		return nil, err
	}
	s.dummy = dummy
	if s.pages, err = parsePages(); err != nil {
		return nil, err
	}
	if err := s.startLive(ctx); err != nil {
		return nil, err
	}
	if err := s.startAlerts(); err != nil {
		return nil, err
	}
	cctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.cancel = cancel
	go s.sessions.watchEnds(cctx)
	if opts.Store != nil {
		s.st.Store(opts.Store)
		close(s.done)
	} else {
		s.ownStore = true
		go s.connect(cctx)
	}
	env.Metrics.AddCheck("console_clickhouse", func(ctx context.Context) error {
		st := s.st.Load()
		if st == nil {
			return errors.New("not connected yet")
		}
		return st.Ping(ctx)
	})
	s.handler = s.routes()
	return s, nil
}

// connect opens ClickHouse with backoff; pages answer 503 until it is up.
func (s *Server) connect(ctx context.Context) {
	defer close(s.done)
	st, err := store.OpenRetry(ctx, s.env.Config.ClickHouse, s.log, "console", 30*time.Second)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Error("console: ClickHouse", "err", err)
		}
		return
	}
	// Idempotent; lets the console start before the sink on a fresh server.
	if _, merr := st.Migrate(ctx); merr != nil {
		s.log.Warn("console: migrations", "err", merr)
	}
	s.st.Store(st)
}

// Close stops the live subscription and the ClickHouse connection it opened.
func (s *Server) Close() {
	if s.sub != nil {
		_ = s.sub.Unsubscribe()
	}
	if s.inc.sub != nil {
		_ = s.inc.sub.Unsubscribe()
	}
	s.cancel()
	<-s.done
	if st := s.st.Load(); st != nil && s.ownStore {
		_ = st.Close()
	}
}

// Handler is the console's whole HTTP surface.
func (s *Server) Handler() http.Handler { return s.handler }

func (s *Server) now() time.Time { return s.opts.Now() }

func (s *Server) store() *store.Store { return s.st.Load() }

const (
	kindHTML = iota
	kindAPI
)

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", s.handleReady)
	fs := http.FileServerFS(static.FS)
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fs.ServeHTTP(w, r)
	})))
	mux.HandleFunc("GET /login", s.handleLoginPage)
	mux.HandleFunc("POST /login", s.handleLogin)
	mux.HandleFunc("POST /lang", s.handleLang)
	mux.Handle("POST /logout", s.auth(kindHTML, s.handleLogout))

	mux.Handle("GET /{$}", s.auth(kindHTML, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/live", http.StatusFound)
	}))
	mux.Handle("GET /live", s.auth(kindHTML, s.handleLive))
	mux.Handle("GET /dashboard", s.auth(kindHTML, s.handleDashboard))
	mux.Handle("GET /incidents", s.auth(kindHTML, s.handleIncidents))
	mux.Handle("GET /incidents/{id}", s.auth(kindHTML, s.handleIncident))
	mux.Handle("POST /incidents/{id}/ack", s.auth(kindHTML, s.handleIncidentStatus("acknowledged")))
	mux.Handle("POST /incidents/{id}/resolve", s.auth(kindHTML, s.handleIncidentStatus("resolved")))
	mux.Handle("GET /sources", s.auth(kindHTML, s.handleSources))
	mux.Handle("GET /search", s.auth(kindHTML, s.handleSearch))
	s.moderationRoutes(mux)

	mux.Handle("GET /api/stream", s.auth(kindAPI, s.handleStream))
	mux.Handle("GET /api/search", s.auth(kindAPI, s.handleSearchAPI))
	mux.Handle("GET /api/dashboard", s.auth(kindAPI, s.handleDashboardAPI))
	mux.Handle("GET /api/incidents", s.auth(kindAPI, s.handleIncidentsAPI))
	mux.Handle("POST /api/incidents/{id}/ack", s.auth(kindAPI, s.handleIncidentStatus("acknowledged")))
	mux.Handle("POST /api/incidents/{id}/resolve", s.auth(kindAPI, s.handleIncidentStatus("resolved")))
	mux.Handle("GET /api/sources", s.auth(kindAPI, s.handleSourcesAPI))
	s.incidentRoutes(mux)
	mux.Handle("GET /export.csv", s.auth(kindAPI, s.handleCSV))
	mux.Handle("/", s.auth(kindHTML, func(w http.ResponseWriter, r *http.Request) {
		s.renderError(w, r, http.StatusNotFound, tr(pickLang(r, s.env.Config.Console.Lang), "err.notfound"))
	}))
	c := s.env.Config.Console
	return newHostGuard(c.Listen, c.BaseURL, c.AllowedHosts).middleware(securityHeaders(mux))
}

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fails := s.env.Metrics.Ready(r.Context())
	if !s.env.Bus.NC.IsConnected() {
		fails["console_nats"] = errors.New("not connected")
	}
	if len(fails) == 0 {
		_, _ = w.Write([]byte("ready\n"))
		return
	}
	w.WriteHeader(http.StatusServiceUnavailable)
	// Which dependency fails, and its error, only for signed-in callers
	// (and the log); anyone else learns the status.
	if _, ok := s.authenticate(r); ok {
		_, _ = io.WriteString(w, obs.FailureText(fails))
		return
	}
	_, _ = io.WriteString(w, "not ready\n")
	s.log.Warn("console: not ready", "failing", strings.TrimSpace(obs.FailureText(fails)))
}

// identity is who made a request.
type identity struct {
	user string
	sess *session // nil when authenticated by the API token
}

type ctxKey struct{}

func identityOf(r *http.Request) identity {
	id, _ := r.Context().Value(ctxKey{}).(identity)
	return id
}

// authenticate reads the bearer token or the session cookie. A request
// with a wrong bearer token is refused even if it also has a cookie.
func (s *Server) authenticate(r *http.Request) (identity, bool) {
	if ah := r.Header.Get("Authorization"); ah != "" {
		tok, ok := strings.CutPrefix(ah, "Bearer ")
		want := s.env.Config.Console.Token.Reveal()
		if ok && equal(strings.TrimSpace(tok), want) {
			return identity{user: "token"}, true
		}
		return identity{}, false
	}
	c, err := r.Cookie(cookieSession)
	if err != nil {
		return identity{}, false
	}
	se := s.sessions.get(r.Context(), c.Value)
	if se == nil {
		return identity{}, false
	}
	return identity{user: se.user, sess: se}, true
}

func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

// sameOrigin refuses cross-site requests whose browser says where they come from.
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" || o == "null" {
		return o == ""
	}
	o = strings.TrimPrefix(strings.TrimPrefix(o, "https://"), "http://")
	return strings.EqualFold(o, r.Host)
}

// csrfOK checks the synchronizer token of the session, or for anonymous
// forms (login, language) the double-submit cookie.
func (s *Server) csrfOK(r *http.Request, se *session) bool {
	if !sameOrigin(r) {
		return false
	}
	got := r.Header.Get(csrfHeader)
	if got == "" {
		got = r.PostFormValue(csrfField)
	}
	if se != nil {
		return equal(got, se.csrf)
	}
	c, err := r.Cookie(cookieCSRF)
	return err == nil && equal(got, c.Value)
}

func (s *Server) auth(kind int, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := s.authenticate(r)
		if !ok {
			if kind == kindAPI || r.Header.Get("Authorization") != "" {
				w.Header().Set("WWW-Authenticate", `Bearer realm="veille"`)
				writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "authentication required"})
				return
			}
			http.Redirect(w, r, "/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusFound)
			return
		}
		// The API token is not ambient authority (a browser never adds it
		// by itself), so only cookie sessions need the CSRF token.
		if unsafeMethod(r.Method) && id.sess != nil && !s.csrfOK(r, id.sess) {
			s.renderError(w, r, http.StatusForbidden, tr(pickLang(r, s.env.Config.Console.Lang), "err.csrf"))
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, id)))
	})
}

// secure says whether cookies must be Secure: served over TLS or behind an
// https base URL (a TLS-terminating proxy).
func (s *Server) secure(r *http.Request) bool {
	return r.TLS != nil || strings.HasPrefix(strings.ToLower(s.env.Config.Console.BaseURL), "https://")
}

func (s *Server) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secure(r),
	})
}

// anonCSRF returns the double-submit token of an anonymous visitor, setting
// the cookie when missing.
func (s *Server) anonCSRF(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(cookieCSRF); err == nil && len(c.Value) >= 32 {
		return c.Value
	}
	tok := randomToken()
	s.setCookie(w, r, cookieCSRF, tok, 0)
	return tok
}

func (s *Server) handleLoginPage(w http.ResponseWriter, r *http.Request) {
	if id, ok := s.authenticate(r); ok && id.sess != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusFound)
		return
	}
	s.renderLogin(w, r, http.StatusOK, "", "")
}

func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, status int, user, msg string) {
	v := s.newView(w, r, "login", "login.title")
	v.Data = map[string]any{"User": user, "Next": safeNext(r.FormValue("next")), "NoUsers": len(s.users) == 0}
	v.Error = msg
	s.render(w, status, "login", v)
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	lang := pickLang(r, s.env.Config.Console.Lang)
	if !s.csrfOK(r, nil) {
		s.logins.WithLabelValues("csrf").Inc()
		s.renderError(w, r, http.StatusForbidden, tr(lang, "err.csrf"))
		return
	}
	user := strings.TrimSpace(r.PostFormValue("user"))
	if len(user) > 200 {
		user = user[:200]
	}
	pw := r.PostFormValue("password")
	ipKey, userKey := "ip:"+clientIP(r), "user:"+strings.ToLower(user)
	if wait := reserve(s.userThr, userKey, s.ipThr, ipKey); wait > 0 {
		s.logins.WithLabelValues("throttled").Inc()
		secs := int(wait.Round(time.Second) / time.Second)
		w.Header().Set("Retry-After", fmt.Sprint(max(secs, 1)))
		s.renderLogin(w, r, http.StatusTooManyRequests, user, tr(lang, "login.throttled", max(secs, 1)))
		return
	}
	hash, known := s.users[user]
	if !known {
		hash = s.dummy
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(pw)) != nil || !known {
		s.logins.WithLabelValues("failed").Inc() // already counted by reserve
		s.log.Warn("console: failed login", "user", user, "ip", clientIP(r))
		s.renderLogin(w, r, http.StatusUnauthorized, user, tr(lang, "login.failed"))
		return
	}
	s.logins.WithLabelValues("ok").Inc()
	s.userThr.reset(userKey)
	s.ipThr.reset(ipKey)
	if c, err := r.Cookie(cookieSession); err == nil {
		s.sessions.delete(r.Context(), c.Value) // no session fixation: always a new id
	}
	se := s.sessions.create(r.Context(), user)
	s.setCookie(w, r, cookieSession, se.id, int(s.sessions.maxAge/time.Second))
	s.log.Info("console: login", "user", user, "ip", clientIP(r))
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	if id := identityOf(r); id.sess != nil {
		s.sessions.delete(r.Context(), id.sess.id)
	}
	s.setCookie(w, r, cookieSession, "", -1)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// handleLang stores the language choice in a cookie (a year).
func (s *Server) handleLang(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	id, _ := s.authenticate(r)
	if !s.csrfOK(r, id.sess) {
		s.renderError(w, r, http.StatusForbidden, tr(pickLang(r, s.env.Config.Console.Lang), "err.csrf"))
		return
	}
	lang := r.PostFormValue("lang")
	if catalogue[lang] == nil {
		http.Error(w, "unknown language", http.StatusBadRequest)
		return
	}
	s.setCookie(w, r, cookieLang, lang, 365*24*3600)
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
}
