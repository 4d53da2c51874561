package extract

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Kind is what a page is, for deciding whether it is a mention: only an
// article and its comments (or a page of an article's comments) are; a
// listing is followed for its links, never stored.
type Kind string

// Page kinds.
const (
	// KindArticle is one piece of writing: a news article, a blog post, a
	// story, with or without comments under it.
	KindArticle Kind = "article"
	// KindThread is a page of comments on an article whose own text is
	// elsewhere (WordPress's comment-page-2, a ?replytocom view).
	KindThread Kind = "thread"
	// KindListing is a hub of teasers: home, category, tag, author, date
	// archive, search results, pagination.
	KindListing Kind = "listing"
	// KindOther is neither: a contact form, a legal notice, an empty page.
	KindOther Kind = "other"
)

// classification is a page's kind and the signals that decided it, each
// "name:weight" (positive for an article, negative for a listing), so a
// wrong call can be read in the goldens and the logs.
type classification struct {
	kind    Kind
	signals []string
	score   int
}

func (c *classification) add(name string, weight int) {
	c.score += weight
	c.signals = append(c.signals, name+":"+strconv.Itoa(weight))
}

// listingSegments are path segments that head a listing in the URL shapes
// of common CMSes (WordPress, Drupal, Blogger, SPIP, Ghost, Hugo), French
// and English.
var listingSegments = map[string]bool{
	"tag": true, "tags": true, "category": true, "categories": true, "categorie": true,
	"rubrique": true, "rubriques": true, "theme": true, "themes": true, "label": true, "labels": true,
	"topic": true, "topics": true, "archive": true, "archives": true, "author": true, "authors": true,
	"auteur": true, "auteurs": true, "search": true, "recherche": true, "mot-cle": true, "mots-cles": true,
	"etiquette": true, "etiquettes": true, "taxonomy": true, "term": true, "feed": true,
}

var (
	yearArchive   = regexp.MustCompile(`^/(?:[a-z]{2}/)?\d{4}(?:/\d{1,2}){0,2}/?$`)
	commentPage   = regexp.MustCompile(`/comment-page-\d+/?$`)
	homePath      = regexp.MustCompile(`^/(?:index\.(?:html?|php)|accueil/?|home/?|[a-z]{2}/?)?$`)
	slugLast      = regexp.MustCompile(`[a-z0-9]+(?:-[a-z0-9]+){2,}(?:\.[a-z]{2,5})?/?$`)
	numericSuffix = regexp.MustCompile(`[-_/](?:\d{4,})(?:\.[a-z]{2,5})?/?$`)
)

// urlSignals reads the page's URL shape.
func urlSignals(u *url.URL, c *classification) {
	p := strings.ToLower(u.EscapedPath())
	q := u.Query()
	switch {
	case q.Has("s") || q.Has("q") || q.Has("search") || q.Has("recherche"):
		c.add("url-search", -3)
	case q.Has("replytocom") || commentPage.MatchString(p):
		c.add("url-comment-page", 0)
	case homePath.MatchString(p) && u.RawQuery == "":
		c.add("url-home", -3)
	case yearArchive.MatchString(p):
		c.add("url-date-archive", -3)
	}
	if v := q.Get("page"); v != "" && v != "1" || q.Get("paged") != "" {
		c.add("url-pagination", -2)
	}
	segs := strings.Split(strings.Trim(p, "/"), "/")
	for i, s := range segs {
		if !listingSegments[s] && !(s == "page" && i+1 < len(segs) && isDigits(segs[i+1])) {
			continue
		}
		// The listing segment heads the path's end: /tag/yaourt/,
		// /category/conso/page/2/, /search/label/Duval, /page/3/.
		if rest := len(segs) - i - 1; rest <= 3 && !strings.HasSuffix(p, ".html") && !strings.HasSuffix(p, ".php") {
			c.add("url-"+strings.TrimSuffix(s, "s"), -3)
			break
		}
	}
	if len(segs) > 0 && (slugLast.MatchString(segs[len(segs)-1]) || numericSuffix.MatchString(p)) && !yearArchive.MatchString(p) {
		c.add("url-slug", 1)
	}
}

// bodyClassSignals reads the body classes CMSes set per page type:
// WordPress (single, archive, category, home, search, paged), Drupal 7
// (page-node, node-type-*, page-taxonomy-term) and 8+ (path-node,
// path-taxonomy, path-frontpage), Blogger (item-view, home-view,
// label-view, search-view, archive-view, feed-view), phpBB (section-index,
// section-viewforum, section-viewtopic).
func bodyClassSignals(body *html.Node, c *classification) {
	if body == nil {
		return
	}
	article, listing := "", ""
	for _, cl := range strings.Fields(strings.ToLower(attr(body, "class"))) {
		switch {
		case cl == "single" || cl == "single-post" || strings.HasPrefix(cl, "postid-") ||
			cl == "page-node" || strings.HasPrefix(cl, "node-type-") || cl == "path-node" ||
			strings.HasPrefix(cl, "page-node-type-") || cl == "item-view" || cl == "post-template" ||
			cl == "is-post" || cl == "article-page" || cl == "page-article" || cl == "section-viewtopic":
			if article == "" {
				article = cl
			}
		case cl == "home" || cl == "blog" || cl == "archive" || cl == "category" || cl == "tag" ||
			cl == "search" || cl == "search-results" || cl == "paged" || cl == "author" || cl == "date" ||
			strings.HasPrefix(cl, "post-type-archive") || strings.HasPrefix(cl, "page-taxonomy") ||
			cl == "path-taxonomy" || cl == "path-frontpage" || cl == "front" || cl == "home-view" ||
			cl == "label-view" || cl == "search-view" || cl == "archive-view" || cl == "feed-view" ||
			cl == "tag-template" || cl == "home-template" || cl == "author-template" || cl == "paged-template" ||
			cl == "section-index" || cl == "section-viewforum" || cl == "section-search" || cl == "section-memberlist":
			if listing == "" {
				listing = cl
			}
		}
	}
	switch {
	case article != "" && listing == "":
		c.add("body-"+article, 3)
	case listing != "" && article == "":
		c.add("body-"+listing, -3)
	}
}

// listingLDTypes are the schema.org types of a hub page.
var listingLDTypes = map[string]bool{
	"collectionpage": true, "itemlist": true, "searchresultspage": true, "profilepage": true,
	"blog": true, "website": true,
}

func ldSignals(types []string, c *classification) {
	art, list := "", ""
	for _, t := range types {
		lt := strings.ToLower(t)
		if articleTypes[lt] && lt != "webpage" {
			if art == "" {
				art = lt
			}
		} else if listingLDTypes[lt] && list == "" {
			list = lt
		}
	}
	switch {
	case art != "":
		c.add("ld-"+art, 3)
	case list != "" && list != "website":
		c.add("ld-"+list, -3)
	}
}

// pageStats are the structural counts of a page, read once.
type pageStats struct {
	articles       int // <article> elements (comments already cut)
	linkedHeadings int // h2-h4 whose text is a link: teasers
	maxParaRun     int // most text paragraphs (>= 60 bytes, few links) under one parent
	maxOwnText     int // most text an element holds itself (text and inline tags, no links): a <br> body
	totalText      int
	linkText       int
	relNext        bool
}

func readStats(root *html.Node) pageStats {
	var st pageStats
	paras := map[*html.Node]int{}
	bodyText, _ := textStats(root)
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n != root {
			// Headers, footers, sidebars and widgets say nothing of what
			// the page is (a footer's two paragraphs are not a body); a
			// layout wrapper holding most of the page is not one of them.
			if dropTags[n.DataAtom] && n.DataAtom != atom.Form || isBoilerplateAttr(n) {
				if t, _ := textStats(n); t*2 < bodyText {
					return
				}
			}
		}
		if n.Type == html.ElementNode {
			switch n.DataAtom {
			case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Head:
				if n.DataAtom == atom.Head {
					for l := n.FirstChild; l != nil; l = l.NextSibling {
						if l.DataAtom == atom.Link && strings.EqualFold(attr(l, "rel"), "next") {
							st.relNext = true
						}
					}
				}
				return
			case atom.Article:
				st.articles++
			case atom.H2, atom.H3, atom.H4:
				total, link := textStats(n)
				if total > 0 && link*10 >= total*8 {
					st.linkedHeadings++
				}
			case atom.P:
				total, link := textStats(n)
				if total >= 60 && link*3 < total && n.Parent != nil {
					paras[n.Parent]++
				}
			case atom.A:
				if strings.EqualFold(attr(n, "rel"), "next") {
					st.relNext = true
				}
			}
			st.maxOwnText = max(st.maxOwnText, ownText(n))
		}
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			walk(ch)
		}
	}
	walk(root)
	for _, k := range paras {
		st.maxParaRun = max(st.maxParaRun, k)
	}
	st.totalText, st.linkText = textStats(root)
	return st
}

// classify decides what the page is, before boilerplate is cut (teaser
// lists and sidebars are evidence) but after the comments are (their
// <article>s are not the page's). Signals add up, article positive:
// metadata (og:type, JSON-LD @type, CMS body classes) weighs most, then
// URL shape, then structure (how many <article>s and linked headings, the
// longest run of text paragraphs, link density). A page no signal decides
// falls back to its text: long enough, or dated and not too short, is an
// article.
//
// signals runs before the boilerplate is cut; decide at the end, with the
// text and date.
func (x *extractor) signals(pageURL *url.URL) (classification, pageStats) {
	var c classification
	switch og := strings.ToLower(strings.TrimSpace(x.metaContent("og:type"))); {
	case og == "article" || strings.HasPrefix(og, "article:") || og == "blogposting" || og == "news":
		c.add("og-article", 3)
	case og == "profile" || og == "website" || og == "blog":
		c.add("og-"+og, -1)
	}
	ldSignals(x.ld.types, &c)
	var body *html.Node
	if b := x.doc.Find("body").First(); b.Length() > 0 {
		body = b.Get(0)
	}
	bodyClassSignals(body, &c)
	// XenForo names its page template on <html>: forum and category
	// lists, new posts, search results are listings; a thread is not.
	if h := x.doc.Find("html").First(); h.Length() > 0 {
		switch tpl, _ := h.Attr("data-template"); tpl {
		case "forum_list", "forum_view", "category_view", "whats_new_posts", "search_results", "member_view", "tag_view":
			c.add("xf-"+tpl, -3)
		case "thread_view":
			c.add("xf-"+tpl, 3)
		}
	}
	urlSignals(pageURL, &c)
	root := x.doc.Get(0)
	if body != nil {
		root = body
	}
	st := readStats(root)
	switch {
	case st.articles >= 3:
		c.add("articles-"+strconv.Itoa(min(st.articles, 9)), -3)
	case st.articles == 1:
		c.add("article-element", 1)
	}
	switch {
	case st.linkedHeadings >= 4:
		c.add("teasers", -2)
	case st.linkedHeadings >= 1 && st.maxParaRun <= 1 && st.maxOwnText < 400:
		// Headings that link elsewhere over no body: a section page with
		// one or two teasers ("chapô" and date under each).
		c.add("teasers-no-body", -2)
	}
	switch {
	case st.maxParaRun >= 4:
		c.add("body-paragraphs", 2)
	case st.maxParaRun >= 2:
		c.add("paragraphs", 1)
	case st.maxOwnText >= 500:
		// Old sites write the body as text and <br>s in one cell or div.
		c.add("text-block", 1)
	}
	if st.relNext && st.linkedHeadings >= 3 {
		c.add("rel-next", -1)
	}
	if st.totalText > 0 && st.linkText*2 > st.totalText {
		c.add("link-dense", -2)
	}
	return c, st
}

func decide(c classification, st pageStats, d *Document) classification {
	if len(d.Comments) > 0 {
		c.add("comments", 1)
	}
	switch {
	case c.score >= 2:
		c.kind = KindArticle
	case c.score <= -2:
		c.kind = KindListing
	default:
		// Undecided: the text decides, as the crawler did before kinds.
		n := len(d.Text)
		switch {
		case n >= 1500 || n >= 200 && !d.Published.IsZero():
			c.kind = KindArticle
			c.signals = append(c.signals, "text")
		case st.linkedHeadings >= 3:
			c.kind = KindListing
			c.signals = append(c.signals, "teaser-text")
		default:
			c.kind = KindOther
		}
	}
	// A page of an article's comments is a thread: its comments are
	// mentions, its repeated article text is not.
	if len(d.Comments) > 0 && c.kind != KindListing {
		for _, s := range c.signals {
			if s == "url-comment-page:0" {
				c.kind = KindThread
			}
		}
		if c.kind == KindOther {
			c.kind = KindThread
		}
	}
	return c
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// inlineTags carry text inside a block without starting a new one.
var inlineTags = map[atom.Atom]bool{
	atom.B: true, atom.I: true, atom.Em: true, atom.Strong: true, atom.Font: true, atom.Span: true,
	atom.U: true, atom.Small: true, atom.Big: true, atom.Sup: true, atom.Sub: true, atom.Abbr: true,
	atom.Q: true, atom.Cite: true, atom.Mark: true, atom.Time: true, atom.Br: true,
}

// ownText is the text n holds itself: its text children and those of its
// inline children, links excluded, whitespace runs counted once.
func ownText(n *html.Node) int {
	size := 0
	var walk func(*html.Node)
	walk = func(c *html.Node) {
		for k := c.FirstChild; k != nil; k = k.NextSibling {
			switch {
			case k.Type == html.TextNode:
				size += len(strings.Join(strings.Fields(k.Data), " "))
			case k.Type == html.ElementNode && inlineTags[k.DataAtom]:
				walk(k)
			}
		}
	}
	walk(n)
	return size
}
