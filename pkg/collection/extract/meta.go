package extract

import (
	"encoding/json"
	"regexp"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"

	"github.com/veille-oss/veille/pkg/collection/dates"
)

// metaContent returns the first non-empty content of <meta name|property=key>.
func (x *extractor) metaContent(keys ...string) string {
	for _, k := range keys {
		var v string
		x.doc.Find("meta").EachWithBreak(func(_ int, s *goquery.Selection) bool {
			n := s.Get(0)
			if strings.EqualFold(attr(n, "name"), k) || strings.EqualFold(attr(n, "property"), k) || strings.EqualFold(attr(n, "itemprop"), k) {
				v = collapse(attr(n, "content"))
			}
			return v == ""
		})
		if v != "" {
			return v
		}
	}
	return ""
}

func (x *extractor) lang() string {
	l := x.doc.Find("html").AttrOr("lang", "")
	if l == "" {
		l = x.doc.Find("html").AttrOr("xml:lang", "")
	}
	if l == "" {
		l = x.metaContent("og:locale", "language", "dc.language")
	}
	if l == "" {
		x.doc.Find("meta[http-equiv]").EachWithBreak(func(_ int, s *goquery.Selection) bool {
			if strings.EqualFold(s.AttrOr("http-equiv", ""), "content-language") {
				l = s.AttrOr("content", "")
			}
			return l == ""
		})
	}
	l = strings.ToLower(strings.ReplaceAll(strings.TrimSpace(l), "_", "-"))
	if i := strings.IndexAny(l, ", ;"); i >= 0 {
		l = l[:i]
	}
	if len(l) > 16 {
		l = l[:16]
	}
	return l
}

func (x *extractor) feeds() []string {
	var out []string
	seen := map[string]bool{}
	x.doc.Find("link[href]").Each(func(_ int, s *goquery.Selection) {
		rel := strings.ToLower(s.AttrOr("rel", ""))
		typ := strings.ToLower(s.AttrOr("type", ""))
		if !strings.Contains(rel, "alternate") || !(strings.Contains(typ, "rss") || strings.Contains(typ, "atom") || strings.Contains(typ, "feed+json")) {
			return
		}
		if u := x.abs(s.AttrOr("href", "")); u != "" && !seen[u] && len(out) < MaxFeeds {
			seen[u] = true
			out = append(out, u)
		}
	})
	return out
}

func (x *extractor) links(sel *goquery.Selection) []string {
	var out []string
	seen := map[string]bool{}
	sel.Find("a[href], area[href]").EachWithBreak(func(_ int, s *goquery.Selection) bool {
		if u := x.abs(s.AttrOr("href", "")); u != "" && !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
		return len(out) < MaxLinks
	})
	return out
}

func (x *extractor) canonical() string {
	var cands []string
	x.doc.Find("link[href]").Each(func(_ int, s *goquery.Selection) {
		for _, r := range strings.Fields(strings.ToLower(s.AttrOr("rel", ""))) {
			if r == "canonical" {
				cands = append(cands, s.AttrOr("href", ""))
			}
		}
	})
	cands = append(cands, x.metaContent("og:url"))
	for _, c := range cands {
		if u := x.abs(c); u != "" {
			if p, err := x.base.Parse(u); err == nil {
				return cleanURL(p)
			}
		}
	}
	return cleanURL(x.base)
}

// titleSeparators split "Article title | Site name".
var titleSeparators = []string{" | ", " - ", " – ", " — ", " :: ", " » ", " · "}

func (x *extractor) title(content *html.Node) string {
	site := x.metaContent("og:site_name")
	strip := func(t string) string {
		if site == "" {
			return t
		}
		for _, sep := range titleSeparators {
			if s := strings.TrimSuffix(t, sep+site); s != t && s != "" {
				return s
			}
		}
		return t
	}
	if t := x.metaContent("og:title", "twitter:title"); t != "" {
		return strip(t)
	}
	if x.ld.headline != "" {
		return strip(x.ld.headline)
	}
	var scopes []*html.Node
	if content != nil {
		scopes = append(scopes, content)
	}
	x.doc.Find("article, [itemprop=headline], .entry-title, .post-title").Each(func(_ int, s *goquery.Selection) {
		scopes = append(scopes, s.Get(0))
	})
	for _, sc := range scopes {
		s := goquery.NewDocumentFromNode(sc).Selection
		h := s.Find("h1").First()
		if h.Length() == 0 && (sc.Data == "h1" || sc.Data == "h2") {
			h = s
		}
		if h.Length() > 0 {
			if t := nodeText(h.Get(0)); t != "" && len(t) < 400 {
				return t
			}
		}
	}
	t := collapse(x.doc.Find("title").First().Text())
	if t2 := strip(t); t2 != t {
		return t2
	}
	for _, sep := range titleSeparators {
		if i := strings.LastIndex(t, sep); i > 0 {
			head, tail := t[:i], t[i+len(sep):]
			if len(tail) < len(head) {
				return strings.TrimSpace(head)
			}
		}
	}
	if h := x.doc.Find("h1").First(); t == "" && h.Length() > 0 {
		return nodeText(h.Get(0))
	}
	return t
}

// byline matches "Par Camille Roux" / "By Jane Doe" at the start of a text.
var bylineRe = regexp.MustCompile(`^(?i:par|by|de|écrit par|posted by|publié par)\s*:?\s+(\p{Lu}[\p{L}'’.-]*(?:\s+(?:de |du |le |la |van |von )?\p{Lu}[\p{L}'’.-]*){0,3})`)

// postedByRe matches "Publié le 1er janvier 2020 par Françoise".
var postedByRe = regexp.MustCompile(`^(?i:publié|posté|posted|écrit|mis en ligne|rédigé)\s.*?\s(?i:par|by)\s+(\p{Lu}[\p{L}'’.-]*(?:\s+\p{Lu}[\p{L}'’.-]*){0,3})`)

func (x *extractor) author(content *html.Node) (name, link string) {
	if a := x.metaContent("author", "article:author", "twitter:creator", "dc.creator", "sailthru.author"); a != "" && !strings.HasPrefix(a, "http") {
		name = a
	}
	if name == "" && x.ld.author != "" {
		name, link = x.ld.author, x.ld.authorURL
	}
	scope := x.doc.Selection
	if content != nil {
		// The byline sits in the article's header, which is often a sibling of
		// the body: search the article element around the content first.
		for p := content; p != nil; p = p.Parent {
			if p.Data == "article" {
				content = p
				break
			}
		}
	}
	sels := []*goquery.Selection{}
	if content != nil {
		sels = append(sels, goquery.NewDocumentFromNode(content).Selection)
	}
	sels = append(sels, scope)
	for _, sc := range sels {
		if name != "" && link != "" {
			break
		}
		for _, q := range []string{"a[rel~=author]", "[itemprop=author]", ".author.vcard", ".byline", ".author", ".post-author", ".entry-author", ".article-author", ".signature", ".auteur"} {
			s := sc.Find(q).First()
			if s.Length() == 0 {
				continue
			}
			n := s.Get(0)
			if link == "" {
				if a := s.Find("a[href]").First(); a.Length() > 0 {
					link = x.abs(a.AttrOr("href", ""))
				} else if n.Data == "a" {
					link = x.abs(attr(n, "href"))
				}
			}
			if name == "" {
				if nn := s.Find("[itemprop=name]").First(); nn.Length() > 0 {
					name = collapse(nn.AttrOr("content", nn.Text()))
				} else if c := attr(n, "content"); c != "" {
					name = collapse(c)
				} else {
					name = cleanAuthor(nodeText(n))
				}
			}
			if name != "" {
				break
			}
		}
	}
	if name == "" && content != nil {
		// "Par Camille Roux, le 3 mars 2024" in a paragraph near the top.
		scope := content
		if content.Parent != nil && content.Parent.Data != "body" {
			scope = content.Parent
		}
		for _, t := range shortTexts(scope, 40) {
			if m := bylineRe.FindStringSubmatch(t); m != nil {
				name = m[1]
				break
			}
			if m := postedByRe.FindStringSubmatch(t); m != nil && len(t) < 120 {
				name = m[1]
				break
			}
		}
	}
	if len(name) > 200 {
		name = ""
	}
	return name, link
}

// cleanAuthor turns "Par Camille Roux, le 3 mars" or "By Jane Doe" into the name.
func cleanAuthor(s string) string {
	s = collapse(s)
	if m := bylineRe.FindStringSubmatch(s); m != nil {
		return m[1]
	}
	for _, p := range []string{"Par ", "par ", "By ", "by ", "Auteur : ", "Auteur: ", "Author: "} {
		s = strings.TrimPrefix(s, p)
	}
	if i := strings.IndexAny(s, ",|•·"); i > 0 {
		s = s[:i]
	}
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(s, "dit :"), "says:"))
	if len(s) > 80 {
		return ""
	}
	return s
}

// shortTexts returns the collapsed texts of the first n leaf-ish blocks.
func shortTexts(root *html.Node, n int) []string {
	var out []string
	var walk func(*html.Node)
	walk = func(c *html.Node) {
		if len(out) >= n || c.Type != html.ElementNode && c.Type != html.DocumentNode {
			return
		}
		if invisibleTags[c.DataAtom] {
			return
		}
		switch c.Data {
		case "p", "span", "div", "li", "time", "small", "em", "address", "h2", "h3", "h4", "h5", "h6":
			// textShorter first: rendering every enclosing div whole made
			// this quadratic on long pages.
			if !textShorter(c, 800) {
				break
			}
			if t := nodeText(c); t != "" && len(t) < 160 {
				out = append(out, t)
				return
			}
		}
		for k := c.FirstChild; k != nil; k = k.NextSibling {
			walk(k)
		}
	}
	walk(root)
	return out
}

func (x *extractor) parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	t, err := dates.Parse(s, dates.Options{Now: x.opt.Now, Loc: x.loc, Lang: x.docLang()})
	return t, err == nil
}

// offsetLayouts are the metadata date forms that state their offset.
var offsetLayouts = []string{time.RFC3339, "2006-01-02T15:04:05-0700", "2006-01-02T15:04-07:00", "2006-01-02T15:04:05.999999999-07:00"}

// zone is the zone of the page's dates that name none: the configured one,
// else the one the page's dated metadata declares, else its language's.
func (x *extractor) zone(lang string) *time.Location {
	if x.opt.Loc != nil {
		return x.opt.Loc
	}
	for _, v := range []string{x.metaContent("article:published_time", "og:article:published_time", "article:modified_time", "datePublished", "dateModified"), x.ld.published} {
		v = strings.TrimSpace(v)
		for _, l := range offsetLayouts {
			if t, err := time.Parse(l, v); err == nil {
				if loc, ok := dates.DeclaredZone(t, lang); ok {
					return loc
				}
				break
			}
		}
	}
	return dates.LangZone(lang)
}

func (x *extractor) docLang() string {
	l := x.doc.Find("html").AttrOr("lang", "")
	return strings.ToLower(l)
}

var dateClassRe = regexp.MustCompile(`(?i)(^|[-_ ])(date|time|published|pubdate|posted|post-date|entry-date|meta|byline|updated)([-_ ]|$)`)

func (x *extractor) published(content *html.Node) time.Time {
	for _, k := range []string{"article:published_time", "og:article:published_time", "datePublished", "date", "pubdate", "publishdate", "dc.date.issued", "dc.date", "dcterms.created", "sailthru.date", "parsely-pub-date"} {
		if t, ok := x.parseDate(x.metaContent(k)); ok {
			return t
		}
	}
	if t, ok := x.parseDate(x.ld.published); ok {
		return t
	}
	scopes := []*goquery.Selection{}
	if content != nil {
		for p := content; p != nil; p = p.Parent {
			if p.Data == "article" {
				content = p
				break
			}
		}
		scopes = append(scopes, goquery.NewDocumentFromNode(content).Selection)
	}
	scopes = append(scopes, x.doc.Selection)
	for _, sc := range scopes {
		var found time.Time
		sc.Find("[itemprop=datePublished], time[pubdate], time[datetime], .published, .entry-date, .post-date, .date").EachWithBreak(func(_ int, s *goquery.Selection) bool {
			n := s.Get(0)
			for _, v := range []string{attr(n, "datetime"), attr(n, "content"), attr(n, "title"), attr(n, "data-time"), nodeText(n)} {
				if t, ok := x.parseDate(v); ok {
					found = t
					return false
				}
			}
			return true
		})
		if !found.IsZero() {
			return found
		}
	}
	// Visible text such as "Publié le 6 juin 2019 à 10 h 30" near the top;
	// the line often sits beside the body, so look from its parent.
	if content != nil {
		scope := content
		if content.Parent != nil && content.Parent.Data != "body" {
			scope = content.Parent
		}
		for _, t := range shortTexts(scope, 30) {
			if len(t) > 120 {
				continue
			}
			if tm, ok := x.parseDate(t); ok {
				return tm
			}
		}
	}
	return time.Time{}
}

// ldInfo is what JSON-LD says about the article.
type ldInfo struct {
	headline, published, author, authorURL string
	types                                  []string // every @type seen, for classify
}

var articleTypes = map[string]bool{
	"article": true, "newsarticle": true, "blogposting": true, "reportagenewsarticle": true,
	"analysisnewsarticle": true, "opinionnewsarticle": true, "webpage": true,
	"socialmediaposting": true, "discussionforumposting": true, "posting": true, "report": true,
	"techarticle": true, "scholarlyarticle": true, "liveblogposting": true,
}

func readJSONLD(doc *goquery.Document) ldInfo {
	var info ldInfo
	doc.Find(`script[type="application/ld+json"]`).EachWithBreak(func(i int, s *goquery.Selection) bool {
		raw := s.Text()
		if len(raw) > 512<<10 || i > 10 {
			return true
		}
		var v any
		if json.Unmarshal([]byte(strings.TrimSpace(raw)), &v) != nil {
			return true
		}
		walkLD(v, &info, 0)
		return info.published == "" || info.author == ""
	})
	return info
}

func walkLD(v any, info *ldInfo, depth int) {
	if depth > 6 {
		return
	}
	switch t := v.(type) {
	case []any:
		for _, e := range t {
			walkLD(e, info, depth+1)
		}
	case map[string]any:
		if g, ok := t["@graph"]; ok {
			walkLD(g, info, depth+1)
		}
		switch ty := t["@type"].(type) {
		case string:
			info.types = append(info.types, ty)
		case []any:
			for _, e := range ty {
				if s, ok := e.(string); ok {
					info.types = append(info.types, s)
				}
			}
		}
		if !isArticleType(t["@type"]) {
			return
		}
		if s, ok := t["headline"].(string); ok && info.headline == "" {
			info.headline = collapse(s)
		}
		if s, ok := t["datePublished"].(string); ok && info.published == "" {
			info.published = s
		}
		if info.author == "" {
			info.author, info.authorURL = ldPerson(t["author"])
		}
	}
}

func isArticleType(v any) bool {
	switch t := v.(type) {
	case string:
		return articleTypes[strings.ToLower(t)]
	case []any:
		for _, e := range t {
			if isArticleType(e) {
				return true
			}
		}
	}
	return false
}

func ldPerson(v any) (string, string) {
	switch t := v.(type) {
	case string:
		return collapse(t), ""
	case []any:
		if len(t) > 0 {
			return ldPerson(t[0])
		}
	case map[string]any:
		name, _ := t["name"].(string)
		u, _ := t["url"].(string)
		return collapse(name), u
	}
	return "", ""
}
