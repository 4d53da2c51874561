package forum

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/PuerkitoBio/goquery"
)

// phpbbProfile reads phpBB 3.x prosilver pages: viewtopic (div.post),
// viewforum (ul.topiclist li.row) and the index (a.forumtitle).
type phpbbProfile struct{}

func (phpbbProfile) Name() string { return PhpBB }

func (phpbbProfile) Parse(doc, pageURL string, opt Options) (*Page, error) {
	d, err := load(doc)
	if err != nil {
		return nil, err
	}
	base := docBase(d, pageURL)
	dc := newDateCtx(opt, d)
	p := &Page{Engine: PhpBB, Zone: dc.zone, Containers: countContainers(PhpBB, doc)}
	titleSel := d.Find("h2.topic-title").First()
	if titleSel.Length() == 0 {
		// phpBB 3.0 prosilver: the first h2 of the page body.
		titleSel = d.Find("#page-body h2").First()
	}
	p.ThreadTitle = squashText(titleSel)
	p.ThreadURL = phpbbThreadURL(titleSel, base, pageURL)
	p.NextURL = phpbbNext(d, base, p.ThreadURL)

	start := phpbbStart(d, pageURL)
	d.Find("div.post").Each(func(i int, s *goquery.Selection) {
		p.Posts = append(p.Posts, phpbbPost(s, base, dc, start+i+1))
	})
	if len(p.Posts) > 0 {
		p.finish()
		return p, nil
	}
	// Board page: topic rows; index page: forum links.
	d.Find("ul.topiclist.topics li.row, ul.topiclist li.row").Each(func(_ int, s *goquery.Selection) {
		a := s.Find("a.topictitle").First()
		href := resolve(base, a.AttrOr("href", ""))
		if href == "" {
			return
		}
		tl := ThreadLink{URL: phpbbCanonical(href), Title: clean(a.Text()), Replies: -1}
		if dd := s.Find("dd.posts"); dd.Length() > 0 {
			tl.Replies = parseCount(dd.Text())
		}
		last := s.Find("dd.lastpost").First()
		tl.LastPost = dc.first(last.Find("time").AttrOr("datetime", ""), phpbbLastPostText(last))
		p.Threads = append(p.Threads, tl)
	})
	d.Find("a.forumtitle").Each(func(_ int, s *goquery.Selection) {
		if href := resolve(base, s.AttrOr("href", "")); href != "" {
			p.Boards = append(p.Boards, dropQuery(href, "sid"))
		}
	})
	if len(p.Threads) == 0 && len(p.Boards) == 0 {
		p.LoginWall = loginWall(d.Find("#message, .panel, form#login, #page-body"))
	}
	p.ThreadURL = ""
	if len(p.Threads) == 0 {
		p.NextURL = ""
	}
	p.finish()
	return p, nil
}

func phpbbPost(s *goquery.Selection, base *url.URL, dc dateCtx, pos int) Post {
	var q Post
	q.Position = pos
	q.Anchor = s.AttrOr("id", "")
	q.Deleted = s.HasClass("deleted") || s.Find(".post-ignore, .ignore").Length() > 0 && s.Find(".content").Length() == 0
	prof := s.Find(".postprofile").First()
	user := prof.Find("a.username, a.username-coloured").First()
	for _, fallback := range []string{"dt a[href*='mode=viewprofile']", "p.author a[href*='mode=viewprofile']", "p.author strong"} {
		if user.Length() > 0 {
			break
		}
		user = s.Find(fallback).First()
	}
	q.Author.Name = clean(user.Text())
	if q.Author.Name == "" {
		// Guests and deleted users have no link, only a span.
		q.Author.Name = clean(prof.Find("dt span.username, dt").First().Text())
	}
	q.Author.URL = resolve(base, user.AttrOr("href", ""))
	if q.Author.URL != "" {
		q.Author.URL = dropQuery(q.Author.URL, "sid")
	}
	prof.Find("dd").Each(func(_ int, dd *goquery.Selection) {
		label := dd.Find("strong").First().Text()
		value := strings.TrimPrefix(clean(dd.Text()), clean(label))
		if label == "" {
			label, value, _ = strings.Cut(dd.Text(), ":")
		}
		applyStat(&q.Author, label, value)
	})
	author := s.Find("p.author").First()
	authorText := author.Text()
	if i := strings.LastIndex(authorText, "»"); i >= 0 {
		authorText = authorText[i+len("»"):]
	}
	q.Published = dc.first(author.Find("time").AttrOr("datetime", ""), authorText)
	if q.Published.IsZero() {
		q.Published = dateFallback(s, dc)
	}
	if pl := author.Find("a[href*='#p']").First(); pl.Length() > 0 {
		q.Permalink = dropQuery(resolve(base, pl.AttrOr("href", "")), "sid")
		if q.Permalink != "" {
			q.Permalink += "#" + q.Anchor
		}
	}
	body := s.Find(".content").First()
	q.QuotedRef = phpbbQuoteRef(body)
	body.Find("blockquote").Remove()
	body.Find(".signature").Remove()
	q.Text = nodeText(body)
	return q
}

// phpbbQuoteRef names the first quoted post: "p123" when the cite links it,
// else the quoted author.
func phpbbQuoteRef(body *goquery.Selection) string {
	bq := body.Find("blockquote").First()
	if bq.Length() == 0 {
		return ""
	}
	cite := bq.Find("cite").First()
	if id, ok := cite.Find("a[data-post-id]").Attr("data-post-id"); ok && id != "" {
		return "p" + id
	}
	if a := cite.Find("a[href*='#p']").First(); a.Length() > 0 {
		href := a.AttrOr("href", "")
		if i := strings.LastIndex(href, "#p"); i >= 0 {
			return href[i+1:]
		}
	}
	if u := clean(cite.Find("a").First().Text()); u != "" {
		return u
	}
	return quoteAuthorFromCite(cite.Text())
}

// quoteAuthorFromCite turns "bob a écrit :" / "bob wrote:" into "bob".
func quoteAuthorFromCite(s string) string {
	s = clean(s)
	for _, sep := range []string{" a écrit", " wrote", " said", " a dit", " dixit", ":"} {
		if i := strings.Index(s, sep); i > 0 {
			return strings.TrimSpace(s[:i])
		}
	}
	return s
}

// phpbbNext is the thread's next page: 3.1+ li.next / rel=next; 3.0
// prosilver's "Next" a.right-box (no class or rel of its own); else the
// link after the current page's number in the pagination (3.0 prosilver and
// subsilver2: <strong>1</strong>, <a>2</a>). A link to another topic is no
// next page.
func phpbbNext(d *goquery.Document, base *url.URL, threadURL string) string {
	cands := []*goquery.Selection{
		d.Find(".pagination li.next a, .pagination a[rel='next'], a[rel='next']").First(),
		d.Find("a.right-box").First(),
	}
	// <span><strong>1</strong><span class="page-sep">, </span><a>2</a>; the
	// strong of "Page <strong>1</strong> of 2" sits in the jump link instead.
	if cur := d.Find(".pagination span > strong, td.gensmall b > strong").First(); cur.Length() > 0 {
		cands = append(cands, cur.NextAllFiltered("a").First())
	}
	for _, a := range cands {
		href := resolve(base, a.AttrOr("href", ""))
		if href == "" || !strings.Contains(href, "viewtopic") && !strings.Contains(href, "start=") {
			continue
		}
		if threadURL != "" && phpbbCanonical(href) != threadURL && urlParam(href, "t") != "" {
			continue
		}
		return dropQuery(href, "sid")
	}
	return ""
}

// phpbbThreadURL is viewtopic.php?t=N (the forum id f is dropped because a
// moved topic keeps its t); SEO URLs keep their path without paging.
func phpbbThreadURL(title *goquery.Selection, base *url.URL, pageURL string) string {
	if href := resolve(base, title.Find("a[href*='viewtopic']").First().AttrOr("href", "")); href != "" {
		return phpbbCanonical(href)
	}
	return phpbbCanonical(pageURL)
}

func phpbbCanonical(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	q := u.Query()
	if t := q.Get("t"); t != "" {
		u.RawQuery = url.Values{"t": {t}}.Encode()
	} else {
		q.Del("start")
		q.Del("sid")
		q.Del("hilit")
		q.Del("view")
		u.RawQuery = q.Encode()
	}
	u.Fragment = ""
	return u.String()
}

// phpbbStart is the offset of the page's first post: the start parameter,
// else derived from the pagination (active page number and a neighbour's start).
func phpbbStart(d *goquery.Document, pageURL string) int {
	if s := urlParam(pageURL, "start"); s != "" {
		n, _ := strconv.Atoi(s)
		if n >= 0 {
			return n
		}
	}
	active := parseCount(d.Find(".pagination li.active").First().Text())
	if active <= 1 {
		return 0
	}
	next := d.Find(".pagination li.next a").First().AttrOr("href", "")
	if ns, err := strconv.Atoi(urlParam(next, "start")); err == nil && ns > 0 {
		per := ns / active
		return ns - per
	}
	prev := d.Find(".pagination li.previous a").First().AttrOr("href", "")
	ps, _ := strconv.Atoi(urlParam(prev, "start"))
	if active > 2 && ps > 0 {
		return ps + ps/(active-2)
	}
	return 0
}

// phpbbLastPostText is the date part of a board row's "last post" cell:
// "par bob » Sam Jan 06, 2024 10:42 pm".
func phpbbLastPostText(s *goquery.Selection) string {
	t := s.Text()
	if i := strings.LastIndex(t, "»"); i >= 0 {
		t = t[i+len("»"):]
	}
	return t
}
