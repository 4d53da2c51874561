package extract

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// siblingBlocks returns the blocks that make up the article around content,
// in page order: content itself and the siblings that continue it. CMSes
// split a body around ads, pictures and inline teasers (three
// section.article__content, two div.post-body, text blocks between
// figures), and a chapô often sits just before the body; keeping only the
// largest block loses the rest. A sibling continues the article when it is
// the same kind of block (same tag and class) with real text, or a
// paragraph with enough text and few links (Readability's rule); headings
// between two kept blocks are intertitles and are kept with them.
// Boilerplate siblings were cut before this runs.
func siblingBlocks(content *html.Node) []*html.Node {
	parent := content.Parent
	if parent == nil || parent.Type != html.ElementNode || parent.DataAtom == atom.Html {
		return []*html.Node{content}
	}
	class := strings.Join(strings.Fields(attr(content, "class")), " ")
	var kids []*html.Node
	keep := map[*html.Node]bool{content: true}
	for s := parent.FirstChild; s != nil; s = s.NextSibling {
		if s.Type != html.ElementNode {
			continue
		}
		kids = append(kids, s)
		if s == content || invisibleTags[s.DataAtom] || dropTags[s.DataAtom] {
			continue
		}
		total, link := textStats(s)
		own := total - link
		switch {
		case s.DataAtom == content.DataAtom && strings.Join(strings.Fields(attr(s, "class")), " ") == class &&
			own >= 100 && link*10 < total*3:
			keep[s] = true
		case s.DataAtom == atom.P && own >= 80 && link*4 < total:
			keep[s] = true
		}
	}
	if len(keep) == 1 {
		return []*html.Node{content}
	}
	first, last := -1, -1
	for i, k := range kids {
		if keep[k] {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	var out []*html.Node
	for i := first; i <= last; i++ {
		k := kids[i]
		switch {
		case keep[k]:
			out = append(out, k)
		case isHeading(k) && len(nodeText(k)) < 200:
			out = append(out, k)
		}
	}
	return out
}

func isHeading(n *html.Node) bool {
	switch n.DataAtom {
	case atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		return true
	}
	return false
}

// linkList reports a block inside the article that is a list of links: a
// "related articles" or "you may also like" list, a tag cloud, a row of
// teasers that no class or label gave away. Kept lists of sources are rare
// next to these, and a list that is mostly text stays.
func linkList(n *html.Node) bool {
	switch n.DataAtom {
	case atom.Ul, atom.Ol, atom.Div, atom.Section, atom.Aside, atom.Nav, atom.Table, atom.Dl, atom.Footer:
	default:
		return false
	}
	total, link := textStats(n)
	if total == 0 || total > 2000 || link*10 < total*7 {
		return false
	}
	links := 0
	var count func(*html.Node)
	count = func(c *html.Node) {
		if c.Type == html.ElementNode && c.DataAtom == atom.A {
			links++
			return
		}
		for ch := c.FirstChild; ch != nil && links < 3; ch = ch.NextSibling {
			count(ch)
		}
	}
	count(n)
	return links >= 3
}

// textShorter reports whether n's text is shorter than limit bytes,
// stopping as soon as it is not, so a check on every block of a long page
// stays linear.
func textShorter(n *html.Node, limit int) bool {
	size := 0
	var walk func(*html.Node) bool
	walk = func(n *html.Node) bool {
		if n.Type == html.TextNode {
			size += len(n.Data)
			return size < limit
		}
		if n.Type == html.ElementNode && invisibleTags[n.DataAtom] {
			return true
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if !walk(c) {
				return false
			}
		}
		return true
	}
	return walk(n)
}

// clip cuts s to at most n bytes, on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
