package forum

import (
	"encoding/json"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"
)

// discourseProfile reads Discourse's JSON API: /t/{slug}/{id}.json (topic
// with its post stream), /t/{id}/posts.json?post_ids[]=… (more posts),
// /latest.json and /c/{slug}/{id}.json (topic lists), /categories.json.
// Posts' HTML is in "cooked"; quotes are aside.quote.
type discourseProfile struct{}

func (discourseProfile) Name() string { return Discourse }

// discourseChunk is how many posts Discourse returns per request.
const discourseChunk = 20

var (
	dcTopicRe = regexp.MustCompile(`^(.*?/t/(?:[^/]+/)?\d+)(?:/\d+)?(?:\.json)?/?$`)
	dcCatRe   = regexp.MustCompile(`/c/.+`)
)

// FetchURL maps a Discourse page URL to the JSON API URL that carries the
// same content, so a source can be given as the URL people see.
func (discourseProfile) FetchURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	p := strings.TrimSuffix(u.Path, "/")
	switch {
	case strings.HasSuffix(p, ".json"):
		return raw
	case dcTopicRe.MatchString(p) && strings.Contains(p, "/t/"), dcCatRe.MatchString(p),
		strings.HasSuffix(p, "/latest"), strings.HasSuffix(p, "/top"), strings.HasSuffix(p, "/new"),
		strings.HasSuffix(p, "/categories"):
		u.Path = p + ".json"
	default: // the forum root
		u.Path = p + "/latest.json"
	}
	u.Fragment = ""
	return u.String()
}

type dcPost struct {
	ID                int64      `json:"id"`
	Name              string     `json:"name"`
	Username          string     `json:"username"`
	CreatedAt         string     `json:"created_at"`
	Cooked            string     `json:"cooked"`
	PostNumber        int        `json:"post_number"`
	PostType          int        `json:"post_type"`
	ReplyToPostNumber int        `json:"reply_to_post_number"`
	TopicID           int64      `json:"topic_id"`
	TopicSlug         string     `json:"topic_slug"`
	DeletedAt         *string    `json:"deleted_at"`
	UserDeleted       bool       `json:"user_deleted"`
	Hidden            bool       `json:"hidden"`
	TrustLevel        int        `json:"trust_level"`
	ActionsSummary    []dcAction `json:"actions_summary"`
	LikeCount         int        `json:"like_count"`
}

type dcAction struct {
	ID    int `json:"id"`
	Count int `json:"count"`
}

type dcTopicDoc struct {
	ID         int64  `json:"id"`
	Title      string `json:"title"`
	Slug       string `json:"slug"`
	PostStream *struct {
		Posts  []dcPost `json:"posts"`
		Stream []int64  `json:"stream"`
	} `json:"post_stream"`
	TopicList *struct {
		MoreTopicsURL string `json:"more_topics_url"`
		Topics        []struct {
			ID           int64  `json:"id"`
			Title        string `json:"title"`
			Slug         string `json:"slug"`
			PostsCount   int    `json:"posts_count"`
			LastPostedAt string `json:"last_posted_at"`
			BumpedAt     string `json:"bumped_at"`
		} `json:"topics"`
	} `json:"topic_list"`
	CategoryList *struct {
		Categories []struct {
			ID   int64  `json:"id"`
			Slug string `json:"slug"`
		} `json:"categories"`
	} `json:"category_list"`
}

func (discourseProfile) Parse(doc, pageURL string, opt Options) (*Page, error) {
	if len(doc) > MaxPageBytes {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(doc), MaxPageBytes)
	}
	base := parseBase(pageURL)
	if base == nil {
		return nil, fmt.Errorf("%w: discourse: bad page URL %q", ErrBadPage, pageURL)
	}
	root := &url.URL{Scheme: base.Scheme, Host: base.Host, Path: discourseRoot(base.Path)}
	p := &Page{Engine: Discourse}
	trimmed := strings.TrimSpace(doc)
	if !strings.HasPrefix(trimmed, "{") {
		// The HTML app shell: point the crawler at the JSON instead.
		d, err := load(doc)
		if err != nil {
			return nil, err
		}
		if d.Find("meta[name^='discourse'], meta[name=generator][content^='Discourse']").Length() == 0 {
			return nil, fmt.Errorf("%w: discourse: neither JSON nor a Discourse page", ErrBadPage)
		}
		if d.Find("div.crawler-post[id^='post_'], article[id^='post_'][data-post-id]").Length() > 0 {
			return dcHTMLTopic(d, doc, pageURL, root, opt), nil
		}
		p.NextURL = discourseProfile{}.FetchURL(pageURL)
		p.finish()
		return p, nil
	}
	var td dcTopicDoc
	if err := json.Unmarshal([]byte(trimmed), &td); err != nil {
		return nil, fmt.Errorf("%w: discourse JSON: %w", ErrBadPage, err)
	}
	now := opt.Now
	if now.IsZero() {
		now = time.Now()
	}
	dc := newDateCtx(Options{Now: now, Loc: opt.Loc, Lang: opt.Lang}, nil)
	topicURL := func(slug string, id int64) string {
		if slug == "" {
			slug = "-"
		}
		return root.String() + "/t/" + slug + "/" + strconv.FormatInt(id, 10)
	}
	switch {
	case td.PostStream != nil:
		posts := td.PostStream.Posts
		if len(posts) > maxPostsPerPage {
			posts = posts[:maxPostsPerPage]
		}
		// posts.json carries the topic id but no slug: take the posts' own,
		// so every post of a topic gets the same thread URL (and mention id)
		// whichever request brought it.
		id, slug := td.ID, td.Slug
		if len(posts) > 0 {
			if id == 0 {
				id = posts[0].TopicID
			}
			if slug == "" {
				slug = posts[0].TopicSlug
			}
		}
		p.ThreadTitle = clean(td.Title)
		p.ThreadURL = topicURL(slug, id)
		var lastID int64
		maxNum := 0
		for _, dp := range posts {
			lastID = max(lastID, dp.ID)
			maxNum = max(maxNum, dp.PostNumber)
			if dp.PostType == 3 { // moderator action ("closed the topic"), not a post
				continue
			}
			p.Posts = append(p.Posts, dcToPost(dp, p.ThreadURL, root, id, dc))
		}
		if maxNum > 0 {
			p.ResumeURL = p.ThreadURL + "/" + strconv.Itoa(maxNum) + ".json"
		}
		// The stream lists every post id: ask for those after this page's last.
		var rest []int64
		for _, sid := range td.PostStream.Stream {
			if sid > lastID {
				rest = append(rest, sid)
			}
		}
		for len(rest) > 0 && len(p.MoreURLs) < maxLinksPerPage {
			n := min(discourseChunk, len(rest))
			v := url.Values{}
			for _, sid := range rest[:n] {
				v.Add("post_ids[]", strconv.FormatInt(sid, 10))
			}
			p.MoreURLs = append(p.MoreURLs, root.String()+"/t/"+strconv.FormatInt(id, 10)+"/posts.json?"+v.Encode())
			rest = rest[n:]
		}
		if len(p.MoreURLs) > 0 {
			p.NextURL, p.MoreURLs = p.MoreURLs[0], p.MoreURLs[1:]
		}
	case td.TopicList != nil:
		for _, t := range td.TopicList.Topics {
			tl := ThreadLink{URL: topicURL(t.Slug, t.ID), Title: clean(t.Title), Replies: max(t.PostsCount-1, -1)}
			tl.LastPost = dc.first(t.LastPostedAt, t.BumpedAt)
			p.Threads = append(p.Threads, tl)
		}
		if m := td.TopicList.MoreTopicsURL; m != "" {
			if u := resolve(root, m); u != "" {
				p.NextURL = discourseProfile{}.FetchURL(u)
			}
		}
	case td.CategoryList != nil:
		for _, c := range td.CategoryList.Categories {
			p.Boards = append(p.Boards, root.String()+"/c/"+c.Slug+"/"+strconv.FormatInt(c.ID, 10)+".json")
		}
	default:
		return nil, fmt.Errorf("%w: discourse JSON has no post_stream, topic_list or category_list", ErrBadPage)
	}
	p.finish()
	return p, nil
}

func dcToPost(dp dcPost, threadURL string, root *url.URL, topicID int64, dc dateCtx) Post {
	q := Post{
		Anchor:    "post_" + strconv.Itoa(dp.PostNumber),
		Permalink: threadURL + "/" + strconv.Itoa(dp.PostNumber),
		Position:  dp.PostNumber,
		Published: dc.parse(dp.CreatedAt),
		Deleted:   dp.DeletedAt != nil || dp.UserDeleted,
		Likes:     dp.LikeCount,
	}
	q.Author.Name = dp.Username
	if dp.Username != "" {
		q.Author.URL = root.String() + "/u/" + url.PathEscape(dp.Username)
	}
	for _, a := range dp.ActionsSummary {
		if a.ID == 2 && a.Count > q.Likes {
			q.Likes = a.Count
		}
	}
	if q.Deleted {
		return q
	}
	cooked, err := goquery.NewDocumentFromReader(strings.NewReader(dp.Cooked))
	if err != nil {
		return q
	}
	if aq := cooked.Find("aside.quote").First(); aq.Length() > 0 {
		topic, num := aq.AttrOr("data-topic", ""), aq.AttrOr("data-post", "")
		switch {
		case num != "" && (topic == "" || topic == strconv.FormatInt(topicID, 10)):
			q.QuotedRef = "post_" + num
		case aq.AttrOr("data-username", "") != "":
			q.QuotedRef = aq.AttrOr("data-username", "")
		}
	}
	if q.QuotedRef == "" && dp.ReplyToPostNumber > 0 {
		q.QuotedRef = "post_" + strconv.Itoa(dp.ReplyToPostNumber)
	}
	cooked.Find("aside.quote").Remove()
	// A onebox is a preview of a linked page: keep the link, not its text.
	cooked.Find("aside.onebox").Each(func(_ int, ob *goquery.Selection) {
		ob.ReplaceWithHtml("<p>" + html.EscapeString(ob.AttrOr("data-onebox-src", "")) + "</p>")
	})
	q.Text = nodeText(cooked.Find("body"))
	return q
}

// discourseRoot is the path prefix of a Discourse mounted in a subfolder.
func discourseRoot(p string) string {
	for _, marker := range []string{"/t/", "/c/", "/latest", "/categories", "/top", "/new"} {
		if i := strings.Index(p, marker); i >= 0 {
			return p[:i]
		}
	}
	return strings.TrimSuffix(p, "/")
}
