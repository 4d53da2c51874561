package social

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/platform/obs"
)

// maxWebhookBody bounds one Webhooks delivery.
const maxWebhookBody = 1 << 20

// webhookPayload is a Graph API Webhooks delivery (page feed and
// Instagram comments), developers.facebook.com/docs/graph-api/webhooks.
type webhookPayload struct {
	Object string `json:"object"` // page, instagram
	Entry  []struct {
		ID      string `json:"id"`
		Time    int64  `json:"time"`
		Changes []struct {
			Field string `json:"field"` // feed (page), comments (instagram)
			Value struct {
				// page feed
				Item        string `json:"item"` // comment, post, reaction, ...
				Verb        string `json:"verb"` // add, edited, remove
				CommentID   string `json:"comment_id"`
				PostID      string `json:"post_id"`
				ParentID    string `json:"parent_id"`
				Message     string `json:"message"`
				CreatedTime int64  `json:"created_time"`
				// instagram comments
				ID    string `json:"id"`
				Text  string `json:"text"`
				Media struct {
					ID string `json:"id"`
				} `json:"media"`
				From struct {
					ID       string `json:"id"`
					Name     string `json:"name"`
					Username string `json:"username"`
				} `json:"from"`
			} `json:"value"`
		} `json:"changes"`
	} `json:"entry"`
}

// serveWebhooks runs the Webhooks endpoint of a facebook or instagram
// source until ctx ends: the subscription check (hub.challenge echoed when
// hub.verify_token is the one in verify_token_env) and deliveries signed
// with the app secret (X-Hub-Signature-256), whose comments are published
// at once; the polling catches up whatever a missed delivery held.
func (g *graph) serveWebhooks(ctx context.Context) error {
	ln, err := net.Listen("tcp", g.src.WebhookListen)
	if err != nil {
		return fmt.Errorf("%w: %s: webhook_listen: %w", ErrAPI, g.src.Name, err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(g.webhook), ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 20 * time.Second,
		BaseContext: func(net.Listener) context.Context { return ctx }}
	g.log.Info("graph webhooks listening", "listen", ln.Addr().String())
	if err := obs.Serve(ctx, srv, ln, 5*time.Second); err != nil {
		return fmt.Errorf("%w: %s: webhooks: %w", ErrAPI, g.src.Name, err)
	}
	return nil
}

func (g *graph) webhook(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		q := r.URL.Query()
		want := strings.TrimSpace(os.Getenv(g.src.VerifyTokenEnv))
		got := q.Get("hub.verify_token")
		if q.Get("hub.mode") != "subscribe" || want == "" || !hmac.Equal([]byte(got), []byte(want)) {
			http.Error(w, "verify token mismatch", http.StatusForbidden)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, q.Get("hub.challenge"))
	case http.MethodPost:
		body, err := io.ReadAll(io.LimitReader(r.Body, maxWebhookBody+1))
		if err != nil || len(body) > maxWebhookBody {
			http.Error(w, "body too large or unreadable", http.StatusRequestEntityTooLarge)
			return
		}
		if !g.signed(body, r.Header.Get("X-Hub-Signature-256")) {
			g.log.Warn("webhook refused: bad signature")
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var p webhookPayload
		if err := json.Unmarshal(body, &p); err != nil {
			http.Error(w, "not a webhook payload", http.StatusBadRequest)
			return
		}
		// Answered only once published: a failed delivery is retried by
		// the network, and the polling catches up in any case.
		if err := g.deliver(r.Context(), &p); err != nil {
			g.log.Warn("webhook not published", "err", err)
			http.Error(w, "not published", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	default:
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// signed checks X-Hub-Signature-256: sha256=HMAC-SHA256(app secret, body).
func (g *graph) signed(body []byte, header string) bool {
	secret := strings.TrimSpace(os.Getenv(g.src.SecretEnv))
	sig, ok := strings.CutPrefix(header, "sha256=")
	if secret == "" || !ok {
		return false
	}
	want, err := hex.DecodeString(sig)
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return hmac.Equal(mac.Sum(nil), want)
}

func (g *graph) deliver(ctx context.Context, p *webhookPayload) error {
	for _, e := range p.Entry {
		for _, ch := range e.Changes {
			v := ch.Value
			switch {
			case p.Object == "page" && ch.Field == "feed" && v.Item == "comment":
				key := "fb:" + v.CommentID
				if v.Verb == "remove" {
					if _, err := g.deleted(ctx, key); err != nil {
						return err
					}
					continue
				}
				post, err := g.postContext(ctx, v.PostID, "message,permalink_url")
				if err != nil {
					return err
				}
				postURL := firstNonEmpty(post.PermalinkURL, "https://www.facebook.com/"+v.PostID)
				cp := Post{Key: key, URL: postURL + "?comment_id=" + url.QueryEscape(v.CommentID), Text: v.Message, MatchTitle: post.Message,
					Published: time.Unix(v.CreatedTime, 0).UTC(), ParentURL: postURL, ThreadURL: postURL,
					Author: mention.Author{Name: v.From.Name}}
				if v.From.ID != "" {
					cp.Author.URL = "https://www.facebook.com/" + v.From.ID
				}
				if v.ParentID != "" && v.ParentID != v.PostID {
					cp.ParentURL = postURL + "?comment_id=" + url.QueryEscape(v.ParentID)
				}
				if _, err := g.publish(ctx, cp); err != nil {
					return err
				}
			case p.Object == "instagram" && ch.Field == "comments":
				media, err := g.postContext(ctx, v.Media.ID, "caption,permalink")
				if err != nil {
					return err
				}
				mURL := firstNonEmpty(media.Permalink, "https://www.instagram.com/p/"+v.Media.ID+"/")
				cp := Post{Key: "ig:" + v.ID, URL: mURL + "c/" + url.PathEscape(v.ID) + "/", Text: v.Text, MatchTitle: media.Caption,
					Published: time.Unix(e.Time, 0).UTC(), ParentURL: mURL, ThreadURL: mURL,
					Author: mention.Author{Name: v.From.Username, URL: "https://www.instagram.com/" + url.PathEscape(v.From.Username) + "/", Handle: "@" + v.From.Username}}
				if _, err := g.publish(ctx, cp); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

type graphObject struct {
	Message      string `json:"message"`
	PermalinkURL string `json:"permalink_url"`
	Caption      string `json:"caption"`
	Permalink    string `json:"permalink"`
}

// postContext reads the post or media a comment belongs to: its text is
// what the comment is matched with.
func (g *graph) postContext(ctx context.Context, id, fields string) (graphObject, error) {
	var o graphObject
	if id == "" {
		return o, nil
	}
	_, err := g.call(ctx, request{url: g.base + "/" + url.PathEscape(id) + "?fields=" + fields}, &o)
	return o, err
}
