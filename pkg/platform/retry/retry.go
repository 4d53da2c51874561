// Package retry is the one place where veille waits and tries again:
// exponential backoff with jitter, cancelled by the context. Every loop that
// retries (opening ClickHouse, inserting a batch, fetching from JetStream,
// saving state, an HTTP request) takes its waits from a Backoff.
package retry

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"
)

// Backoff yields the waits between attempts: Base, doubling up to Max, each
// drawn from the upper half of its step so that many goroutines retrying the
// same outage do not line up. The zero value waits 100 ms up to 5 s.
type Backoff struct {
	Base, Max time.Duration
	attempt   int
}

// New returns a Backoff from base to max.
func New(base, max time.Duration) *Backoff { return &Backoff{Base: base, Max: max} }

// Step is the wait before retry number attempt+1 (attempt counts from 0),
// before jitter.
func (b *Backoff) Step(attempt int) time.Duration {
	base, ceiling := b.Base, b.Max
	if base <= 0 {
		base = 100 * time.Millisecond
	}
	if ceiling <= 0 {
		ceiling = 5 * time.Second
	}
	d := min(base, ceiling)
	for i := 0; i < attempt && d < ceiling; i++ {
		d *= 2
	}
	return min(d, ceiling)
}

// Next returns the next wait, jittered over the upper half of its step, and
// counts the attempt.
func (b *Backoff) Next() time.Duration {
	d := b.Step(b.attempt)
	b.attempt++
	return Jitter(d)
}

// Attempt is the number of waits handed out since the last Reset.
func (b *Backoff) Attempt() int { return b.attempt }

// Reset starts over from Base, after a success.
func (b *Backoff) Reset() { b.attempt = 0 }

// Wait sleeps the next wait, or until ctx ends (then it returns ctx's error).
func (b *Backoff) Wait(ctx context.Context) error { return Sleep(ctx, b.Next()) }

// Jitter draws a wait from [d/2, d].
func Jitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	half := d / 2
	return half + rand.N(d-half+1)
}

// Sleep waits d or until ctx ends, whichever comes first; it returns ctx's
// error when ctx ended.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Do calls op until it succeeds, ctx ends, or op's error is permanent
// (Permanent). Between attempts it calls notify (if not nil) with the attempt
// number from 0, the error and the wait, then waits b's next step. When ctx
// ends the error wraps both ctx's error and op's last error, so errors.Is
// works on either.
func Do(ctx context.Context, b *Backoff, op func(context.Context) error, notify func(attempt int, err error, wait time.Duration)) error {
	for {
		err := op(ctx)
		if err == nil {
			b.Reset()
			return nil
		}
		if p, ok := err.(permanent); ok {
			return p.err
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%w: %w", ctx.Err(), err)
		}
		wait := Jitter(b.Step(b.attempt))
		if notify != nil {
			notify(b.attempt, err, wait)
		}
		b.attempt++
		if Sleep(ctx, wait) != nil {
			return fmt.Errorf("%w: %w", ctx.Err(), err)
		}
	}
}

// Permanent marks err as not worth retrying: Do returns it at once.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanent{err}
}

type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }
