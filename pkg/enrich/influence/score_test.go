package influence_test

import (
	"math"
	"testing"

	"github.com/veille-oss/veille/pkg/enrich/influence"
)

// TestScoreComponents moves one signal at a time from nothing to far past
// its saturation point: its component (and the total) must rise, never
// fall, and stop at the component's maximum.
func TestScoreComponents(t *testing.T) {
	base := influence.Signals{DecayedMentions: 1, ActiveDays: 1, DaysSinceLast: 0}
	cases := []struct {
		name      string
		component string
		max       float64
		steps     []float64
		set       func(s *influence.Signals, v float64)
	}{
		{"followers", influence.Reach, 40, []float64{0, 10, 1000, 20_000, 100_000, 1e7},
			func(s *influence.Signals, v float64) { s.Followers = int64(v) }},
		{"inlink domains of own site", influence.Reach, 40, []float64{0, 1, 4, 12, 32, 500},
			func(s *influence.Signals, v float64) { s.InlinkDomains, s.PageRankRel = int(v), 1 }},
		{"forum post count and reputation", influence.Reach, 40, []float64{0, 5, 100, 1000, 5000, 1e6},
			func(s *influence.Signals, v float64) { s.PostCount, s.Reputation = int64(v), int64(v/5) }},
		{"feed presence", influence.Reach, 40 * (0.7*math.Log1p(1000)/math.Log1p(5000) + 0.1), []float64{0, 0.25, 0.5, 1, 1, 1},
			func(s *influence.Signals, v float64) { s.PostCount, s.FeedShare = 1000, v }},
		{"pagerank of own site", influence.Authority, 30, []float64{0, 0.5, 1, 3, 8, 100},
			func(s *influence.Signals, v float64) { s.InlinkDomains, s.PageRankRel = 1, v }},
		{"likes", influence.Engagement, 20, []float64{0, 1, 10, 100, 500, 1e5},
			func(s *influence.Signals, v float64) { s.Likes = int64(v) }},
		{"replies under posts", influence.Engagement, 20, []float64{0, 1, 10, 100, 250, 1e5},
			func(s *influence.Signals, v float64) { s.Replies = int64(v) }},
		{"quotes of forum posts", influence.Engagement, 20, []float64{0, 1, 10, 100, 167, 1e5},
			func(s *influence.Signals, v float64) { s.Quotes = int64(v) }},
		{"decayed mentions", influence.Activity, 10 * (0.4 + 0.4*0.1 + 0.2), []float64{0, 1, 5, 20, 50, 1e4},
			func(s *influence.Signals, v float64) { s.DecayedMentions = v }},
		{"active days", influence.Activity, 10 * (0.4*math.Log1p(1)/math.Log1p(50) + 0.4 + 0.2), []float64{1, 2, 4, 7, 10, 30},
			func(s *influence.Signals, v float64) { s.ActiveDays = int(v) }},
		{"recency (days since last, reversed)", influence.Activity, 10 * (0.4*math.Log1p(1)/math.Log1p(50) + 0.4*0.1 + 0.2), []float64{1000, 60, 14, 3, 0, 0},
			func(s *influence.Signals, v float64) { s.DaysSinceLast = v }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			prevComp, prevTotal := -1.0, -1.0
			var comps []float64
			for i, v := range c.steps {
				s := base
				c.set(&s, v)
				total, comp := influence.Score(s)
				got := comp[c.component]
				comps = append(comps, got)
				if got < prevComp || total < prevTotal {
					t.Fatalf("step %d (%v): %s %.2f after %.2f, total %.2f after %.2f: moved the wrong way", i, v, c.component, got, prevComp, total, prevTotal)
				}
				if i > 0 && i < len(c.steps)-2 && got <= prevComp {
					t.Fatalf("step %d (%v): %s stayed at %.2f: the signal does not count", i, v, c.component, got)
				}
				if total > 100 || total < 0 || got > c.max+0.01 {
					t.Fatalf("step %d (%v): %s %.2f (max %.2f), total %.2f out of range", i, v, c.component, got, c.max, total)
				}
				prevComp, prevTotal = got, total
			}
			n := len(comps)
			if math.Abs(comps[n-1]-comps[n-2]) > 0.011 || math.Abs(comps[n-1]-c.max) > 0.011 {
				t.Fatalf("%s does not saturate at %.2f: %v", c.component, c.max, comps)
			}
		})
	}
}

// TestScoreNoSignals: an author with nothing gets nothing, and the total is
// the sum of the components.
func TestScoreNoSignals(t *testing.T) {
	total, comp := influence.Score(influence.Signals{})
	if total != 0 {
		t.Fatalf("empty signals score %v %v", total, comp)
	}
	total, comp = influence.Score(influence.Signals{Followers: 300, Likes: 12, DecayedMentions: 3, ActiveDays: 2, DaysSinceLast: 1})
	sum := comp[influence.Reach] + comp[influence.Authority] + comp[influence.Engagement] + comp[influence.Activity]
	if math.Abs(total-sum) > 1e-9 || comp[influence.Authority] != 0 {
		t.Fatalf("total %v != sum %v (%v); authority without in-links must be 0", total, sum, comp)
	}
}

// TestScoreWorkedExample pins the example worked by hand in docs/influence.md.
func TestScoreWorkedExample(t *testing.T) {
	total, comp := influence.Score(influence.Signals{
		InlinkDomains: 4, PageRankRel: 2.5, FeedShare: 0.5,
		Replies: 60, Likes: 0, Quotes: 0,
		DecayedMentions: 9.6, ActiveDays: 6, DaysSinceLast: 1,
	})
	want := map[string]float64{influence.Reach: 20.41, influence.Authority: 17.10, influence.Engagement: 15.43, influence.Activity: 6.66}
	for k, v := range want {
		if math.Abs(comp[k]-v) > 0.005 {
			t.Errorf("%s = %.2f, docs/influence.md says %.2f", k, comp[k], v)
		}
	}
	if math.Abs(total-59.60) > 0.005 {
		t.Errorf("total %.2f, docs/influence.md says 59.60", total)
	}
}
