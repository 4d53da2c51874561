package fetch

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testOptions are fast settings for local servers: loopback allowed (the
// SSRF tests turn it off), no pacing unless a test asks, quick retries.
func testOptions() Options {
	return Options{
		AllowPrivate:      true,
		DisablePoliteness: true,
		RetryBase:         20 * time.Millisecond,
		Timeout:           5 * time.Second,
	}
}

func newTestFetcher(t *testing.T, o Options) *Fetcher {
	t.Helper()
	f := New(o)
	t.Cleanup(f.Close)
	return f
}

func ctxT(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// site is a local server with a configurable robots.txt whose hits are counted.
type site struct {
	*httptest.Server
	robotsHits atomic.Int64
	pageHits   atomic.Int64
}

// newSite serves robots (status, body) at /robots.txt and page for everything else.
func newSite(t testing.TB, robotsStatus int, robots string, page http.HandlerFunc) *site {
	t.Helper()
	return newRawSite(t, func(s *site, w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			s.robotsHits.Add(1)
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(robotsStatus)
			fmt.Fprint(w, robots)
			return
		}
		s.pageHits.Add(1)
		page(w, r)
	})
}

// newRawSite serves h, which counts hits itself.
func newRawSite(t testing.TB, h func(s *site, w http.ResponseWriter, r *http.Request)) *site {
	t.Helper()
	s := &site{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h(s, w, r) }))
	t.Cleanup(s.Close)
	return s
}

func htmlPage(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, body)
	}
}

// serveOn starts h on a specific loopback address, e.g. 127.0.0.2.
func serveOn(t *testing.T, ip string, h http.Handler) *httptest.Server {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Fatalf("listen on %s: %v", ip, err)
	}
	s := httptest.NewUnstartedServer(h)
	s.Listener.Close()
	s.Listener = ln
	s.Start()
	t.Cleanup(s.Close)
	return s
}

// seqResolver answers a host with the next answer of its list, repeating
// the last: a small DNS of our own, enough to stage rebinding.
type seqResolver struct {
	mu      sync.Mutex
	answers map[string][][]string
	calls   map[string]int
}

func newSeqResolver(answers map[string][][]string) *seqResolver {
	return &seqResolver{answers: answers, calls: map[string]int{}}
}

func (r *seqResolver) LookupIPAddr(_ context.Context, host string) ([]net.IPAddr, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	seq, ok := r.answers[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	i := min(r.calls[host], len(seq)-1)
	r.calls[host]++
	var out []net.IPAddr
	for _, s := range seq[i] {
		out = append(out, net.IPAddr{IP: net.IP(netip.MustParseAddr(s).AsSlice())})
	}
	return out, nil
}

// inflight tracks the peak number of concurrent requests in a handler.
type inflight struct {
	cur, peak atomic.Int64
}

func (c *inflight) enter() {
	n := c.cur.Add(1)
	for {
		p := c.peak.Load()
		if n <= p || c.peak.CompareAndSwap(p, n) {
			return
		}
	}
}

func (c *inflight) leave() { c.cur.Add(-1) }
