package social_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/services/social"
	"github.com/veille-oss/veille/services/social/standin"
)

func blueskyStandin(t *testing.T) (*standin.Bluesky, string, string) {
	bs := standin.NewBluesky()
	srv := startServer(t, bs.Handler())
	ws := "ws" + strings.TrimPrefix(srv.URL, "http") + "/subscribe"
	for i := range 40 {
		bs.AddProfile(standin.BlueskyProfile{
			DID: fmt.Sprintf("did:plc:user%02d", i), Handle: fmt.Sprintf("user%02d.bsky.social", i), DisplayName: fmt.Sprintf("Utilisateur %d", i),
			Followers: 100*i + 7, Follows: 50 + i, Posts: 1000 + i, CreatedAt: time.Date(2023, 4, 1, 0, 0, 0, 0, time.UTC),
		})
	}
	return bs, ws, srv.URL
}

// TestBlueskyFirehoseRestartLosesAndRepeatsNothing stops the collector in
// the middle of the stream, posts while it is down, and starts it again:
// every matching post is published exactly once (counted at the publisher,
// not only in the stream, whose Msg-Id window would hide a repeat).
func TestBlueskyFirehoseRestartLosesAndRepeatsNothing(t *testing.T) {
	bs, ws, api := blueskyStandin(t)
	// search for a term no post has: only the firehose delivers here
	h := newHarness(t, config.Source{Kind: "bluesky", Name: "bsky", URL: ws, APIURL: api, Search: []string{"zzzz-nothing"}})
	stop, env1 := h.run(social.Bluesky)
	post := func(i int) {
		text := fmt.Sprintf("Post banal numéro %d sur la météo", i)
		if i%2 == 0 {
			text = fmt.Sprintf("Les yaourts Duval, encore un souci ? (%d)", i)
		}
		bs.Post(standin.BlueskyPost{DID: fmt.Sprintf("did:plc:user%02d", i%40), RKey: fmt.Sprintf("3k%04d", i), Text: text, Langs: []string{"fr"}})
	}
	// the collector connects in live tail: wait for it before posting
	waitConnected(t, h, "bsky")
	for i := range 20 {
		post(i)
	}
	h.waitMentions(mention.KindBluesky, 10)
	stop()
	first := published(t, env1)
	for i := 20; i < 40; i++ { // while it is down
		post(i)
	}
	_, env2 := h.run(social.Bluesky)
	for i := 40; i < 60; i++ { // after the restart
		post(i)
	}
	got := h.waitMentions(mention.KindBluesky, 30)
	time.Sleep(500 * time.Millisecond) // anything extra would show up now
	got = h.mentions(mention.KindBluesky)
	ids := map[string]int{}
	for _, m := range got {
		ids[m.ID]++
		if m.Brand != "Duval" || m.Author.Followers == 0 || !strings.HasPrefix(m.Author.Handle, "@user") || m.LangHint != "fr" {
			t.Fatalf("mention %+v", m)
		}
	}
	second := published(t, env2)
	if len(got) != 30 || len(ids) != 30 || first+second != 30 {
		t.Fatalf("stream %d messages, %d distinct, publisher counted %v + %v; want 30 of each (0 lost, 0 repeated)", len(got), len(ids), first, second)
	}
}

func waitConnected(t *testing.T, h *harness, source string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if hl := h.health(source); hl.PagesFetched > 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s never connected", source)
}

// TestBlueskyBackfillProfilesRepliesAndRateLimit: posts made before the
// collector starts come from searchPosts, after a 429 whose reset is
// honoured, with the author's metrics, the engagement and the parent.
func TestBlueskyBackfillProfilesRepliesAndRateLimit(t *testing.T) {
	bs, ws, api := blueskyStandin(t)
	parent := standin.BlueskyPost{DID: "did:plc:user01", RKey: "3kparent", Text: "Communiqué de la Laiterie Duval sur le rappel"}
	bs.Post(parent)
	for i := range 130 { // more than one page of 100
		bs.Post(standin.BlueskyPost{DID: fmt.Sprintf("did:plc:user%02d", i%40), RKey: fmt.Sprintf("3kb%04d", i),
			Text: fmt.Sprintf("Réponse %d : Duval doit s'expliquer", i), ReplyParent: parent.URI(), Likes: i, Reposts: i % 7, Replies: 1, Quotes: i % 3})
	}
	bs.RateLimit(time.Second)
	h := newHarness(t, config.Source{Kind: "bluesky", Name: "bsky", URL: ws, APIURL: api})
	h.run(social.Bluesky)
	got := h.waitMentions(mention.KindBluesky, 131)
	var reply *mention.Mention
	for _, m := range got {
		if strings.HasSuffix(m.URL, "/post/3kb0100") {
			reply = m
		}
	}
	if reply == nil {
		t.Fatal("post 100 (second page) missing")
	}
	if reply.ParentURL != "https://bsky.app/profile/did:plc:user01/post/3kparent" || reply.Likes != 100 || reply.Reposts != 2 || reply.Quotes != 1 || reply.Replies != 1 {
		t.Fatalf("reply %+v", reply)
	}
	if a := reply.Author; a.Name != "Utilisateur 20" || a.Handle != "@user20.bsky.social" || a.Followers != 2007 || a.Following != 70 || a.PostCount != 1020 || a.JoinedAt != "2023-04-01T00:00:00Z" {
		t.Fatalf("author %+v", a)
	}
	if st := bs.Stats(); st.Refused429 == 0 || st.EarlyRetries != 0 {
		t.Fatalf("rate limit: %+v (want a 429 and no retry before its reset)", st)
	}
}

// TestBlueskyDeletedPost: a matched post deleted on the network is
// re-published under its id, emptied and marked deleted.
func TestBlueskyDeletedPost(t *testing.T) {
	bs, ws, api := blueskyStandin(t)
	h := newHarness(t, config.Source{Kind: "bluesky", Name: "bsky", URL: ws, APIURL: api, Search: []string{"zzzz-nothing"}})
	h.run(social.Bluesky)
	waitConnected(t, h, "bsky")
	bs.Post(standin.BlueskyPost{DID: "did:plc:user03", RKey: "3kdel", Text: "Duval et Blanchard, même combat"})
	first := h.waitMentions(mention.KindBluesky, 2)
	bs.Delete("did:plc:user03", "3kdel")
	all := h.waitMentions(mention.KindBluesky, 4)
	ids := map[string]bool{first[0].ID: true, first[1].ID: true}
	for _, m := range all[2:] {
		if !m.Deleted || m.Text != "" || !ids[m.ID] {
			t.Fatalf("deletion %+v", m)
		}
	}
}

// TestBlueskyExpiredTokenIsReported: a refused token shows in the
// source's health, naming the variable and never the token.
func TestBlueskyExpiredTokenIsReported(t *testing.T) {
	bs, ws, api := blueskyStandin(t)
	const secret = "eyJhbGciOiJIUzI1NiJ9.secret-token-value"
	bs.RequireToken(secret)
	bs.ExpireToken()
	t.Setenv("VEILLE_TEST_BSKY_TOKEN", secret)
	h := newHarness(t, config.Source{Kind: "bluesky", Name: "bsky", URL: ws, APIURL: api, TokenEnv: "VEILLE_TEST_BSKY_TOKEN"})
	h.run(social.Bluesky)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if e := h.health("bsky").LastError; e != "" {
			if !strings.Contains(e, "token refused") || !strings.Contains(e, "VEILLE_TEST_BSKY_TOKEN") || strings.Contains(e, "secret-token") {
				t.Fatalf("health error %q", e)
			}
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no error reported; health %+v", h.health("bsky"))
}
