package extract

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// blockTags start a new paragraph in rendered text.
var blockTags = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.Section: true, atom.Article: true,
	atom.Main: true, atom.Header: true, atom.Footer: true, atom.Aside: true,
	atom.Nav: true, atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true,
	atom.H5: true, atom.H6: true, atom.Ul: true, atom.Ol: true, atom.Li: true,
	atom.Dl: true, atom.Dt: true, atom.Dd: true, atom.Blockquote: true,
	atom.Pre: true, atom.Table: true, atom.Tr: true, atom.Figure: true,
	atom.Figcaption: true, atom.Hr: true, atom.Address: true, atom.Form: true,
	atom.Fieldset: true, atom.Details: true, atom.Summary: true, atom.Body: true,
	atom.Center: true, atom.Caption: true, atom.Tbody: true, atom.Thead: true,
}

// invisibleTags never contribute text.
var invisibleTags = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true,
	atom.Svg: true, atom.Math: true, atom.Iframe: true, atom.Object: true,
	atom.Embed: true, atom.Canvas: true, atom.Select: true, atom.Textarea: true,
	atom.Button: true, atom.Input: true, atom.Head: true, atom.Title: true,
	atom.Audio: true, atom.Video: true, atom.Picture: true, atom.Img: true,
}

// textRenderer turns a subtree into paragraphs separated by blank lines,
// with whitespace collapsed inside each paragraph.
type textRenderer struct {
	skip  func(*html.Node) bool
	paras []string
	cur   strings.Builder
	space bool // a space is pending before the next word
	limit int
	size  int
}

func renderText(n *html.Node, skip func(*html.Node) bool, limit int) string {
	r := &textRenderer{skip: skip, limit: limit}
	r.walk(n)
	r.flush()
	return strings.Join(r.paras, "\n\n")
}

func (r *textRenderer) full() bool { return r.limit > 0 && r.size >= r.limit }

func (r *textRenderer) walk(n *html.Node) {
	if r.full() {
		return
	}
	switch n.Type {
	case html.TextNode:
		r.text(n.Data)
		return
	case html.ElementNode:
		if invisibleTags[n.DataAtom] || (r.skip != nil && r.skip(n)) {
			return
		}
		if n.DataAtom == atom.Br {
			r.lineBreak()
			return
		}
	case html.DocumentNode:
	default:
		return
	}
	block := n.Type == html.ElementNode && blockTags[n.DataAtom]
	if block {
		r.flush()
	}
	if n.DataAtom == atom.Td || n.DataAtom == atom.Th {
		r.space = true
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		r.walk(c)
	}
	if block {
		r.flush()
	}
}

func (r *textRenderer) text(s string) {
	for _, c := range s {
		if isSpace(c) {
			r.space = true
			continue
		}
		if r.space && r.cur.Len() > 0 {
			last := r.cur.String()[r.cur.Len()-1]
			if last != '\n' {
				r.cur.WriteByte(' ')
			}
		}
		r.space = false
		r.cur.WriteRune(c)
		r.size += utf8.RuneLen(c)
	}
}

func (r *textRenderer) lineBreak() {
	if r.cur.Len() > 0 {
		r.cur.WriteByte('\n')
	}
	r.space = false
}

func (r *textRenderer) flush() {
	p := strings.TrimSpace(r.cur.String())
	r.cur.Reset()
	r.space = false
	if p != "" {
		// Collapse line breaks that <br> runs left.
		for strings.Contains(p, "\n\n") {
			p = strings.ReplaceAll(p, "\n\n", "\n")
		}
		p = strings.ReplaceAll(p, " \n", "\n")
		p = strings.ReplaceAll(p, "\n ", "\n")
		r.paras = append(r.paras, p)
	}
}

func isSpace(r rune) bool {
	return unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff'
}

// collapse normalises whitespace of a short string to single spaces.
func collapse(s string) string {
	return strings.Join(strings.FieldsFunc(s, isSpace), " ")
}

// nodeText is the collapsed text of a subtree, without invisible elements.
func nodeText(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if b.Len() > 1<<16 {
			return
		}
		switch n.Type {
		case html.TextNode:
			b.WriteString(n.Data)
			return
		case html.ElementNode:
			if invisibleTags[n.DataAtom] {
				return
			}
			if blockTags[n.DataAtom] || n.DataAtom == atom.Br {
				b.WriteByte(' ')
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return collapse(b.String())
}

// textStats returns the length of visible text and of link text below n.
func textStats(n *html.Node) (total, link int) {
	var walk func(*html.Node, bool)
	walk = func(n *html.Node, inLink bool) {
		switch n.Type {
		case html.TextNode:
			l := len(strings.TrimSpace(n.Data))
			total += l
			if inLink {
				link += l
			}
			return
		case html.ElementNode:
			if invisibleTags[n.DataAtom] {
				return
			}
			if n.DataAtom == atom.A {
				inLink = true
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inLink)
		}
	}
	walk(n, false)
	return total, link
}

// truncate cuts s to at most max bytes, at a paragraph or word boundary
// when one is near, and never inside a UTF-8 sequence.
func truncate(s string, max int) string {
	if max <= 0 || len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	if i := strings.LastIndex(s[:cut], "\n\n"); i > max*3/4 {
		return s[:i]
	}
	if i := strings.LastIndexByte(s[:cut], ' '); i > max*3/4 {
		return s[:i]
	}
	return s[:cut]
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

func isAncestor(a, n *html.Node) bool {
	for p := n; p != nil; p = p.Parent {
		if p == a {
			return true
		}
	}
	return false
}
