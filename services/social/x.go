package social

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/platform/service"
)

// XAPI is the default X API v2 base.
const XAPI = "https://api.x.com/2"

// xPages bounds the pages of one recent-search pass per query.
const xPages = 10

// X reads `kind: x` sources: API v2 recent search (bearer token) for each
// search term, from the since_id of the previous pass.
func X(ctx context.Context, env *service.Env) error {
	return runKind(ctx, env, mention.KindX, func(ctx context.Context, n *network) error {
		return n.pollEvery(ctx, func(ctx context.Context) error { return xPass(ctx, n) })
	})
}

type xTweet struct {
	ID               string `json:"id"`
	Text             string `json:"text"`
	AuthorID         string `json:"author_id"`
	CreatedAt        string `json:"created_at"`
	Lang             string `json:"lang"`
	ConversationID   string `json:"conversation_id"`
	ReferencedTweets []struct {
		Type string `json:"type"` // replied_to, quoted, retweeted
		ID   string `json:"id"`
	} `json:"referenced_tweets"`
	PublicMetrics struct {
		RetweetCount    int   `json:"retweet_count"`
		ReplyCount      int   `json:"reply_count"`
		LikeCount       int   `json:"like_count"`
		QuoteCount      int   `json:"quote_count"`
		ImpressionCount int64 `json:"impression_count"`
	} `json:"public_metrics"`
}

type xUser struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	Username      string `json:"username"`
	CreatedAt     string `json:"created_at"`
	Verified      bool   `json:"verified"`
	PublicMetrics struct {
		FollowersCount int `json:"followers_count"`
		FollowingCount int `json:"following_count"`
		TweetCount     int `json:"tweet_count"`
	} `json:"public_metrics"`
}

func xPass(ctx context.Context, n *network) error {
	base := strings.TrimRight(firstNonEmpty(n.src.URL, XAPI), "/")
	for _, term := range n.searchTerms() {
		name := "since_id:" + term
		since := n.loadCursor(ctx, name)
		newest := since
		next := ""
		total := 0
		for page := 0; page < xPages; page++ {
			q := url.Values{
				"query":        {xQuery(term)},
				"max_results":  {"100"},
				"tweet.fields": {"created_at,public_metrics,conversation_id,referenced_tweets,lang,author_id"},
				"expansions":   {"author_id"},
				"user.fields":  {"created_at,public_metrics,username,name,verified"},
			}
			if since != "" {
				q.Set("since_id", since)
			}
			if next != "" {
				q.Set("next_token", next)
			}
			var res struct {
				Data     []xTweet `json:"data"`
				Includes struct {
					Users []xUser `json:"users"`
				} `json:"includes"`
				Meta struct {
					NewestID  string `json:"newest_id"`
					NextToken string `json:"next_token"`
				} `json:"meta"`
			}
			if _, err := n.call(ctx, request{url: base + "/tweets/search/recent?" + q.Encode()}, &res); err != nil {
				return err
			}
			users := map[string]xUser{}
			for _, u := range res.Includes.Users {
				users[u.ID] = u
			}
			for _, tw := range res.Data {
				k, err := n.publish(ctx, xPost(tw, users[tw.AuthorID]))
				if err != nil {
					return err
				}
				total += k
				if idAfter(tw.ID, newest) {
					newest = tw.ID
				}
			}
			if res.Meta.NextToken == "" {
				break
			}
			next = res.Meta.NextToken
		}
		// since_id moves only once every page of the pass is published:
		// a pass cut short starts again from the old since_id.
		if newest != since {
			if err := n.saveCursor(ctx, name, newest); err != nil {
				return err
			}
		}
		n.c.Report(ctx, n.src, 0, total, 1, nil)
	}
	return nil
}

// xQuery quotes a multi-word term and leaves retweets out (they repeat
// the original, whose retweet_count counts them).
func xQuery(term string) string {
	if strings.ContainsAny(term, " \t") && !strings.HasPrefix(term, `"`) {
		term = `"` + term + `"`
	}
	return term + " -is:retweet"
}

func xPost(tw xTweet, u xUser) Post {
	handle := firstNonEmpty(u.Username, "i")
	p := Post{
		Key: "tweet:" + tw.ID, URL: "https://x.com/" + handle + "/status/" + tw.ID, Text: tw.Text, Lang: tw.Lang,
		Likes: tw.PublicMetrics.LikeCount, Replies: tw.PublicMetrics.ReplyCount, Reposts: tw.PublicMetrics.RetweetCount,
		Quotes: tw.PublicMetrics.QuoteCount, Views: tw.PublicMetrics.ImpressionCount,
	}
	if u.ID != "" {
		p.Author = mention.Author{Name: firstNonEmpty(u.Name, u.Username), URL: "https://x.com/" + u.Username, Handle: "@" + u.Username,
			Followers: u.PublicMetrics.FollowersCount, Following: u.PublicMetrics.FollowingCount, PostCount: u.PublicMetrics.TweetCount, Verified: u.Verified}
		if t, err := time.Parse(time.RFC3339Nano, u.CreatedAt); err == nil {
			p.Author.JoinedAt = t.UTC().Format(time.RFC3339)
		}
	}
	if t, err := time.Parse(time.RFC3339Nano, tw.CreatedAt); err == nil {
		p.Published = t.UTC()
	}
	for _, r := range tw.ReferencedTweets {
		if r.Type == "replied_to" {
			p.ParentURL = "https://x.com/i/status/" + r.ID
		}
	}
	if tw.ConversationID != "" && tw.ConversationID != tw.ID {
		p.ThreadURL = "https://x.com/i/status/" + tw.ConversationID
	}
	return p
}
