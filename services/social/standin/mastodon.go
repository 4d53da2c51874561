package standin

// Mastodon stand-in, written from the public API reference
// (docs.joinmastodon.org):
//   - methods/streaming: GET /api/v1/streaming/public and
//     /api/v1/streaming/hashtag?tag= as server-sent events: "event: update"
//     with a Status as data, "event: status.update" (an edit),
//     "event: delete" with the status id as data, ":thump" heartbeats.
//   - methods/timelines: GET /api/v1/timelines/public and
//     /api/v1/timelines/tag/:hashtag with limit (default 20, max 40),
//     max_id, since_id, min_id; newest first; pagination in the Link header
//     (rel="next" with max_id, rel="prev" with min_id).
//   - methods/search: GET /api/v2/search?q=&type=statuses&limit=&offset=
//     &min_id= -> {accounts, statuses, hashtags}; searching statuses needs a
//     user token (401 without).
//   - entities/Status and entities/Account (ids are strings of 64-bit
//     snowflakes), api/rate-limits (X-RateLimit-Limit, -Remaining, -Reset as
//     an ISO 8601 time; 429 {"error": "Too many requests"}), and
//     401 {"error": "The access token is invalid"}.

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// MastodonAccount is an account of the stand-in instance.
type MastodonAccount struct {
	ID, Username, DisplayName   string
	Followers, Following, Posts int
	CreatedAt                   time.Time
}

// MastodonStatus is a status to post.
type MastodonStatus struct {
	Account                      string // account id
	Text                         string
	Tags                         []string
	Language                     string
	InReplyToID                  string
	Favourites, Reblogs, Replies int
}

type storedStatus struct {
	MastodonStatus
	id      string
	created time.Time
	edited  time.Time
	deleted bool
}

type sseEvent struct {
	event, data string
	tags        []string // for hashtag streams; nil for delete (sent to all)
}

// Mastodon is one instance.
type Mastodon struct {
	limiter
	changes
	mu       sync.Mutex
	base     string // public URL of the instance, for status URLs
	next     uint64
	accounts map[string]MastodonAccount
	statuses []*storedStatus // id increasing
	events   []sseEvent
	// SearchNeedsToken: /api/v2/search refuses statuses without a token.
	searchToken string
}

// NewMastodon returns an empty instance whose statuses live under base
// (e.g. the server's URL).
func NewMastodon(base string) *Mastodon {
	return &Mastodon{base: strings.TrimRight(base, "/"), next: 113_000_000_000_000_000, accounts: map[string]MastodonAccount{}}
}

// SetBase sets the public URL (when it is known after the server starts).
func (m *Mastodon) SetBase(base string) {
	m.mu.Lock()
	m.base = strings.TrimRight(base, "/")
	m.mu.Unlock()
}

// AddAccount registers an account.
func (m *Mastodon) AddAccount(a MastodonAccount) {
	m.mu.Lock()
	m.accounts[a.ID] = a
	m.mu.Unlock()
}

// Post publishes a status and returns its id.
func (m *Mastodon) Post(s MastodonStatus) string {
	m.mu.Lock()
	m.next += 1 + uint64(len(m.statuses)%3)
	st := &storedStatus{MastodonStatus: s, id: strconv.FormatUint(m.next, 10), created: time.Now().UTC()}
	m.statuses = append(m.statuses, st)
	m.events = append(m.events, sseEvent{event: "update", data: m.jsonStatus(st), tags: lower(s.Tags)})
	m.mu.Unlock()
	m.notify()
	return st.id
}

// Edit changes a status's text (status.update event).
func (m *Mastodon) Edit(id, text string) {
	m.mu.Lock()
	for _, st := range m.statuses {
		if st.id == id {
			st.Text, st.edited = text, time.Now().UTC()
			m.events = append(m.events, sseEvent{event: "status.update", data: m.jsonStatus(st), tags: lower(st.Tags)})
		}
	}
	m.mu.Unlock()
	m.notify()
}

// Delete removes a status (delete event).
func (m *Mastodon) Delete(id string) {
	m.mu.Lock()
	for _, st := range m.statuses {
		if st.id == id {
			st.deleted = true
		}
	}
	m.events = append(m.events, sseEvent{event: "delete", data: id})
	m.mu.Unlock()
	m.notify()
}

// Handler serves the streaming, timelines and search endpoints.
func (m *Mastodon) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/streaming/public", m.guard(func(w http.ResponseWriter, r *http.Request) { m.stream(w, r, "") }))
	mux.HandleFunc("GET /api/v1/streaming/hashtag", m.guard(func(w http.ResponseWriter, r *http.Request) {
		tag := strings.ToLower(r.URL.Query().Get("tag"))
		if tag == "" {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "Missing parameter: tag"})
			return
		}
		m.stream(w, r, tag)
	}))
	mux.HandleFunc("GET /api/v1/timelines/public", m.guard(func(w http.ResponseWriter, r *http.Request) { m.timeline(w, r, "") }))
	mux.HandleFunc("GET /api/v1/timelines/tag/{hashtag}", m.guard(func(w http.ResponseWriter, r *http.Request) {
		m.timeline(w, r, strings.ToLower(r.PathValue("hashtag")))
	}))
	mux.HandleFunc("GET /api/v2/search", m.guard(m.search))
	return mux
}

func (m *Mastodon) guard(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		verdict, reset := m.check(r)
		w.Header().Set("X-RateLimit-Limit", "300")
		switch verdict {
		case "token":
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "The access token is invalid"})
			return
		case "expired":
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "The access token was revoked"})
			return
		case "limited":
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset", reset.UTC().Format("2006-01-02T15:04:05.000Z"))
			writeJSON(w, http.StatusTooManyRequests, map[string]string{"error": "Too many requests"})
			return
		}
		w.Header().Set("X-RateLimit-Remaining", "299")
		w.Header().Set("X-RateLimit-Reset", time.Now().Add(5*time.Minute).UTC().Format("2006-01-02T15:04:05.000Z"))
		h(w, r)
	}
}

func (m *Mastodon) stream(w http.ResponseWriter, r *http.Request, tag string) {
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, ":)\n")
	fl.Flush()
	m.mu.Lock()
	next := len(m.events) // streams are live only: no replay
	m.mu.Unlock()
	heartbeat := time.NewTicker(15 * time.Second)
	defer heartbeat.Stop()
	for {
		changed := m.wait()
		m.mu.Lock()
		batch := m.events[next:len(m.events):len(m.events)]
		m.mu.Unlock()
		for _, ev := range batch {
			next++
			if tag != "" && ev.tags != nil && !contains(ev.tags, tag) {
				continue
			}
			if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", ev.event, ev.data); err != nil {
				return
			}
		}
		fl.Flush()
		if len(batch) > 0 {
			continue
		}
		select {
		case <-r.Context().Done():
			return
		case <-heartbeat.C:
			if _, err := fmt.Fprint(w, ":thump\n"); err != nil {
				return
			}
			fl.Flush()
		case <-changed:
		}
	}
}

// page selects statuses by max_id / since_id / min_id like Mastodon.
func page(sts []*storedStatus, q url.Values) ([]*storedStatus, int, error) {
	limit := 20
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 {
			return nil, 0, fmt.Errorf("limit must be a positive number")
		}
		limit = min(n, 40)
	}
	maxID, sinceID, minID := q.Get("max_id"), q.Get("since_id"), q.Get("min_id")
	var in []*storedStatus
	for _, st := range sts {
		if st.deleted || (maxID != "" && !idLess(st.id, maxID)) || (sinceID != "" && !idLess(sinceID, st.id)) || (minID != "" && !idLess(minID, st.id)) {
			continue
		}
		in = append(in, st)
	}
	// sts is oldest first; min_id takes the statuses just after it, the
	// others the newest; both are returned newest first.
	if minID != "" && len(in) > limit {
		in = in[:limit]
	} else if len(in) > limit {
		in = in[len(in)-limit:]
	}
	out := make([]*storedStatus, len(in))
	for i, st := range in {
		out[len(in)-1-i] = st
	}
	return out, limit, nil
}

func (m *Mastodon) timeline(w http.ResponseWriter, r *http.Request, tag string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var sts []*storedStatus
	for _, st := range m.statuses {
		if tag == "" || contains(lower(st.Tags), tag) {
			sts = append(sts, st)
		}
	}
	out, _, err := page(sts, r.URL.Query())
	if err != nil {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"error": err.Error()})
		return
	}
	if len(out) > 0 {
		self := m.base + r.URL.Path
		w.Header().Set("Link", fmt.Sprintf(`<%s?max_id=%s>; rel="next", <%s?min_id=%s>; rel="prev"`, self, out[len(out)-1].id, self, out[0].id))
	}
	body := make([]string, len(out))
	for i, st := range out {
		body[i] = m.jsonStatus(st)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	fmt.Fprint(w, "["+strings.Join(body, ",")+"]")
}

func (m *Mastodon) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if strings.TrimSpace(q.Get("q")) == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "Validation failed: q is missing"})
		return
	}
	if r.Header.Get("Authorization") == "" && (q.Get("type") == "statuses" || q.Get("offset") != "") {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "The access token is invalid"})
		return
	}
	offset, _ := strconv.Atoi(q.Get("offset"))
	words := strings.Fields(strings.ToLower(q.Get("q")))
	m.mu.Lock()
	defer m.mu.Unlock()
	var hits []*storedStatus
	for _, st := range m.statuses {
		text := strings.ToLower(st.Text)
		all := true
		for _, wd := range words {
			if !strings.Contains(text, strings.Trim(wd, `"`)) {
				all = false
			}
		}
		if all {
			hits = append(hits, st)
		}
	}
	limit := 20
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 {
			writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"error": "limit must be a positive number"})
			return
		}
		limit = min(n, 40)
	}
	var found []*storedStatus
	for _, st := range hits {
		if !st.deleted && (q.Get("min_id") == "" || idLess(q.Get("min_id"), st.id)) {
			found = append(found, st)
		}
	}
	sort.SliceStable(found, func(i, j int) bool { return idLess(found[j].id, found[i].id) })
	found = found[min(offset, len(found)):]
	found = found[:min(limit, len(found))]
	body := make([]string, len(found))
	for i, st := range found {
		body[i] = m.jsonStatus(st)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	fmt.Fprint(w, `{"accounts":[],"hashtags":[],"statuses":[`+strings.Join(body, ",")+`]}`)
}

// jsonStatus renders a Status entity; m.mu is held.
func (m *Mastodon) jsonStatus(st *storedStatus) string {
	a := m.accounts[st.Account]
	host := strings.TrimPrefix(strings.TrimPrefix(m.base, "https://"), "http://")
	acct := map[string]any{
		"id": a.ID, "username": a.Username, "acct": a.Username, "display_name": a.DisplayName,
		"url": m.base + "/@" + a.Username, "followers_count": a.Followers, "following_count": a.Following,
		"statuses_count": a.Posts, "created_at": a.CreatedAt.UTC().Format("2006-01-02T00:00:00.000Z"), "bot": false,
		"locked": false, "note": "", "avatar": m.base + "/avatars/original/missing.png",
	}
	var tags []map[string]string
	content := "<p>" + html.EscapeString(st.Text) + "</p>"
	for _, t := range st.Tags {
		tags = append(tags, map[string]string{"name": strings.ToLower(t), "url": m.base + "/tags/" + strings.ToLower(t)})
	}
	var edited any
	if !st.edited.IsZero() {
		edited = st.edited.Format("2006-01-02T15:04:05.000Z")
	}
	var reply any
	if st.InReplyToID != "" {
		reply = st.InReplyToID
	}
	s := map[string]any{
		"id": st.id, "uri": m.base + "/users/" + a.Username + "/statuses/" + st.id, "url": m.base + "/@" + a.Username + "/" + st.id,
		"created_at": st.created.Format("2006-01-02T15:04:05.000Z"), "edited_at": edited, "content": content,
		"spoiler_text": "", "visibility": "public", "sensitive": false, "language": firstOf(st.Language, "fr"),
		"in_reply_to_id": reply, "in_reply_to_account_id": nil, "replies_count": st.Replies, "reblogs_count": st.Reblogs,
		"favourites_count": st.Favourites, "reblog": nil, "account": acct, "media_attachments": []any{},
		"mentions": []any{}, "tags": orEmptyS(tags), "emojis": []any{}, "card": nil, "poll": nil,
		"application": map[string]any{"name": "Web", "website": nil}, "_host": host,
	}
	delete(s, "_host")
	return mustJSON(s)
}

func orEmptyS(v []map[string]string) []map[string]string {
	if v == nil {
		return []map[string]string{}
	}
	return v
}

// idLess compares snowflake id strings numerically.
func idLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

func lower(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.ToLower(s)
	}
	return out
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
