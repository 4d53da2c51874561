package social

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/platform/service"
)

// Reddit defaults.
const (
	RedditAPI   = "https://oauth.reddit.com"
	RedditToken = "https://www.reddit.com/api/v1/access_token"
	redditPages = 5
)

// Reddit reads `kind: reddit` sources over OAuth (an app's client_id and
// secret_env, client-credentials grant; or a ready token in token_env):
// new posts and new comments of the subreddits in channels, and site
// search for each search term.
func Reddit(ctx context.Context, env *service.Env) error {
	return runKind(ctx, env, mention.KindReddit, func(ctx context.Context, n *network) error {
		r := &reddit{network: n, base: strings.TrimRight(firstNonEmpty(n.src.URL, RedditAPI), "/"), karma: map[string]redditUser{}}
		return n.pollEvery(ctx, r.pass)
	})
}

type reddit struct {
	*network
	base    string
	mu      sync.Mutex
	karma   map[string]redditUser
	expires time.Time
}

type redditUser struct {
	author mention.Author
	at     time.Time
}

// thing is a Reddit t1 (comment) or t3 (link) in a Listing.
type thing struct {
	Kind string `json:"kind"`
	Data struct {
		ID            string  `json:"id"`
		Name          string  `json:"name"`
		Title         string  `json:"title"`
		Selftext      string  `json:"selftext"`
		Body          string  `json:"body"`
		Author        string  `json:"author"`
		Permalink     string  `json:"permalink"`
		LinkPermalink string  `json:"link_permalink"`
		LinkTitle     string  `json:"link_title"`
		ParentID      string  `json:"parent_id"`
		Score         int     `json:"score"`
		NumComments   int     `json:"num_comments"`
		CreatedUTC    float64 `json:"created_utc"`
		Subreddit     string  `json:"subreddit"`
		RemovedBy     string  `json:"removed_by_category"`
	} `json:"data"`
}

type listing struct {
	Kind string `json:"kind"`
	Data struct {
		After    string  `json:"after"`
		Children []thing `json:"children"`
	} `json:"data"`
}

// login gets an app token (client credentials) when none is configured or
// the current one is about to expire.
func (r *reddit) login(ctx context.Context, force bool) error {
	if r.src.TokenEnv != "" || r.src.ClientID == "" {
		return nil // a ready token, or none
	}
	if !force && r.token != "" && r.now().Before(r.expires) {
		return nil
	}
	secret := strings.TrimSpace(os.Getenv(r.src.SecretEnv))
	basic := base64.StdEncoding.EncodeToString([]byte(r.src.ClientID + ":" + secret))
	var res struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	form := "grant_type=client_credentials"
	r.token = ""
	_, err := r.call(ctx, request{method: http.MethodPost, url: firstNonEmpty(r.src.APIURL, RedditToken),
		header: http.Header{"Authorization": {"Basic " + basic}, "Content-Type": {"application/x-www-form-urlencoded"}},
		body:   func() io.Reader { return strings.NewReader(form) }}, &res)
	if err != nil {
		return err
	}
	if res.AccessToken == "" {
		return errors.Join(ErrToken, errors.New(r.src.Name+": the token endpoint gave no access_token (client_id or $"+r.src.SecretEnv+" wrong?)"))
	}
	r.token = res.AccessToken
	r.expires = r.now().Add(time.Duration(max(res.ExpiresIn-60, 60)) * time.Second)
	return nil
}

// get calls the API, logging in again once when the token was refused.
func (r *reddit) get(ctx context.Context, path string, q url.Values, v any) error {
	if err := r.login(ctx, false); err != nil {
		return err
	}
	q.Set("raw_json", "1")
	_, err := r.call(ctx, request{url: r.base + path + "?" + q.Encode()}, v)
	if errors.Is(err, ErrToken) && r.src.TokenEnv == "" && r.src.ClientID != "" {
		if lerr := r.login(ctx, true); lerr != nil {
			return lerr
		}
		_, err = r.call(ctx, request{url: r.base + path + "?" + q.Encode()}, v)
	}
	return err
}

func (r *reddit) pass(ctx context.Context) error {
	var lists []struct{ name, path string }
	for _, sub := range r.src.Channels {
		sub = strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(sub), "/"), "r/")
		if sub == "" {
			continue
		}
		lists = append(lists, struct{ name, path string }{"new:" + sub, "/r/" + url.PathEscape(sub) + "/new"},
			struct{ name, path string }{"comments:" + sub, "/r/" + url.PathEscape(sub) + "/comments"})
	}
	for _, term := range r.searchTerms() {
		lists = append(lists, struct{ name, path string }{"search:" + term, "/search?q=" + url.QueryEscape(term)})
	}
	for _, l := range lists {
		if err := r.listing(ctx, l.name, l.path); err != nil {
			return err
		}
	}
	return nil
}

// listing reads a listing newest first down to the newest item of the
// previous pass (created_utc), page by page.
func (r *reddit) listing(ctx context.Context, name, path string) error {
	since := r.loadCursor(ctx, name)
	newest := since
	after := ""
	total := 0
	p, rawq, _ := strings.Cut(path, "?")
	for page := 0; page < redditPages; page++ {
		q, _ := url.ParseQuery(rawq)
		q.Set("limit", "100")
		if strings.HasPrefix(name, "search:") {
			q.Set("sort", "new")
			q.Set("type", "link")
		}
		if after != "" {
			q.Set("after", after)
		}
		var res listing
		if err := r.get(ctx, p, q, &res); err != nil {
			return err
		}
		// The whole page is read even below the previous pass's newest
		// item: published posts are skipped cheaply (KV), and a recent
		// post deleted since shows up as "[deleted]". Older pages are not.
		reachedOld := false
		for _, t := range res.Data.Children {
			stamp := strings.Repeat("0", 12-min(12, len(itoa64(int64(t.Data.CreatedUTC))))) + itoa64(int64(t.Data.CreatedUTC))
			if since != "" && stamp < since {
				reachedOld = true
			}
			k, err := r.thing(ctx, t)
			if err != nil {
				return err
			}
			total += k
			if stamp > newest {
				newest = stamp
			}
		}
		if res.Data.After == "" || reachedOld {
			break
		}
		after = res.Data.After
	}
	if newest != since {
		if err := r.saveCursor(ctx, name, newest); err != nil {
			return err
		}
	}
	r.c.Report(ctx, r.src, 0, total, 1, nil)
	return nil
}

func itoa64(n int64) string {
	if n <= 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// thing publishes a post or a comment, or handles its deletion.
func (r *reddit) thing(ctx context.Context, t thing) (int, error) {
	d := t.Data
	key := firstNonEmpty(d.Name, t.Kind+"_"+d.ID)
	text := d.Selftext
	if t.Kind == "t1" {
		text = d.Body
	}
	if d.Author == "[deleted]" || text == "[deleted]" || text == "[removed]" || d.RemovedBy != "" {
		return r.deleted(ctx, key)
	}
	p := Post{
		Key: key, URL: "https://www.reddit.com" + d.Permalink, Text: text, Likes: max(d.Score, 0), Replies: d.NumComments,
		Published: time.Unix(int64(d.CreatedUTC), 0).UTC(), Author: r.user(ctx, d.Author),
	}
	if t.Kind == "t3" {
		p.Title = d.Title
	} else {
		p.MatchTitle = d.LinkTitle
		if d.LinkPermalink != "" {
			p.ThreadURL = strings.Replace(d.LinkPermalink, "https://reddit.com", "https://www.reddit.com", 1)
		}
		p.ParentURL = p.ThreadURL
		if strings.HasPrefix(d.ParentID, "t1_") && p.ThreadURL != "" {
			p.ParentURL = strings.TrimRight(p.ThreadURL, "/") + "/" + strings.TrimPrefix(d.ParentID, "t1_") + "/"
		}
	}
	return r.publish(ctx, p)
}

// user resolves an account's karma and age (/user/{name}/about), cached
// for an hour; a failed lookup keeps the name.
func (r *reddit) user(ctx context.Context, name string) mention.Author {
	a := mention.Author{Name: name, URL: "https://www.reddit.com/user/" + url.PathEscape(name), Handle: "u/" + name}
	if name == "" {
		return mention.Author{}
	}
	r.mu.Lock()
	e, ok := r.karma[name]
	r.mu.Unlock()
	if ok && r.now().Sub(e.at) < profileTTL {
		return e.author
	}
	var res struct {
		Data struct {
			LinkKarma    int     `json:"link_karma"`
			CommentKarma int     `json:"comment_karma"`
			TotalKarma   int     `json:"total_karma"`
			CreatedUTC   float64 `json:"created_utc"`
			Verified     bool    `json:"verified"`
		} `json:"data"`
	}
	if err := r.get(ctx, "/user/"+url.PathEscape(name)+"/about", url.Values{}, &res); err != nil {
		r.log.Warn("reddit user not resolved", "user", name, "err", err)
		return a
	}
	a.Reputation = max(res.Data.TotalKarma, res.Data.LinkKarma+res.Data.CommentKarma)
	a.Verified = res.Data.Verified
	if res.Data.CreatedUTC > 0 {
		a.JoinedAt = time.Unix(int64(res.Data.CreatedUTC), 0).UTC().Format(time.RFC3339)
	}
	r.mu.Lock()
	if len(r.karma) > 50_000 {
		clear(r.karma)
	}
	r.karma[name] = redditUser{author: a, at: r.now()}
	r.mu.Unlock()
	return a
}
