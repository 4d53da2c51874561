package social_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/platform/service"
	"github.com/veille-oss/veille/services/social"
	"github.com/veille-oss/veille/services/social/standin"
)

// TestXRecentSearchSinceIDAndRateLimit: recent search over two pages after
// a 429 honoured to its x-rate-limit-reset; retweets left out; author
// metrics and engagement; a restart resumes from since_id: 0 repeated.
func TestXRecentSearchSinceIDAndRateLimit(t *testing.T) {
	x := standin.NewX()
	srv := startServer(t, x.Handler())
	x.RequireToken("bearer-x")
	t.Setenv("VEILLE_TEST_X", "bearer-x")
	for i := range 20 {
		x.AddUser(standin.XUser{ID: fmt.Sprint(900 + i), Name: fmt.Sprintf("Twittos %d", i), Username: fmt.Sprintf("twittos%d", i),
			Followers: 50*i + 1, Following: 80, Tweets: 3000, CreatedAt: time.Date(2015, 6, 1, 0, 0, 0, 0, time.UTC), Verified: i == 3})
	}
	first := x.Post(standin.XTweet{AuthorID: "900", Text: "La Laiterie Duval communique", Likes: 500, Retweets: 80, Impressions: 90000})
	for i := range 120 {
		x.Post(standin.XTweet{AuthorID: fmt.Sprint(900 + i%20), Text: fmt.Sprintf("Réponse %d à Laiterie Duval", i), ReplyTo: first, Likes: i, Retweets: i % 5, Quotes: 1, Impressions: 100 + i})
	}
	x.Post(standin.XTweet{AuthorID: "901", Text: "RT Laiterie Duval communique", Retweet: true})
	x.RateLimit(time.Second)
	h := newHarness(t, config.Source{Kind: "x", Name: "x", URL: srv.URL + "/2", TokenEnv: "VEILLE_TEST_X", Search: []string{"Laiterie Duval"}})
	stop, env1 := h.run(social.X)
	got := h.waitMentions(mention.KindX, 121)
	var reply *mention.Mention
	for _, m := range got {
		if strings.HasPrefix(m.Text, "RT ") {
			t.Fatal("a retweet was published")
		}
		if m.Text == "Réponse 63 à Laiterie Duval" {
			reply = m
		}
	}
	if reply == nil || reply.Likes != 63 || reply.Reposts != 3 || reply.Quotes != 1 || reply.Views != 163 || reply.ParentURL != "https://x.com/i/status/"+first ||
		reply.Author.Handle != "@twittos3" || reply.Author.Followers != 151 || !reply.Author.Verified || reply.Author.JoinedAt != "2015-06-01T00:00:00Z" {
		t.Fatalf("reply %+v", reply)
	}
	if st := x.Stats(); st.Refused429 == 0 || st.EarlyRetries != 0 {
		t.Fatalf("rate limit %+v", st)
	}
	waitPublished(t, env1, 121)
	stop()
	for i := range 5 {
		x.Post(standin.XTweet{AuthorID: "905", Text: fmt.Sprintf("Encore Laiterie Duval %d", i)})
	}
	_, env2 := h.run(social.X)
	h.waitMentions(mention.KindX, 126)
	waitPublished(t, env2, 5)
	time.Sleep(300 * time.Millisecond)
	if n := len(h.mentions(mention.KindX)); n != 126 || published(t, env2) != 5 {
		t.Fatalf("after restart: %d in the stream, %v published by the second run; want 126 and 5", n, published(t, env2))
	}
	x.ExpireToken()
}

func waitPublished(t *testing.T, env *service.Env, n float64) {
	t.Helper()
	e := env
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if published(t, e) >= n {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("published %v, want %v", published(t, e), n)
}
