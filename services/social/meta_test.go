package social_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/services/social"
	"github.com/veille-oss/veille/services/social/standin"
)

// TestFacebookPageCommentsAndExpiredToken: the brand's page posts and
// every comment on them (two pages, a reply, none naming the brand: the
// post does), then an expired page token reported by name, never by value.
func TestFacebookPageCommentsAndExpiredToken(t *testing.T) {
	g := standin.NewGraph()
	srv := startServer(t, g.Handler())
	g.RequireToken("EAAB-page-token")
	t.Setenv("VEILLE_TEST_FB", "EAAB-page-token")
	g.AddPage(standin.GraphPage{ID: "1234", Name: "Laiterie Duval", Username: "laiterieduval", Followers: 52000})
	now := time.Now().UTC().Add(-time.Hour)
	post := g.Post(standin.GraphPost{Page: "1234", Text: "Laiterie Duval : information sur le rappel du lot L2403", Reactions: 800, Shares: 120, Created: now})
	g.Post(standin.GraphPost{Page: "1234", Text: "Recette du jour : clafoutis", Created: now.Add(time.Minute)})
	g.RateLimit(time.Second)
	var first string
	for i := range 150 {
		id := g.Comment(standin.GraphComment{Post: post, FromID: fmt.Sprint(7000 + i), FromName: fmt.Sprintf("Client %d", i), Text: fmt.Sprintf("Remboursé ? (%d)", i), Likes: i % 9, Created: now.Add(time.Duration(i) * time.Second)})
		if i == 0 {
			first = id
		}
	}
	g.Comment(standin.GraphComment{Post: post, Parent: first, FromID: "42", FromName: "Laiterie Duval", Text: "Oui, en magasin.", Created: now.Add(10 * time.Minute)})
	h := newHarness(t, config.Source{Kind: "facebook", Name: "fb", URL: srv.URL + "/v21.0", TokenEnv: "VEILLE_TEST_FB", Channels: []string{"1234"}})
	stop, _ := h.run(social.Facebook)
	got := h.waitMentions(mention.KindFacebook, 152)
	var p, reply *mention.Mention
	for _, m := range got {
		switch m.Text {
		case "Laiterie Duval : information sur le rappel du lot L2403":
			p = m
		case "Oui, en magasin.":
			reply = m
		}
	}
	if p == nil || p.Likes != 800 || p.Reposts != 120 || p.Replies != 151 || p.Author.Followers != 52000 {
		t.Fatalf("post %+v", p)
	}
	if reply == nil || !strings.Contains(reply.ParentURL, "comment_id="+first) || reply.ThreadURL != p.URL {
		t.Fatalf("reply %+v", reply)
	}
	if st := g.Stats(); st.Refused429 == 0 || st.EarlyRetries != 0 {
		t.Fatalf("throttling %+v", st)
	}
	stop()
	g.ExpireToken()
	h.run(social.Facebook)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) && !strings.Contains(h.health("fb").LastError, "token") {
		time.Sleep(50 * time.Millisecond)
	}
	if e := h.health("fb").LastError; !strings.Contains(e, "token refused") || !strings.Contains(e, "VEILLE_TEST_FB") || strings.Contains(e, "EAAB") {
		t.Fatalf("health error %q", e)
	}
}

// TestInstagramMediaAndComments: a professional account's media and their
// comments, with the account's audience.
func TestInstagramMediaAndComments(t *testing.T) {
	g := standin.NewGraph()
	srv := startServer(t, g.Handler())
	t.Setenv("VEILLE_TEST_IG", "ig-token")
	g.RequireToken("ig-token")
	g.AddPage(standin.GraphPage{ID: "1784", Name: "Laiterie Duval", Username: "laiterieduval", Followers: 30000, Follows: 12, Instagram: true})
	m := g.Post(standin.GraphPost{Page: "1784", Text: "Nos yaourts Duval, version été ☀️", Reactions: 4100, Created: time.Now().UTC().Add(-time.Hour)})
	for i := range 3 {
		g.Comment(standin.GraphComment{Post: m, FromName: fmt.Sprintf("fan_%d", i), Text: fmt.Sprintf("Miam %d", i), Likes: i, Created: time.Now().UTC().Add(-time.Duration(30-i) * time.Minute)})
	}
	h := newHarness(t, config.Source{Kind: "instagram", Name: "ig", URL: srv.URL, TokenEnv: "VEILLE_TEST_IG", Channels: []string{"1784"}})
	h.run(social.Instagram)
	got := h.waitMentions(mention.KindInstagram, 4)
	if got[0].Likes != 4100 || got[0].Replies != 3 || got[0].Author.Followers != 30000 || got[0].Author.Handle != "@laiterieduval" {
		t.Fatalf("media %+v", got[0])
	}
	if got[1].ParentURL != got[0].URL || got[1].Author.Handle != "@fan_0" {
		t.Fatalf("comment %+v", got[1])
	}
}

// TestFacebookWebhookComment: the subscription check, a comment delivered
// by a signed webhook published at once (matched with its post's text), a
// forged signature refused, a removal replacing the mention.
func TestFacebookWebhookComment(t *testing.T) {
	g := standin.NewGraph()
	srv := startServer(t, g.Handler())
	t.Setenv("VEILLE_TEST_FB2", "page-token")
	t.Setenv("VEILLE_TEST_FB2_SECRET", "app-secret")
	t.Setenv("VEILLE_TEST_FB2_VERIFY", "verify-me")
	g.RequireToken("page-token")
	g.AddPage(standin.GraphPage{ID: "55", Name: "Laiterie Duval", Username: "laiterieduval", Followers: 100})
	post := g.Post(standin.GraphPost{Page: "55", Text: "Laiterie Duval vous répond", Created: time.Now().UTC().Add(-time.Hour)})
	port := freePort(t)
	h := newHarness(t, config.Source{Kind: "facebook", Name: "fbw", URL: srv.URL, TokenEnv: "VEILLE_TEST_FB2", Channels: []string{"55"},
		WebhookListen: "127.0.0.1:" + port, SecretEnv: "VEILLE_TEST_FB2_SECRET", VerifyTokenEnv: "VEILLE_TEST_FB2_VERIFY"})
	h.run(social.Facebook)
	h.waitMentions(mention.KindFacebook, 1) // the post, by polling
	endpoint := "http://127.0.0.1:" + port + "/"
	var challenge string
	testenvEventually(t, func() bool {
		resp, err := http.Get(endpoint + "?hub.mode=subscribe&hub.challenge=12345&hub.verify_token=verify-me")
		if err != nil {
			return false
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		challenge = string(b)
		return resp.StatusCode == 200
	})
	if challenge != "12345" {
		t.Fatalf("challenge %q", challenge)
	}
	if resp, err := http.Get(endpoint + "?hub.mode=subscribe&hub.challenge=1&hub.verify_token=wrong"); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("wrong verify token: %v %v", resp, err)
	}
	ctx := context.Background()
	payload := standin.CommentWebhook("55", post, "55_999", "", "8080", "Client pressé", "Je veux être remboursé !", time.Now())
	if code, err := standin.SendWebhook(ctx, endpoint, "not-the-secret", payload); err != nil || code != http.StatusUnauthorized {
		t.Fatalf("forged delivery: %d %v", code, err)
	}
	if code, err := standin.SendWebhook(ctx, endpoint, "app-secret", payload); err != nil || code != http.StatusOK {
		t.Fatalf("delivery: %d %v", code, err)
	}
	got := h.waitMentions(mention.KindFacebook, 2)
	if got[1].Text != "Je veux être remboursé !" || got[1].ParentURL != "https://www.facebook.com/"+post || got[1].Author.Name != "Client pressé" {
		t.Fatalf("webhook comment %+v", got[1])
	}
	rm := standin.CommentWebhook("55", post, "55_999", "", "8080", "Client pressé", "", time.Now())
	rm["entry"].([]map[string]any)[0]["changes"].([]map[string]any)[0]["value"].(map[string]any)["verb"] = "remove"
	if code, err := standin.SendWebhook(ctx, endpoint, "app-secret", rm); err != nil || code != http.StatusOK {
		t.Fatalf("removal: %d %v", code, err)
	}
	got = h.waitMentions(mention.KindFacebook, 3)
	if !got[2].Deleted || got[2].ID != got[1].ID {
		t.Fatalf("removal %+v", got[2])
	}
}

func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

func testenvEventually(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("condition not met in 20 s")
}
