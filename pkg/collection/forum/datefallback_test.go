package forum

import (
	"testing"
	"time"
)

// A theme that moves the post date out of the engine's element: the
// machine-readable date elsewhere in the post is read, never the date of a
// quoted post.
func TestDateFallbackThemeVariants(t *testing.T) {
	want := time.Date(2024, 1, 6, 21, 42, 0, 0, time.UTC)
	for _, c := range []struct{ name, prof, page string }{
		{"phpBB date in a custom header", PhpBB, `<html lang="fr"><body id="phpbb"><div id="page-body"><h2 class="topic-title"><a href="./viewtopic.php?t=5">T</a></h2>
<div id="p50" class="post"><div class="postbody"><div class="custom-head"><span class="when"><time datetime="2024-01-06T21:42:00+00:00">il y a longtemps</time></span></div>
<p class="author">par <strong><a href="./memberlist.php?mode=viewprofile&amp;u=1">a</a></strong></p>
<div class="content"><blockquote><div><cite>b a écrit : <time datetime="2023-12-01T10:00:00+00:00">1 déc.</time></cite>cité</div></blockquote>texte</div></div></div></div></body></html>`},
		{"vBulletin 4 date as data-time in a theme's header", VBulletin, `<html lang="en"><body><ol id="posts"><li class="postbitlegacy postcontainer" id="post_9">
<div class="posthead cc"><span class="cc-date" data-time="1704577320">a while ago</span></div>
<div class="userinfo"><a class="username" href="member.php?u=1"><strong>a</strong></a></div>
<div id="post_message_9"><blockquote class="postcontent">text</blockquote></div></li></ol></body></html>`},
		{"WordPress comment with schema.org date", WordPress, `<html lang="fr"><body><ol class="comment-list"><li id="comment-7" class="comment">
<div class="comment-author"><span class="fn">a</span></div><div class="comment-meta"><span>il y a 2 ans</span><meta itemprop="datePublished" content="2024-01-06T22:42:00+01:00"></div>
<div class="comment-content"><p>texte</p></div></li></ol></body></html>`},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := profileFor(t, c.prof).Parse(c.page, "https://f.test/x", testOptions())
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Posts) != 1 || !p.Posts[0].Published.Equal(want) || p.Posts[0].DateMissing {
				t.Fatalf("posts %+v; want one dated %s", p.Posts, want)
			}
		})
	}
}
