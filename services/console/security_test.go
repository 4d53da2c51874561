package console_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/services/console"
)

// openRedirects are post-login targets that a browser would take off this
// console (or that are not plain paths); each must become "/".
var openRedirects = []string{
	"/\t/evil.example/", "/\n/evil.example/", "/\r/evil.example/", "\t//evil.example/",
	"//evil.example/", "///evil.example/", "/\\evil.example/", "\\\\evil.example/", "/\\/evil.example/",
	"https://evil.example/", "http:evil.example", "javascript:alert(1)", "data:text/html,x",
	"/%2F/evil.example/", "/%2f%2fevil.example/", "/%5Cevil.example/", "/%09/evil.example/", "/%0a/evil.example",
	" /evil", "/ /evil", "/\x00/evil.example", "/\x7f/evil.example", "/é/evil.example",
	"evil.example", "./evil", "../evil", "?next=//evil.example", "#//evil.example",
	"/" + strings.Repeat("a", 3000),
}

// keptNext are targets that are plain paths on this console.
var keptNext = []string{"/dashboard?brand=Duval", "/live", "/search?q=%22Duval%22&from=2026-01-01", "/incidents/inc-1", "/a/b/", "/sources#top"}

func TestLoginNextIsSameOrigin(t *testing.T) {
	h := setup(t)
	c, _ := h.login()
	for _, next := range openRedirects {
		resp, _ := h.get(c, "/login?next="+url.QueryEscape(next))
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || loc != "/" {
			t.Errorf("GET /login?next=%q: %d Location %q, want 302 to /", next, resp.StatusCode, loc)
		}
	}
	for _, next := range keptNext {
		resp, _ := h.get(c, "/login?next="+url.QueryEscape(next))
		if loc := resp.Header.Get("Location"); loc != next {
			t.Errorf("GET /login?next=%q: Location %q, want it kept", next, loc)
		}
	}
	// The POST field, on a fresh login each time.
	for _, next := range append(openRedirects[:6:6], "/%2F/evil.example/", "https://evil.example/") {
		c := h.client()
		_, body := h.get(c, "/login")
		resp, _ := h.post(c, "/login", url.Values{"csrf_token": {csrfOf(t, body)}, "user": {testUser}, "password": {testPassword}, "next": {next}})
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/" {
			t.Errorf("POST /login next=%q: %d Location %q, want 303 to /", next, resp.StatusCode, loc)
		}
	}
	// The login form does not carry a hostile next either.
	_, body := h.get(h.client(), "/login?next="+url.QueryEscape("/\t/evil.example/"))
	if !strings.Contains(body, `<input type="hidden" name="next" value="/">`) {
		t.Errorf("login form does not reset the hostile next to /")
	}
}

// TestParallelWrongPasswordsAreThrottled: the attempt is reserved before the
// password is checked, so 40 simultaneous wrong passwords for one user get
// at most MaxUserFailures 401s and 429s for the rest.
func TestParallelWrongPasswordsAreThrottled(t *testing.T) {
	h := setup(t, func(_ *config.Config, o *console.Options) {
		o.MaxUserFailures, o.MaxIPFailures, o.Lockout = 5, 1000, time.Minute
	})
	const n = 40
	type prepared struct {
		c    *http.Client
		form url.Values
	}
	ps := make([]prepared, n)
	for i := range ps {
		c := h.client()
		_, body := h.get(c, "/login")
		ps[i] = prepared{c, url.Values{"csrf_token": {csrfOf(t, body)}, "user": {testUser}, "password": {"wrong password"}}}
	}
	codes := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range ps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			req, _ := http.NewRequest("POST", h.http.URL+"/login", strings.NewReader(ps[i].form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := ps[i].c.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			codes[i] = resp.StatusCode
		}()
	}
	close(start)
	wg.Wait()
	count := map[int]int{}
	for _, c := range codes {
		count[c]++
	}
	if count[http.StatusUnauthorized] > 5 || count[http.StatusTooManyRequests] < n-5 || count[http.StatusUnauthorized]+count[http.StatusTooManyRequests] != n {
		t.Fatalf("40 parallel wrong passwords for one user: %v, want at most 5 × 401 and the rest 429", count)
	}
	// Per client address likewise, over many user names.
	h2 := setup(t, func(_ *config.Config, o *console.Options) {
		o.MaxUserFailures, o.MaxIPFailures, o.Lockout = 1000, 8, time.Minute
	})
	codes = make([]int, n)
	forms := make([]url.Values, n)
	cs := make([]*http.Client, n)
	for i := range forms {
		cs[i] = h2.client()
		_, body := h2.get(cs[i], "/login")
		forms[i] = url.Values{"csrf_token": {csrfOf(t, body)}, "user": {"user" + string(rune('a'+i%26)) + string(rune('a'+i/26))}, "password": {"x"}}
	}
	start = make(chan struct{})
	for i := range forms {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			resp, _ := h2.post(cs[i], "/login", forms[i])
			codes[i] = resp.StatusCode
		}()
	}
	close(start)
	wg.Wait()
	count = map[int]int{}
	for _, c := range codes {
		count[c]++
	}
	if count[http.StatusUnauthorized] > 8 || count[http.StatusTooManyRequests] < n-8 {
		t.Fatalf("40 parallel wrong logins from one address: %v, want at most 8 × 401", count)
	}
}

// TestHostAllowList: a DNS-rebinding page makes the browser send its own
// name in Host; only the console's names are answered.
func TestHostAllowList(t *testing.T) {
	h := setup(t, func(c *config.Config, _ *console.Options) {
		c.Console.BaseURL = "https://veille.example.fr/"
		c.Console.AllowedHosts = []string{"veille.internal"}
	})
	c := h.client()
	_, port, _ := strings.Cut(strings.TrimPrefix(h.http.URL, "http://"), ":")
	for host, want := range map[string]int{
		"127.0.0.1:" + port:      http.StatusOK,
		"localhost:" + port:      http.StatusOK,
		"LOCALHOST.":             http.StatusOK,
		"[::1]:" + port:          http.StatusOK,
		"veille.example.fr":      http.StatusOK,
		"veille.internal:8443":   http.StatusOK,
		"evil.example:" + port:   http.StatusMisdirectedRequest,
		"evil.example":           http.StatusMisdirectedRequest,
		"10.1.2.3:" + port:       http.StatusMisdirectedRequest, // listen is loopback
		"127.0.0.1.evil.example": http.StatusMisdirectedRequest,
		"veille.example.fr.evil": http.StatusMisdirectedRequest,
		"a@b":                    http.StatusBadRequest,
		"[::1":                   http.StatusBadRequest,
	} {
		req, _ := http.NewRequest("GET", h.http.URL+"/sources", nil)
		req.Host = host
		req.Header.Set("Authorization", "Bearer "+testToken) // cookies are Secure behind an https base_url
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("Host %q: %d, want %d", host, resp.StatusCode, want)
		}
	}
	// The login form is guarded too (a rebinding page would post to it).
	req, _ := http.NewRequest("GET", h.http.URL+"/login", nil)
	req.Host = "evil.example"
	if resp, err := h.client().Do(req); err != nil || resp.StatusCode != http.StatusMisdirectedRequest {
		t.Fatalf("GET /login with a foreign Host: %v %v", resp.StatusCode, err)
	}
}

// TestReadyzNamesNothingToStrangers: a failing dependency is named only to
// a signed-in caller.
func TestReadyzNamesNothingToStrangers(t *testing.T) {
	h := setup(t)
	h.env.Metrics.AddCheck("clickhouse_secret_host", func(context.Context) error { return errors.New("dial tcp 10.9.8.7:9000: refused") })
	resp, body := h.get(h.client(), "/readyz")
	if resp.StatusCode != http.StatusServiceUnavailable || body != "not ready\n" {
		t.Fatalf("anonymous /readyz: %d %q, want 503 \"not ready\"", resp.StatusCode, body)
	}
	resp, body = h.get(h.client(), "/readyz", bearer()...)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "clickhouse_secret_host: dial tcp 10.9.8.7:9000") {
		t.Fatalf("signed-in /readyz: %d %q, want the failing check named", resp.StatusCode, body)
	}
}
