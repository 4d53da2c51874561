package forum

import (
	"html"
	"net/url"
	"strconv"
	"strings"

	"github.com/PuerkitoBio/goquery"
)

// dcHTMLTopic reads the topic page Discourse renders for browsers without
// JavaScript and for crawlers (what a saved page holds): one
// div.crawler-post#post_N per post with schema.org microdata (author,
// time[datetime] in UTC, position), the cooked HTML in [itemprop=text],
// ?page=N pages linked by a[rel=next]. Anchors, positions and thread URLs
// are the JSON API's, so both give the same posts.
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
