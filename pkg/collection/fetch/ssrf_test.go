package fetch

import (
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestBlockedReason(t *testing.T) {
	blocked := []string{
		"127.0.0.1", "127.8.9.10", "::1", "0.0.0.0", "::", "0.1.2.3",
		"10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.1.1",
		"100.64.0.1", "100.127.255.254", // CGNAT
		"169.254.169.254", "fe80::1", "fe80::1%eth0", // link-local, cloud metadata
		"fc00::1", "fd12:3456::1", // ULA
		"224.0.0.1", "239.255.255.250", "ff02::1", // multicast
		"255.255.255.255", "240.0.0.1", "192.0.2.10", "198.18.0.1", "203.0.113.5",
		"::ffff:127.0.0.1", "::ffff:10.1.2.3", "::ffff:169.254.169.254", // IPv4-mapped
		"::127.0.0.1",                       // IPv4-compatible
		"64:ff9b::7f00:1", "64:ff9b::a00:1", // NAT64 of loopback, 10/8
		"2002:7f00:1::1", "2002:c0a8:101::1", // 6to4 of loopback, 192.168/16
		"2001:db8::1", "2001:0:4136:e378::1", "fec0::1", // doc, Teredo, site-local
	}
	public := []string{
		"8.8.8.8", "1.1.1.1", "93.184.216.34", "100.63.255.255", "100.128.0.1", "172.32.0.1",
		"2606:4700:4700::1111", "2a00:1450:4007:80f::200e", "::ffff:8.8.8.8",
		"64:ff9b::808:808", "2002:808:808::1",
	}
	for _, s := range blocked {
		if r := blockedReason(netip.MustParseAddr(s)); r == "" {
			t.Errorf("%s not blocked", s)
		}
	}
	for _, s := range public {
		if r := blockedReason(netip.MustParseAddr(s)); r != "" {
			t.Errorf("%s blocked as %s, want public", s, r)
		}
	}
}

// strictOptions: the production default for private addresses.
func strictOptions() Options {
	o := testOptions()
	o.AllowPrivate = false
	return o
}

func TestLoopbackRefusedByDefault(t *testing.T) {
	s := newSite(t, 404, "", htmlPage("secret"))
	f := newTestFetcher(t, strictOptions())
	ctx := ctxT(t)
	_, err := f.Fetch(ctx, Request{URL: s.URL + "/admin"})
	var pe *PrivateAddressError
	if !errors.Is(err, ErrPrivateAddress) || !errors.As(err, &pe) || pe.IP.String() != "127.0.0.1" {
		t.Fatalf("got %v, want *PrivateAddressError for 127.0.0.1", err)
	}
	if errors.Is(err, ErrRobotsUnavailable) {
		t.Errorf("a refused address is not an unreachable robots.txt: %v", err)
	}
	if n := s.robotsHits.Load() + s.pageHits.Load(); n != 0 {
		t.Errorf("server got %d requests, want 0", n)
	}
	res, err := f.Fetch(ctx, Request{URL: s.URL + "/admin", AllowPrivate: true})
	if err != nil || res.Text != "secret" {
		t.Fatalf("AllowPrivate: %v", err)
	}
	// The connection opened for the AllowPrivate request must not serve a
	// request without it.
	if _, err := f.Fetch(ctx, Request{URL: s.URL + "/admin"}); !errors.Is(err, ErrPrivateAddress) {
		t.Errorf("after an AllowPrivate fetch: got %v, want ErrPrivateAddress", err)
	}
}

func TestIPv4MappedIPv6Refused(t *testing.T) {
	s := newSite(t, 404, "", htmlPage("ok"))
	port := s.Listener.Addr().(interface{ AddrPort() netip.AddrPort }).AddrPort().Port()
	mapped := fmt.Sprintf("http://[::ffff:127.0.0.1]:%d/", port)
	f := newTestFetcher(t, strictOptions())
	ctx := ctxT(t)
	if _, err := f.Fetch(ctx, Request{URL: mapped}); !errors.Is(err, ErrPrivateAddress) {
		t.Fatalf("got %v, want ErrPrivateAddress", err)
	}
	if _, err := f.Fetch(ctx, Request{URL: mapped, AllowPrivate: true}); err != nil {
		t.Errorf("AllowPrivate: %v", err)
	}
}

func TestMetadataAddressRefusedWithoutConnecting(t *testing.T) {
	// The guard refuses before dialling (TestBlockedReason pins that
	// 169.254.169.254 is blocked), so no packet leaves for it.
	f := newTestFetcher(t, strictOptions())
	start := time.Now()
	_, err := f.Fetch(ctxT(t), Request{URL: "http://169.254.169.254/latest/meta-data/"})
	var pe *PrivateAddressError
	if !errors.As(err, &pe) || pe.Reason != "link-local" {
		t.Fatalf("got %v, want link-local PrivateAddressError", err)
	}
	if time.Since(start) > 500*time.Millisecond {
		t.Errorf("took %s: looks like a connection was attempted", time.Since(start))
	}
}

// trustedSetup serves h on 127.0.0.2, which stands in for a public host:
// it is trusted, and public.example resolves to it.
func trustedSetup(t *testing.T, res *seqResolver, h http.HandlerFunc) (*Fetcher, string) {
	t.Helper()
	s := serveOn(t, "127.0.0.2", h)
	o := strictOptions()
	o.TrustedNets = []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}
	o.Resolver = res
	o.IgnoreRobots = true
	f := newTestFetcher(t, o)
	u, _ := url.Parse(s.URL)
	return f, u.Port()
}

func TestRedirectToLoopbackRefused(t *testing.T) {
	internal := newSite(t, 404, "", htmlPage("internal secret"))
	res := newSeqResolver(map[string][][]string{
		"public.example":   {{"127.0.0.2"}},
		"internal.example": {{"127.0.0.1"}},
	})
	internalPort := internal.Listener.Addr().(interface{ AddrPort() netip.AddrPort }).AddrPort().Port()
	f, port := trustedSetup(t, res, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			w.Header().Set("Content-Type", "text/plain")
			w.Write([]byte("public"))
		case "/to-ip":
			http.Redirect(w, r, fmt.Sprintf("http://127.0.0.1:%d/", internalPort), http.StatusFound)
		case "/to-name":
			http.Redirect(w, r, fmt.Sprintf("http://internal.example:%d/", internalPort), http.StatusFound)
		}
	})
	ctx := ctxT(t)
	base := "http://public.example:" + port
	if r, err := f.Fetch(ctx, Request{URL: base + "/ok"}); err != nil || r.Text != "public" {
		t.Fatalf("trusted stand-in for a public host: %v", err)
	}
	_, err := f.Fetch(ctx, Request{URL: base + "/to-ip"})
	if !errors.Is(err, ErrPrivateAddress) {
		t.Errorf("redirect to 127.0.0.1: got %v, want ErrPrivateAddress", err)
	}
	_, err = f.Fetch(ctx, Request{URL: base + "/to-name"})
	if !errors.Is(err, ErrPrivateAddress) || !strings.Contains(err.Error(), "internal.example resolves to 127.0.0.1") {
		t.Errorf("redirect to a name resolving to loopback: got %v, want ErrPrivateAddress naming host and IP", err)
	}
	if internal.pageHits.Load() != 0 {
		t.Error("internal server was reached")
	}
}

func TestDNSRebindingCaughtAtDial(t *testing.T) {
	res := newSeqResolver(map[string][][]string{
		// First answer public (the trusted stand-in), later ones loopback.
		"rebind.example": {{"127.0.0.2"}, {"127.0.0.1"}},
		// One answer mixing both: refused as a whole.
		"mixed.example": {{"127.0.0.2", "127.0.0.1"}},
	})
	f, port := trustedSetup(t, res, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte("ok"))
	})
	ctx := ctxT(t)
	u := "http://rebind.example:" + port + "/"
	if _, err := f.Fetch(ctx, Request{URL: u}); err != nil {
		t.Fatalf("first fetch, public answer: %v", err)
	}
	f.Close() // drop the pooled connection so the next fetch dials again
	_, err := f.Fetch(ctx, Request{URL: u})
	var pe *PrivateAddressError
	if !errors.As(err, &pe) || pe.Host != "rebind.example" || pe.IP.String() != "127.0.0.1" {
		t.Errorf("rebound fetch: got %v, want PrivateAddressError rebind.example -> 127.0.0.1", err)
	}
	if _, err := f.Fetch(ctx, Request{URL: "http://mixed.example:" + port + "/"}); !errors.Is(err, ErrPrivateAddress) {
		t.Errorf("mixed answer: got %v, want ErrPrivateAddress", err)
	}
}
