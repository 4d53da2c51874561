package deliver

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/alert"
)

// TestForbiddenEmbeddedIPv4 covers IPv6 forms that carry an IPv4 address
// (mapped, IPv4-compatible, NAT64, 6to4, Teredo) and would reach a private
// host through a tunnel or translator.
func TestForbiddenEmbeddedIPv4(t *testing.T) {
	for _, s := range []string{
		"::ffff:10.0.0.1", "::ffff:169.254.169.254", "::ffff:0.0.0.0", // IPv4-mapped
		"::127.0.0.1", "::10.0.0.1", // IPv4-compatible (deprecated)
		"64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe", // NAT64 of loopback, metadata
		"2002:7f00:1::1", "2002:a9fe:a9fe::1", // 6to4 of loopback, metadata
		"2001:0:4136:e378:8000:63bf:3fff:fdd2", // Teredo
	} {
		if !Forbidden(netip.MustParseAddr(s)) {
			t.Errorf("Forbidden(%s) = false, want true", s)
		}
	}
}

// TestWebhookRedirectToPrivateNotFollowed: a public-looking endpoint that
// answers with a redirect to an internal address must not be followed.
func TestWebhookRedirectToPrivateNotFollowed(t *testing.T) {
	var internalHits atomic.Int32
	internal := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { internalHits.Add(1) }))
	defer internal.Close()
	for _, code := range []int{http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, internal.URL+"/admin", code)
		}))
		// allow_private reaches the stand-in for a public endpoint; the
		// redirect is the attack under test.
		ch := NewWebhook(webhookCfg(hook.URL, true))
		err := ch.Send(context.Background(), Message{Key: "k", Event: sampleEvent(alert.Opened, 1, 6), Attempt: 1, SentAt: time.Now()})
		hook.Close()
		if !errors.Is(err, ErrPermanent) || !strings.Contains(err.Error(), "redirect") {
			t.Errorf("HTTP %d: err = %v, want a permanent 'redirects are not followed'", code, err)
		}
	}
	if n := internalHits.Load(); n != 0 {
		t.Fatalf("the redirect target was reached %d times", n)
	}
}

// TestWebhookLiteralMappedLoopbackRefused: a URL naming loopback in its
// IPv4-mapped IPv6 form is refused at dial time.
func TestWebhookLiteralMappedLoopbackRefused(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer srv.Close()
	port := srv.Listener.Addr().(interface{ AddrPort() netip.AddrPort }).AddrPort().Port()
	for _, host := range []string{"[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "0.0.0.0", "127.1"} {
		u := "http://" + host + ":" + strconv.Itoa(int(port)) + "/hook"
		ch := NewWebhook(webhookCfg(u, false))
		err := ch.Send(context.Background(), Message{Key: "k", Event: sampleEvent(alert.Opened, 1, 6), Attempt: 1, SentAt: time.Now()})
		if err == nil {
			t.Errorf("%s: delivered, want a refusal", u)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("loopback reached %d times", n)
	}
}
