package config_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/veille-oss/veille/pkg/platform/config"
)

func TestSocialSources(t *testing.T) {
	good := `sources:
  - {kind: bluesky, name: bsky}
  - {kind: bluesky, name: bsky-local, url: "ws://127.0.0.1:6008/subscribe", api_url: "http://127.0.0.1:6009", token_env: BSKY_TOKEN}
  - {kind: mastodon, name: masto-social, url: "https://mastodon.social", token_env: MASTODON_TOKEN, hashtags: [duval]}
  - {kind: mastodon, name: masto-piaille, url: "https://piaille.fr"}
  - {kind: reddit, name: reddit, client_id: abc, secret_env: REDDIT_SECRET, channels: [france]}
  - {kind: youtube, name: yt, token_env: YOUTUBE_API_KEY, search: ["yaourts Duval"]}
  - {kind: x, name: x, token_env: X_BEARER}
  - {kind: facebook, name: fb, token_env: FB_PAGE_TOKEN, secret_env: FB_APP_SECRET, channels: ["1234567890"]}
  - {kind: instagram, name: ig, token_env: FB_PAGE_TOKEN, channels: ["17841400000000000"]}
`
	c, err := config.Parse([]byte(good), "t.yaml", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Sources) != 9 || c.Sources[2].Hashtags[0] != "duval" || c.Sources[4].Channels[0] != "france" {
		t.Fatalf("%+v", c.Sources)
	}
	bad := map[string]string{
		"sources: [{kind: mastodon, name: m}]":                                            "sources[0].url",
		"sources: [{kind: mastodon, name: m, url: 'ftp://a'}]":                            "sources[0].url",
		"sources: [{kind: bluesky, name: b, api_url: 'ws://a'}]":                          "sources[0].api_url",
		"sources: [{kind: bluesky, name: b, token_env: 'my token'}]":                      "sources[0].token_env",
		"sources: [{kind: reddit, name: r, client_id: a}]":                                "sources[0].client_id",
		"sources: [{kind: youtube, name: y}]":                                             "sources[0].token_env",
		"sources: [{kind: facebook, name: f, token_env: T}]":                              "sources[0].channels",
		"sources: [{kind: tiktok, name: t}]":                                              "sources[0].kind",
		"sources: [{kind: x, name: x, token_env: X, secret_env: 'a-b'}]":                  "sources[0].secret_env",
		"sources: [{kind: mastodon, name: m, url: 'https://m.test', unknown_knob: true}]": "unknown_knob",
	}
	for y, key := range bad {
		_, err := config.Parse([]byte(y), "t.yaml", env(nil))
		if !errors.Is(err, config.ErrInvalid) || !strings.Contains(err.Error(), key) {
			t.Errorf("%s: want an error naming %q, got %v", y, key, err)
		}
	}
}
