package fetch

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/veille-oss/veille/pkg/platform/retry"
)

// maxRetryAfterSeconds keeps a hostile Retry-After from overflowing Duration.
const maxRetryAfterSeconds = 7 * 24 * 3600

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP date.
// ok is false when the header is absent or unreadable.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if v[0] >= '0' && v[0] <= '9' {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			if ne, ok := err.(*strconv.NumError); !ok || ne.Err != strconv.ErrRange {
				return 0, false
			}
			n = maxRetryAfterSeconds
		}
		n = min(n, maxRetryAfterSeconds)
		return time.Duration(n) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	d := t.Sub(now)
	switch {
	case d < 0:
		d = 0
	case d > maxRetryAfterSeconds*time.Second:
		d = maxRetryAfterSeconds * time.Second
	}
	return d, true
}

// backoff returns the wait before retry number attempt+1: exponential from
// base, capped, jittered (pkg/platform/retry).
func backoff(attempt int, base, ceiling time.Duration) time.Duration {
	return retry.Jitter(retry.New(base, ceiling).Step(attempt))
}

func retryableStatus(code int) bool {
	switch code {
	case http.StatusRequestTimeout, http.StatusTooManyRequests,
		http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// transientError marks a transport failure worth retrying.
type transientError struct{ err error }

func (e *transientError) Error() string { return e.err.Error() }
func (e *transientError) Unwrap() error { return e.err }

// attemptError maps a transport or body-read error: the caller's context
// ending wins, then our per-attempt deadline (ErrTimeout), then the cause
// with net/http's URL prefix removed (Fetch names the URL itself).
func attemptError(ctx, actx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var ne net.Error
	if actx.Err() != nil || (errors.As(err, &ne) && ne.Timeout()) {
		return &transientError{err: fmt.Errorf("%w: %w", ErrTimeout, err)}
	}
	if permanent(err) {
		return err
	}
	return &transientError{err: err}
}

// permanent errors would fail the same way on a retry.
func permanent(err error) bool {
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var recErr tls.RecordHeaderError
	switch {
	case errors.Is(err, ErrPrivateAddress), errors.Is(err, ErrTooLarge), errors.Is(err, ErrNotText),
		errors.Is(err, ErrEncoding), errors.Is(err, ErrScheme), errors.Is(err, ErrBadURL):
		return true
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return true
	case errors.As(err, &certErr), errors.As(err, &recErr):
		return true
	}
	// Transport-level failures (reset, refused, EOF mid-body) are transient;
	// decoding errors (corrupt gzip) are not.
	var opErr *net.OpError
	return !(errors.As(err, &opErr) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF))
}
