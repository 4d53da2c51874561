package fetch

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// TestUnknownCharsetWarnsOnceAndFallsBack: a page declaring a charset with
// no decoder is decoded by the documented fallback (Windows-1252 for a
// non-UTF-8 body), flagged on the response and the fetch event, and
// logged once per host, not once per page (issue 16: garbled, silently).
func TestUnknownCharsetWarnsOnceAndFallsBack(t *testing.T) {
	s := newSite(t, 404, "", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=x-klingon")
		fmt.Fprint(w, "<p>Caf\xe9 cr\xe8me \x80</p>")
	})
	var logBuf bytes.Buffer
	var mu sync.Mutex
	var flagged []string
	o := testOptions()
	o.Logger = slog.New(slog.NewTextHandler(&logBuf, nil))
	o.Observer = ObserverFunc(func(e Event) {
		mu.Lock()
		defer mu.Unlock()
		if e.UnknownCharset != "" {
			flagged = append(flagged, e.UnknownCharset)
		}
	})
	f := newTestFetcher(t, o)
	for i := range 3 {
		resp, err := f.Fetch(ctxT(t), Request{URL: fmt.Sprintf("%s/p%d", s.URL, i)})
		if err != nil {
			t.Fatal(err)
		}
		if resp.Text != "<p>Café crème €</p>" || resp.Encoding != "windows-1252" || resp.UnknownCharset != "x-klingon" {
			t.Fatalf("text %q encoding %q unknown %q", resp.Text, resp.Encoding, resp.UnknownCharset)
		}
	}
	if n := strings.Count(logBuf.String(), "unknown charset"); n != 1 {
		t.Fatalf("%d warnings for 3 pages of one host, want 1:\n%s", n, logBuf.String())
	}
	if !strings.Contains(logBuf.String(), "declared=x-klingon") || !strings.Contains(logBuf.String(), "decoded_as=windows-1252") {
		t.Fatalf("warning does not say what was declared and used:\n%s", logBuf.String())
	}
	mu.Lock()
	defer mu.Unlock()
	if len(flagged) != 3 {
		t.Fatalf("%d fetch events flagged, want 3 (one per page, for the counter)", len(flagged))
	}
}
