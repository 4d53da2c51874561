package influence_test

import (
	"context"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/veille-oss/veille/pkg/enrich/influence"
	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
)

// testConfig flushes and recomputes only when the test says so.
func testConfig() influence.Config {
	c := influence.Default()
	c.FlushInterval = time.Hour
	c.RecomputeInterval = time.Hour
	return c
}

func bucket(t testing.TB) jetstream.KeyValue {
	t.Helper()
	cfg := testenv.Config(t)
	b := testenv.Bus(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	kv, err := influence.OpenBucket(ctx, b.JS, 1)
	if err != nil {
		t.Fatal(err)
	}
	return kv
}

func newTracker(t testing.TB, kv jetstream.KeyValue, cfg influence.Config) *influence.Tracker {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tr, err := influence.NewTracker(ctx, kv, cfg, testenv.Discard())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tr.Close(context.Background()) })
	return tr
}

func observeAll(t testing.TB, tr *influence.Tracker, ms []*mention.Mention) {
	t.Helper()
	ctx := context.Background()
	for _, m := range ms {
		if _, err := tr.Observe(ctx, m); err != nil {
			t.Fatalf("observe %s: %v", m.ID, err)
		}
	}
}

func rowsByKey(rows []influence.AuthorRow) map[string]influence.AuthorRow {
	out := map[string]influence.AuthorRow{}
	for _, r := range rows {
		out[r.AuthorKey] = r
	}
	return out
}

func flagged(r influence.AuthorRow, brand string) bool {
	for i, b := range r.Brands {
		if b == brand {
			return r.BrandInfluencer[i] == 1
		}
	}
	return false
}

func TestDemoReplayRanksDesignedInfluencers(t *testing.T) {
	rp := demoReplay()
	tr := newTracker(t, bucket(t), testConfig())
	observeAll(t, tr, rp.ms)
	tr.Recompute()
	rows := tr.Rows()
	for i, r := range rows {
		if i < 12 {
			t.Logf("#%d %-36s score %5.2f reach %5.2f auth %5.2f eng %5.2f act %5.2f  mentions %d brands %v flags %v",
				i+1, r.AuthorKey, r.Score, r.Reach, r.Authority, r.Engagement, r.Activity, r.Mentions, r.Brands, r.BrandInfluencer)
		}
	}
	rank := map[string]int{}
	for i, r := range rows {
		rank[r.AuthorKey] = i
	}
	if rank[keyCamille] != 0 {
		t.Errorf("Camille Roux ranks #%d, want #1", rank[keyCamille]+1)
	}
	if r, ok := rank[keyTitou]; !ok || r > 2 {
		t.Errorf("Titou75 ranks #%d, want top 3", r+1)
	}
	if r, ok := rank[keyNews]; !ok || r > 3 {
		t.Errorf("Mon Quotidien Local ranks #%d, want top 4", r+1)
	}
	by := rowsByKey(rows)
	for key, brands := range map[string][]string{keyCamille: {"Duval", "Blanchard"}, keyTitou: {"Duval", "Blanchard"}, keyNews: {"Voltéo"}} {
		for _, b := range brands {
			if !flagged(by[key], b) {
				t.Errorf("%s is not an influencer for %s (score %.2f)", key, b, by[key].Score)
			}
			res, ok := tr.Lookup(key, b)
			if !ok || !res.Influencer {
				t.Errorf("Lookup(%s, %s) = %+v, %v", key, b, res, ok)
			}
		}
	}
	if flagged(by[keyVelo], "Duval") {
		t.Errorf("the cycling blogger is flagged for Duval, which he never mentions")
	}
	nDrive, repeat := 0, 0
	for key := range rp.driveBys {
		r, ok := by[key]
		if !ok {
			t.Errorf("drive-by %s has no row", key)
			continue
		}
		nDrive++
		if r.Mentions >= 2 {
			repeat++
		}
		for i, b := range r.Brands {
			if r.BrandInfluencer[i] == 1 {
				t.Errorf("drive-by %s (score %.2f, %d mentions) flagged for %s", key, r.Score, r.Mentions, b)
			}
		}
		if r.Score >= by[keyTitou].Score {
			t.Errorf("drive-by %s scores %.2f, above Titou75 %.2f", key, r.Score, by[keyTitou].Score)
		}
	}
	if nDrive < 50 || repeat < 10 {
		t.Fatalf("replay has %d drive-bys, %d coming back: too few to mean anything", nDrive, repeat)
	}
	// Identity merged Camille's articles, feed items and comment replies.
	c := by[keyCamille]
	if c.Mentions < 8+16 || c.FeedShare <= 0 || c.Replies == 0 || c.InlinkDomains < 8 {
		t.Errorf("Camille's signals: %+v", c)
	}
	tt := by[keyTitou]
	if tt.Quotes == 0 || tt.Likes == 0 || tt.PostCount != 4788+23 {
		t.Errorf("Titou75's signals: quotes %d likes %d post count %d", tt.Quotes, tt.Likes, tt.PostCount)
	}
	// Sentiment towards each brand is kept per brand.
	for i, b := range c.Brands {
		if c.BrandPos[i]+c.BrandNeg[i]+c.BrandNeu[i] != c.BrandMentions[i] {
			t.Errorf("Camille %s: pos %d + neg %d + neu %d != %d", b, c.BrandPos[i], c.BrandNeg[i], c.BrandNeu[i], c.BrandMentions[i])
		}
	}
}

func TestObserveIsIdempotentAndCountsEditsOnce(t *testing.T) {
	rp := demoReplay()
	tr := newTracker(t, bucket(t), testConfig())
	observeAll(t, tr, rp.ms)
	tr.Recompute()
	before := rowsByKey(tr.Rows())
	observeAll(t, tr, rp.ms) // every mention redelivered
	tr.Recompute()
	after := rowsByKey(tr.Rows())
	for k, b := range before {
		a := after[k]
		if a.Mentions != b.Mentions || a.Score != b.Score || a.Likes != b.Likes || a.Quotes != b.Quotes || a.Replies != b.Replies {
			t.Fatalf("%s changed on redelivery: %+v -> %+v", k, b, a)
		}
	}
	// An edited post (same id, new content hash) with more comments: the
	// mention is not counted again, only the new replies are.
	var post *mention.Mention
	for _, m := range rp.ms {
		if m.SourceKind == mention.KindWeb && m.Replies > 0 {
			post = m
			break
		}
	}
	edited := *post
	edited.ContentHash += "-edited"
	edited.Replies += 4
	res, err := tr.Observe(context.Background(), &edited)
	if err != nil {
		t.Fatal(err)
	}
	row := rowsByKey(tr.Rows())[res.Key]
	if row.Mentions != before[res.Key].Mentions || row.Replies != before[res.Key].Replies+4 {
		t.Fatalf("edit: mentions %d -> %d, replies %d -> %d (want +0, +4)", before[res.Key].Mentions, row.Mentions, before[res.Key].Replies, row.Replies)
	}
	// The same post about another brand is another mention, but its
	// comments are not counted twice.
	other := *post
	other.Brand = "Blanchard"
	other.SetID()
	other.Replies = edited.Replies
	if _, err := tr.Observe(context.Background(), &other); err != nil {
		t.Fatal(err)
	}
	row2 := rowsByKey(tr.Rows())[res.Key]
	if row2.Mentions != row.Mentions+1 || row2.Replies != row.Replies {
		t.Fatalf("second brand: mentions %d -> %d, replies %d -> %d (want +1, +0)", row.Mentions, row2.Mentions, row.Replies, row2.Replies)
	}
}

func TestRestartKeepsScores(t *testing.T) {
	rp := demoReplay()
	kv := bucket(t)
	cfg := testConfig()
	ctx := context.Background()
	tr1, err := influence.NewTracker(ctx, kv, cfg, testenv.Discard())
	if err != nil {
		t.Fatal(err)
	}
	observeAll(t, tr1, rp.ms)
	tr1.Recompute()
	want := tr1.Rows()
	if err := tr1.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := tr1.Observe(ctx, rp.ms[0]); err != influence.ErrClosed {
		t.Fatalf("observe after close: %v", err)
	}
	tr2 := newTracker(t, kv, cfg)
	got := rowsByKey(tr2.Rows())
	if len(got) != len(want) {
		t.Fatalf("after restart %d authors, before %d", len(got), len(want))
	}
	for _, w := range want {
		g := got[w.AuthorKey]
		if g.Score != w.Score || g.Mentions != w.Mentions || g.Reach != w.Reach || g.Authority != w.Authority ||
			g.Engagement != w.Engagement || g.Activity != w.Activity || strings.Join(g.Brands, ",") != strings.Join(w.Brands, ",") {
			t.Fatalf("%s after restart:\n got %+v\nwant %+v", w.AuthorKey, g, w)
		}
		for i := range w.BrandInfluencer {
			if g.BrandInfluencer[i] != w.BrandInfluencer[i] {
				t.Fatalf("%s %s influencer flag %d after restart, %d before", w.AuthorKey, w.Brands[i], g.BrandInfluencer[i], w.BrandInfluencer[i])
			}
		}
	}
	// Redeliveries after the restart are still recognised.
	observeAll(t, tr2, rp.ms[:50])
	again := rowsByKey(tr2.Rows())
	for _, w := range want {
		if again[w.AuthorKey].Mentions != w.Mentions {
			t.Fatalf("%s: redelivery after restart counted: %d -> %d", w.AuthorKey, w.Mentions, again[w.AuthorKey].Mentions)
		}
	}
}

// TestTwoTrackersShareABucket: two enricher instances observe interleaved
// halves of the stream (with some mentions delivered to both) and flush
// concurrently; a third process loading the bucket sees the same counts as
// one tracker that saw everything.
func TestTwoTrackersShareABucket(t *testing.T) {
	rp := demoReplay()
	// Quotes by anchor need the quoted post in the same process's memory;
	// keep the name-resolved ones only (see the consistency model).
	var ms []*mention.Mention
	for _, m := range rp.ms {
		if m.QuotedRef == "" || !strings.HasPrefix(m.QuotedRef, "p") {
			ms = append(ms, m)
		}
	}
	cfg := testConfig()
	kv := bucket(t)
	a, b := newTracker(t, kv, cfg), newTracker(t, kv, cfg)
	ctx := context.Background()
	const chunk = 37
	for start := 0; start < len(ms); start += chunk {
		end := min(start+chunk, len(ms))
		for i := start; i < end; i++ {
			tr := a
			if i%2 == 1 {
				tr = b
			}
			if _, err := tr.Observe(ctx, ms[i]); err != nil {
				t.Fatal(err)
			}
			if i%11 == 0 { // redelivered to the other instance
				other := b
				if tr == b {
					other = a
				}
				if _, err := other.Observe(ctx, ms[i]); err != nil {
					t.Fatal(err)
				}
			}
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for j, tr := range []*influence.Tracker{a, b} {
			wg.Add(1)
			go func() { defer wg.Done(); errs[j] = tr.Flush(ctx) }()
		}
		wg.Wait()
		if errs[0] != nil || errs[1] != nil {
			t.Fatalf("flush: %v / %v", errs[0], errs[1])
		}
	}
	if err := a.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := b.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	loaded := newTracker(t, kv, cfg)
	single := newTracker(t, bucket(t), cfg)
	observeAll(t, single, ms)
	single.Recompute()
	got, want := rowsByKey(loaded.Rows()), single.Rows()
	if len(got) != len(want) {
		t.Fatalf("shared bucket has %d authors, single tracker %d", len(got), len(want))
	}
	for _, w := range want {
		g := got[w.AuthorKey]
		if g.Mentions != w.Mentions || g.Likes != w.Likes || g.Replies != w.Replies || g.Quotes != w.Quotes ||
			g.PostCount != w.PostCount || g.ActiveDays != w.ActiveDays || g.InlinkDomains != w.InlinkDomains ||
			strings.Join(g.Brands, ",") != strings.Join(w.Brands, ",") && len(g.Brands) != len(w.Brands) {
			t.Fatalf("%s merged from two trackers:\n got %+v\nwant %+v", w.AuthorKey, g, w)
		}
		if math.Abs(float64(g.Score-w.Score)) > 0.02 {
			t.Fatalf("%s: score %.2f from two trackers, %.2f from one", w.AuthorKey, g.Score, w.Score)
		}
		wp, gp := map[string][3]uint32{}, map[string][3]uint32{}
		for i, br := range w.Brands {
			wp[br] = [3]uint32{w.BrandPos[i], w.BrandNeg[i], w.BrandNeu[i]}
		}
		for i, br := range g.Brands {
			gp[br] = [3]uint32{g.BrandPos[i], g.BrandNeg[i], g.BrandNeu[i]}
		}
		for br, v := range wp {
			if gp[br] != v {
				t.Fatalf("%s %s sentiment %v from two trackers, %v from one", w.AuthorKey, br, gp[br], v)
			}
		}
	}
}

func TestObserveInput(t *testing.T) {
	tr := newTracker(t, bucket(t), testConfig())
	if _, err := tr.Observe(context.Background(), nil); err == nil {
		t.Fatal("nil mention accepted")
	}
	m := &mention.Mention{Brand: "Duval", SourceKind: "web", URL: "http://blog.test/a/", Anchor: "comment-1", Position: 3, CollectedAt: time.Now()}
	m.SetID()
	res, err := tr.Observe(context.Background(), m)
	if err != nil || res.Key != "" || res.Score != 0 || res.Influencer {
		t.Fatalf("anonymous comment: %+v, %v", res, err)
	}
	if _, err := influence.NewTracker(context.Background(), nil, testConfig(), nil); err == nil {
		t.Fatal("tracker without bucket")
	}
	bad := testConfig()
	bad.MinMentions = 0
	if _, err := influence.NewTracker(context.Background(), bucket(t), bad, nil); err == nil || !strings.Contains(err.Error(), "min_mentions") {
		t.Fatalf("bad config: %v", err)
	}
}

// TestConcurrentObserveWithBackgroundFlush: the enricher's workers call
// Observe concurrently while the loop flushes and recomputes; what reaches
// KV is what one sequential pass computes.
func TestConcurrentObserveWithBackgroundFlush(t *testing.T) {
	rp := demoReplay()
	cfg := testConfig()
	cfg.FlushInterval, cfg.RecomputeInterval = 15*time.Millisecond, 20*time.Millisecond
	kv := bucket(t)
	ctx := context.Background()
	tr, err := influence.NewTracker(ctx, kv, cfg, testenv.Discard())
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(rp.ms); i += 4 {
				if _, err := tr.Observe(ctx, rp.ms[i]); err != nil {
					t.Error(err)
					return
				}
				if i%50 == 0 {
					time.Sleep(2 * time.Millisecond) // let flushes interleave
				}
			}
		}()
	}
	wg.Wait()
	if err := tr.Close(ctx); err != nil {
		t.Fatal(err)
	}
	got := rowsByKey(newTracker(t, kv, testConfig()).Rows())
	single := newTracker(t, bucket(t), testConfig())
	observeAll(t, single, rp.ms)
	single.Recompute()
	for _, w := range single.Rows() {
		g := got[w.AuthorKey]
		if g.Mentions != w.Mentions || g.Likes != w.Likes || g.Replies != w.Replies || g.Quotes != w.Quotes || g.InlinkDomains != w.InlinkDomains {
			t.Fatalf("%s concurrent:\n got %+v\nwant %+v", w.AuthorKey, g, w)
		}
	}
}
