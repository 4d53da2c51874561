package forum

import (
	"regexp"
	"strings"
)

// Post containers are counted from the raw markup by the ids engines give
// them, apart from the CSS the parsers use: when a theme renames a class the
// parser reads fewer posts than the page holds, and the crawler says so
// instead of losing them silently.
var containerIDRe = map[string]*regexp.Regexp{
	// <div id="p1054" class="post bg2"> (3.0 to 3.3)
	PhpBB: regexp.MustCompile(`<div\s[^>]*\bid=["']p(\d+)["']`),
	// vB3 <table id="post123">, vB4 <li id="post_123">, both <div id="post_message_123">
	VBulletin: regexp.MustCompile(`\bid=["']post_?(?:message_)?(\d+)["']`),
	// XF1 <li id="post-123">, XF2 <article id="js-post-123"> and its anchor
	XenForo: regexp.MustCompile(`\bid=["'](?:js-)?post-(\d+)["']`),
	// IPS4 <a id="comment-123"></a><article id="elComment_123">
	Invision: regexp.MustCompile(`\bid=["'](?:elComment_|comment-)(\d+)["']`),
	// <li id="comment-12"> (or li-comment-12 in older themes)
	WordPress: regexp.MustCompile(`\bid=["'](?:li-)?comment-(\d+)["']`),
	// Discourse's server-rendered topic <div id="post_3" itemprop="comment">,
	// or the browser-rendered one <article id="post_3" data-post-id="…">
	Discourse: regexp.MustCompile(`<(?:div|article)\s[^>]*\bid=["']post_(\d+)["']`),
}

// vb5PostRe finds vBulletin 5's post items, which carry no post id in an id
// attribute: <li class="b-post js-post …" data-node-id="123">.
var vb5PostRe = regexp.MustCompile(`<li\s[^>]*\bclass=["']([^"']*)["'][^>]*>`)

// countContainers is the number of distinct post containers in doc for
// engine; 0 when the engine's markup has no countable id.
func countContainers(engine, doc string) int {
	re := containerIDRe[engine]
	if re == nil {
		return 0
	}
	if len(doc) > MaxPageBytes {
		return 0
	}
	seen := map[string]bool{}
	for _, m := range re.FindAllStringSubmatch(doc, maxPostsPerPage*4) {
		seen[m[1]] = true
	}
	n := len(seen)
	if engine == VBulletin && n == 0 {
		for _, m := range vb5PostRe.FindAllStringSubmatch(doc, -1) {
			for _, c := range strings.Fields(m[1]) {
				if c == "b-post" {
					n++
					break
				}
			}
		}
	}
	return min(n, maxPostsPerPage)
}
