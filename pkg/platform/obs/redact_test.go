package obs_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/platform/obs"
)

// TestLoggerRedactsURLCredentials: whatever carries a source URL with a
// password (a string, a fetch error, a *url.URL, the message, a group, a
// With attribute), neither the text nor the JSON log shows the user or the
// password; the host and path stay.
func TestLoggerRedactsURLCredentials(t *testing.T) {
	const raw = "http://veille-user:s3cret-pw@127.0.0.1:1/feed.xml"
	u, _ := url.Parse(raw)
	// A real client error: Go masks the password ("***") but keeps the user.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", raw, nil)
	_, fetchErr := http.DefaultClient.Do(req)
	if fetchErr == nil {
		t.Fatal("expected a connection error")
	}
	for _, format := range []string{"text", "json"} {
		var buf bytes.Buffer
		log := obs.NewLogger(&buf, "debug", format).With("source_url", raw)
		log.Info("fetch failed", "url", raw, "err", fetchErr)
		log.Warn("source pass failed", "err", fmt.Errorf("feed x: %w", errors.New("GET "+raw+": 401")))
		log.Info("parsed", "u", u, "list", []string{raw})
		log.Info("message with "+raw, slog.Group("g", "u", raw))
		out := buf.String()
		for _, secret := range []string{"s3cret-pw", "veille-user", "***@"} {
			if strings.Contains(out, secret) {
				t.Errorf("%s log shows %q:\n%s", format, secret, out)
			}
		}
		if n := strings.Count(out, "127.0.0.1:1/feed.xml"); n < 7 {
			t.Errorf("%s log: the URL itself appears %d times, want it kept (7):\n%s", format, n, out)
		}
	}
}

func TestRedactURLs(t *testing.T) {
	for in, want := range map[string]string{
		"http://u:p@h/x":                     "http://h/x",
		`Get "https://u:***@h:8443/a?b=c@d"`: `Get "https://h:8443/a?b=c@d"`,
		"nats://tok@n1:4222,nats://a:b@n2":   "nats://n1:4222,nats://n2",
		"mailto:a@b.fr and http://h/p@x":     "mailto:a@b.fr and http://h/p@x",
		"http://u:p@ss@h/":                   "http://h/",
		"no url here a@b":                    "no url here a@b",
	} {
		if got := obs.RedactURLs(in); got != want {
			t.Errorf("RedactURLs(%q) = %q, want %q", in, got, want)
		}
	}
}
