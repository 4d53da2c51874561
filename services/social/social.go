// Package social collects mentions from social networks: Bluesky (Jetstream
// firehose and searchPosts), Mastodon (streaming and search, several
// instances), each network a `kind` of source with its own service func.
// Posts are matched locally against the brands' watch queries and published
// as ordinary mentions with the author's public metrics and the post's
// engagement. Cursors and since-ids live in the collectors' NATS KV bucket,
// written only after the mentions before them are acked by JetStream, so a
// restart resumes with nothing lost and nothing published twice. Tokens come
// from the environment (the source's token_env) and are never logged.
package social

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/veille-oss/veille/pkg/collection/collect"
	"github.com/veille-oss/veille/pkg/collection/watch"
	"github.com/veille-oss/veille/pkg/platform/bus"
	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/platform/retry"
	"github.com/veille-oss/veille/pkg/platform/service"
)

var (
	// ErrToken: the network refused the token (HTTP 401): expired, revoked
	// or missing. The source's health shows it until a new token is set.
	ErrToken = errors.New("token refused")
	// ErrForbidden: the token is valid but lacks access (HTTP 403).
	ErrForbidden = errors.New("access refused")
	// ErrRateLimited: still limited after the waits this collector allows.
	ErrRateLimited = errors.New("rate limited")
	// ErrAPI: any other failure of the network's API (bad status, bad JSON).
	ErrAPI = errors.New("api error")
)

// Bounds on what one API answer or stream message may hold.
const (
	maxBody    = 8 << 20
	maxMessage = 1 << 20
)

// network is one configured social source at run time.
type network struct {
	c      *collect.Collector
	src    config.Source
	log    *slog.Logger
	client *http.Client
	token  string
	limits *limits
	pub    *prometheus.CounterVec
	// now is time.Now; tests do not replace it (no timing assertions).
	now func() time.Time
}

func newNetwork(c *collect.Collector, src config.Source) *network {
	n := &network{
		c: c, src: src, log: c.Log.With("source", src.Name),
		client: &http.Client{Timeout: c.Env.Config.Crawler.Timeout},
		limits: &limits{},
		pub:    c.Env.Metrics.Counter("collector_mentions_total", "Raw mentions published.", "kind", "source"),
		now:    time.Now,
	}
	if n.client.Timeout <= 0 {
		n.client.Timeout = 30 * time.Second
	}
	if src.TokenEnv != "" {
		n.token = strings.TrimSpace(os.Getenv(src.TokenEnv))
	}
	return n
}

// runKind starts one goroutine per source of kind and waits for them.
func runKind(ctx context.Context, env *service.Env, kind string, run func(ctx context.Context, n *network) error) error {
	c, err := collect.New(ctx, env, kind)
	if err != nil {
		return err
	}
	defer c.Close()
	srcs := c.MySources()
	if len(srcs) == 0 {
		c.Log.Info("no sources of this kind configured", "kind", kind)
	}
	var wg sync.WaitGroup
	for _, src := range srcs {
		n := newNetwork(c, src)
		if src.TokenEnv != "" && n.token == "" {
			n.log.Warn("token variable is empty; calls that need a token will fail", "token_env", src.TokenEnv)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			n.forever(ctx, run)
		}()
	}
	wg.Wait()
	return nil
}

// forever runs a source until ctx ends, backing off after failures.
func (n *network) forever(ctx context.Context, run func(ctx context.Context, n *network) error) {
	failures := 0
	backoff := retry.New(2*time.Second, 5*time.Minute)
	for ctx.Err() == nil {
		err := run(ctx, n)
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			failures = 0
			backoff.Reset()
			continue
		}
		failures++
		wait := backoff.Next()
		if errors.Is(err, ErrToken) {
			wait = max(wait, time.Minute) // a new token takes a person
		}
		n.c.Report(ctx, n.src, 0, 0, 0, err)
		n.log.Warn("source failed; retrying", "err", err, "next_in", wait)
		_ = retry.Sleep(ctx, wait)
	}
}

// Post is one network post, before it is matched against the brands.
type Post struct {
	// Key identifies the post on its network (at:// URI, status id); it
	// keys the post's state in KV.
	Key   string
	URL   string
	Title string
	// MatchTitle is matched with the text but not published: a comment is
	// about the brand its video or post names.
	MatchTitle string
	Text       string
	Author     mention.Author
	Published  time.Time
	Lang       string
	ParentURL  string
	ThreadURL  string
	Likes      int
	Replies    int
	Reposts    int
	Quotes     int
	Views      int64
}

// postState is what KV keeps about a published post: the hash of its text
// (an edit re-publishes) and the brands it matched (a deletion replaces
// those mentions).
type postState struct {
	Hash   string    `json:"hash"`
	URL    string    `json:"url"`
	Brands []string  `json:"brands,omitempty"`
	At     time.Time `json:"at"`
}

func (n *network) postKey(key string) string {
	return collect.Key("post", n.src.Kind, n.src.Name, key)
}

func textHash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:12])
}

// publish matches p against the brands and publishes one mention per
// brand, unless the same text was published before (the stream and the
// search see the same posts). It returns the mentions published.
func (n *network) publish(ctx context.Context, p Post) (int, error) {
	hash := textHash(p.Title + "\n" + p.Text)
	skey := n.postKey(p.Key)
	var seen postState
	known, err := n.c.GetJSON(ctx, skey, &seen)
	if err != nil {
		n.log.Warn("post state unreadable", "err", err)
	}
	if known && seen.Hash == hash {
		return 0, nil
	}
	matches := n.c.Matcher.Match(watchDoc(p))
	if len(matches) == 0 && !known {
		return 0, nil
	}
	now := n.now().UTC()
	var brands []string
	published := 0
	for _, mt := range matches {
		m := n.mention(p, mt.Brand, now)
		m.MatchedTerms = mt.Terms
		m.ContentHash = hash
		if err := n.send(ctx, m); err != nil {
			if errors.Is(err, mention.ErrInvalid) {
				n.log.Warn("mention skipped: invalid", "url", p.URL, "err", err)
				continue
			}
			return published, err
		}
		brands = append(brands, mt.Brand)
		published++
	}
	if known {
		// An edit that no longer names a brand: its old mention is replaced
		// by an empty one, as for a deletion.
		for _, b := range seen.Brands {
			if !contains(brands, b) {
				if err := n.sendDeleted(ctx, seen.URL, b, now); err != nil {
					return published, err
				}
			}
		}
	}
	if err := n.c.PutJSON(ctx, skey, postState{Hash: hash, URL: p.URL, Brands: brands, At: now}); err != nil {
		return published, err
	}
	return published, nil
}

func watchDoc(p Post) watch.Doc {
	return watch.Doc{Title: strings.TrimSpace(p.MatchTitle + " " + p.Title), Text: p.Text, URL: p.URL, Lang: p.Lang, Author: firstNonEmpty(p.Author.Name, p.Author.Handle)}
}

// deleted handles a post the network says is gone: every mention it gave
// is re-published under its id with the text emptied and deleted set.
func (n *network) deleted(ctx context.Context, key string) (int, error) {
	skey := n.postKey(key)
	var seen postState
	known, err := n.c.GetJSON(ctx, skey, &seen)
	if err != nil || !known || len(seen.Brands) == 0 {
		return 0, err
	}
	now := n.now().UTC()
	for _, b := range seen.Brands {
		if err := n.sendDeleted(ctx, seen.URL, b, now); err != nil {
			return 0, err
		}
	}
	if err := n.c.PutJSON(ctx, skey, postState{Hash: "deleted", URL: seen.URL, At: now}); err != nil {
		return 0, err
	}
	return len(seen.Brands), nil
}

func (n *network) sendDeleted(ctx context.Context, url, brand string, now time.Time) error {
	m := n.mention(Post{URL: url}, brand, now)
	m.Deleted = true
	m.ContentHash = "deleted" // a new Msg-Id: the deletion is not taken for a redelivery
	return n.send(ctx, m)
}

func (n *network) mention(p Post, brand string, now time.Time) *mention.Mention {
	m := &mention.Mention{
		Brand: brand, MatchedTerms: []string{}, SourceKind: n.src.Kind, SourceName: n.src.Name, SourceURL: n.src.URL,
		URL: p.URL, Title: p.Title, Text: p.Text, Author: p.Author, PublishedAt: p.Published.UTC(), CollectedAt: now,
		LangHint: firstNonEmpty(p.Lang, n.src.Lang), ThreadURL: p.ThreadURL, ParentURL: p.ParentURL,
		Likes: p.Likes, Replies: p.Replies, Reposts: p.Reposts, Quotes: p.Quotes, Views: p.Views,
	}
	if strings.HasPrefix(m.SourceURL, "ws") {
		m.SourceURL = "" // the contract keeps http(s) URLs
	}
	m.Truncate()
	m.SetID()
	return m
}

func (n *network) send(ctx context.Context, m *mention.Mention) error {
	if err := n.c.Env.Bus.PublishMention(ctx, bus.RawSubject(n.src.Kind), m); err != nil {
		return err
	}
	n.pub.WithLabelValues(n.src.Kind, n.src.Name).Inc()
	return nil
}

// cursor reads and writes a named resume point of the source in KV.
type cursor struct {
	Value string    `json:"value"`
	At    time.Time `json:"at"`
}

func (n *network) cursorKey(name string) string {
	return collect.Key("cursor", n.src.Kind, n.src.Name, name)
}

func (n *network) loadCursor(ctx context.Context, name string) string {
	var c cursor
	if _, err := n.c.GetJSON(ctx, n.cursorKey(name), &c); err != nil {
		n.log.Warn("cursor unreadable; starting live", "cursor", name, "err", err)
	}
	return c.Value
}

func (n *network) saveCursor(ctx context.Context, name, value string) error {
	return n.c.PutJSON(ctx, n.cursorKey(name), cursor{Value: value, At: n.now().UTC()})
}

// searchTerms are the source's search queries, or the brands' names and
// aliases.
func (n *network) searchTerms() []string {
	if len(n.src.Search) > 0 {
		return n.src.Search
	}
	var out []string
	for _, b := range n.c.Env.Config.Brands {
		out = append(out, b.Name)
		out = append(out, b.Aliases...)
	}
	return out
}

func firstNonEmpty(a ...string) string {
	for _, s := range a {
		if s != "" {
			return s
		}
	}
	return ""
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// pollEvery runs pass now and then every source interval until ctx ends;
// a failed pass ends the loop (runKind's forever backs off and retries).
func (n *network) pollEvery(ctx context.Context, pass func(ctx context.Context) error) error {
	interval := n.src.Interval
	if interval <= 0 {
		interval = n.c.Env.Config.Crawler.Interval
	}
	for {
		if err := pass(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if retry.Sleep(ctx, interval) != nil {
			return nil
		}
	}
}
