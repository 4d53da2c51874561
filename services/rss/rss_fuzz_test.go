package rss

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
)

// FuzzFeed runs the reader's parse path (declared-encoding strip, gofeed,
// then the per-item helpers Poll applies) on arbitrary documents: no panic,
// bounded time, links only ever http(s) and without fragments.
func FuzzFeed(f *testing.F) {
	f.Add(`<?xml version="1.0" encoding="ISO-8859-1"?><rss version="2.0"><channel><title>Actu</title><link>https://news.example.fr/</link>
<item><title>Duval &amp; fils</title><link>/a/1?utm_source=x#top</link><guid>1</guid><description>&lt;p&gt;Les yaourts &lt;b&gt;Duval&lt;/b&gt;&lt;/p&gt;</description><pubDate>Mon, 03 Mar 2025 10:00:00 +0100</pubDate></item>
</channel></rss>`, "https://news.example.fr/rss.xml")
	f.Add(`<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry><title>x</title><link href="javascript:alert(1)"/><id>tag:x</id><content type="html">&lt;script&gt;</content><updated>2025-03-03T10:00:00Z</updated></entry></feed>`, "https://x.fr/atom.xml")
	f.Add(`{"version":"https://jsonfeed.org/version/1.1","title":"j","items":[{"id":"1","url":"https://x.fr/1","content_html":"<p>Duval</p>"}]}`, "https://x.fr/feed.json")
	f.Add(`<rss><channel><item><link>http://[::1]:namedport/</link></item>`, "::bad")
	f.Add(`<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]><rss><channel><item><title>&b;</title></item></channel></rss>`, "https://x.fr/")
	f.Fuzz(func(t *testing.T, doc, base string) {
		start := time.Now()
		feed, err := gofeed.NewParser().ParseString(xmlDecl.ReplaceAllString(doc, "$1"))
		if err == nil {
			items := feed.Items
			if len(items) > MaxItems {
				items = items[:MaxItems]
			}
			for _, it := range items {
				if it == nil {
					continue
				}
				link := absolute(base, strings.TrimSpace(it.Link))
				if link != "" {
					u, err := url.Parse(link)
					if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
						t.Fatalf("absolute(%q, %q) = %q: not an http(s) URL", base, it.Link, link)
					}
					if c := canonicalLink(link); strings.Contains(c, "#") || strings.Contains(strings.ToLower(c), "utm_") {
						t.Fatalf("canonicalLink(%q) = %q keeps a fragment or tracking parameter", link, c)
					}
				}
				text := plain(firstNonEmpty(it.Content, it.Description))
				if text != strings.TrimSpace(text) || strings.Contains(text, "  ") {
					t.Fatalf("plain text not normalised: %q", text)
				}
				_ = hash(plain(it.Title) + "\n" + text)
			}
		}
		if d := time.Since(start); d > 5*time.Second && len(doc) < 1<<16 {
			t.Errorf("feed of %d bytes took %v", len(doc), d)
		}
	})
}
