package alerter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// ErrLeaseLost is returned when this instance no longer holds the leader
// lease (another took it, or it could not be renewed in time).
var ErrLeaseLost = errors.New("alerter leader lease lost")

// leaseKey is the key of the lease in the VEILLE_ALERTER bucket.
const leaseKey = "leader"

// leaseValue is what the key holds.
type leaseValue struct {
	Holder  string    `json:"holder"`
	Expires time.Time `json:"expires"`
}

// lease is a leader lease in NATS KV, taken and renewed with
// compare-and-set on the key's revision. Expiry is in the value, not a
// server TTL, so it works on NATS servers without per-key TTLs; the cost
// is that instances must have roughly synchronised clocks (skew well below
// the TTL). A holder that cannot renew stops working a third of a TTL
// before its lease expires, so two leaders never overlap while skew stays
// under that margin.
type lease struct {
	kv     jetstream.KeyValue
	holder string
	ttl    time.Duration
	now    func() time.Time

	rev     uint64    // revision of our last successful write
	expires time.Time // when our lease ends as last written
}

// tryAcquire takes the lease if it is free, expired, or ours, and renews
// it in the last case. It reports whether we hold it afterwards.
func (l *lease) tryAcquire(ctx context.Context) (bool, error) {
	now := l.now()
	val, err := json.Marshal(leaseValue{Holder: l.holder, Expires: now.Add(l.ttl)})
	if err != nil {
		return false, err
	}
	e, err := l.kv.Get(ctx, leaseKey)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted):
		var rev uint64
		rev, err = l.kv.Create(ctx, leaseKey, val)
		if err != nil {
			if errors.Is(err, jetstream.ErrKeyExists) {
				return false, nil // someone was faster
			}
			return false, fmt.Errorf("lease create: %w", err)
		}
		l.rev, l.expires = rev, now.Add(l.ttl)
		return true, nil
	case err != nil:
		return false, fmt.Errorf("lease read: %w", err)
	}
	var cur leaseValue
	if json.Unmarshal(e.Value(), &cur) != nil {
		cur = leaseValue{} // unreadable: treat as expired
	}
	if cur.Holder != l.holder && now.Before(cur.Expires) {
		return false, nil
	}
	rev, err := l.kv.Update(ctx, leaseKey, val, e.Revision())
	if err != nil {
		if isWrongRevision(err) {
			return false, nil
		}
		return false, fmt.Errorf("lease update: %w", err)
	}
	l.rev, l.expires = rev, now.Add(l.ttl)
	return true, nil
}

// renew extends a lease we hold. It fails with ErrLeaseLost if the key
// changed under us.
func (l *lease) renew(ctx context.Context) error {
	now := l.now()
	val, err := json.Marshal(leaseValue{Holder: l.holder, Expires: now.Add(l.ttl)})
	if err != nil {
		return err
	}
	rev, err := l.kv.Update(ctx, leaseKey, val, l.rev)
	if err != nil {
		if isWrongRevision(err) {
			return fmt.Errorf("%w: taken over", ErrLeaseLost)
		}
		return fmt.Errorf("lease renew: %w", err)
	}
	l.rev, l.expires = rev, now.Add(l.ttl)
	return nil
}

// safeUntil is when we must have stopped working if no renewal succeeds.
func (l *lease) safeUntil() time.Time { return l.expires.Add(-l.ttl / 3) }

// release gives the lease up so a standby takes over at once.
func (l *lease) release(ctx context.Context) error {
	if l.rev == 0 {
		return nil
	}
	err := l.kv.Delete(ctx, leaseKey, jetstream.LastRevision(l.rev))
	l.rev = 0
	if err != nil && !isWrongRevision(err) {
		return fmt.Errorf("lease release: %w", err)
	}
	return nil
}

func isWrongRevision(err error) bool {
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) && (apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
		apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant) {
		return true
	}
	return errors.Is(err, jetstream.ErrKeyRevisionMismatch) || errors.Is(err, jetstream.ErrKeyExists)
}
