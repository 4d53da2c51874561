package enrich_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/enrich"
	"github.com/veille-oss/veille/pkg/platform/mention"
)

func socialMention(i int, text string, at time.Time) *mention.Mention {
	m := &mention.Mention{
		Brand: "Duval", SourceKind: mention.KindBluesky, SourceName: "bsky",
		URL:         fmt.Sprintf("https://bsky.app/profile/did:plc:a%03d/post/%d", i, i),
		Text:        text,
		Author:      mention.Author{Name: fmt.Sprintf("Compte %d", i), URL: fmt.Sprintf("https://bsky.app/profile/did:plc:a%03d", i), Followers: 200, Following: 180, PostCount: 900, JoinedAt: "2022-01-01T00:00:00Z"},
		PublishedAt: at, CollectedAt: at,
	}
	m.SetID()
	return m
}

// TestCoordinatedCampaignFlagged: 30 accounts post near-identical text
// (other emoji, numbers, @mentions, case) about Duval within 5 minutes:
// from the 10th account on, the posts are flagged coordinated; 30 accounts
// writing their own words, or one account repeating itself, are not.
func TestCoordinatedCampaignFlagged(t *testing.T) {
	tg, err := enrich.New(enrich.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 3, 14, 10, 0, 0, 0, time.UTC)
	emojis := []string{"🤮", "!!", "😡", "", "!!!"}
	flagged := 0
	for i := range 30 {
		text := fmt.Sprintf("Les yaourts Duval rendent malades, BOYCOTT %s @ami%d %d", emojis[i%len(emojis)], i, i)
		m := socialMention(i, text, t0.Add(time.Duration(i)*9*time.Second)) // 30 posts in 4.5 minutes
		tg.Enrich(m)
		got := slices.Contains(m.Enrichment.Suspicious, mention.SuspiciousCoordinated)
		if got != (i+1 >= enrich.CampaignMinAccounts) {
			t.Fatalf("post %d (%q): coordinated=%v", i, text, got)
		}
		if got {
			flagged++
		}
	}
	if flagged != 21 {
		t.Fatalf("%d flagged, want 21", flagged)
	}
	// distinct texts from 30 accounts: nothing
	for i := range 30 {
		m := socialMention(100+i, fmt.Sprintf("Avis numéro %d sur Duval : %s", i, []string{"bon", "moyen", "cher", "déçu", "parfait", "bof"}[i%6]+fmt.Sprint(" mot", i*7919)), t0.Add(time.Duration(i)*time.Second))
		m.Text = fmt.Sprintf("%s %s", m.Text, []string{"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa"}[i%10]+string(rune('a'+i%26)))
		tg.Enrich(m)
		if len(m.Enrichment.Suspicious) != 0 {
			t.Fatalf("ordinary post %d flagged %v", i, m.Enrichment.Suspicious)
		}
	}
	// one account repeating itself 30 times is a spammer, not a campaign
	for i := range 30 {
		m := socialMention(500, "Duval Duval Duval achetez", t0.Add(time.Duration(i)*time.Second))
		m.URL = fmt.Sprintf("https://bsky.app/profile/did:plc:a500/post/x%d", i)
		m.SetID()
		tg.Enrich(m)
		if slices.Contains(m.Enrichment.Suspicious, mention.SuspiciousCoordinated) {
			t.Fatal("a single account flagged as a coordinated campaign")
		}
	}
	// the same text 10 minutes apart from 30 accounts: outside the window
	for i := range 30 {
		m := socialMention(600+i, "Duval, le goût du vrai", t0.Add(time.Duration(i)*time.Minute))
		tg.Enrich(m)
		if slices.Contains(m.Enrichment.Suspicious, mention.SuspiciousCoordinated) {
			// at most 5 accounts fit in any 5-minute window
			t.Fatalf("slow repetition flagged at %d", i)
		}
	}
}

func TestAccountSignals(t *testing.T) {
	tg, err := enrich.New(enrich.Options{})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 14, 10, 0, 0, 0, time.UTC)
	burst := socialMention(1, "Duval c'est top", at)
	burst.Author.JoinedAt, burst.Author.PostCount = "2026-03-10T00:00:00Z", 900 // 4 days, 225 a day
	ratio := socialMention(2, "Duval encore", at)
	ratio.Author.Followers, ratio.Author.Following = 12, 4800
	normal := socialMention(3, "Duval, mon yaourt préféré", at)
	normal.Author.JoinedAt, normal.Author.PostCount, normal.Author.Following = "2026-03-10", 20, 1500 // new, calm; follows many but followed by 200
	web := socialMention(4, "Duval encore", at)
	web.SourceKind = mention.KindWeb
	web.Author.Following, web.Author.Followers = 5000, 0
	for _, c := range []struct {
		m    *mention.Mention
		want []string
	}{
		{burst, []string{mention.SuspiciousNewAccountBurst}},
		{ratio, []string{mention.SuspiciousFollowRatio}},
		{normal, nil},
		{web, nil},
	} {
		tg.Enrich(c.m)
		if !slices.Equal(c.m.Enrichment.Suspicious, c.want) {
			t.Errorf("%s: %v, want %v", c.m.Author.Name, c.m.Enrichment.Suspicious, c.want)
		}
		if err := c.m.Validate(); err != nil {
			t.Fatal(err)
		}
	}
}
