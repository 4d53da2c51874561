package fetch

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"
)

// BenchmarkFetch measures pages/s against a local server with politeness
// off (robots.txt still checked, from the cache after the first request).
func BenchmarkFetch(b *testing.B) {
	html := func(n int) []byte {
		return []byte("<html><body>" + strings.Repeat("<p>Le café de l’élève, à côté.</p>\n", n/40) + "</body></html>")
	}
	latin1, _ := charmap.Windows1252.NewEncoder().Bytes(html(16 << 10))
	cases := []struct {
		name        string
		body        []byte
		encoding    string
		contentType string
		parallel    int
	}{
		{"html-4KiB", html(4 << 10), "", "text/html; charset=utf-8", 1},
		{"html-64KiB", html(64 << 10), "", "text/html; charset=utf-8", 1},
		{"html-64KiB-gzip", html(64 << 10), "gzip", "text/html; charset=utf-8", 1},
		{"html-64KiB-br", html(64 << 10), "br", "text/html; charset=utf-8", 1},
		{"windows-1252-16KiB", latin1, "", "text/html; charset=windows-1252", 1},
		{"html-4KiB-8-goroutines", html(4 << 10), "", "text/html; charset=utf-8", 8},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			payload := c.body
			if c.encoding != "" {
				payload = compress(b, c.encoding, c.body)
			}
			s := newSite(b, 404, "", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", c.contentType)
				if c.encoding != "" {
					w.Header().Set("Content-Encoding", c.encoding)
				}
				w.Write(payload)
			})
			f := New(testOptions())
			defer f.Close()
			ctx := context.Background()
			if _, err := f.Fetch(ctx, Request{URL: s.URL + "/warm"}); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(c.body)))
			b.ReportAllocs()
			var pages atomic.Int64
			start := time.Now()
			b.ResetTimer()
			if c.parallel > 1 {
				b.SetParallelism(max(1, c.parallel/2)) // ×GOMAXPROCS(2)
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if _, err := f.Fetch(ctx, Request{URL: s.URL + "/p"}); err != nil {
							b.Error(err)
							return
						}
						pages.Add(1)
					}
				})
			} else {
				for b.Loop() {
					if _, err := f.Fetch(ctx, Request{URL: s.URL + "/p"}); err != nil {
						b.Fatal(err)
					}
					pages.Add(1)
				}
			}
			b.ReportMetric(float64(pages.Load())/time.Since(start).Seconds(), "pages/s")
		})
	}
}
