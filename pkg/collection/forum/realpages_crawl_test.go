package forum

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// pageSite serves fixture pages by path (and query) as a real forum would,
// 404 for anything else, and counts every request so a test can say which
// pages a crawl fetched.
type pageSite struct {
	mu    sync.Mutex
	pages map[string]string // "/path?query" -> HTML
	hits  map[string]int
}

func newPageSite(t *testing.T) (*pageSite, *httptest.Server) {
	s := &pageSite{pages: map[string]string{}, hits: map[string]int{}}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv
}

func (s *pageSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key := r.URL.Path
	if r.URL.RawQuery != "" {
		key += "?" + r.URL.RawQuery
	}
	s.mu.Lock()
	s.hits[key]++
	body, ok := s.pages[key]
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte(body))
}

// rehost points a fixture's absolute links at the test server.
func rehost(page, host, srvURL string) string {
	return strings.ReplaceAll(page, "https://"+host, srvURL)
}

func (s *pageSite) hitsUnder(prefix string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, v := range s.hits {
		if strings.HasPrefix(k, prefix) {
			n += v
		}
	}
	return n
}

// Threaded WordPress comments: replies come later in the page than
// comments with higher ids. All 12 are emitted on the first pass, none on
// the second, and the post navigation's next article is never fetched.
func TestCrawlerWordPressThreadedComments(t *testing.T) {
	site, srv := newPageSite(t)
	const path = "/2024/01/06/laiterie-duval-rappel-yaourts/"
	site.pages[path] = rehost(readFixture(t, "wordpress_threaded_fr.html", ""), "blog-conso.example.fr", srv.URL)
	c := NewCrawler(httpGetter{srv.Client()}, newMemState(), nil)
	c.Options = testOptions()
	src := Source{Name: "blog", URL: srv.URL + path, Profile: WordPress}
	got, st := collect(t, c, src)
	if len(got) != 12 || st.New != 12 || st.Posts != 12 {
		t.Fatalf("first pass: %d emitted (%s), stats %+v; want all 12", len(got), anchors(got), st)
	}
	seen := map[string]bool{}
	for _, p := range got {
		if seen[p.Anchor] {
			t.Fatalf("%s emitted twice", p.Anchor)
		}
		seen[p.Anchor] = true
		if want := srv.URL + path + "#" + p.Anchor; p.URL != want {
			t.Fatalf("post URL %q, want %q (the article with the comment's anchor)", p.URL, want)
		}
	}
	got, st = collect(t, c, src)
	if len(got) != 0 || st.Seen != 12 {
		t.Fatalf("second pass: %d emitted (%s), stats %+v; want none, 12 seen", len(got), anchors(got), st)
	}
	if n := site.hitsUnder("/2024/01/08/"); n != 0 {
		t.Fatalf("the next article was fetched %d times as a comment page", n)
	}
}

// A thread state written by the high-water-mark version (LastID 112 after
// emitting 101, 105, 111 and 112, the other 8 dropped) migrates to the seen
// set: the next pass recovers the 8, never re-emits the 4.
func TestCrawlerMigratesHighWaterMarkState(t *testing.T) {
	site, srv := newPageSite(t)
	const path = "/2024/01/06/laiterie-duval-rappel-yaourts/"
	site.pages[path] = rehost(readFixture(t, "wordpress_threaded_fr.html", ""), "blog-conso.example.fr", srv.URL)
	thread := srv.URL + path
	page, err := wordpressProfile{}.Parse(site.pages[path], thread, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	old := ThreadState{ThreadURL: thread, LastPosition: 10, LastID: 112, LastPage: thread, Hashes: map[string]string{}}
	for _, p := range page.Posts {
		switch p.Anchor {
		case "comment-101", "comment-105", "comment-111", "comment-112":
			old.Hashes[p.Anchor] = p.ContentHash
			old.Order = append(old.Order, p.Anchor)
		}
	}
	state := newMemState()
	if err := state.Put(t.Context(), ThreadKey(thread), old); err != nil {
		t.Fatal(err)
	}
	c := NewCrawler(httpGetter{srv.Client()}, state, nil)
	c.Options = testOptions()
	src := Source{Name: "blog", URL: thread, Profile: WordPress}
	got, st := collect(t, c, src)
	if len(got) != 8 || st.Seen != 4 {
		t.Fatalf("after migration: %d emitted (%s), stats %+v; want the 8 lost ones", len(got), anchors(got), st)
	}
	for _, p := range got {
		if _, was := old.Hashes[p.Anchor]; was {
			t.Fatalf("%s emitted again", p.Anchor)
		}
	}
	if st2, ok, _ := state.Get(t.Context(), ThreadKey(thread)); !ok || st2.Version != stateVersion || len(st2.Hashes) != 12 {
		t.Fatalf("state after the pass: version %d, %d seen", st2.Version, len(st2.Hashes))
	}
	if got, _ = collect(t, c, src); len(got) != 0 {
		t.Fatalf("third pass emitted %s", anchors(got))
	}
}

// wpPagedPage builds comment page n (1..3) of the Twenty Ten fixture:
// other comment ids, and the navigation that page shows.
func wpPagedPage(t *testing.T, srvURL string, n int) string {
	page := rehost(readFixture(t, "wordpress_paged_fr.html", ""), "www.mamaison-conso.example.fr", srvURL)
	if n == 3 {
		return page
	}
	base := srvURL + "/2023/11/20/avis-aspirateur-turbo-x/"
	for _, id := range []string{"301", "302", "303"} {
		page = strings.ReplaceAll(page, "comment-"+id, "comment-"+string(rune('0'+n))+id[1:])
	}
	older := `<div class="nav-previous"><a href="` + base + `comment-page-2/#comments" >`
	var nav string
	switch n {
	case 2:
		nav = `<div class="nav-previous"><a href="` + base + `comment-page-1/#comments" >`
		page = strings.ReplaceAll(page, `<div class="nav-next"></div>`, `<div class="nav-next"><a href="`+base+`comment-page-3/#comments" >Commentaires plus récents</a></div>`)
	case 1:
		nav = `<div class="nav-previous"><a href="" >`
		page = strings.ReplaceAll(page, `<div class="nav-next"></div>`, `<div class="nav-next"><a href="`+base+`comment-page-2/#comments" >Commentaires plus récents</a></div>`)
	}
	return strings.ReplaceAll(page, older, nav)
}

// Paged WordPress comments: the article URL shows the newest page; the
// older pages are read through the comment navigation, the newest is not
// fetched again under its comment-page-3 URL, and the next article (post
// navigation) is never followed.
func TestCrawlerWordPressPagedComments(t *testing.T) {
	site, srv := newPageSite(t)
	const path = "/2023/11/20/avis-aspirateur-turbo-x/"
	site.pages[path] = wpPagedPage(t, srv.URL, 3)
	site.pages[path+"comment-page-2/"] = wpPagedPage(t, srv.URL, 2)
	site.pages[path+"comment-page-1/"] = wpPagedPage(t, srv.URL, 1)
	var logs bytes.Buffer
	c := NewCrawler(httpGetter{srv.Client()}, newMemState(), slog.New(slog.NewTextHandler(&logs, nil)))
	c.Options = testOptions()
	got, st := collect(t, c, Source{Name: "maison", URL: srv.URL + path, Profile: WordPress})
	if len(got) != 9 || st.Pages != 3 || len(st.Skipped) != 0 || st.Errors != 0 {
		t.Fatalf("%d posts (%s), stats %+v; want 9 from 3 pages, nothing skipped\n%s", len(got), anchors(got), st, logs.String())
	}
	if n := site.hitsUnder("/2023/11/27/") + site.hitsUnder("/2023/11/12/") + site.hitsUnder(path+"comment-page-3"); n != 0 {
		t.Fatalf("%d fetches of other articles or of the newest page again", n)
	}
}

// phpBB 3.0 prosilver: "Suivante" (a.right-box) is the only next link; the
// crawl reads page 2 and stops there (page 2 has no next).
func TestCrawlerPhpBB30NextPage(t *testing.T) {
	site, srv := newPageSite(t)
	p1 := rehost(readFixture(t, "phpbb30_prosilver_fr.html", ""), "forum-auto-passion.example.fr", srv.URL)
	site.pages["/viewtopic.php?f=3&t=4521"] = p1
	p2 := strings.ReplaceAll(p1, `<a href="./viewtopic.php?f=3&amp;t=4521&amp;sid=8f2a0c&amp;start=10" class="right-box right" accesskey="n">Suivante</a>`, "")
	p2 = strings.ReplaceAll(p2, `<span><strong>1</strong><span class="page-sep">, </span><a href="./viewtopic.php?f=3&amp;t=4521&amp;sid=8f2a0c&amp;start=10">2</a>`, `<span><a href="./viewtopic.php?f=3&amp;t=4521">1</a><span class="page-sep">, </span><strong>2</strong>`)
	p2 = strings.ReplaceAll(p2, `<span class="page-sep">, </span><a href="./viewtopic.php?f=3&amp;t=4521&amp;sid=8f2a0c&amp;start=20">3</a>`, "")
	for _, id := range []string{"88120", "88127", "88131"} {
		p2 = strings.ReplaceAll(p2, id, "9"+id[1:])
	}
	site.pages["/viewtopic.php?f=3&start=10&t=4521"] = p2
	c := NewCrawler(httpGetter{srv.Client()}, newMemState(), nil)
	c.Options = testOptions()
	got, st := collect(t, c, Source{Name: "auto", URL: srv.URL + "/viewtopic.php?f=3&t=4521", Profile: PhpBB})
	if len(got) != 6 || st.Pages != 2 {
		t.Fatalf("%d posts (%s), stats %+v; want 6 over 2 pages", len(got), anchors(got), st)
	}
	if u, _ := url.Parse(got[5].URL); u.Query().Get("start") != "10" || u.Fragment != "p98131" || u.Query().Has("sid") {
		t.Fatalf("post URL %s: want page 2 (start=10) with #p98131, no session id", got[5].URL)
	}
}

// A theme whose post container the parser does not know: the page holds
// three posts, the parser reads two; the pass says so (log and counter).
// A post without a readable date is flagged and counted, never dated.
func TestCrawlerChecksPostCountAndMissingDates(t *testing.T) {
	site, srv := newPageSite(t)
	page := rehost(readFixture(t, "vbulletin4_custom_en.html", ""), "www.carclub-forums.example", srv.URL)
	// A plugin wraps the second post in a div the profile does not read.
	page = strings.Replace(page, `<li class="postbitlegacy postbitim postcontainer old cc-post" id="post_401130">`, `<div class="cc-sponsored" id="post_401130"><li class="cc-post">`, 1)
	page = strings.Replace(page, "</li>\n<li class=\"postbitlegacy postbitim postcontainer old cc-post\" id=\"post_401131\">", "</li></div>\n<li class=\"postbitlegacy postbitim postcontainer old cc-post\" id=\"post_401131\">", 1)
	site.pages["/showthread.php?8841-AutoNova-Kaleo-infotainment-reboot-loop"] = page
	var logs bytes.Buffer
	c := NewCrawler(httpGetter{srv.Client()}, newMemState(), slog.New(slog.NewTextHandler(&logs, nil)))
	c.Options = testOptions()
	got, st := collect(t, c, Source{Name: "carclub", URL: srv.URL + "/showthread.php?8841-AutoNova-Kaleo-infotainment-reboot-loop", Profile: VBulletin})
	if len(got) != 2 || st.CountMismatches != 1 || !strings.Contains(logs.String(), "posts read differ from post containers") || !strings.Contains(logs.String(), "containers=3") {
		t.Fatalf("%d posts, stats %+v; want 2 read of 3 containers, logged\n%s", len(got), st, logs.String())
	}
	if st.DatesMissing != 1 || !strings.Contains(logs.String(), "without a readable date") {
		t.Fatalf("stats %+v: want 1 post without a date, warned\n%s", st, logs.String())
	}
	for _, p := range got {
		if p.Anchor == "post401131" && (!p.DateMissing || !p.Published.IsZero()) {
			t.Fatalf("undated post: DateMissing %v, Published %v", p.DateMissing, p.Published)
		}
	}
}

// A "next" link that leads to another thread ends the crawl of this one.
func TestCrawlerNeverLeavesTheThread(t *testing.T) {
	site, srv := newPageSite(t)
	p1 := rehost(readFixture(t, "xenforo1_fr.html", ""), "forum-bebe.example.fr", srv.URL)
	site.pages["/threads/lait-infantile-duval-bebe-malade-apres-changement-de-lot.20931/"] = p1
	// Page 2 redirects to another thread (a merge gone wrong).
	other := strings.ReplaceAll(p1, "lait-infantile-duval-bebe-malade-apres-changement-de-lot.20931", "autre-sujet.777")
	other = strings.ReplaceAll(other, "1488", "5555")
	site.pages["/threads/autre-sujet.777/"] = other
	mux := http.NewServeMux()
	mux.Handle("/", site)
	mux.HandleFunc("/threads/lait-infantile-duval-bebe-malade-apres-changement-de-lot.20931/page-2", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/threads/autre-sujet.777/", http.StatusFound)
	})
	srv.Config.Handler = mux
	var logs bytes.Buffer
	c := NewCrawler(httpGetter{srv.Client()}, newMemState(), slog.New(slog.NewTextHandler(&logs, nil)))
	c.Options = testOptions()
	got, st := collect(t, c, Source{Name: "bebe", URL: srv.URL + "/threads/lait-infantile-duval-bebe-malade-apres-changement-de-lot.20931/", Profile: XenForo})
	if len(got) != 2 || st.Skipped[SkipLeftThread] != 1 {
		t.Fatalf("%d posts (%s), stats %+v; want the 2 of this thread, left_thread once\n%s", len(got), anchors(got), st, logs.String())
	}
}
