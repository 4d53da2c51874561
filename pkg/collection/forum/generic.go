package forum

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"
)

// GenericProfile is a forum profile defined in config by CSS selectors, so a
// user adds any forum without code. A selector ending in "@attr" reads that
// attribute instead of the text. Only Post and Body are required; the other
// selectors are looked up inside each post, except Next, ThreadLinks,
// BoardLinks, Title and LoginWall, which apply to the whole page.
type GenericProfile struct {
	Post       string `yaml:"post" json:"post"`
	Anchor     string `yaml:"anchor,omitempty" json:"anchor,omitempty"`
	Author     string `yaml:"author,omitempty" json:"author,omitempty"`
	AuthorURL  string `yaml:"author_url,omitempty" json:"author_url,omitempty"`
	Date       string `yaml:"date,omitempty" json:"date,omitempty"`
	DateAttr   string `yaml:"date_attr,omitempty" json:"date_attr,omitempty"`
	Body       string `yaml:"body" json:"body"`
	Quote      string `yaml:"quote,omitempty" json:"quote,omitempty"`
	Signature  string `yaml:"signature,omitempty" json:"signature,omitempty"`
	Likes      string `yaml:"likes,omitempty" json:"likes,omitempty"`
	Deleted    string `yaml:"deleted,omitempty" json:"deleted,omitempty"`
	Next       string `yaml:"next,omitempty" json:"next,omitempty"`
	ThreadLink string `yaml:"thread_links,omitempty" json:"thread_links,omitempty"`
	BoardLinks string `yaml:"board_links,omitempty" json:"board_links,omitempty"`
	Title      string `yaml:"title,omitempty" json:"title,omitempty"`
	LoginWall  string `yaml:"login_wall,omitempty" json:"login_wall,omitempty"`
	// PerPage is the posts per page, for positions on later pages; default 20.
	PerPage int `yaml:"per_page,omitempty" json:"per_page,omitempty"`
}

// sel is a compiled "css@attr" selector.
type sel struct {
	m    cascadia.Selector
	attr string
}

func (s sel) ok() bool { return s.m != nil }

// in finds the selector inside root.
func (s sel) in(root *goquery.Selection) *goquery.Selection {
	if s.m == nil {
		return root.Slice(0, 0)
	}
	return root.FindMatcher(s.m)
}

// value is the attribute or text of the first match.
func (s sel) value(root *goquery.Selection) string {
	m := s.in(root).First()
	if s.attr != "" {
		return strings.TrimSpace(m.AttrOr(s.attr, ""))
	}
	return clean(m.Text())
}

var attrNameRe = regexp.MustCompile(`^[A-Za-z_:][-A-Za-z0-9_:.]*$`)

func compileSel(key, expr string) (sel, error) {
	expr = strings.TrimSpace(expr)
	if expr == "" {
		return sel{}, nil
	}
	css, attr := expr, ""
	if i := strings.LastIndex(expr, "@"); i >= 0 && attrNameRe.MatchString(expr[i+1:]) {
		css, attr = strings.TrimSpace(expr[:i]), expr[i+1:]
	}
	m, err := cascadia.Compile(css)
	if err != nil {
		return sel{}, fmt.Errorf("%w: generic profile key %s: selector %q: %w", errBadProfile, key, expr, err)
	}
	return sel{m: m, attr: attr}, nil
}

// genericProfile is a compiled GenericProfile.
type genericProfile struct {
	cfg                                                                 GenericProfile
	post, anchor, author, authorURL, date, body, quote, sig, likes, del sel
	next, threads, boards, title                                        sel
	walls                                                               []string
}

// Compile validates the config and returns a Profile that applies it. The
// error names the bad key.
func (g GenericProfile) Compile() (Profile, error) {
	if strings.TrimSpace(g.Post) == "" {
		return nil, fmt.Errorf("%w: generic profile key post is required", errBadProfile)
	}
	if strings.TrimSpace(g.Body) == "" {
		return nil, fmt.Errorf("%w: generic profile key body is required", errBadProfile)
	}
	if g.PerPage < 0 {
		return nil, fmt.Errorf("%w: generic profile key per_page must be positive, got %d", errBadProfile, g.PerPage)
	}
	p := &genericProfile{cfg: g}
	for _, f := range []struct {
		key, expr string
		dst       *sel
	}{
		{"post", g.Post, &p.post}, {"anchor", g.Anchor, &p.anchor}, {"author", g.Author, &p.author},
		{"author_url", g.AuthorURL, &p.authorURL}, {"date", g.Date, &p.date}, {"body", g.Body, &p.body},
		{"quote", g.Quote, &p.quote}, {"signature", g.Signature, &p.sig}, {"likes", g.Likes, &p.likes},
		{"deleted", g.Deleted, &p.del}, {"next", g.Next, &p.next}, {"thread_links", g.ThreadLink, &p.threads},
		{"board_links", g.BoardLinks, &p.boards}, {"title", g.Title, &p.title},
	} {
		s, err := compileSel(f.key, f.expr)
		if err != nil {
			return nil, err
		}
		*f.dst = s
	}
	for _, w := range strings.Split(g.LoginWall, "|") {
		if w = strings.TrimSpace(w); w != "" {
			p.walls = append(p.walls, w)
		}
	}
	if len(p.walls) == 0 {
		p.walls = loginWallPhrases
	}
	return p, nil
}

func (*genericProfile) Name() string { return Generic }

var genericPageRe = regexp.MustCompile(`(?:[?&](?:page|p|pg)=|/page[-/]?)(\d+)`)

func (g *genericProfile) Parse(doc, pageURL string, opt Options) (*Page, error) {
	d, err := load(doc)
	if err != nil {
		return nil, err
	}
	base := docBase(d, pageURL)
	dc := newDateCtx(opt, d)
	root := d.Selection
	p := &Page{Engine: Generic, Zone: dc.zone}
	if g.title.ok() {
		p.ThreadTitle = g.title.value(root)
	} else {
		p.ThreadTitle = squashText(d.Find("h1"))
	}
	p.ThreadURL = dropQuery(pageURL, "page", "p", "pg", "start")
	p.ThreadURL = genericPageRe.ReplaceAllStringFunc(p.ThreadURL, func(m string) string {
		if strings.HasPrefix(m, "/") {
			return ""
		}
		return m
	})
	if canon := resolve(base, d.Find("link[rel=canonical]").AttrOr("href", "")); canon != "" && !genericPageRe.MatchString(canon) {
		p.ThreadURL = canon
	}
	if g.next.ok() {
		p.NextURL = resolve(base, g.linkValue(g.next, root))
	}
	per := g.cfg.PerPage
	if per == 0 {
		per = 20
	}
	offset := 0
	if m := genericPageRe.FindStringSubmatch(pageURL); m != nil {
		if n := parseCount(m[1]); n > 1 {
			offset = (n - 1) * per
		}
	}
	g.post.in(root).Each(func(i int, s *goquery.Selection) {
		p.Posts = append(p.Posts, g.parsePost(s, base, dc, offset+i+1))
	})
	if g.threads.ok() {
		g.threads.in(root).Each(func(_ int, s *goquery.Selection) {
			if u := resolve(base, linkOf(g.threads, s)); u != "" {
				p.Threads = append(p.Threads, ThreadLink{URL: u, Title: clean(s.Text()), Replies: -1})
			}
		})
	}
	if g.boards.ok() {
		g.boards.in(root).Each(func(_ int, s *goquery.Selection) {
			if u := resolve(base, linkOf(g.boards, s)); u != "" {
				p.Boards = append(p.Boards, u)
			}
		})
	}
	if len(p.Posts) == 0 && len(p.Threads) == 0 && len(p.Boards) == 0 {
		p.LoginWall = textContainsAny(d.Find("body").Text(), g.walls...)
		p.NextURL = ""
	}
	if len(p.Posts) == 0 {
		p.ThreadURL = ""
	}
	p.finish()
	return p, nil
}

// linkValue reads a link selector: its @attr, else the href of the match.
func (g *genericProfile) linkValue(s sel, root *goquery.Selection) string {
	return linkOf(s, s.in(root).First())
}

func linkOf(s sel, m *goquery.Selection) string {
	if s.attr != "" {
		return m.AttrOr(s.attr, "")
	}
	if h, ok := m.Attr("href"); ok {
		return h
	}
	return m.Find("a[href]").AttrOr("href", "")
}

func (g *genericProfile) parsePost(s *goquery.Selection, base *url.URL, dc dateCtx, pos int) Post {
	var q Post
	q.Position = pos
	if g.anchor.ok() && s.IsMatcher(g.anchor.m) && g.anchor.attr != "" {
		// "post@data-id": the attribute of the post element itself.
		q.Anchor = strings.TrimSpace(s.AttrOr(g.anchor.attr, ""))
	} else if g.anchor.ok() {
		q.Anchor = strings.TrimPrefix(g.anchor.value(s), "#")
	} else {
		q.Anchor = s.AttrOr("id", "")
	}
	q.Author.Name = g.author.value(s)
	if g.authorURL.ok() {
		q.Author.URL = resolve(base, linkOf(g.authorURL, g.authorURL.in(s).First()))
	}
	if g.date.ok() {
		m := g.date.in(s).First()
		var cands []string
		if g.cfg.DateAttr != "" {
			cands = append(cands, m.AttrOr(g.cfg.DateAttr, ""))
		}
		if g.date.attr != "" {
			cands = append(cands, m.AttrOr(g.date.attr, ""))
		}
		q.Published = dc.first(append(cands, m.Text())...)
	}
	if g.likes.ok() {
		q.Likes = parseCount(g.likes.value(s))
	}
	q.Deleted = g.del.ok() && (s.IsMatcher(g.del.m) || g.del.in(s).Length() > 0)
	body := g.body.in(s).First()
	if g.quote.ok() {
		if bq := g.quote.in(body).First(); bq.Length() > 0 {
			for _, a := range []string{"data-author", "data-username", "data-quote", "data-post"} {
				if v := strings.TrimSpace(bq.AttrOr(a, "")); v != "" {
					q.QuotedRef = v
					break
				}
			}
			if q.QuotedRef == "" {
				q.QuotedRef = quoteAuthorFromCite(bq.Find("cite, .cite, strong, b").First().Text())
			}
			g.quote.in(body).Remove()
		}
	}
	if g.sig.ok() {
		g.sig.in(body).Remove()
		g.sig.in(s).Remove()
	}
	q.Text = nodeText(body)
	return q
}
