package cli

import (
	"github.com/veille-oss/veille/pkg/service"
	"github.com/veille-oss/veille/services/alerter/alerter"
	"github.com/veille-oss/veille/services/console/console"
	"github.com/veille-oss/veille/services/crawler/crawler"
	"github.com/veille-oss/veille/services/enricher/enricher"
	"github.com/veille-oss/veille/services/forum/forumsvc"
	"github.com/veille-oss/veille/services/rss/rss"
	"github.com/veille-oss/veille/services/sink/sink"
	"github.com/veille-oss/veille/services/social"
)

// Services are the services `veille run` starts, by name.
func Services() map[string]service.Func {
	return map[string]service.Func{
		"crawler":  crawler.Run,
		"rss":      rss.Run,
		"forum":    forumsvc.Run,
		"enricher": enricher.Run,
		"sink":     sink.Run,
		"alerter":  alerter.Run,
		"console":  console.Run,
		"reports":  reportsService,
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
