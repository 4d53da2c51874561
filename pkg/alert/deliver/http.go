package deliver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"syscall"
	"time"
)

// extraForbidden are ranges net.IP's predicates do not cover.
var extraForbidden = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),      // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),  // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),   // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),  // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),    // reserved
	netip.MustParsePrefix("64:ff9b::/96"),   // NAT64 can reach private v4
	netip.MustParsePrefix("64:ff9b:1::/48"), // local-use NAT64
	netip.MustParsePrefix("2001:db8::/32"),  // documentation
	netip.MustParsePrefix("fec0::/10"),      // deprecated site-local
	netip.MustParsePrefix("169.254.0.0/16"), // link-local (cloud metadata)
	netip.MustParsePrefix("fe80::/10"),      // link-local
	netip.MustParsePrefix("255.255.255.255/32"),
	// IPv6 forms carrying an IPv4 address a tunnel or relay would reach.
	netip.MustParsePrefix("::/96"),     // IPv4-compatible (deprecated)
	netip.MustParsePrefix("2002::/16"), // 6to4
	netip.MustParsePrefix("2001::/32"), // Teredo
}

// Forbidden reports whether a webhook may not connect to ip without
// allow_private: loopback, private, link-local, multicast, unspecified and
// other non-public ranges.
func Forbidden(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() ||
		ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return true
	}
	for _, p := range extraForbidden {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// guardedDialer checks the address actually dialled (after DNS, so a name
// that resolves to 127.0.0.1 or rebinds is caught).
func guardedDialer(allowPrivate bool, timeout time.Duration) *net.Dialer {
	d := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	if allowPrivate {
		return d
	}
	d.Control = func(network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("%w: unparsable address", ErrForbiddenAddress)
		}
		if Forbidden(ap.Addr()) {
			return fmt.Errorf("%w: %s is not a public address (set allow_private on the channel to allow it)", ErrForbiddenAddress, ap.Addr())
		}
		return nil
	}
	return d
}

func newHTTPClient(cfg ChannelConfig) *http.Client {
	tr := &http.Transport{
		Proxy:                 nil, // a proxy would dial for us and bypass the address check
		DialContext:           guardedDialer(cfg.AllowPrivate, cfg.Timeout).DialContext,
		TLSHandshakeTimeout:   cfg.Timeout,
		ResponseHeaderTimeout: cfg.Timeout,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       90 * time.Second,
	}
	return &http.Client{
		Transport: tr,
		Timeout:   cfg.Timeout,
		// a redirect could point anywhere, including inside the network
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// httpChannel posts a JSON body built per message.
type httpChannel struct {
	cfg    ChannelConfig
	client *http.Client
	body   func(Message) ([]byte, error)
	sign   bool
}

// NewWebhook, NewSlack and NewTeams build HTTP channels from a resolved,
// validated config.
func NewWebhook(cfg ChannelConfig) Channel {
	return &httpChannel{cfg: cfg, client: newHTTPClient(cfg), body: payload, sign: true}
}

// NewSlack posts a Slack incoming-webhook payload (text + blocks).
func NewSlack(cfg ChannelConfig) Channel {
	return &httpChannel{cfg: cfg, client: newHTTPClient(cfg), body: func(m Message) ([]byte, error) { return slackBody(m.Event) }}
}

// NewTeams posts an Adaptive Card message (Teams Workflows / incoming webhook).
func NewTeams(cfg ChannelConfig) Channel {
	return &httpChannel{cfg: cfg, client: newHTTPClient(cfg), body: func(m Message) ([]byte, error) { return teamsBody(m.Event) }}
}

func (c *httpChannel) Name() string { return c.cfg.Name }

// maxResponse bounds the response body we read (and discard).
const maxResponse = 4 << 10

func (c *httpChannel) Send(ctx context.Context, m Message) error {
	body, err := c.body(m)
	if err != nil {
		return fmt.Errorf("channel %s: encode: %w: %w", c.cfg.Name, ErrPermanent, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("channel %s: %w: bad url", c.cfg.Name, ErrPermanent)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "veille-alert/1")
	req.Header.Set("X-Veille-Delivery", m.Key)
	req.Header.Set("X-Veille-Event", string(m.Event.Kind))
	if c.sign {
		req.Header.Set("X-Veille-Timestamp", strconv.FormatInt(m.SentAt.Unix(), 10))
		req.Header.Set("X-Veille-Signature", Signature([]byte(c.cfg.Secret), body))
	}
	resp, err := c.client.Do(req)
	if err != nil {
		err = clean(err)
		msg := redact(err.Error(), c.cfg.URL, c.cfg.Secret)
		if isForbidden(err) {
			return fmt.Errorf("channel %s: %w: %s", c.cfg.Name, ErrPermanent, msg)
		}
		return fmt.Errorf("channel %s: %s", c.cfg.Name, msg)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponse))
	return classifyHTTP(c.cfg.Name, resp)
}

func isForbidden(err error) bool { return errors.Is(err, ErrForbiddenAddress) }

func classifyHTTP(name string, resp *http.Response) error {
	code := resp.StatusCode
	switch {
	case code >= 200 && code < 300:
		return nil
	case code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable || code == http.StatusRequestTimeout || code >= 500:
		err := fmt.Errorf("channel %s: HTTP %d", name, code)
		if d, ok := retryAfter(resp.Header.Get("Retry-After")); ok {
			return &RetryAfterError{Delay: d, Err: err}
		}
		return err
	case code >= 300 && code < 400:
		return fmt.Errorf("channel %s: %w: HTTP %d (redirects are not followed)", name, ErrPermanent, code)
	default:
		return fmt.Errorf("channel %s: %w: HTTP %d", name, ErrPermanent, code)
	}
}

// retryAfter parses a Retry-After in seconds, capped at an hour.
func retryAfter(v string) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		if t, err := http.ParseTime(v); err == nil {
			return min(time.Until(t), time.Hour), true
		}
		return 0, false
	}
	return min(time.Duration(n)*time.Second, time.Hour), true
}
