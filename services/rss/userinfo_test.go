package rss

import "testing"

// TestRelativeLinksDoNotInheritCredentials: a feed at
// http://user:pass@host/feed.xml with relative item links gave mentions.url
// http://user:pass@host/a/1 (issue 16).
func TestRelativeLinksDoNotInheritCredentials(t *testing.T) {
	base := "http://bob:hunter2@news.example.fr/feed.xml"
	for ref, want := range map[string]string{
		"/a/1":                          "http://news.example.fr/a/1",
		"a/2?x=1":                       "http://news.example.fr/a/2?x=1",
		"https://other.example.fr/b":    "https://other.example.fr/b",
		"https://u:p@other.example.fr/": "https://u:p@other.example.fr/", // the feed's own text; SetID strips it
	} {
		if got := absolute(base, ref); got != want {
			t.Errorf("absolute(%q, %q) = %q, want %q", base, ref, got, want)
		}
	}
}
