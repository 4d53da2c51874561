package forum

import (
	"net/url"
	"strings"

	"github.com/PuerkitoBio/goquery"
)

// XenForo 1: ol#messageList li.message#post-N, abbr.DateTime[data-time]
// (or span.DateTime[title] for older posts), blockquote.messageText,
// div.bbCodeQuote[data-author], a.postNumber "#N", .PageNav's "Next >".

func xf1Thread(d *goquery.Document, p *Page, base *url.URL, dc dateCtx, pageURL string) {
	if t := clean(d.Find(".titleBar h1").First().Text()); t != "" {
		p.ThreadTitle = t
	}
	if p.NextURL == "" {
		p.NextURL = xf1Next(d, base)
	}
	pageNum := 1
	if m := xfPageRe.FindStringSubmatch(pathOf(pageURL)); m != nil {
		pageNum = parseCount(m[1])
	}
	if cur := parseCount(d.Find(".PageNav a.currentPage").First().Text()); cur > 0 {
		pageNum = cur
	}
	d.Find("#messageList li.message, li.message[data-author]").Each(func(i int, s *goquery.Selection) {
		if s.ParentsFiltered("li.message").Length() > 0 {
			return
		}
		p.Posts = append(p.Posts, xf1Post(s, base, dc, (pageNum-1)*xfPerPage+i+1))
	})
}

func xf1Next(d *goquery.Document, base *url.URL) string {
	var next string
	d.Find(".PageNav a.text, .PageNav a[rel=next]").EachWithBreak(func(_ int, a *goquery.Selection) bool {
		t := strings.ToLower(clean(a.Text()))
		if a.AttrOr("rel", "") == "next" || strings.HasPrefix(t, "next") || strings.HasPrefix(t, "suivant") || strings.HasPrefix(t, "weiter") {
			next = resolve(base, a.AttrOr("href", ""))
			return next == ""
		}
		return true
	})
	if next == "" {
		next = resolve(base, d.Find("link[rel=next]").AttrOr("href", ""))
	}
	return next
}

func xf1Post(s *goquery.Selection, base *url.URL, dc dateCtx, pos int) Post {
	var q Post
	q.Position = pos
	q.Anchor = s.AttrOr("id", "")
	q.Deleted = s.HasClass("deleted") || s.Find(".messageNotices .deletedNotice").Length() > 0
	user := s.Find(".messageUserInfo a.username, .messageDetails a.username, a.username").First()
	q.Author.Name = clean(user.Text())
	if q.Author.Name == "" {
		q.Author.Name = clean(s.AttrOr("data-author", ""))
	}
	q.Author.URL = resolve(base, user.AttrOr("href", ""))
	s.Find(".extraUserInfo dl, .extraUserInfo .pairsJustified").Each(func(_ int, dl *goquery.Selection) {
		applyStat(&q.Author, dl.Find("dt").Text(), dl.Find("dd").Text())
	})
	dt := s.Find(".messageMeta .DateTime, .messageDetails .DateTime, .DateTime").First()
	q.Published = dc.first(dt.AttrOr("data-time", ""), dt.AttrOr("title", ""),
		strings.TrimSpace(dt.AttrOr("data-datestring", "")+" "+dt.AttrOr("data-timestring", "")), dt.Text())
	if q.Published.IsZero() {
		q.Published = dateFallback(s, dc)
	}
	if pl := s.Find("a.datePermalink").First(); pl.Length() > 0 {
		q.Permalink = resolve(base, pl.AttrOr("href", ""))
	}
	if n := parseCount(s.Find("a.postNumber").First().Text()); n > 0 {
		q.Position = n
	}
	q.Likes = parseCount(s.Find(".LikeText .count, .likesSummary .count").First().Text())
	if q.Likes == 0 {
		q.Likes = s.Find(".LikeText a.username").Length()
	}
	body := s.Find("blockquote.messageText, .messageContent .messageText").First()
	if bq := body.Find(".bbCodeQuote").First(); bq.Length() > 0 {
		if src := bq.Find("a.AttributionLink").AttrOr("href", ""); strings.Contains(src, "#post-") {
			q.QuotedRef = src[strings.LastIndex(src, "#")+1:]
		} else if strings.Contains(src, "posts/") {
			id := strings.Trim(src[strings.LastIndex(strings.TrimSuffix(src, "/"), "/")+1:], "/")
			q.QuotedRef = "post-" + id
		} else if who := bq.AttrOr("data-author", ""); who != "" {
			q.QuotedRef = clean(who)
		}
	}
	body.Find(".bbCodeQuote, .messageTextEndMarker, .signature").Remove()
	q.Text = nodeText(body)
	return q
}

// xf1Lists reads XenForo 1's thread list (li.discussionListItem) and node
// list (.nodeTitle a).
func xf1Lists(d *goquery.Document, p *Page, base *url.URL, dc dateCtx) {
	d.Find("li.discussionListItem").Each(func(_ int, s *goquery.Selection) {
		a := s.Find("h3.title a[href*='threads/'], .title a.PreviewTooltip").First()
		href := resolve(base, a.AttrOr("href", ""))
		if href == "" {
			return
		}
		tl := ThreadLink{URL: xfCanonical(href), Title: clean(a.Text()), Replies: -1}
		if dd := s.Find(".stats .major dd").First(); dd.Length() > 0 {
			tl.Replies = parseCount(dd.Text())
		}
		lt := s.Find(".lastPost .DateTime, .lastPostInfo .DateTime").First()
		tl.LastPost = dc.first(lt.AttrOr("data-time", ""), lt.AttrOr("title", ""), lt.Text())
		p.Threads = append(p.Threads, tl)
	})
	if len(p.Threads) > 0 && p.NextURL == "" {
		p.NextURL = xf1Next(d, base)
	}
	d.Find(".nodeTitle a").Each(func(_ int, s *goquery.Selection) {
		if href := resolve(base, s.AttrOr("href", "")); href != "" && strings.Contains(href, "forums/") {
			p.Boards = append(p.Boards, href)
		}
	})
}
