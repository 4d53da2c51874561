package fetch

import (
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"time"
)

// Sentinel errors. Fetch wraps them with the URL concerned; test with errors.Is.
var (
	// ErrDisallowed means the host's robots.txt forbids the URL for our user agent.
	ErrDisallowed = errors.New("disallowed by robots.txt")

	// ErrRobotsUnavailable means robots.txt could not be fetched (5xx, 429,
	// timeout, network error). RFC 9309 §2.3.1.4 asks crawlers to treat the
	// host as fully disallowed then; the fetcher retries robots.txt after
	// Options.RobotsRetry. The error is a *RobotsUnavailableError.
	ErrRobotsUnavailable = errors.New("robots.txt unreachable, host temporarily disallowed")

	// ErrPrivateAddress means the host resolved to a loopback, private,
	// link-local or otherwise non-public address and the request did not allow
	// it. The error is a *PrivateAddressError naming the host and the IP.
	ErrPrivateAddress = errors.New("refusing non-public address")

	// ErrTooLarge means the body (after decompression) exceeded Options.MaxBytes.
	ErrTooLarge = errors.New("response too large")

	// ErrTooManyRedirects means more than Options.MaxRedirects redirects were followed.
	ErrTooManyRedirects = errors.New("too many redirects")

	// ErrRedirectLoop means a redirect pointed back to a URL already visited.
	ErrRedirectLoop = errors.New("redirect loop")

	// ErrNotText means the Content-Type is not one the fetcher accepts
	// (Options.ContentTypes, by default text and feed types).
	ErrNotText = errors.New("content type is not text")

	// ErrStatus means the server answered with a status that is neither 2xx,
	// 304 nor a followed redirect. The error is a *StatusError with the code.
	ErrStatus = errors.New("unexpected HTTP status")

	// ErrScheme means the URL (or a redirect target) is not http or https.
	ErrScheme = errors.New("unsupported URL scheme")

	// ErrBadURL means the URL could not be parsed or has no host.
	ErrBadURL = errors.New("invalid URL")

	// ErrTimeout means one attempt exceeded its connect, header or total timeout.
	ErrTimeout = errors.New("timed out")

	// ErrEncoding means the response used a Content-Encoding the fetcher does
	// not decode (it asks only for gzip, deflate and br).
	ErrEncoding = errors.New("unsupported content encoding")
)

// StatusError reports an HTTP status the fetcher does not turn into a
// Response. RetryAfter is set when the server sent a Retry-After the fetcher
// did not wait for (over Options.MaxRetryAfter, or retries exhausted), so the
// caller can schedule the next visit.
type StatusError struct {
	URL        string
	Code       int
	RetryAfter time.Duration
}

func (e *StatusError) Error() string {
	s := fmt.Sprintf("HTTP %d %s", e.Code, http.StatusText(e.Code))
	if e.RetryAfter > 0 {
		s += fmt.Sprintf(" (retry after %s)", e.RetryAfter)
	}
	return s
}

// Unwrap makes errors.Is(err, ErrStatus) true.
func (e *StatusError) Unwrap() error { return ErrStatus }

// PrivateAddressError names the host and the address that was refused.
type PrivateAddressError struct {
	Host   string
	IP     netip.Addr
	Reason string // loopback, private, link-local, …
}

func (e *PrivateAddressError) Error() string {
	if e.Host == e.IP.String() {
		return fmt.Sprintf("%v: %s is %s", ErrPrivateAddress, e.IP, e.Reason)
	}
	return fmt.Sprintf("%v: %s resolves to %s (%s)", ErrPrivateAddress, e.Host, e.IP, e.Reason)
}

// Unwrap makes errors.Is(err, ErrPrivateAddress) true.
func (e *PrivateAddressError) Unwrap() error { return ErrPrivateAddress }

// RobotsUnavailableError says which robots.txt failed, why, and when the
// fetcher will try it again.
type RobotsUnavailableError struct {
	RobotsURL string
	RetryAt   time.Time
	Cause     error
}

func (e *RobotsUnavailableError) Error() string {
	return fmt.Sprintf("%v: %s: %v (retry after %s)", ErrRobotsUnavailable, e.RobotsURL, e.Cause,
		e.RetryAt.Format(time.RFC3339))
}

// Unwrap makes errors.Is work for both ErrRobotsUnavailable and the cause.
func (e *RobotsUnavailableError) Unwrap() []error { return []error{ErrRobotsUnavailable, e.Cause} }
