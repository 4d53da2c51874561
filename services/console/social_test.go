package console_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/services/console"
)

// TestSocialFilterAndEngagement: the suspicious filter keeps the flagged
// social posts, the kind filter takes a network, and the mention rows show
// the engagement and the audience, in French.
func TestSocialFilterAndEngagement(t *testing.T) {
	h := setup(t)
	social := func(m *mention.Mention) {
		m.Likes, m.Reposts, m.Replies, m.Views = 42, 7, 3, 1200
		m.Author = mention.Author{Name: "Nadège", URL: "https://bsky.app/profile/did:plc:n", Handle: "@nadege.bsky.social", Followers: 310, Following: 290}
	}
	coordinated := func(m *mention.Mention) { m.Enrichment.Suspicious = []string{mention.SuspiciousCoordinated} }
	h.insert(append(fixtures(),
		mk("Duval", mention.KindBluesky, "bsky", "neg", "Boycott des yaourts Duval, partagez !", 30*time.Minute, social, coordinated),
		mk("Duval", mention.KindMastodon, "piaille", "neg", "Rappel des yaourts Duval vanille.", 90*time.Minute, social),
	))
	c := h.client()
	for q, want := range map[string]int{"suspicious=1": 1, "kind=bluesky": 1, "kind=mastodon": 1, "brand=Duval": 7} {
		resp, body := h.get(c, "/api/search?"+q, bearer()...)
		var res console.SearchResult
		if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &res) != nil || len(res.Mentions) != want {
			t.Fatalf("%s: %d %s", q, resp.StatusCode, body)
		}
		if q == "suspicious=1" && (res.Mentions[0].Likes != 42 || res.Mentions[0].Views != 1200 || res.Mentions[0].Suspicious[0] != "coordinated") {
			t.Fatalf("row %+v", res.Mentions[0])
		}
	}
	cl, _ := h.login()
	_, page := h.get(cl, "/search?suspicious=1")
	for _, want := range []string{"♥ 42 J&#39;aime", "↻ 7 Partages", "310 abonnés", `class="badge suspicious" title="campagne coordonnée"`, `id="f-susp" name="suspicious" value="1" checked`, "Bluesky · bsky"} {
		if !strings.Contains(page, want) {
			t.Errorf("search page lacks %q", want)
		}
	}
	if strings.Contains(page, "Rappel des yaourts") {
		t.Error("the filter let an unflagged post through")
	}
}
