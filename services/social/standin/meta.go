package standin

// Facebook Pages / Instagram Graph API stand-in, written from the public
// Graph API reference (developers.facebook.com/docs/graph-api):
//   - GET /{page-id}?fields=name,link,followers_count,fan_count;
//     GET /{page-id}/posts?fields=...reactions.summary(total_count),
//     comments.summary(total_count),shares,permalink_url&limit= and
//     GET /{post-id}/comments?filter=stream&order=reverse_chronological
//     &fields=id,message,created_time,from{id,name},like_count,
//     comment_count,parent{id},permalink_url: collections {"data": [...],
//     "paging": {"cursors": {"before", "after"}, "next"?}}; times as
//     "2026-03-14T10:00:00+0000".
//   - Instagram Graph API: GET /{ig-user-id}?fields=username,name,
//     followers_count,follows_count,media_count; /{ig-user-id}/media
//     (caption, timestamp, permalink, like_count, comments_count);
//     /{ig-media-id}/comments (text, timestamp, username, like_count).
//   - Access token as "Authorization: Bearer" or access_token=; an expired
//     one: HTTP 400 {"error": {"message": "Error validating access token:
//     Session has expired ...", "type": "OAuthException", "code": 190,
//     "error_subcode": 463}}.

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// GraphPage is a Facebook Page or an Instagram professional account.
type GraphPage struct {
	ID, Name, Username string
	Followers, Follows int
	Instagram          bool
}

// GraphPost is a page post or an Instagram media.
type GraphPost struct {
	Page, Text        string
	Reactions, Shares int
	Created           time.Time
}

// GraphComment is a comment on a post (Parent: the comment it answers).
type GraphComment struct {
	Post, Parent, FromID, FromName, Text string
	Likes                                int
	Created                              time.Time
}

type gPost struct {
	GraphPost
	id string
}

type gComment struct {
	GraphComment
	id string
}

// Graph is the stand-in.
type Graph struct {
	limiter
	mu       sync.Mutex
	next     int
	pages    map[string]GraphPage
	posts    []*gPost
	comments []*gComment
}

// NewGraph returns an empty stand-in.
func NewGraph() *Graph { return &Graph{pages: map[string]GraphPage{}, next: 5000} }

// AddPage registers a page or Instagram account.
func (g *Graph) AddPage(p GraphPage) { g.mu.Lock(); g.pages[p.ID] = p; g.mu.Unlock() }

// Post adds a post or media and returns its id.
func (g *Graph) Post(p GraphPost) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.next++
	id := fmt.Sprintf("%s_%d", p.Page, g.next)
	if g.pages[p.Page].Instagram {
		id = fmt.Sprintf("1789%d", g.next)
	}
	g.posts = append(g.posts, &gPost{GraphPost: p, id: id})
	return id
}

// Comment adds a comment and returns its id.
func (g *Graph) Comment(c GraphComment) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.next++
	id := fmt.Sprintf("%s_%d", strings.SplitN(c.Post, "_", 2)[len(strings.SplitN(c.Post, "_", 2))-1], g.next)
	g.comments = append(g.comments, &gComment{GraphComment: c, id: id})
	return id
}

// Handler serves the Graph API paths (under any version prefix).
func (g *Graph) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			http.Error(w, "method", http.StatusMethodNotAllowed)
			return
		}
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		if tok == "" {
			tok = r.URL.Query().Get("access_token")
		}
		r.Header.Set("Authorization", "Bearer "+tok)
		switch verdict, _ := g.check(r); verdict {
		case "token", "expired":
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{
				"message": "Error validating access token: Session has expired on Friday, 13-Mar-26 10:00:00 PDT.",
				"type":    "OAuthException", "code": 190, "error_subcode": 463, "fbtrace_id": "AbCdEf"}})
			return
		case "limited":
			w.Header().Set("X-Business-Use-Case-Usage", `{"0":[{"type":"pages","call_count":100,"total_cputime":12,"total_time":14,"estimated_time_to_regain_access":0}]}`)
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{
				"message": "(#4) Application request limit reached", "type": "OAuthException", "is_transient": true, "code": 4, "fbtrace_id": "AbCdEf"}})
			return
		}
		parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
		if len(parts) > 0 && strings.HasPrefix(parts[0], "v") && strings.Contains(parts[0], ".") {
			parts = parts[1:]
		}
		g.mu.Lock()
		defer g.mu.Unlock()
		switch {
		case len(parts) == 1:
			g.node(w, parts[0])
		case len(parts) == 2 && (parts[1] == "posts" || parts[1] == "media"):
			var out []map[string]any
			for i := len(g.posts) - 1; i >= 0; i-- {
				p := g.posts[i]
				if p.Page == parts[0] {
					out = append(out, g.postJSON(p))
				}
			}
			g.paged(w, r, out)
		case len(parts) == 2 && parts[1] == "comments":
			var cs []*gComment
			for _, c := range g.comments {
				if c.Post == parts[0] {
					cs = append(cs, c)
				}
			}
			if r.URL.Query().Get("order") == "reverse_chronological" {
				sort.SliceStable(cs, func(i, j int) bool { return cs[i].Created.After(cs[j].Created) })
			}
			var out []map[string]any
			for _, c := range cs {
				out = append(out, g.commentJSON(c))
			}
			g.paged(w, r, out)
		default:
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{"message": "Unknown path components", "type": "OAuthException", "code": 2500}})
		}
	})
}

const graphLayout = "2006-01-02T15:04:05-0700"

func (g *Graph) node(w http.ResponseWriter, id string) {
	for _, post := range g.posts {
		if post.id == id {
			writeJSON(w, http.StatusOK, g.postJSON(post))
			return
		}
	}
	p, ok := g.pages[id]
	if !ok {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{"message": "Unsupported get request.", "type": "GraphMethodException", "code": 100}})
		return
	}
	if p.Instagram {
		n := 0
		for _, m := range g.posts {
			if m.Page == id {
				n++
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{"id": id, "username": p.Username, "name": p.Name, "followers_count": p.Followers, "follows_count": p.Follows, "media_count": n})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": id, "name": p.Name, "link": "https://www.facebook.com/" + p.Username, "followers_count": p.Followers, "fan_count": p.Followers})
}

func (g *Graph) postJSON(p *gPost) map[string]any {
	n := 0
	for _, c := range g.comments {
		if c.Post == p.id {
			n++
		}
	}
	if g.pages[p.Page].Instagram {
		return map[string]any{"id": p.id, "caption": p.Text, "timestamp": p.Created.UTC().Format(graphLayout), "media_type": "IMAGE",
			"permalink": "https://www.instagram.com/p/" + p.id + "/", "like_count": p.Reactions, "comments_count": n}
	}
	return map[string]any{"id": p.id, "message": p.Text, "created_time": p.Created.UTC().Format(graphLayout),
		"permalink_url": "https://www.facebook.com/" + p.id, "shares": map[string]int{"count": p.Shares},
		"reactions": map[string]any{"data": []any{}, "summary": map[string]int{"total_count": p.Reactions}},
		"comments":  map[string]any{"data": []any{}, "summary": map[string]any{"total_count": n, "order": "ranked", "can_comment": true}}}
}

func (g *Graph) commentJSON(c *gComment) map[string]any {
	for _, p := range g.posts {
		if p.id == c.Post && g.pages[p.Page].Instagram {
			return map[string]any{"id": c.id, "text": c.Text, "timestamp": c.Created.UTC().Format(graphLayout), "username": c.FromName, "like_count": c.Likes}
		}
	}
	out := map[string]any{"id": c.id, "message": c.Text, "created_time": c.Created.UTC().Format(graphLayout),
		"from": map[string]string{"id": c.FromID, "name": c.FromName}, "like_count": c.Likes, "comment_count": 0,
		"permalink_url": "https://www.facebook.com/" + c.Post + "?comment_id=" + c.id}
	if c.Parent != "" {
		out["parent"] = map[string]string{"id": c.Parent}
	}
	return out
}

// paged cuts a collection with limit and the after cursor (an offset here).
func (g *Graph) paged(w http.ResponseWriter, r *http.Request, all []map[string]any) {
	limit := 25
	if l, err := strconv.Atoi(r.URL.Query().Get("limit")); err == nil && l > 0 {
		limit = min(l, 100)
	}
	start, _ := strconv.Atoi(r.URL.Query().Get("after"))
	end := min(start+limit, len(all))
	paging := map[string]any{"cursors": map[string]string{"before": strconv.Itoa(start), "after": strconv.Itoa(end)}}
	if end < len(all) {
		q := r.URL.Query()
		q.Set("after", strconv.Itoa(end))
		paging["next"] = "https://graph.facebook.com" + r.URL.Path + "?" + q.Encode()
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": orEmpty(all[min(start, len(all)):end]), "paging": paging})
}

// SendWebhook delivers payload to endpoint as the Graph API Webhooks do:
// a JSON POST signed with X-Hub-Signature-256 = sha256=HMAC-SHA256(app
// secret, body). It returns the endpoint's status.
func SendWebhook(ctx context.Context, endpoint, appSecret string, payload any) (int, error) {
	body, err := json.Marshal(payload)
	if err != nil {
		return 0, err
	}
	mac := hmac.New(sha256.New, []byte(appSecret))
	mac.Write(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// CommentWebhook is the page feed change a new comment sends.
func CommentWebhook(pageID, postID, commentID, parentID, fromID, fromName, message string, at time.Time) map[string]any {
	v := map[string]any{"item": "comment", "verb": "add", "post_id": postID, "comment_id": commentID, "message": message,
		"created_time": at.Unix(), "from": map[string]string{"id": fromID, "name": fromName}}
	if parentID != "" {
		v["parent_id"] = parentID
	} else {
		v["parent_id"] = postID
	}
	return map[string]any{"object": "page", "entry": []map[string]any{{"id": pageID, "time": at.Unix(),
		"changes": []map[string]any{{"field": "feed", "value": v}}}}}
}
