package forum

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// fakeDiscourse serves the parts of Discourse's JSON API the profile reads:
// the HTML app shell at /, /latest.json, /t/{slug}/{id}.json and
// /t/{slug}/{id}/{n}.json (20 posts from n, and the whole id stream), and
// /t/{id}/posts.json?post_ids[]=… . The test adds and edits posts between
// passes.
type fakeDiscourse struct {
	mu    sync.Mutex
	posts []dcPost
	hits  map[string]int
}

const fdTopic, fdSlug = 812, "panne-appli"

func newFakeDiscourse(n int) *fakeDiscourse {
	f := &fakeDiscourse{hits: map[string]int{}}
	for range n {
		f.add(fmt.Sprintf("Message %d : l'appli BanqueNova plante encore.", len(f.posts)+1))
	}
	return f
}

func (f *fakeDiscourse) add(text string) {
	n := len(f.posts) + 1
	f.posts = append(f.posts, dcPost{
		ID: int64(9000 + n), Username: "membre" + strconv.Itoa(n%7), PostNumber: n, PostType: 1,
		CreatedAt: fmt.Sprintf("2024-02-%02dT10:00:00.000Z", 1+n%28), Cooked: "<p>" + text + "</p>",
		TopicID: fdTopic, TopicSlug: fdSlug, LikeCount: n % 3,
	})
}

func (f *fakeDiscourse) stream(from int) map[string]any {
	var posts []dcPost
	var ids []int64
	for _, p := range f.posts {
		ids = append(ids, p.ID)
		if p.PostNumber >= from && len(posts) < discourseChunk {
			posts = append(posts, p)
		}
	}
	return map[string]any{"id": fdTopic, "title": "Panne de l'appli", "slug": fdSlug,
		"post_stream": map[string]any{"posts": posts, "stream": ids}}
}

func (f *fakeDiscourse) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hits[r.URL.Path]++
	topic := fmt.Sprintf("/t/%s/%d", fdSlug, fdTopic)
	var doc any
	switch p := r.URL.Path; {
	case p == "/":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!DOCTYPE html><html lang="fr"><head><meta name="generator" content="Discourse 3.2.1"><meta name="discourse_theme_id" content="2"></head><body><noscript>JavaScript requis</noscript></body></html>`)
		return
	case p == "/latest.json":
		doc = map[string]any{"topic_list": map[string]any{"topics": []map[string]any{
			{"id": fdTopic, "title": "Panne de l'appli", "slug": fdSlug, "posts_count": len(f.posts), "last_posted_at": "2024-02-20T10:00:00.000Z"},
		}}}
	case p == topic+".json":
		doc = f.stream(1)
	case strings.HasPrefix(p, topic+"/") && strings.HasSuffix(p, ".json"):
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(p, topic+"/"), ".json"))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		doc = f.stream(n)
	case p == fmt.Sprintf("/t/%d/posts.json", fdTopic):
		want := map[string]bool{}
		for _, id := range r.URL.Query()["post_ids[]"] {
			want[id] = true
		}
		var posts []dcPost
		for _, p := range f.posts {
			if want[strconv.FormatInt(p.ID, 10)] {
				posts = append(posts, p)
			}
		}
		doc = map[string]any{"id": fdTopic, "post_stream": map[string]any{"posts": posts}}
	default:
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(doc)
}

// TestCrawlerDiscourse crawls a Discourse forum given by its root URL (the
// engine detected from the app shell): the topic list, a topic longer than
// one API page (the rest through posts.json), then later passes that
// resume at the topic's last post and emit only new and edited posts.
func TestCrawlerDiscourse(t *testing.T) {
	f := newFakeDiscourse(25)
	srv := httptest.NewServer(f)
	defer srv.Close()
	c := NewCrawler(httpGetter{srv.Client()}, newMemState(), nil)
	c.Options = testOptions()
	src := Source{Name: "discourse", URL: srv.URL + "/"}

	got, st := collect(t, c, src)
	if len(got) != 25 || st.New != 25 {
		t.Fatalf("pass 1 emitted %d posts (stats %+v), want 25", len(got), st)
	}
	for i, p := range got {
		want := "post_" + strconv.Itoa(i+1)
		if p.Anchor != want || p.Position != i+1 || p.Author.Name == "" || !strings.HasPrefix(p.Author.URL, srv.URL+"/u/") ||
			p.Published.IsZero() || p.ThreadTitle != "Panne de l'appli" || !strings.Contains(p.Text, "BanqueNova") ||
			p.Permalink != fmt.Sprintf("%s/t/%s/%d/%d", srv.URL, fdSlug, fdTopic, i+1) {
			t.Fatalf("post %d: %+v", i, p)
		}
	}
	f.mu.Lock()
	if f.hits[fmt.Sprintf("/t/%d/posts.json", fdTopic)] != 1 {
		t.Errorf("posts 21-25 not fetched through posts.json once: %v", f.hits)
	}
	// Between passes: post 25 is edited, two new posts arrive.
	f.posts[24].Cooked = "<p>Message 25 : réparé depuis la version 5.3 (édité).</p>"
	f.add("Message 26 : toujours en panne chez moi.")
	f.add("Message 27 : pareil sur iOS.")
	f.mu.Unlock()

	got, st = collect(t, c, src)
	if a := anchors(got); a != "post_25,post_26,post_27" || st.New != 2 || st.Edited != 1 {
		t.Fatalf("pass 2 emitted %s (stats %+v), want post_25 (edited), post_26, post_27", a, st)
	}
	if !strings.Contains(got[0].Text, "réparé") {
		t.Errorf("the edit of post 25 was not re-read: %q", got[0].Text)
	}
	if got, _ := collect(t, c, src); len(got) != 0 {
		t.Errorf("pass 3 emitted %s, want nothing", anchors(got))
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.hits[fmt.Sprintf("/t/%s/%d.json", fdSlug, fdTopic)] != 1 {
		t.Errorf("later passes re-read the topic from its first post: %v", f.hits)
	}
}
