package demo

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"html"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// get serves one request through w and returns the recorded response.
func get(t *testing.T, w http.Handler, rawURL string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, rawURL, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	w.ServeHTTP(rec, r)
	return rec
}

// ended returns a demo web whose storyline is complete.
func ended() *Web { return New(time.Now().Add(-StoryEnd-5*time.Second), 1) }

// fresh returns a demo web at story time ~0.
func fresh() *Web { return New(time.Now(), 1) }

var hrefRe = regexp.MustCompile(`\s(?:href|src)="([^"]*)"`)

// crawl follows every link of every demo site from its root, its sitemap
// and its feeds, and returns the responses by absolute URL. base is
// "http://HOST" in host mode or "http://127.0.0.1/site/HOST" in prefix mode.
func crawl(t *testing.T, w http.Handler, prefix bool) map[string]*httptest.ResponseRecorder {
	t.Helper()
	return crawlWith(t, w, prefix, true)
}

// crawlWith is crawl; with feeds false it is a web crawler that reads pages
// and sitemaps only: it starts from no feed and follows no link found in a
// feed (it may still fetch a feed a page links to, and ignore it).
func crawlWith(t *testing.T, w http.Handler, prefix, feeds bool) map[string]*httptest.ResponseRecorder {
	t.Helper()
	seen := map[string]*httptest.ResponseRecorder{}
	var queue []string
	push := func(u string) {
		if _, ok := seen[u]; !ok {
			seen[u] = nil
			queue = append(queue, u)
		}
	}
	for _, h := range Hosts() {
		root := "http://" + h
		if prefix {
			root = "http://127.0.0.1/site/" + h
		}
		for _, p := range []string{"/", "/robots.txt", "/sitemap.xml"} {
			push(root + p)
		}
	}
	if feeds {
		push(pfx(prefix, HostCamille) + "/feed/")
		push(pfx(prefix, HostNews) + "/rss.xml")
		push(pfx(prefix, HostNews) + "/atom.xml")
		push(pfx(prefix, HostVelo) + "/index.xml")
		push(pfx(prefix, HostSurf) + "/index.xml")
	}
	for len(queue) > 0 && len(seen) < 2000 {
		u := queue[0]
		queue = queue[1:]
		rec := get(t, w, u)
		seen[u] = rec
		if rec.Code == http.StatusFound || rec.Code == http.StatusMovedPermanently {
			loc, err := url.Parse(u)
			if err != nil {
				t.Fatalf("%s: %v", u, err)
			}
			next := loc.ResolveReference(mustURL(t, rec.Header().Get("Location")))
			next.Fragment = ""
			push(next.String())
			continue
		}
		if rec.Code != http.StatusOK {
			continue
		}
		if ct := rec.Header().Get("Content-Type"); !feeds && (strings.Contains(ct, "rss") || strings.Contains(ct, "atom")) {
			continue
		}
		body := rec.Body.String()
		if strings.Contains(rec.Header().Get("Content-Type"), "windows-1252") {
			body = decodeCP1252(rec.Body.Bytes())
		}
		var links []string
		for _, m := range hrefRe.FindAllStringSubmatch(body, -1) {
			links = append(links, html.UnescapeString(m[1]))
		}
		for _, m := range regexp.MustCompile(`<(?:loc|link)>([^<]+)</(?:loc|link)>`).FindAllStringSubmatch(body, -1) {
			links = append(links, html.UnescapeString(m[1]))
		}
		base := mustURL(t, u)
		for _, l := range links {
			if strings.HasPrefix(l, "data:") || strings.HasPrefix(l, "#") {
				continue
			}
			ref := base.ResolveReference(mustURL(t, l))
			ref.Fragment = ""
			if !demoURL(ref, prefix) {
				continue
			}
			push(ref.String())
		}
	}
	return seen
}

func pfx(prefix bool, host string) string {
	if prefix {
		return "http://127.0.0.1/site/" + host
	}
	return "http://" + host
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatalf("bad link %q: %v", s, err)
	}
	return u
}

// demoURL tells whether a link points into the demo web (other links, such
// as schema.org vocabularies, are not meant to be fetched).
func demoURL(u *url.URL, prefix bool) bool {
	if u.Scheme != "http" {
		return false
	}
	if prefix {
		return u.Host == "127.0.0.1" && strings.HasPrefix(u.Path, "/site/")
	}
	for _, h := range Hosts() {
		if u.Host == h {
			return true
		}
	}
	return false
}

// TestEveryLinkResolves is the link checker: at the end of the storyline,
// every link found on every page (and in sitemaps and feeds) answers 200,
// possibly after a redirect, in both host mode and prefix mode.
func TestEveryLinkResolves(t *testing.T) {
	for _, prefix := range []bool{false, true} {
		t.Run(fmt.Sprintf("prefix=%v", prefix), func(t *testing.T) {
			seen := crawl(t, ended(), prefix)
			if len(seen) < 80 {
				t.Errorf("crawl reached only %d URLs, want the whole demo web", len(seen))
			}
			for u, rec := range seen {
				switch {
				case rec == nil:
					t.Errorf("%s: never fetched (crawl bound hit?)", u)
				case rec.Code == http.StatusFound || rec.Code == http.StatusMovedPermanently:
				case rec.Code != http.StatusOK:
					t.Errorf("%s: status %d", u, rec.Code)
				}
			}
		})
	}
}

// TestContentTypes checks the declared type and charset of every page, that
// UTF-8 pages are valid UTF-8, and that legacy pages are not.
func TestContentTypes(t *testing.T) {
	seen := crawl(t, ended(), false)
	for u, rec := range seen {
		if rec == nil || rec.Code != http.StatusOK {
			continue
		}
		ct := rec.Header().Get("Content-Type")
		mt, params, err := mime.ParseMediaType(ct)
		if err != nil {
			t.Errorf("%s: bad Content-Type %q: %v", u, ct, err)
			continue
		}
		path := mustURL(t, u).Path
		var wantType, wantCS string
		switch {
		case strings.HasSuffix(path, "robots.txt"):
			wantType, wantCS = "text/plain", "utf-8"
		case strings.HasSuffix(path, "sitemap.xml"):
			wantType, wantCS = "application/xml", "utf-8"
		case path == "/rss.xml":
			wantType, wantCS = "application/rss+xml", "windows-1252"
		case path == "/atom.xml":
			wantType, wantCS = "application/atom+xml", "utf-8"
		case path == "/feed/" || path == "/index.xml":
			wantType, wantCS = "application/rss+xml", "utf-8"
		case strings.HasPrefix(u, "http://"+HostNews) && params["charset"] == "":
			wantType = "text/html" // ISO-8859-1 declared in a <meta> only
		case strings.HasPrefix(u, "http://"+HostNews):
			wantType, wantCS = "text/html", "windows-1252"
		default:
			wantType, wantCS = "text/html", "utf-8"
		}
		if mt != wantType || !strings.EqualFold(params["charset"], wantCS) {
			t.Errorf("%s: Content-Type %q, want %s; charset=%s", u, ct, wantType, wantCS)
		}
		body := rec.Body.Bytes()
		if strings.EqualFold(wantCS, "utf-8") && !utf8.Valid(body) {
			t.Errorf("%s: declared UTF-8 but body is not valid UTF-8", u)
		}
		if wantCS == "windows-1252" && utf8.Valid(body) && bytes.ContainsFunc(body, func(r rune) bool { return r > 0x7f }) {
			t.Errorf("%s: declared windows-1252 but body is UTF-8", u)
		}
		if wantType == "text/html" && !strings.Contains(string(body), "fictif") && !strings.Contains(rec.Body.String(), "fictif") {
			t.Errorf("%s: page lacks the fiction notice", u)
		}
	}
}

// TestLegacyEncodings pins the bytes of the Windows-1252 and ISO-8859-1 pages.
func TestLegacyEncodings(t *testing.T) {
	w := ended()
	rec := get(t, w, "http://monquotidien.test/camille-roux-blogueuse-conso.html")
	if rec.Code != http.StatusNotFound {
		t.Errorf("article outside its section: status %d, want 404", rec.Code)
	}
	rec = get(t, w, "http://monquotidien.test/conso/camille-roux-blogueuse-conso.html")
	if rec.Code != 200 {
		t.Fatalf("cp1252 article: status %d", rec.Code)
	}
	b := rec.Body.Bytes()
	// é=E9, ’=92, «=AB, »=BB, à=E0 in Windows-1252.
	for _, want := range [][]byte{
		[]byte("la blogueuse conso que tout le monde lit"),
		{'r', 0xE9, 'f', 0xE9, 'r', 'e', 'n', 'c', 'e'},
		{'d', 0x92, 'a', 'u', 't', 'e', 'u', 'r'},
		{0xAB, ' ', 'J', 'e'},
		{'m', 'a', 'r', 'q', 'u', 'e', 's', ' ', 0xBB},
	} {
		if !bytes.Contains(b, want) {
			t.Errorf("cp1252 article lacks bytes % x (%q)", want, decodeCP1252(want))
		}
	}
	if !strings.Contains(decodeCP1252(b), "Son blog, <a href=\"http://blog-camille.test/\">Le Panier de Camille</a>, reçoit") {
		t.Errorf("cp1252 article does not decode to the expected text")
	}
	// œ (0x9C) in an article body.
	rec = get(t, w, "http://monquotidien.test/economie/fermes-blanchard-agrandissent-fromagerie.html")
	if !bytes.Contains(rec.Body.Bytes(), []byte{'c', 0x9C, 'u', 'r'}) {
		t.Errorf("cp1252 article lacks œ as byte 9C")
	}

	rec = get(t, w, "http://monquotidien.test/economie/laiterie-duval-40-ans.html")
	if ct := rec.Header().Get("Content-Type"); ct != "text/html" {
		t.Errorf("iso-8859-1 article: Content-Type %q, want text/html without charset", ct)
	}
	b = rec.Body.Bytes()
	if !bytes.Contains(b, []byte(`<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1" />`)) {
		t.Errorf("iso-8859-1 article lacks its <meta> charset")
	}
	if !bytes.Contains(b, []byte{'f', 0xEA, 't', 'e'}) || !bytes.Contains(b, []byte("Aujourd&#8217;hui")) {
		t.Errorf("iso-8859-1 article: want ê as byte EA and ’ as &#8217;")
	}
	for i, c := range b {
		if c >= 0x80 && c < 0xA0 {
			t.Fatalf("iso-8859-1 article has C1 byte %x at %d (a cp1252-only character leaked)", c, i)
		}
	}
}

func TestRobots(t *testing.T) {
	w := ended()
	rec := get(t, w, "http://monquotidien.test/robots.txt")
	body := rec.Body.String()
	if !strings.Contains(body, "User-agent: *\nDisallow: /prive/\n") {
		t.Errorf("monquotidien robots.txt does not disallow /prive/:\n%s", body)
	}
	if !strings.Contains(body, "Sitemap: http://monquotidien.test/sitemap.xml") {
		t.Errorf("robots.txt lacks the sitemap:\n%s", body)
	}
	for _, h := range Hosts() {
		if rec := get(t, w, "http://"+h+"/robots.txt"); rec.Code != 200 || !strings.Contains(rec.Body.String(), "Sitemap:") {
			t.Errorf("%s/robots.txt: %d %q", h, rec.Code, rec.Body.String())
		}
	}
	// Prefix mode merges the rules at the root, where crawlers look.
	body = get(t, w, "http://127.0.0.1:8080/robots.txt").Body.String()
	if !strings.Contains(body, "Disallow: /site/monquotidien.test/prive/\n") || !strings.Contains(body, "Sitemap: http://127.0.0.1:8080/site/blog-camille.test/sitemap.xml") {
		t.Errorf("prefix-mode robots.txt:\n%s", body)
	}
	// The private page is served (a rude crawler would get it) and names
	// every brand, so collecting a mention from it proves robots was ignored.
	before := w.Requests(HostNews, "/prive/")
	rec = get(t, w, "http://monquotidien.test/prive/brouillon-enquete-marques.html")
	text := decodeCP1252(rec.Body.Bytes())
	for _, brand := range []string{"Duval", "Blanchard", "Voltéo", "Vague"} {
		if !strings.Contains(text, brand) {
			t.Errorf("private page lacks %s", brand)
		}
	}
	if got := w.Requests(HostNews, "/prive/"); got != before+1 {
		t.Errorf("Requests(/prive/) = %d, want %d", got, before+1)
	}
	// and it is reachable by a link, so a crawler is tempted.
	if !strings.Contains(get(t, w, "http://monquotidien.test/").Body.String(), `href="/prive/"`) {
		t.Errorf("home page does not link to /prive/")
	}
	if strings.Contains(get(t, w, "http://monquotidien.test/rss.xml").Body.String(), "prive") {
		t.Errorf("private article leaked into the RSS feed")
	}
}

// storyState is what the storyline looks like from outside at one moment.
type storyState struct {
	phpbbPages, phpbbPosts int
	xfPages, xfPosts       int
	camillePost            bool
	camilleComments        int
	rssRecall, atomRecall  bool
	xfLikesFirst           string
}

var (
	postRe     = regexp.MustCompile(`<div id="p\d+" class="post has-profile`)
	xfPostRe   = regexp.MustCompile(`<article class="message message--post`)
	commentRe  = regexp.MustCompile(`<li class="comment `)
	reactionRe = regexp.MustCompile(`class="reactionsBar-link"[^>]*>(.*?)</a>`)
)

func observe(t *testing.T, w http.Handler) storyState {
	t.Helper()
	var s storyState
	for start := 0; ; start += phpbbPerPage {
		rec := get(t, w, fmt.Sprintf("http://forum-conso.test/phpbb/viewtopic.php?t=120&start=%d", start))
		if rec.Code != 200 {
			break
		}
		s.phpbbPages++
		s.phpbbPosts += len(postRe.FindAllString(rec.Body.String(), -1))
	}
	for p := 1; ; p++ {
		u := "http://forum-conso.test/threads/laiterie-duval-le-communique-ne-passe-pas.212/"
		if p > 1 {
			u += fmt.Sprintf("page-%d", p)
		}
		rec := get(t, w, u)
		if rec.Code != 200 {
			break
		}
		s.xfPages++
		s.xfPosts += len(xfPostRe.FindAllString(rec.Body.String(), -1))
		if p == 1 {
			if m := reactionRe.FindStringSubmatch(rec.Body.String()); m != nil {
				s.xfLikesFirst = m[1]
			}
		}
	}
	rec := get(t, w, "http://blog-camille.test/yaourts-duval-je-ne-recommande-plus/")
	s.camillePost = rec.Code == 200
	s.camilleComments = len(commentRe.FindAllString(rec.Body.String(), -1))
	s.rssRecall = strings.Contains(decodeCP1252(get(t, w, "http://monquotidien.test/rss.xml").Body.Bytes()), "Rappel produit : des yaourts Duval")
	s.atomRecall = strings.Contains(get(t, w, "http://monquotidien.test/atom.xml").Body.String(), "Rappel produit : des yaourts Duval")
	return s
}

func TestStoryline(t *testing.T) {
	calm := observe(t, fresh())
	if calm != (storyState{}) {
		t.Errorf("at t=0 the bad buzz is already out: %+v", calm)
	}
	// Nothing of the storyline is linked at t=0 either.
	for _, u := range []string{"http://forum-conso.test/phpbb/viewforum.php?f=2", "http://blog-camille.test/", "http://monquotidien.test/"} {
		if body := get(t, fresh(), u).Body.String(); strings.Contains(body, "Intoxication") || strings.Contains(body, "ne vous recommande plus") || strings.Contains(body, "Rappel produit") {
			t.Errorf("%s mentions the storyline at t=0", u)
		}
	}

	mid := observe(t, New(time.Now().Add(-30*time.Second), 1))
	if mid.phpbbPosts == 0 || mid.phpbbPosts >= 34 || !mid.camillePost || mid.rssRecall || mid.xfPosts != 0 {
		t.Errorf("at t+30s: %+v, want the forum thread growing, Camille's post out, no recall yet", mid)
	}

	end := observe(t, ended())
	want := storyState{phpbbPages: 3, phpbbPosts: 34, xfPages: 2, xfPosts: 13, camillePost: true, camilleComments: 15, rssRecall: true, atomRecall: true,
		xfLikesFirst: "<bdi>Aminata_D</bdi>, <bdi>Ced_Lille</bdi> et 22 autres personnes"}
	if end != want {
		t.Errorf("at the end:\n got %+v\nwant %+v", end, want)
	}

	// speed fast-forwards: 100 ms at speed 1000 is 100 s of story.
	fast := observe(t, New(time.Now().Add(-100*time.Millisecond), 1000))
	if fast != want {
		t.Errorf("at speed 1000 after 100ms:\n got %+v\nwant %+v", fast, want)
	}
}

// TestStoryDates checks that story items are dated when they appear, in
// French, and that reactions grow.
func TestStoryDates(t *testing.T) {
	start := time.Date(2026, 3, 14, 10, 58, 30, 0, paris)
	if got := wpCommentDate(start.Add(30 * time.Second)); got != "14 mars 2026 à 10 h 59 min" {
		t.Errorf("wpCommentDate = %q", got)
	}
	if got := wpPostDate(time.Date(2026, 1, 23, 9, 0, 0, 0, paris)); got != "vendredi, janvier 23, 2026" {
		t.Errorf("wpPostDate = %q", got)
	}
	if got := phpbbDate(time.Date(2026, 2, 12, 10, 15, 0, 0, paris)); got != "jeu. 12 févr. 2026 10:15" {
		t.Errorf("phpbbDate = %q", got)
	}
	if got := phpbbOldDate(time.Date(2026, 2, 9, 10, 15, 0, 0, paris)); got != "Lun 9 Fév 2026 - 10:15" {
		t.Errorf("phpbbOldDate = %q", got)
	}
	now := time.Date(2026, 2, 12, 18, 0, 0, 0, paris)
	for _, c := range []struct {
		t    time.Time
		want string
	}{
		{time.Date(2026, 2, 12, 10, 15, 0, 0, paris), "Aujourd'hui à 10:15"},
		{time.Date(2026, 2, 11, 23, 5, 0, 0, paris), "Hier à 23:05"},
		{time.Date(2026, 2, 9, 8, 26, 0, 0, paris), "Lundi à 08:26"},
		{time.Date(2026, 1, 2, 8, 26, 0, 0, paris), "2 janv. 2026"},
	} {
		if got := xfShown(c.t, now); got != c.want {
			t.Errorf("xfShown(%v) = %q, want %q", c.t, got, c.want)
		}
	}

	// A story post is dated start + offset/speed.
	sw := New(time.Now().Add(-2*time.Second), 100) // 200 s of story
	body := get(t, sw, "http://forum-conso.test/phpbb/viewtopic.php?t=120").Body.String()
	first := sw.wall(15 * time.Second).UTC().Format("2006-01-02T15:04:05")
	if !strings.Contains(body, `datetime="`+first+`+00:00"`) {
		t.Errorf("first story post not dated %s (start+15s/100)", first)
	}
}

// rssItem, rssDoc and atomDoc are the parts of the feeds the tests look at.
type rssItem struct {
	Title       string `xml:"title"`
	Link        string `xml:"link"`
	Description string `xml:"description"`
	PubDate     string `xml:"pubDate"`
}

type rssDoc struct {
	Channel struct {
		LastBuildDate string    `xml:"lastBuildDate"`
		Items         []rssItem `xml:"item"`
	} `xml:"channel"`
}

type atomDoc struct {
	Updated string `xml:"updated"`
	Entries []struct {
		Title     string `xml:"title"`
		Published string `xml:"published"`
		Summary   string `xml:"summary"`
		Link      struct {
			Href string `xml:"href,attr"`
		} `xml:"link"`
	} `xml:"entry"`
}

func decodeXML(t *testing.T, b []byte, v any) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	d.CharsetReader = func(label string, r io.Reader) (io.Reader, error) {
		if !strings.EqualFold(label, "windows-1252") {
			return nil, fmt.Errorf("unexpected charset %q", label)
		}
		raw, err := io.ReadAll(r)
		if err != nil {
			return nil, err
		}
		return strings.NewReader(decodeCP1252(raw)), nil
	}
	if err := d.Decode(v); err != nil {
		t.Fatalf("not well-formed XML: %v\n%s", err, b)
	}
}

func TestFeeds(t *testing.T) {
	for _, tc := range []struct {
		name      string
		w         *Web
		wantItems int
	}{{"calm", fresh(), 8 + 7}, {"end", ended(), 10 + 8}} { // articles + briefs
		t.Run(tc.name, func(t *testing.T) {
			var r rssDoc
			decodeXML(t, get(t, tc.w, "http://monquotidien.test/rss.xml").Body.Bytes(), &r)
			if len(r.Channel.Items) != tc.wantItems {
				t.Fatalf("RSS has %d items, want %d", len(r.Channel.Items), tc.wantItems)
			}
			newest := r.Channel.Items[0]
			if newest.PubDate != r.Channel.LastBuildDate {
				t.Errorf("lastBuildDate %q is not the newest pubDate %q", r.Channel.LastBuildDate, newest.PubDate)
			}
			if _, err := time.Parse(time.RFC1123Z, newest.PubDate); err != nil {
				t.Errorf("pubDate: %v", err)
			}
			for _, it := range r.Channel.Items {
				if it.Description == "" || !strings.HasPrefix(it.Link, "http://monquotidien.test/") {
					t.Errorf("bad item %+v", it)
				}
			}
			if tc.name == "end" && newest.Title != "Yaourts Duval : la laiterie évoque « un incident de production »" {
				t.Errorf("newest RSS item %q", newest.Title)
			}
			var a atomDoc
			decodeXML(t, get(t, tc.w, "http://monquotidien.test/atom.xml").Body.Bytes(), &a)
			if len(a.Entries) != tc.wantItems || a.Entries[0].Published != a.Updated {
				t.Errorf("Atom: %d entries, updated %q, newest published %q", len(a.Entries), a.Updated, a.Entries[0].Published)
			}
			var wp rssDoc
			decodeXML(t, get(t, tc.w, "http://blog-camille.test/feed/").Body.Bytes(), &wp)
			if len(wp.Channel.Items) < 7 {
				t.Errorf("blog feed has %d items", len(wp.Channel.Items))
			}
			for _, h := range Hosts() {
				var sm struct {
					URLs []struct {
						Loc, Lastmod string
					} `xml:"url"`
				}
				decodeXML(t, get(t, tc.w, "http://"+h+"/sitemap.xml").Body.Bytes(), &sm)
				if len(sm.URLs) < 2 {
					t.Errorf("%s sitemap has %d URLs", h, len(sm.URLs))
				}
			}
		})
	}
}

func TestConditionalGet(t *testing.T) {
	w := ended()
	u := "http://blog-camille.test/fromage-blanc-duval-contre-blanchard/"
	rec := get(t, w, u)
	etag, lm := rec.Header().Get("ETag"), rec.Header().Get("Last-Modified")
	if etag == "" || lm == "" {
		t.Fatalf("no ETag (%q) or Last-Modified (%q)", etag, lm)
	}
	if rec2 := get(t, w, u, "If-None-Match", etag); rec2.Code != http.StatusNotModified {
		t.Errorf("If-None-Match: status %d, want 304", rec2.Code)
	}
	if rec2 := get(t, w, u, "If-Modified-Since", lm); rec2.Code != http.StatusNotModified {
		t.Errorf("If-Modified-Since: status %d, want 304", rec2.Code)
	}
	// A growing page changes its ETag.
	tu := "http://forum-conso.test/phpbb/viewtopic.php?t=120"
	a := get(t, New(time.Now().Add(-20*time.Second), 1), tu).Header().Get("ETag")
	b := get(t, New(time.Now().Add(-40*time.Second), 1), tu).Header().Get("ETag")
	if a == "" || a == b {
		t.Errorf("thread ETag did not change as the thread grew: %q %q", a, b)
	}
}

// TestProxyAndPrefix checks the two ways to reach the sites over a real
// socket: the listener as an HTTP proxy (absolute-form requests carry the
// host) and the /site/<host>/ prefix.
func TestProxyAndPrefix(t *testing.T) {
	srv := httptest.NewServer(ended())
	defer srv.Close()
	pu, _ := url.Parse(srv.URL)
	client := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(pu)}, Timeout: 5 * time.Second}
	resp, err := client.Get("http://blog-camille.test/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "Le Panier de Camille") {
		t.Errorf("via proxy: %d", resp.StatusCode)
	}
	resp, err = http.Get(srv.URL + "/site/forum-conso.test/phpbb/viewtopic.php?t=120&start=15")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "Intoxication après des yaourts Duval") {
		t.Errorf("via prefix: %d", resp.StatusCode)
	}
	// Prefix mode rewrites cross-site links to stay inside the prefix.
	resp, err = http.Get(srv.URL + "/site/monquotidien.test/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if !strings.Contains(string(body), `href="/site/blog-camille.test/"`) || strings.Contains(string(body), `href="http://blog-camille.test/`) {
		t.Errorf("prefix mode did not rewrite the cross-site links")
	}
}

// TestVagueCommonNoun: the pages about heat waves use "vague" only as a
// noun, never the capitalised brand, so case-sensitive matching skips them.
func TestVagueCommonNoun(t *testing.T) {
	w := ended()
	for _, c := range []struct{ u, from, to string }{
		{"http://mode-surf.test/posts/vague-de-chaleur-tenues-legeres/", "<article", "</article>"},
		{"http://monquotidien.test/actualite/vague-de-chaleur-ce-week-end.html", `<div class="article"`, `<div class="a-lire-aussi">`},
		{"http://forum-conso.test/phpbb/viewtopic.php?t=104", `<h2 class="topic-title">`, `<div class="action-bar bar-bottom">`},
	} {
		u := c.u
		rec := get(t, w, u)
		text := rec.Body.String()
		if strings.Contains(rec.Header().Get("Content-Type"), "1252") || rec.Header().Get("Content-Type") == "text/html" {
			text = decodeCP1252(rec.Body.Bytes())
		}
		// Only the content counts, not the site's sidebars.
		i, j := strings.Index(text, c.from), strings.Index(text, c.to)
		if i < 0 || j < i {
			t.Fatalf("%s: content markers not found", u)
		}
		text = text[i:j]
		if rec.Code != 200 || !strings.Contains(text, "vague") {
			t.Errorf("%s: %d, want a page using the noun", u, rec.Code)
		}
		if strings.Contains(text, "Vague") {
			t.Errorf("%s contains the brand spelling \"Vague\"", u)
		}
	}
}

// TestCalmBrands counts brand names in the story items: the surge is Duval's;
// the other brands get no more than a passing mention.
func TestCalmBrands(t *testing.T) {
	c := mustLoadCorpus()
	counts := map[string]int{}
	add := func(s string) {
		for _, b := range []string{"Duval", "Blanchard", "Voltéo", "Vague"} {
			if strings.Contains(s, b) {
				counts[b]++
			}
		}
	}
	for _, bd := range []board{c.PhpBB, c.XF} {
		for _, f := range bd.Forums {
			for _, tp := range f.Topics {
				for _, p := range tp.Posts {
					if p.At > 0 {
						add(strings.Join(p.Body, " "))
					}
				}
			}
		}
	}
	for _, b := range []blog{c.Camille, c.Velo, c.Surf} {
		for _, p := range b.Posts {
			if p.At > 0 {
				add(p.Title + " " + strings.Join(p.Body, " "))
			}
			for _, cm := range p.Comments {
				if cm.At > 0 {
					add(strings.Join(cm.Body, " "))
				}
			}
		}
	}
	for _, a := range c.News.Articles {
		if a.At > 0 {
			add(a.Title + " " + strings.Join(a.Body, " "))
		}
	}
	t.Logf("story items mentioning each brand: %v", counts)
	if counts["Duval"] < 25 {
		t.Errorf("Duval story mentions = %d, want a surge (>= 25)", counts["Duval"])
	}
	for _, b := range []string{"Blanchard", "Voltéo", "Vague"} {
		if counts[b] > 3 {
			t.Errorf("%s story mentions = %d, want a calm brand (<= 3)", b, counts[b])
		}
	}
}

func TestNotFoundAndMethods(t *testing.T) {
	w := ended()
	for _, u := range []string{
		"http://blog-camille.test/nope/",
		"http://forum-conso.test/phpbb/viewtopic.php?t=120&start=7",
		"http://forum-conso.test/phpbb/viewtopic.php?t=999",
		"http://forum-conso.test/threads/laiterie-duval-le-communique-ne-passe-pas.212/page-9",
		"http://forum-conso.test/threads/wrong-slug.212/",
		"http://127.0.0.1/site/unknown.test/",
		"http://127.0.0.1/elsewhere",
	} {
		if rec := get(t, w, u); rec.Code != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", u, rec.Code)
		}
	}
	r := httptest.NewRequest(http.MethodPost, "http://blog-camille.test/", strings.NewReader("x"))
	rec := httptest.NewRecorder()
	w.ServeHTTP(rec, r)
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: status %d, want 405", rec.Code)
	}
	if rec := get(t, w, "http://127.0.0.1/"); rec.Code != 200 || !strings.Contains(rec.Body.String(), "/site/blog-camille.test/") {
		t.Errorf("index page: %d", rec.Code)
	}
}

func TestConfigEmbedded(t *testing.T) {
	s := string(Config)
	for _, want := range []string{"name: Duval", "name: Blanchard", "name: Voltéo", "name: Vague", "http://monquotidien.test/rss.xml", "allow_private: true",
		"{kind: rss, name: velo-urbain-feed, url: \"http://velo-urbain.test/index.xml\"", "{kind: rss, name: mode-surf-feed, url: \"http://mode-surf.test/index.xml\""} {
		if !strings.Contains(s, want) {
			t.Errorf("demo.yaml lacks %q", want)
		}
	}
}

func TestContentValidation(t *testing.T) {
	if _, err := loadCorpus(); err != nil {
		t.Fatalf("embedded content: %v", err)
	}
	var o offset
	if err := o.UnmarshalJSON([]byte(`"soon"`)); err == nil || !strings.Contains(err.Error(), `"soon"`) {
		t.Errorf("bad offset error = %v, want one naming the value", err)
	}
	if err := o.UnmarshalJSON([]byte(`"-1h30m"`)); err != nil || o.D() != -90*time.Minute {
		t.Errorf("offset -1h30m = %v, %v", o.D(), err)
	}
}
