package influence_test

import (
	"testing"

	"github.com/veille-oss/veille/pkg/enrich/influence"
	"github.com/veille-oss/veille/pkg/platform/mention"
)

func mk(kind, url, anchor string, pos int, name, profile string) *mention.Mention {
	return &mention.Mention{SourceKind: kind, URL: url, Anchor: anchor, Position: pos, Author: mention.Author{Name: name, URL: profile}}
}

func TestAuthorKeyMergesOneAuthorAcrossASite(t *testing.T) {
	groups := map[string][]*mention.Mention{
		// Camille's articles link her author page; her replies in comments link her home page.
		"blog-camille.test/@camille roux": {
			mk("web", "http://blog-camille.test/yaourts-duval/", "", 0, "Camille Roux", "http://blog-camille.test/auteur/camille-roux/"),
			mk("rss", "http://blog-camille.test/fromage-blanc/", "", 0, "Camille Roux", "http://blog-camille.test/auteur/camille-roux/"),
			mk("web", "http://blog-camille.test/yaourts-duval/", "comment-12", 5, "Camille Roux", "http://blog-camille.test/"),
			mk("web", "http://blog-camille.test/fromage-blanc/", "comment-3", 3, "  CAMILLE   roux ", ""),
		},
		// Titou75 posts on the phpBB and the XenForo boards of one host, and
		// signs his blog comments with a link to his forum profile.
		"forum-conso.test/@titou75": {
			mk("forum", "http://forum-conso.test/phpbb/viewtopic.php?t=120", "p1201", 2, "Titou75", "http://forum-conso.test/phpbb/memberlist.php?mode=viewprofile&u=52&sid=abc"),
			mk("forum", "http://forum-conso.test/phpbb/viewtopic.php?t=7", "p77", 9, "Titou75", "http://forum-conso.test/phpbb/memberlist.php?mode=viewprofile&u=52"),
			mk("forum", "http://forum-conso.test/forums/threads/laiterie.212/", "js-post-3", 3, "Titou75", "http://forum-conso.test/forums/members/titou75.52/"),
			mk("web", "http://blog-camille.test/fromage-blanc/", "comment-2", 2, "Titou75", "http://forum-conso.test/phpbb/memberlist.php?mode=viewprofile&u=52"),
		},
		// Accents and case fold: one drive-by commenter.
		"blog-camille.test/@helene": {
			mk("web", "http://blog-camille.test/a/", "comment-1", 2, "Hélène", ""),
			mk("web", "http://blog-camille.test/b/", "comment-9", 4, "HELENE", ""),
		},
		// A news article without a byline is the publication's.
		"monquotidien.test": {
			mk("rss", "http://monquotidien.test/conso/rappel.html", "", 0, "", ""),
			mk("web", "https://www.monquotidien.test/conso/suite.html", "", 1, "", ""),
		},
	}
	for want, ms := range groups {
		for i, m := range ms {
			if got := influence.AuthorKey(m); got != want {
				t.Errorf("%s #%d (%s %s by %q): key %q", want, i, m.SourceKind, m.URL, m.Author.Name, got)
			}
		}
	}
}

func TestAuthorKeyKeepsApartSameNameOnDifferentSites(t *testing.T) {
	a := influence.AuthorKey(mk("web", "http://velo-urbain.test/post/1/", "comment-1", 2, "Léa", ""))
	b := influence.AuthorKey(mk("web", "http://mode-surf.test/post/2/", "comment-4", 2, "Léa", ""))
	c := influence.AuthorKey(mk("forum", "http://forum-conso.test/phpbb/viewtopic.php?t=1", "p3", 3, "Léa", "http://forum-conso.test/phpbb/memberlist.php?mode=viewprofile&u=9"))
	if a == b || a == c || b == c {
		t.Fatalf("three Léa on three sites share a key: %q %q %q", a, b, c)
	}
	if a == "" || b == "" || c == "" {
		t.Fatalf("empty key: %q %q %q", a, b, c)
	}
}

func TestAuthorKeyProfileURLVariantsMerge(t *testing.T) {
	variants := []string{
		"https://forum.example.fr/members/jean.42/",
		"http://forum.example.fr/members/jean.42",
		"HTTPS://WWW.Forum.Example.fr:443/members/jean.42/#posts",
		"https://forum.example.fr/members/jean.42/?utm_source=x&utm_medium=y&fbclid=z",
		"http://forum.example.fr:80/members/jean.42?ref=share",
	}
	// Without a display name the profile URL is the key.
	want := "forum.example.fr/members/jean.42"
	for _, v := range variants {
		if got := influence.AuthorKey(mk("forum", "http://forum.example.fr/threads/x.1/", "post-1", 1, "", v)); got != want {
			t.Errorf("profile %q: key %q, want %q", v, got, want)
		}
	}
	// Query parameters that identify the member are kept, in a stable order.
	p1 := influence.NormalizeProfileURL("http://f.test/memberlist.php?u=52&mode=viewprofile&sid=0a1b")
	p2 := influence.NormalizeProfileURL("https://f.test/memberlist.php?mode=viewprofile&u=52")
	p3 := influence.NormalizeProfileURL("https://f.test/memberlist.php?mode=viewprofile&u=53")
	if p1 != p2 || p1 == p3 {
		t.Fatalf("query normalisation: %q %q %q", p1, p2, p3)
	}
	if got := influence.NormalizeProfileURL("javascript:alert(1)"); got != "" {
		t.Fatalf("non-http profile kept: %q", got)
	}
}

func TestAuthorKeyAnonymous(t *testing.T) {
	for _, m := range []*mention.Mention{
		mk("web", "http://blog.test/a/", "comment-3", 4, "", ""),
		mk("forum", "http://forum.test/t/1", "p1", 1, "", ""),
		mk("web", "not a url", "", 0, "", ""),
	} {
		if got := influence.AuthorKey(m); got != "" {
			t.Errorf("anonymous %s %s#%s: key %q", m.SourceKind, m.URL, m.Anchor, got)
		}
	}
}

func TestFoldName(t *testing.T) {
	for in, want := range map[string]string{
		"  Camille   ROUX ": "camille roux",
		"Hélène\tDupré":     "helene dupre",
		"Ced_Lille":         "ced_lille",
		"":                  "",
		"\u0007":            "",
	} {
		if got := influence.FoldName(in); got != want {
			t.Errorf("FoldName(%q) = %q, want %q", in, got, want)
		}
	}
}
