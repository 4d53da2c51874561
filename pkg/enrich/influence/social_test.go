package influence_test

import (
	"context"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/enrich/influence"
	"github.com/veille-oss/veille/pkg/platform/mention"
)

func blueskyPost(handle, name string, likes, reposts, quotes int) *mention.Mention {
	m := &mention.Mention{
		Brand: "Duval", SourceKind: mention.KindBluesky, SourceName: "bsky",
		URL:    "https://bsky.app/profile/" + handle + "/post/3k1",
		Text:   "Les yaourts Duval, rappel en cours ?",
		Author: mention.Author{Name: name, URL: "https://bsky.app/profile/" + handle, Handle: "@" + handle, Followers: 800},
		Likes:  likes, Reposts: reposts, Quotes: quotes, ContentHash: "h",
		PublishedAt: time.Date(2026, 3, 14, 10, 0, 0, 0, time.UTC), CollectedAt: time.Date(2026, 3, 14, 10, 0, 1, 0, time.UTC),
	}
	m.SetID()
	return m
}

// TestSocialAuthorsAndReposts: two Bluesky accounts sharing a display name
// are two authors keyed by their profiles, neither owns bsky.app, and the
// one whose post was reposted and quoted scores more engagement.
func TestSocialAuthorsAndReposts(t *testing.T) {
	a := blueskyPost("marie.bsky.social", "Marie", 10, 0, 0)
	b := blueskyPost("marie-l.bsky.social", "Marie", 10, 20, 5)
	if ka, kb := influence.AuthorKey(a), influence.AuthorKey(b); ka == kb || ka != "bsky.app/profile/marie.bsky.social" {
		t.Fatalf("keys %q %q", ka, kb)
	}
	gone := blueskyPost("x.bsky.social", "", 0, 0, 0)
	gone.Author, gone.Deleted, gone.Text = mention.Author{}, true, ""
	if k := influence.AuthorKey(gone); k != "" {
		t.Fatalf("a deleted social post without author is credited to %q", k)
	}
	tr := newTracker(t, bucket(t), testConfig())
	ctx := context.Background()
	ra, err := tr.Observe(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	rb, err := tr.Observe(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	if ra.Components[influence.Engagement] >= rb.Components[influence.Engagement] {
		t.Fatalf("engagement without reposts %v >= with 20 reposts and 5 quotes %v", ra.Components, rb.Components)
	}
	rows := rowsByKey(tr.Rows())
	if rows[rb.Key].Likes != 10+3*25 {
		t.Fatalf("likes counted %d, want %d (10 likes + 3 x 25 reposts and quotes)", rows[rb.Key].Likes, 10+3*25)
	}
	for _, r := range rows {
		if r.AuthorKey == "bsky.app" {
			t.Fatalf("a social post credited its network's host as an author: %+v", r)
		}
	}
}
