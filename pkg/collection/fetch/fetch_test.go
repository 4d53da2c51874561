package fetch

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// arrivals records when requests reach a handler.
type arrivals struct {
	mu sync.Mutex
	at []time.Time
}

func (a *arrivals) add() {
	a.mu.Lock()
	a.at = append(a.at, time.Now())
	a.mu.Unlock()
}

// meanGap is the span over the number of gaps: robust to one request being
// delayed in transit on a loaded machine, which a minimum gap is not.
func (a *arrivals) meanGap() time.Duration {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.at) < 2 {
		return 0
	}
	return a.at[len(a.at)-1].Sub(a.at[0]) / time.Duration(len(a.at)-1)
}

func TestRateLimitSpacing(t *testing.T) {
	var arr arrivals
	s := newSite(t, 404, "", func(w http.ResponseWriter, r *http.Request) {
		arr.add()
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte("ok"))
	})
	o := testOptions()
	o.DisablePoliteness = false
	o.RatePerHost = 5 // one request per 200ms
	o.ConcurrencyPerHost = 4
	f := newTestFetcher(t, o)
	ctx := ctxT(t)
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			if _, err := f.Fetch(ctx, Request{URL: fmt.Sprintf("%s/p%d", s.URL, i)}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if len(arr.at) != 4 {
		t.Fatalf("%d page requests, want 4", len(arr.at))
	}
	// The robots.txt request took a token too, so no page came in a burst.
	if g := arr.meanGap(); g < 180*time.Millisecond {
		t.Errorf("mean gap between requests %s, want >= ~200ms at 5 req/s", g)
	}
}

func TestCrawlDelayHonouredEvenWithoutPoliteness(t *testing.T) {
	var arr arrivals
	s := newSite(t, 200, "User-agent: *\nCrawl-delay: 0.3\n", func(w http.ResponseWriter, r *http.Request) {
		arr.add()
		w.Header().Set("Content-Type", "text/plain")
	})
	f := newTestFetcher(t, testOptions()) // DisablePoliteness: true
	ctx := ctxT(t)
	for i := range 3 {
		if _, err := f.Fetch(ctx, Request{URL: fmt.Sprintf("%s/p%d", s.URL, i)}); err != nil {
			t.Fatal(err)
		}
	}
	if g := arr.meanGap(); g < 280*time.Millisecond {
		t.Errorf("mean gap %s, want >= Crawl-delay 300ms", g)
	}
}

func TestCrawlDelayCapped(t *testing.T) {
	s := newSite(t, 200, "User-agent: *\nCrawl-delay: 3600\n", htmlPage("ok"))
	o := testOptions()
	o.MaxCrawlDelay = 100 * time.Millisecond
	f := newTestFetcher(t, o)
	ctx := ctxT(t)
	start := time.Now()
	for i := range 3 {
		if _, err := f.Fetch(ctx, Request{URL: fmt.Sprintf("%s/p%d", s.URL, i)}); err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d > 2*time.Second || d < 190*time.Millisecond {
		t.Errorf("3 fetches at capped 100ms delay took %s, want ~200ms (2 gaps)", d)
	}
}

func TestConcurrencyCap(t *testing.T) {
	var inf inflight
	s := newSite(t, 404, "", func(w http.ResponseWriter, r *http.Request) {
		inf.enter()
		defer inf.leave()
		time.Sleep(80 * time.Millisecond)
		w.Header().Set("Content-Type", "text/plain")
	})
	run := func(f *Fetcher) int64 {
		inf.peak.Store(0)
		ctx := ctxT(t)
		var wg sync.WaitGroup
		for i := range 9 {
			wg.Go(func() {
				if _, err := f.Fetch(ctx, Request{URL: fmt.Sprintf("%s/p%d", s.URL, i)}); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		return inf.peak.Load()
	}
	o := testOptions()
	o.DisablePoliteness = false
	o.RatePerHost = 1000
	o.BurstPerHost = 100
	o.ConcurrencyPerHost = 2
	if peak := run(newTestFetcher(t, o)); peak != 2 {
		t.Errorf("default cap: peak in flight %d, want 2", peak)
	}
	f := newTestFetcher(t, o)
	f.SetHostLimits("127.0.0.1", 0, 3)
	if peak := run(f); peak != 3 {
		t.Errorf("SetHostLimits(…, 3): peak in flight %d, want 3", peak)
	}
	if peak := run(newTestFetcher(t, testOptions())); peak < 5 {
		t.Errorf("politeness off: peak in flight %d, want unbounded (>=5 of 9)", peak)
	}
}

func TestConditionalGet(t *testing.T) {
	const etag = `"v1"`
	const lastMod = "Wed, 21 Oct 2015 07:28:00 GMT"
	var full atomic.Int64
	s := newSite(t, 404, "", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == etag || r.Header.Get("If-Modified-Since") == lastMod {
			w.Header().Set("ETag", etag)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		full.Add(1)
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", lastMod)
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write([]byte("<rss/>"))
	})
	f := newTestFetcher(t, testOptions())
	ctx := ctxT(t)
	first, err := f.Fetch(ctx, Request{URL: s.URL + "/feed"})
	if err != nil {
		t.Fatal(err)
	}
	if first.ETag != etag || first.LastModified != lastMod || first.NotModified || first.Text != "<rss/>" {
		t.Fatalf("first response: %+v", first)
	}
	second, err := f.Fetch(ctx, Request{URL: s.URL + "/feed", ETag: first.ETag, LastModified: first.LastModified})
	if err != nil {
		t.Fatal(err)
	}
	if !second.NotModified || second.Status != 304 || len(second.Body) != 0 {
		t.Errorf("second response not a NotModified: %+v", second)
	}
	if second.ETag != etag || second.LastModified != lastMod {
		t.Errorf("304 must carry validators forward: etag %q last-modified %q", second.ETag, second.LastModified)
	}
	third, err := f.Fetch(ctx, Request{URL: s.URL + "/feed", LastModified: lastMod})
	if err != nil || !third.NotModified {
		t.Errorf("If-Modified-Since alone: %+v, %v", third, err)
	}
	if full.Load() != 1 {
		t.Errorf("full responses %d, want 1", full.Load())
	}
}

func TestRedirects(t *testing.T) {
	s := newSite(t, 404, "", func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		switch {
		case strings.HasPrefix(p, "/chain/"):
			var n int
			fmt.Sscanf(p, "/chain/%d", &n)
			if n == 0 {
				w.Header().Set("Content-Type", "text/html")
				w.Write([]byte("end"))
				return
			}
			http.Redirect(w, r, fmt.Sprintf("/chain/%d#frag", n-1), http.StatusFound)
		case p == "/loop/a":
			http.Redirect(w, r, "/loop/b", http.StatusMovedPermanently)
		case p == "/loop/b":
			http.Redirect(w, r, "/loop/a", http.StatusTemporaryRedirect)
		case p == "/to-file":
			http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
		}
	})
	f := newTestFetcher(t, testOptions())
	ctx := ctxT(t)

	res, err := f.Fetch(ctx, Request{URL: s.URL + "/chain/3"})
	if err != nil {
		t.Fatal(err)
	}
	if res.URL != s.URL+"/chain/0" || len(res.Redirects) != 3 || res.Text != "end" {
		t.Errorf("3 redirects: final %s, via %v, text %q", res.URL, res.Redirects, res.Text)
	}
	if _, err := f.Fetch(ctx, Request{URL: s.URL + "/chain/5"}); err != nil {
		t.Errorf("5 redirects (the default limit) must pass: %v", err)
	}
	_, err = f.Fetch(ctx, Request{URL: s.URL + "/chain/6"})
	if !errors.Is(err, ErrTooManyRedirects) {
		t.Errorf("6 redirects: got %v, want ErrTooManyRedirects", err)
	}
	_, err = f.Fetch(ctx, Request{URL: s.URL + "/loop/a"})
	if !errors.Is(err, ErrRedirectLoop) || !strings.Contains(err.Error(), "/loop/b") {
		t.Errorf("loop: got %v, want ErrRedirectLoop naming the URLs", err)
	}
	_, err = f.Fetch(ctx, Request{URL: s.URL + "/to-file"})
	if !errors.Is(err, ErrScheme) {
		t.Errorf("redirect to file://: got %v, want ErrScheme", err)
	}
	o := testOptions()
	o.MaxRedirects = -1
	if _, err := newTestFetcher(t, o).Fetch(ctx, Request{URL: s.URL + "/chain/1"}); !errors.Is(err, ErrTooManyRedirects) {
		t.Errorf("MaxRedirects -1: got %v, want ErrTooManyRedirects", err)
	}
}

func TestRedirectTargetRobotsChecked(t *testing.T) {
	target := newSite(t, 200, "User-agent: *\nDisallow: /secret\n", htmlPage("ok"))
	origin := newSite(t, 404, "", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/secret", http.StatusFound)
	})
	f := newTestFetcher(t, testOptions())
	_, err := f.Fetch(ctxT(t), Request{URL: origin.URL + "/go"})
	if !errors.Is(err, ErrDisallowed) {
		t.Errorf("got %v, want ErrDisallowed from the redirect target's robots.txt", err)
	}
	if target.pageHits.Load() != 0 {
		t.Error("disallowed redirect target was fetched")
	}
}

func TestRetry503ThenOKWithRetryAfter(t *testing.T) {
	var hits atomic.Int64
	s := newSite(t, 404, "", func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("back"))
	})
	f := newTestFetcher(t, testOptions())
	start := time.Now()
	res, err := f.Fetch(ctxT(t), Request{URL: s.URL + "/"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Text != "back" || hits.Load() != 2 {
		t.Errorf("text %q after %d hits, want \"back\" after 2", res.Text, hits.Load())
	}
	if d := time.Since(start); d < 950*time.Millisecond {
		t.Errorf("retried after %s, want Retry-After's 1s honoured", d)
	}
}

func TestRetry429(t *testing.T) {
	var hits atomic.Int64
	s := newSite(t, 404, "", func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) <= 2 {
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte("ok"))
	})
	f := newTestFetcher(t, testOptions())
	if _, err := f.Fetch(ctxT(t), Request{URL: s.URL + "/"}); err != nil {
		t.Fatalf("429 twice then 200 with 2 retries: %v", err)
	}
	if hits.Load() != 3 {
		t.Errorf("hits %d, want 3", hits.Load())
	}
}

func TestRetryAfterTooLongNotWaited(t *testing.T) {
	var hits atomic.Int64
	s := newSite(t, 404, "", func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Retry-After", time.Now().Add(time.Hour).UTC().Format(http.TimeFormat))
		w.WriteHeader(http.StatusTooManyRequests)
	})
	f := newTestFetcher(t, testOptions())
	start := time.Now()
	_, err := f.Fetch(ctxT(t), Request{URL: s.URL + "/"})
	var se *StatusError
	if !errors.As(err, &se) || se.Code != 429 {
		t.Fatalf("got %v, want *StatusError 429", err)
	}
	if se.RetryAfter < 59*time.Minute || se.RetryAfter > time.Hour {
		t.Errorf("RetryAfter %s, want ~1h from the HTTP date", se.RetryAfter)
	}
	if hits.Load() != 1 || time.Since(start) > time.Second {
		t.Errorf("%d hits in %s: an hour-long Retry-After must not be waited for", hits.Load(), time.Since(start))
	}
}

func TestRetriesExhaustedAndNotFoundNotRetried(t *testing.T) {
	var hits atomic.Int64
	s := newSite(t, 404, "", func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Path == "/gone" {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.WriteHeader(http.StatusInternalServerError)
	})
	o := testOptions()
	o.Retries = 3
	f := newTestFetcher(t, o)
	ctx := ctxT(t)
	_, err := f.Fetch(ctx, Request{URL: s.URL + "/broken"})
	var se *StatusError
	if !errors.As(err, &se) || se.Code != 500 || !errors.Is(err, ErrStatus) {
		t.Fatalf("got %v, want StatusError 500", err)
	}
	if !strings.Contains(err.Error(), s.URL+"/broken") {
		t.Errorf("error %q does not name the URL", err)
	}
	if hits.Load() != 4 {
		t.Errorf("hits %d, want 1 + 3 retries", hits.Load())
	}
	hits.Store(0)
	_, err = f.Fetch(ctx, Request{URL: s.URL + "/gone"})
	if !errors.As(err, &se) || se.Code != 404 || hits.Load() != 1 {
		t.Errorf("404: %v after %d hits, want StatusError 404 after 1", err, hits.Load())
	}
}

func TestNetworkErrorRetried(t *testing.T) {
	var hits atomic.Int64
	s := newSite(t, 404, "", func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 1 {
			// Drop the connection mid-response.
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				conn.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 100\r\nContent-Type: text/plain\r\n\r\nshort"))
				conn.Close()
			}
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte("whole"))
	})
	f := newTestFetcher(t, testOptions())
	res, err := f.Fetch(ctxT(t), Request{URL: s.URL + "/"})
	if err != nil || res.Text != "whole" || hits.Load() != 2 {
		t.Errorf("got %v, %v after %d hits; want the retry's body", res, err, hits.Load())
	}
}

func TestBadInput(t *testing.T) {
	f := newTestFetcher(t, testOptions())
	ctx := ctxT(t)
	for raw, want := range map[string]error{
		"ftp://example.org/x":  ErrScheme,
		"javascript:alert(1)":  ErrScheme,
		"http://":              ErrBadURL,
		"http://[::1":          ErrBadURL,
		"":                     ErrScheme,
		"file:///etc/passwd":   ErrScheme,
		"http://%zz.example/x": ErrBadURL,
	} {
		_, err := f.Fetch(ctx, Request{URL: raw})
		if !errors.Is(err, want) {
			t.Errorf("Fetch(%q) = %v, want %v", raw, err, want)
		}
	}
}

func TestUserAgentAndHeaders(t *testing.T) {
	var got http.Header
	var robotsUA string
	s := newRawSite(t, func(s *site, w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			robotsUA = r.UserAgent()
			w.WriteHeader(404)
			return
		}
		got = r.Header.Clone()
		w.Header().Set("Content-Type", "text/plain")
	})
	f := newTestFetcher(t, testOptions())
	if _, err := f.Fetch(ctxT(t), Request{URL: s.URL + "/"}); err != nil {
		t.Fatal(err)
	}
	if got.Get("User-Agent") != DefaultUserAgent || robotsUA != DefaultUserAgent {
		t.Errorf("User-Agent page %q robots %q, want %q", got.Get("User-Agent"), robotsUA, DefaultUserAgent)
	}
	if got.Get("Accept-Encoding") != "gzip, deflate, br" || !strings.Contains(got.Get("Accept"), "text/html") {
		t.Errorf("Accept %q / Accept-Encoding %q", got.Get("Accept"), got.Get("Accept-Encoding"))
	}
}

func TestObserver(t *testing.T) {
	var mu sync.Mutex
	var events []Event
	s := newSite(t, 200, "User-agent: *\nDisallow:\n", htmlPage("hello"))
	o := testOptions()
	o.Observer = ObserverFunc(func(e Event) {
		mu.Lock()
		events = append(events, e)
		mu.Unlock()
	})
	f := newTestFetcher(t, o)
	if _, err := f.Fetch(ctxT(t), Request{URL: s.URL + "/p"}); err != nil {
		t.Fatal(err)
	}
	if len(events) != 2 {
		t.Fatalf("%d events, want 2 (robots + page): %+v", len(events), events)
	}
	u, _ := url.Parse(s.URL)
	r, p := events[0], events[1]
	if !r.Robots || r.Status != 200 || p.Robots || p.Status != 200 || p.Bytes != 5 || p.Host != u.Hostname() || p.Err != nil || p.Duration <= 0 {
		t.Errorf("events: %+v", events)
	}
}
