package forum

import (
	"net/url"
	"strings"

	"github.com/PuerkitoBio/goquery"
)

// vbulletinProfile reads vBulletin 4.x (li.postbit / li.postbitlegacy) and
// 5.x (li.b-post) thread pages, and their thread lists.
type vbulletinProfile struct{}

func (vbulletinProfile) Name() string { return VBulletin }

// vbPerPage is vBulletin's default posts per page, for positions when a
// post shows no "#N" counter.
const vbPerPage = 10

func (vbulletinProfile) Parse(doc, pageURL string, opt Options) (*Page, error) {
	d, err := load(doc)
	if err != nil {
		return nil, err
	}
	base := docBase(d, pageURL)
	dc := newDateCtx(opt, d)
	lang := strings.ToLower(opt.Lang)
	if lang == "" {
		lang = strings.ToLower(d.Find("html").AttrOr("lang", ""))
	}
	if lang == "en" || lang == "en-us" {
		// vBulletin's stock English dates are month first: 01-06-2024 is
		// 6 January. A day-first board says so with lang: en-GB.
		dc.opt.Lang = "en-US"
	}
	p := &Page{Engine: VBulletin, Zone: dc.zone, Containers: countContainers(VBulletin, doc)}
	p.ThreadTitle = squashText(d.Find("span.threadtitle, h1.main-title, #pagetitle h1"))
	if canon := resolve(base, d.Find("link[rel=canonical]").AttrOr("href", "")); canon != "" {
		p.ThreadURL = vbCanonical(canon)
	} else {
		p.ThreadURL = vbCanonical(pageURL)
	}
	p.NextURL = vbNext(d, base)
	offset := 0
	if n := parseCount(urlParam(pageURL, "page")); n > 1 {
		offset = (n - 1) * vbPerPage
	}
	d.Find("li.postbit, li.postbitlegacy, li.postcontainer, li.b-post, li.postbitdeleted").Each(func(i int, s *goquery.Selection) {
		if s.ParentsFiltered("li.postcontainer, li.b-post").Length() > 0 {
			return
		}
		p.Posts = append(p.Posts, vbPost(s, base, dc, offset+i+1))
	})
	if len(p.Posts) == 0 {
		// vBulletin 3: one table#postN per post (in div#editN).
		d.Find("table[id^='post']").Each(func(i int, s *goquery.Selection) {
			if vb3PostIDRe.MatchString(s.AttrOr("id", "")) {
				p.Posts = append(p.Posts, vb3Post(s, base, dc, offset+len(p.Posts)+1))
			}
		})
	}
	if len(p.Posts) > 0 {
		p.finish()
		return p, nil
	}
	d.Find("li.threadbit, tr.topic-item").Each(func(_ int, s *goquery.Selection) {
		a := s.Find("a.title, a.topic-title").First()
		href := resolve(base, a.AttrOr("href", ""))
		if href == "" {
			return
		}
		tl := ThreadLink{URL: vbCanonical(href), Title: clean(a.Text()), Replies: -1}
		if st := s.Find("ul.threadstats li, .posts-count").First(); st.Length() > 0 {
			tl.Replies = parseCount(st.Text())
		}
		lp := s.Find("dl.threadlastpost dd, .lastpost-date, time").Last()
		tl.LastPost = dc.first(lp.AttrOr("datetime", ""), lp.Text())
		p.Threads = append(p.Threads, tl)
	})
	d.Find("h2.forumtitle a, .forumtitle a, a.forum-title").Each(func(_ int, s *goquery.Selection) {
		if href := resolve(base, s.AttrOr("href", "")); href != "" {
			p.Boards = append(p.Boards, dropQuery(href, "s"))
		}
	})
	if len(p.Threads) == 0 && len(p.Boards) == 0 {
		p.LoginWall = loginWall(d.Find(".standard_error, .blockrow, .restrictobox, #content, .main-content"))
		p.NextURL = ""
	}
	p.ThreadURL = ""
	p.finish()
	return p, nil
}

func vbPost(s *goquery.Selection, base *url.URL, dc dateCtx, pos int) Post {
	var q Post
	q.Position = pos
	q.Anchor = s.AttrOr("id", "")
	if q.Anchor == "" {
		q.Anchor = "post" + s.AttrOr("data-node-id", "")
	}
	q.Anchor = strings.ReplaceAll(q.Anchor, "post_", "post")
	q.Deleted = s.HasClass("postbitdeleted") || s.HasClass("b-post--deleted") || s.Find(".deletedpost, .postbit_deleted").Length() > 0
	user := s.Find("a.username, .b-userinfo .author a, .author a[data-vbnamecard]").First()
	if user.Length() == 0 {
		user = s.Find(".username, .username_container").First()
	}
	q.Author.Name = clean(user.Text())
	q.Author.URL = dropQuery(resolve(base, user.AttrOr("href", "")), "s")
	if q.Author.URL == "?" {
		q.Author.URL = ""
	}
	s.Find("dl.userinfo_extra").Each(func(_ int, dl *goquery.Selection) {
		dl.Find("dt").Each(func(_ int, dt *goquery.Selection) {
			applyStat(&q.Author, dt.Text(), dt.NextFiltered("dd").Text())
		})
	})
	s.Find(".b-userinfo__additional-info").Each(func(_ int, li *goquery.Selection) {
		applyStat(&q.Author, li.Find("label").Text(), li.Find("span").Text())
	})
	tm := s.Find(".b-post__timestamp time, time[datetime]").First()
	q.Published = dc.first(tm.AttrOr("datetime", ""), tm.Text(), s.Find(".posthead .postdate .date, .postdate").First().Text(),
		s.Find(".b-post__timestamp, .posthead .date, span.date, abbr.published").First().AttrOr("title", ""),
		s.Find(".b-post__timestamp, .posthead .date, span.date").First().Text())
	if q.Published.IsZero() {
		q.Published = vbStatsDate(s, dc)
	}
	if q.Published.IsZero() {
		q.Published = dateFallback(s, dc)
	}
	counter := s.Find("a.postcounter, a.b-post__count").First()
	if n := parseCount(counter.Text()); n > 0 {
		q.Position = n
	}
	if href := resolve(base, counter.AttrOr("href", "")); href != "" {
		q.Permalink = dropQuery(href, "s")
		if q.Permalink != "" {
			q.Permalink += "#" + q.Anchor
		}
	}
	q.Likes = parseCount(s.Find(".b-post__like-count, .postbit_likes_count, .vbseo_like_count").First().Text())
	body := s.Find("[id^='post_message_'], .js-post__content-text, .postcontent").First()
	if bq := body.Find(".bbcode_quote").First(); bq.Length() > 0 {
		by := bq.Find(".bbcode_postedby").First()
		if a := by.Find("a[href*='#post']").First(); a.Length() > 0 {
			href := a.AttrOr("href", "")
			q.QuotedRef = href[strings.LastIndex(href, "#")+1:]
		} else if who := clean(by.Find("strong").Text()); who != "" {
			q.QuotedRef = who
		} else {
			q.QuotedRef = strings.TrimSpace(strings.TrimPrefix(clean(by.Text()), "Originally Posted by"))
		}
	}
	body.Find(".bbcode_container, .bbcode_quote, .signature, .signaturecontainer, .b-post__signature").Remove()
	q.Text = nodeText(body)
	return q
}

// vbCanonical keeps showthread.php?t=N or the friendly path without /pageN.
func vbCanonical(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	qv := u.Query()
	if t := qv.Get("t"); t != "" {
		u.RawQuery = url.Values{"t": {t}}.Encode()
	} else {
		for _, k := range []string{"page", "p", "s", "highlight"} {
			qv.Del(k)
		}
		u.RawQuery = qv.Encode()
		// vB4 friendly URLs put the page in the query key: showthread.php?123-title/page2
		if i := strings.Index(u.RawQuery, "%2Fpage"); i >= 0 {
			u.RawQuery = u.RawQuery[:i]
		}
		u.RawQuery = strings.TrimSuffix(u.RawQuery, "=")
		u.Path = strings.TrimSuffix(u.Path, "/")
		if i := strings.LastIndex(u.Path, "/page"); i >= 0 && parseCount(u.Path[i:]) > 0 {
			u.Path = u.Path[:i]
		}
	}
	u.Fragment = ""
	return u.String()
}
