package demo

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// brands are the demo brands as their case-sensitive queries see them.
var brands = []string{"Duval", "Blanchard", "Voltéo", "Vague"}

// TestSmallBlogFeeds checks the Hugo feeds of the two small blogs: RSS 2.0 in
// UTF-8, one item per visible post with its summary only, announced by a
// <link rel="alternate"> on every page, allowed by robots.txt, and naming the
// blog's brand.
func TestSmallBlogFeeds(t *testing.T) {
	c := mustLoadCorpus()
	for _, tc := range []struct {
		host  string
		b     blog
		brand string
	}{{HostVelo, c.Velo, "Voltéo"}, {HostSurf, c.Surf, "Vague"}} {
		t.Run(tc.host, func(t *testing.T) {
			w := ended()
			rec := get(t, w, "http://"+tc.host+"/index.xml")
			if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/rss+xml; charset=utf-8" {
				t.Fatalf("feed: %d %q", rec.Code, rec.Header().Get("Content-Type"))
			}
			if !strings.HasPrefix(rec.Body.String(), `<?xml version="1.0" encoding="utf-8" standalone="yes"?>`+"\n"+`<rss version="2.0"`) {
				t.Errorf("feed does not start like a Hugo RSS 2.0 feed:\n%.200s", rec.Body.String())
			}
			var r rssDoc
			decodeXML(t, rec.Body.Bytes(), &r)
			items := r.Channel.Items
			if len(items) != len(tc.b.Posts) {
				t.Fatalf("%d items, want one per post (%d)", len(items), len(tc.b.Posts))
			}
			if items[0].PubDate != r.Channel.LastBuildDate {
				t.Errorf("lastBuildDate %q is not the newest pubDate %q", r.Channel.LastBuildDate, items[0].PubDate)
			}
			excerpts := map[string]string{}
			bodies := map[string][]string{}
			for _, p := range tc.b.Posts {
				u := "http://" + tc.host + "/posts/" + p.Slug + "/"
				excerpts[u], bodies[u] = p.Excerpt, p.Body
			}
			named := 0
			var prev time.Time
			for i, it := range items {
				ex, ok := excerpts[it.Link]
				if !ok {
					t.Errorf("item %q: link %q is not a post permalink", it.Title, it.Link)
					continue
				}
				if it.Description != ex {
					t.Errorf("item %q: description %q, want the summary %q", it.Title, it.Description, ex)
				}
				for _, para := range bodies[it.Link][1:] {
					if strings.Contains(it.Description, plain(para)) {
						t.Errorf("item %q carries the full text, want the summary only", it.Title)
					}
				}
				at, err := time.Parse(time.RFC1123Z, it.PubDate)
				if err != nil {
					t.Errorf("item %q: pubDate: %v", it.Title, err)
				}
				if i > 0 && at.After(prev) {
					t.Errorf("item %q is newer than the item before it", it.Title)
				}
				prev = at
				if strings.Contains(it.Title+" "+it.Description, tc.brand) {
					named++
				}
				if p := get(t, w, it.Link); p.Code != http.StatusOK || !strings.Contains(p.Body.String(), `<link rel="canonical" href="`+it.Link+`">`) {
					t.Errorf("item %q: page %s: %d or wrong canonical", it.Title, it.Link, p.Code)
				}
			}
			if named < 2 {
				t.Errorf("%d items name %s, want >= 2", named, tc.brand)
			}
			alt := `<link rel="alternate" type="application/rss+xml" href="http://` + tc.host + `/index.xml" title="`
			for _, u := range []string{"http://" + tc.host + "/", items[0].Link} {
				if !strings.Contains(get(t, w, u).Body.String(), alt) {
					t.Errorf("%s does not announce the feed (%s…)", u, alt)
				}
			}
			// A sitemap lists pages, not feeds (as Hugo's does); robots.txt
			// leaves the feed open.
			if sm := get(t, w, "http://"+tc.host+"/sitemap.xml").Body.String(); strings.Contains(sm, "index.xml") {
				t.Errorf("sitemap lists the feed")
			}
			if rb := get(t, w, "http://"+tc.host+"/robots.txt").Body.String(); !strings.Contains(rb, "User-agent: *\nDisallow:\n") || strings.Contains(rb, "Disallow: /") {
				t.Errorf("robots.txt should allow everything:\n%s", rb)
			}
			// Prefix mode: links stay inside the prefix.
			var pr rssDoc
			decodeXML(t, get(t, w, "http://127.0.0.1:8080/site/"+tc.host+"/index.xml").Body.Bytes(), &pr)
			for _, it := range pr.Channel.Items {
				if !strings.HasPrefix(it.Link, "http://127.0.0.1:8080/site/"+tc.host+"/posts/") {
					t.Errorf("prefix mode item link %q", it.Link)
				}
			}
		})
	}
}

// TestSmallBlogFeedTimeGating: a feed item appears with its post, dated when
// it appears; comments do not touch the feed.
func TestSmallBlogFeedTimeGating(t *testing.T) {
	const title = "Vague lance un boardshort en plastique recyclé"
	items := func(w *Web, host string) rssDoc {
		var r rssDoc
		decodeXML(t, get(t, w, "http://"+host+"/index.xml").Body.Bytes(), &r)
		return r
	}
	for _, c := range []struct {
		name string
		w    *Web
		want int
	}{{"t=0", fresh(), 3}, {"t+44s", New(time.Now().Add(-44*time.Second), 1), 3}, {"end", ended(), 4}} {
		r := items(c.w, HostSurf)
		if len(r.Channel.Items) != c.want {
			t.Errorf("%s: mode-surf feed has %d items, want %d", c.name, len(r.Channel.Items), c.want)
		}
		if got := strings.Contains(get(t, c.w, "http://"+HostSurf+"/index.xml").Body.String(), title); got != (c.want == 4) {
			t.Errorf("%s: story post in the feed = %v", c.name, got)
		}
	}
	w := ended()
	r := items(w, HostSurf)
	if it := r.Channel.Items[0]; it.Title != title || it.PubDate != w.wall(45*time.Second).UTC().Format(time.RFC1123Z) {
		t.Errorf("newest item %q dated %q, want %q dated start+45s", it.Title, it.PubDate, title)
	}
	// The velo-urbain comment at t+20s changes a page, not the feed.
	v := items(w, HostVelo)
	newest := w.wall(-80 * time.Hour).UTC().Format(time.RFC1123Z)
	if v.Channel.LastBuildDate != newest {
		t.Errorf("velo-urbain lastBuildDate %q, want the newest post's date %q", v.Channel.LastBuildDate, newest)
	}
}

// feedOnly is a news brief as listed in a feed.
type feedOnly struct{ title, summary, link string }

// briefsInFeeds returns the items of monquotidien's RSS and Atom feeds whose
// page is a brief.
func briefsInFeeds(t *testing.T, w *Web) (rss, atom []feedOnly) {
	t.Helper()
	var r rssDoc
	decodeXML(t, get(t, w, "http://monquotidien.test/rss.xml").Body.Bytes(), &r)
	for _, it := range r.Channel.Items {
		if strings.Contains(it.Link, "/breves/") {
			rss = append(rss, feedOnly{it.Title, it.Description, it.Link})
		}
	}
	var a atomDoc
	decodeXML(t, get(t, w, "http://monquotidien.test/atom.xml").Body.Bytes(), &a)
	for _, e := range a.Entries {
		if strings.Contains(e.Link.Href, "/breves/") {
			atom = append(atom, feedOnly{e.Title, e.Summary, e.Link.Href})
		}
	}
	return rss, atom
}

// TestFeedOnlyBriefs: monquotidien's briefs are in its feeds only. A web
// crawler reading every page and sitemap never reaches them, so the feed
// reader's mentions of them are its own (a mention id hashes the URL), and
// every brand gets at least two of those.
func TestFeedOnlyBriefs(t *testing.T) {
	nBriefs := 0
	for _, a := range mustLoadCorpus().News.Articles {
		if a.Brief {
			nBriefs++
		}
	}
	for _, prefix := range []bool{false, true} {
		w := ended()
		web := crawlWith(t, w, prefix, false)
		if len(web) < 80 {
			t.Errorf("prefix=%v: web crawl reached only %d URLs", prefix, len(web))
		}
		for u := range web {
			if strings.Contains(u, "/breves/") {
				t.Errorf("prefix=%v: a web crawler reaches the brief %s", prefix, u)
			}
		}
		reached := 0
		for u, rec := range crawl(t, w, prefix) {
			if strings.Contains(u, "/breves/") && rec != nil && rec.Code == http.StatusOK {
				reached++
			}
		}
		if reached != nBriefs {
			t.Errorf("prefix=%v: a feed reader reaches %d briefs, want all %d", prefix, reached, nBriefs)
		}
	}

	w := ended()
	rss, atom := briefsInFeeds(t, w)
	if len(rss) != nBriefs || len(atom) != nBriefs {
		t.Fatalf("feeds list %d (RSS) and %d (Atom) briefs, want %d", len(rss), len(atom), nBriefs)
	}
	canon := regexp.MustCompile(`<link rel="canonical" href="([^"]+)" />`)
	for name, items := range map[string][]feedOnly{"RSS": rss, "Atom": atom} {
		named := map[string]int{}
		for _, it := range items {
			for _, b := range brands {
				if strings.Contains(it.title+" "+it.summary, b) {
					named[b]++
				}
			}
			rec := get(t, w, it.link)
			page := decodeCP1252(rec.Body.Bytes())
			if rec.Code != http.StatusOK || !strings.Contains(page, it.title) || !strings.Contains(page, "fictif") {
				t.Errorf("%s brief %s: status %d or page lacks its title or fiction notice", name, it.link, rec.Code)
			}
			// The RSS reader keys the mention on the page's canonical URL.
			if m := canon.FindStringSubmatch(page); m == nil || m[1] != it.link {
				t.Errorf("%s brief %s: canonical %v", name, it.link, m)
			}
		}
		for _, b := range brands {
			if named[b] < 2 {
				t.Errorf("%s: %d feed-only items name %s, want >= 2", name, named[b], b)
			}
		}
	}

	// Briefs are time-gated like the rest: the storyline brief is neither in
	// the feeds nor served at t=0.
	const story = "/breves/rappel-duval-lots-remboursement.html"
	f := fresh()
	rss, atom = briefsInFeeds(t, f)
	if len(rss) != nBriefs-1 || len(atom) != nBriefs-1 {
		t.Errorf("t=0: %d/%d briefs in the feeds, want %d", len(rss), len(atom), nBriefs-1)
	}
	for _, it := range append(rss, atom...) {
		if strings.HasSuffix(it.link, story) {
			t.Errorf("t=0: the storyline brief is already in a feed")
		}
	}
	if rec := get(t, f, "http://monquotidien.test"+story); rec.Code != http.StatusNotFound {
		t.Errorf("t=0: storyline brief served with status %d", rec.Code)
	}
}

// TestBriefsCalm: briefs about the calm brands stay calm, and Duval's bad
// news stays inside the storyline.
func TestBriefsCalm(t *testing.T) {
	bad := []string{"rappel", "intoxication", "vomissement", "plainte", "boycott", "arnaque", "scandale", "colère", "déçu"}
	for _, a := range mustLoadCorpus().News.Articles {
		if !a.Brief {
			continue
		}
		text := strings.ToLower(a.Title + " " + a.Summary + " " + strings.Join(a.Body, " "))
		for _, w := range bad {
			if strings.Contains(text, w) && (a.At <= 0 || !strings.Contains(a.Title, "Duval")) {
				t.Errorf("brief %q says %q outside the Duval storyline", a.Slug, w)
			}
		}
		// Briefs name the brand; the lowercase noun would blur the demo.
		if strings.Contains(a.Title+" "+a.Summary+" "+strings.Join(a.Body, " "), "vague") {
			t.Errorf("brief %q uses the noun vague; keep briefs unambiguous", a.Slug)
		}
	}
}
