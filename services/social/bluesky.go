package social

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	// coder/websocket: a small, maintained WebSocket client (context-aware
	// reads, read limits, no dependencies); the standard library has none.
	"github.com/coder/websocket"

	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/platform/retry"
	"github.com/veille-oss/veille/pkg/platform/service"
)

// Bluesky defaults: the public Jetstream and the public AppView.
const (
	BlueskyJetstream = "wss://jetstream2.us-east.bsky.network/subscribe"
	BlueskyAppView   = "https://public.api.bsky.app"
	postCollection   = "app.bsky.feed.post"
	// cursorEvery: the firehose cursor is saved at least this often while
	// nothing matches, so a restart does not replay hours of posts.
	cursorEvery = 2 * time.Second
	// searchPages bounds one back-fill pass per query.
	searchPages = 10
)

// Bluesky reads `kind: bluesky` sources: the Jetstream firehose of posts,
// matched locally, and searchPosts for back-fill.
func Bluesky(ctx context.Context, env *service.Env) error {
	return runKind(ctx, env, mention.KindBluesky, func(ctx context.Context, n *network) error {
		b := &bluesky{network: n, profiles: map[string]profileEntry{}}
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		errs := make(chan error, 2)
		go func() { errs <- b.firehose(ctx) }()
		go func() { errs <- b.backfillLoop(ctx) }()
		err := <-errs
		cancel()
		<-errs
		return err
	})
}

type bluesky struct {
	*network
	mu       sync.Mutex
	profiles map[string]profileEntry
}

type profileEntry struct {
	author mention.Author
	at     time.Time
}

func (b *bluesky) jetstreamURL() string { return firstNonEmpty(b.src.URL, BlueskyJetstream) }
func (b *bluesky) appView() string {
	return strings.TrimRight(firstNonEmpty(b.src.APIURL, BlueskyAppView), "/")
}

// jetEvent is one Jetstream message (github.com/bluesky-social/jetstream README).
type jetEvent struct {
	DID    string `json:"did"`
	TimeUS int64  `json:"time_us"`
	Kind   string `json:"kind"` // commit, identity, account
	Commit *struct {
		Rev        string          `json:"rev"`
		Operation  string          `json:"operation"` // create, update, delete
		Collection string          `json:"collection"`
		RKey       string          `json:"rkey"`
		Record     json.RawMessage `json:"record"`
		CID        string          `json:"cid"`
	} `json:"commit"`
	Identity *struct {
		Handle string `json:"handle"`
	} `json:"identity"`
}

// postRecord is an app.bsky.feed.post record.
type postRecord struct {
	Text      string   `json:"text"`
	CreatedAt string   `json:"createdAt"`
	Langs     []string `json:"langs"`
	Reply     *struct {
		Root   strongRef `json:"root"`
		Parent strongRef `json:"parent"`
	} `json:"reply"`
}

type strongRef struct {
	URI string `json:"uri"`
	CID string `json:"cid"`
}

// firehose follows Jetstream from the saved cursor until ctx ends or the
// connection fails.
func (b *bluesky) firehose(ctx context.Context) error {
	saved := b.loadCursor(ctx, "jetstream")
	last, _ := strconv.ParseInt(saved, 10, 64)
	u, err := url.Parse(b.jetstreamURL())
	if err != nil {
		return fmt.Errorf("%w: %s: url: %w", ErrAPI, b.src.Name, err)
	}
	q := u.Query()
	q.Set("wantedCollections", postCollection)
	if last > 0 {
		// Jetstream replays from the cursor inclusive; events up to it
		// were handled, and are skipped below.
		q.Set("cursor", strconv.FormatInt(last, 10))
	}
	u.RawQuery = q.Encode()
	conn, _, err := websocket.Dial(ctx, u.String(), nil)
	if err != nil {
		return fmt.Errorf("%w: %s: jetstream %s: %w", ErrAPI, b.src.Name, redact(u.String()), err)
	}
	defer conn.CloseNow()
	conn.SetReadLimit(maxMessage)
	b.log.Info("jetstream connected", "resume_from_us", last)
	b.c.Report(ctx, b.src, 0, 0, 1, nil)
	savedAt := b.now()
	dirty := false
	defer func() {
		if dirty {
			// ctx may be done: save with a short context of its own.
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
			_ = b.saveCursor(sctx, "jetstream", strconv.FormatInt(last, 10))
			cancel()
		}
	}()
	for {
		_, data, err := conn.Read(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("%w: %s: jetstream read: %w", ErrAPI, b.src.Name, err)
		}
		var ev jetEvent
		if err := json.Unmarshal(data, &ev); err != nil {
			b.log.Warn("jetstream message skipped: not JSON", "err", err)
			continue
		}
		if ev.TimeUS <= last {
			continue // replayed: handled before the restart
		}
		n, err := b.event(ctx, &ev)
		if err != nil {
			return err
		}
		last = ev.TimeUS
		dirty = true
		if n > 0 || b.now().Sub(savedAt) >= cursorEvery {
			// After a publish the cursor moves at once: what is behind it
			// is acked by JetStream, so a restart neither loses nor repeats.
			if err := b.saveCursor(ctx, "jetstream", strconv.FormatInt(last, 10)); err != nil {
				return err
			}
			savedAt, dirty = b.now(), false
		}
		if n > 0 {
			b.c.Report(ctx, b.src, 1, n, 0, nil)
		}
	}
}

// event handles one Jetstream event; it returns the mentions published.
func (b *bluesky) event(ctx context.Context, ev *jetEvent) (int, error) {
	switch ev.Kind {
	case "identity":
		b.mu.Lock()
		delete(b.profiles, ev.DID) // the handle changed: resolve again
		b.mu.Unlock()
		return 0, nil
	case "commit":
	default:
		return 0, nil
	}
	c := ev.Commit
	if c == nil || c.Collection != postCollection || ev.DID == "" || c.RKey == "" {
		return 0, nil
	}
	uri := "at://" + ev.DID + "/" + postCollection + "/" + c.RKey
	switch c.Operation {
	case "delete":
		return b.deleted(ctx, uri)
	case "create", "update":
	default:
		return 0, nil
	}
	var rec postRecord
	if err := json.Unmarshal(c.Record, &rec); err != nil {
		b.log.Warn("post skipped: bad record", "uri", uri, "err", err)
		return 0, nil
	}
	p := b.post(uri, ev.DID, "", &rec)
	// Match before resolving the author: most of the firehose names no brand.
	if len(b.c.Matcher.Match(watchDoc(p))) == 0 {
		var seen postState
		if known, _ := b.c.GetJSON(ctx, b.postKey(uri), &seen); !known {
			return 0, nil
		}
	}
	p.Author = b.profile(ctx, ev.DID, "")
	return b.publish(ctx, p)
}

// post builds a Post from a record; handle may be empty.
func (b *bluesky) post(uri, did, handle string, rec *postRecord) Post {
	p := Post{
		Key: uri, URL: webURL(uri), Text: rec.Text,
		Author: mention.Author{URL: "https://bsky.app/profile/" + did},
	}
	if handle != "" {
		p.Author.Handle = "@" + handle
	}
	if t, err := time.Parse(time.RFC3339Nano, rec.CreatedAt); err == nil {
		p.Published = t.UTC()
	}
	if len(rec.Langs) > 0 {
		p.Lang = rec.Langs[0]
	}
	if rec.Reply != nil {
		p.ParentURL = webURL(rec.Reply.Parent.URI)
		p.ThreadURL = webURL(rec.Reply.Root.URI)
	}
	return p
}

// webURL turns at://did/app.bsky.feed.post/rkey into the post's bsky.app
// URL (by DID: handles change, DIDs do not); "" for anything else.
func webURL(uri string) string {
	rest, ok := strings.CutPrefix(uri, "at://")
	if !ok {
		return ""
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 3 || parts[1] != postCollection || parts[0] == "" || parts[2] == "" {
		return ""
	}
	return "https://bsky.app/profile/" + parts[0] + "/post/" + parts[2]
}

// profileView is app.bsky.actor.defs#profileViewDetailed (the fields used).
type profileView struct {
	DID            string `json:"did"`
	Handle         string `json:"handle"`
	DisplayName    string `json:"displayName"`
	FollowersCount int    `json:"followersCount"`
	FollowsCount   int    `json:"followsCount"`
	PostsCount     int    `json:"postsCount"`
	CreatedAt      string `json:"createdAt"`
	Verification   *struct {
		VerifiedStatus string `json:"verifiedStatus"`
	} `json:"verification"`
}

const profileTTL = time.Hour

// profile resolves a DID to the author's name and public metrics
// (app.bsky.actor.getProfiles), cached for an hour. A failed lookup still
// gives the profile URL, and the handle when known.
func (b *bluesky) profile(ctx context.Context, did, handle string) mention.Author {
	b.mu.Lock()
	e, ok := b.profiles[did]
	b.mu.Unlock()
	if ok && b.now().Sub(e.at) < profileTTL {
		return e.author
	}
	got, err := b.profilesOf(ctx, []string{did})
	if err != nil {
		b.log.Warn("profile not resolved", "did", did, "err", err)
		a := mention.Author{URL: "https://bsky.app/profile/" + did}
		if handle != "" {
			a.Handle = "@" + handle
		}
		return a
	}
	return got[did]
}

// profilesOf looks up to 25 actors per call, as getProfiles allows.
func (b *bluesky) profilesOf(ctx context.Context, dids []string) (map[string]mention.Author, error) {
	out := map[string]mention.Author{}
	for len(dids) > 0 {
		batch := dids[:min(25, len(dids))]
		dids = dids[len(batch):]
		q := url.Values{}
		for _, d := range batch {
			q.Add("actors", d)
		}
		var res struct {
			Profiles []profileView `json:"profiles"`
		}
		if _, err := b.call(ctx, request{url: b.appView() + "/xrpc/app.bsky.actor.getProfiles?" + q.Encode()}, &res); err != nil {
			return out, err
		}
		now := b.now()
		b.mu.Lock()
		if len(b.profiles) > 50_000 {
			clear(b.profiles) // bounded: an hour of authors is far less
		}
		for _, p := range res.Profiles {
			a := authorOf(p)
			out[p.DID] = a
			b.profiles[p.DID] = profileEntry{author: a, at: now}
		}
		b.mu.Unlock()
	}
	return out, nil
}

func authorOf(p profileView) mention.Author {
	a := mention.Author{
		Name: firstNonEmpty(strings.TrimSpace(p.DisplayName), p.Handle), URL: "https://bsky.app/profile/" + p.DID,
		Followers: max(p.FollowersCount, 0), Following: max(p.FollowsCount, 0), PostCount: max(p.PostsCount, 0),
		Verified: p.Verification != nil && p.Verification.VerifiedStatus == "valid",
	}
	if p.Handle != "" {
		a.Handle = "@" + p.Handle
	}
	if t, err := time.Parse(time.RFC3339Nano, p.CreatedAt); err == nil {
		a.JoinedAt = t.UTC().Format(time.RFC3339)
	}
	return a
}

// postView is app.bsky.feed.defs#postView (the fields used).
type postView struct {
	URI    string `json:"uri"`
	CID    string `json:"cid"`
	Author struct {
		DID         string `json:"did"`
		Handle      string `json:"handle"`
		DisplayName string `json:"displayName"`
	} `json:"author"`
	Record      postRecord `json:"record"`
	ReplyCount  int        `json:"replyCount"`
	RepostCount int        `json:"repostCount"`
	LikeCount   int        `json:"likeCount"`
	QuoteCount  int        `json:"quoteCount"`
	IndexedAt   string     `json:"indexedAt"`
}

func (b *bluesky) backfillLoop(ctx context.Context) error {
	interval := b.src.Interval
	if interval <= 0 {
		interval = b.c.Env.Config.Crawler.Interval
	}
	for {
		if err := b.backfill(ctx); err != nil {
			if errors.Is(err, ErrToken) || errors.Is(err, ErrForbidden) {
				// searchPosts may need a token on some AppViews: the
				// firehose goes on, the source health says why.
				b.c.Report(ctx, b.src, 0, 0, 0, err)
				b.log.Warn("back-fill stopped", "err", err)
			} else if ctx.Err() == nil {
				return err
			}
		}
		if retry.Sleep(ctx, interval) != nil {
			return nil
		}
	}
}

// backfill runs searchPosts (sort=latest) for each search term since the
// newest post the previous pass saw, page by page.
func (b *bluesky) backfill(ctx context.Context) error {
	for _, term := range b.searchTerms() {
		name := "search:" + term
		since := b.loadCursor(ctx, name)
		newest := since
		cur := ""
		total := 0
	pages:
		for page := 0; page < searchPages; page++ {
			q := url.Values{"q": {term}, "sort": {"latest"}, "limit": {"100"}}
			if since != "" {
				q.Set("since", since)
			}
			if cur != "" {
				q.Set("cursor", cur)
			}
			var res struct {
				Cursor string     `json:"cursor"`
				Posts  []postView `json:"posts"`
			}
			if _, err := b.call(ctx, request{url: b.appView() + "/xrpc/app.bsky.feed.searchPosts?" + q.Encode()}, &res); err != nil {
				return err
			}
			var dids []string
			for _, pv := range res.Posts {
				dids = append(dids, pv.Author.DID)
			}
			authors, err := b.profilesOf(ctx, dids)
			if err != nil {
				b.log.Warn("profiles not resolved", "err", err)
			}
			for _, pv := range res.Posts {
				if since != "" && pv.IndexedAt != "" && pv.IndexedAt < since {
					break pages
				}
				p := b.post(pv.URI, pv.Author.DID, pv.Author.Handle, &pv.Record)
				if p.URL == "" {
					continue
				}
				p.Author = authors[pv.Author.DID]
				if p.Author.URL == "" {
					p.Author = mention.Author{Name: firstNonEmpty(pv.Author.DisplayName, pv.Author.Handle), URL: "https://bsky.app/profile/" + pv.Author.DID, Handle: "@" + pv.Author.Handle}
				}
				p.Likes, p.Replies, p.Reposts, p.Quotes = pv.LikeCount, pv.ReplyCount, pv.RepostCount, pv.QuoteCount
				n, err := b.publish(ctx, p)
				if err != nil {
					return err
				}
				total += n
				if pv.IndexedAt > newest {
					newest = pv.IndexedAt
				}
			}
			if res.Cursor == "" || len(res.Posts) == 0 {
				break
			}
			cur = res.Cursor
		}
		if newest != since {
			if err := b.saveCursor(ctx, name, newest); err != nil {
				return err
			}
		}
		b.c.Report(ctx, b.src, 0, total, 1, nil)
	}
	return nil
}
