package forum

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/veille-oss/veille/pkg/collection/textenc"
)

// httpGetter is what the lead's fetch adapter does: GET, decode to UTF-8
// with pkg/textenc, and turn non-2xx answers into *StatusError.
type httpGetter struct{ client *http.Client }

func (g httpGetter) Get(ctx context.Context, u string) (string, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", "", err
	}
	resp, err := g.client.Do(req)
	if err != nil {
		return "", "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxPageBytes))
	if err != nil {
		return "", "", err
	}
	if resp.StatusCode/100 != 2 {
		return "", "", &StatusError{URL: u, Code: resp.StatusCode}
	}
	text, _, err := textenc.Decode(body, resp.Header.Get("Content-Type"))
	return text, resp.Request.URL.String(), err
}

// memState is a State kept in memory, round-tripped through JSON like a KV
// store would.
type memState struct {
	mu sync.Mutex
	m  map[string][]byte
}

func newMemState() *memState { return &memState{m: map[string][]byte{}} }

func (s *memState) Get(_ context.Context, key string) (ThreadState, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.m[key]
	if !ok {
		return ThreadState{}, false, nil
	}
	var st ThreadState
	err := json.Unmarshal(b, &st)
	return st, true, err
}

func (s *memState) Put(_ context.Context, key string, st ThreadState) error {
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[key] = b
	return nil
}

// fakePost is one post of the test forum.
type fakePost struct {
	ID     int
	Author string
	Text   string
}

// fakeForum serves a phpBB thread and a XenForo thread whose posts the test
// can add and edit between passes.
type fakeForum struct {
	mu      sync.Mutex
	phpbb   []fakePost
	xf      []fakePost
	perPage int
	hits    map[string]int
	// Overrides by request URI: status code or raw body.
	status map[string]int
	loop   bool // phpBB "next" of the last page points back to page 1
}

func (f *fakeForum) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hits[r.URL.RequestURI()]++
	if code := f.status[r.URL.RequestURI()]; code != 0 {
		http.Error(w, http.StatusText(code), code)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	switch {
	case r.URL.Path == "/phpbb/viewtopic.php":
		start, _ := strconv.Atoi(r.URL.Query().Get("start"))
		io.WriteString(w, f.phpbbPage(start))
	case r.URL.Path == "/phpbb/viewforum.php":
		io.WriteString(w, `<html lang="fr"><body id="phpbb" class="section-viewforum"><ul class="topiclist topics">
<li class="row"><dl class="row-item"><dt><div class="list-inner"><a href="./viewtopic.php?f=1&amp;t=1" class="topictitle">Fil 1</a></div></dt><dd class="posts">1 <dfn>Réponses</dfn></dd><dd class="lastpost"><span><time datetime="2024-02-14T10:00:00+00:00">x</time></span></dd></dl></li>
<li class="row"><dl class="row-item"><dt><div class="list-inner"><a href="./viewtopic.php?f=1&amp;t=2" class="topictitle">Fil 2</a></div></dt><dd class="lastpost"><span><time datetime="2024-02-13T10:00:00+00:00">x</time></span></dd></dl></li>
</ul></body></html>`)
	case strings.HasPrefix(r.URL.Path, "/threads/panne-box.5/"):
		page := 1
		if rest := strings.TrimPrefix(r.URL.Path, "/threads/panne-box.5/page-"); rest != r.URL.Path {
			page, _ = strconv.Atoi(rest)
		}
		io.WriteString(w, f.xfPage(page))
	default:
		http.NotFound(w, r)
	}
}

func (f *fakeForum) phpbbPage(start int) string {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"></head><body id="phpbb" class="nojs section-viewtopic ltr"><div id="page-body">`)
	b.WriteString(`<h2 class="topic-title"><a href="./viewtopic.php?f=1&amp;t=1">Panne FibreMax</a></h2>`)
	b.WriteString(`<div class="pagination"><ul>`)
	next := start + f.perPage
	if next < len(f.phpbb) {
		fmt.Fprintf(&b, `<li class="arrow next"><a href="./viewtopic.php?f=1&amp;t=1&amp;start=%d" rel="next">Suivante</a></li>`, next)
	} else if f.loop && start > 0 {
		b.WriteString(`<li class="arrow next"><a href="./viewtopic.php?f=1&amp;t=1" rel="next">Suivante</a></li>`)
	}
	b.WriteString(`</ul></div>`)
	for i := start; i < len(f.phpbb) && i < start+f.perPage; i++ {
		p := f.phpbb[i]
		fmt.Fprintf(&b, `<div id="p%d" class="post has-profile bg1"><div class="inner"><dl class="postprofile"><dt><a href="./memberlist.php?mode=viewprofile&amp;u=%d" class="username">%s</a></dt><dd class="profile-posts"><strong>Messages :</strong> %d</dd></dl>
<div class="postbody"><p class="author">par <strong>%s</strong> &raquo; <time datetime="2024-02-%02dT10:00:00+00:00">x</time></p><div class="content">%s</div></div></div></div>`,
			p.ID, len(p.Author), html.EscapeString(p.Author), 10+i, html.EscapeString(p.Author), 1+i%28, html.EscapeString(p.Text))
	}
	b.WriteString(`</div></body></html>`)
	return b.String()
}

func (f *fakeForum) xfPage(page int) string {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html id="XF" lang="fr-FR" data-app="public" data-template="thread_view"><head><meta charset="utf-8"></head><body>`)
	b.WriteString(`<div class="p-title"><h1 class="p-title-value">Box en panne</h1></div>`)
	start := (page - 1) * f.perPage
	if start+f.perPage < len(f.xf) {
		fmt.Fprintf(&b, `<div class="pageNav"><a href="/threads/panne-box.5/page-%d" class="pageNav-jump pageNav-jump--next">Suivant</a></div>`, page+1)
	}
	for i := start; i < len(f.xf) && i < start+f.perPage; i++ {
		p := f.xf[i]
		fmt.Fprintf(&b, `<article class="message message--post js-post" data-author="%[2]s" data-content="post-%[1]d" id="js-post-%[1]d"><span class="u-anchorTarget" id="post-%[1]d"></span>
<div class="message-cell message-cell--user"><h4 class="message-name"><a href="/members/u.%[1]d/" class="username">%[2]s</a></h4></div>
<header class="message-attribution"><ul class="message-attribution-main"><li><a href="/threads/panne-box.5/post-%[1]d"><time class="u-dt" data-time="%[3]d">x</time></a></li></ul>
<ul class="message-attribution-opposite"><li><a href="/threads/panne-box.5/post-%[1]d">#%[4]d</a></li></ul></header>
<div class="message-content"><article class="message-body"><div class="bbWrapper">%[5]s</div></article></div></article>`,
			p.ID, html.EscapeString(p.Author), 1707900000+i*60, i+1, html.EscapeString(p.Text))
	}
	b.WriteString(`</body></html>`)
	return b.String()
}

func newFakeForum(t *testing.T, nPhp, nXF int) (*fakeForum, *httptest.Server) {
	t.Helper()
	f := &fakeForum{perPage: 3, hits: map[string]int{}, status: map[string]int{}}
	for i := 0; i < nPhp; i++ {
		f.phpbb = append(f.phpbb, fakePost{ID: 100 + i, Author: "membre" + strconv.Itoa(i), Text: fmt.Sprintf("Message %d sur la panne FibreMax.", i+1)})
	}
	for i := 0; i < nXF; i++ {
		f.xf = append(f.xf, fakePost{ID: 5000 + i, Author: "xf" + strconv.Itoa(i), Text: fmt.Sprintf("Réponse %d : toujours en panne.", i+1)})
	}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

// collect runs one Pass and returns the emitted posts.
func collect(t *testing.T, c *Crawler, src Source) ([]Post, Stats) {
	t.Helper()
	var got []Post
	st, err := c.Pass(context.Background(), src, func(p Post) error {
		got = append(got, p)
		return nil
	})
	if err != nil {
		t.Fatalf("Pass(%s): %v", src.URL, err)
	}
	return got, st
}

func anchors(ps []Post) string {
	var a []string
	for _, p := range ps {
		a = append(a, p.Anchor)
	}
	return strings.Join(a, ",")
}

func TestCrawlerIncremental(t *testing.T) {
	f, srv := newFakeForum(t, 7, 5)
	c := NewCrawler(httpGetter{srv.Client()}, newMemState(), nil)
	c.Options = testOptions()
	sources := []struct {
		src                   Source
		first, second, edited string
	}{
		// phpBB with its profile named; XenForo detected from the page.
		{Source{Name: "php", URL: srv.URL + "/phpbb/viewtopic.php?f=1&t=1", Profile: PhpBB},
			"p100,p101,p102,p103,p104,p105,p106", "p106,p107,p108", "p106"},
		{Source{Name: "xf", URL: srv.URL + "/threads/panne-box.5/"},
			"post-5000,post-5001,post-5002,post-5003,post-5004", "post-5004,post-5005,post-5006", "post-5004"},
	}
	for _, s := range sources {
		got, st := collect(t, c, s.src)
		if a := anchors(got); a != s.first {
			t.Errorf("%s pass 1 emitted %s, want %s", s.src.Name, a, s.first)
		}
		if st.New != len(got) || st.Edited != 0 {
			t.Errorf("%s pass 1 stats %+v", s.src.Name, st)
		}
		for i, p := range got {
			if p.Position != i+1 || p.Author.Name == "" || p.Published.IsZero() || p.ThreadTitle == "" {
				t.Errorf("%s post %d incomplete: %+v", s.src.Name, i, p)
			}
		}
	}
	// Between passes: two new posts in each thread, and each thread's last
	// post is edited.
	f.mu.Lock()
	f.phpbb[6].Text += " EDIT : réparé ce matin."
	f.phpbb = append(f.phpbb, fakePost{ID: 107, Author: "nouveau", Text: "Chez moi aussi."}, fakePost{ID: 108, Author: "autre", Text: "Toujours rien."})
	f.xf[4].Text += " (édité)"
	f.xf = append(f.xf, fakePost{ID: 5005, Author: "x5", Text: "Pareil."}, fakePost{ID: 5006, Author: "x6", Text: "Idem."})
	f.mu.Unlock()
	for _, s := range sources {
		got, st := collect(t, c, s.src)
		if a := anchors(got); a != s.second {
			t.Errorf("%s pass 2 emitted %s, want %s", s.src.Name, a, s.second)
		}
		if st.New != 2 || st.Edited != 1 {
			t.Errorf("%s pass 2 stats %+v, want 2 new 1 edited", s.src.Name, st)
		}
		if len(got) > 0 && (got[0].Anchor != s.edited || !strings.Contains(strings.ToLower(got[0].Text), "dit")) {
			t.Errorf("%s pass 2 first post %+v, want the edit of %s", s.src.Name, got[0], s.edited)
		}
		// A third pass finds nothing new.
		if got, _ := collect(t, c, s.src); len(got) != 0 {
			t.Errorf("%s pass 3 emitted %s, want nothing", s.src.Name, anchors(got))
		}
	}
	// Later passes resume at the last page instead of re-reading the thread.
	f.mu.Lock()
	defer f.mu.Unlock()
	if n := f.hits["/phpbb/viewtopic.php?f=1&start=3&t=1"]; n != 1 {
		t.Errorf("page 2 of the phpBB thread fetched %d times, want once", n)
	}
}

func TestCrawlerHugeThreadBoundedPerPass(t *testing.T) {
	_, srv := newFakeForum(t, 14, 0) // 5 pages of 3
	c := NewCrawler(httpGetter{srv.Client()}, newMemState(), nil)
	src := Source{Name: "php", URL: srv.URL + "/phpbb/viewtopic.php?t=1", Profile: PhpBB, MaxPagesPerPass: 2}
	seen := map[string]int{}
	passes := 0
	for ; passes < 10; passes++ {
		got, st := collect(t, c, src)
		for _, p := range got {
			seen[p.Anchor]++
		}
		if passes == 0 && (len(got) != 6 || !st.Bounded) {
			t.Fatalf("pass 1 emitted %d posts (bounded=%v), want 6 and bounded", len(got), st.Bounded)
		}
		if !st.Bounded {
			break
		}
	}
	if len(seen) != 14 {
		t.Errorf("emitted %d distinct posts over %d passes, want 14", len(seen), passes+1)
	}
	for a, n := range seen {
		if n != 1 {
			t.Errorf("%s emitted %d times", a, n)
		}
	}
}

func TestCrawlerMaxPostsPerPass(t *testing.T) {
	_, srv := newFakeForum(t, 8, 0)
	c := NewCrawler(httpGetter{srv.Client()}, newMemState(), nil)
	src := Source{Name: "php", URL: srv.URL + "/phpbb/viewtopic.php?t=1", Profile: PhpBB, MaxPostsPerPass: 5}
	got1, st := collect(t, c, src)
	got2, _ := collect(t, c, src)
	if len(got1) != 5 || !st.Bounded || len(got2) != 3 {
		t.Fatalf("passes emitted %d then %d (bounded=%v), want 5 then 3", len(got1), len(got2), st.Bounded)
	}
	if got2[0].Anchor != "p105" {
		t.Errorf("second pass starts at %s, want p105", got2[0].Anchor)
	}
}

func TestCrawlerSkipsDeletedEmptyAndQuoteOnly(t *testing.T) {
	page := readFixture(t, "phpbb_topic_fr.html", "")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if r.URL.Query().Get("start") == "10" {
			io.WriteString(w, page)
			return
		}
		http.NotFound(w, r) // the next page (start=20) is missing
	}))
	defer srv.Close()
	c := NewCrawler(httpGetter{srv.Client()}, newMemState(), nil)
	c.Options = testOptions()
	got, st := collect(t, c, Source{Name: "php", URL: srv.URL + "/viewtopic.php?f=4&t=1234&start=10"})
	if a := anchors(got); a != "p9811,p9815" {
		t.Errorf("emitted %s, want p9811,p9815", a)
	}
	want := map[string]int{SkipDeleted: 1, SkipQuoteOnly: 1, SkipEmpty: 1}
	for k, v := range want {
		if st.Skipped[k] != v {
			t.Errorf("Skipped[%s] = %d, want %d (all: %v)", k, st.Skipped[k], v, st.Skipped)
		}
	}
	if st.Errors != 1 {
		t.Errorf("Errors = %d, want 1 for the 404 next page", st.Errors)
	}
}

func TestCrawlerDeletionOfEmittedPost(t *testing.T) {
	f, srv := newFakeForum(t, 0, 3)
	c := NewCrawler(httpGetter{srv.Client()}, newMemState(), nil)
	src := Source{Name: "xf", URL: srv.URL + "/threads/panne-box.5/", Profile: XenForo}
	collect(t, c, src)
	f.mu.Lock()
	f.xf[2].Text = "" // the page now shows an empty body: treated as empty, not emitted
	f.mu.Unlock()
	got, st := collect(t, c, src)
	if len(got) != 0 || st.Skipped[SkipEmpty] != 1 {
		t.Errorf("emptied post: emitted %s, stats %+v", anchors(got), st)
	}
}

func TestCrawlerPaginationLoopAndMissingPage(t *testing.T) {
	f, srv := newFakeForum(t, 6, 0)
	f.loop = true // last page's "next" points back to page 1
	c := NewCrawler(httpGetter{srv.Client()}, newMemState(), nil)
	got, st := collect(t, c, Source{Name: "php", URL: srv.URL + "/phpbb/viewtopic.php?f=1&t=1", Profile: PhpBB})
	if len(got) != 6 || st.Skipped[SkipPaginationErr] != 1 {
		t.Errorf("loop: emitted %d, stats %+v; want 6 and one pagination_loop", len(got), st)
	}

	// Board with two threads; thread 2 answers 404: it is logged and skipped,
	// thread 1 still crawled.
	f2, srv2 := newFakeForum(t, 4, 0)
	f2.status["/phpbb/viewtopic.php?t=2"] = http.StatusNotFound
	var logs bytes.Buffer
	c2 := NewCrawler(httpGetter{srv2.Client()}, newMemState(), slog.New(slog.NewTextHandler(&logs, nil)))
	got, st = collect(t, c2, Source{Name: "board", URL: srv2.URL + "/phpbb/viewforum.php?f=1", Profile: PhpBB})
	if len(got) != 4 || st.Errors != 1 || st.Threads != 2 {
		t.Errorf("board: emitted %d, stats %+v; want 4 posts, 1 error, 2 threads", len(got), st)
	}
	if !strings.Contains(logs.String(), "404") {
		t.Errorf("404 not logged: %s", logs.String())
	}
}

func TestCrawlerLoginWallLoggedOnce(t *testing.T) {
	php := readFixture(t, "phpbb_login_wall.html", "")
	xf := readFixture(t, "xenforo_login_wall.html", "")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/viewtopic.php":
			io.WriteString(w, php)
		case "/threads/recall.77/":
			io.WriteString(w, xf)
		default:
			http.Error(w, "Forbidden", http.StatusForbidden)
		}
	}))
	defer srv.Close()
	var logs bytes.Buffer
	c := NewCrawler(httpGetter{srv.Client()}, newMemState(), slog.New(slog.NewTextHandler(&logs, nil)))
	srcs := []Source{
		{Name: "php", URL: srv.URL + "/viewtopic.php?t=999"},
		{Name: "xf", URL: srv.URL + "/threads/recall.77/"},
		{Name: "403", URL: srv.URL + "/private/thread", Profile: PhpBB},
	}
	for pass := 0; pass < 3; pass++ {
		for _, s := range srcs {
			got, st := collect(t, c, s)
			if len(got) != 0 || st.Skipped[SkipLoginWall] != 1 {
				t.Errorf("pass %d %s: emitted %d, stats %+v", pass, s.Name, len(got), st)
			}
		}
	}
	if n := strings.Count(logs.String(), "login wall; skipping"); n != 3 {
		t.Errorf("login wall logged %d times, want once per thread (3):\n%s", n, logs.String())
	}
	for _, reason := range []string{"Vous devez être inscrit et connecté", "You must log in", "HTTP 403"} {
		if !strings.Contains(logs.String(), reason) {
			t.Errorf("log lacks reason %q", reason)
		}
	}
}

func TestCrawlerCP1252Page(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "phpbb_cp1252.html"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=ISO-8859-1")
		w.Write(raw)
	}))
	defer srv.Close()
	c := NewCrawler(httpGetter{srv.Client()}, newMemState(), nil)
	got, _ := collect(t, c, Source{Name: "cp", URL: srv.URL + "/viewtopic.php?t=77"})
	if len(got) != 1 {
		t.Fatalf("emitted %d posts, want 1", len(got))
	}
	want := "L’atelier m’a facturé 1 200 € pour la boîte de vitesses… Ça me fait mal au cœur qu’on me dise « usure » !"
	if got[0].Text != want || got[0].Author.Name != "Hélène" || got[0].ThreadTitle != "Garantie refusée : « usure normale » à 14 mois" {
		t.Errorf("cp1252 page read as %q by %q in %q", got[0].Text, got[0].Author.Name, got[0].ThreadTitle)
	}
}

func TestCrawlerRejectsBadSource(t *testing.T) {
	c := NewCrawler(httpGetter{http.DefaultClient}, newMemState(), nil)
	for _, src := range []Source{
		{Name: "rel", URL: "/viewtopic.php?t=1"},
		{Name: "prof", URL: "https://x.test/", Profile: "smf"},
		{Name: "gen", URL: "https://x.test/", Generic: &GenericProfile{Post: ".p"}},
		{Name: "sel", URL: "https://x.test/", Generic: &GenericProfile{Post: ".p[", Body: ".b"}},
	} {
		_, err := c.Pass(context.Background(), src, func(Post) error { return nil })
		if err == nil || !strings.Contains(err.Error(), "profile") && !strings.Contains(err.Error(), "url") {
			t.Errorf("%s: err = %v, want a bad-profile/url error", src.Name, err)
		}
	}
}
