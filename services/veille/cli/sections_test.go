package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSectionsCheckedAtLoad: a mistake in a section whose type belongs to a
// service (alerting, influence, reports) stops any command at load, naming
// the key, before anything connects.
func TestSectionsCheckedAtLoad(t *testing.T) {
	for _, c := range []struct{ yaml, want string }{
		{"alerting: {bogus: 1}", "bogus"},
		{"influence: {bogus: 1}", "influence.bogus"},
		{"reports: {bogus: 1}", "bogus"},
		{"reports: {dir: /tmp/r, brands: [Duval], daily: true, timezone: Mars/Olympus}", "Mars/Olympus"},
	} {
		p := filepath.Join(t.TempDir(), "veille.yaml")
		if err := os.WriteFile(p, []byte(c.yaml+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		var out, errw bytes.Buffer
		code := Main([]string{"migrate", "--config", p}, strings.NewReader(""), &out, &errw)
		if code != 2 || !strings.Contains(errw.String(), c.want) {
			t.Errorf("%s: exit %d, stderr %q; want 2 and a message naming %q", c.yaml, code, errw.String(), c.want)
		}
	}
}
