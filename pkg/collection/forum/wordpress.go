package forum

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/PuerkitoBio/goquery"
)

// wordpressProfile reads WordPress comment lists (li.comment#comment-N) and
// themes with the same markup. The "thread" is the article.
type wordpressProfile struct{}

func (wordpressProfile) Name() string { return WordPress }

// wpPerPage is WordPress's default comments_per_page when paging is on.
const wpPerPage = 50

var wpPageRe = regexp.MustCompile(`/comment-page-(\d+)/?$`)

func (wordpressProfile) Parse(doc, pageURL string, opt Options) (*Page, error) {
	d, err := load(doc)
	if err != nil {
		return nil, err
	}
	base := docBase(d, pageURL)
	dc := newDateCtx(opt, d)
	p := &Page{Engine: WordPress, Zone: dc.zone, Containers: countContainers(WordPress, doc)}
	p.ThreadTitle = squashText(d.Find("h1.entry-title, h1.post-title, article h1, h1"))
	p.ThreadURL = wpCanonical(pageURL)
	if canon := resolve(base, d.Find("link[rel=canonical]").AttrOr("href", "")); canon != "" {
		p.ThreadURL = wpCanonical(canon)
	}
	cur := wpCurrentCommentPage(d, pageURL)
	if cur > 1 && wpCommentPage(pageURL) != cur {
		p.AliasURL = strings.TrimSuffix(p.ThreadURL, "/") + "/comment-page-" + strconv.Itoa(cur) + "/"
	}
	p.NextURL, p.MoreURLs = wpCommentPages(d, base, p.ThreadURL, cur)
	offset := 0
	if cur > 1 {
		offset = (cur - 1) * wpPerPage
	}
	// Twenty Ten and its many children: li#li-comment-N > div#comment-N;
	// wp_list_comments(style=div): div.comment#comment-N, replies in div.children.
	d.Find("li.comment[id^='comment-'], li.pingback[id^='comment-'], li.trackback[id^='comment-'], li.comment[id^='li-comment-'], div.comment[id^='comment-']").Each(func(i int, s *goquery.Selection) {
		p.Posts = append(p.Posts, wpComment(s, base, dc, offset+i+1))
	})
	if len(p.Posts) == 0 {
		p.NextURL = ""
		p.LoginWall = loginWall(d.Find("#comments, .comments-area, .must-log-in"))
	}
	p.finish()
	return p, nil
}

func wpComment(s *goquery.Selection, base *url.URL, dc dateCtx, pos int) Post {
	var q Post
	q.Position = pos
	q.Anchor = strings.TrimPrefix(s.AttrOr("id", ""), "li-")
	// The comment's own parts only: replies nest inside it in ol.children.
	own := s.Clone()
	own.Find("ol.children, ul.children, div.children").Remove()
	author := own.Find(".comment-author .fn, .comment-author cite, .fn").First()
	q.Author.Name = clean(author.Text())
	q.Author.URL = resolve(base, author.Find("a").AttrOr("href", ""))
	if q.Author.URL == "" {
		q.Author.URL = resolve(base, author.AttrOr("href", ""))
	}
	meta := own.Find(".comment-metadata, .comment-meta").First()
	tm := meta.Find("time").First()
	q.Published = dc.first(tm.AttrOr("datetime", ""), tm.Text(), meta.Find("a").First().Text())
	if q.Published.IsZero() {
		q.Published = dateFallback(own, dc)
	}
	if a := meta.Find("a[href*='#comment-']").First(); a.Length() > 0 {
		q.Permalink = resolve(base, a.AttrOr("href", ""))
	}
	// A nested comment answers its parent: that is what it quotes.
	if parent := s.ParentsFiltered("li.comment, div.comment[id^='comment-']").First(); parent.Length() > 0 {
		q.QuotedRef = strings.TrimPrefix(parent.AttrOr("id", ""), "li-")
	}
	body := own.Find(".comment-content, .comment-text, .comment-body > p").First()
	if body.HasClass("comment-content") || body.HasClass("comment-text") {
		if bq := body.Find("blockquote").First(); bq.Length() > 0 && q.QuotedRef == "" {
			q.QuotedRef = quoteAuthorFromCite(bq.Find("cite, strong").First().Text())
		}
		body.Find("blockquote, .signature").Remove()
		q.Text = nodeText(body)
	} else {
		q.Text = nodeText(own.Find(".comment-body > p"))
	}
	return q
}

// wpCanonical strips /comment-page-N/ and the fragment.
func wpCanonical(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	u.Path = wpPageRe.ReplaceAllString(u.Path, "/")
	u.RawPath, u.Fragment = "", ""
	if q := u.Query(); q.Has("cpage") {
		q.Del("cpage")
		u.RawQuery = q.Encode()
	}
	if !strings.HasSuffix(u.Path, "/") && !strings.Contains(u.Path[strings.LastIndex(u.Path, "/")+1:], ".") {
		u.Path += "/"
	}
	return u.String()
}
