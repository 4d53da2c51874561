package standin

// Bluesky stand-in, written from the public references:
//   - Jetstream README (github.com/bluesky-social/jetstream): GET /subscribe
//     upgraded to a WebSocket; wantedCollections (repeatable) filters by
//     NSID; cursor is a Unix time in microseconds to replay from (absent or
//     in the future: live tail); one JSON text message per event,
//     {"did","time_us","kind":"commit","commit":{"rev","operation":
//     "create|update|delete","collection","rkey","record","cid"}}, and
//     kind "identity" / "account" events; deletions carry no record.
//   - Lexicon app.bsky.feed.searchPosts (q required, sort top|latest,
//     since/until, limit 1-100 default 25, cursor) -> {cursor?, hitsTotal?,
//     posts: [app.bsky.feed.defs#postView]}.
//   - Lexicon app.bsky.actor.getProfiles (actors: 1-25 handles or DIDs) ->
//     {profiles: [app.bsky.actor.defs#profileViewDetailed]}.
//   - XRPC HTTP spec (atproto.com/specs/xrpc): errors are
//     {"error": "Name", "message": "..."}; 400 InvalidRequest, 401
//     AuthenticationRequired, 429 RateLimitExceeded with the RateLimit-Limit,
//     RateLimit-Remaining, RateLimit-Reset (Unix seconds) and RateLimit-Policy
//     headers.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// BlueskyProfile is an account of the stand-in.
type BlueskyProfile struct {
	DID, Handle, DisplayName  string
	Followers, Follows, Posts int
	CreatedAt                 time.Time
}

// BlueskyPost is a post to publish on the firehose and index for search.
type BlueskyPost struct {
	DID, RKey, Text string
	CreatedAt       time.Time
	Langs           []string
	// ReplyParent and ReplyRoot are at:// URIs of the post answered.
	ReplyParent, ReplyRoot          string
	Likes, Reposts, Replies, Quotes int
}

// URI is the post's at:// URI.
func (p BlueskyPost) URI() string { return "at://" + p.DID + "/app.bsky.feed.post/" + p.RKey }

// Bluesky is a Jetstream + AppView stand-in.
type Bluesky struct {
	limiter
	changes
	mu       sync.Mutex
	events   [][]byte // encoded events, time_us increasing
	times    []int64
	lastUS   int64
	posts    map[string]*indexedPost // by URI
	profiles map[string]BlueskyProfile
}

type indexedPost struct {
	BlueskyPost
	indexedAt time.Time
}

// NewBluesky returns an empty stand-in.
func NewBluesky() *Bluesky {
	return &Bluesky{posts: map[string]*indexedPost{}, profiles: map[string]BlueskyProfile{}}
}

// AddProfile registers an account.
func (b *Bluesky) AddProfile(p BlueskyProfile) {
	b.mu.Lock()
	b.profiles[p.DID] = p
	b.mu.Unlock()
}

// Post publishes a create event and indexes the post; it returns the
// event's time_us.
func (b *Bluesky) Post(p BlueskyPost) int64 {
	if p.CreatedAt.IsZero() {
		p.CreatedAt = time.Now().UTC()
	}
	rec := map[string]any{"$type": "app.bsky.feed.post", "text": p.Text, "createdAt": p.CreatedAt.UTC().Format(time.RFC3339Nano)}
	if len(p.Langs) > 0 {
		rec["langs"] = p.Langs
	}
	if p.ReplyParent != "" {
		root := firstOf(p.ReplyRoot, p.ReplyParent)
		rec["reply"] = map[string]any{"root": map[string]string{"uri": root, "cid": "bafyroot"}, "parent": map[string]string{"uri": p.ReplyParent, "cid": "bafyparent"}}
	}
	b.mu.Lock()
	b.posts[p.URI()] = &indexedPost{BlueskyPost: p, indexedAt: time.Now().UTC()}
	b.mu.Unlock()
	return b.commit(p.DID, "create", p.RKey, rec)
}

// Delete publishes a delete event and drops the post from search.
func (b *Bluesky) Delete(did, rkey string) int64 {
	b.mu.Lock()
	delete(b.posts, "at://"+did+"/app.bsky.feed.post/"+rkey)
	b.mu.Unlock()
	return b.commit(did, "delete", rkey, nil)
}

// Events is how many events the firehose holds.
func (b *Bluesky) Events() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.events)
}

func (b *Bluesky) commit(did, op, rkey string, rec map[string]any) int64 {
	b.mu.Lock()
	us := max(time.Now().UnixMicro(), b.lastUS+1)
	b.lastUS = us
	c := map[string]any{"rev": fmt.Sprintf("3l%x", us), "operation": op, "collection": "app.bsky.feed.post", "rkey": rkey}
	if rec != nil {
		c["record"] = rec
		c["cid"] = fmt.Sprintf("bafy%x", us)
	}
	data, _ := json.Marshal(map[string]any{"did": did, "time_us": us, "kind": "commit", "commit": c})
	b.events = append(b.events, data)
	b.times = append(b.times, us)
	b.mu.Unlock()
	b.notify()
	return us
}

// Handler serves /subscribe and /xrpc/.
func (b *Bluesky) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /subscribe", b.subscribe)
	mux.HandleFunc("GET /xrpc/app.bsky.feed.searchPosts", b.xrpc(b.searchPosts))
	mux.HandleFunc("GET /xrpc/app.bsky.actor.getProfiles", b.xrpc(b.getProfiles))
	return mux
}

func (b *Bluesky) subscribe(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	wanted := q["wantedCollections"]
	next := -1 // index of the next event to send
	if c := q.Get("cursor"); c != "" {
		us, err := strconv.ParseInt(c, 10, 64)
		if err != nil {
			http.Error(w, "invalid cursor", http.StatusBadRequest)
			return
		}
		b.mu.Lock()
		next = sort.Search(len(b.times), func(i int) bool { return b.times[i] >= us })
		b.mu.Unlock()
	}
	conn, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer conn.CloseNow()
	ctx := conn.CloseRead(r.Context())
	if next < 0 {
		b.mu.Lock()
		next = len(b.events) // live tail
		b.mu.Unlock()
	}
	for {
		changed := b.wait()
		b.mu.Lock()
		batch := b.events[next:len(b.events):len(b.events)]
		b.mu.Unlock()
		for _, data := range batch {
			next++
			if len(wanted) > 0 && !wantedEvent(data, wanted) {
				continue
			}
			wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			err := conn.Write(wctx, websocket.MessageText, data)
			cancel()
			if err != nil {
				return
			}
		}
		if len(batch) > 0 {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-changed:
		}
	}
}

func wantedEvent(data []byte, wanted []string) bool {
	var ev struct {
		Commit *struct {
			Collection string `json:"collection"`
		} `json:"commit"`
	}
	if json.Unmarshal(data, &ev) != nil || ev.Commit == nil {
		return true // identity and account events are not filtered
	}
	for _, w := range wanted {
		if w == ev.Commit.Collection || (strings.HasSuffix(w, ".*") && strings.HasPrefix(ev.Commit.Collection, strings.TrimSuffix(w, "*"))) {
			return true
		}
	}
	return false
}

type xrpcError struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

// xrpc wraps a query with the token check and the rate limit.
func (b *Bluesky) xrpc(h func(w http.ResponseWriter, r *http.Request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		switch verdict, reset := b.check(r); verdict {
		case "token":
			writeJSON(w, http.StatusUnauthorized, xrpcError{"AuthenticationRequired", "Authentication Required"})
			return
		case "expired":
			writeJSON(w, http.StatusBadRequest, xrpcError{"ExpiredToken", "Token has expired"})
			return
		case "limited":
			h := w.Header()
			h.Set("RateLimit-Limit", "3000")
			h.Set("RateLimit-Remaining", "0")
			h.Set("RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
			h.Set("RateLimit-Policy", "3000;w=300")
			writeJSON(w, http.StatusTooManyRequests, xrpcError{"RateLimitExceeded", "Rate Limit Exceeded"})
			return
		}
		w.Header().Set("RateLimit-Limit", "3000")
		w.Header().Set("RateLimit-Remaining", "2999")
		h(w, r)
	}
}

func (b *Bluesky) searchPosts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	query := strings.TrimSpace(q.Get("q"))
	if query == "" {
		writeJSON(w, http.StatusBadRequest, xrpcError{"InvalidRequest", `Error: Params must have the property "q"`})
		return
	}
	limit := 25
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 100 {
			writeJSON(w, http.StatusBadRequest, xrpcError{"InvalidRequest", "Error: limit must be between 1 and 100"})
			return
		}
		limit = n
	}
	offset := 0
	if c := q.Get("cursor"); c != "" {
		n, err := strconv.Atoi(c)
		if err != nil || n < 0 {
			writeJSON(w, http.StatusBadRequest, xrpcError{"InvalidRequest", "Error: malformed cursor"})
			return
		}
		offset = n
	}
	var since time.Time
	if s := q.Get("since"); s != "" {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t, err = time.Parse("2006-01-02", s)
		}
		if err != nil {
			writeJSON(w, http.StatusBadRequest, xrpcError{"InvalidRequest", "Error: since must be a datetime"})
			return
		}
		since = t
	}
	words := strings.Fields(strings.ToLower(strings.ReplaceAll(query, `"`, " ")))
	b.mu.Lock()
	var hits []*indexedPost
	for _, p := range b.posts {
		text := strings.ToLower(p.Text)
		all := true
		for _, wd := range words {
			if !strings.Contains(text, wd) {
				all = false
				break
			}
		}
		if all && !p.indexedAt.Before(since) {
			hits = append(hits, p)
		}
	}
	// sort=latest (the default) and top both come newest first here.
	sort.Slice(hits, func(i, j int) bool {
		if !hits[i].indexedAt.Equal(hits[j].indexedAt) {
			return hits[i].indexedAt.After(hits[j].indexedAt)
		}
		return hits[i].URI() > hits[j].URI()
	})
	total := len(hits)
	var views []map[string]any
	for i := offset; i < len(hits) && i < offset+limit; i++ {
		views = append(views, b.postView(hits[i]))
	}
	b.mu.Unlock()
	res := map[string]any{"hitsTotal": total, "posts": orEmpty(views)}
	if offset+limit < total {
		res["cursor"] = strconv.Itoa(offset + limit)
	}
	writeJSON(w, http.StatusOK, res)
}

func (b *Bluesky) postView(p *indexedPost) map[string]any {
	prof := b.profiles[p.DID]
	rec := map[string]any{"$type": "app.bsky.feed.post", "text": p.Text, "createdAt": p.CreatedAt.UTC().Format(time.RFC3339Nano)}
	if len(p.Langs) > 0 {
		rec["langs"] = p.Langs
	}
	if p.ReplyParent != "" {
		rec["reply"] = map[string]any{"root": map[string]string{"uri": firstOf(p.ReplyRoot, p.ReplyParent), "cid": "bafyroot"}, "parent": map[string]string{"uri": p.ReplyParent, "cid": "bafyparent"}}
	}
	return map[string]any{
		"uri": p.URI(), "cid": "bafy" + p.RKey,
		"author":     map[string]any{"did": p.DID, "handle": firstOf(prof.Handle, "handle.invalid"), "displayName": prof.DisplayName},
		"record":     rec,
		"replyCount": p.Replies, "repostCount": p.Reposts, "likeCount": p.Likes, "quoteCount": p.Quotes,
		"indexedAt": p.indexedAt.Format("2006-01-02T15:04:05.000000Z"),
	}
}

func (b *Bluesky) getProfiles(w http.ResponseWriter, r *http.Request) {
	actors := r.URL.Query()["actors"]
	if len(actors) == 0 || len(actors) > 25 {
		writeJSON(w, http.StatusBadRequest, xrpcError{"InvalidRequest", "Error: actors must have between 1 and 25 items"})
		return
	}
	b.mu.Lock()
	var out []map[string]any
	for _, a := range actors {
		for _, p := range b.profiles {
			if p.DID != a && p.Handle != a {
				continue
			}
			out = append(out, map[string]any{
				"did": p.DID, "handle": p.Handle, "displayName": p.DisplayName,
				"followersCount": p.Followers, "followsCount": p.Follows, "postsCount": p.Posts,
				"createdAt": p.CreatedAt.UTC().Format(time.RFC3339Nano), "indexedAt": p.CreatedAt.UTC().Format(time.RFC3339Nano),
			})
			break
		}
	}
	b.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"profiles": orEmpty(out)})
}

func orEmpty(v []map[string]any) []map[string]any {
	if v == nil {
		return []map[string]any{}
	}
	return v
}

func firstOf(a ...string) string {
	for _, s := range a {
		if s != "" {
			return s
		}
	}
	return ""
}
