// Package extract turns an HTML page into what veille publishes about it:
// the main text without boilerplate, title, author, publication date,
// canonical URL, language hint, links and feeds, the comments under the
// article as separate posts, and what the page is (Kind: article, thread,
// listing, other), so that only articles become mentions.
package extract

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
)

// ErrBadURL is returned when the page URL is not an absolute http(s) URL.
var ErrBadURL = errors.New("bad page URL")

// errParse is returned when the HTML cannot be parsed at all.
var errParse = errors.New("cannot parse HTML")

// DefaultMaxTextBytes bounds Document.Text and each comment's text when
// Options.MaxTextBytes is zero. It is well above the mention contract's
// 32 KiB on purpose: brands are matched on the whole article (a long
// report that names a brand on its last page is a mention), and only the
// text stored is cut, by mention.Truncate in collect.Emit.
const DefaultMaxTextBytes = 256 << 10

// MaxHTMLBytes bounds the HTML parsed: longer input is cut, since the article
// and its metadata come first in real pages.
const MaxHTMLBytes = 4 << 20

// Bounds on lists, so a hostile page cannot make a huge document.
const (
	MaxLinks    = 1000
	MaxComments = 1000
	MaxFeeds    = 20
)

// Options tune extraction.
type Options struct {
	// Now anchors relative dates ("il y a 3 jours"); zero means time.Now().
	Now time.Time
	// Loc is the source's configured time zone for dates that name none;
	// nil lets the page decide: the zone its dated metadata declares (an
	// article:published_time with an offset), else its language's usual
	// zone (Europe/Paris for French), else UTC.
	Loc *time.Location
	// MaxTextBytes bounds Text and each Comment.Text; 0 means DefaultMaxTextBytes.
	MaxTextBytes int
}

// Document is what a page says.
type Document struct {
	URL          string    `json:"url"`
	CanonicalURL string    `json:"canonical_url"`
	Title        string    `json:"title"`
	Description  string    `json:"description,omitempty"`
	Text         string    `json:"text"`
	Author       string    `json:"author,omitempty"`
	AuthorURL    string    `json:"author_url,omitempty"`
	Published    time.Time `json:"published"`
	// Lang is the page's declared language (html lang, og:locale,
	// content-language), lowercased with "-": a hint, not a detection.
	Lang string `json:"lang,omitempty"`
	// Links are every http(s) link of the page, absolute, without fragment,
	// deduplicated, in page order (same site and other sites).
	Links []string `json:"links,omitempty"`
	// ContentLinks are the links inside the main text only: the ones that
	// say something about what the article cites.
	ContentLinks []string  `json:"content_links,omitempty"`
	Feeds        []string  `json:"feeds,omitempty"`
	Comments     []Comment `json:"comments,omitempty"`
	// Kind is what the page is: only an article (and its comments) or a
	// thread of comments is a mention; a listing is followed, not stored.
	Kind Kind `json:"kind"`
	// KindSignals are the signals that decided Kind, "name:weight".
	KindSignals []string `json:"kind_signals,omitempty"`
}

// Comment is one comment under the article, a post of its own.
type Comment struct {
	// Anchor identifies the comment in the page ("comment-42"); when the
	// markup has no id it is "position-N", stable as long as the order is.
	Anchor    string    `json:"anchor"`
	Author    string    `json:"author,omitempty"`
	AuthorURL string    `json:"author_url,omitempty"`
	Text      string    `json:"text"`
	Published time.Time `json:"published"`
	// ReplyTo is the anchor of the comment this one answers, if nested.
	ReplyTo string `json:"reply_to,omitempty"`
	// Position is the 1-based order of the comment in the page.
	Position int `json:"position"`
	Likes    int `json:"likes,omitempty"`
}

// Extract reads htmlText (already UTF-8) found at pageURL.
func Extract(htmlText string, pageURL string, opt Options) (*Document, error) {
	base, err := url.Parse(strings.TrimSpace(pageURL))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("extract: page URL %q: %w", pageURL, ErrBadURL)
	}
	base.User = nil // links resolved against the page must not inherit its credentials
	if opt.MaxTextBytes <= 0 {
		opt.MaxTextBytes = DefaultMaxTextBytes
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	if len(htmlText) > MaxHTMLBytes {
		htmlText = htmlText[:MaxHTMLBytes]
	}
	root, err := html.Parse(strings.NewReader(htmlText))
	if err != nil {
		return nil, fmt.Errorf("extract: %s: %w: %w", pageURL, errParse, err)
	}
	doc := goquery.NewDocumentFromNode(root)
	x := &extractor{doc: doc, base: base, opt: opt, pageURL: base}
	if href, ok := doc.Find("base[href]").First().Attr("href"); ok {
		if b, err := base.Parse(strings.TrimSpace(href)); err == nil && (b.Scheme == "http" || b.Scheme == "https") {
			x.base = b
		}
	}
	return x.run(pageURL), nil
}

type extractor struct {
	doc  *goquery.Document
	base *url.URL
	opt  Options
	ld   ldInfo
	loc  *time.Location // zone of the page's dates that name none
	// pageURL is where the page was found (base may be its <base href>).
	pageURL *url.URL
}

func (x *extractor) run(pageURL string) *Document {
	d := &Document{URL: pageURL}
	x.ld = readJSONLD(x.doc)
	d.Lang = x.lang()
	x.loc = x.zone(d.Lang)
	d.Feeds = x.feeds()
	d.Links = x.links(x.doc.Selection)
	d.CanonicalURL = x.canonical()
	d.Description = x.metaContent("description", "og:description", "twitter:description")

	// Comments are read and then cut from the tree, so neither the text,
	// the author nor the date of the article can come from them.
	roots := x.commentRoots()
	d.Comments = x.comments(roots)
	for _, r := range roots {
		if r.Parent != nil {
			r.Parent.RemoveChild(r)
		}
	}

	cls, stats := x.signals(x.pageURL)
	content := x.contentRoot()
	if content == nil {
		content = x.densest()
	}
	d.Title = x.title(content)
	d.Author, d.AuthorURL = x.author(content)
	d.Published = x.published(content)

	x.removeBoilerplate(content)
	if content == nil || len(nodeText(content)) < 200 {
		if c := x.densest(); c != nil {
			content = c
		}
	}
	if content == nil {
		if b := x.doc.Find("body").First(); b.Length() > 0 {
			content = b.Get(0)
		} else {
			content = x.doc.Get(0)
		}
	}
	blocks := siblingBlocks(content)
	d.Text = x.mainText(blocks, d.Title)
	for _, b := range blocks {
		for _, l := range x.links(goquery.NewDocumentFromNode(b).Selection) {
			if len(d.ContentLinks) < MaxLinks && !slices.Contains(d.ContentLinks, l) {
				d.ContentLinks = append(d.ContentLinks, l)
			}
		}
	}
	cls = decide(cls, stats, d)
	d.Kind, d.KindSignals = cls.kind, cls.signals
	return d
}

// mainText renders the article's blocks, leaving out the title heading,
// which Title already carries, and lists of links inside them.
func (x *extractor) mainText(blocks []*html.Node, title string) string {
	skip := func(n *html.Node) bool {
		if n.Data == "h1" && title != "" && collapse(nodeText(n)) == title {
			return true
		}
		return linkList(n)
	}
	var parts []string
	size := 0
	for _, b := range blocks {
		if size > x.opt.MaxTextBytes {
			break
		}
		if t := renderText(b, skip, x.opt.MaxTextBytes+1024-size); t != "" {
			parts = append(parts, t)
			size += len(t) + 2
		}
	}
	return truncate(strings.Join(parts, "\n\n"), x.opt.MaxTextBytes)
}

// abs resolves href against the page, keeping only http(s) URLs, without
// fragment.
func (x *extractor) abs(href string) string {
	href = strings.TrimSpace(href)
	if href == "" || strings.HasPrefix(href, "#") {
		return ""
	}
	u, err := x.base.Parse(href)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	u.Fragment = ""
	u.RawFragment = ""
	return u.String()
}

// trackingParams are dropped from canonical URLs: they name the campaign
// that brought the reader, not the page.
func isTrackingParam(k string) bool {
	k = strings.ToLower(k)
	switch k {
	case "fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "_ga", "yclid", "xtor", "at_medium", "at_campaign":
		return true
	}
	return strings.HasPrefix(k, "utm_")
}

func cleanURL(u *url.URL) string {
	c := *u
	c.Fragment, c.RawFragment = "", ""
	if c.RawQuery != "" {
		q := c.Query()
		for k := range q {
			if isTrackingParam(k) {
				q.Del(k)
			}
		}
		c.RawQuery = q.Encode()
	}
	return c.String()
}
