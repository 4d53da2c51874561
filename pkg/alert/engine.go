// Package alert turns the enriched mention stream into bad-buzz incidents:
// per-brand detectors (negative volume spike against a seasonal baseline,
// sentiment drop, influencer criticism, toxic content, crisis vocabulary)
// feed one incident per (brand, cause) that opens, updates (throttled),
// escalates and resolves. Channels and durable delivery live in
// pkg/alert/deliver.
//
// Time is event time: a mention counts at its collected_at (our own
// processing time, so it is close to the wall clock and immune to the
// publication dates of old articles). A mention without collected_at, or
// more than MaxSkew ahead of the clock, counts at the clock's time.
package alert

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/veille-oss/veille/pkg/nlp/dedup"
	"github.com/veille-oss/veille/pkg/platform/mention"
)

// MaxSkew is how far ahead of the engine's clock a collected_at may be.
const MaxSkew = time.Minute

// maxRecent bounds the notable mentions kept per brand to seed new incidents.
const maxRecent = 64

// family maps a cause to its incident slot: a volume spike and a sentiment
// drop are two readings of one crisis, so they share one incident per brand
// (the rule field names the cause that opened it).
func family(cause string) string {
	if cause == CauseSentiment {
		return CauseVolume
	}
	return cause
}

// recent is a notable mention still in the window.
type recent struct {
	At     time.Time  `json:"at"`
	Top    TopMention `json:"top"`
	Class  tally      `json:"class"` // the mention's own tally (one of each flag)
	Counts Counts     `json:"counts"`
}

type brandState struct {
	Name     string    `json:"name"`
	Ring     ring      `json:"ring"`
	Base     baseline  `json:"base"`
	Recent   []recent  `json:"recent"`
	LastSeen time.Time `json:"last_seen"`
	rules    Rules     // derived from config, not persisted
	vocab    *vocabulary
}

type incState struct {
	Inc          Incident  `json:"incident"`
	LastFire     time.Time `json:"last_fire"`
	LastNotified time.Time `json:"last_notified"`
	Dirty        bool      `json:"dirty"`
	// HumanAt is the time of the last person's action applied (see Apply);
	// Held marks an incident a person resolved, HeldAt the detector's
	// window level then and HeldBy who resolved it.
	HumanAt time.Time `json:"human_at,omitzero"`
	Held    bool      `json:"held,omitempty"`
	HeldAt  int       `json:"held_at,omitempty"`
	HeldBy  string    `json:"held_by,omitempty"`
}

// Engine runs the detectors and keeps incidents. It is safe for concurrent use.
type Engine struct {
	cfg   Config
	clock func() time.Time

	mu        sync.Mutex
	brands    map[string]*brandState
	incidents map[string]*incState // key: brand key + "\x00" + family
	seen      map[string]struct{}
	seenRing  []string
	seenNext  int
	dropped   int
	words     words // scratch of Observe's crisis term matching
	relapse   map[string]relapse
	campaigns *dedup.Campaigns // coordinated posting per brand (campaign.go)
}

// NewEngine returns an engine; cfg must have passed Validate. clock gives
// processing time (nil means time.Now).
func NewEngine(cfg Config, clock func() time.Time) *Engine {
	if clock == nil {
		clock = time.Now
	}
	if cfg.MaxBrands == 0 {
		cfg.MaxBrands = 10000
	}
	if cfg.DedupSize == 0 {
		cfg.DedupSize = 65536
	}
	return &Engine{
		cfg:       cfg,
		clock:     clock,
		brands:    map[string]*brandState{},
		incidents: map[string]*incState{},
		seen:      map[string]struct{}{},
		seenRing:  make([]string, cfg.DedupSize),
		relapse:   map[string]relapse{},
		campaigns: dedup.NewCampaigns(0, 0),
	}
}

func brandKey(b string) string { return strings.ToLower(strings.TrimSpace(b)) }

func (e *Engine) brand(name string) *brandState {
	k := brandKey(name)
	if b, ok := e.brands[k]; ok {
		return b
	}
	if len(e.brands) >= e.cfg.MaxBrands {
		return nil
	}
	b := &brandState{Name: strings.TrimSpace(name)}
	e.initBrand(b)
	b.Ring = newRing(b.rules.Window, b.rules.Bucket)
	e.brands[k] = b
	return b
}

func (e *Engine) initBrand(b *brandState) {
	b.rules = e.cfg.rulesFor(b.Name)
	b.vocab = newVocabulary(b.rules.CrisisTerms)
}

// dedup reports whether the mention id was seen recently, remembering it.
func (e *Engine) dedup(id string) bool {
	if id == "" || len(e.seenRing) == 0 {
		return false
	}
	if _, ok := e.seen[id]; ok {
		return true
	}
	if old := e.seenRing[e.seenNext]; old != "" {
		delete(e.seen, old)
	}
	e.seenRing[e.seenNext] = id
	e.seenNext = (e.seenNext + 1) % len(e.seenRing)
	e.seen[id] = struct{}{}
	return false
}

// Dropped is the number of mentions ignored because MaxBrands was reached.
func (e *Engine) Dropped() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.dropped
}

func (e *Engine) eventTime(m *mention.Mention) time.Time {
	now := e.clock()
	t := m.CollectedAt
	if t.IsZero() || t.After(now.Add(MaxSkew)) {
		return now.UTC()
	}
	return t.UTC()
}

func disabled(r *Rules, cause string) bool { return slices.Contains(r.Disable, cause) }

// Observe feeds one enriched mention and returns the events it causes.
// Mentions without a brand or enrichment, and repeated ids, are ignored.
func (e *Engine) Observe(m *mention.Mention) []Event {
	if m == nil || m.Enrichment == nil || strings.TrimSpace(m.Brand) == "" {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.dedup(m.ID) {
		return nil
	}
	b := e.brand(m.Brand)
	if b == nil {
		e.dropped++
		return nil
	}
	t := e.eventTime(m)
	rl := &b.rules
	bk := brandKey(b.Name)

	// classify
	var c tally
	c.N = 1
	neg := label(m) == "neg"
	switch label(m) {
	case "neg":
		c.Neg = 1
	case "pos":
		c.Pos = 1
	default:
		c.Neu = 1
	}
	infl := neg && isInfluencer(m) && m.Enrichment.InfluenceScore >= rl.MinInfluence
	if infl {
		c.Infl = 1
	}
	if isToxic(m) {
		c.Toxic = 1
	}
	var terms []string
	if label(m) != "pos" {
		if !b.vocab.empty() {
			// the words of title and text, as if joined by a line break
			e.words.reset()
			e.words.add(m.Title)
			e.words.add(m.Text)
			terms = b.vocab.matchWords(&e.words)
		}
		if len(terms) > 0 {
			c.Crisis = 1
		}
	}

	// slide the window; buckets leaving it feed the baseline
	buzz := e.incidents[bk+"\x00"+CauseVolume]
	var capRates *rates
	if buzz != nil && buzz.Inc.Open() {
		ex := b.Base.expected(t, rl)
		capRates = &rates{Neg: ex.Neg * rl.MinRatio, Pos: ex.Pos * rl.MinRatio, Neu: ex.Neu * rl.MinRatio}
	}
	b.Ring.advance(b.Ring.index(t), func(start time.Time, bc tally) {
		b.Base.fold(start, bc, b.Ring.Bucket, rl, capRates)
	})
	b.Ring.put(b.Ring.index(t), c)
	b.LastSeen = t

	// The mention's summary is built only when something keeps it: most
	// calm mentions are neither notable nor part of an open incident.
	var top TopMention
	haveTop := false
	topOnce := func() TopMention {
		if !haveTop {
			top, haveTop = topOf(m, terms), true
		}
		return top
	}
	var mc Counts
	mc.add(m)
	notable := neg || c.Toxic > 0 || c.Crisis > 0 || isInfluencer(m)
	if notable {
		b.pushRecent(recent{At: t, Top: topOnce(), Class: c, Counts: mc}, rl.Window)
	}

	var events []Event
	// buzz family: volume spike, then sentiment drop
	fired := false
	for _, cause := range []string{CauseVolume, CauseSentiment} {
		if disabled(rl, cause) || fired {
			continue
		}
		if ok, strength, expected, detail := e.detect(cause, b, t); ok {
			fired = true
			events = e.fire(events, b, cause, t, strength, expected, detail, mc)
		}
	}
	// every mention of the brand feeds an open buzz incident
	if st := e.incidents[bk+"\x00"+CauseVolume]; st != nil && st.Inc.Open() {
		events = e.feed(events, st, rl, t, topOnce(), mc, neg || isInfluencer(m) || c.Toxic > 0)
	}
	if infl && !disabled(rl, CauseInfluencer) {
		s := m.Enrichment.InfluenceScore / 100
		d := fmt.Sprintf("negative mention by influencer %q (influence %.0f)", m.Author.Name, m.Enrichment.InfluenceScore)
		events = e.fireEvent(events, b, CauseInfluencer, t, s, d, topOnce(), mc,
			func(r recent) bool { return r.Class.Infl > 0 })
	}
	if c.Toxic > 0 && !disabled(rl, CauseToxic) && b.Ring.Win.Toxic >= rl.ToxicMinCount {
		s := math.Min(1, float64(b.Ring.Win.Toxic)/10)
		d := fmt.Sprintf("%d toxic mentions in %v", b.Ring.Win.Toxic, rl.Window)
		events = e.fireEvent(events, b, CauseToxic, t, s, d, topOnce(), mc,
			func(r recent) bool { return r.Class.Toxic > 0 })
	}
	if c.Crisis > 0 && !disabled(rl, CauseCrisis) && b.Ring.Win.Crisis >= rl.CrisisMinCount {
		s := math.Min(1, float64(b.Ring.Win.Crisis)/10)
		d := fmt.Sprintf("%d mentions with crisis terms in %v (%s)", b.Ring.Win.Crisis, rl.Window, strings.Join(terms, ", "))
		events = e.fireEvent(events, b, CauseCrisis, t, s, d, topOnce(), mc,
			func(r recent) bool { return r.Class.Crisis > 0 })
	}
	return e.campaign(events, b, m, t, topOnce, mc)
}

func (b *brandState) pushRecent(r recent, window time.Duration) {
	cut := r.At.Add(-window)
	i := 0
	for i < len(b.Recent) && b.Recent[i].At.Before(cut) {
		i++
	}
	b.Recent = b.Recent[i:]
	if len(b.Recent) >= maxRecent {
		b.Recent = b.Recent[1:]
	}
	b.Recent = append(b.Recent, r)
}

// detect evaluates one buzz detector on the brand's window at t.
func (e *Engine) detect(cause string, b *brandState, t time.Time) (ok bool, strength, expected float64, detail string) {
	rl := &b.rules
	w := b.Ring.Win
	if w.Neg < rl.MinCount {
		return false, 0, 0, ""
	}
	warm := b.Base.Observed >= rl.Warmup.Seconds()
	ex := b.Base.expected(t, rl)
	win := rl.Window.Seconds()
	switch cause {
	case CauseVolume:
		if !warm {
			if w.Neg < rl.ColdMinCount {
				return false, 0, 0, ""
			}
			s := math.Min(1, math.Log10(float64(w.Neg)*10/float64(rl.ColdMinCount))/2)
			return true, s, 0, fmt.Sprintf("%d negative mentions in %v (baseline still learning, cold threshold %d)", w.Neg, rl.Window, rl.ColdMinCount)
		}
		lambda := ex.Neg * win
		if float64(w.Neg) < rl.MinRatio*lambda {
			return false, 0, 0, ""
		}
		lp := logPoissonTail(w.Neg, lambda)
		if lp > logNormalTail(rl.Sensitivity) {
			return false, 0, 0, ""
		}
		s := math.Min(1, math.Log10(float64(w.Neg)/math.Max(lambda, 0.1))/2)
		return true, s, lambda, fmt.Sprintf("%d negative mentions in %v, baseline expects %.1f (z=%.1f)", w.Neg, rl.Window, lambda, poissonZ(w.Neg, lambda))
	case CauseSentiment:
		if !warm || ex.total() <= 0 {
			return false, 0, 0, ""
		}
		n := w.Neg + w.Pos + w.Neu
		base := clamp(ex.Neg/ex.total(), 0.02, 0.98)
		share := float64(w.Neg) / float64(n)
		thr := logNormalTail(rl.Sensitivity)
		jump := share - base
		shareHit := jump >= rl.ShareJump && logBinomTail(w.Neg, n, base) <= thr
		var drop float64
		netHit := false
		if polar := w.Pos + w.Neg; polar > 0 && ex.Pos+ex.Neg > 0 {
			baseNet := (ex.Pos - ex.Neg) / (ex.Pos + ex.Neg)
			net := float64(w.Pos-w.Neg) / float64(polar)
			drop = baseNet - net
			b2 := clamp(ex.Neg/(ex.Pos+ex.Neg), 0.02, 0.98)
			netHit = drop >= rl.NetDrop && logBinomTail(w.Neg, polar, b2) <= thr
		}
		if !shareHit && !netHit {
			return false, 0, 0, ""
		}
		s := math.Min(1, math.Max(jump/0.5, drop/1.0))
		return true, s, base * float64(n), fmt.Sprintf("negative share %.0f%% in %v vs %.0f%% usual; net sentiment drop %.2f", 100*share, rl.Window, 100*base, drop)
	}
	return false, 0, 0, ""
}

func clamp(x, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, x)) }

// fire opens (or reopens, or strengthens) a buzz incident. Seeding comes
// from the window: counts of the whole window, top from recent mentions.
func (e *Engine) fire(events []Event, b *brandState, cause string, t time.Time, strength, expected float64, detail string, mc Counts) []Event {
	key := brandKey(b.Name) + "\x00" + family(cause)
	st := e.incidents[key]
	if e.held(b, st, key, cause, t) {
		return events
	}
	st = e.incidents[key]
	if st != nil && st.Inc.Open() {
		st.LastFire = t
		st.Inc.Strength = math.Max(st.Inc.Strength, strength)
		if b.Ring.Win.Neg > st.Inc.Peak {
			st.Inc.Peak = b.Ring.Win.Neg
			st.Inc.Expected = expected
			st.Inc.Detail = detail
		}
		return events // the triggering mention itself is fed by the caller
	}
	w := b.Ring.Win
	seed := Counts{Total: w.N, Neg: w.Neg, Pos: w.Pos, Neu: w.Neu, Influencer: w.Infl, Toxic: w.Toxic}
	var top []TopMention
	for _, r := range b.Recent {
		top, _ = pushTop(top, r.Top)
	}
	// the current mention is in the window and is fed by the caller: take
	// it out of the seed so it is not counted twice.
	seed = subCounts(seed, mc)
	events = e.open(events, b, st, key, cause, t, strength, expected, detail, seed, top, b.Ring.Win.Neg)
	e.linkRelapse(key)
	return events
}

func subCounts(a, b Counts) Counts {
	return Counts{Total: a.Total - b.Total, Neg: a.Neg - b.Neg, Pos: a.Pos - b.Pos, Neu: a.Neu - b.Neu,
		Influencer: a.Influencer - b.Influencer, Toxic: a.Toxic - b.Toxic}
}

// fireEvent handles the per-mention causes (influencer, toxic, crisis): the
// mention feeds the open incident, or opens one seeded from the window.
func (e *Engine) fireEvent(events []Event, b *brandState, cause string, t time.Time, strength float64, detail string, top TopMention, mc Counts, keep func(recent) bool) []Event {
	key := brandKey(b.Name) + "\x00" + cause
	st := e.incidents[key]
	if e.held(b, st, key, cause, t) {
		return events
	}
	st = e.incidents[key]
	if st == nil || !st.Inc.Open() {
		var seed Counts
		var tops []TopMention
		for _, r := range b.Recent[:len(b.Recent)-1] { // the last one is this mention
			if keep(r) {
				seed.Total += r.Counts.Total
				seed.Neg += r.Counts.Neg
				seed.Pos += r.Counts.Pos
				seed.Neu += r.Counts.Neu
				seed.Influencer += r.Counts.Influencer
				seed.Toxic += r.Counts.Toxic
				tops, _ = pushTop(tops, r.Top)
			}
		}
		events = e.open(events, b, st, key, cause, t, strength, 0, detail, seed, tops, 0)
		e.linkRelapse(key)
		st = e.incidents[key]
	} else {
		st.Inc.Strength = math.Max(st.Inc.Strength, strength)
		st.Inc.Detail = detail
	}
	st.LastFire = t
	return e.feed(events, st, &b.rules, t, top, mc, true)
}

// open creates the incident, or reopens a resolved one still in cooldown.
// The opened event is emitted by the first feed, so it carries the
// triggering mention.
func (e *Engine) open(events []Event, b *brandState, st *incState, key, cause string, t time.Time, strength, expected float64, detail string, seed Counts, top []TopMention, peak int) []Event {
	rl := &b.rules
	if st != nil && !st.Inc.Open() && t.Sub(st.Inc.ResolvedAt) < rl.Cooldown {
		st.Inc.ResolvedAt = time.Time{}
		st.Inc.Reopens++
		st.Inc.Strength = math.Max(st.Inc.Strength, strength)
		st.Inc.Detail = detail
		st.LastFire = t
		st.Dirty = true
		st.LastNotified = time.Time{} // a reopening is always told
		return events
	}
	h := sha256.Sum256([]byte(brandKey(b.Name) + "\x00" + cause + "\x00" + t.Format(time.RFC3339Nano)))
	inc := Incident{
		ID:       "inc-" + hex.EncodeToString(h[:10]),
		Brand:    b.Name,
		Cause:    cause,
		OpenedAt: t,
		Counts:   seed,
		Top:      top,
		Detail:   detail,
		Strength: strength,
		Expected: expected,
		Peak:     peak,
	}
	if base := strings.TrimRight(e.cfg.ConsoleBaseURL, "/"); base != "" {
		inc.Link = base + "/incidents/" + inc.ID
	}
	e.incidents[key] = &incState{Inc: inc, LastFire: t, Dirty: true}
	return events
}

// feed adds one mention to an open incident and emits what is due.
func (e *Engine) feed(events []Event, st *incState, rl *Rules, t time.Time, top TopMention, mc Counts, rankable bool) []Event {
	inc := &st.Inc
	inc.Counts.Total += mc.Total
	inc.Counts.Neg += mc.Neg
	inc.Counts.Pos += mc.Pos
	inc.Counts.Neu += mc.Neu
	inc.Counts.Influencer += mc.Influencer
	inc.Counts.Toxic += mc.Toxic
	if rankable {
		inc.Top, _ = pushTop(inc.Top, top)
	}
	st.Dirty = true
	return e.emit(events, st, rl, t)
}

// emit sends the event due for st at t: opened first, escalated at once
// when severity rose, updated at most once per UpdateEvery.
func (e *Engine) emit(events []Event, st *incState, rl *Rules, t time.Time) []Event {
	inc := &st.Inc
	sev := severity(inc.Cause, inc.Strength, inc.Counts)
	kind := Updated
	switch {
	case inc.Seq == 0:
		kind = Opened
	case sev > inc.Severity:
		kind = Escalated
	case !st.Dirty:
		return events
	case !st.LastNotified.IsZero() && t.Sub(st.LastNotified) < rl.UpdateEvery:
		return events
	}
	if sev > inc.Severity {
		inc.Severity = sev
	}
	inc.Seq++
	inc.UpdatedAt = t
	inc.Window = Window{Start: t.Add(-rl.Window), End: t, Duration: rl.Window}
	st.LastNotified = t
	st.Dirty = false
	return append(events, Event{Kind: kind, Incident: inc.clone()})
}

func (i *Incident) clone() Incident {
	c := *i
	c.Top = slices.Clone(i.Top)
	return c
}

// Tick emits what time alone decides: throttled updates that are now due
// and resolutions of incidents quiet for ResolveAfter. Call it every few
// seconds with the clock's time.
func (e *Engine) Tick(now time.Time) []Event {
	now = now.UTC()
	e.mu.Lock()
	defer e.mu.Unlock()
	var events []Event
	keys := make([]string, 0, len(e.incidents))
	for k := range e.incidents {
		keys = append(keys, k)
	}
	slices.Sort(keys) // deterministic event order
	for _, k := range keys {
		st := e.incidents[k]
		bk, _, _ := strings.Cut(k, "\x00")
		rl := e.cfg.rulesFor(bk)
		if b := e.brands[bk]; b != nil {
			rl = b.rules
		}
		inc := &st.Inc
		if !inc.Open() {
			if holdOver(st, &rl, now) {
				delete(e.incidents, k)
			}
			continue
		}
		if now.Sub(st.LastFire) >= rl.ResolveAfter {
			// flush the last counts into the resolution itself
			inc.ResolvedAt = now
			inc.Seq++
			inc.UpdatedAt = now
			st.Dirty = false
			st.LastNotified = now
			events = append(events, Event{Kind: Resolved, Incident: inc.clone()})
			continue
		}
		events = e.emit(events, st, &rl, now)
	}
	return events
}

// Incidents returns copies of the open incidents, sorted by id.
func (e *Engine) Incidents() []Incident {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Incident
	for _, st := range e.incidents {
		if st.Inc.Open() {
			out = append(out, st.Inc.clone())
		}
	}
	slices.SortFunc(out, func(a, b Incident) int { return strings.Compare(a.ID, b.ID) })
	return out
}
