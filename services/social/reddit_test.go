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

// TestRedditOAuthPostsCommentsDeletionAndTokenRenewal: a subreddit's new
// posts and comments (a comment names no brand: its post does), author
// karma, a deleted post, a 429 honoured, and a revoked token renewed with
// the client credentials.
func TestRedditOAuthPostsCommentsDeletionAndTokenRenewal(t *testing.T) {
	rd := standin.NewReddit("app-id", "app-secret")
	srv := startServer(t, rd.Handler())
	t.Setenv("VEILLE_TEST_REDDIT_SECRET", "app-secret")
	rd.AddUser(standin.RedditUser{Name: "lyonnais69", LinkKarma: 1200, CommentKarma: 8000, Created: time.Date(2019, 5, 1, 0, 0, 0, 0, time.UTC)})
	now := time.Now().UTC().Add(-time.Hour)
	post := rd.Add(standin.RedditThing{Subreddit: "france", Author: "lyonnais69", Title: "Intoxication aux yaourts Duval à Lyon ?", Text: "Quelqu'un a des nouvelles ?", Score: 230, NumComments: 120, Created: now})
	for i := range 120 {
		rd.Add(standin.RedditThing{Subreddit: "france", Comment: true, LinkID: post, Author: "lyonnais69", Text: fmt.Sprintf("Chez nous aussi (%d)", i), Score: i, Created: now.Add(time.Duration(i+1) * time.Second)})
	}
	gone := rd.Add(standin.RedditThing{Subreddit: "france", Author: "lyonnais69", Title: "Duval rappelle ses yaourts", Text: "source ?", Created: now.Add(5 * time.Minute)})
	rd.Add(standin.RedditThing{Subreddit: "france", Author: "lyonnais69", Title: "Le vélo à Lyon", Text: "rien à voir", Created: now.Add(6 * time.Minute)})
	rd.RateLimit(time.Second)
	h := newHarness(t, config.Source{Kind: "reddit", Name: "reddit", URL: srv.URL, APIURL: srv.URL + "/api/v1/access_token",
		ClientID: "app-id", SecretEnv: "VEILLE_TEST_REDDIT_SECRET", Channels: []string{"r/france"}, Search: []string{"zzzz-nothing"}})
	stop, _ := h.run(social.Reddit)
	got := h.waitMentions(mention.KindReddit, 122)
	var p, c *mention.Mention
	for _, m := range got {
		switch {
		case m.Title == "Intoxication aux yaourts Duval à Lyon ?":
			p = m
		case m.Text == "Chez nous aussi (42)":
			c = m
		}
	}
	if p == nil || p.Likes != 230 || p.Replies != 120 || p.Author.Reputation != 9200 || p.Author.Handle != "u/lyonnais69" || !strings.HasPrefix(p.URL, "https://www.reddit.com/r/france/comments/") {
		t.Fatalf("post %+v", p)
	}
	if c == nil || c.ParentURL != p.URL || c.Likes != 42 {
		t.Fatalf("comment %+v (post %s)", c, p.URL)
	}
	if st := rd.Stats(); st.Refused429 == 0 || st.EarlyRetries != 0 {
		t.Fatalf("rate limit %+v", st)
	}
	stop()
	// the post is deleted and every token revoked while the collector is down
	rd.Delete(gone)
	rd.ExpireTokens()
	logins := rd.Logins()
	rd.Add(standin.RedditThing{Subreddit: "france", Author: "lyonnais69", Title: "Duval : le lot L2403 remboursé", Text: "enfin", Created: time.Now().UTC()})
	_, env2 := h.run(social.Reddit)
	h.waitMentions(mention.KindReddit, 124)
	waitPublished(t, env2, 2)
	time.Sleep(300 * time.Millisecond)
	// the restart publishes the new post and the deletion, nothing again
	if n := published(t, env2); n != 2 {
		t.Fatalf("second run published %v, want 2 (a new post, a deletion)", n)
	}
	all := h.mentions(mention.KindReddit)
	if len(all) != 124 {
		t.Fatalf("%d mentions in the stream, want 124", len(all))
	}
	var last *mention.Mention
	for _, m := range all {
		if m.Deleted {
			last = m
		}
	}
	if last == nil {
		t.Fatal("no deletion published")
	}
	if !last.Deleted || last.Text != "" || !strings.Contains(last.URL, "/comments/"+gone+"/") {
		t.Fatalf("deletion %+v", last)
	}
	if rd.Logins() <= logins {
		t.Fatal("no new token after the revocation")
	}
}
