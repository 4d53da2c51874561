package console

import (
	"net"
	"net/http"
	"net/url"
	"strings"
)

// hostGuard refuses requests whose Host header names a host this console
// does not answer to. A DNS-rebinding page (evil.example resolving to
// 127.0.0.1) makes the victim's browser send "Host: evil.example": the
// guard answers 421 before any handler runs. Accepted: IP literals the
// console can be reached on (the listen address; any address when it
// listens on all interfaces, since a browser only sends an IP literal when
// the user typed it), the loopback names for a loopback or all-interfaces
// listen, console.base_url's host and console.allowed_hosts. Ports are not
// compared: a rebinding attack is told apart by the name.
type hostGuard struct {
	names   map[string]bool // lower-case host names and IP literals
	anyIP   bool            // listening on all interfaces
	loopIPs bool            // loopback addresses accepted
}

func newHostGuard(listen, baseURL string, extra []string) *hostGuard {
	g := &hostGuard{names: map[string]bool{}}
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		host = listen
	}
	ip := net.ParseIP(host)
	switch {
	case host == "" || (ip != nil && ip.IsUnspecified()):
		g.anyIP, g.loopIPs = true, true
		g.names["localhost"] = true
	case ip != nil && ip.IsLoopback(), strings.EqualFold(host, "localhost"):
		g.loopIPs = true
		g.names["localhost"] = true
	default:
		g.names[canonHost(host)] = true
	}
	if u, err := url.Parse(baseURL); err == nil && u.Hostname() != "" {
		g.names[canonHost(u.Hostname())] = true
	}
	for _, h := range extra {
		g.names[canonHost(h)] = true
	}
	return g
}

// canonHost lower-cases a host name and drops a trailing dot and IPv6 brackets.
func canonHost(h string) string {
	h = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(h)), ".")
	return strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
}

// allowed says whether the Host header (host or host:port) names this console.
func (g *hostGuard) allowed(hostHeader string) (ok, malformed bool) {
	if hostHeader == "" || len(hostHeader) > 255 {
		return false, true
	}
	host := hostHeader
	if h, _, err := net.SplitHostPort(hostHeader); err == nil {
		host = h
	} else if strings.Count(hostHeader, ":") == 1 || strings.HasPrefix(hostHeader, "[") && !strings.HasSuffix(hostHeader, "]") {
		return false, true
	}
	host = canonHost(host)
	if host == "" || strings.ContainsAny(host, "/\\@ \t") {
		return false, true
	}
	if g.names[host] {
		return true, false
	}
	if ip := net.ParseIP(host); ip != nil {
		return g.anyIP || (g.loopIPs && ip.IsLoopback()), false
	}
	return false, false
}

// middleware answers 400 to a missing or malformed Host and 421 Misdirected
// Request to a host not on the list. /healthz and /readyz stay open to
// probes that address the pod by whatever name: they reveal nothing.
func (g *hostGuard) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
			next.ServeHTTP(w, r)
			return
		}
		ok, malformed := g.allowed(r.Host)
		switch {
		case malformed:
			http.Error(w, "bad Host header", http.StatusBadRequest)
		case !ok:
			// Misdirected: this server does not answer to that name.
			http.Error(w, "unknown host: add it to console.allowed_hosts or console.base_url", http.StatusMisdirectedRequest)
		default:
			next.ServeHTTP(w, r)
		}
	})
}
