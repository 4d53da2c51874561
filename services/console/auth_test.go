package console_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/services/console"
)

func TestUnauthenticatedRequestsAreRefused(t *testing.T) {
	h := setup(t)
	c := h.client()
	for _, p := range []string{"/", "/live?brand=Duval", "/dashboard", "/incidents", "/incidents/x", "/sources", "/search?q=a", "/nowhere"} {
		resp, _ := h.get(c, p)
		loc := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, "/login?next=") {
			t.Errorf("GET %s: %d Location %q, want 302 to /login", p, resp.StatusCode, loc)
		}
		if next, _ := url.Parse(loc); next != nil && next.Query().Get("next") != p {
			t.Errorf("GET %s: next=%q", p, next.Query().Get("next"))
		}
	}
	for _, p := range []string{"/api/stream", "/api/search", "/api/dashboard", "/api/incidents", "/api/sources", "/export.csv?brand=Duval"} {
		resp, body := h.get(c, p)
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(resp.Header.Get("WWW-Authenticate"), "Bearer") || !strings.Contains(body, "authentication required") {
			t.Errorf("GET %s: %d %q, want 401 with WWW-Authenticate", p, resp.StatusCode, body)
		}
		// A wrong token is refused, even on an HTML page.
		resp, _ = h.get(c, p, "Authorization", "Bearer wrong")
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET %s with a wrong token: %d", p, resp.StatusCode)
		}
	}
	resp, _ := h.get(c, "/dashboard", "Authorization", "Bearer "+testToken+"x")
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("HTML page with a wrong token: %d", resp.StatusCode)
	}
	resp, _ = h.post(c, "/api/incidents/x/ack", nil)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("POST ack without auth: %d", resp.StatusCode)
	}
	for _, p := range []string{"/healthz", "/readyz", "/static/app.js", "/static/chart.umd.min.js", "/login"} {
		if resp, body := h.get(c, p); resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d %s", p, resp.StatusCode, body)
		}
	}
}

func TestLoginSessionAndCookieFlags(t *testing.T) {
	h := setup(t)
	c := h.client()
	_, page := h.get(c, "/login")
	resp, _ := h.post(c, "/login", url.Values{"csrf_token": {csrfOf(t, page)}, "user": {testUser}, "password": {testPassword}, "next": {"/incidents?status=all"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/incidents?status=all" {
		t.Fatalf("login: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	var sess *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == "veille_session" {
			sess = ck
		}
	}
	if sess == nil {
		t.Fatal("no session cookie")
	}
	if !sess.HttpOnly || sess.SameSite != http.SameSiteLaxMode || sess.Secure || sess.Path != "/" {
		t.Fatalf("session cookie flags: %+v", sess)
	}
	if resp, body := h.get(c, "/sources"); resp.StatusCode != http.StatusOK || !strings.Contains(body, testUser) {
		t.Fatalf("page after login: %d", resp.StatusCode)
	}
	// Open redirects are not followed.
	c2 := h.client()
	_, page = h.get(c2, "/login")
	resp, _ = h.post(c2, "/login", url.Values{"csrf_token": {csrfOf(t, page)}, "user": {testUser}, "password": {testPassword}, "next": {"//evil.example/"}})
	if resp.Header.Get("Location") != "/" {
		t.Fatalf("next=//evil.example/ redirected to %q", resp.Header.Get("Location"))
	}
	// Logout ends the session server-side.
	_, page = h.get(c, "/sources")
	resp, _ = h.post(c, "/logout", url.Values{"csrf_token": {csrfOf(t, page)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", resp.StatusCode)
	}
	replay := h.client()
	replay.Jar.SetCookies(mustURL(t, h.http.URL), []*http.Cookie{{Name: "veille_session", Value: sess.Value}})
	if resp, _ := h.get(replay, "/sources"); resp.StatusCode != http.StatusFound {
		t.Fatalf("old session after logout: %d", resp.StatusCode)
	}
	if v, err := testutilGauge(h, "veille_console_sessions"); err != nil || v != 1 {
		t.Fatalf("sessions gauge %v (%v), want 1 (c2's)", v, err)
	}
}

func TestSecureCookieBehindHTTPS(t *testing.T) {
	h := setup(t, func(c *config.Config, _ *console.Options) { c.Console.BaseURL = "https://veille.example.fr/" })
	c := h.client()
	resp := h.tryLogin(c, testUser, testPassword)
	found := false
	for _, ck := range resp.Cookies() {
		if ck.Name == "veille_session" {
			found = true
			if !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode {
				t.Fatalf("cookie %+v, want Secure HttpOnly SameSite=Lax", ck)
			}
		}
	}
	if !found {
		t.Fatalf("no session cookie (status %d)", resp.StatusCode)
	}
}

func TestCSRFRejected(t *testing.T) {
	h := setup(t)
	h.insertIncident("inc-1", "Duval", "open", 1, nil)
	c, tok := h.login()
	cases := []struct {
		name string
		form url.Values
		hdr  []string
	}{
		{"no token", url.Values{}, nil},
		{"wrong token", url.Values{"csrf_token": {flipFirst(tok)}}, nil},
		{"token of another session", url.Values{"csrf_token": {func() string { _, t2 := h.login(); return t2 }()}}, nil},
		{"cross-site origin", url.Values{"csrf_token": {tok}}, []string{"Origin", "https://evil.example"}},
	}
	for _, cs := range cases {
		resp, _ := h.post(c, "/incidents/inc-1/ack", cs.form, cs.hdr...)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", cs.name, resp.StatusCode)
		}
	}
	for _, p := range []string{"/logout", "/lang"} {
		if resp, _ := h.post(c, p, url.Values{"lang": {"en"}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("POST %s without token: %d", p, resp.StatusCode)
		}
	}
	// Nothing changed.
	if resp, body := h.get(c, "/api/incidents?status=all"); resp.StatusCode != 200 || !strings.Contains(body, `"status":"open"`) {
		t.Fatalf("incident changed by a refused request: %s", body)
	}
	// Login needs the double-submit token too.
	anon := h.client()
	if resp, _ := h.post(anon, "/login", url.Values{"user": {testUser}, "password": {testPassword}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("login without CSRF token: %d", resp.StatusCode)
	}
	// The header form and a same-origin request pass.
	resp, _ := h.post(c, "/incidents/inc-1/ack", url.Values{}, "X-CSRF-Token", tok, "Origin", h.http.URL)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("ack with token: %d", resp.StatusCode)
	}
	// The API token is not a cookie: no CSRF token needed.
	resp, body := h.post(h.client(), "/api/incidents/inc-1/resolve", nil, "Authorization", "Bearer "+testToken)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"status":"resolved"`) {
		t.Fatalf("resolve with API token: %d %s", resp.StatusCode, body)
	}
}

func TestLoginThrottling(t *testing.T) {
	h := setup(t, func(_ *config.Config, o *console.Options) {
		o.MaxUserFailures, o.MaxIPFailures, o.Lockout = 3, 6, time.Minute
	})
	c := h.client()
	for i := 0; i < 3; i++ {
		if resp := h.tryLogin(c, testUser, "wrong password"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d, want 401", i+1, resp.StatusCode)
		}
	}
	// Locked out: even the right password is refused, with Retry-After.
	resp := h.tryLogin(c, testUser, testPassword)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("after 3 failures: %d Retry-After %q, want 429", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	// User names are case-folded for throttling.
	if resp := h.tryLogin(c, "ALICE", testPassword); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("ALICE during lockout: %d", resp.StatusCode)
	}
	h.clock.Add(61 * time.Second)
	if resp := h.tryLogin(c, testUser, testPassword); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("after the lockout: %d", resp.StatusCode)
	}
	// Per IP: failures spread over many names lock the address out.
	c = h.client()
	for i := 0; i < 6; i++ {
		h.tryLogin(c, "user"+string(rune('a'+i)), "x")
	}
	if resp := h.tryLogin(c, "someone-else", "x"); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("after 6 failures from one IP: %d, want 429", resp.StatusCode)
	}
	if v, err := testutilCounter(h, "veille_console_logins_total", "throttled"); err != nil || v < 3 {
		t.Fatalf("throttled logins counter %v (%v)", v, err)
	}
}

func TestHashPassword(t *testing.T) {
	h, err := console.HashPassword("un mot de passe")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$2") || bcrypt.CompareHashAndPassword([]byte(h), []byte("un mot de passe")) != nil {
		t.Fatalf("hash %q does not verify", h)
	}
	if bcrypt.CompareHashAndPassword([]byte(h), []byte("autre chose")) == nil {
		t.Fatal("wrong password verifies")
	}
	if cost, _ := bcrypt.Cost([]byte(h)); cost < bcrypt.DefaultCost {
		t.Fatalf("cost %d", cost)
	}
	for _, bad := range []string{"", "court", strings.Repeat("x", 73)} {
		if _, err := console.HashPassword(bad); !errors.Is(err, console.ErrPassword) {
			t.Errorf("HashPassword(%d bytes): %v", len(bad), err)
		}
	}
	// The configuration accepts what HashPassword prints.
	cfg := config.Default()
	cfg.Console.Users = []config.ConsoleUser{{Name: "bob", PasswordHash: config.Secret(h)}}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
}

// flipFirst returns tok with its first character changed: a wrong token that
// is certain to differ (prefixing "x" equals tok when tok starts with "x").
func flipFirst(tok string) string {
	if tok[0] == 'x' {
		return "y" + tok[1:]
	}
	return "x" + tok[1:]
}

// TestSessionsSharedThroughNATS: a session lives in the NATS KV bucket, so
// a second console (a restart, or another replica) knows it, a logout on
// one is a logout on all, and the bucket holds no usable session id.
func TestSessionsSharedThroughNATS(t *testing.T) {
	h := setup(t)
	c, _ := h.login()
	var sess string
	for _, ck := range c.Jar.Cookies(mustURL(t, h.http.URL)) {
		if ck.Name == "veille_session" {
			sess = ck.Value
		}
	}
	if sess == "" {
		t.Fatal("no session cookie")
	}
	srv2, err := console.New(context.Background(), h.env, console.Options{Now: h.clock.Now, Store: h.st})
	if err != nil {
		t.Fatal(err)
	}
	http2 := httptest.NewServer(srv2.Handler())
	defer func() { http2.CloseClientConnections(); http2.Close(); srv2.Close() }()
	h2 := *h
	h2.http = http2
	c2 := h2.client()
	c2.Jar.SetCookies(mustURL(t, http2.URL), []*http.Cookie{{Name: "veille_session", Value: sess}})
	resp, body := h2.get(c2, "/sources")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, testUser) {
		t.Fatalf("second console does not know the session: %d", resp.StatusCode)
	}
	// The bucket's keys and values do not contain the session id.
	kv, err := h.bus.JS.KeyValue(context.Background(), console.BucketSessions)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := kv.ListKeys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for k := range keys.Keys() {
		n++
		e, err := kv.Get(context.Background(), k)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(k, sess) || strings.Contains(string(e.Value()), sess) {
			t.Fatalf("the sessions bucket holds the session id in clear (key %s)", k)
		}
	}
	if n != 1 {
		t.Fatalf("%d sessions in the bucket, want 1", n)
	}
	// Logout on the second console; the first one refuses the cookie too.
	resp, _ = h2.post(c2, "/logout", url.Values{"csrf_token": {csrfOf(t, body)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout on the second console: %d", resp.StatusCode)
	}
	if resp, _ := h.get(c, "/sources"); resp.StatusCode != http.StatusFound {
		t.Fatalf("first console after a logout on the second: %d, want a redirect to /login", resp.StatusCode)
	}
}
