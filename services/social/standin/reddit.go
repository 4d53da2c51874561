package standin

// Reddit stand-in, written from Reddit's public API documentation
// (reddit.com/dev/api, github.com/reddit-archive/reddit/wiki/OAuth2):
//   - POST /api/v1/access_token, HTTP Basic client_id:secret,
//     grant_type=client_credentials -> {"access_token", "token_type":
//     "bearer", "expires_in": 86400, "scope": "*"}; 401 for a bad client.
//   - GET /r/{sub}/new, /r/{sub}/comments, /search?q=&sort=new&type=link,
//     /user/{name}/about with "Authorization: bearer <token>": Listings
//     {"kind": "Listing", "data": {"after", "before", "children": [{"kind":
//     "t3"|"t1", "data": {...}}]}}, newest first, limit (max 100), after =
//     the fullname (t3_xxx) to page from; deleted things keep their place
//     with author "[deleted]" and body "[deleted]" / "[removed]".
//   - Rate limits: X-Ratelimit-Used, X-Ratelimit-Remaining,
//     X-Ratelimit-Reset (seconds to the end of the window); 429 and 401
//     bodies {"message": "...", "error": 429|401}.

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// RedditThing is a post (Comment false) or a comment.
type RedditThing struct {
	Subreddit, Author, Title, Text string
	Comment                        bool
	LinkID                         string // comments: the post's id (without t3_)
	ParentID                       string // comments: t3_ or t1_ fullname
	Score, NumComments             int
	Created                        time.Time
}

// RedditUser is an account's public about data.
type RedditUser struct {
	Name                    string
	LinkKarma, CommentKarma int
	Created                 time.Time
}

type storedThing struct {
	RedditThing
	id string
}

// Reddit is the stand-in.
type Reddit struct {
	limiter
	mu       sync.Mutex
	clientID string
	secret   string
	tokens   map[string]bool
	logins   int
	next     int
	things   []*storedThing // oldest first
	users    map[string]RedditUser
}

// NewReddit returns a stand-in accepting the OAuth app clientID:secret.
func NewReddit(clientID, secret string) *Reddit {
	return &Reddit{clientID: clientID, secret: secret, tokens: map[string]bool{}, users: map[string]RedditUser{}, next: 1000}
}

// AddUser registers an account.
func (rd *Reddit) AddUser(u RedditUser) { rd.mu.Lock(); rd.users[u.Name] = u; rd.mu.Unlock() }

// Add adds a post or comment and returns its id (base 36).
func (rd *Reddit) Add(t RedditThing) string {
	rd.mu.Lock()
	defer rd.mu.Unlock()
	rd.next++
	if t.Created.IsZero() {
		t.Created = time.Now().UTC()
	}
	st := &storedThing{RedditThing: t, id: strconv.FormatInt(int64(rd.next), 36)}
	rd.things = append(rd.things, st)
	return st.id
}

// Delete marks a thing deleted by its author.
func (rd *Reddit) Delete(id string) {
	rd.mu.Lock()
	for _, t := range rd.things {
		if t.id == id {
			t.Author, t.Text = "[deleted]", "[deleted]"
		}
	}
	rd.mu.Unlock()
}

// ExpireTokens revokes every access token issued so far.
func (rd *Reddit) ExpireTokens() { rd.mu.Lock(); clear(rd.tokens); rd.mu.Unlock() }

// Logins is how many tokens were issued.
func (rd *Reddit) Logins() int { rd.mu.Lock(); defer rd.mu.Unlock(); return rd.logins }

// Handler serves the token endpoint and the API.
func (rd *Reddit) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/access_token", rd.accessToken)
	mux.HandleFunc("GET /r/{sub}/new", rd.api(func(w http.ResponseWriter, r *http.Request) { rd.list(w, r, r.PathValue("sub"), "t3", "") }))
	mux.HandleFunc("GET /r/{sub}/comments", rd.api(func(w http.ResponseWriter, r *http.Request) { rd.list(w, r, r.PathValue("sub"), "t1", "") }))
	mux.HandleFunc("GET /search", rd.api(func(w http.ResponseWriter, r *http.Request) { rd.list(w, r, "", "t3", r.URL.Query().Get("q")) }))
	mux.HandleFunc("GET /user/{name}/about", rd.api(rd.about))
	return mux
}

func (rd *Reddit) accessToken(w http.ResponseWriter, r *http.Request) {
	raw, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Basic ")
	dec, _ := base64.StdEncoding.DecodeString(raw)
	id, secret, _ := strings.Cut(string(dec), ":")
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "client_credentials" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type"})
		return
	}
	if id != rd.clientID || secret != rd.secret {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"message": "Unauthorized", "error": 401})
		return
	}
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	tok := "rd-" + hex.EncodeToString(b)
	rd.mu.Lock()
	rd.tokens[tok] = true
	rd.logins++
	rd.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "bearer", "expires_in": 86400, "scope": "*"})
}

func (rd *Reddit) api(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if tok == r.Header.Get("Authorization") {
			tok, _ = strings.CutPrefix(r.Header.Get("Authorization"), "bearer ")
		}
		rd.mu.Lock()
		ok := rd.tokens[tok]
		rd.mu.Unlock()
		if !ok {
			writeJSON(w, http.StatusUnauthorized, map[string]any{"message": "Unauthorized", "error": 401})
			return
		}
		verdict, reset := rd.check(r)
		if verdict == "limited" {
			w.Header().Set("X-Ratelimit-Used", "600")
			w.Header().Set("X-Ratelimit-Remaining", "0.0")
			w.Header().Set("X-Ratelimit-Reset", strconv.Itoa(int(time.Until(reset).Seconds()+0.999)))
			writeJSON(w, http.StatusTooManyRequests, map[string]any{"message": "Too Many Requests", "error": 429})
			return
		}
		w.Header().Set("X-Ratelimit-Used", "1")
		w.Header().Set("X-Ratelimit-Remaining", "599.0")
		w.Header().Set("X-Ratelimit-Reset", "300")
		h(w, r)
	}
}

func (rd *Reddit) list(w http.ResponseWriter, r *http.Request, sub, kind, q string) {
	limit := 25
	if l := r.URL.Query().Get("limit"); l != "" {
		if n, err := strconv.Atoi(l); err == nil && n > 0 {
			limit = min(n, 100)
		}
	}
	after := r.URL.Query().Get("after")
	rd.mu.Lock()
	defer rd.mu.Unlock()
	var hits []*storedThing
	for i := len(rd.things) - 1; i >= 0; i-- {
		t := rd.things[i]
		if (kind == "t1") != t.Comment || (sub != "" && !strings.EqualFold(sub, t.Subreddit)) {
			continue
		}
		if q != "" && !strings.Contains(strings.ToLower(t.Title+" "+t.Text), strings.ToLower(strings.Trim(q, `"`))) {
			continue
		}
		hits = append(hits, t)
	}
	start := 0
	if after != "" {
		for i, t := range hits {
			if kind+"_"+t.id == after {
				start = i + 1
			}
		}
	}
	end := min(start+limit, len(hits))
	var children []map[string]any
	for _, t := range hits[min(start, len(hits)):end] {
		children = append(children, map[string]any{"kind": kind, "data": rd.data(kind, t)})
	}
	var next any
	if end < len(hits) {
		next = kind + "_" + hits[end-1].id
	}
	writeJSON(w, http.StatusOK, map[string]any{"kind": "Listing", "data": map[string]any{"after": next, "before": nil, "dist": len(children), "children": orEmpty(children)}})
}

// data renders a thing; rd.mu is held.
func (rd *Reddit) data(kind string, t *storedThing) map[string]any {
	d := map[string]any{"id": t.id, "name": kind + "_" + t.id, "author": t.Author, "subreddit": t.Subreddit,
		"score": t.Score, "ups": t.Score, "created_utc": float64(t.Created.Unix()), "created": float64(t.Created.Unix())}
	if kind == "t3" {
		slug := strings.ToLower(strings.Join(strings.Fields(t.Title), "_"))
		d["title"], d["selftext"], d["num_comments"] = t.Title, t.Text, t.NumComments
		d["permalink"] = fmt.Sprintf("/r/%s/comments/%s/%s/", t.Subreddit, t.id, slug)
		d["removed_by_category"] = nil
		return d
	}
	var link *storedThing
	for _, l := range rd.things {
		if l.id == t.LinkID {
			link = l
		}
	}
	lp, lt := "", ""
	if link != nil {
		lt = link.Title
		lp = fmt.Sprintf("https://www.reddit.com/r/%s/comments/%s/%s/", link.Subreddit, link.id, strings.ToLower(strings.Join(strings.Fields(link.Title), "_")))
	}
	d["body"], d["link_id"], d["parent_id"], d["link_title"], d["link_permalink"] = t.Text, "t3_"+t.LinkID, firstOf(t.ParentID, "t3_"+t.LinkID), lt, lp
	d["permalink"] = strings.TrimPrefix(lp, "https://www.reddit.com") + t.id + "/"
	return d
}

func (rd *Reddit) about(w http.ResponseWriter, r *http.Request) {
	rd.mu.Lock()
	u, ok := rd.users[r.PathValue("name")]
	rd.mu.Unlock()
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]any{"message": "Not Found", "error": 404})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"kind": "t2", "data": map[string]any{"name": u.Name, "link_karma": u.LinkKarma,
		"comment_karma": u.CommentKarma, "total_karma": u.LinkKarma + u.CommentKarma, "created_utc": float64(u.Created.Unix()), "verified": true}})
}
