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

func youtubeStandin(t *testing.T) (*standin.YouTube, string) {
	yt := standin.NewYouTube("AIza-test-key")
	srv := startServer(t, yt.Handler())
	t.Setenv("VEILLE_TEST_YT", "AIza-test-key")
	yt.AddChannel(standin.YouTubeChannel{ID: "UC1", Title: "Conso Vérité", Handle: "@consoverite", Subscribers: 250000, Videos: 310, Created: time.Date(2016, 2, 1, 0, 0, 0, 0, time.UTC)})
	now := time.Now().UTC()
	yt.AddVideo(standin.YouTubeVideo{ID: "vid1", ChannelID: "UC1", Title: "Yaourts Duval : on a enquêté", Description: "Notre enquête sur la Laiterie Duval.", Published: now.Add(-2 * time.Hour), Views: 48000, Likes: 2100})
	yt.AddVideo(standin.YouTubeVideo{ID: "vid2", ChannelID: "UC1", Title: "Duval répond", Description: "Interview.", Published: now.Add(-time.Hour), Views: 9000, Likes: 300, CommentsDisabled: true})
	for i := range 120 { // two pages of comments; they do not name the brand: the video does
		yt.AddComment(standin.YouTubeComment{VideoID: "vid1", Author: fmt.Sprintf("Spectateur %d", i), AuthorChannel: fmt.Sprintf("@spect%d", i),
			Text: fmt.Sprintf("Je n'en achète plus (%d)", i), Likes: i, Replies: i % 3, Published: now.Add(-time.Hour + time.Duration(i)*time.Second)})
	}
	return yt, srv.URL
}

// TestYouTubeVideosCommentsAndQuota: videos with statistics and channel
// audience, their comments (two pages) as mentions whose parent is the
// video; the API key never reaches the logs; quota units are counted.
func TestYouTubeVideosCommentsAndQuota(t *testing.T) {
	yt, base := youtubeStandin(t)
	h := newHarness(t, config.Source{Kind: "youtube", Name: "yt", URL: base + "/youtube/v3", TokenEnv: "VEILLE_TEST_YT", Search: []string{"Duval"}})
	stop, _ := h.run(social.YouTube)
	got := h.waitMentions(mention.KindYouTube, 122)
	var video, comment *mention.Mention
	for _, m := range got {
		switch {
		case m.URL == "https://www.youtube.com/watch?v=vid1":
			video = m
		case strings.HasSuffix(m.Text, "(119)"):
			comment = m
		}
	}
	if video == nil || video.Views != 48000 || video.Likes != 2100 || video.Replies != 120 || video.Author.Followers != 250000 || video.Author.Handle != "@consoverite" {
		t.Fatalf("video %+v", video)
	}
	if comment == nil || comment.ParentURL != "https://www.youtube.com/watch?v=vid1" || comment.Likes != 119 || comment.Replies != 2 || comment.Author.Name != "Spectateur 119" {
		t.Fatalf("comment %+v", comment)
	}
	units, after := yt.Used()
	// search 100 + videos 1 + channels 1 + 2 comment pages + vid2's refusal 1
	if units != 105 || after != 0 {
		t.Fatalf("units %d, calls after the quota %d", units, after)
	}
	// a restart: the comments posted meanwhile, and nothing again
	stop()
	for i := range 3 {
		yt.AddComment(standin.YouTubeComment{VideoID: "vid1", Author: "Nouveau", AuthorChannel: "@nouveau", Text: fmt.Sprintf("Et maintenant ? (%d)", i), Published: time.Now().UTC()})
	}
	_, env2 := h.run(social.YouTube)
	h.waitMentions(mention.KindYouTube, 125)
	waitPublished(t, env2, 3)
	time.Sleep(300 * time.Millisecond)
	if n, all := published(t, env2), len(h.mentions(mention.KindYouTube)); n != 3 || all != 125 {
		t.Fatalf("restart published %v (want 3), stream %d (want 125)", n, all)
	}
}

// TestYouTubeQuotaExceededWaitsForTheReset: a spent quota (403
// quotaExceeded) stops the source until Pacific midnight: no call after it,
// and the source's health says why.
func TestYouTubeQuotaExceededWaitsForTheReset(t *testing.T) {
	yt, base := youtubeStandin(t)
	yt.Quota = 50 // less than one search
	h := newHarness(t, config.Source{Kind: "youtube", Name: "yt", URL: base + "/youtube/v3", TokenEnv: "VEILLE_TEST_YT"})
	h.run(social.YouTube)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) && h.health("yt").LastError == "" {
		time.Sleep(50 * time.Millisecond)
	}
	e := h.health("yt").LastError
	if !strings.Contains(e, "youtube quota exhausted") || strings.Contains(e, "AIza") {
		t.Fatalf("health error %q", e)
	}
	time.Sleep(time.Second)
	if _, after := yt.Used(); after != 0 {
		t.Fatalf("%d calls after quotaExceeded", after)
	}
}
