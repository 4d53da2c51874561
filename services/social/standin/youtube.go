package standin

// YouTube stand-in, written from the YouTube Data API v3 reference
// (developers.google.com/youtube/v3/docs):
//   - search.list: GET /youtube/v3/search?part=snippet&q=&type=video
//     &order=date&publishedAfter=&maxResults=(0-50, default 5)&pageToken=
//     -> {kind: youtube#searchListResponse, nextPageToken?, pageInfo,
//     items: [{kind: youtube#searchResult, id: {kind, videoId}, snippet}]};
//     100 quota units.
//   - videos.list (part=snippet,statistics&id=a,b): statistics.viewCount,
//     likeCount, commentCount as strings; channels.list
//     (statistics.subscriberCount, videoCount; snippet.customUrl,
//     publishedAt); commentThreads.list (videoId, order=time, maxResults
//     1-100, pageToken; snippet.topLevelComment.snippet.{authorDisplayName,
//     authorChannelUrl, textOriginal, textDisplay, likeCount, publishedAt,
//     updatedAt}, snippet.totalReplyCount): 1 unit each.
//   - The API key in key=; errors {"error": {"code", "message", "errors":
//     [{"message", "domain", "reason"}]}}: 400 "API key not valid" (badRequest),
//     403 quotaExceeded (domain youtube.quota) once the day's units are
//     spent, 403 commentsDisabled.

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// YouTubeVideo is a video of the stand-in.
type YouTubeVideo struct {
	ID, ChannelID, Title, Description string
	Published                         time.Time
	Views, Likes                      int
	CommentsDisabled                  bool
}

// YouTubeChannel is a channel.
type YouTubeChannel struct {
	ID, Title, Handle   string
	Subscribers, Videos int
	Created             time.Time
}

// YouTubeComment is a top-level comment.
type YouTubeComment struct {
	VideoID, Author, AuthorChannel, Text string
	Likes, Replies                       int
	Published                            time.Time
}

// YouTube is the stand-in; Key is the API key it accepts and Quota the
// units per day (10,000 by default, as a new project gets).
type YouTube struct {
	mu       sync.Mutex
	Key      string
	Quota    int
	used     int
	after    int // calls made after a quotaExceeded answer
	exceeded bool
	videos   []YouTubeVideo
	channels map[string]YouTubeChannel
	comments []YouTubeComment
	nextCID  int
}

// NewYouTube returns a stand-in accepting key.
func NewYouTube(key string) *YouTube {
	return &YouTube{Key: key, Quota: 10_000, channels: map[string]YouTubeChannel{}}
}

// AddChannel, AddVideo and AddComment fill the stand-in.
func (y *YouTube) AddChannel(c YouTubeChannel) { y.mu.Lock(); y.channels[c.ID] = c; y.mu.Unlock() }

// AddVideo adds a video.
func (y *YouTube) AddVideo(v YouTubeVideo) {
	y.mu.Lock()
	y.videos = append(y.videos, v)
	y.mu.Unlock()
}

// AddComment adds a top-level comment.
func (y *YouTube) AddComment(c YouTubeComment) {
	y.mu.Lock()
	y.comments = append(y.comments, c)
	y.mu.Unlock()
}

// Used returns the units spent and the calls made after the quota was
// exceeded (a client that honours quotaExceeded makes none).
func (y *YouTube) Used() (units, callsAfterExceeded int) {
	y.mu.Lock()
	defer y.mu.Unlock()
	return y.used, y.after
}

// Handler serves /youtube/v3/.
func (y *YouTube) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /youtube/v3/search", y.guard(100, y.search))
	mux.HandleFunc("GET /youtube/v3/videos", y.guard(1, y.videosList))
	mux.HandleFunc("GET /youtube/v3/channels", y.guard(1, y.channelsList))
	mux.HandleFunc("GET /youtube/v3/commentThreads", y.guard(1, y.commentThreads))
	return mux
}

func gerror(w http.ResponseWriter, code int, msg, domain, reason string) {
	writeJSON(w, code, map[string]any{"error": map[string]any{"code": code, "message": msg,
		"errors": []map[string]string{{"message": msg, "domain": domain, "reason": reason}}}})
}

func (y *YouTube) guard(cost int, h func(w http.ResponseWriter, r *http.Request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("key") != y.Key {
			gerror(w, http.StatusBadRequest, "API key not valid. Please pass a valid API key.", "global", "badRequest")
			return
		}
		y.mu.Lock()
		if y.exceeded {
			y.after++
		}
		if y.used+cost > y.Quota {
			y.exceeded = true
			y.mu.Unlock()
			gerror(w, http.StatusForbidden, "The request cannot be completed because you have exceeded your quota.", "youtube.quota", "quotaExceeded")
			return
		}
		y.used += cost
		y.mu.Unlock()
		h(w, r)
	}
}

func maxResults(r *http.Request, def, hi int) (int, bool) {
	s := r.URL.Query().Get("maxResults")
	if s == "" {
		return def, true
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 0 && n <= hi
}

func pageOf(r *http.Request) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Query().Get("pageToken"), "CAUQ"))
	return n
}

func (y *YouTube) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	max, ok := maxResults(r, 5, 50)
	if !ok {
		gerror(w, http.StatusBadRequest, "Invalid value for maxResults", "youtube.parameter", "invalidParameter")
		return
	}
	var after time.Time
	if a := q.Get("publishedAfter"); a != "" {
		t, err := time.Parse(time.RFC3339Nano, a)
		if err != nil {
			gerror(w, http.StatusBadRequest, "Invalid value for publishedAfter", "youtube.parameter", "invalidParameter")
			return
		}
		after = t
	}
	words := strings.Fields(strings.ToLower(strings.ReplaceAll(q.Get("q"), `"`, "")))
	y.mu.Lock()
	var hits []YouTubeVideo
	for _, v := range y.videos {
		text := strings.ToLower(v.Title + " " + v.Description)
		all := true
		for _, wd := range words {
			all = all && strings.Contains(text, wd)
		}
		if all && v.Published.After(after) {
			hits = append(hits, v)
		}
	}
	sort.Slice(hits, func(i, j int) bool { return hits[i].Published.After(hits[j].Published) })
	start := pageOf(r)
	end := min(start+max, len(hits))
	var items []map[string]any
	for _, v := range hits[min(start, len(hits)):end] {
		ch := y.channels[v.ChannelID]
		items = append(items, map[string]any{"kind": "youtube#searchResult", "etag": "e" + v.ID,
			"id": map[string]string{"kind": "youtube#video", "videoId": v.ID}, "snippet": y.snippet(v, ch)})
	}
	y.mu.Unlock()
	res := map[string]any{"kind": "youtube#searchListResponse", "regionCode": "FR",
		"pageInfo": map[string]int{"totalResults": len(hits), "resultsPerPage": max}, "items": orEmpty(items)}
	if end < len(hits) {
		res["nextPageToken"] = fmt.Sprintf("CAUQ%d", end)
	}
	writeJSON(w, http.StatusOK, res)
}

func (y *YouTube) snippet(v YouTubeVideo, ch YouTubeChannel) map[string]any {
	return map[string]any{"publishedAt": v.Published.UTC().Format(time.RFC3339), "channelId": v.ChannelID, "title": v.Title,
		"description": v.Description, "channelTitle": ch.Title, "liveBroadcastContent": "none", "defaultAudioLanguage": "fr"}
}

func (y *YouTube) videosList(w http.ResponseWriter, r *http.Request) {
	ids := strings.Split(r.URL.Query().Get("id"), ",")
	y.mu.Lock()
	var items []map[string]any
	for _, v := range y.videos {
		if contains(ids, v.ID) {
			n := 0
			for _, c := range y.comments {
				if c.VideoID == v.ID {
					n++
				}
			}
			items = append(items, map[string]any{"kind": "youtube#video", "id": v.ID, "snippet": y.snippet(v, y.channels[v.ChannelID]),
				"statistics": map[string]string{"viewCount": strconv.Itoa(v.Views), "likeCount": strconv.Itoa(v.Likes), "favoriteCount": "0", "commentCount": strconv.Itoa(n)}})
		}
	}
	y.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"kind": "youtube#videoListResponse", "items": orEmpty(items)})
}

func (y *YouTube) channelsList(w http.ResponseWriter, r *http.Request) {
	ids := strings.Split(r.URL.Query().Get("id"), ",")
	y.mu.Lock()
	var items []map[string]any
	for _, id := range ids {
		if c, ok := y.channels[id]; ok {
			items = append(items, map[string]any{"kind": "youtube#channel", "id": c.ID,
				"snippet":    map[string]string{"title": c.Title, "customUrl": c.Handle, "publishedAt": c.Created.UTC().Format(time.RFC3339)},
				"statistics": map[string]any{"subscriberCount": strconv.Itoa(c.Subscribers), "videoCount": strconv.Itoa(c.Videos), "hiddenSubscriberCount": false}})
		}
	}
	y.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"kind": "youtube#channelListResponse", "items": orEmpty(items)})
}

func (y *YouTube) commentThreads(w http.ResponseWriter, r *http.Request) {
	vid := r.URL.Query().Get("videoId")
	max, ok := maxResults(r, 20, 100)
	if !ok || max < 1 {
		gerror(w, http.StatusBadRequest, "Invalid value for maxResults", "youtube.parameter", "invalidParameter")
		return
	}
	y.mu.Lock()
	defer y.mu.Unlock()
	for _, v := range y.videos {
		if v.ID == vid && v.CommentsDisabled {
			gerror(w, http.StatusForbidden, "The video identified by the videoId parameter has disabled comments.", "youtube.commentThread", "commentsDisabled")
			return
		}
	}
	var cs []int
	for i, c := range y.comments {
		if c.VideoID == vid {
			cs = append(cs, i)
		}
	}
	sort.Slice(cs, func(a, b int) bool { return y.comments[cs[a]].Published.After(y.comments[cs[b]].Published) }) // order=time
	start := pageOf(r)
	end := min(start+max, len(cs))
	var items []map[string]any
	for _, i := range cs[min(start, len(cs)):end] {
		c := y.comments[i]
		id := fmt.Sprintf("Ugw%06d", i)
		ts := c.Published.UTC().Format(time.RFC3339)
		items = append(items, map[string]any{"kind": "youtube#commentThread", "id": id, "snippet": map[string]any{
			"channelId": "", "videoId": vid, "canReply": true, "isPublic": true, "totalReplyCount": c.Replies,
			"topLevelComment": map[string]any{"kind": "youtube#comment", "id": id, "snippet": map[string]any{
				"authorDisplayName": c.Author, "authorChannelUrl": "http://www.youtube.com/" + c.AuthorChannel,
				"textOriginal": c.Text, "textDisplay": c.Text, "likeCount": c.Likes, "publishedAt": ts, "updatedAt": ts, "videoId": vid}}}})
	}
	res := map[string]any{"kind": "youtube#commentThreadListResponse", "pageInfo": map[string]int{"totalResults": len(cs), "resultsPerPage": max}, "items": orEmpty(items)}
	if end < len(cs) {
		res["nextPageToken"] = fmt.Sprintf("CAUQ%d", end)
	}
	writeJSON(w, http.StatusOK, res)
}
