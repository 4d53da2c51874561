package fetch

import (
	"context"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/veille-oss/veille/pkg/platform/retry"
)

// limits are a host's politeness settings. rps <= 0 means no rate limit,
// conc <= 0 no concurrency limit.
type limits struct {
	rps   float64
	burst int
	conc  int
}

// hostState paces one host: a token bucket for request starts and a
// semaphore for requests in flight.
type hostState struct {
	limiter    *rate.Limiter
	sem        chan struct{} // nil: unlimited
	lim        limits
	crawlDelay time.Duration
	notBefore  time.Time // a Retry-After pauses the whole host
	inUse      int
	lastUsed   time.Time
}

// hostTable holds per-host state, created on first use and swept when idle
// so a crawler that visits many hosts does not grow it without bound.
type hostTable struct {
	mu        sync.Mutex
	m         map[string]*hostState
	def       limits
	overrides map[string]limits
	lastSweep time.Time
}

const (
	sweepAbove = 4096             // entries before idle ones are swept
	idleAfter  = 10 * time.Minute // an entry idle this long can go
)

func newHostTable(def limits) *hostTable {
	return &hostTable{m: map[string]*hostState{}, def: def, overrides: map[string]limits{}}
}

func hostKey(host string) string { return strings.ToLower(strings.TrimSuffix(host, ".")) }

// apply recomputes the limiter and semaphore; Crawl-delay from robots.txt can
// only make the pace slower than configured, never faster.
func (hs *hostState) apply() {
	r := rate.Inf
	burst := hs.lim.burst
	if hs.lim.rps > 0 {
		r = rate.Limit(hs.lim.rps)
	}
	if hs.crawlDelay > 0 {
		if cd := rate.Every(hs.crawlDelay); cd < r {
			r, burst = cd, 1
		}
	}
	if burst < 1 {
		burst = 1
	}
	if hs.limiter == nil {
		hs.limiter = rate.NewLimiter(r, burst)
	} else {
		hs.limiter.SetLimit(r)
		hs.limiter.SetBurst(burst)
	}
	switch {
	case hs.lim.conc <= 0:
		hs.sem = nil
	case hs.sem == nil || cap(hs.sem) != hs.lim.conc:
		// Holders of the old semaphore release into it; new ones use this.
		hs.sem = make(chan struct{}, hs.lim.conc)
	}
}

func (t *hostTable) stateLocked(host string) *hostState {
	hs := t.m[host]
	if hs != nil {
		return hs
	}
	now := time.Now()
	if len(t.m) >= sweepAbove && now.Sub(t.lastSweep) > time.Minute {
		t.lastSweep = now
		for k, s := range t.m {
			if s.inUse == 0 && now.Sub(s.lastUsed) > idleAfter {
				delete(t.m, k)
			}
		}
	}
	lim, ok := t.overrides[host]
	if !ok {
		lim = t.def
	}
	hs = &hostState{lim: lim, lastUsed: now}
	hs.apply()
	t.m[host] = hs
	return hs
}

func (t *hostTable) setLimits(host string, lim limits) {
	host = hostKey(host)
	t.mu.Lock()
	defer t.mu.Unlock()
	t.overrides[host] = lim
	hs := t.stateLocked(host)
	hs.lim = lim
	hs.apply()
}

func (t *hostTable) setCrawlDelay(host string, d time.Duration) {
	host = hostKey(host)
	t.mu.Lock()
	defer t.mu.Unlock()
	hs := t.stateLocked(host)
	if hs.crawlDelay != d {
		hs.crawlDelay = d
		hs.apply()
	}
}

// acquire waits for a concurrency slot, then for a rate token. The returned
// func releases the slot.
func (t *hostTable) acquire(ctx context.Context, host string) (func(), error) {
	host = hostKey(host)
	t.mu.Lock()
	hs := t.stateLocked(host)
	hs.inUse++
	sem, lim := hs.sem, hs.limiter
	t.mu.Unlock()

	done := func() {
		t.mu.Lock()
		hs.inUse--
		hs.lastUsed = time.Now()
		t.mu.Unlock()
	}
	if sem != nil {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			done()
			return nil, ctx.Err()
		}
	}
	if err := t.waitPause(ctx, hs); err != nil {
		if sem != nil {
			<-sem
		}
		done()
		return nil, err
	}
	release := func() {
		if sem != nil {
			<-sem
		}
		done()
	}
	if err := lim.Wait(ctx); err != nil {
		release()
		return nil, err
	}
	return release, nil
}

// pause makes the host wait until the given time before its next request.
func (t *hostTable) pause(host string, until time.Time) {
	host = hostKey(host)
	t.mu.Lock()
	defer t.mu.Unlock()
	hs := t.stateLocked(host)
	if until.After(hs.notBefore) {
		hs.notBefore = until
	}
}

func (t *hostTable) waitPause(ctx context.Context, hs *hostState) error {
	t.mu.Lock()
	wait := time.Until(hs.notBefore)
	t.mu.Unlock()
	if wait <= 0 {
		return nil
	}
	return retry.Sleep(ctx, wait)
}
