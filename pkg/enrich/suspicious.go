package enrich

import (
	"slices"
	"strings"
	"time"

	"github.com/veille-oss/veille/pkg/nlp/dedup"
	"github.com/veille-oss/veille/pkg/platform/mention"
)

// Inauthenticity signals (issue 20). The thresholds are the documented
// defaults; services/alerter's coordinated_campaign rule has its own,
// configurable per brand.
const (
	// CampaignWindow and CampaignMinAccounts: a post is "coordinated" when
	// at least CampaignMinAccounts distinct accounts posted near-identical
	// text about the same brand within CampaignWindow (this one included).
	CampaignWindow      = 5 * time.Minute
	CampaignMinAccounts = 10
	// NewAccountDays and BurstPerDay: an account younger than
	// NewAccountDays that averaged BurstPerDay posts a day or more.
	NewAccountDays = 30
	BurstPerDay    = 50
	// FollowMin and FollowRatio: an account following at least FollowMin
	// accounts and FollowRatio times more than follow it.
	FollowMin   = 1000
	FollowRatio = 20
)

// suspicious returns the reasons m looks inauthentic; nil for most posts.
// Only social network posts are judged: a web page has no account.
func (t *Tagger) suspicious(m *mention.Mention) []string {
	if !mention.IsSocial(m.SourceKind) || m.Deleted {
		return nil
	}
	var out []string
	at := m.PublishedAt
	if at.IsZero() {
		at = m.CollectedAt
	}
	author := authorID(m)
	key := dedup.CampaignKey(m.Text, m.Enrichment.DupCluster, m.ID)
	if key != "" && t.camp.Observe(strings.ToLower(m.Brand)+"\x00"+key, author, at, CampaignWindow) >= CampaignMinAccounts {
		out = append(out, mention.SuspiciousCoordinated)
	}
	if joined, ok := parseJoined(m.Author.JoinedAt); ok && m.Author.PostCount > 0 {
		age := at.Sub(joined).Hours() / 24
		if age >= 0 && age < NewAccountDays && float64(m.Author.PostCount)/max(age, 1) >= BurstPerDay {
			out = append(out, mention.SuspiciousNewAccountBurst)
		}
	}
	if a := m.Author; a.Following >= FollowMin && a.Following >= FollowRatio*max(a.Followers, 1) {
		out = append(out, mention.SuspiciousFollowRatio)
	}
	return slices.Clip(out)
}

// authorID is the account behind a social post: its profile, else handle,
// else name.
func authorID(m *mention.Mention) string {
	for _, s := range []string{m.Author.URL, m.Author.Handle, m.Author.Name} {
		if s != "" {
			return strings.ToLower(s)
		}
	}
	return ""
}

func parseJoined(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
