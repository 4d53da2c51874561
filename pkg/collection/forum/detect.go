package forum

import (
	"regexp"
	"strings"
)

// Detection reads only the start of a page and a handful of markers:
// forum engines announce themselves early (meta generator, <html>/<body>
// attributes) and their post markup is distinctive.
const detectWindow = 512 << 10

var generatorRe = regexp.MustCompile(`(?i)<meta[^>]+name=["']generator["'][^>]*content=["']([^"']+)|<meta[^>]+content=["']([^"']+)["'][^>]*name=["']generator["']`)

// marker is one clue for an engine and its weight.
type marker struct {
	engine string
	clue   string
	weight int
}

var detectMarkers = []marker{
	{PhpBB, `id="phpbb"`, 5},
	{PhpBB, `section-viewtopic`, 3},
	{PhpBB, `section-viewforum`, 3},
	{PhpBB, `section-index`, 1},
	{PhpBB, `class="postprofile"`, 3},
	{PhpBB, `viewtopic.php`, 1},
	{PhpBB, `Powered by <a href="https://www.phpbb.com/"`, 4},
	{PhpBB, `phpBB Limited`, 4},
	{VBulletin, `vbulletin_css`, 3},
	{VBulletin, `vBulletin`, 1},
	{VBulletin, `class="postbitlegacy`, 3},
	{VBulletin, `class="postbit `, 3},
	{VBulletin, `id="post_message_`, 3},
	{VBulletin, `b-post__`, 2},
	{VBulletin, `threadbit`, 2},
	{XenForo, `id="XF"`, 5},
	{XenForo, `data-xf-init`, 3},
	{XenForo, `bbWrapper`, 2},
	{XenForo, `message--post`, 2},
	{XenForo, `structItem--thread`, 2},
	{XenForo, `XenForo`, 1},
	{XenForo, `id="XenForo"`, 5}, // XenForo 1's <html id="XenForo">
	{XenForo, `id="messageList"`, 2},
	{VBulletin, `class="bigusername"`, 3}, // vBulletin 3
	{Discourse, `crawler-post`, 2},
	{Discourse, `name="discourse_`, 5},
	{Discourse, `data-discourse-setup`, 5},
	{Discourse, `discourse-cdn`, 2},
	{Invision, `ipsApp`, 4},
	{Invision, `class="cPost`, 3},
	{Invision, `data-role="commentContent"`, 3},
	{Invision, `ipsQuote`, 1},
	{Invision, `Invision Community`, 2},
	{WordPress, `/wp-content/`, 2},
	{WordPress, `/wp-includes/`, 2},
	{WordPress, `class="comment-list`, 2},
	{WordPress, `class="commentlist`, 2},
	{WordPress, `id="comment-`, 1},
	{WordPress, `class="comment-content`, 1},
}

// Detect names the engine of a page: meta generator first, then Discourse
// JSON or meta tags, then weighted markup clues. ok is false when nothing
// scored.
func Detect(doc string) (engine string, ok bool) {
	head := doc
	if len(head) > detectWindow {
		head = head[:detectWindow]
	}
	trimmed := strings.TrimSpace(head)
	if strings.HasPrefix(trimmed, "{") {
		for _, k := range []string{`"post_stream"`, `"topic_list"`, `"category_list"`} {
			if strings.Contains(trimmed, k) {
				return Discourse, true
			}
		}
		return "", false
	}
	if m := generatorRe.FindStringSubmatch(head); m != nil {
		g := strings.ToLower(m[1] + m[2])
		switch {
		case strings.Contains(g, "discourse"):
			return Discourse, true
		case strings.Contains(g, "vbulletin"):
			return VBulletin, true
		case strings.Contains(g, "xenforo"):
			return XenForo, true
		case strings.Contains(g, "invision"):
			return Invision, true
		case strings.Contains(g, "phpbb"):
			return PhpBB, true
		}
		// WordPress as generator only wins when no forum markup does: a
		// forum plugin page is still WordPress-made.
	}
	score := map[string]int{}
	for _, mk := range detectMarkers {
		if strings.Contains(head, mk.clue) {
			score[mk.engine] += mk.weight
		}
	}
	if m := generatorRe.FindStringSubmatch(head); m != nil && strings.Contains(strings.ToLower(m[1]+m[2]), "wordpress") {
		score[WordPress] += 3
	}
	best, bestScore := "", 0
	for _, e := range []string{Discourse, XenForo, Invision, VBulletin, PhpBB, WordPress} {
		if score[e] > bestScore {
			best, bestScore = e, score[e]
		}
	}
	if bestScore < 2 {
		return "", false
	}
	return best, true
}
