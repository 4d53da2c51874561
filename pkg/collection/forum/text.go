package forum

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
)

// blockTags end a line of text when rendered.
var blockTags = map[string]bool{
	"p": true, "div": true, "br": true, "li": true, "ul": true, "ol": true,
	"blockquote": true, "pre": true, "h1": true, "h2": true, "h3": true,
	"h4": true, "h5": true, "h6": true, "tr": true, "table": true,
	"section": true, "article": true, "aside": true, "dd": true, "dt": true,
	"hr": true, "figure": true, "header": true, "footer": true,
}

// skipTags never contribute text.
var skipTags = map[string]bool{
	"script": true, "style": true, "noscript": true, "template": true,
	"iframe": true, "object": true, "svg": true, "button": true, "form": true,
	"input": true, "select": true, "textarea": true,
}

// nodeText renders the selection as plain text: one line per block, spaces
// collapsed inside lines, at most one blank line in a row. Emoji and smiley
// images contribute their alt text, as readers see them.
func nodeText(sel *goquery.Selection) string {
	var b strings.Builder
	for _, n := range sel.Nodes {
		walkText(&b, n, 0)
		b.WriteByte('\n')
	}
	return tidyLines(b.String())
}

func walkText(b *strings.Builder, n *html.Node, depth int) {
	if depth > 200 || b.Len() > maxTextBytes*2 {
		return
	}
	switch n.Type {
	case html.TextNode:
		b.WriteString(n.Data)
		return
	case html.ElementNode:
		if skipTags[n.Data] {
			return
		}
		if n.Data == "img" {
			cls := attr(n, "class")
			if strings.Contains(cls, "smil") || strings.Contains(cls, "emoji") || strings.Contains(cls, "emoticon") {
				b.WriteString(attr(n, "alt"))
			}
			return
		}
	}
	block := n.Type == html.ElementNode && blockTags[n.Data]
	if block {
		b.WriteByte('\n')
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walkText(b, c, depth+1)
	}
	if block && n.Data != "br" {
		b.WriteByte('\n')
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// tidyLines collapses spaces inside lines and runs of blank lines.
func tidyLines(s string) string {
	lines := strings.Split(s, "\n")
	out := make([]string, 0, len(lines))
	blank := true
	for _, l := range lines {
		l = strings.Join(strings.FieldsFunc(l, isSpace), " ")
		if l == "" {
			if !blank {
				out = append(out, "")
			}
			blank = true
			continue
		}
		out = append(out, l)
		blank = false
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}

func isSpace(r rune) bool { return unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff' }

// clean collapses all whitespace of a short field into single spaces.
func clean(s string) string {
	return strings.Join(strings.FieldsFunc(s, isSpace), " ")
}

// squashText is the trimmed text of a selection on one line.
func squashText(sel *goquery.Selection) string { return clean(sel.First().Text()) }

// resolve makes href absolute against base; "" for empty, javascript: or
// unparseable links.
func resolve(base *url.URL, href string) string {
	href = strings.TrimSpace(href)
	if href == "" || strings.HasPrefix(strings.ToLower(href), "javascript:") {
		return ""
	}
	u, err := url.Parse(href)
	if err != nil {
		return ""
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return ""
	}
	return u.String()
}

// dropQuery removes the named query parameters and the fragment.
func dropQuery(raw string, keys ...string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	q := u.Query()
	for _, k := range keys {
		q.Del(k)
	}
	u.RawQuery = keepBareKeys(u.RawQuery, q.Encode())
	u.Fragment = ""
	return u.String()
}

// keepBareKeys writes the keys that raw had without "=" (vBulletin 4's
// friendly "member.php?3310-kaleo_kev") as they were, not as "key=".
func keepBareKeys(raw, encoded string) string {
	if !strings.Contains(encoded, "=&") && !strings.HasSuffix(encoded, "=") {
		return encoded
	}
	bare := map[string]bool{}
	for _, part := range strings.Split(raw, "&") {
		if part != "" && !strings.Contains(part, "=") {
			if k, err := url.QueryUnescape(part); err == nil {
				bare[k] = true
			}
		}
	}
	if len(bare) == 0 {
		return encoded
	}
	parts := strings.Split(encoded, "&")
	for i, part := range parts {
		if k, ok := strings.CutSuffix(part, "="); ok {
			if uk, err := url.QueryUnescape(k); err == nil && bare[uk] {
				parts[i] = k
			}
		}
	}
	return strings.Join(parts, "&")
}

var digitsRe = regexp.MustCompile(`[0-9][0-9 .,\x{a0}\x{202f}']*\s*[kKmM]?`)

// parseCount reads the first number in s: "1 234", "1.234", "1,234",
// "1.2k", "Messages : 56". Returns 0 when there is none.
func parseCount(s string) int {
	m := digitsRe.FindString(s)
	if m == "" {
		return 0
	}
	m = strings.TrimSpace(m)
	mult := 1.0
	switch m[len(m)-1] {
	case 'k', 'K':
		mult, m = 1e3, strings.TrimSpace(m[:len(m)-1])
	case 'm', 'M':
		mult, m = 1e6, strings.TrimSpace(m[:len(m)-1])
	}
	if mult > 1 {
		// "1,2k" / "1.2k": the separator is a decimal point here.
		f, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimRight(m, " .,"), ",", "."), 64)
		if err == nil && f < 1e9 {
			return int(f * mult)
		}
	}
	var d strings.Builder
	for _, r := range m {
		if r >= '0' && r <= '9' {
			d.WriteRune(r)
		}
	}
	n, err := strconv.Atoi(d.String())
	if err != nil || n > 1<<40 {
		return 0
	}
	return n
}

// statLabel classifies an author-stat label in French or English.
func statLabel(label string) string {
	l := strings.ToLower(strings.Trim(clean(label), " :"))
	switch {
	case strings.HasPrefix(l, "message"), strings.HasPrefix(l, "post"),
		strings.HasPrefix(l, "contributions"), l == "messages publiés", strings.HasPrefix(l, "beiträge"):
		return "posts"
	case strings.HasPrefix(l, "inscri"), strings.HasPrefix(l, "join"),
		strings.HasPrefix(l, "date d'inscription"), strings.HasPrefix(l, "membre depuis"),
		strings.HasPrefix(l, "registered"), strings.HasPrefix(l, "member since"),
		strings.HasPrefix(l, "date d’inscription"):
		return "joined"
	case strings.Contains(l, "réputation"), strings.Contains(l, "reputation"),
		strings.HasPrefix(l, "j'aime"), strings.HasPrefix(l, "j’aime"),
		strings.HasPrefix(l, "likes"), strings.HasPrefix(l, "points"),
		strings.Contains(l, "reaction score"), strings.Contains(l, "score de réaction"),
		strings.HasPrefix(l, "réactions"):
		return "rep"
	}
	return ""
}

// applyStat stores one labelled stat into a.
func applyStat(a *Author, label, value string) {
	value = clean(value)
	switch statLabel(label) {
	case "posts":
		if a.PostCount == 0 {
			a.PostCount = parseCount(value)
		}
	case "joined":
		if a.JoinedAt == "" {
			a.JoinedAt = value
		}
	case "rep":
		if a.Reputation == 0 {
			a.Reputation = parseCount(value)
		}
	}
}

// statsFromLines reads "Label : value" lines (phpBB's dd, vBulletin's dl).
func statsFromLines(a *Author, text string) {
	for _, line := range strings.Split(text, "\n") {
		label, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		applyStat(a, label, value)
	}
}

// urlParam returns query parameter key of raw, "" if absent.
func urlParam(raw, key string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Query().Get(key)
}

// parseBase parses the page URL; a bad one is not fatal, links stay relative-less.
func parseBase(pageURL string) *url.URL {
	u, err := url.Parse(pageURL)
	if err != nil {
		return nil
	}
	return u
}

// docBase honours <base href> when the page has one.
func docBase(doc *goquery.Document, pageURL string) *url.URL {
	base := parseBase(pageURL)
	if href, ok := doc.Find("base[href]").First().Attr("href"); ok {
		if u := resolve(base, href); u != "" {
			return parseBase(u)
		}
	}
	return base
}

// htmlLang is the page's <html lang>, e.g. "fr".
func htmlLang(doc *goquery.Document) string {
	l, _ := doc.Find("html").First().Attr("lang")
	l = strings.ToLower(strings.TrimSpace(l))
	if i := strings.IndexAny(l, "-_"); i > 0 {
		l = l[:i]
	}
	return l
}

// textContainsAny reports whether s contains any of the phrases, folding case.
func textContainsAny(s string, phrases ...string) string {
	ls := strings.ToLower(s)
	for _, p := range phrases {
		if strings.Contains(ls, strings.ToLower(p)) {
			return p
		}
	}
	return ""
}
