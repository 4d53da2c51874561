package alert

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/veille-oss/veille/pkg/nlp/dedup"
	"github.com/veille-oss/veille/pkg/platform/mention"
)

// campaign is the coordinated_campaign rule: when CampaignMinAccounts
// distinct accounts posted near-identical text about the brand within
// CampaignWindow (dedup.CampaignKey: the SimHash cluster, or the words of a
// short post without mentions, links, numbers and emoji), one incident
// opens for the brand; every later post of a campaign feeds it. The
// distinct-account sets are part of the snapshot (snapshot.go).
func (e *Engine) campaign(events []Event, b *brandState, m *mention.Mention, t time.Time, top func() TopMention, mc Counts) []Event {
	rl := &b.rules
	// Accounts on a social network: the same wire story on many news sites
	// is syndication, not a campaign.
	if disabled(rl, CauseCampaign) || m.Deleted || !mention.IsSocial(m.SourceKind) {
		return events
	}
	author := campaignAuthor(m)
	key := dedup.CampaignKey(m.Text, m.Enrichment.DupCluster, m.ID)
	if author == "" || key == "" {
		return events
	}
	n := e.campaigns.Observe(brandKey(b.Name)+"\x00"+key, author, t, rl.CampaignWindow)
	if n < rl.CampaignMinAccounts {
		return events
	}
	if k := len(b.Recent); k == 0 || b.Recent[k-1].Top.ID != m.ID {
		// a campaign post is notable even when calm: fireEvent takes the
		// last recent mention for the current one.
		b.pushRecent(recent{At: t, Top: top(), Class: tally{N: 1}, Counts: mc}, rl.Window)
	}
	s := math.Min(1, float64(n)/float64(3*rl.CampaignMinAccounts))
	d := fmt.Sprintf("%d comptes distincts ont publié un texte quasi identique en %v (%s)", n, rl.CampaignWindow, excerpt(m.Text, 80))
	return e.fireEvent(events, b, CauseCampaign, t, s, d, top(), mc, func(recent) bool { return false })
}

// campaignAuthor is the account: enricher's author key, else profile,
// handle or name.
func campaignAuthor(m *mention.Mention) string {
	for _, s := range []string{m.Enrichment.AuthorKey, m.Author.URL, m.Author.Handle, m.Author.Name} {
		if s != "" {
			return strings.ToLower(s)
		}
	}
	return ""
}

func excerpt(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
