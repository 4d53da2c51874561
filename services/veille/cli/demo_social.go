package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/pkg/tooling/demo"
	"github.com/veille-oss/veille/services/social/standin"
)

// demoMastodonTokenEnv holds this run's token for the demo's Mastodon
// stand-in: the search back-fill needs one, as on a real instance.
const demoMastodonTokenEnv = "VEILLE_DEMO_MASTODON_TOKEN"

// startSocialDemo serves a Bluesky-like firehose and a Mastodon-like
// instance on loopback, posts demo.SocialPosts on the story clock, and
// returns the sources that read them. stop ends the servers.
func startSocialDemo(ctx context.Context, start time.Time, speed float64, log *slog.Logger) (srcs []config.Source, stop func(), err error) {
	bs := standin.NewBluesky()
	ms := standin.NewMastodon("")
	var servers []*http.Server
	stop = func() {
		for _, s := range servers {
			_ = s.Close()
		}
	}
	serve := func(h http.Handler) (string, error) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return "", err
		}
		s := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
		servers = append(servers, s)
		go func() { _ = s.Serve(ln) }()
		return ln.Addr().String(), nil
	}
	bAddr, err := serve(bs.Handler())
	if err != nil {
		stop()
		return nil, nil, fmt.Errorf("demo bluesky: %w", err)
	}
	mAddr, err := serve(ms.Handler())
	if err != nil {
		stop()
		return nil, nil, fmt.Errorf("demo mastodon: %w", err)
	}
	ms.SetBase("http://" + mAddr)
	token := make([]byte, 16)
	_, _ = rand.Read(token)
	ms.RequireToken(hex.EncodeToString(token))
	if err := os.Setenv(demoMastodonTokenEnv, hex.EncodeToString(token)); err != nil {
		stop()
		return nil, nil, err
	}

	dids := map[string]string{}
	accts := map[string]string{}
	for i, a := range demo.SocialAccounts {
		created := start.Add(-a.Age)
		switch a.Network {
		case "bluesky":
			did := fmt.Sprintf("did:plc:demo%04d", i)
			dids[a.Handle] = did
			bs.AddProfile(standin.BlueskyProfile{DID: did, Handle: a.Handle, DisplayName: a.Name, Followers: a.Followers, Follows: a.Following, Posts: a.Posts, CreatedAt: created})
		case "mastodon":
			id := fmt.Sprint(1000 + i)
			accts[a.Handle] = id
			ms.AddAccount(standin.MastodonAccount{ID: id, Username: a.Handle, DisplayName: a.Name, Followers: a.Followers, Following: a.Following, Posts: a.Posts, CreatedAt: created})
		}
	}
	go func() {
		ids := make([]string, len(demo.SocialPosts)) // what each post became: at:// URI or status id
		for i, p := range demo.SocialPosts {
			at := start.Add(time.Duration(float64(p.At) / speed))
			if !sleepUntil(ctx, at) {
				return
			}
			parent := ""
			if p.ReplyTo >= 0 && p.ReplyTo < i {
				parent = ids[p.ReplyTo]
			}
			switch p.Network {
			case "bluesky":
				post := standin.BlueskyPost{DID: dids[p.Handle], RKey: fmt.Sprintf("3ldemo%04d", i), Text: p.Text, CreatedAt: time.Now().UTC(),
					Langs: []string{"fr"}, ReplyParent: parent, Likes: p.Likes, Reposts: p.Reposts, Replies: p.Replies}
				bs.Post(post)
				ids[i] = post.URI()
			case "mastodon":
				ids[i] = ms.Post(standin.MastodonStatus{Account: accts[p.Handle], Text: p.Text, Tags: p.Tags, Language: "fr",
					InReplyToID: parent, Favourites: p.Likes, Reblogs: p.Reposts, Replies: p.Replies})
			}
		}
	}()
	log.Info("demo social networks serving", "bluesky", bAddr, "mastodon", mAddr)
	srcs = []config.Source{
		{Kind: "bluesky", Name: "bluesky-demo", URL: "ws://" + bAddr + "/subscribe", APIURL: "http://" + bAddr},
		{Kind: "mastodon", Name: "piaille-demo", URL: "http://" + mAddr, TokenEnv: demoMastodonTokenEnv, Hashtags: []string{"Duval"}},
	}
	return srcs, stop, nil
}

func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-tm.C:
		return true
	}
}

func hasSocialSource(cfg *config.Config) bool {
	for _, s := range cfg.Sources {
		for _, k := range config.SocialKinds {
			if s.Kind == k {
				return true
			}
		}
	}
	return false
}
