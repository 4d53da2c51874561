package influence

import "math"

// Component names, the keys of Result.Components and the columns of
// veille.authors.
const (
	Reach      = "reach"      // 0..40: how many people can see the author
	Authority  = "authority"  // 0..30: link-graph standing of the author's own site
	Engagement = "engagement" // 0..20: reactions the author's posts receive
	Activity   = "activity"   // 0..10: volume, regularity and recency
)

// Component maxima; they sum to 100.
const (
	MaxReach      = 40.0
	MaxAuthority  = 30.0
	MaxEngagement = 20.0
	MaxActivity   = 10.0
)

// Saturation points of the log scales (documented in docs/influence.md):
// at these values a term reaches 1 and stops growing.
const (
	satFollowers   = 100_000 // followers shown on the page
	satInlinks     = 32      // distinct domains linking to the author's site
	satPostCount   = 5_000   // forum post count
	satReputation  = 1_000   // forum reputation / likes received score
	satPageRank    = 8       // PageRank relative to the average domain
	satEngagement  = 500     // likes + 2 replies + 3 quotes
	satDecayed     = 50      // decayed mention count
	satActiveDays  = 10      // active days in the activity window
	recencyDays    = 14      // e-folding time of the recency term
	feedBonus      = 0.1     // reach bonus for an author read through feeds
	standingPosts  = 0.7     // weight of post count in forum standing
	standingRep    = 0.3     // weight of reputation in forum standing
	actVolume      = 0.4
	actRegularity  = 0.4
	actRecency     = 0.2
	engReplyWeight = 2
	engQuoteWeight = 3
)

// Signals are an author's inputs to the score.
type Signals struct {
	Followers  int64 // largest follower count shown
	PostCount  int64 // largest forum post count shown
	Reputation int64 // largest forum reputation shown
	// InlinkDomains is the number of distinct domains linking to the
	// author's own site (0 when the author has no site of their own).
	InlinkDomains int
	// PageRankRel is the PageRank of the author's own site times the number
	// of domains in the graph: 1 is an average domain.
	PageRankRel float64
	// FeedShare is the share of the author's mentions read from a feed.
	FeedShare float64
	Likes     int64 // likes/reactions on the author's posts
	Replies   int64 // replies (comments) under the author's posts
	Quotes    int64 // forum posts quoting the author
	// DecayedMentions is the mention count with a half-life (Config.HalfLife).
	DecayedMentions float64
	// ActiveDays is the number of distinct days with a mention in the
	// activity window.
	ActiveDays int
	// DaysSinceLast is the age of the author's latest mention.
	DaysSinceLast float64
}

// logSat is log(1+x)/log(1+sat), clamped to [0, 1]: a log scale that
// reaches 1 at sat and saturates there.
func logSat(x, sat float64) float64 {
	if x <= 0 {
		return 0
	}
	v := math.Log1p(x) / math.Log1p(sat)
	return min(v, 1)
}

// Score computes the influence score (0..100) and its four components.
//
//	reach      = 40 · min(1, max(F, L, S) + 0.1·FeedShare)
//	  F = logSat(followers, 100000), L = logSat(inlink domains, 32),
//	  S = 0.7·logSat(post count, 5000) + 0.3·logSat(reputation, 1000)
//	authority  = 30 · logSat(PageRankRel, 8)            (0 without in-links)
//	engagement = 20 · logSat(likes + 2·replies + 3·quotes, 500)
//	activity   = 10 · (0.4·logSat(decayed mentions, 50)
//	                 + 0.4·min(1, active days / 10)
//	                 + 0.2·exp(-days since last / 14))
//
// where logSat(x, s) = min(1, ln(1+x)/ln(1+s)).
func Score(s Signals) (float64, map[string]float64) {
	f := logSat(float64(s.Followers), satFollowers)
	l := logSat(float64(s.InlinkDomains), satInlinks)
	st := standingPosts*logSat(float64(s.PostCount), satPostCount) + standingRep*logSat(float64(s.Reputation), satReputation)
	reach := MaxReach * min(1, max(f, l, st)+feedBonus*clamp01(s.FeedShare))

	authority := 0.0
	if s.InlinkDomains > 0 {
		authority = MaxAuthority * logSat(s.PageRankRel, satPageRank)
	}

	eng := MaxEngagement * logSat(float64(max(s.Likes, 0)+engReplyWeight*max(s.Replies, 0)+engQuoteWeight*max(s.Quotes, 0)), satEngagement)

	recency := 0.0
	if s.DecayedMentions > 0 || s.ActiveDays > 0 {
		recency = math.Exp(-max(s.DaysSinceLast, 0) / recencyDays)
	}
	act := MaxActivity * (actVolume*logSat(s.DecayedMentions, satDecayed) +
		actRegularity*min(1, float64(s.ActiveDays)/satActiveDays) +
		actRecency*recency)

	comp := map[string]float64{Reach: round2(reach), Authority: round2(authority), Engagement: round2(eng), Activity: round2(act)}
	total := comp[Reach] + comp[Authority] + comp[Engagement] + comp[Activity]
	return round2(min(max(total, 0), 100)), comp
}

func clamp01(x float64) float64 { return min(max(x, 0), 1) }

// round2 keeps two decimals: scores are read by people, and stable
// rounding keeps replays byte-identical.
func round2(x float64) float64 { return math.Round(x*100) / 100 }
