package forum

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/PuerkitoBio/goquery"
)

// xenforoProfile reads XenForo 2 pages: thread_view (article.message),
// forum_view (div.structItem--thread) and forum_list (.node-title).
type xenforoProfile struct{}

func (xenforoProfile) Name() string { return XenForo }

// xfPerPage is XenForo's default posts per page, for positions when a post
// shows no "#N" counter.
const xfPerPage = 20

var xfPageRe = regexp.MustCompile(`/page-(\d+)/?$`)

func (xenforoProfile) Parse(doc, pageURL string, opt Options) (*Page, error) {
	d, err := load(doc)
	if err != nil {
		return nil, err
	}
	base := docBase(d, pageURL)
	dc := newDateCtx(opt, d)
	p := &Page{Engine: XenForo, Zone: dc.zone, Containers: countContainers(XenForo, doc)}
	title := d.Find("h1.p-title-value").First().Clone()
	title.Find(".label, .labelLink, .label-append").Remove()
	p.ThreadTitle = clean(title.Text())
	p.ThreadURL = xfCanonical(pageURL)
	p.NextURL = resolve(base, d.Find("a.pageNav-jump--next, .pageNav a[rel=next]").First().AttrOr("href", ""))
	pageNum := 1
	if m := xfPageRe.FindStringSubmatch(pathOf(pageURL)); m != nil {
		pageNum = parseCount(m[1])
	}
	if cur := parseCount(d.Find(".pageNav-page--current").First().Text()); cur > 0 {
		pageNum = cur
	}
	d.Find("article.message[data-author], article.message--post").Each(func(i int, s *goquery.Selection) {
		if s.ParentsFiltered("article.message").Length() > 0 {
			return
		}
		p.Posts = append(p.Posts, xfPost(s, base, dc, (pageNum-1)*xfPerPage+i+1))
	})
	if len(p.Posts) == 0 && d.Find("#messageList li.message, li.message[data-author]").Length() > 0 {
		xf1Thread(d, p, base, dc, pageURL)
	}
	if len(p.Posts) > 0 {
		p.finish()
		return p, nil
	}
	xf1Lists(d, p, base, dc)
	d.Find(".structItem--thread").Each(func(_ int, s *goquery.Selection) {
		a := s.Find(".structItem-title a[data-tp-primary], .structItem-title a[href*='/threads/']").Last()
		href := resolve(base, a.AttrOr("href", ""))
		if href == "" {
			return
		}
		tl := ThreadLink{URL: xfCanonical(href), Title: clean(a.Text()), Replies: -1}
		s.Find(".structItem-cell--meta dl.pairs").Each(func(_ int, dl *goquery.Selection) {
			if l := strings.ToLower(clean(dl.Find("dt").Text())); strings.HasPrefix(l, "r") {
				tl.Replies = parseCount(dl.Find("dd").Text())
			}
		})
		lt := s.Find(".structItem-latestDate, .structItem-cell--latest time").First()
		tl.LastPost = dc.first(lt.AttrOr("data-time", ""), lt.AttrOr("datetime", ""), lt.Text())
		p.Threads = append(p.Threads, tl)
	})
	d.Find(".node-title a, .subNodeLink").Each(func(_ int, s *goquery.Selection) {
		if href := resolve(base, s.AttrOr("href", "")); href != "" && strings.Contains(href, "/forums/") {
			p.Boards = append(p.Boards, href)
		}
	})
	if len(p.Threads) == 0 && len(p.Boards) == 0 {
		p.LoginWall = loginWall(d.Find(".blockMessage, .p-body-pageContent, .overlay-content"))
		p.NextURL = ""
	}
	p.ThreadURL = ""
	p.finish()
	return p, nil
}

func xfPost(s *goquery.Selection, base *url.URL, dc dateCtx, pos int) Post {
	var q Post
	q.Position = pos
	q.Anchor = s.Find(".u-anchorTarget").First().AttrOr("id", "")
	if q.Anchor == "" {
		q.Anchor = strings.TrimPrefix(s.AttrOr("id", ""), "js-")
	}
	if q.Anchor == "" {
		q.Anchor = s.AttrOr("data-content", "")
	}
	q.Deleted = s.HasClass("message--deleted") || s.Find(".messageNotice--deleted").Length() > 0
	user := s.Find(".message-name a.username, .message-name .username, a.username").First()
	q.Author.Name = clean(user.Text())
	if q.Author.Name == "" {
		q.Author.Name = clean(s.AttrOr("data-author", ""))
	}
	q.Author.URL = resolve(base, user.AttrOr("href", ""))
	s.Find(".message-userExtras dl.pairs").Each(func(_ int, dl *goquery.Selection) {
		applyStat(&q.Author, dl.Find("dt").Text(), dl.Find("dd").Text())
	})
	attr := s.Find(".message-attribution").First()
	tm := attr.Find("time.u-dt").First()
	if tm.Length() == 0 {
		tm = s.Find("time.u-dt").First()
	}
	q.Published = dc.first(tm.AttrOr("datetime", ""), tm.AttrOr("data-time", ""), tm.AttrOr("data-timestamp", ""), tm.AttrOr("title", ""), tm.Text())
	if q.Published.IsZero() {
		q.Published = dateFallback(s, dc)
	}
	if pl := attr.Find(".message-attribution-main a[href]").First(); pl.Length() > 0 {
		q.Permalink = resolve(base, pl.AttrOr("href", ""))
	}
	attr.Find(".message-attribution-opposite a").EachWithBreak(func(_ int, a *goquery.Selection) bool {
		if t := clean(a.Text()); strings.HasPrefix(t, "#") {
			if n := parseCount(t); n > 0 {
				q.Position = n
			}
			return false
		}
		return true
	})
	q.Likes = xfLikes(s.Find(".reactionsBar-link").First())
	body := s.Find(".message-body .bbWrapper, .message-userContent .bbWrapper").First()
	if body.Length() == 0 {
		body = s.Find(".bbWrapper").First()
	}
	if bq := body.Find("blockquote.bbCodeBlock--quote").First(); bq.Length() > 0 {
		if src := bq.AttrOr("data-source", ""); strings.HasPrefix(src, "post:") {
			q.QuotedRef = "post-" + strings.TrimSpace(strings.TrimPrefix(src, "post:"))
		} else if who := bq.AttrOr("data-quote", ""); who != "" {
			q.QuotedRef = clean(who)
		} else {
			q.QuotedRef = quoteAuthorFromCite(bq.Find(".bbCodeBlock-title").Text())
		}
	}
	body.Find("blockquote.bbCodeBlock--quote, .message-signature").Remove()
	q.Text = nodeText(body)
	return q
}

// xfLikes counts "alice, bob et 3 autres" as 5.
func xfLikes(s *goquery.Selection) int {
	if s.Length() == 0 {
		return 0
	}
	n := s.Find("bdi").Length()
	t := s.Text()
	s.Find("bdi").Each(func(_ int, b *goquery.Selection) { t = strings.Replace(t, b.Text(), "", 1) })
	n += parseCount(t)
	if n == 0 {
		n = 1
	}
	return n
}

// xfCanonical strips page-N/ and post-N anchors: /threads/slug.45/.
func xfCanonical(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	p := u.Path
	if i := strings.Index(p, "/threads/"); i >= 0 {
		rest := p[i+len("/threads/"):]
		if j := strings.Index(rest, "/"); j >= 0 {
			rest = rest[:j]
		}
		p = p[:i] + "/threads/" + rest + "/"
	} else {
		p = xfPageRe.ReplaceAllString(p, "/")
	}
	u.Path, u.RawPath, u.RawQuery, u.Fragment = p, "", "", ""
	return u.String()
}

func pathOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Path
}
