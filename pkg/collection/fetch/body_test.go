package fetch

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"golang.org/x/text/encoding/charmap"
)

func compress(t testing.TB, coding string, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w io.WriteCloser
	switch coding {
	case "gzip":
		w, _ = gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	case "deflate":
		w, _ = zlib.NewWriterLevel(&buf, zlib.BestSpeed)
	case "raw-deflate":
		w, _ = flate.NewWriter(&buf, flate.BestSpeed)
	case "br":
		w = brotli.NewWriterLevel(&buf, 1)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	w.Close()
	return buf.Bytes()
}

func serveEncoded(coding string, body []byte, contentType string) http.HandlerFunc {
	header := coding
	if coding == "raw-deflate" {
		header = "deflate"
	}
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Content-Encoding", header)
		w.Write(body)
	}
}

func TestEndlessBodyCutWithBoundedMemory(t *testing.T) {
	const gb = 1 << 30
	var sent int64
	s := newSite(t, 404, "", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		chunk := bytes.Repeat([]byte("<p>spam</p>"), 6000)
		deadline := time.Now().Add(20 * time.Second)
		for sent < gb && time.Now().Before(deadline) {
			n, err := w.Write(chunk)
			sent += int64(n)
			if err != nil {
				return
			}
		}
	})
	f := newTestFetcher(t, testOptions())
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	_, err := f.Fetch(ctxT(t), Request{URL: s.URL + "/endless"})
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("got %v, want ErrTooLarge", err)
	}
	if elapsed > 5*time.Second {
		t.Errorf("cut after %s, want well under 5s", elapsed)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
		t.Errorf("allocated %d MiB for an 8 MiB limit", alloc>>20)
	}
	t.Logf("cut after %s", elapsed)
}

func TestDeclaredHugeContentLengthRefusedUpfront(t *testing.T) {
	s := newSite(t, 404, "", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Length", strconv.Itoa(1<<30))
		w.WriteHeader(200)
		w.Write([]byte("<html>"))
		http.NewResponseController(w).Flush()
		<-r.Context().Done() // never sends the rest
	})
	f := newTestFetcher(t, testOptions())
	start := time.Now()
	_, err := f.Fetch(ctxT(t), Request{URL: s.URL + "/"})
	if !errors.Is(err, ErrTooLarge) || time.Since(start) > time.Second {
		t.Errorf("got %v after %s, want ErrTooLarge at once", err, time.Since(start))
	}
}

func TestMaxBytesBoundary(t *testing.T) {
	body := strings.Repeat("a", 1000)
	s := newSite(t, 404, "", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		w.Write([]byte(body[:n]))
	})
	o := testOptions()
	o.MaxBytes = 500
	f := newTestFetcher(t, o)
	ctx := ctxT(t)
	if res, err := f.Fetch(ctx, Request{URL: s.URL + "/?n=500"}); err != nil || len(res.Body) != 500 {
		t.Errorf("exactly MaxBytes: %v", err)
	}
	if _, err := f.Fetch(ctx, Request{URL: s.URL + "/?n=501"}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("MaxBytes+1: got %v, want ErrTooLarge", err)
	}
}

func TestDecompressionBombs(t *testing.T) {
	zeros := make([]byte, 10<<20) // 10 MiB of zeros
	for _, coding := range []string{"gzip", "deflate", "raw-deflate", "br"} {
		t.Run(coding, func(t *testing.T) {
			bomb := compress(t, coding, zeros)
			if len(bomb) > 64<<10 {
				t.Fatalf("bomb is %d bytes, expected a tiny payload", len(bomb))
			}
			s := newSite(t, 404, "", serveEncoded(coding, bomb, "text/html"))
			f := newTestFetcher(t, testOptions()) // 8 MiB default
			_, err := f.Fetch(ctxT(t), Request{URL: s.URL + "/bomb"})
			if !errors.Is(err, ErrTooLarge) {
				t.Errorf("%d-byte %s bomb: got %v, want ErrTooLarge", len(bomb), coding, err)
			}
		})
	}
}

func TestCompressedBodiesDecoded(t *testing.T) {
	page := "<html><body>" + strings.Repeat("<p>Élève, café, œuvre.</p>", 200) + "</body></html>"
	for _, coding := range []string{"gzip", "deflate", "raw-deflate", "br"} {
		t.Run(coding, func(t *testing.T) {
			s := newSite(t, 404, "", serveEncoded(coding, compress(t, coding, []byte(page)), "text/html; charset=utf-8"))
			f := newTestFetcher(t, testOptions())
			res, err := f.Fetch(ctxT(t), Request{URL: s.URL + "/"})
			if err != nil {
				t.Fatal(err)
			}
			if res.Text != page {
				t.Errorf("decoded text differs (len %d vs %d)", len(res.Text), len(page))
			}
		})
	}
}

func TestUnknownContentEncodingRefused(t *testing.T) {
	s := newSite(t, 404, "", serveEncoded("zstd", []byte("whatever"), "text/html"))
	f := newTestFetcher(t, testOptions())
	if _, err := f.Fetch(ctxT(t), Request{URL: s.URL + "/"}); !errors.Is(err, ErrEncoding) {
		t.Errorf("got %v, want ErrEncoding", err)
	}
}

func TestSlowBodyTimesOut(t *testing.T) {
	s := newSite(t, 404, "", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		rc := http.NewResponseController(w)
		for {
			if _, err := w.Write([]byte("<")); err != nil {
				return
			}
			rc.Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	})
	o := testOptions()
	o.Timeout = 300 * time.Millisecond
	o.Retries = -1
	f := newTestFetcher(t, o)
	start := time.Now()
	_, err := f.Fetch(ctxT(t), Request{URL: s.URL + "/slow"})
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("got %v, want ErrTimeout", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("gave up after %s, want ~300ms", d)
	}
}

func TestHeaderTimeoutAndRetriesOnTimeout(t *testing.T) {
	var hits atomic.Int64
	s := newSite(t, 404, "", func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		<-r.Context().Done()
	})
	o := testOptions()
	o.HeaderTimeout = 150 * time.Millisecond
	o.Retries = 1
	f := newTestFetcher(t, o)
	start := time.Now()
	_, err := f.Fetch(ctxT(t), Request{URL: s.URL + "/"})
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("got %v, want ErrTimeout", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %s, want ~2×150ms", d)
	}
	if hits.Load() != 2 {
		t.Errorf("hits %d, want 2 (a timeout is retried)", hits.Load())
	}
}

func TestBinaryRefused(t *testing.T) {
	png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 600)...)
	s := newSite(t, 404, "", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/declared":
			w.Header().Set("Content-Type", "image/png")
		case "/pdf":
			w.Header().Set("Content-Type", "application/pdf")
		case "/sniffed":
			w.Header()["Content-Type"] = nil // no header, no Go sniffing
		}
		w.Write(png)
	})
	f := newTestFetcher(t, testOptions())
	ctx := ctxT(t)
	for _, p := range []string{"/declared", "/pdf", "/sniffed"} {
		if _, err := f.Fetch(ctx, Request{URL: s.URL + p}); !errors.Is(err, ErrNotText) {
			t.Errorf("%s: got %v, want ErrNotText", p, err)
		}
	}
	res, err := f.Fetch(ctx, Request{URL: s.URL + "/declared", ContentTypes: append(DefaultContentTypes(), "image/*")})
	if err != nil || !bytes.Equal(res.Body, png) {
		t.Errorf("widened to image/*: %v", err)
	}
}

func TestUntypedTextSniffedAndAccepted(t *testing.T) {
	s := newSite(t, 404, "", func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Content-Type"] = nil
		w.Write([]byte("<!DOCTYPE html><html><body>salut</body></html>"))
	})
	f := newTestFetcher(t, testOptions())
	res, err := f.Fetch(ctxT(t), Request{URL: s.URL + "/"})
	if err != nil || res.ContentType != "text/html" || !strings.Contains(res.Text, "salut") {
		t.Errorf("got %+v, %v", res, err)
	}
}

func TestCharsetsDecoded(t *testing.T) {
	const french = "Élève à l’école : « œuvre », café, 12 €, garçon, où ?"
	cp1252, err := charmap.Windows1252.NewEncoder().String(french)
	if err != nil {
		t.Fatal(err)
	}
	latin1, err := charmap.ISO8859_1.NewEncoder().String("Élève à l'école : « déjà », garçon, où ?")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, contentType, body, wantText, wantEnc string
	}{
		{"windows-1252 header", "text/html; charset=windows-1252", cp1252, french, "windows-1252"},
		// ISO-8859-1 labelled pages with 0x80-0x9F (’ œ €) are read as windows-1252.
		{"iso-8859-1 header with cp1252 bytes", "text/html; charset=ISO-8859-1", cp1252, french, "windows-1252"},
		{"iso-8859-1 plain", "text/plain; charset=iso-8859-1", latin1, "Élève à l'école : « déjà », garçon, où ?", "windows-1252"},
		{"meta charset", "text/html", `<meta charset="windows-1252"><p>` + cp1252, `<meta charset="windows-1252"><p>` + french, "windows-1252"},
		{"utf-8", "text/html; charset=utf-8", french, french, "utf-8"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newSite(t, 404, "", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", c.contentType)
				w.Write([]byte(c.body))
			})
			f := newTestFetcher(t, testOptions())
			res, err := f.Fetch(ctxT(t), Request{URL: s.URL + "/"})
			if err != nil {
				t.Fatal(err)
			}
			if res.Text != c.wantText || res.Encoding != c.wantEnc {
				t.Errorf("text %q (%s), want %q (%s)", res.Text, res.Encoding, c.wantText, c.wantEnc)
			}
			if string(res.Body) != c.body {
				t.Error("Body must keep the raw bytes")
			}
		})
	}
}
