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

func mastodonStandin(t *testing.T) (*standin.Mastodon, string) {
	ms := standin.NewMastodon("")
	srv := startServer(t, ms.Handler())
	ms.SetBase(srv.URL)
	for i := range 30 {
		ms.AddAccount(standin.MastodonAccount{ID: fmt.Sprint(100 + i), Username: fmt.Sprintf("compte%d", i), DisplayName: fmt.Sprintf("Compte %d", i),
			Followers: 10*i + 3, Following: 20 + i, Posts: 500 + i, CreatedAt: time.Date(2022, 11, 5, 0, 0, 0, 0, time.UTC)})
	}
	return ms, srv.URL
}

// TestMastodonStreamRestartLosesAndRepeatsNothing: statuses posted while
// the collector is down come from the REST timeline after the restart,
// the stream goes on, and each matching status is published once.
func TestMastodonStreamRestartLosesAndRepeatsNothing(t *testing.T) {
	ms, base := mastodonStandin(t)
	h := newHarness(t, config.Source{Kind: "mastodon", Name: "piaille", URL: base})
	stop, env1 := h.run(social.Mastodon)
	waitConnected(t, h, "piaille")
	post := func(i int) {
		text := fmt.Sprintf("Il pleut encore (%d)", i)
		if i%2 == 0 {
			text = fmt.Sprintf("Rappel des yaourts Duval & compagnie ? (%d)", i)
		}
		ms.Post(standin.MastodonStatus{Account: fmt.Sprint(100 + i%30), Text: text, Favourites: i, Reblogs: i % 4, Replies: 1})
	}
	for i := range 20 {
		post(i)
	}
	h.waitMentions(mention.KindMastodon, 10)
	stop()
	first := published(t, env1)
	for i := 20; i < 130; i++ { // while it is down: more than two REST pages of 40
		post(i)
	}
	_, env2 := h.run(social.Mastodon)
	waitConnected2(t, h, "piaille", 2)
	for i := 130; i < 140; i++ {
		post(i)
	}
	h.waitMentions(mention.KindMastodon, 70)
	time.Sleep(500 * time.Millisecond)
	got := h.mentions(mention.KindMastodon)
	ids := map[string]bool{}
	for _, m := range got {
		ids[m.ID] = true
		if !strings.HasPrefix(m.Text, "Rappel des yaourts Duval & compagnie") || m.Author.Followers == 0 || !strings.HasPrefix(m.Author.Handle, "@compte") || !strings.Contains(m.Author.Handle, "@127.0.0.1:") {
			t.Fatalf("mention %+v", m)
		}
	}
	second := published(t, env2)
	if len(got) != 70 || len(ids) != 70 || first+second != 70 {
		t.Fatalf("stream %d, distinct %d, publisher %v + %v; want 70 each (0 lost, 0 repeated)", len(got), len(ids), first, second)
	}
}

// waitConnected2 waits for the source's n-th stream connection report.
func waitConnected2(t *testing.T, h *harness, source string, passes int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if hl := h.health(source); hl.PagesFetched >= passes {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s never reconnected", source)
}

// TestMastodonHashtagEditDeleteSearchAndRateLimit: a hashtag timeline, an
// edit re-published under the same id, a deletion, and search back-fill
// with a token after a 429 honoured to its X-RateLimit-Reset.
func TestMastodonHashtagEditDeleteSearchAndRateLimit(t *testing.T) {
	ms, base := mastodonStandin(t)
	old := ms.Post(standin.MastodonStatus{Account: "101", Text: "Ancien message sur la Laiterie Duval", Favourites: 12, Reblogs: 3})
	ms.RequireToken("tok-123")
	t.Setenv("VEILLE_TEST_MASTODON", "tok-123")
	ms.RateLimit(time.Second)
	h := newHarness(t, config.Source{Kind: "mastodon", Name: "masto", URL: base, TokenEnv: "VEILLE_TEST_MASTODON", Hashtags: []string{"#Duval"}})
	h.run(social.Mastodon)
	got := h.waitMentions(mention.KindMastodon, 1) // the old status, by search
	if got[0].Likes != 12 || got[0].Reposts != 3 || !strings.HasSuffix(got[0].URL, "/"+old) {
		t.Fatalf("searched %+v", got[0])
	}
	waitConnected(t, h, "masto")
	id := ms.Post(standin.MastodonStatus{Account: "102", Text: "Je boycotte Duval", Tags: []string{"Duval"}, InReplyToID: old})
	got = h.waitMentions(mention.KindMastodon, 2)
	if got[1].ParentURL != base+"/web/statuses/"+old {
		t.Fatalf("reply %+v", got[1])
	}
	ms.Edit(id, "Je boycotte Duval, définitivement")
	got = h.waitMentions(mention.KindMastodon, 3)
	if got[2].ID != got[1].ID || got[2].Text != "Je boycotte Duval, définitivement" {
		t.Fatalf("edit %+v", got[2])
	}
	ms.Delete(id)
	got = h.waitMentions(mention.KindMastodon, 4)
	if got[3].ID != got[1].ID || !got[3].Deleted || got[3].Text != "" {
		t.Fatalf("delete %+v", got[3])
	}
	if st := ms.Stats(); st.Refused429 == 0 || st.EarlyRetries != 0 {
		t.Fatalf("rate limit %+v", st)
	}
}

// TestMastodonSeveralInstances: two instances, two sources, each its own
// cursor and handles; a token refused by one does not stop the other.
func TestMastodonSeveralInstances(t *testing.T) {
	a, baseA := mastodonStandin(t)
	b, baseB := mastodonStandin(t)
	b.RequireToken("good")
	t.Setenv("VEILLE_TEST_MASTO_B", "tok-zz9-secret")
	h := newHarness(t,
		config.Source{Kind: "mastodon", Name: "instance-a", URL: baseA},
		config.Source{Kind: "mastodon", Name: "instance-b", URL: baseB, TokenEnv: "VEILLE_TEST_MASTO_B"})
	h.run(social.Mastodon)
	waitConnected(t, h, "instance-a")
	a.Post(standin.MastodonStatus{Account: "105", Text: "Les Fermes Blanchard ouvrent une boutique"})
	got := h.waitMentions(mention.KindMastodon, 1)
	if got[0].SourceName != "instance-a" || got[0].Brand != "Blanchard" || !strings.Contains(got[0].Author.Handle, strings.TrimPrefix(baseA, "http://")) {
		t.Fatalf("mention %+v", got[0])
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) && h.health("instance-b").LastError == "" {
		time.Sleep(50 * time.Millisecond)
	}
	if e := h.health("instance-b").LastError; !strings.Contains(e, "token refused") || !strings.Contains(e, "VEILLE_TEST_MASTO_B") || strings.Contains(e, "tok-zz9") {
		t.Fatalf("instance-b error %q", e)
	}
}
