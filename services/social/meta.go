package social

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/platform/service"
)

// Graph API defaults.
const (
	GraphAPI   = "https://graph.facebook.com/v21.0"
	graphPages = 5
)

// Facebook reads `kind: facebook` sources: the brand's own Pages (ids in
// channels) with a page token (token_env): their posts and every comment
// on them, the community manager's moderation ground. Every post and
// comment of the brand's page is a mention of the brands it names or, for
// a comment, that its post names.
func Facebook(ctx context.Context, env *service.Env) error {
	return runKind(ctx, env, mention.KindFacebook, func(ctx context.Context, n *network) error {
		g := &graph{network: n, base: strings.TrimRight(firstNonEmpty(n.src.URL, GraphAPI), "/")}
		return g.withWebhooks(ctx, g.facebookPass)
	})
}

// Instagram reads `kind: instagram` sources: the brand's professional
// accounts (ids in channels) through the Graph API: their media and the
// comments on them.
func Instagram(ctx context.Context, env *service.Env) error {
	return runKind(ctx, env, mention.KindInstagram, func(ctx context.Context, n *network) error {
		g := &graph{network: n, base: strings.TrimRight(firstNonEmpty(n.src.URL, GraphAPI), "/")}
		return g.withWebhooks(ctx, g.instagramPass)
	})
}

type graph struct {
	*network
	base string
}

// withWebhooks polls, and serves the Webhooks endpoint beside when
// webhook_listen is set; the first to fail stops both.
func (g *graph) withWebhooks(ctx context.Context, pass func(context.Context) error) error {
	if g.src.WebhookListen == "" {
		return g.pollEvery(ctx, pass)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make(chan error, 2)
	go func() { errs <- g.serveWebhooks(ctx) }()
	go func() { errs <- g.pollEvery(ctx, pass) }()
	err := <-errs
	cancel()
	if err2 := <-errs; err == nil {
		err = err2
	}
	return err
}

// paged is a Graph API collection.
type paged[T any] struct {
	Data   []T `json:"data"`
	Paging struct {
		Cursors struct {
			After string `json:"after"`
		} `json:"cursors"`
		Next string `json:"next"`
	} `json:"paging"`
}

// each reads a collection page by page (the after cursor) until fn says
// stop or graphPages pages were read.
func each[T any](ctx context.Context, g *graph, path string, q url.Values, fn func(T) (stop bool, err error)) error {
	after := ""
	for page := 0; page < graphPages; page++ {
		qq := url.Values{}
		for k, v := range q {
			qq[k] = v
		}
		if after != "" {
			qq.Set("after", after)
		}
		var res paged[T]
		if _, err := g.call(ctx, request{url: g.base + path + "?" + qq.Encode()}, &res); err != nil {
			return err
		}
		for _, it := range res.Data {
			stop, err := fn(it)
			if err != nil || stop {
				return err
			}
		}
		if res.Paging.Next == "" || res.Paging.Cursors.After == "" {
			return nil
		}
		after = res.Paging.Cursors.After
	}
	return nil
}

type fbPost struct {
	ID           string `json:"id"`
	Message      string `json:"message"`
	CreatedTime  string `json:"created_time"`
	PermalinkURL string `json:"permalink_url"`
	Shares       struct {
		Count int `json:"count"`
	} `json:"shares"`
	Reactions struct {
		Summary struct {
			TotalCount int `json:"total_count"`
		} `json:"summary"`
	} `json:"reactions"`
	Comments struct {
		Summary struct {
			TotalCount int `json:"total_count"`
		} `json:"summary"`
	} `json:"comments"`
}

type fbComment struct {
	ID           string `json:"id"`
	Message      string `json:"message"`
	CreatedTime  string `json:"created_time"`
	PermalinkURL string `json:"permalink_url"`
	LikeCount    int    `json:"like_count"`
	CommentCount int    `json:"comment_count"`
	From         struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"from"`
	Parent struct {
		ID string `json:"id"`
	} `json:"parent"`
}

// graphTime reads Graph's "2026-03-14T10:00:00+0000".
func graphTime(s string) time.Time {
	for _, layout := range []string{"2006-01-02T15:04:05-0700", time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

func (g *graph) facebookPass(ctx context.Context) error {
	for _, page := range g.src.Channels {
		var info struct {
			Name           string `json:"name"`
			Link           string `json:"link"`
			FollowersCount int    `json:"followers_count"`
			FanCount       int    `json:"fan_count"`
		}
		if _, err := g.call(ctx, request{url: g.base + "/" + url.PathEscape(page) + "?fields=name,link,followers_count,fan_count"}, &info); err != nil {
			return err
		}
		pageAuthor := mention.Author{Name: info.Name, URL: firstNonEmpty(info.Link, "https://www.facebook.com/"+page), Followers: max(info.FollowersCount, info.FanCount)}
		name := "posts:" + page
		since := g.loadCursor(ctx, name)
		newest := since
		total := 0
		q := url.Values{"fields": {"id,message,created_time,permalink_url,shares,reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0)"}, "limit": {"100"}}
		err := each(ctx, g, "/"+url.PathEscape(page)+"/posts", q, func(p fbPost) (bool, error) {
			post := Post{Key: "fb:" + p.ID, URL: firstNonEmpty(p.PermalinkURL, "https://www.facebook.com/"+p.ID), Text: p.Message,
				Published: graphTime(p.CreatedTime), Author: pageAuthor,
				Likes: p.Reactions.Summary.TotalCount, Replies: p.Comments.Summary.TotalCount, Reposts: p.Shares.Count}
			k, err := g.publish(ctx, post)
			if err != nil {
				return true, err
			}
			total += k
			c, err := g.fbComments(ctx, p, post)
			total += c
			if p.CreatedTime > newest {
				newest = p.CreatedTime
			}
			// the page's recent posts stay open to comments: read them all
			// (graphPages pages), not only those newer than the last pass
			return false, err
		})
		if err != nil {
			return err
		}
		if newest != since {
			if err := g.saveCursor(ctx, name, newest); err != nil {
				return err
			}
		}
		g.c.Report(ctx, g.src, 0, total, 1, nil)
	}
	return nil
}

// fbComments reads a post's comments (replies included, filter=stream),
// newest first down to the newest one of the previous pass.
func (g *graph) fbComments(ctx context.Context, p fbPost, post Post) (int, error) {
	name := "comments:" + p.ID
	since := g.loadCursor(ctx, name)
	newest := since
	total := 0
	q := url.Values{"fields": {"id,message,created_time,permalink_url,like_count,comment_count,from{id,name},parent{id}"},
		"filter": {"stream"}, "order": {"reverse_chronological"}, "limit": {"100"}}
	err := each(ctx, g, "/"+url.PathEscape(p.ID)+"/comments", q, func(c fbComment) (bool, error) {
		if since != "" && c.CreatedTime < since {
			return true, nil
		}
		cp := Post{Key: "fb:" + c.ID, URL: firstNonEmpty(c.PermalinkURL, post.URL+"?comment_id="+url.QueryEscape(c.ID)), Text: c.Message,
			MatchTitle: p.Message, Published: graphTime(c.CreatedTime), ParentURL: post.URL, ThreadURL: post.URL,
			Likes: c.LikeCount, Replies: c.CommentCount, Author: mention.Author{Name: c.From.Name}}
		if c.From.ID != "" {
			cp.Author.URL = "https://www.facebook.com/" + c.From.ID
		}
		if c.Parent.ID != "" {
			cp.ParentURL = post.URL + "?comment_id=" + url.QueryEscape(c.Parent.ID)
		}
		k, err := g.publish(ctx, cp)
		total += k
		if c.CreatedTime > newest {
			newest = c.CreatedTime
		}
		return false, err
	})
	if err != nil {
		return total, err
	}
	if newest != since {
		return total, g.saveCursor(ctx, name, newest)
	}
	return total, nil
}

type igMedia struct {
	ID            string `json:"id"`
	Caption       string `json:"caption"`
	Timestamp     string `json:"timestamp"`
	Permalink     string `json:"permalink"`
	LikeCount     int    `json:"like_count"`
	CommentsCount int    `json:"comments_count"`
}

type igComment struct {
	ID        string `json:"id"`
	Text      string `json:"text"`
	Timestamp string `json:"timestamp"`
	Username  string `json:"username"`
	LikeCount int    `json:"like_count"`
}

func (g *graph) instagramPass(ctx context.Context) error {
	for _, acct := range g.src.Channels {
		var info struct {
			Username       string `json:"username"`
			Name           string `json:"name"`
			FollowersCount int    `json:"followers_count"`
			FollowsCount   int    `json:"follows_count"`
			MediaCount     int    `json:"media_count"`
		}
		if _, err := g.call(ctx, request{url: g.base + "/" + url.PathEscape(acct) + "?fields=username,name,followers_count,follows_count,media_count"}, &info); err != nil {
			return err
		}
		owner := mention.Author{Name: firstNonEmpty(info.Name, info.Username), URL: "https://www.instagram.com/" + info.Username + "/", Handle: "@" + info.Username,
			Followers: info.FollowersCount, Following: info.FollowsCount, PostCount: info.MediaCount}
		total := 0
		q := url.Values{"fields": {"id,caption,timestamp,permalink,like_count,comments_count"}, "limit": {"100"}}
		err := each(ctx, g, "/"+url.PathEscape(acct)+"/media", q, func(m igMedia) (bool, error) {
			post := Post{Key: "ig:" + m.ID, URL: firstNonEmpty(m.Permalink, "https://www.instagram.com/p/"+m.ID+"/"), Text: m.Caption,
				Published: graphTime(m.Timestamp), Author: owner, Likes: m.LikeCount, Replies: m.CommentsCount}
			k, err := g.publish(ctx, post)
			if err != nil {
				return true, err
			}
			total += k
			cq := url.Values{"fields": {"id,text,timestamp,username,like_count"}, "limit": {"100"}}
			err = each(ctx, g, "/"+url.PathEscape(m.ID)+"/comments", cq, func(c igComment) (bool, error) {
				cp := Post{Key: "ig:" + c.ID, URL: post.URL + "c/" + url.PathEscape(c.ID) + "/", Text: c.Text, MatchTitle: m.Caption,
					Published: graphTime(c.Timestamp), ParentURL: post.URL, ThreadURL: post.URL, Likes: c.LikeCount,
					Author: mention.Author{Name: c.Username, URL: "https://www.instagram.com/" + url.PathEscape(c.Username) + "/", Handle: "@" + c.Username}}
				k, err := g.publish(ctx, cp)
				total += k
				return false, err
			})
			return false, err
		})
		if err != nil {
			return err
		}
		g.c.Report(ctx, g.src, 0, total, 1, nil)
	}
	return nil
}

// graphThrottled recognises the Graph API's rate-limit errors (codes 4,
// 17, 32, 613: "(#4) Application request limit reached") and how long the
// X-Business-Use-Case-Usage header says to wait (minutes).
func graphThrottled(h http.Header, body []byte) (bool, time.Duration) {
	var e struct {
		Error struct {
			Code int `json:"code"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) != nil {
		return false, 0
	}
	switch e.Error.Code {
	case 4, 17, 32, 613:
	default:
		return false, 0
	}
	// estimated_time_to_regain_access is in minutes; 0 means the window
	// is about to reopen: a short pause then.
	wait := 5 * time.Second
	var usage map[string][]struct {
		Minutes int `json:"estimated_time_to_regain_access"`
	}
	if json.Unmarshal([]byte(h.Get("X-Business-Use-Case-Usage")), &usage) == nil {
		for _, us := range usage {
			for _, u := range us {
				if u.Minutes > 0 {
					wait = max(wait, time.Duration(u.Minutes)*time.Minute)
				}
			}
		}
	}
	return true, wait
}
