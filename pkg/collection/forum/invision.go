package forum

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strings"

	"github.com/PuerkitoBio/goquery"
)

// invisionProfile reads Invision Community (IPB) 4 pages: topics
// (article.cPost), forum lists (li.ipsDataItem) and the forum index.
type invisionProfile struct{}

func (invisionProfile) Name() string { return Invision }

const ipsPerPage = 25

var ipsPageRe = regexp.MustCompile(`/page/(\d+)/?$`)

func (invisionProfile) Parse(doc, pageURL string, opt Options) (*Page, error) {
	d, err := load(doc)
	if err != nil {
		return nil, err
	}
	base := docBase(d, pageURL)
	dc := newDateCtx(opt, d)
	p := &Page{Engine: Invision, Zone: dc.zone, Containers: countContainers(Invision, doc)}
	p.ThreadTitle = squashText(d.Find("h1.ipsType_pageTitle"))
	p.ThreadURL = ipsCanonical(pageURL)
	pag := d.Find("ul.ipsPagination").First()
	if next := pag.Find("li.ipsPagination_next").First(); !next.HasClass("ipsPagination_inactive") {
		p.NextURL = resolve(base, next.Find("a").AttrOr("href", ""))
	}
	if p.NextURL == "" {
		p.NextURL = resolve(base, d.Find("link[rel=next], ul.ipsPagination a[rel=next], .pagination li.next a[rel=next]").First().AttrOr("href", ""))
	}
	cur, per := 1, ipsPerPage
	if m := ipsPageRe.FindStringSubmatch(pathOf(pageURL)); m != nil {
		cur = parseCount(m[1])
	}
	if n := parseCount(pag.AttrOr("data-ipspagination-current", "")); n > 0 {
		cur = n
	}
	if n := parseCount(pag.AttrOr("data-ipspagination-perpage", "")); n > 0 {
		per = n
	}
	d.Find("article.cPost").Each(func(i int, s *goquery.Selection) {
		p.Posts = append(p.Posts, ipsPost(s, base, dc, (cur-1)*per+i+1))
	})
	if len(p.Posts) > 0 {
		p.finish()
		return p, nil
	}
	d.Find("li.ipsDataItem").Each(func(_ int, s *goquery.Selection) {
		a := s.Find(".ipsDataItem_title a[href*='/topic/']").First()
		href := resolve(base, a.AttrOr("href", ""))
		if href == "" {
			if fa := s.Find(".ipsDataItem_title a[href*='/forum/']").First(); fa.Length() > 0 {
				if fh := resolve(base, fa.AttrOr("href", "")); fh != "" {
					p.Boards = append(p.Boards, fh)
				}
			}
			return
		}
		tl := ThreadLink{URL: ipsCanonical(href), Title: clean(a.Text()), Replies: -1}
		if st := s.Find(".ipsDataItem_stats li").First(); st.Length() > 0 {
			tl.Replies = parseCount(st.Text())
		}
		tl.LastPost = dc.first(s.Find(".ipsDataItem_lastPoster time").AttrOr("datetime", ""))
		p.Threads = append(p.Threads, tl)
	})
	if len(p.Threads) == 0 && len(p.Boards) == 0 {
		p.LoginWall = loginWall(d.Find("#elErrorMessage, .ipsType_pageTitle, #ipsLayout_mainArea"))
		p.NextURL = ""
	}
	p.ThreadURL = ""
	p.finish()
	return p, nil
}

func ipsPost(s *goquery.Selection, base *url.URL, dc dateCtx, pos int) Post {
	var q Post
	q.Position = pos
	q.Anchor = s.AttrOr("id", "")
	wrap := s.Find("[data-commentid]").First()
	if id := wrap.AttrOr("data-commentid", ""); id != "" {
		q.Anchor = "comment-" + id
	}
	q.Deleted = s.HasClass("ipsComment_deleted") || s.Find(".ipsComment_deleted").Length() > 0
	user := s.Find(".cAuthorPane_author a, aside .cAuthorPane_author a").First()
	q.Author.Name = clean(user.Text())
	if q.Author.Name == "" {
		q.Author.Name = clean(s.Find(".cAuthorPane_author").First().Text())
	}
	if q.Author.Name == "" {
		var qd struct {
			Username string `json:"username"`
		}
		if json.Unmarshal([]byte(wrap.AttrOr("data-quotedata", "")), &qd) == nil {
			q.Author.Name = qd.Username
		}
	}
	q.Author.URL = resolve(base, user.AttrOr("href", ""))
	info := s.Find("aside ul.cAuthorPane_info").First()
	if info.Length() == 0 {
		info = s.Find("ul.cAuthorPane_info").First()
	}
	info.Find("li").Each(func(_ int, li *goquery.Selection) {
		if a := li.Find("a[title]").First(); a.Length() > 0 {
			title := a.AttrOr("title", "")
			if statLabel(strings.TrimLeft(strings.TrimLeft(title, "0123456789  \u00a0\u202f,."), " ")) == "posts" {
				q.Author.PostCount = parseCount(title)
			}
		}
		if rep := li.Find(".ipsRepBadge").First(); rep.Length() > 0 {
			q.Author.Reputation = parseCount(rep.Text())
			if strings.Contains(rep.AttrOr("class", ""), "negative") {
				q.Author.Reputation = -q.Author.Reputation
			}
		}
	})
	meta := s.Find(".ipsComment_meta").First()
	tm := meta.Find("time").First()
	if tm.Length() == 0 {
		tm = s.Find("time[datetime]").First()
	}
	q.Published = dc.first(tm.AttrOr("datetime", ""), tm.AttrOr("title", ""), tm.Text())
	if q.Published.IsZero() {
		q.Published = dateFallback(s, dc)
	}
	if a := meta.Find("a[href*='comment=']").First(); a.Length() > 0 {
		q.Permalink = resolve(base, a.AttrOr("href", ""))
	}
	q.Likes = parseCount(s.Find(".ipsReact_reactCount").First().Text())
	body := s.Find("[data-role=commentContent]").First()
	if bq := body.Find("blockquote.ipsQuote").First(); bq.Length() > 0 {
		if id := bq.AttrOr("data-ipsquote-contentcommentid", ""); id != "" {
			q.QuotedRef = "comment-" + id
		} else if who := bq.AttrOr("data-ipsquote-username", ""); who != "" {
			q.QuotedRef = clean(who)
		} else {
			q.QuotedRef = quoteAuthorFromCite(bq.Find(".ipsQuote_citation").Text())
		}
	}
	body.Find("blockquote.ipsQuote, [data-role=memberSignature]").Remove()
	q.Text = nodeText(body)
	return q
}

// ipsCanonical strips /page/N/ and query: /topic/45-slug/.
func ipsCanonical(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	u.Path = ipsPageRe.ReplaceAllString(u.Path, "/")
	u.RawPath, u.RawQuery, u.Fragment = "", "", ""
	return u.String()
}
