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

	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/platform/retry"
	"github.com/veille-oss/veille/pkg/platform/service"
)

// YouTube Data API v3.
const (
	YouTubeAPI = "https://www.googleapis.com/youtube/v3"
	// youtubeDailyQuota is the default daily quota of a project (units).
	youtubeDailyQuota   = 10_000
	youtubeSearchPages  = 4
	youtubeCommentPages = 5
)

// Quota costs of the methods used (developers.google.com/youtube/v3/determine_quota_cost).
var youtubeCost = map[string]int{"search": 100, "videos": 1, "channels": 1, "commentThreads": 1}

// ErrQuota: the day's YouTube quota is spent; the source waits for
// midnight, Pacific time, when Google resets it.
var ErrQuota = errors.New("youtube quota exhausted")

// YouTube reads `kind: youtube` sources with an API key (token_env):
// videos matching each search term (search.list, newest first since the
// previous pass), their statistics and channel audience, and their comment
// threads. It counts quota units and stops for the day before Google does.
func YouTube(ctx context.Context, env *service.Env) error {
	return runKind(ctx, env, mention.KindYouTube, func(ctx context.Context, n *network) error {
		y := &youtube{network: n, base: strings.TrimRight(firstNonEmpty(n.src.URL, YouTubeAPI), "/"), titles: map[string]string{}}
		return n.pollEvery(ctx, func(ctx context.Context) error {
			err := y.pass(ctx)
			if errors.Is(err, ErrQuota) {
				wait := untilPacificMidnight(n.now())
				n.c.Report(ctx, n.src, 0, 0, 0, err)
				n.log.Warn("youtube quota spent; waiting for its reset", "wait", wait)
				_ = retry.Sleep(ctx, wait)
				return nil
			}
			return err
		})
	})
}

type youtube struct {
	*network
	base string
	mu   sync.Mutex
	day  string // Pacific date of used
	used int
	// titles of the videos read this pass, for the tracked list
	titles map[string]string
}

// untilPacificMidnight is how long until the quota resets.
func untilPacificMidnight(now time.Time) time.Duration {
	loc, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		loc = time.FixedZone("PST", -8*3600)
	}
	t := now.In(loc)
	next := time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, loc)
	return next.Sub(now)
}

func pacificDay(now time.Time) string {
	loc, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		loc = time.FixedZone("PST", -8*3600)
	}
	return now.In(loc).Format("2006-01-02")
}

// spend counts a call's units against today's quota, kept in KV so a
// restart does not start the day over.
func (y *youtube) spend(ctx context.Context, method string) error {
	cost := youtubeCost[method]
	y.mu.Lock()
	defer y.mu.Unlock()
	day := pacificDay(y.now())
	if day != y.day {
		y.day, y.used = day, 0
		if v := y.loadCursor(ctx, "quota:"+day); v != "" {
			y.used, _ = strconv.Atoi(v)
		}
	}
	if y.used+cost > youtubeDailyQuota {
		return fmt.Errorf("%w: %s: %d of %d units used today", ErrQuota, y.src.Name, y.used, youtubeDailyQuota)
	}
	y.used += cost
	return y.saveCursor(ctx, "quota:"+day, strconv.Itoa(y.used))
}

func (y *youtube) get(ctx context.Context, method string, q url.Values, v any) error {
	if err := y.spend(ctx, method); err != nil {
		return err
	}
	q.Set("key", y.token)
	_, err := y.call(ctx, request{url: y.base + "/" + method + "?" + q.Encode(), noBearer: true, quota403: "quotaExceeded"}, v)
	return err
}

type ytSnippet struct {
	PublishedAt  string `json:"publishedAt"`
	ChannelID    string `json:"channelId"`
	Title        string `json:"title"`
	Description  string `json:"description"`
	ChannelTitle string `json:"channelTitle"`
	DefaultLang  string `json:"defaultAudioLanguage"`
}

type ytVideo struct {
	ID         string    `json:"id"`
	Snippet    ytSnippet `json:"snippet"`
	Statistics struct {
		ViewCount    string `json:"viewCount"`
		LikeCount    string `json:"likeCount"`
		CommentCount string `json:"commentCount"`
	} `json:"statistics"`
}

type ytChannel struct {
	ID      string `json:"id"`
	Snippet struct {
		Title       string `json:"title"`
		CustomURL   string `json:"customUrl"`
		PublishedAt string `json:"publishedAt"`
	} `json:"snippet"`
	Statistics struct {
		SubscriberCount string `json:"subscriberCount"`
		VideoCount      string `json:"videoCount"`
	} `json:"statistics"`
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return max(n, 0)
}

func (y *youtube) pass(ctx context.Context) error {
	clear(y.titles)
	for _, term := range y.searchTerms() {
		name := "published_after:" + term
		after := y.loadCursor(ctx, name)
		newest := after
		var ids []string
		token := ""
		for page := 0; page < youtubeSearchPages; page++ {
			q := url.Values{"part": {"snippet"}, "q": {term}, "type": {"video"}, "order": {"date"}, "maxResults": {"50"}}
			if after != "" {
				q.Set("publishedAfter", after)
			}
			if token != "" {
				q.Set("pageToken", token)
			}
			var res struct {
				NextPageToken string `json:"nextPageToken"`
				Items         []struct {
					ID struct {
						VideoID string `json:"videoId"`
					} `json:"id"`
					Snippet ytSnippet `json:"snippet"`
				} `json:"items"`
			}
			if err := y.get(ctx, "search", q, &res); err != nil {
				return err
			}
			for _, it := range res.Items {
				if it.ID.VideoID != "" {
					ids = append(ids, it.ID.VideoID)
				}
				if it.Snippet.PublishedAt > newest {
					newest = it.Snippet.PublishedAt
				}
			}
			if res.NextPageToken == "" {
				break
			}
			token = res.NextPageToken
		}
		total, seen, err := y.videos(ctx, ids)
		if err != nil {
			return err
		}
		// Comments keep coming under videos found by earlier passes:
		// those of the last week (at most trackedVideos) are read again.
		tracked := y.tracked(ctx, term)
		kept := tracked[:0]
		cut := y.now().Add(-trackedFor).UTC().Format(time.RFC3339)
		for _, v := range tracked {
			if v.At < cut || contains(seen, v.ID) {
				continue
			}
			kept = append(kept, v)
			k, err := y.comments(ctx, ytVideo{ID: v.ID, Snippet: ytSnippet{Title: v.Title}})
			if err != nil {
				return err
			}
			total += k
		}
		for _, id := range seen {
			kept = append(kept, trackedVideo{ID: id, Title: y.titles[id], At: y.now().UTC().Format(time.RFC3339)})
		}
		if len(kept) > trackedVideos {
			kept = kept[len(kept)-trackedVideos:]
		}
		if err := y.saveTracked(ctx, term, kept); err != nil {
			return err
		}
		if newest != after {
			if err := y.saveCursor(ctx, name, newest); err != nil {
				return err
			}
		}
		y.c.Report(ctx, y.src, len(ids), total, 1, nil)
	}
	return nil
}

// Videos whose comments are read again on later passes.
const (
	trackedVideos = 50
	trackedFor    = 7 * 24 * time.Hour
)

type trackedVideo struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	At    string `json:"at"` // when it was last found by a search
}

func (y *youtube) tracked(ctx context.Context, term string) []trackedVideo {
	var out []trackedVideo
	if v := y.loadCursor(ctx, "tracked:"+term); v != "" {
		if err := json.Unmarshal([]byte(v), &out); err != nil {
			y.log.Warn("tracked videos unreadable", "err", err)
		}
	}
	return out
}

func (y *youtube) saveTracked(ctx context.Context, term string, vs []trackedVideo) error {
	b, err := json.Marshal(vs)
	if err != nil {
		return err
	}
	return y.saveCursor(ctx, "tracked:"+term, string(b))
}

// videos publishes the videos (statistics, channel audience) and their
// comment threads; it returns the ids it read.
func (y *youtube) videos(ctx context.Context, ids []string) (int, []string, error) {
	total := 0
	var seen []string
	for len(ids) > 0 {
		batch := ids[:min(50, len(ids))]
		ids = ids[len(batch):]
		var vs struct {
			Items []ytVideo `json:"items"`
		}
		if err := y.get(ctx, "videos", url.Values{"part": {"snippet,statistics"}, "id": {strings.Join(batch, ",")}, "maxResults": {"50"}}, &vs); err != nil {
			return total, seen, err
		}
		var chIDs []string
		for _, v := range vs.Items {
			if !contains(chIDs, v.Snippet.ChannelID) {
				chIDs = append(chIDs, v.Snippet.ChannelID)
			}
		}
		var chs struct {
			Items []ytChannel `json:"items"`
		}
		if len(chIDs) > 0 {
			if err := y.get(ctx, "channels", url.Values{"part": {"snippet,statistics"}, "id": {strings.Join(chIDs, ",")}, "maxResults": {"50"}}, &chs); err != nil {
				return total, seen, err
			}
		}
		channels := map[string]ytChannel{}
		for _, c := range chs.Items {
			channels[c.ID] = c
		}
		for _, v := range vs.Items {
			p := Post{
				Key: "video:" + v.ID, URL: "https://www.youtube.com/watch?v=" + v.ID, Title: v.Snippet.Title, Text: v.Snippet.Description,
				Lang: v.Snippet.DefaultLang, Views: int64(atoi(v.Statistics.ViewCount)), Likes: atoi(v.Statistics.LikeCount), Replies: atoi(v.Statistics.CommentCount),
				Author: channelAuthor(v.Snippet.ChannelID, v.Snippet.ChannelTitle, channels[v.Snippet.ChannelID]),
			}
			if t, err := time.Parse(time.RFC3339Nano, v.Snippet.PublishedAt); err == nil {
				p.Published = t.UTC()
			}
			n, err := y.publish(ctx, p)
			if err != nil {
				return total, seen, err
			}
			total += n
			k, err := y.comments(ctx, v)
			if err != nil {
				return total, seen, err
			}
			total += k
			seen = append(seen, v.ID)
			y.titles[v.ID] = v.Snippet.Title
		}
	}
	return total, seen, nil
}

func channelAuthor(id, title string, c ytChannel) mention.Author {
	a := mention.Author{Name: firstNonEmpty(c.Snippet.Title, title), URL: "https://www.youtube.com/channel/" + id,
		Followers: atoi(c.Statistics.SubscriberCount), PostCount: atoi(c.Statistics.VideoCount)}
	if c.Snippet.CustomURL != "" {
		a.Handle = c.Snippet.CustomURL
	}
	if t, err := time.Parse(time.RFC3339Nano, c.Snippet.PublishedAt); err == nil {
		a.JoinedAt = t.UTC().Format(time.RFC3339)
	}
	return a
}

// comments reads a video's comment threads, newest first, down to the
// newest one the previous pass saw.
func (y *youtube) comments(ctx context.Context, v ytVideo) (int, error) {
	name := "comments:" + v.ID
	since := y.loadCursor(ctx, name)
	newest := since
	total := 0
	token := ""
	videoURL := "https://www.youtube.com/watch?v=" + v.ID
pages:
	for page := 0; page < youtubeCommentPages; page++ {
		q := url.Values{"part": {"snippet"}, "videoId": {v.ID}, "order": {"time"}, "maxResults": {"100"}, "textFormat": {"plainText"}}
		if token != "" {
			q.Set("pageToken", token)
		}
		var res struct {
			NextPageToken string `json:"nextPageToken"`
			Items         []struct {
				ID      string `json:"id"`
				Snippet struct {
					TopLevelComment struct {
						ID      string `json:"id"`
						Snippet struct {
							AuthorDisplayName string `json:"authorDisplayName"`
							AuthorChannelURL  string `json:"authorChannelUrl"`
							TextOriginal      string `json:"textOriginal"`
							TextDisplay       string `json:"textDisplay"`
							LikeCount         int    `json:"likeCount"`
							PublishedAt       string `json:"publishedAt"`
							UpdatedAt         string `json:"updatedAt"`
						} `json:"snippet"`
					} `json:"topLevelComment"`
					TotalReplyCount int `json:"totalReplyCount"`
				} `json:"snippet"`
			} `json:"items"`
		}
		if err := y.get(ctx, "commentThreads", q, &res); err != nil {
			// comments disabled on a video (403 commentsDisabled) is not a failure
			if errors.Is(err, ErrForbidden) {
				return total, nil
			}
			return total, err
		}
		for _, it := range res.Items {
			c := it.Snippet.TopLevelComment.Snippet
			stamp := firstNonEmpty(c.UpdatedAt, c.PublishedAt)
			if since != "" && stamp <= since {
				break pages
			}
			p := Post{
				Key: "comment:" + it.ID, URL: videoURL + "&lc=" + it.ID, Text: firstNonEmpty(c.TextOriginal, htmlText(c.TextDisplay)),
				MatchTitle: v.Snippet.Title, ParentURL: videoURL, ThreadURL: videoURL,
				Likes: c.LikeCount, Replies: it.Snippet.TotalReplyCount,
				Author: mention.Author{Name: c.AuthorDisplayName, URL: c.AuthorChannelURL},
			}
			if t, err := time.Parse(time.RFC3339Nano, c.PublishedAt); err == nil {
				p.Published = t.UTC()
			}
			n, err := y.publish(ctx, p)
			if err != nil {
				return total, err
			}
			total += n
			if stamp > newest {
				newest = stamp
			}
		}
		if res.NextPageToken == "" {
			break
		}
		token = res.NextPageToken
	}
	if newest != since {
		if err := y.saveCursor(ctx, name, newest); err != nil {
			return total, err
		}
	}
	return total, nil
}
