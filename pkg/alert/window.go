package alert

import (
	"math"
	"time"
)

// tally counts mentions by class in a bucket or a window.
type tally struct {
	N      int `json:"n,omitempty"`
	Neg    int `json:"ng,omitempty"`
	Pos    int `json:"ps,omitempty"`
	Neu    int `json:"nu,omitempty"`
	Infl   int `json:"in,omitempty"` // negative influencer mentions
	Toxic  int `json:"tx,omitempty"`
	Crisis int `json:"cr,omitempty"` // non-positive mentions with a crisis term
}

func (a *tally) add(b tally) {
	a.N += b.N
	a.Neg += b.Neg
	a.Pos += b.Pos
	a.Neu += b.Neu
	a.Infl += b.Infl
	a.Toxic += b.Toxic
	a.Crisis += b.Crisis
}

func (a *tally) sub(b tally) {
	a.N -= b.N
	a.Neg -= b.Neg
	a.Pos -= b.Pos
	a.Neu -= b.Neu
	a.Infl -= b.Infl
	a.Toxic -= b.Toxic
	a.Crisis -= b.Crisis
}

// ring is the recent window as fixed buckets; Win is their running sum.
type ring struct {
	Bucket time.Duration `json:"bucket"`
	First  int64         `json:"first"` // first bucket index ever seen
	Head   int64         `json:"head"`  // newest bucket index
	Slots  []tally       `json:"slots"`
	Win    tally         `json:"win"`
}

func newRing(window, bucket time.Duration) ring {
	n := int((window + bucket - 1) / bucket)
	return ring{Bucket: bucket, First: -1, Head: -1, Slots: make([]tally, n)}
}

func (r *ring) index(t time.Time) int64 { return t.UnixNano() / int64(r.Bucket) }

// maxAdvance bounds the buckets folded at once after a long silence; past
// it the baseline has forgotten anyway.
const maxAdvance = 1 << 20

// advance moves the head to bucket idx, folding every bucket that leaves
// the window (including empty ones: silence is data) into fold.
func (r *ring) advance(idx int64, fold func(start time.Time, c tally)) {
	if r.Head < 0 {
		r.First, r.Head = idx, idx
		return
	}
	if idx <= r.Head {
		return
	}
	n := int64(len(r.Slots))
	steps := idx - r.Head
	if steps > maxAdvance {
		// too far: fold what the ring holds, skip the rest of the gap
		for i := range r.Slots {
			r.Slots[i] = tally{}
		}
		r.Win = tally{}
		r.Head, r.First = idx, idx
		return
	}
	for i := r.Head + 1; i <= idx; i++ {
		leaving := i - n
		slot := &r.Slots[int(mod(i, n))]
		if leaving >= r.First {
			fold(time.Unix(0, leaving*int64(r.Bucket)).UTC(), *slot)
		}
		r.Win.sub(*slot)
		*slot = tally{}
	}
	r.Head = idx
}

// put adds c to the bucket of idx if it is still in the window; late data
// older than the window goes to the newest bucket, since collected_at is
// our own processing time and lateness means the pipeline lagged.
func (r *ring) put(idx int64, c tally) {
	n := int64(len(r.Slots))
	if idx <= r.Head-n || idx > r.Head {
		idx = r.Head
	}
	r.Slots[int(mod(idx, n))].add(c)
	r.Win.add(c)
}

func mod(a, n int64) int64 {
	m := a % n
	if m < 0 {
		m += n
	}
	return m
}

// rates are mentions per second by sentiment class.
type rates struct {
	Neg float64 `json:"neg"`
	Pos float64 `json:"pos"`
	Neu float64 `json:"neu"`
}

func (r rates) total() float64 { return r.Neg + r.Pos + r.Neu }

// slot is an EWMA of rates with the seconds of data it has seen.
type slot struct {
	R    rates   `json:"r"`
	Seen float64 `json:"seen"`
}

// update folds x observed over dur seconds. While the slot is young the
// weight is at least dur/Seen (a plain mean), so early estimates are not
// biased towards zero.
func (s *slot) update(x rates, dur, tau float64) {
	s.Seen += dur
	a := 1 - math.Exp(-dur/tau)
	if w := dur / s.Seen; w > a {
		a = w
	}
	s.R.Neg += a * (x.Neg - s.R.Neg)
	s.R.Pos += a * (x.Pos - s.R.Pos)
	s.R.Neu += a * (x.Neu - s.R.Neu)
}

// baseline is the brand's normal rate: one EWMA per UTC hour of day
// (seasonal) and a global one for young slots.
type baseline struct {
	Hours    [24]slot `json:"hours"`
	Global   slot     `json:"global"`
	Observed float64  `json:"observed"` // seconds folded
}

// fold adds one bucket that left the window.
func (b *baseline) fold(start time.Time, c tally, dur time.Duration, rl *Rules, cap *rates) {
	d := dur.Seconds()
	x := rates{Neg: float64(c.Neg) / d, Pos: float64(c.Pos) / d, Neu: float64(c.Neu) / d}
	if cap != nil {
		// during a buzz incident the baseline must not learn the crisis
		x.Neg = math.Min(x.Neg, cap.Neg)
		x.Pos = math.Min(x.Pos, cap.Pos)
		x.Neu = math.Min(x.Neu, cap.Neu)
	}
	b.Observed += d
	hist := rl.History.Seconds()
	if rl.Seasonality == "hour" {
		// each hour slot sees 1/24 of the time: its own time constant is
		// History/24 of in-slot time, i.e. History of calendar time.
		b.Hours[start.Hour()].update(x, d, hist/24)
		b.Global.update(x, d, hist/24)
		return
	}
	b.Global.update(x, d, hist)
}

// trustSlot is how much in-slot data makes an hour slot fully trusted.
const trustSlot = 3600.0

// expected returns the expected rates at t, interpolating between the two
// nearest hour slots so a ramp within an hour is followed.
func (b *baseline) expected(t time.Time, rl *Rules) rates {
	if rl.Seasonality != "hour" {
		return b.Global.R
	}
	t = t.UTC()
	h := float64(t.Hour()) + float64(t.Minute())/60 + float64(t.Second())/3600 - 0.5
	if h < 0 {
		h += 24
	}
	h0 := int(h) % 24
	h1 := (h0 + 1) % 24
	f := h - math.Floor(h)
	var out rates
	for _, p := range []struct {
		s *slot
		w float64
	}{{&b.Hours[h0], 1 - f}, {&b.Hours[h1], f}} {
		trust := math.Min(1, p.s.Seen/trustSlot)
		r := rates{
			Neg: trust*p.s.R.Neg + (1-trust)*b.Global.R.Neg,
			Pos: trust*p.s.R.Pos + (1-trust)*b.Global.R.Pos,
			Neu: trust*p.s.R.Neu + (1-trust)*b.Global.R.Neu,
		}
		out.Neg += p.w * r.Neg
		out.Pos += p.w * r.Pos
		out.Neu += p.w * r.Neu
	}
	return out
}

// logBinomTail returns ln P(X >= k) for X ~ Binomial(n, p); 0 when k <= np.
func logBinomTail(k, n int, p float64) float64 {
	if k <= 0 || float64(k) <= float64(n)*p {
		return 0
	}
	if k > n {
		return math.Inf(-1)
	}
	if p <= 0 {
		return math.Inf(-1)
	}
	lgn, _ := math.Lgamma(float64(n) + 1)
	lgk, _ := math.Lgamma(float64(k) + 1)
	lgnk, _ := math.Lgamma(float64(n-k) + 1)
	first := lgn - lgk - lgnk + float64(k)*math.Log(p) + float64(n-k)*math.Log1p(-p)
	sum, t := 1.0, 1.0
	odds := p / (1 - p)
	for i := k; i < n; i++ {
		t *= float64(n-i) / float64(i+1) * odds
		sum += t
		if t < 1e-12*sum {
			break
		}
	}
	return first + math.Log(sum)
}
