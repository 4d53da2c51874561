// Package fetch is veille's polite HTTP fetcher, shared by the web crawler,
// the RSS reader and the forum scraper.
//
// A Fetcher honours robots.txt (RFC 9309, cached per origin, Crawl-delay
// included), paces each host (rate and concurrency), identifies itself,
// supports conditional GET, bounds every read (size after decompression,
// redirects, time), retries transient failures with backoff and Retry-After,
// accepts only text, decodes it to UTF-8 (pkg/textenc), and refuses to
// connect to non-public addresses unless told otherwise. The address check
// runs in the dialer, on the IP actually connected to, so redirects and DNS
// rebinding cannot get around it.
package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/veille-oss/veille/pkg/collection/textenc"
	"github.com/veille-oss/veille/pkg/platform/retry"
)

// DefaultUserAgent names the project and where to read about it.
const DefaultUserAgent = "veille/0.1 (+https://github.com/veille-oss/veille)"

// Options configure a Fetcher. Zero values take the documented defaults.
type Options struct {
	// UserAgent is sent on every request. Default DefaultUserAgent.
	UserAgent string
	// RobotsAgent is the product token matched against robots.txt
	// User-agent lines. Default: UserAgent up to the first '/' or space,
	// lower-cased ("veille").
	RobotsAgent string

	// Timeout bounds one attempt: connect, headers and the whole body. Default 30s.
	Timeout time.Duration
	// ConnectTimeout bounds TCP connect and TLS handshake. Default 10s.
	ConnectTimeout time.Duration
	// HeaderTimeout bounds the wait for response headers. Default 15s.
	HeaderTimeout time.Duration

	// MaxBytes bounds the body after decompression (and on the wire).
	// Default 8 MiB.
	MaxBytes int64
	// MaxRedirects is the number of redirects followed. Default 5; negative: none.
	MaxRedirects int

	// Retries is the number of retries after the first attempt for 408, 429,
	// 500, 502, 503, 504 and transient network errors. Default 2; negative: none.
	Retries int
	// RetryBase is the first backoff; it doubles per retry, with jitter. Default 500ms.
	RetryBase time.Duration
	// MaxRetryAfter caps how long Fetch waits on a Retry-After. A longer
	// Retry-After is not waited for: the *StatusError carries it so the
	// caller can come back later. Either way the host is paused for
	// min(Retry-After, MaxRetryAfter) for every request. Default 60s.
	MaxRetryAfter time.Duration

	// RatePerHost is requests per second per host. Default 1.
	RatePerHost float64
	// BurstPerHost is the token bucket size. Default 1.
	BurstPerHost int
	// ConcurrencyPerHost is requests in flight per host. Default 2.
	ConcurrencyPerHost int
	// DisablePoliteness lifts the default rate and concurrency limits (for
	// benchmarks and local sources). robots.txt, its Crawl-delay, and limits
	// set with SetHostLimits still apply.
	DisablePoliteness bool

	// IgnoreRobots skips robots.txt entirely. Only for sources the operator owns.
	IgnoreRobots bool
	// RobotsTTL is how long a fetched robots.txt is reused. Default 1h.
	RobotsTTL time.Duration
	// RobotsRetry is how long an unreachable robots.txt (5xx, 429, timeout)
	// keeps its host disallowed before it is tried again. Default 10m.
	RobotsRetry time.Duration
	// MaxCrawlDelay caps a robots.txt Crawl-delay. Default 60s.
	MaxCrawlDelay time.Duration

	// ContentTypes are the accepted media types. Default DefaultContentTypes();
	// append to it to widen. Entries may be "type/*" or "*/*".
	ContentTypes []string

	// AllowPrivate lets every request reach non-public addresses (a fetcher
	// dedicated to an intranet). Prefer Request.AllowPrivate per source.
	AllowPrivate bool
	// Proxy is an HTTP proxy every request goes through ("" = direct). Its
	// own address is trusted even if private (the operator configured it).
	// Requests without AllowPrivate still have their target host resolved and
	// refused if non-public before being handed to the proxy; the proxy's own
	// resolution is out of our hands, so prefer direct access for untrusted
	// sources.
	Proxy string
	// TrustedNets are non-public ranges that are always allowed, e.g. a
	// known internal mirror. Everything else non-public stays refused.
	TrustedNets []netip.Prefix
	// Resolver resolves host names before the address check. Default net.DefaultResolver.
	Resolver Resolver

	// Observer receives one Event per HTTP exchange. Optional.
	Observer Observer
	// Logger gets retries, robots problems and caps. Default: discard.
	Logger *slog.Logger
}

// Request is one fetch.
type Request struct {
	URL string
	// ETag and LastModified come from the previous Response for this URL;
	// they make the request conditional (If-None-Match, If-Modified-Since).
	ETag, LastModified string
	// AllowPrivate lets this request reach non-public addresses (a source
	// the operator declared as internal).
	AllowPrivate bool
	// Accept overrides the Accept header.
	Accept string
	// ContentTypes overrides Options.ContentTypes for this request.
	ContentTypes []string
}

// Response is a fetched document.
type Response struct {
	URL       string      // final URL, after redirects
	Redirects []string    // URLs that redirected, in order
	Status    int         // HTTP status of the final response
	Header    http.Header // headers of the final response
	Body      []byte      // raw body after Content-Encoding decoding, before charset decoding
	Text      string      // Body decoded to UTF-8
	Encoding  string      // charset used to decode Text, e.g. "windows-1252"
	// UnknownCharset is the declared charset that has no decoder, when
	// Text was decoded by textenc's fallback instead (logged once per host).
	UnknownCharset string
	ContentType    string // Content-Type header, or the sniffed media type
	ETag           string // for the next conditional request
	LastModified   string // for the next conditional request
	NotModified    bool   // 304: Body and Text are empty, keep the previous copy
	Duration       time.Duration
}

// Fetcher fetches politely. Safe for concurrent use; share one per process
// so per-host limits and the robots cache are shared too.
type Fetcher struct {
	opts    Options
	agent   string
	public  *http.Client // refuses non-public addresses
	private *http.Client // AllowPrivate requests: a separate pool, so a
	// connection opened for one is never reused by a request without it
	hosts  *hostTable
	robots robotsCache
	log    *slog.Logger
	// charsetWarned remembers host+label pairs already logged.
	charsetWarned sync.Map
	charsetCount  atomic.Int64
	proxy         *url.URL
}

// New returns a Fetcher with opts, defaults filled in.
func New(opts Options) *Fetcher {
	o := opts
	setDefault(&o.UserAgent, DefaultUserAgent)
	setDefault(&o.Timeout, 30*time.Second)
	setDefault(&o.ConnectTimeout, 10*time.Second)
	setDefault(&o.HeaderTimeout, 15*time.Second)
	setDefault(&o.MaxBytes, 8<<20)
	setDefault(&o.MaxRedirects, 5)
	setDefault(&o.Retries, 2)
	setDefault(&o.RetryBase, 500*time.Millisecond)
	setDefault(&o.MaxRetryAfter, 60*time.Second)
	setDefault(&o.RatePerHost, 1)
	setDefault(&o.BurstPerHost, 1)
	setDefault(&o.ConcurrencyPerHost, 2)
	setDefault(&o.RobotsTTL, time.Hour)
	setDefault(&o.RobotsRetry, 10*time.Minute)
	setDefault(&o.MaxCrawlDelay, 60*time.Second)
	o.MaxRedirects = max(o.MaxRedirects, 0)
	o.Retries = max(o.Retries, 0)
	if o.ContentTypes == nil {
		o.ContentTypes = DefaultContentTypes()
	}
	if o.Resolver == nil {
		o.Resolver = net.DefaultResolver
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	agent := o.RobotsAgent
	if agent == "" {
		agent, _, _ = strings.Cut(o.UserAgent, "/")
		agent, _, _ = strings.Cut(agent, " ")
	}
	def := limits{rps: o.RatePerHost, burst: o.BurstPerHost, conc: o.ConcurrencyPerHost}
	if o.DisablePoliteness {
		def = limits{burst: 1}
	}
	f := &Fetcher{
		opts:   o,
		agent:  strings.ToLower(agent),
		hosts:  newHostTable(def),
		robots: robotsCache{m: map[string]*robotsEntry{}},
		log:    o.Logger,
	}
	if o.Proxy != "" {
		if pu, err := url.Parse(o.Proxy); err == nil && pu.Host != "" {
			f.proxy = pu
			if ip, err := netip.ParseAddr(pu.Hostname()); err == nil {
				f.opts.TrustedNets = append(append([]netip.Prefix{}, f.opts.TrustedNets...), netip.PrefixFrom(ip, ip.BitLen()))
			}
		} else {
			o.Logger.Warn("fetch: ignoring unparsable proxy URL")
		}
	}
	f.public = f.newClient(o.AllowPrivate)
	f.private = f.newClient(true)
	return f
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

func (f *Fetcher) newClient(allowPrivate bool) *http.Client {
	g := newGuard(f.opts.Resolver, allowPrivate, f.opts.TrustedNets, f.opts.ConnectTimeout)
	tr := &http.Transport{
		Proxy:                  f.proxyFunc(), // the proxy is dialled (and checked) instead of the target
		DialContext:            g.DialContext,
		ForceAttemptHTTP2:      true,
		TLSHandshakeTimeout:    f.opts.ConnectTimeout,
		ResponseHeaderTimeout:  f.opts.HeaderTimeout,
		ExpectContinueTimeout:  time.Second,
		DisableCompression:     true, // decoded by readBody, under MaxBytes
		MaxIdleConns:           256,
		MaxIdleConnsPerHost:    16,
		IdleConnTimeout:        90 * time.Second,
		MaxResponseHeaderBytes: 256 << 10,
	}
	return &http.Client{
		Transport: tr,
		// Redirects are followed by Fetch, hop by hop, so each hop gets the
		// robots check, host pacing and loop detection.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func (f *Fetcher) transport(allowPrivate bool) http.RoundTripper {
	if allowPrivate {
		return f.private.Transport
	}
	return f.public.Transport
}

// Close releases idle connections.
func (f *Fetcher) Close() {
	f.public.CloseIdleConnections()
	f.private.CloseIdleConnections()
}

// SetHostLimits overrides the pace for one host (name without port), e.g.
// from a source's configuration. rps <= 0 means no rate limit, concurrency
// <= 0 no concurrency limit. A robots.txt Crawl-delay still slows it down.
func (f *Fetcher) SetHostLimits(host string, rps float64, concurrency int) {
	f.hosts.setLimits(host, limits{rps: rps, burst: f.opts.BurstPerHost, conc: concurrency})
}

// Allowed reports whether robots.txt lets the fetcher get rawURL. It fetches
// robots.txt if needed. When robots.txt is unreachable it returns false and
// an error wrapping ErrRobotsUnavailable.
func (f *Fetcher) Allowed(ctx context.Context, rawURL string, allowPrivate bool) (bool, error) {
	u, err := parseURL(rawURL)
	if err != nil {
		return false, fmt.Errorf("robots check %q: %w", rawURL, err)
	}
	err = f.robotsAllowed(ctx, u, allowPrivate || f.opts.AllowPrivate)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, ErrDisallowed):
		return false, nil
	}
	return false, fmt.Errorf("robots check %s: %w", u, err)
}

func parseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadURL, err)
	}
	return u, checkURL(u)
}

func checkURL(u *url.URL) error {
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%w %q", ErrScheme, u.Scheme)
	}
	if u.Hostname() == "" {
		return fmt.Errorf("%w: no host", ErrBadURL)
	}
	u.Fragment, u.RawFragment = "", ""
	return nil
}

// Fetch gets r.URL, following redirects. Errors wrap the package's sentinel
// errors and name the URL; a non-success status is a *StatusError.
func (f *Fetcher) Fetch(ctx context.Context, r Request) (*Response, error) {
	start := time.Now()
	u, err := parseURL(r.URL)
	if err != nil {
		return nil, fmt.Errorf("fetch %q: %w", r.URL, err)
	}
	allowPrivate := r.AllowPrivate || f.opts.AllowPrivate
	seen := map[string]bool{u.String(): true}
	var via []string
	for {
		resp, next, err := f.hop(ctx, u, &r, allowPrivate)
		if err != nil {
			if len(via) > 0 {
				return nil, fmt.Errorf("fetch %s (redirected from %s): %w", u, via[0], err)
			}
			return nil, fmt.Errorf("fetch %s: %w", u, err)
		}
		if next == nil {
			resp.Redirects = via
			resp.Duration = time.Since(start)
			return resp, nil
		}
		via = append(via, u.String())
		if len(via) > f.opts.MaxRedirects {
			return nil, fmt.Errorf("fetch %s: %w: %d followed, next %s", r.URL, ErrTooManyRedirects, f.opts.MaxRedirects, next)
		}
		if err := checkURL(next); err != nil {
			return nil, fmt.Errorf("fetch %s: redirect from %s: %w", r.URL, u, err)
		}
		if seen[next.String()] {
			return nil, fmt.Errorf("fetch %s: %w: %s -> %s", r.URL, ErrRedirectLoop, u, next)
		}
		seen[next.String()] = true
		u = next
	}
}

// hop fetches one URL (no redirect following), with robots check, host
// pacing and retries. It returns either a response or the redirect target.
func (f *Fetcher) proxyFunc() func(*http.Request) (*url.URL, error) {
	if f.proxy == nil {
		return nil
	}
	return http.ProxyURL(f.proxy)
}

// precheck refuses, before handing a request to the proxy, a target whose
// name resolves to a non-public address.
func (f *Fetcher) precheck(ctx context.Context, host string) error {
	g := newGuard(f.opts.Resolver, false, nil, f.opts.ConnectTimeout)
	if ip, err := netip.ParseAddr(host); err == nil {
		return g.check(host, ip)
	}
	addrs, err := f.opts.Resolver.LookupIPAddr(ctx, host)
	if err != nil {
		return err
	}
	for _, a := range addrs {
		if ip, ok := netip.AddrFromSlice(a.IP); ok {
			if err := g.check(host, ip); err != nil {
				return err
			}
		}
	}
	return nil
}

func (f *Fetcher) hop(ctx context.Context, u *url.URL, r *Request, allowPrivate bool) (*Response, *url.URL, error) {
	if f.proxy != nil && !allowPrivate && !f.opts.AllowPrivate {
		if err := f.precheck(ctx, u.Hostname()); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", u, err)
		}
	}
	if err := f.robotsAllowed(ctx, u, allowPrivate); err != nil {
		return nil, nil, err
	}
	client := f.public
	if allowPrivate {
		client = f.private
	}
	for attempt := 0; ; attempt++ {
		release, err := f.hosts.acquire(ctx, u.Hostname())
		if err != nil {
			return nil, nil, err
		}
		resp, next, err := f.attempt(ctx, client, u, r, attempt)
		release()
		if err == nil {
			return resp, next, nil
		}
		var se *StatusError
		if errors.As(err, &se) && se.RetryAfter > 0 {
			f.hosts.pause(u.Hostname(), time.Now().Add(min(se.RetryAfter, f.opts.MaxRetryAfter)))
		}
		wait, ok := f.retryWait(err, attempt)
		if !ok {
			var te *transientError
			if errors.As(err, &te) {
				err = te.err
			}
			return nil, nil, err
		}
		f.log.Debug("fetch retry", "url", u.String(), "attempt", attempt+1, "wait", wait, "err", err)
		if err := retry.Sleep(ctx, wait); err != nil {
			return nil, nil, err
		}
	}
}

func (f *Fetcher) retryWait(err error, attempt int) (time.Duration, bool) {
	if attempt >= f.opts.Retries {
		return 0, false
	}
	ceiling := max(f.opts.MaxRetryAfter, f.opts.RetryBase)
	var se *StatusError
	if errors.As(err, &se) {
		switch {
		case !retryableStatus(se.Code), se.RetryAfter > f.opts.MaxRetryAfter:
			return 0, false
		case se.RetryAfter > 0:
			return se.RetryAfter, true
		}
		return backoff(attempt, f.opts.RetryBase, ceiling), true
	}
	var te *transientError
	if errors.As(err, &te) {
		return backoff(attempt, f.opts.RetryBase, ceiling), true
	}
	return 0, false
}

func isRedirect(code int) bool {
	switch code {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// attempt is one HTTP exchange, body read included, under Options.Timeout.
func (f *Fetcher) attempt(ctx context.Context, client *http.Client, u *url.URL, r *Request, attempt int) (res *Response, next *url.URL, err error) {
	actx, cancel := context.WithTimeout(ctx, f.opts.Timeout)
	defer cancel()
	ev := Event{URL: u.String(), Host: u.Hostname(), Attempt: attempt}
	start := time.Now()
	defer func() {
		ev.Duration, ev.Err = time.Since(start), err
		if res != nil {
			ev.Bytes = int64(len(res.Body))
		}
		f.observe(ev)
	}()

	req, err := http.NewRequestWithContext(actx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrBadURL, err)
	}
	req.Header.Set("User-Agent", f.opts.UserAgent)
	accept := r.Accept
	if accept == "" {
		accept = defaultAccept
	}
	req.Header.Set("Accept", accept)
	req.Header.Set("Accept-Encoding", acceptEncoding)
	if r.ETag != "" {
		req.Header.Set("If-None-Match", r.ETag)
	}
	if r.LastModified != "" {
		req.Header.Set("If-Modified-Since", r.LastModified)
	}

	resp, err := client.Do(req)
	if err != nil {
		return nil, nil, attemptError(ctx, actx, err)
	}
	defer drainClose(resp)
	ev.Status = resp.StatusCode
	code := resp.StatusCode

	switch {
	case isRedirect(code) && resp.Header.Get("Location") != "":
		next, err := u.Parse(resp.Header.Get("Location"))
		if err != nil {
			return nil, nil, fmt.Errorf("%w: bad Location %q: %w", ErrBadURL, resp.Header.Get("Location"), err)
		}
		return nil, next, nil
	case code == http.StatusNotModified:
		res := &Response{
			URL: u.String(), Status: code, Header: resp.Header, NotModified: true,
			ContentType:  resp.Header.Get("Content-Type"),
			ETag:         firstNonEmpty(resp.Header.Get("ETag"), r.ETag),
			LastModified: firstNonEmpty(resp.Header.Get("Last-Modified"), r.LastModified),
		}
		return res, nil, nil
	case code < 200 || code > 299:
		se := &StatusError{URL: u.String(), Code: code}
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			se.RetryAfter = d
		}
		return nil, nil, se
	}

	types := r.ContentTypes
	if types == nil {
		types = f.opts.ContentTypes
	}
	body, ct, err := readBody(resp, f.opts.MaxBytes, types)
	if err != nil {
		return nil, nil, attemptError(ctx, actx, err)
	}
	dec, err := textenc.DecodeDetail(body, resp.Header.Get("Content-Type"))
	if err != nil {
		return nil, nil, fmt.Errorf("charset: %w", err)
	}
	if dec.Unknown != "" {
		ev.UnknownCharset = dec.Unknown
		f.warnCharset(u, dec)
	}
	return &Response{
		URL: u.String(), Status: code, Header: resp.Header,
		Body: body, Text: dec.Text, Encoding: dec.Encoding, UnknownCharset: dec.Unknown, ContentType: ct,
		ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified"),
	}, nil, nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// drainClose reads a short, declared-length remainder (a redirect or error
// page) so it does not cost the keep-alive connection, then closes. Unknown
// or long remainders are not waited for.
func drainClose(resp *http.Response) {
	if resp.ContentLength >= 0 && resp.ContentLength <= 4<<10 {
		io.CopyN(io.Discard, resp.Body, 4<<10)
	}
	resp.Body.Close()
}
