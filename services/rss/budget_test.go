package rss

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/veille-oss/veille/pkg/collection/collect"
	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
)

// hugeFeed is the attack of issue 16: ~8 MB of 250,000 short RSS items.
func hugeFeed(items int) string {
	var b strings.Builder
	b.Grow(items*33 + 200)
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title><link>http://127.0.0.1/</link>`)
	for i := range items {
		fmt.Fprintf(&b, "<item><title>%x</title></item>", i)
	}
	b.WriteString("</channel></rss>")
	return b.String()
}

func TestBoundFeedFormats(t *testing.T) {
	item := func(i int) string {
		return fmt.Sprintf("<item><title>n%d</title><link>https://x.fr/%d</link></item>", i, i)
	}
	many := func(open, close string, n int, f func(int) string) string {
		var b strings.Builder
		b.WriteString(open)
		for i := range n {
			b.WriteString(f(i))
		}
		b.WriteString(close)
		return b.String()
	}
	entry := func(i int) string {
		return fmt.Sprintf(`<entry><title>n%d</title><link href="https://x.fr/%d"/><id>tag:%d</id><updated>2025-03-03T10:00:00Z</updated></entry>`, i, i, i)
	}
	jsonItem := func(i int) string {
		sep := ","
		if i == 0 {
			sep = ""
		}
		return fmt.Sprintf(`%s{"id":"%d","url":"https://x.fr/%d","title":"n%d"}`, sep, i, i, i)
	}
	for _, tc := range []struct {
		name, doc     string
		items, bytes  int
		wantItems     int
		wantCut       bool
		wantLastTitle string
	}{
		{"rss2", many(`<rss version="2.0"><channel><title>t</title>`, `</channel></rss>`, 1000, item), 500, 1 << 20, 500, true, "n499"},
		{"rss2 small", many(`<rss version="2.0"><channel><title>t</title>`, `</channel></rss>`, 20, item), 500, 1 << 20, 20, false, "n19"},
		{"rss1 rdf", many(`<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"><channel><title>t</title></channel>`, `</rdf:RDF>`, 700, item), 500, 1 << 20, 500, true, "n499"},
		{"atom", many(`<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>`, `</feed>`, 900, entry), 500, 1 << 20, 500, true, "n499"},
		{"json", many(`{"version":"https://jsonfeed.org/version/1.1","title":"j","items":[`, `]}`, 800, jsonItem), 500, 1 << 20, 500, true, "n499"},
		{"rss2 bytes", many(`<rss version="2.0"><channel><title>t</title>`, `</channel></rss>`, 400, item), 500, 10_000, 10_000 / len(item(100)), true, ""},
		{"json bytes", many(`{"version":"https://jsonfeed.org/version/1.1","title":"j","items":[`, `]}`, 400, jsonItem), 500, 10_000, 10_000 / len(jsonItem(100)), true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, cut, err := boundFeed(tc.doc, tc.items, tc.bytes)
			if err != nil {
				t.Fatal(err)
			}
			if cut != tc.wantCut || len(out) > max(tc.bytes, len(tc.doc)) {
				t.Fatalf("cut %v (want %v), %d bytes", cut, tc.wantCut, len(out))
			}
			if cut && len(out) > tc.bytes+64 {
				t.Fatalf("kept %d bytes, budget %d", len(out), tc.bytes)
			}
			feed, err := gofeed.NewParser().ParseString(out)
			if err != nil {
				t.Fatalf("gofeed on the bounded feed: %v\n%.300s...%s", err, out, out[max(len(out)-200, 0):])
			}
			n := len(feed.Items)
			if tc.wantLastTitle != "" {
				if n != tc.wantItems || feed.Items[n-1].Title != tc.wantLastTitle {
					t.Fatalf("%d items (last %q), want %d (last %q)", n, feed.Items[n-1].Title, tc.wantItems, tc.wantLastTitle)
				}
			} else if n < tc.wantItems*9/10 || n > tc.wantItems*11/10 || n == 0 {
				t.Fatalf("%d items within %d bytes, want about %d", n, tc.bytes, tc.wantItems)
			}
		})
	}
	// Not one item within the byte budget.
	if _, _, err := boundFeed(`<rss><channel><item><title>`+strings.Repeat("x", 5000)+`</title></item></channel></rss>`, 10, 1000); !errors.Is(err, ErrFeedBudget) {
		t.Fatalf("one item over the budget: %v, want ErrFeedBudget", err)
	}
	// Malformed but small: handed over unchanged (gofeed reports it).
	if out, cut, err := boundFeed(`<rss><channel><item>`, 10, 1000); err != nil || cut || out != `<rss><channel><item>` {
		t.Fatalf("small malformed feed: %q %v %v", out, cut, err)
	}
}

// peakHeap runs f and returns the highest live heap seen while it runs
// (sampled every millisecond) above the heap before it.
func peakHeap(f func()) (peakMB float64) {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	base := sample[0].Value.Uint64()
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	f()
	close(stop)
	<-done
	if p := peak.Load(); p > base {
		return float64(p-base) / (1 << 20)
	}
	return 0
}

// BenchmarkHugeFeed compares parsing the 8 MB / 250,000-item feed whole
// (what Poll did) with the budget applied while reading (what it does).
func BenchmarkHugeFeed(b *testing.B) {
	doc := hugeFeed(250_000)
	b.Logf("feed: %d bytes, 250000 items", len(doc))
	b.Run("whole-then-cap", func(b *testing.B) {
		b.ReportAllocs()
		var peak float64
		for b.Loop() {
			peak = max(peak, peakHeap(func() {
				feed, err := gofeed.NewParser().ParseString(doc)
				if err != nil || len(feed.Items) < MaxItems {
					b.Fatal(err)
				}
			}))
		}
		b.ReportMetric(peak, "peak-heap-MB")
	})
	b.Run("budget-while-reading", func(b *testing.B) {
		b.ReportAllocs()
		var peak float64
		for b.Loop() {
			peak = max(peak, peakHeap(func() {
				text, _, err := boundFeed(doc, MaxItems, MaxFeedBytes)
				if err != nil {
					b.Fatal(err)
				}
				feed, err := gofeed.NewParser().ParseString(text)
				if err != nil || len(feed.Items) != MaxItems {
					b.Fatal(err)
				}
			}))
		}
		b.ReportMetric(peak, "peak-heap-MB")
	})
}

// TestTwoHugeFeedsStayUnderTheRSSMemoryLimit polls two 8 MB /
// 250,000-item feeds at once, as `veille run --services rss` does, and
// checks the heap they add stays far under the rss pod's limit
// (deploy/k8s: 256 MiB, GOMEMLIMIT 204 MiB). Before the budget it peaked
// around 600 MB.
func TestTwoHugeFeedsStayUnderTheRSSMemoryLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two 8 MB feeds")
	}
	doc := hugeFeed(250_000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		_, _ = w.Write([]byte(doc))
	}))
	defer srv.Close()
	cfg := testenv.Config(t)
	cfg.Crawler.RatePerHost = 0
	cfg.Brands = []config.Brand{{Name: "Nobody", Query: `=Nobodyxyz`}} // parsing is what is measured, not publishing
	cfg.Sources = []config.Source{
		{Kind: "rss", Name: "huge1", URL: srv.URL + "/1.xml", AllowPrivate: true},
		{Kind: "rss", Name: "huge2", URL: srv.URL + "/2.xml", AllowPrivate: true},
	}
	env := testenv.Env(t, cfg, testenv.Bus(t, cfg))
	ctx := context.Background()
	c, err := collect.New(ctx, env, mention.KindRSS)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var stats [2]Stats
	peak := peakHeap(func() {
		var wg sync.WaitGroup
		for i, src := range cfg.Sources {
			wg.Add(1)
			go func() {
				defer wg.Done()
				st, err := Poll(ctx, c, src)
				if err != nil {
					t.Error(err)
				}
				stats[i] = st
			}()
		}
		wg.Wait()
	})
	t.Logf("two %d-byte feeds of 250,000 items: peak heap +%.0f MiB, items %d and %d", len(doc), peak, stats[0].Items, stats[1].Items)
	if stats[0].Items != MaxItems || stats[1].Items != MaxItems {
		t.Fatalf("items read %d, %d, want %d each", stats[0].Items, stats[1].Items, MaxItems)
	}
	// Each feed's body is held by the fetcher (8 MB as bytes and as text);
	// the rest of the 204 MiB is the process's own (NATS, buffers).
	if peak > 120 {
		t.Fatalf("peak heap +%.0f MiB while parsing two huge feeds, want < 120 MiB (rss pod GOMEMLIMIT 204 MiB)", peak)
	}
}
