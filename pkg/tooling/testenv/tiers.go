package testenv

import (
	"net"
	"os"
	"os/exec"
	"testing"
	"time"
)

// EnvRequireServers set to 1 (make test, CI) turns the skip of a test whose
// server is missing into a failure: the full tier must not pass by skipping.
const EnvRequireServers = "VEILLE_REQUIRE_SERVERS"

// Missing ends a test that needs a server or program this machine lacks: one
// line and a skip on a bare machine (go test ./...), a failure under make test.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv(EnvRequireServers) == "1" {
		t.Fatalf(format, args...)
	}
	t.Skipf("skipped, "+format, args...)
}

// NeedClickHouse skips (or fails, see Missing) unless a ClickHouse server
// answers on the first of addrs.
func NeedClickHouse(t testing.TB, addrs []string) {
	t.Helper()
	if len(addrs) == 0 {
		Missing(t, "no ClickHouse address configured")
		return
	}
	c, err := net.DialTimeout("tcp", addrs[0], 2*time.Second)
	if err != nil {
		Missing(t, "ClickHouse is not answering on %s (deploy/local/clickhouse.sh start): %v", addrs[0], err)
		return
	}
	_ = c.Close()
}

// NeedProgram returns the path of the first of names found on PATH, or skips
// (fails under make test) naming the Debian package that provides it.
func NeedProgram(t testing.TB, pkg string, names ...string) string {
	t.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	Missing(t, "%s is not installed (apt-get install %s)", names[0], pkg)
	return ""
}

// Chromium is the browser for chromedp tests: $VEILLE_CHROMIUM, else the first
// Chromium on PATH.
func Chromium(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("VEILLE_CHROMIUM"); p != "" {
		return p
	}
	return NeedProgram(t, "chromium", "/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")
}
