package influence

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/veille-oss/veille/pkg/platform/mention"
)

// BucketName is the KV bucket holding author state and the link graph.
const BucketName = "VEILLE_AUTHORS"

var (
	// ErrState is returned when a stored author or domain record cannot be read.
	ErrState = errors.New("bad influence state")
	// ErrClosed is returned by Observe after Close.
	ErrClosed = errors.New("influence tracker closed")
	// errKV wraps failures to read or write the VEILLE_AUTHORS bucket.
	errKV = errors.New("influence KV")
	// errInput is returned for a mention the tracker cannot use.
	errInput = errors.New("influence input")
)

// KV key prefixes: one record per author, one per linking domain.
const (
	prefixAuthor = "a."
	prefixDomain = "d."
)

const (
	nShards        = 64
	maxAnchors     = 1 << 18 // anchors remembered to credit quotes
	flushWorkers   = 8
	maxFlushRetry  = 16
	loadTimeoutMin = 30 * time.Second
)

// OpenBucket creates or updates the VEILLE_AUTHORS KV bucket (file storage,
// one revision per key) with the given replica count.
func OpenBucket(ctx context.Context, js jetstream.JetStream, replicas int) (jetstream.KeyValue, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      BucketName,
		Description: "veille influence: author signals and the domain link graph",
		History:     1,
		Storage:     jetstream.FileStorage,
		Replicas:    max(replicas, 1),
	})
	if err != nil {
		return nil, fmt.Errorf("%w: bucket %s: %w", errKV, BucketName, err)
	}
	return kv, nil
}

// Result is the influence of a mention's author, for the enricher.
type Result struct {
	// Key is the author key ("" for an anonymous post: no score).
	Key string
	// Score is 0..100, the sum of Components.
	Score float64
	// Influencer: the author is an influencer for the mention's brand.
	Influencer bool
	// Components are reach, authority, engagement and activity points.
	Components map[string]float64
}

// author is one author's state in memory: st is what KV holds at revision
// rev plus the pending events not flushed yet.
type author struct {
	st       authorState
	rev      uint64
	pending  []event
	dirty    bool // has pending events to flush
	rowDirty bool // changed since the last DirtyRows
	touched  int64
}

type shard struct {
	mu      sync.Mutex
	authors map[string]*author
}

// anchorIndex maps a post (thread + anchor) to its author, to credit
// quotes; bounded FIFO, in memory only.
type anchorIndex struct {
	mu   sync.Mutex
	m    map[uint64]string
	ring []uint64
	next int
	// waiting holds quotes of anchors not seen yet (concurrent workers do
	// not observe a thread in order); they are credited when the quoted
	// post arrives. Bounded by maxWaiting.
	waiting map[uint64][]waitingQuote
}

// waitingQuote is a quote event whose target is not known yet.
type waitingQuote struct {
	ev     event
	quoter string
}

const maxWaiting = 1 << 16

// Tracker keeps author signals and scores in memory and writes them behind
// to a KV bucket. Safe for concurrent use; several trackers (processes) may
// share one bucket (see docs/influence.md, consistency model).
type Tracker struct {
	kv  jetstream.KeyValue
	cfg Config
	p   params
	log *slog.Logger

	shards  [nShards]shard
	anchors anchorIndex
	graph   *graph
	auth    atomic.Pointer[authorityTable]
	cutoffs atomic.Pointer[map[string]float64]
	now     atomic.Int64 // event clock: latest event time seen, unix seconds

	flushMu sync.Mutex
	closed  atomic.Bool
	stop    chan struct{}
	done    chan struct{}
}

// NewTracker loads the state in kv (author records and the link graph),
// computes PageRank and the per-brand cut-offs, and starts the write-behind
// loop (flush every cfg.FlushInterval, recompute every cfg.RecomputeInterval).
func NewTracker(ctx context.Context, kv jetstream.KeyValue, cfg Config, log *slog.Logger) (*Tracker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if kv == nil {
		return nil, fmt.Errorf("%w: no KV bucket", errKV)
	}
	if log == nil {
		log = slog.Default()
	}
	t := &Tracker{kv: kv, cfg: cfg, p: cfg.params(), log: log, graph: newGraph(cfg.MaxDomains, cfg.MaxOutLinks),
		stop: make(chan struct{}), done: make(chan struct{})}
	for i := range t.shards {
		t.shards[i].authors = map[string]*author{}
	}
	t.anchors.m = map[uint64]string{}
	t.anchors.waiting = map[uint64][]waitingQuote{}
	t.anchors.ring = make([]uint64, 0, 1024)
	empty := map[string]float64{}
	t.cutoffs.Store(&empty)
	t.auth.Store(&authorityTable{domains: map[string]domainAuth{}})
	if err := t.load(ctx); err != nil {
		return nil, err
	}
	t.Recompute()
	go t.loop()
	return t, nil
}

// domainRecord is what KV holds per linking domain.
type domainRecord struct {
	Domain string   `json:"domain"`
	Out    []string `json:"out"`
}

func (t *Tracker) load(ctx context.Context) error {
	w, err := t.kv.WatchAll(ctx, jetstream.IgnoreDeletes())
	if err != nil {
		return fmt.Errorf("%w: watch %s: %w", errKV, BucketName, err)
	}
	defer w.Stop()
	authors, domains := 0, 0
	for {
		var e jetstream.KeyValueEntry
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: loading %s: %w", errKV, BucketName, ctx.Err())
		case e = <-w.Updates():
		}
		if e == nil {
			break
		}
		switch {
		case strings.HasPrefix(e.Key(), prefixAuthor):
			st, err := decodeState(e.Key(), e.Value())
			if err != nil {
				t.log.Warn("influence: skipping unreadable author record", "key", e.Key(), "err", err)
				continue
			}
			sh := t.shard(st.Key)
			sh.authors[st.Key] = &author{st: *st, rev: e.Revision(), touched: st.Last, rowDirty: true}
			t.advance(st.Last)
			authors++
		case strings.HasPrefix(e.Key(), prefixDomain):
			var d domainRecord
			if err := json.Unmarshal(e.Value(), &d); err != nil || d.Domain == "" {
				t.log.Warn("influence: skipping unreadable domain record", "key", e.Key(), "err", err)
				continue
			}
			t.graph.add(d.Domain, d.Out)
			if id, ok := t.graph.ids[d.Domain]; ok {
				t.graph.rev[id] = e.Revision()
			}
			domains++
		}
	}
	t.graph.dirty = map[int32]bool{}
	t.log.Debug("influence state loaded", "authors", authors, "domains", domains)
	return nil
}

// shard picks the shard of an author key.
func (t *Tracker) shard(key string) *shard {
	return &t.shards[h64(key)%nShards]
}

// advance moves the event clock forward.
func (t *Tracker) advance(at int64) {
	for {
		cur := t.now.Load()
		if at <= cur || t.now.CompareAndSwap(cur, at) {
			return
		}
	}
}

// eventTime is when the mention was written: its publication date when it
// is plausible, else when it was collected.
func eventTime(m *mention.Mention) int64 {
	c := m.CollectedAt
	if c.IsZero() {
		c = time.Now()
	}
	p := m.PublishedAt
	if p.IsZero() || p.After(c.Add(time.Hour)) || p.Year() < 1995 {
		return c.Unix()
	}
	return p.Unix()
}

// Observe folds one mention into its author's signals and returns the
// author's current score and influencer flag for the mention's brand. It
// only touches memory; the state reaches KV on the next flush. A
// redelivered mention (same id and content hash) changes nothing. Call it
// after sentiment tagging: the per-brand sentiment counts read
// m.Enrichment.Sentiment.Label.
func (t *Tracker) Observe(ctx context.Context, m *mention.Mention) (Result, error) {
	if m == nil {
		return Result{}, fmt.Errorf("%w: nil mention", errInput)
	}
	if t.closed.Load() {
		return Result{}, ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	at := eventTime(m)
	// The clock is the latest event time (not collection time), so a
	// tracker reloading the state from KV (latest last_seen) reads the same
	// clock and computes the same scores.
	t.advance(at)
	host := hostOf(m.URL)
	if len(m.OutLinks) > 0 && host != "" {
		t.addLinks(host, m.OutLinks)
	}
	key := AuthorKey(m)
	thread := m.ThreadURL
	if thread == "" {
		thread = m.URL
	}
	if m.QuotedRef != "" {
		qev := event{Kind: evQuote, ID: h64(m.ID) ^ 0x9e3779b97f4a7c15, Hash: h64(m.ContentHash), At: at}
		if q := t.quotedKey(m, thread, host, key, &qev); q != "" && q != key {
			t.apply(q, &qev, "")
		}
	}
	if key == "" {
		return Result{}, nil
	}
	if m.Anchor != "" {
		for _, w := range t.rememberAnchor(thread, m.Anchor, key) {
			if w.quoter != key {
				t.apply(key, &w.ev, "")
			}
		}
	}
	ev := event{
		Kind: evMention, ID: h64(m.ID), Hash: h64(m.ContentHash), Post: h64(m.URL + "#" + m.Anchor), At: at,
		Feed:  m.SourceKind == mention.KindRSS,
		Owner: m.SourceKind != mention.KindForum && !mention.IsSocial(m.SourceKind) && m.Anchor == "" && m.Position <= 1,
		Likes: clampI32(socialLikes(m)), Replies: clampI32(m.Replies),
		PostCount: clampI32(m.Author.PostCount), Reputation: clampI32(m.Author.Reputation), Followers: clampI32(m.Author.Followers),
		Brand: m.Brand, Host: host, Name: boundName(m.Author.Name), Profile: boundName(m.Author.URL),
	}
	if m.Enrichment != nil {
		switch m.Enrichment.Sentiment.Label {
		case "pos":
			ev.Sent = sentPos
		case "neg":
			ev.Sent = sentNeg
		case "neu":
			ev.Sent = sentNeu
		}
	}
	if ev.Name == "" {
		ev.Name = key
	}
	return t.apply(key, &ev, m.Brand), nil
}

// apply folds ev into key's state and scores it for brand.
func (t *Tracker) apply(key string, ev *event, brand string) Result {
	sh := t.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	a := sh.authors[key]
	if a == nil {
		a = &author{st: authorState{Key: key}}
		sh.authors[key] = a
	}
	if a.st.apply(ev, t.p) {
		a.pending = append(a.pending, *ev)
		a.dirty, a.rowDirty = true, true
	}
	a.touched = max(a.touched, ev.At)
	score, comp := t.score(&a.st)
	return Result{Key: key, Score: score, Components: comp, Influencer: t.influencer(&a.st, score, brand)}
}

// signals gathers the score inputs of an author at the tracker's clock.
func (t *Tracker) signals(s *authorState) Signals {
	now := t.now.Load()
	sig := Signals{
		Followers: s.Followers, PostCount: s.PostCount, Reputation: s.Reputation,
		Likes: s.Likes, Replies: s.Replies, Quotes: s.Quotes,
		DecayedMentions: s.decayedAt(now, t.p.halfLife),
		ActiveDays:      s.activeDays(now, t.p.windowDays),
		DaysSinceLast:   float64(now-s.Last) / 86400,
	}
	if s.Mentions > 0 {
		sig.FeedShare = float64(s.Feed) / float64(s.Mentions)
	}
	if len(s.Owned) > 0 {
		tab := t.auth.Load()
		for _, h := range s.Owned {
			if d, ok := tab.domains[h]; ok && d.Rel > sig.PageRankRel {
				sig.PageRankRel, sig.InlinkDomains = d.Rel, d.Inlinks
			}
		}
	}
	return sig
}

func (t *Tracker) score(s *authorState) (float64, map[string]float64) {
	return Score(t.signals(s))
}

// influencer applies the two rules: an absolute threshold, or the top
// percentile of the brand's authors (cut-offs from the last Recompute).
func (t *Tracker) influencer(s *authorState, score float64, brand string) bool {
	if brand == "" || s.Mentions < int64(t.cfg.MinMentions) || s.brand(brand) == nil {
		return false
	}
	if score >= t.cfg.Threshold {
		return true
	}
	if t.cfg.TopPercentile <= 0 || score <= 0 {
		return false
	}
	cut, ok := (*t.cutoffs.Load())[brand]
	return ok && score >= cut
}

// addLinks records the page's cross-domain links in the graph.
func (t *Tracker) addLinks(src string, links []string) {
	var buf [16]string
	dsts := buf[:0]
	for i, l := range links {
		if i >= mention.MaxLinks {
			break
		}
		h := hostOf(l)
		if h == "" || h == src {
			continue
		}
		dup := false
		for _, d := range dsts {
			if d == h {
				dup = true
				break
			}
		}
		if !dup {
			dsts = append(dsts, h)
		}
	}
	if len(dsts) == 0 {
		return
	}
	t.graph.mu.Lock()
	t.graph.add(src, dsts)
	t.graph.mu.Unlock()
}

// rememberAnchor indexes a post's author and returns the quotes that were
// waiting for it.
func (t *Tracker) rememberAnchor(thread, anchor, key string) []waitingQuote {
	h := h64(thread + "#" + strings.TrimPrefix(anchor, "#"))
	ix := &t.anchors
	ix.mu.Lock()
	defer ix.mu.Unlock()
	waiting := ix.waiting[h]
	delete(ix.waiting, h)
	if _, ok := ix.m[h]; !ok {
		if len(ix.ring) < maxAnchors {
			ix.ring = append(ix.ring, h)
		} else {
			delete(ix.m, ix.ring[ix.next])
			ix.ring[ix.next] = h
			ix.next = (ix.next + 1) % maxAnchors
		}
	}
	ix.m[h] = key
	return waiting
}

// quotedKey finds who a forum post quotes: the author of the quoted anchor
// when that post was seen, else the quoted name on this site. A quote of
// an anchor not seen yet waits for it (returns "").
func (t *Tracker) quotedKey(m *mention.Mention, thread, host, quoter string, ev *event) string {
	ref := strings.TrimPrefix(strings.TrimSpace(m.QuotedRef), "#")
	if ref == "" {
		return ""
	}
	h := h64(thread + "#" + ref)
	ix := &t.anchors
	ix.mu.Lock()
	k, ok := ix.m[h]
	if !ok && anchorLike(ref) && len(ix.waiting) < maxWaiting {
		ix.waiting[h] = append(ix.waiting[h], waitingQuote{ev: *ev, quoter: quoter})
	}
	ix.mu.Unlock()
	if ok {
		return k
	}
	if anchorLike(ref) || host == "" {
		return ""
	}
	name := FoldName(ref)
	if name == "" {
		return ""
	}
	return host + "/@" + name
}

// anchorLike tells a post anchor ("p1230", "post-12", "comment-3",
// "post_4") from a quoted author's name.
func anchorLike(ref string) bool {
	l := strings.ToLower(ref)
	for _, p := range []string{"js-post-", "post-", "post_", "post", "comment-", "message-", "msg", "p"} {
		if rest, ok := strings.CutPrefix(l, p); ok && rest != "" && strings.Trim(rest, "0123456789") == "" {
			return true
		}
	}
	return false
}

// Recompute runs PageRank over the link graph when it changed and
// recomputes the per-brand top-percentile cut-offs. The loop calls it every
// RecomputeInterval; tests and tools may call it directly.
func (t *Tracker) Recompute() {
	t.graph.mu.Lock()
	changed := t.graph.changed || t.auth.Load().n != len(t.graph.names)
	t.graph.mu.Unlock()
	if changed {
		t.auth.Store(t.graph.computeAuthority())
	}
	if t.cfg.TopPercentile <= 0 {
		return
	}
	byBrand := map[string][]float64{}
	for i := range t.shards {
		sh := &t.shards[i]
		sh.mu.Lock()
		for _, a := range sh.authors {
			if a.st.Mentions < int64(t.cfg.MinMentions) {
				continue
			}
			score, _ := t.score(&a.st)
			for _, b := range a.st.Brands {
				byBrand[b.Brand] = append(byBrand[b.Brand], score)
			}
		}
		sh.mu.Unlock()
	}
	cut := make(map[string]float64, len(byBrand))
	for b, scores := range byBrand {
		sort.Sort(sort.Reverse(sort.Float64Slice(scores)))
		k := int(math.Ceil(float64(len(scores)) * t.cfg.TopPercentile / 100))
		k = min(max(k, 1), len(scores))
		cut[b] = scores[k-1]
	}
	t.cutoffs.Store(&cut)
}

func (t *Tracker) loop() {
	defer close(t.done)
	flush := time.NewTicker(t.cfg.FlushInterval)
	defer flush.Stop()
	recompute := time.NewTicker(t.cfg.RecomputeInterval)
	defer recompute.Stop()
	for {
		select {
		case <-t.stop:
			return
		case <-flush.C:
			ctx, cancel := context.WithTimeout(context.Background(), max(10*t.cfg.FlushInterval, 10*time.Second))
			if err := t.Flush(ctx); err != nil {
				t.log.Warn("influence: flush failed, will retry", "err", err)
			}
			cancel()
		case <-recompute.C:
			t.Recompute()
		}
	}
}

// Close stops the loop and flushes what is pending. Observe fails with
// ErrClosed afterwards.
func (t *Tracker) Close(ctx context.Context) error {
	if t.closed.Swap(true) {
		return nil
	}
	close(t.stop)
	<-t.done
	return t.Flush(ctx)
}

// flushItem is one author record to write.
type flushItem struct {
	key     string
	data    []byte
	pending []event
	rev     uint64
}

// Flush writes every dirty author and domain record to KV with
// revision-checked updates; a conflict re-reads the record and re-applies
// this tracker's pending events on it (see the consistency model).
func (t *Tracker) Flush(ctx context.Context) error {
	t.flushMu.Lock()
	defer t.flushMu.Unlock()
	var items []flushItem
	for i := range t.shards {
		sh := &t.shards[i]
		sh.mu.Lock()
		for k, a := range sh.authors {
			if !a.dirty {
				continue
			}
			data, err := a.st.encode()
			if err != nil {
				sh.mu.Unlock()
				return fmt.Errorf("%w: encode %s: %w", ErrState, k, err)
			}
			items = append(items, flushItem{key: k, data: data, pending: a.pending, rev: a.rev})
			a.pending, a.dirty = nil, false
		}
		sh.mu.Unlock()
	}
	errs := make([]error, flushWorkers)
	var wg sync.WaitGroup
	next := atomic.Int64{}
	for w := 0; w < flushWorkers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(items) {
					return
				}
				if err := t.flushAuthor(ctx, &items[i]); err != nil && errs[w] == nil {
					errs[w] = err
				}
			}
		}(w)
	}
	wg.Wait()
	err := errors.Join(errs...)
	if gerr := t.flushGraph(ctx); gerr != nil {
		err = errors.Join(err, gerr)
	}
	t.evict()
	return err
}

func isConflict(err error) bool {
	return errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch)
}

func (t *Tracker) flushAuthor(ctx context.Context, it *flushItem) error {
	kvKey := prefixAuthor + hash128(it.key)
	var rev uint64
	var err error
	if it.rev == 0 {
		rev, err = t.kv.Create(ctx, kvKey, it.data)
	} else {
		rev, err = t.kv.Update(ctx, kvKey, it.data, it.rev)
	}
	if err == nil {
		sh := t.shard(it.key)
		sh.mu.Lock()
		if a := sh.authors[it.key]; a != nil && a.rev == it.rev {
			a.rev = rev
		}
		sh.mu.Unlock()
		return nil
	}
	if !isConflict(err) {
		t.restore(it)
		return fmt.Errorf("%w: write author %s: %w", errKV, it.key, err)
	}
	// Another tracker wrote this author since we read it: replay our
	// pending events on its record.
	for attempt := 0; attempt < maxFlushRetry; attempt++ {
		e, gerr := t.kv.Get(ctx, kvKey)
		if gerr != nil {
			t.restore(it)
			return fmt.Errorf("%w: read author %s: %w", errKV, it.key, gerr)
		}
		fresh, derr := decodeState(kvKey, e.Value())
		if derr != nil {
			fresh = &authorState{Key: it.key}
		}
		for i := range it.pending {
			fresh.apply(&it.pending[i], t.p)
		}
		data, eerr := fresh.encode()
		if eerr != nil {
			return fmt.Errorf("%w: encode %s: %w", ErrState, it.key, eerr)
		}
		rev, err = t.kv.Update(ctx, kvKey, data, e.Revision())
		if err == nil {
			sh := t.shard(it.key)
			sh.mu.Lock()
			if a := sh.authors[it.key]; a != nil {
				// Events observed since the snapshot stay pending on top.
				for i := range a.pending {
					fresh.apply(&a.pending[i], t.p)
				}
				a.st, a.rev, a.rowDirty = *fresh, rev, true
			}
			sh.mu.Unlock()
			return nil
		}
		if !isConflict(err) {
			break
		}
	}
	t.restore(it)
	return fmt.Errorf("%w: write author %s after %d conflicts: %w", errKV, it.key, maxFlushRetry, err)
}

// restore puts unflushed events back in front of the pending ones.
func (t *Tracker) restore(it *flushItem) {
	sh := t.shard(it.key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	a := sh.authors[it.key]
	if a == nil {
		a = &author{st: authorState{Key: it.key}}
		for i := range it.pending {
			a.st.apply(&it.pending[i], t.p)
		}
		sh.authors[it.key] = a
	}
	a.pending = append(it.pending, a.pending...)
	a.dirty = true
}

// flushGraph writes the out-links of changed domains; on a conflict the
// stored set and ours are united.
func (t *Tracker) flushGraph(ctx context.Context) error {
	type item struct {
		id   int32
		rec  domainRecord
		rev  uint64
		data []byte
	}
	g := t.graph
	g.mu.Lock()
	var items []item
	for id := range g.dirty {
		rec := domainRecord{Domain: g.names[id], Out: g.outNames(id)}
		data, _ := json.Marshal(rec)
		items = append(items, item{id: id, rec: rec, rev: g.rev[id], data: data})
	}
	g.dirty = map[int32]bool{}
	g.mu.Unlock()
	var errs []error
	for _, it := range items {
		key := prefixDomain + hash128(it.rec.Domain)
		rev, err := t.writeDomain(ctx, key, it.rec, it.rev, it.data)
		g.mu.Lock()
		if err != nil {
			g.dirty[it.id] = true
			errs = append(errs, err)
		} else {
			g.rev[it.id] = rev
		}
		g.mu.Unlock()
	}
	return errors.Join(errs...)
}

func (t *Tracker) writeDomain(ctx context.Context, key string, rec domainRecord, rev uint64, data []byte) (uint64, error) {
	var err error
	var nrev uint64
	if rev == 0 {
		nrev, err = t.kv.Create(ctx, key, data)
	} else {
		nrev, err = t.kv.Update(ctx, key, data, rev)
	}
	for attempt := 0; err != nil && isConflict(err) && attempt < maxFlushRetry; attempt++ {
		e, gerr := t.kv.Get(ctx, key)
		if gerr != nil {
			return 0, fmt.Errorf("%w: read domain %s: %w", errKV, rec.Domain, gerr)
		}
		var stored domainRecord
		_ = json.Unmarshal(e.Value(), &stored)
		t.graph.mu.Lock()
		t.graph.add(rec.Domain, stored.Out)
		id := t.graph.ids[rec.Domain]
		merged := domainRecord{Domain: rec.Domain, Out: t.graph.outNames(id)}
		t.graph.mu.Unlock()
		data, _ = json.Marshal(merged)
		nrev, err = t.kv.Update(ctx, key, data, e.Revision())
	}
	if err != nil {
		return 0, fmt.Errorf("%w: write domain %s: %w", errKV, rec.Domain, err)
	}
	return nrev, nil
}

// evict drops the least recently seen clean authors beyond MaxAuthors from
// memory; their state stays in KV.
func (t *Tracker) evict() {
	type cand struct {
		touched int64
		key     string
	}
	total := 0
	for i := range t.shards {
		sh := &t.shards[i]
		sh.mu.Lock()
		total += len(sh.authors)
		sh.mu.Unlock()
	}
	excess := total - t.cfg.MaxAuthors
	if excess <= 0 {
		return
	}
	var cands []cand
	for i := range t.shards {
		sh := &t.shards[i]
		sh.mu.Lock()
		for k, a := range sh.authors {
			if !a.dirty && len(a.pending) == 0 {
				cands = append(cands, cand{a.touched, k})
			}
		}
		sh.mu.Unlock()
	}
	sort.Slice(cands, func(i, j int) bool { return cands[i].touched < cands[j].touched })
	for _, c := range cands[:min(excess, len(cands))] {
		sh := t.shard(c.key)
		sh.mu.Lock()
		if a := sh.authors[c.key]; a != nil && !a.dirty {
			delete(sh.authors, c.key)
		}
		sh.mu.Unlock()
	}
}

// Lookup returns an author's current score and flag for brand, false when
// the author is not in memory.
func (t *Tracker) Lookup(key, brand string) (Result, bool) {
	sh := t.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	a := sh.authors[key]
	if a == nil {
		return Result{}, false
	}
	score, comp := t.score(&a.st)
	return Result{Key: key, Score: score, Components: comp, Influencer: t.influencer(&a.st, score, brand)}, true
}

// h64 is FNV-1a 64: stable across processes (ids are persisted).
func h64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// hash128 names a KV key: author keys hold characters KV keys refuse.
func hash128(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:16])
}

func clampI32(v int) int32 {
	return int32(min(max(v, 0), math.MaxInt32))
}

func boundName(s string) string {
	if len(s) <= maxName {
		return s
	}
	return strings.ToValidUTF8(s[:maxName], "")
}
