package console_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/veille-oss/veille/services/console"
)

// openStream opens /api/stream with c's session cookie and returns a channel
// closed when the server ends the response.
func openStream(t *testing.T, c *http.Client, base string) <-chan struct{} {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/api/stream", nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("stream: %d", resp.StatusCode)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, resp.Body)
	}()
	return done
}

func waitEnded(t *testing.T, done <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		t.Fatalf("the live stream is still open 3 s after %s", what)
	}
}

func TestStreamEndsAtLogout(t *testing.T) {
	h := setup(t)
	c, csrf := h.login()
	done := openStream(t, c, h.http.URL)
	select {
	case <-done:
		t.Fatal("stream ended before the logout")
	case <-time.After(300 * time.Millisecond):
	}
	if resp, _ := h.post(c, "/logout", url.Values{"csrf_token": {csrf}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", resp.StatusCode)
	}
	waitEnded(t, done, "the logout")
}

func TestStreamEndsAtSessionExpiry(t *testing.T) {
	h := setup(t)
	c, _ := h.login()
	done := openStream(t, c, h.http.URL)
	h.clock.Add(2*time.Hour + time.Minute) // past the idle timeout
	waitEnded(t, done, "the session's expiry")
	// And the reconnection the browser would attempt is refused.
	req, _ := http.NewRequest("GET", h.http.URL+"/api/stream", nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("stream after expiry: %d, want 401", resp.StatusCode)
	}
}

// TestStreamEndsAtLogoutOnAnotherReplica: two consoles share the sessions
// bucket; a logout on one ends the stream held by the other.
func TestStreamEndsAtLogoutOnAnotherReplica(t *testing.T) {
	h := setup(t)
	c, csrf := h.login()
	srv2, err := console.New(context.Background(), h.env, console.Options{Now: h.clock.Now, Store: h.st})
	if err != nil {
		t.Fatal(err)
	}
	http2 := httptest.NewServer(srv2.Handler())
	defer func() { http2.CloseClientConnections(); http2.Close(); srv2.Close() }()
	// The same browser session, on the second replica.
	for _, ck := range c.Jar.Cookies(mustURL(t, h.http.URL)) {
		c.Jar.SetCookies(mustURL(t, http2.URL), []*http.Cookie{ck})
	}
	done := openStream(t, c, http2.URL)
	time.Sleep(200 * time.Millisecond)
	if resp, _ := h.post(c, "/logout", url.Values{"csrf_token": {csrf}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", resp.StatusCode)
	}
	waitEnded(t, done, "a logout on the other replica")
}
