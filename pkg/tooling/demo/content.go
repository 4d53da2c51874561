package demo

import (
	"embed"
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"net/url"
	"regexp"
	"strings"
	"time"
)

//go:embed site
var siteFS embed.FS

// offset is a story offset written as a Go duration ("-72h", "25s").
type offset time.Duration

func (o *offset) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("offset: %w", err)
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("offset %q: %w", s, err)
	}
	*o = offset(d)
	return nil
}

func (o offset) D() time.Duration { return time.Duration(o) }

// comment is a blog comment; ReplyTo is the 1-based index of the parent
// comment in the same post.
type comment struct {
	ID      int      `json:"-"`
	Author  string   `json:"author"`
	URL     string   `json:"url"`
	At      offset   `json:"at"`
	ReplyTo int      `json:"reply_to"`
	Body    []string `json:"body"`
}

// blogPost is a post of the WordPress blog or of a small blog.
type blogPost struct {
	ID       int       `json:"-"`
	Slug     string    `json:"slug"`
	Title    string    `json:"title"`
	Lang     string    `json:"lang"`
	Author   string    `json:"author"`
	Category string    `json:"category"`
	Tags     []string  `json:"tags"`
	At       offset    `json:"at"`
	Excerpt  string    `json:"excerpt"`
	Body     []string  `json:"body"`
	Comments []comment `json:"comments"`
}

type link struct {
	Text string `json:"text"`
	URL  string `json:"url"`
}

// blog is a whole blog: Camille's WordPress or a small static blog.
type blog struct {
	Title     string     `json:"title"`
	Tagline   string     `json:"tagline"`
	Lang      string     `json:"lang"`
	Author    string     `json:"author"`
	AuthorBio []string   `json:"author_bio"`
	Blogroll  []link     `json:"blogroll"`
	Posts     []blogPost `json:"posts"`
}

// article is a news article.
type article struct {
	Slug    string   `json:"slug"`
	Section string   `json:"section"`
	Title   string   `json:"title"`
	Summary string   `json:"summary"`
	Author  string   `json:"author"`
	Lang    string   `json:"lang"`
	Charset string   `json:"charset"` // "" (windows-1252) or "iso-8859-1"
	At      offset   `json:"at"`
	Body    []string `json:"body"`
	Private bool     `json:"private"`
	// Brief marks a news brief ("brève") published only in the feeds: its
	// page is served under /breves/ but linked from no page nor sitemap, so
	// only a feed reader finds it.
	Brief bool `json:"brief"`
}

type news struct {
	Articles []article `json:"articles"`
}

// fpost is a forum post; Quote quotes an earlier post of the same thread by
// 1-based position.
type fpost struct {
	ID        int        `json:"-"`
	Author    string     `json:"author"`
	At        offset     `json:"at"`
	Body      []string   `json:"body"`
	Quote     *quote     `json:"quote"`
	Likes     int        `json:"likes"`
	Reactions []reaction `json:"reactions"`
}

type quote struct {
	Ref  int    `json:"ref"`
	Text string `json:"text"`
}

type reaction struct {
	At offset `json:"at"`
	N  int    `json:"n"`
}

type topic struct {
	ID    int     `json:"id"`
	Slug  string  `json:"slug"`
	Title string  `json:"title"`
	Views int     `json:"views"`
	Posts []fpost `json:"posts"`
}

type forum struct {
	ID     int     `json:"id"`
	Slug   string  `json:"slug"`
	Name   string  `json:"name"`
	Desc   string  `json:"desc"`
	Topics []topic `json:"topics"`
}

type member struct {
	ID        int    `json:"id"`
	Name      string `json:"-"`
	Posts     int    `json:"posts"`
	Joined    string `json:"joined"` // RFC 3339 date
	Rank      string `json:"rank"`
	Location  string `json:"location"`
	Signature string `json:"signature"`
	Reactions int    `json:"reactions"`
}

type board struct {
	Forums []forum `json:"forums"`
}

type corpus struct {
	Camille blog
	News    news
	PhpBB   board
	XF      board
	Members map[string]*member
	Velo    blog
	Surf    blog
}

// mustLoadCorpus parses the embedded site content. The content ships with the
// binary and is checked by the tests, so a failure here is a build defect.
func mustLoadCorpus() *corpus {
	c, err := loadCorpus()
	if err != nil {
		panic("demo: embedded content: " + err.Error())
	}
	return c
}

func loadCorpus() (*corpus, error) {
	c := &corpus{}
	files := []struct {
		name string
		v    any
	}{
		{"camille.json", &c.Camille},
		{"monquotidien.json", &c.News},
		{"phpbb.json", &c.PhpBB},
		{"xenforo.json", &c.XF},
		{"members.json", &c.Members},
		{"velo.json", &c.Velo},
		{"surf.json", &c.Surf},
	}
	for _, f := range files {
		b, err := siteFS.ReadFile("site/content/" + f.name)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", f.name, err)
		}
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(f.v); err != nil {
			return nil, fmt.Errorf("parse %s: %w", f.name, err)
		}
	}
	for name, m := range c.Members {
		m.Name = name
		if _, err := time.Parse(time.RFC3339, m.Joined); err != nil {
			return nil, fmt.Errorf("member %q: joined: %w", name, err)
		}
	}
	for _, b := range []*blog{&c.Camille, &c.Velo, &c.Surf} {
		numberBlog(b)
		for _, p := range b.Posts {
			for j, cm := range p.Comments {
				if cm.ReplyTo < 0 || cm.ReplyTo > j || (cm.ReplyTo > 0 && p.Comments[cm.ReplyTo-1].At > cm.At) {
					return nil, fmt.Errorf("post %q comment %d: reply_to %d must name an earlier comment", p.Slug, j+1, cm.ReplyTo)
				}
				if cm.At < p.At {
					return nil, fmt.Errorf("post %q comment %d: earlier than the post", p.Slug, j+1)
				}
			}
		}
	}
	pid := 1000
	for _, bd := range []*board{&c.PhpBB, &c.XF} {
		for fi := range bd.Forums {
			for ti := range bd.Forums[fi].Topics {
				t := &bd.Forums[fi].Topics[ti]
				for pi := range t.Posts {
					p := &t.Posts[pi]
					p.ID = pid
					pid++
					if _, ok := c.Members[p.Author]; !ok {
						return nil, fmt.Errorf("topic %d post %d: unknown member %q", t.ID, pi+1, p.Author)
					}
					if p.Quote != nil && (p.Quote.Ref < 1 || p.Quote.Ref > pi) {
						return nil, fmt.Errorf("topic %d post %d: quote ref %d out of range", t.ID, pi+1, p.Quote.Ref)
					}
					if pi > 0 && p.At < t.Posts[pi-1].At {
						return nil, fmt.Errorf("topic %d post %d: earlier than the post before", t.ID, pi+1)
					}
				}
			}
		}
	}
	return c, nil
}

// numberBlog gives posts and comments WordPress-like ids and fills comment
// times left out of the content (spread after the post).
func numberBlog(b *blog) {
	cid := 101
	for i := range b.Posts {
		p := &b.Posts[i]
		p.ID = 40 + 7*i
		if p.Author == "" {
			p.Author = b.Author
		}
		if p.Lang == "" {
			p.Lang = b.Lang
		}
		for j := range p.Comments {
			cm := &p.Comments[j]
			cm.ID = cid
			cid++
			if cm.At == 0 {
				cm.At = p.At + offset(time.Duration(j+1)*47*time.Minute)
			}
		}
	}
}

var mdLink = regexp.MustCompile(`\[([^\]]+)\]\(([^)\s]+)\)`)

// Text renders a paragraph of content: plain text with [label](url) links.
// Links to demo hosts are rewritten for the current request mode.
func (q *req) Text(s string) template.HTML {
	var b strings.Builder
	last := 0
	for _, m := range mdLink.FindAllStringSubmatchIndex(s, -1) {
		b.WriteString(html.EscapeString(s[last:m[0]]))
		label, href := s[m[2]:m[3]], s[m[4]:m[5]]
		b.WriteString(`<a href="` + html.EscapeString(q.href(href)) + `">` + html.EscapeString(label) + `</a>`)
		last = m[1]
	}
	b.WriteString(html.EscapeString(s[last:]))
	return template.HTML(b.String())
}

// plain strips the link markup, for feeds and excerpts.
func plain(s string) string { return mdLink.ReplaceAllString(s, "$1") }

// Href is href for templates.
func (q *req) Href(raw string) string { return q.href(raw) }

// href maps a content URL (absolute http://<demo host>/... or site-relative)
// to a link for the current request.
func (q *req) href(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return q.link.Local(raw)
	}
	p := u.EscapedPath()
	if u.RawQuery != "" {
		p += "?" + u.RawQuery
	}
	if u.Fragment != "" {
		p += "#" + u.Fragment
	}
	return q.link.URL(u.Host, p)
}

// URL, Local and Abs expose the linker to templates.
func (q *req) URL(host, path string) string { return q.link.URL(host, path) }

// Local is a link on the current host.
func (q *req) Local(path string) string { return q.link.Local(path) }

// Abs is an absolute URL, for feeds and canonical links.
func (q *req) Abs(host, path string) string { return q.link.Abs(host, path) }

// Here is the absolute URL of a path on the current host.
func (q *req) Here(path string) string { return q.link.Abs(q.host, path) }

// Now is the request time.
func (q *req) Now() time.Time { return q.now }

// visible reports whether an item at story offset o is out at this request.
func (q *req) visible(o offset) bool { return o.D() <= q.elapsed }
