package forum

import (
	"html"
	"net/url"
	"strconv"
	"strings"

	"github.com/PuerkitoBio/goquery"
)

// dcHTMLTopic reads a topic page as HTML: the page Discourse renders for
// browsers without JavaScript and for crawlers (one div.crawler-post#post_N
// per post with schema.org microdata: author, time[datetime] in UTC,
// position; the cooked HTML in [itemprop=text]; ?page=N pages linked by
// a[rel=next]), or the page as a browser rendered and saved it
// (article#post_N[data-post-id], .names .username, .post-date
// [data-time] in milliseconds, .cooked). Anchors, positions and thread URLs
// are the JSON API's, so all give the same posts.
func dcHTMLTopic(d *goquery.Document, doc, pageURL string, root *url.URL, opt Options) *Page {
	base := docBase(d, pageURL)
	dc := newDateCtx(opt, d)
	p := &Page{Engine: Discourse, Zone: dc.zone, Containers: countContainers(Discourse, doc)}
	p.ThreadTitle = clean(d.Find("#topic-title h1, h1").First().Text())
	canon := resolve(base, d.Find("link[rel=canonical]").AttrOr("href", ""))
	if canon == "" {
		canon = pageURL
	}
	if u, err := url.Parse(canon); err == nil {
		u.RawQuery, u.Fragment = "", ""
		if m := dcTopicRe.FindStringSubmatch(u.Path); m != nil {
			u.Path = m[1]
		}
		p.ThreadURL = u.String()
	}
	topicID := int64(0)
	if i := strings.LastIndex(p.ThreadURL, "/"); i >= 0 {
		topicID, _ = strconv.ParseInt(p.ThreadURL[i+1:], 10, 64)
	}
	d.Find("article[id^='post_'][data-post-id]").Each(func(_ int, s *goquery.Selection) {
		if q, ok := dcRenderedPost(s, base, root, p.ThreadURL, topicID, dc); ok {
			p.Posts = append(p.Posts, q)
		}
	})
	d.Find("div.crawler-post[id^='post_']").Each(func(_ int, s *goquery.Selection) {
		num, err := strconv.Atoi(strings.TrimPrefix(s.AttrOr("id", ""), "post_"))
		if err != nil || num <= 0 {
			return
		}
		q := Post{Anchor: "post_" + strconv.Itoa(num), Position: num, Permalink: p.ThreadURL + "/" + strconv.Itoa(num)}
		if n := parseCount(s.Find("[itemprop=position]").First().Text()); n > 0 {
			q.Position = n
		}
		author := s.Find("[itemprop=author]").First()
		q.Author.Name = clean(author.Find("[itemprop=name]").First().Text())
		if q.Author.Name == "" {
			q.Author.Name = clean(author.Text())
		}
		if a := author.Find("a[href]").First(); a.Length() > 0 {
			q.Author.URL = resolve(base, a.AttrOr("href", ""))
		} else if q.Author.Name != "" {
			q.Author.URL = root.String() + "/u/" + url.PathEscape(q.Author.Name)
		}
		tm := s.Find("time[itemprop=datePublished], time.post-time, time[datetime]").First()
		q.Published = dc.first(tm.AttrOr("datetime", ""), s.Find("meta[itemprop=datePublished]").AttrOr("content", ""), tm.Text())
		s.Find("[itemprop=interactionStatistic]").Each(func(_ int, st *goquery.Selection) {
			if strings.Contains(st.Find("[itemprop=interactionType]").AttrOr("href", "")+st.Find("meta[itemprop=interactionType]").AttrOr("content", ""), "LikeAction") {
				q.Likes = parseCount(st.Find("[itemprop=userInteractionCount]").AttrOr("content", ""))
			}
		})
		body := s.Find("[itemprop=text], div.post").First()
		if aq := body.Find("aside.quote").First(); aq.Length() > 0 {
			topic, n := aq.AttrOr("data-topic", ""), aq.AttrOr("data-post", "")
			switch {
			case n != "" && (topic == "" || topic == strconv.FormatInt(topicID, 10)):
				q.QuotedRef = "post_" + n
			case aq.AttrOr("data-username", "") != "":
				q.QuotedRef = aq.AttrOr("data-username", "")
			}
		}
		body.Find("aside.quote").Remove()
		body.Find("aside.onebox").Each(func(_ int, ob *goquery.Selection) {
			ob.ReplaceWithHtml("<p>" + html.EscapeString(ob.AttrOr("data-onebox-src", "")) + "</p>")
		})
		q.Text = nodeText(body)
		p.Posts = append(p.Posts, q)
	})
	if next := resolve(base, d.Find("a[rel=next]").First().AttrOr("href", "")); next != "" && strings.HasPrefix(next, p.ThreadURL) {
		p.NextURL = next
	}
	p.finish()
	return p
}

// dcRenderedPost reads one post of a browser-rendered topic.
func dcRenderedPost(s *goquery.Selection, base, root *url.URL, threadURL string, topicID int64, dc dateCtx) (Post, bool) {
	num, err := strconv.Atoi(strings.TrimPrefix(s.AttrOr("id", ""), "post_"))
	if err != nil || num <= 0 {
		return Post{}, false
	}
	q := Post{Anchor: "post_" + strconv.Itoa(num), Position: num, Permalink: threadURL + "/" + strconv.Itoa(num)}
	q.Deleted = s.HasClass("deleted") || s.ParentsFiltered(".topic-post.deleted").Length() > 0
	user := s.Find(".names .username a, .names a[data-user-card]").First()
	q.Author.Name = clean(user.Text())
	if q.Author.Name == "" {
		q.Author.Name = clean(user.AttrOr("data-user-card", ""))
	}
	if href := resolve(base, user.AttrOr("href", "")); href != "" {
		q.Author.URL = dropQuery(href)
	} else if q.Author.Name != "" {
		q.Author.URL = root.String() + "/u/" + url.PathEscape(q.Author.Name)
	}
	dt := s.Find(".post-date [data-time], .post-info [data-time], .relative-date[data-time]").First()
	q.Published = dc.first(dt.AttrOr("data-time", ""), dt.AttrOr("title", ""))
	q.Likes = parseCount(s.Find("button.like-count, .like-count").First().Text())
	body := s.Find(".cooked").First()
	if aq := body.Find("aside.quote").First(); aq.Length() > 0 {
		topic, n := aq.AttrOr("data-topic", ""), aq.AttrOr("data-post", "")
		switch {
		case n != "" && (topic == "" || topic == strconv.FormatInt(topicID, 10)):
			q.QuotedRef = "post_" + n
		case aq.AttrOr("data-username", "") != "":
			q.QuotedRef = aq.AttrOr("data-username", "")
		}
	}
	body.Find("aside.quote, .cooked-selection-barrier").Remove()
	body.Find("aside.onebox").Each(func(_ int, ob *goquery.Selection) {
		ob.ReplaceWithHtml("<p>" + html.EscapeString(ob.AttrOr("data-onebox-src", "")) + "</p>")
	})
	q.Text = nodeText(body)
	return q, true
}
