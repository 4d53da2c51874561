package cli

import (
	"github.com/veille-oss/veille/pkg/platform/service"
	"github.com/veille-oss/veille/services/alerter"
	"github.com/veille-oss/veille/services/console"
	"github.com/veille-oss/veille/services/crawler"
	"github.com/veille-oss/veille/services/enricher"
	"github.com/veille-oss/veille/services/forum"
	"github.com/veille-oss/veille/services/reports"
	"github.com/veille-oss/veille/services/rss"
	"github.com/veille-oss/veille/services/sink"
	"github.com/veille-oss/veille/services/social"
)

// Services are the services `veille run` starts, by name.
func Services() map[string]service.Func {
	return map[string]service.Func{
		"crawler":  crawler.Run,
		"rss":      rss.Run,
		"forum":    forum.Run,
		"enricher": enricher.Run,
		"sink":     sink.Run,
		"alerter":  alerter.Run,
		"console":  console.Run,
		"reports":  reports.Run,
		// Social networks (services/social/README.md).
		"bluesky":   social.Bluesky,
		"mastodon":  social.Mastodon,
		"x":         social.X,
		"youtube":   social.YouTube,
		"reddit":    social.Reddit,
		"facebook":  social.Facebook,
		"instagram": social.Instagram,
	}
}
