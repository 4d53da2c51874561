package deliver

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/veille-oss/veille/pkg/alert"
)

// Sentinel errors.
var (
	// ErrPermanent marks a failure that retrying will not fix (4xx, refused
	// address, bad credentials): the delivery is given up.
	ErrPermanent = errors.New("permanent delivery failure")
	// ErrForbiddenAddress is returned when a webhook target resolves to a
	// loopback, private or link-local address and allow_private is off.
	ErrForbiddenAddress = errors.New("target address not allowed")
)

// Message is one event to deliver on one channel.
type Message struct {
	Key     string      // idempotency key <incident_id>:<seq>:<channel>
	Event   alert.Event // what happened
	Attempt int         // 1 for the first try
	SentAt  time.Time   // time of this attempt
}

// Channel sends messages to one destination.
type Channel interface {
	Name() string
	// Send makes one attempt. Errors wrapping ErrPermanent must not be
	// retried; a *RetryAfterError asks for a given delay.
	Send(ctx context.Context, m Message) error
}

// RetryAfterError asks the outbox to retry after Delay (HTTP 429 / 503 with
// Retry-After).
type RetryAfterError struct {
	Delay time.Duration
	Err   error
}

func (e *RetryAfterError) Error() string { return fmt.Sprintf("%v (retry after %v)", e.Err, e.Delay) }
func (e *RetryAfterError) Unwrap() error { return e.Err }

// Signature returns the X-Veille-Signature value of a body:
// "sha256=" + hex(HMAC-SHA256(secret, body)).
func Signature(secret, body []byte) string {
	h := hmac.New(sha256.New, secret)
	h.Write(body)
	return "sha256=" + hex.EncodeToString(h.Sum(nil))
}

// Verify checks an X-Veille-Signature header against the body in constant
// time. Receivers should also check that X-Veille-Timestamp (also signed,
// as the body's sent_at) is recent, and dedupe on X-Veille-Delivery.
func Verify(secret, body []byte, header string) bool {
	want := Signature(secret, body)
	return hmac.Equal([]byte(want), []byte(header))
}

// clean strips what an error may carry that could be secret: net/http
// errors quote the full URL (a Slack or Teams webhook URL is a token).
func clean(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

// redact removes known secret values from a message, as a last line of
// defence for errors that come from servers or libraries.
func redact(s string, secrets ...string) string {
	for _, v := range secrets {
		if len(v) >= 4 {
			s = strings.ReplaceAll(s, v, "[redacted]")
		}
	}
	return s
}

// subjectToken turns a brand into one NATS subject token: lowercase, and
// anything but letters, digits, '-' and '_' becomes '_'.
func subjectToken(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "_"
	}
	return b.String()
}
