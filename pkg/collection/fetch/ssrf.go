package fetch

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"syscall"
	"time"
)

// Resolver turns a host name into addresses. *net.Resolver satisfies it;
// tests inject their own to make a public-looking name resolve to loopback.
type Resolver interface {
	LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error)
}

// reservedPrefixes are non-public ranges that netip's Is* methods do not cover.
// Read-only after package initialisation.
var reservedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // CGNAT shared space
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // TEST-NET-1
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // TEST-NET-2
	netip.MustParsePrefix("203.0.113.0/24"),  // TEST-NET-3
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, includes broadcast
	netip.MustParsePrefix("::/96"),           // IPv4-compatible (deprecated), ::, ::1
	netip.MustParsePrefix("100::/64"),        // discard-only
	netip.MustParsePrefix("2001::/32"),       // Teredo: tunnels to hidden IPv4
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("fec0::/10"),       // site-local (deprecated)
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64
}

var (
	nat64Prefix  = netip.MustParsePrefix("64:ff9b::/96")
	sixToFourPfx = netip.MustParsePrefix("2002::/16")
)

// blockedReason says why ip must not be dialled without AllowPrivate, or ""
// if it is a public unicast address. IPv6 forms that embed an IPv4 address
// (mapped, NAT64, 6to4) are judged by the embedded address.
func blockedReason(ip netip.Addr) string {
	ip = ip.WithZone("")
	if ip.Is4In6() {
		if r := blockedReason(ip.Unmap()); r != "" {
			return "IPv4-mapped " + r
		}
		return ""
	}
	switch {
	case !ip.IsValid():
		return "invalid"
	case ip.IsUnspecified():
		return "unspecified"
	case ip.IsLoopback():
		return "loopback"
	case ip.IsPrivate():
		return "private"
	case ip.IsLinkLocalUnicast():
		return "link-local"
	case ip.IsMulticast():
		return "multicast"
	}
	if ip.Is6() {
		b := ip.As16()
		var embedded netip.Addr
		switch {
		case nat64Prefix.Contains(ip):
			embedded = netip.AddrFrom4([4]byte(b[12:16]))
		case sixToFourPfx.Contains(ip):
			embedded = netip.AddrFrom4([4]byte(b[2:6]))
		}
		if embedded.IsValid() {
			if r := blockedReason(embedded); r != "" {
				return "IPv6-embedded " + r
			}
			return ""
		}
	}
	for _, p := range reservedPrefixes {
		if p.Contains(ip) {
			return "reserved"
		}
	}
	return ""
}

// guard checks every address before the fetcher connects to it. It sits in
// the transport's dialer, so it also covers redirects and DNS answers that
// change between a check and the connection (rebinding): the address checked
// is the address dialled.
type guard struct {
	resolver     Resolver
	allowPrivate bool
	trusted      []netip.Prefix
	dialer       net.Dialer
}

func newGuard(res Resolver, allowPrivate bool, trusted []netip.Prefix, connectTimeout time.Duration) *guard {
	g := &guard{resolver: res, allowPrivate: allowPrivate, trusted: trusted}
	g.dialer = net.Dialer{Timeout: connectTimeout, KeepAlive: 30 * time.Second, Control: g.control}
	return g
}

func (g *guard) check(host string, ip netip.Addr) error {
	if g.allowPrivate {
		return nil
	}
	reason := blockedReason(ip)
	if reason == "" {
		return nil
	}
	for _, p := range g.trusted {
		if p.Contains(ip.Unmap().WithZone("")) {
			return nil
		}
	}
	return &PrivateAddressError{Host: host, IP: ip, Reason: reason}
}

// control is the last line: it sees the socket address actually connected to.
func (g *guard) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("dial guard: cannot parse %q: %w", address, err)
	}
	return g.check(ap.Addr().String(), ap.Addr())
}

// DialContext resolves addr itself, refuses if any address is non-public (a
// mixed answer is how rebinding attacks look), then dials the checked IPs.
func (g *guard) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	var ips []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		ips = []netip.Addr{ip}
	} else {
		addrs, err := g.resolver.LookupIPAddr(ctx, host)
		if err != nil {
			return nil, err
		}
		for _, a := range addrs {
			if ip, ok := netip.AddrFromSlice(a.IP); ok {
				ips = append(ips, ip.WithZone(a.Zone))
			}
		}
		if len(ips) == 0 {
			return nil, &net.DNSError{Err: "no addresses", Name: host, IsNotFound: true}
		}
	}
	for _, ip := range ips {
		if err := g.check(host, ip); err != nil {
			return nil, err
		}
	}
	// IPv4 first: we dial one address after another (no Happy Eyeballs), and
	// a host with a broken IPv6 route would otherwise cost a connect timeout.
	slices.SortStableFunc(ips, func(a, b netip.Addr) int {
		return cmp.Compare(boolInt(!a.Unmap().Is4()), boolInt(!b.Unmap().Is4()))
	})
	var errs []error
	for _, ip := range ips {
		if ip.Is4In6() {
			ip = ip.Unmap()
		}
		c, err := g.dialer.DialContext(ctx, network, net.JoinHostPort(ip.String(), port))
		if err == nil {
			return c, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return nil, errors.Join(errs...)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
