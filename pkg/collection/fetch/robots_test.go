package fetch

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestRobotsDisallowHonouredAndCached(t *testing.T) {
	s := newSite(t, 200, "User-agent: *\nDisallow: /private\n", htmlPage("<p>ok</p>"))
	f := newTestFetcher(t, testOptions())
	ctx := ctxT(t)

	if _, err := f.Fetch(ctx, Request{URL: s.URL + "/public"}); err != nil {
		t.Fatalf("public page: %v", err)
	}
	_, err := f.Fetch(ctx, Request{URL: s.URL + "/private/x?y=1"})
	if !errors.Is(err, ErrDisallowed) {
		t.Fatalf("private page: got %v, want ErrDisallowed", err)
	}
	for range 3 {
		f.Fetch(ctx, Request{URL: s.URL + "/public"})
	}
	if got := s.robotsHits.Load(); got != 1 {
		t.Errorf("robots.txt fetched %d times, want 1 (cached)", got)
	}
	if got := s.pageHits.Load(); got != 4 {
		t.Errorf("page hits %d, want 4 (the disallowed one never sent)", got)
	}
}

func TestRobotsConcurrentFirstFetchLoadsOnce(t *testing.T) {
	s := newSite(t, 200, "User-agent: *\nDisallow: /no\n", htmlPage("ok"))
	f := newTestFetcher(t, testOptions())
	ctx := ctxT(t)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			if _, err := f.Fetch(ctx, Request{URL: s.URL + "/yes"}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := s.robotsHits.Load(); got != 1 {
		t.Errorf("robots.txt fetched %d times by 16 concurrent first fetches, want 1", got)
	}
}

func TestRobotsTTLExpires(t *testing.T) {
	s := newSite(t, 200, "User-agent: *\nAllow: /\n", htmlPage("ok"))
	o := testOptions()
	o.RobotsTTL = 150 * time.Millisecond
	f := newTestFetcher(t, o)
	ctx := ctxT(t)
	f.Fetch(ctx, Request{URL: s.URL + "/a"})
	f.Fetch(ctx, Request{URL: s.URL + "/b"})
	time.Sleep(200 * time.Millisecond)
	f.Fetch(ctx, Request{URL: s.URL + "/c"})
	if got := s.robotsHits.Load(); got != 2 {
		t.Errorf("robots.txt fetched %d times, want 2 (once, then after TTL)", got)
	}
}

func TestRobotsAgentSpecificGroup(t *testing.T) {
	robots := "User-agent: *\nAllow: /\n\nUser-agent: veille\nDisallow: /forum/\n"
	s := newSite(t, 200, robots, htmlPage("ok"))
	f := newTestFetcher(t, testOptions())
	ctx := ctxT(t)
	if _, err := f.Fetch(ctx, Request{URL: s.URL + "/forum/t/1"}); !errors.Is(err, ErrDisallowed) {
		t.Errorf("veille group: got %v, want ErrDisallowed", err)
	}
	other := newTestFetcher(t, Options{UserAgent: "otherbot/2.0", AllowPrivate: true, DisablePoliteness: true})
	if _, err := other.Fetch(ctx, Request{URL: s.URL + "/forum/t/1"}); err != nil {
		t.Errorf("other agent falls under *: %v", err)
	}
}

func TestRobots5xxDisallowsThenRetries(t *testing.T) {
	status := 503
	var mu sync.Mutex
	s := newRawSite(t, func(s *site, w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			s.robotsHits.Add(1)
			mu.Lock()
			st := status
			mu.Unlock()
			w.WriteHeader(st)
			return
		}
		s.pageHits.Add(1)
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("ok"))
	})
	o := testOptions()
	o.RobotsRetry = 200 * time.Millisecond
	f := newTestFetcher(t, o)
	ctx := ctxT(t)

	_, err := f.Fetch(ctx, Request{URL: s.URL + "/page"})
	var rue *RobotsUnavailableError
	if !errors.Is(err, ErrRobotsUnavailable) || !errors.As(err, &rue) {
		t.Fatalf("robots 503: got %v, want ErrRobotsUnavailable", err)
	}
	if !errors.Is(err, ErrStatus) || rue.RetryAt.IsZero() {
		t.Errorf("cause should be the 503 and a retry time set: %v", err)
	}
	ok, err := f.Allowed(ctx, s.URL+"/page", false)
	if ok || !errors.Is(err, ErrRobotsUnavailable) {
		t.Errorf("Allowed during outage = %v, %v", ok, err)
	}
	if s.pageHits.Load() != 0 || s.robotsHits.Load() != 1 {
		t.Errorf("page hits %d (want 0), robots hits %d (want 1, failure cached)", s.pageHits.Load(), s.robotsHits.Load())
	}

	mu.Lock()
	status = 404
	mu.Unlock()
	time.Sleep(250 * time.Millisecond)
	if _, err := f.Fetch(ctx, Request{URL: s.URL + "/page"}); err != nil {
		t.Fatalf("after retry delay with robots 404 (allow all): %v", err)
	}
}

func TestRobotsTimeoutIsUnavailable(t *testing.T) {
	release := make(chan struct{})
	s := newRawSite(t, func(s *site, w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		s.pageHits.Add(1)
	})
	defer close(release)
	o := testOptions()
	o.Timeout = 200 * time.Millisecond
	f := newTestFetcher(t, o)
	start := time.Now()
	_, err := f.Fetch(ctxT(t), Request{URL: s.URL + "/page"})
	if !errors.Is(err, ErrRobotsUnavailable) || !errors.Is(err, ErrTimeout) {
		t.Fatalf("got %v, want ErrRobotsUnavailable caused by ErrTimeout", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %s, want about the 200ms timeout", d)
	}
	if s.pageHits.Load() != 0 {
		t.Error("page fetched although robots.txt was unreachable")
	}
}

func TestRobots4xxAllowsAll(t *testing.T) {
	for _, code := range []int{401, 403, 404, 410} {
		s := newSite(t, code, "User-agent: *\nDisallow: /\n", htmlPage("ok"))
		f := newTestFetcher(t, testOptions())
		if _, err := f.Fetch(ctxT(t), Request{URL: s.URL + "/x"}); err != nil {
			t.Errorf("robots %d: %v, want allowed", code, err)
		}
	}
}

func TestRobots429IsUnavailable(t *testing.T) {
	s := newSite(t, 429, "", htmlPage("ok"))
	f := newTestFetcher(t, testOptions())
	if _, err := f.Fetch(ctxT(t), Request{URL: s.URL + "/x"}); !errors.Is(err, ErrRobotsUnavailable) {
		t.Errorf("robots 429: got %v, want ErrRobotsUnavailable", err)
	}
}

func TestRobotsLenientParse(t *testing.T) {
	// robotstxt alone rejects this whole file (rule before User-agent, bad
	// Crawl-delay) and would allow everything.
	robots := "Disallow: /early\nUser-agent: *\nCrawl-delay: soon\nDisallow: /private\n"
	s := newSite(t, 200, robots, htmlPage("ok"))
	f := newTestFetcher(t, testOptions())
	ctx := ctxT(t)
	if _, err := f.Fetch(ctx, Request{URL: s.URL + "/private/1"}); !errors.Is(err, ErrDisallowed) {
		t.Errorf("got %v, want ErrDisallowed from the valid part of the file", err)
	}
	if _, err := f.Fetch(ctx, Request{URL: s.URL + "/early"}); err != nil {
		t.Errorf("rule outside any group must be ignored: %v", err)
	}
}

func TestIgnoreRobots(t *testing.T) {
	s := newSite(t, 200, "User-agent: *\nDisallow: /\n", htmlPage("ok"))
	o := testOptions()
	o.IgnoreRobots = true
	f := newTestFetcher(t, o)
	if _, err := f.Fetch(ctxT(t), Request{URL: s.URL + "/x"}); err != nil {
		t.Fatalf("IgnoreRobots: %v", err)
	}
	if s.robotsHits.Load() != 0 {
		t.Error("robots.txt fetched although IgnoreRobots")
	}
}

func TestAllowed(t *testing.T) {
	s := newSite(t, 200, "User-agent: *\nDisallow: /private\n", htmlPage("ok"))
	f := newTestFetcher(t, testOptions())
	ctx := ctxT(t)
	for path, want := range map[string]bool{"/": true, "/public": true, "/private": false, "/private/a": false} {
		got, err := f.Allowed(ctx, s.URL+path, false)
		if err != nil || got != want {
			t.Errorf("Allowed(%s) = %v, %v; want %v", path, got, err, want)
		}
	}
	if s.pageHits.Load() != 0 {
		t.Error("Allowed fetched a page")
	}
	if _, err := f.Allowed(ctx, "gopher://x/", false); !errors.Is(err, ErrScheme) {
		t.Errorf("Allowed(gopher) err = %v, want ErrScheme", err)
	}
}

func TestSanitizeRobots(t *testing.T) {
	in := "Disallow: /a\nUser-agent: *\nCrawl-delay: x\nCrawl-delay: 2\nDisallow: /b # why\n"
	want := "User-agent: *\nCrawl-delay: 2\nDisallow: /b # why\n"
	if got := string(sanitizeRobots([]byte(in))); got != want {
		t.Errorf("sanitizeRobots:\n%q\nwant\n%q", got, want)
	}
}

func TestRobotsStaleCopyUsedWhileUnreachable(t *testing.T) {
	var mu sync.Mutex
	down := false
	s := newRawSite(t, func(s *site, w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			s.robotsHits.Add(1)
			mu.Lock()
			d := down
			mu.Unlock()
			if d {
				w.WriteHeader(http.StatusBadGateway)
				return
			}
			w.Write([]byte("User-agent: *\nDisallow: /x\n"))
			return
		}
		w.Header().Set("Content-Type", "text/plain")
	})
	o := testOptions()
	o.RobotsTTL = 100 * time.Millisecond
	f := newTestFetcher(t, o)
	ctx := ctxT(t)
	if _, err := f.Fetch(ctx, Request{URL: s.URL + "/y"}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	down = true
	mu.Unlock()
	time.Sleep(150 * time.Millisecond)
	if _, err := f.Fetch(ctx, Request{URL: s.URL + "/y"}); err != nil {
		t.Errorf("robots.txt down after a good copy: got %v, want the cached copy used", err)
	}
	if _, err := f.Fetch(ctx, Request{URL: s.URL + "/x"}); !errors.Is(err, ErrDisallowed) {
		t.Errorf("cached copy's rules must still apply: got %v", err)
	}
	if s.robotsHits.Load() != 2 {
		t.Errorf("robots hits %d, want 2 (refresh attempted once, then retry delay)", s.robotsHits.Load())
	}
}

func TestRobotsLoadCancelledIsNotCached(t *testing.T) {
	var slow atomic.Bool
	slow.Store(true)
	s := newRawSite(t, func(s *site, w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			s.robotsHits.Add(1)
			if slow.Load() {
				select {
				case <-r.Context().Done():
				case <-time.After(2 * time.Second):
				}
				return
			}
			w.Write([]byte("User-agent: *\nDisallow: /x\n"))
			return
		}
		w.Header().Set("Content-Type", "text/plain")
	})
	f := newTestFetcher(t, testOptions())
	short, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := f.Fetch(short, Request{URL: s.URL + "/y"})
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrRobotsUnavailable) {
		t.Fatalf("caller's deadline: got %v, want context.DeadlineExceeded, not ErrRobotsUnavailable", err)
	}
	slow.Store(false)
	if _, err := f.Fetch(ctxT(t), Request{URL: s.URL + "/x"}); !errors.Is(err, ErrDisallowed) {
		t.Errorf("next fetch must load robots.txt afresh: got %v", err)
	}
}
