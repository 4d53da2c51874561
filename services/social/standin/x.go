package standin

// X stand-in, written from the public X API v2 reference
// (docs.x.com/x-api/posts/search/introduction, "Search recent Posts"):
//   - GET /2/tweets/search/recent?query=&max_results=(10-100, default 10)
//     &since_id=&next_token=&tweet.fields=&expansions=author_id&user.fields=
//     -> {data: [Tweet], includes: {users: [User]}, meta: {newest_id,
//     oldest_id, result_count, next_token?}}; newest first; no data key
//     when nothing matches.
//   - Tweet: id, text, author_id, created_at, lang, conversation_id,
//     referenced_tweets [{type: replied_to|quoted|retweeted, id}],
//     public_metrics {retweet_count, reply_count, like_count, quote_count,
//     impression_count}; User: id, name, username, created_at, verified,
//     public_metrics {followers_count, following_count, tweet_count}.
//   - Bearer token (App-only); 401 {"title":"Unauthorized","type":
//     "about:blank","status":401,"detail":"Unauthorized"}; 429 "Too Many
//     Requests" with x-rate-limit-limit, x-rate-limit-remaining and
//     x-rate-limit-reset (Unix seconds); 400 "Invalid Request Parameters".

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// XUser is an account.
type XUser struct {
	ID, Name, Username           string
	Followers, Following, Tweets int
	CreatedAt                    time.Time
	Verified                     bool
}

// XTweet is a post.
type XTweet struct {
	AuthorID, Text, ReplyTo                       string
	Likes, Retweets, Replies, Quotes, Impressions int
	Retweet                                       bool
}

type storedTweet struct {
	XTweet
	id      string
	created time.Time
}

// X is the stand-in.
type X struct {
	limiter
	mu     sync.Mutex
	next   uint64
	users  map[string]XUser
	tweets []*storedTweet // id increasing
}

// NewX returns an empty stand-in.
func NewX() *X { return &X{next: 1_860_000_000_000_000_000, users: map[string]XUser{}} }

// AddUser registers an account.
func (x *X) AddUser(u XUser) {
	x.mu.Lock()
	x.users[u.ID] = u
	x.mu.Unlock()
}

// Post adds a tweet and returns its id.
func (x *X) Post(t XTweet) string {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.next += 4096
	st := &storedTweet{XTweet: t, id: strconv.FormatUint(x.next, 10), created: time.Now().UTC()}
	x.tweets = append(x.tweets, st)
	return st.id
}

// Handler serves /2/tweets/search/recent.
func (x *X) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2/tweets/search/recent", x.search)
	return mux
}

type xProblem struct {
	Title  string `json:"title"`
	Type   string `json:"type"`
	Status int    `json:"status,omitempty"`
	Detail string `json:"detail"`
}

func (x *X) search(w http.ResponseWriter, r *http.Request) {
	verdict, reset := x.check(r)
	w.Header().Set("x-rate-limit-limit", "450")
	switch verdict {
	case "token", "expired":
		writeJSON(w, http.StatusUnauthorized, xProblem{"Unauthorized", "about:blank", 401, "Unauthorized"})
		return
	case "limited":
		w.Header().Set("x-rate-limit-remaining", "0")
		w.Header().Set("x-rate-limit-reset", strconv.FormatInt(reset.Unix(), 10))
		writeJSON(w, http.StatusTooManyRequests, xProblem{"Too Many Requests", "about:blank", 429, "Too Many Requests"})
		return
	}
	w.Header().Set("x-rate-limit-remaining", "449")
	w.Header().Set("x-rate-limit-reset", strconv.FormatInt(time.Now().Add(15*time.Minute).Unix(), 10))
	q := r.URL.Query()
	invalid := func(detail string) {
		writeJSON(w, http.StatusBadRequest, xProblem{"Invalid Request Parameters", "https://api.twitter.com/2/problems/invalid-request", 0, detail})
	}
	query := q.Get("query")
	if strings.TrimSpace(query) == "" {
		invalid("One or more parameters to your request was invalid. The `query` parameter can not be empty")
		return
	}
	max := 10
	if m := q.Get("max_results"); m != "" {
		n, err := strconv.Atoi(m)
		if err != nil || n < 10 || n > 100 {
			invalid(fmt.Sprintf("The `max_results` query parameter value [%s] is not between 10 and 100", m))
			return
		}
		max = n
	}
	noRetweets := strings.Contains(query, "-is:retweet")
	query = strings.TrimSpace(strings.ReplaceAll(query, "-is:retweet", ""))
	phrase := strings.ToLower(strings.Trim(query, `"`))
	since := q.Get("since_id")
	offset := 0
	if t := q.Get("next_token"); t != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(t, "b26v89c19zqg8o3f"))
		if err != nil || !strings.HasPrefix(t, "b26v89c19zqg8o3f") {
			invalid("The `next_token` query parameter value is invalid")
			return
		}
		offset = n
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	var hits []*storedTweet
	for i := len(x.tweets) - 1; i >= 0; i-- { // newest first
		t := x.tweets[i]
		if (noRetweets && t.Retweet) || !strings.Contains(strings.ToLower(t.Text), phrase) || (since != "" && !idLess(since, t.id)) {
			continue
		}
		hits = append(hits, t)
	}
	meta := map[string]any{"result_count": 0}
	res := map[string]any{"meta": meta}
	page := hits[min(offset, len(hits)):]
	if len(page) > max {
		meta["next_token"] = "b26v89c19zqg8o3f" + strconv.Itoa(offset+max)
		page = page[:max]
	}
	if len(page) > 0 {
		var data []map[string]any
		users := map[string]bool{}
		var inc []map[string]any
		for _, t := range page {
			tw := map[string]any{
				"id": t.id, "text": t.Text, "author_id": t.AuthorID, "created_at": t.created.Format("2006-01-02T15:04:05.000Z"),
				"lang": "fr", "conversation_id": t.id, "edit_history_tweet_ids": []string{t.id},
				"public_metrics": map[string]int{"retweet_count": t.Retweets, "reply_count": t.Replies, "like_count": t.Likes, "quote_count": t.Quotes, "impression_count": t.Impressions, "bookmark_count": 0},
			}
			if t.ReplyTo != "" {
				tw["referenced_tweets"] = []map[string]string{{"type": "replied_to", "id": t.ReplyTo}}
				tw["conversation_id"] = t.ReplyTo
			}
			data = append(data, tw)
			if u, ok := x.users[t.AuthorID]; ok && !users[u.ID] {
				users[u.ID] = true
				inc = append(inc, map[string]any{"id": u.ID, "name": u.Name, "username": u.Username, "verified": u.Verified,
					"created_at":     u.CreatedAt.UTC().Format("2006-01-02T15:04:05.000Z"),
					"public_metrics": map[string]int{"followers_count": u.Followers, "following_count": u.Following, "tweet_count": u.Tweets, "listed_count": 0}})
			}
		}
		res["data"] = data
		res["includes"] = map[string]any{"users": inc}
		meta["result_count"] = len(page)
		meta["newest_id"] = page[0].id
		meta["oldest_id"] = page[len(page)-1].id
	}
	writeJSON(w, http.StatusOK, res)
}
