package extract

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"
)

// commentSelector finds comment elements in WordPress (ol.commentlist,
// ol.comment-list), generic themes (#comments .comment), schema.org
// Comment microdata and Disqus-like static markup.
const commentSelector = `li.comment, article.comment, div.comment, .commentlist > li, .comment-list > li, ` +
	`ol.comments > li, [itemprop=comment], [itemtype*="schema.org/Comment"], ` +
	`[id^=comment-], [id^=li-comment-], #disqus_thread li.post, .post-list li.post, ` +
	`.comment-item, .commentaire, div.comment-thread > div.comment`

var (
	commentMatcher    = cascadia.MustCompile(commentSelector)
	headerMatcher     = cascadia.MustCompile(headerSelector)
	structuralMatcher = cascadia.MustCompile(`li.comment, article.comment, div.comment, [itemprop=comment], [itemtype*="schema.org/Comment"], .commentlist > li, .comment-list > li`)
)

// compileAll compiles selectors once, at package load.
func compileAll(qs ...string) []goquery.Matcher {
	out := make([]goquery.Matcher, len(qs))
	for i, q := range qs {
		out[i] = cascadia.MustCompile(q)
	}
	return out
}

var commentIDRe = regexp.MustCompile(`^(?:li-|div-)?comment-?(\d+)$`)
var anyCommentIDRe = regexp.MustCompile(`(?i)comment[-_]?(\d+)`)

// listLike elements separate a comment from its replies; a comment element
// nested in another without one is a wrapper of the same comment.
func listLike(n *html.Node) bool {
	switch n.Data {
	case "ul", "ol":
		return true
	}
	for _, c := range strings.Fields(strings.ToLower(attr(n, "class"))) {
		switch c {
		case "children", "replies", "comment-replies", "children-comments", "comment-children", "reponses", "sub-comments", "comment-thread":
			return true
		}
	}
	return false
}

func (x *extractor) commentRoots() []*html.Node {
	var roots []*html.Node
	isRoot := map[*html.Node]bool{}
	x.doc.FindMatcher(commentMatcher).EachWithBreak(func(_ int, s *goquery.Selection) bool {
		n := s.Get(0)
		cls := strings.ToLower(attr(n, "class"))
		if strings.Contains(cls, "pingback") || strings.Contains(cls, "trackback") || n.Data == "form" {
			return true
		}
		id := strings.ToLower(attr(n, "id"))
		if strings.HasPrefix(id, "comment-") || strings.HasPrefix(id, "li-comment-") {
			structural := s.IsMatcher(structuralMatcher)
			if !structural && !commentIDRe.MatchString(id) {
				return true
			}
		}
		if nodeText(n) == "" {
			return true
		}
		// Nearest kept ancestor comment: if no list separates them, n is a
		// part of it (a wrapper div), not a reply.
		for p := n.Parent; p != nil; p = p.Parent {
			if isRoot[p] {
				sep := false
				for q := n.Parent; q != p; q = q.Parent {
					if listLike(q) {
						sep = true
						break
					}
				}
				if !sep {
					return true
				}
				break
			}
		}
		isRoot[n] = true
		roots = append(roots, n)
		return len(roots) < MaxComments
	})
	return roots
}

// replyWords are action links inside comments, not what the commenter wrote.
var replyWords = map[string]bool{
	"repondre": true, "reply": true, "signaler": true, "report": true, "j'aime": true,
	"like": true, "citer": true, "quote": true, "modifier": true, "edit": true,
	"permalink": true, "lien permanent": true, "repondre a ce commentaire": true,
	"repondre a ce message": true, "annuler la reponse": true, "cancel reply": true,
	"partager": true, "share": true, "voir plus": true, "see more": true,
}

// headerSelector marks the author/date header, avatar and actions of a
// comment, left out of its text.
const headerSelector = `.comment-author, .comment-meta, .comment-metadata, .commentmetadata, ` +
	`.reply, .comment-reply-link, .says, .vcard, .avatar, footer, header, .comment-footer, ` +
	`.comment-header, .comment-actions, .post-meta, .author, .fn, time, .comment-date, ` +
	`.comment-likes, .likes, .like-count, [itemprop=author], .edit-link, .comment-edit-link, ` +
	`.comment-awaiting-moderation, form, button, .comment-respond, .post-byline, .username, ` +
	`.comment_author, .comment_date, .comment-author-name, .auteur, .comment-permalink`

var contentSelectorsComment = compileAll(
	".comment-content", ".comment_content", "[itemprop=text]", "[itemprop=commentText]",
	".comment-text", ".comment-body-text", ".post-message", ".comment-message",
	".commentaire-texte", ".comment-entry", ".comment_text",
)

var authorSelectors = compileAll(
	".comment-author .fn", ".comment-author cite", ".fn", "[itemprop=author] [itemprop=name]",
	"[itemprop=author]", ".comment-author-name", ".comment-author", ".comment_author",
	".author-name", ".author", ".username", ".auteur", ".post-byline", "cite",
)

var dateSelectors = compileAll(
	"time[datetime]", "[itemprop=datePublished]", "[itemprop=dateCreated]", "[data-time]",
	".comment-metadata time", ".comment-metadata a", ".comment-meta a", ".commentmetadata a",
	".comment-date", ".comment_date", ".date", ".post-meta time", "abbr[title]",
	".comment-metadata", ".comment-meta", ".commentmetadata", ".meta", "time",
)

var likeSelectors = compileAll(
	"[data-likes]", "[itemprop=upvoteCount]", ".comment-likes", ".like-count", ".likes-count",
	".comment-like-count", ".vote-count", ".votes", ".likes",
)

// saysRe matches the "X dit :" / "X says:" line old themes put before the text.
var saysRe = regexp.MustCompile(`^(?:.{0,60}\s)?(?i:dit|a dit|a écrit|says|said|wrote)\s*:?$`)

var firstIntRe = regexp.MustCompile(`\d[\d\s.\x{a0}\x{202f}]*`)

func (x *extractor) comments(roots []*html.Node) []Comment {
	isRoot := map[*html.Node]bool{}
	for _, r := range roots {
		isRoot[r] = true
	}
	owner := func(n *html.Node) *html.Node {
		for p := n; p != nil; p = p.Parent {
			if isRoot[p] {
				return p
			}
		}
		return nil
	}
	// own finds the first element matching q that belongs to root itself,
	// not to a nested reply.
	own := func(root *html.Node, q goquery.Matcher) *html.Node {
		var found *html.Node
		goquery.NewDocumentFromNode(root).FindMatcher(q).EachWithBreak(func(_ int, s *goquery.Selection) bool {
			if n := s.Get(0); owner(n) == root {
				found = n
			}
			return found == nil
		})
		return found
	}
	anchors := map[*html.Node]string{}
	var out []Comment
	for i, r := range roots {
		c := Comment{Position: i + 1}
		c.Anchor = x.commentAnchor(r, owner, i+1)
		anchors[r] = c.Anchor
		if p := r.Parent; p != nil {
			if a := owner(p); a != nil {
				c.ReplyTo = anchors[a]
			}
		}
		var authorNode *html.Node
		for _, q := range authorSelectors {
			n := own(r, q)
			if n == nil {
				continue
			}
			name := n
			sub := goquery.NewDocumentFromNode(n)
			if nn := sub.Find("[itemprop=name]").First(); nn.Length() > 0 {
				name = nn.Get(0)
			}
			c.Author = cleanAuthor(nodeText(name))
			if c.Author == "" || replyWords[fold(c.Author)] {
				c.Author = ""
				continue
			}
			authorNode = n
			if n.Data == "a" {
				c.AuthorURL = x.abs(attr(n, "href"))
			} else if a := sub.Find("a[href]").First(); a.Length() > 0 {
				c.AuthorURL = x.abs(a.AttrOr("href", ""))
			} else if p := n.Parent; p != nil && p.Data == "a" {
				c.AuthorURL = x.abs(attr(p, "href"))
			}
			break
		}
		c.Published = x.commentDate(r, own)
		c.Likes = commentLikes(r, own)
		c.Text = x.commentText(r, authorNode, isRoot, own)
		if c.Text == "" {
			continue
		}
		out = append(out, c)
	}
	// Positions count the comments kept.
	for i := range out {
		out[i].Position = i + 1
	}
	return out
}

func (x *extractor) commentAnchor(r *html.Node, owner func(*html.Node) *html.Node, pos int) string {
	var ids []string
	var walk func(*html.Node, int)
	walk = func(n *html.Node, depth int) {
		if n.Type != html.ElementNode || depth > 4 || (n != r && owner(n) != r) {
			return
		}
		if id := attr(n, "id"); id != "" {
			ids = append(ids, id)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, depth+1)
		}
	}
	walk(r, 0)
	for _, id := range ids {
		if m := commentIDRe.FindStringSubmatch(strings.ToLower(id)); m != nil {
			return "comment-" + m[1]
		}
	}
	for _, id := range ids {
		if m := anyCommentIDRe.FindStringSubmatch(id); m != nil {
			return "comment-" + m[1]
		}
	}
	if id := attr(r, "id"); id != "" {
		return id
	}
	if len(ids) > 0 {
		return ids[0]
	}
	return fmt.Sprintf("position-%d", pos)
}

func (x *extractor) commentDate(r *html.Node, own func(*html.Node, goquery.Matcher) *html.Node) time.Time {
	for _, q := range dateSelectors {
		n := own(r, q)
		if n == nil {
			continue
		}
		for _, v := range []string{attr(n, "datetime"), attr(n, "content"), attr(n, "data-time"), attr(n, "title"), nodeText(n)} {
			if t, ok := x.parseDate(v); ok {
				return t
			}
		}
	}
	return time.Time{}
}

func commentLikes(r *html.Node, own func(*html.Node, goquery.Matcher) *html.Node) int {
	for _, q := range likeSelectors {
		n := own(r, q)
		if n == nil {
			continue
		}
		for _, v := range []string{attr(n, "data-likes"), attr(n, "content"), nodeText(n)} {
			m := firstIntRe.FindString(v)
			if m == "" {
				continue
			}
			m = strings.Map(func(r rune) rune {
				if r >= '0' && r <= '9' {
					return r
				}
				return -1
			}, m)
			if k, err := strconv.Atoi(m); err == nil && k < 1<<30 {
				return k
			}
		}
	}
	return 0
}

func (x *extractor) commentText(r, authorNode *html.Node, isRoot map[*html.Node]bool, own func(*html.Node, goquery.Matcher) *html.Node) string {
	skipSet := map[*html.Node]bool{}
	goquery.NewDocumentFromNode(r).FindMatcher(headerMatcher).Each(func(_ int, s *goquery.Selection) {
		skipSet[s.Get(0)] = true
	})
	if authorNode != nil {
		skipSet[authorNode] = true
	}
	var body *html.Node
	for _, q := range contentSelectorsComment {
		if n := own(r, q); n != nil {
			body = n
			break
		}
	}
	if body != nil {
		// The content block itself may carry a header class; never skip it.
		delete(skipSet, body)
		for p := body.Parent; p != nil && p != r; p = p.Parent {
			delete(skipSet, p)
		}
	} else {
		body = r
	}
	skip := func(n *html.Node) bool {
		if n != r && isRoot[n] || skipSet[n] || listLike(n) && n != body && onlyComments(n, isRoot) {
			return true
		}
		return n.Data == "a" && replyWords[fold(nodeText(n))]
	}
	text := renderText(body, skip, x.opt.MaxTextBytes+1024)
	paras := strings.Split(text, "\n\n")
	kept := paras[:0]
	for _, p := range paras {
		if !replyWords[fold(p)] && !saysRe.MatchString(p) {
			kept = append(kept, p)
		}
	}
	return truncate(strings.Join(kept, "\n\n"), x.opt.MaxTextBytes)
}

// onlyComments reports a list whose element children are all comments.
func onlyComments(n *html.Node, isRoot map[*html.Node]bool) bool {
	has := false
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode {
			if !isRoot[c] {
				return false
			}
			has = true
		}
	}
	return has
}
