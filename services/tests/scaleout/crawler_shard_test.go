package scaleout

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/collection/collect"
	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
	"github.com/veille-oss/veille/services/crawler"
)

// multiHostWeb answers as an HTTP proxy for hosts h0.test ... h<n-1>.test:
// each has a home page linking to its articles and to the other hosts, and
// articles about Duval. It counts requests per (crawler instance, host); the
// instance is the first token of the User-Agent.
type multiHostWeb struct {
	hosts []string
	mu    sync.Mutex
	reqs  map[string]map[string]int // instance -> host -> requests
}

func (w *multiHostWeb) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	host := strings.ToLower(r.URL.Hostname())
	if host == "" {
		host = strings.ToLower(r.Host)
	}
	inst, _, _ := strings.Cut(r.UserAgent(), "/")
	w.mu.Lock()
	if w.reqs[inst] == nil {
		w.reqs[inst] = map[string]int{}
	}
	w.reqs[inst][host]++
	w.mu.Unlock()
	if !slices.Contains(w.hosts, host) {
		http.Error(rw, "unknown host", http.StatusBadGateway)
		return
	}
	switch p := r.URL.Path; {
	case p == "/robots.txt":
		fmt.Fprint(rw, "User-agent: *\nAllow: /\n")
	case p == "/":
		rw.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(rw, `<html><head><title>%s</title></head><body><h1>%s</h1>`, host, host)
		for i := range 3 {
			fmt.Fprintf(rw, `<a href="/a/%d">article %d</a> `, i, i)
		}
		for _, o := range w.hosts {
			fmt.Fprintf(rw, `<a href="http://%s/">%s</a> `, o, o)
		}
		fmt.Fprint(rw, `</body></html>`)
	case strings.HasPrefix(p, "/a/"):
		rw.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(rw, `<html lang="fr"><head><title>Duval sur %s %s</title></head><body><article><h1>Duval sur %s</h1>
<time datetime="2025-03-14T10:59:00+01:00">14 mars 2025</time>
<p>Les yaourts Duval sont franchement bons, mais la livraison de la Laiterie Duval arrive toujours en retard et le service client ne répond jamais. Article %s publié sur %s, avec assez de texte pour être un article.</p>
</article><a href="/">accueil</a></body></html>`, host, p, host, p, host)
	default:
		http.NotFound(rw, r)
	}
}

// TestCrawlerShardsByHost runs two crawlers, crawler.shard 0/2 and 1/2, over
// one source spanning eight hosts: no host is ever requested by both (pages,
// robots.txt, sitemaps), every host is crawled by the shard that owns it,
// and each shard crawled some.
func TestCrawlerShardsByHost(t *testing.T) {
	no := false
	for _, tc := range []struct {
		name    string
		sitemap *bool
	}{{"links only", &no}, {"with sitemaps (default)", nil}} {
		t.Run(tc.name, func(t *testing.T) { testCrawlerShards(t, tc.sitemap) })
	}
}

// shardedCrawl is the eight-host web behind a proxy and two crawler
// collectors, shards 0/2 and 1/2 (User-Agent shard<i>), on one NATS.
type shardedCrawl struct {
	web        *multiHostWeb
	seeds      []string
	collectors []*collect.Collector
}

func newShardedCrawl(ctx context.Context, t *testing.T, aliases ...string) *shardedCrawl {
	t.Helper()
	sc := &shardedCrawl{web: &multiHostWeb{reqs: map[string]map[string]int{}}}
	for i := range 8 {
		sc.web.hosts = append(sc.web.hosts, fmt.Sprintf("h%d.test", i))
		sc.seeds = append(sc.seeds, fmt.Sprintf("http://h%d.test/", i))
	}
	proxy := httptest.NewServer(sc.web)
	t.Cleanup(proxy.Close)
	cfg := testenv.Config(t)
	url := testenv.Bus(t, cfg).Server().ClientURL()
	cfg.Brands = []config.Brand{{Name: "Duval", Aliases: aliases}}
	cfg.Crawler.Proxy = proxy.URL
	cfg.Crawler.RatePerHost = 0 // politeness off: a test, our own site
	cfg.Crawler.MaxDepth = 2
	for i := range 2 {
		c := *cfg
		c.Crawler.Shard = fmt.Sprintf("%d/2", i)
		c.Crawler.UserAgent = fmt.Sprintf("shard%d/0.1", i)
		env := instanceEnv(ctx, t, &c, url, fmt.Sprintf("crawler-%d", i))
		col, err := collect.New(ctx, env, mention.KindWeb)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(col.Close)
		sc.collectors = append(sc.collectors, col)
	}
	return sc
}

func testCrawlerShards(t *testing.T, sitemap *bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	sc := newShardedCrawl(ctx, t, "Laiterie Duval")
	web, collectors := sc.web, sc.collectors
	src := config.Source{Kind: mention.KindWeb, Name: "multi", Seeds: sc.seeds, AllowPrivate: true, Sitemap: sitemap}
	stats := make([]crawler.Stats, 2)
	var wg sync.WaitGroup
	for i, col := range collectors {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := crawler.Pass(ctx, col, src)
			if err != nil {
				t.Errorf("shard %d: %v", i, err)
			}
			stats[i] = st
		}()
	}
	wg.Wait()

	web.mu.Lock()
	defer web.mu.Unlock()
	for i := range 2 {
		t.Logf("shard %d/2: requests per host %v; fetched %d, published %d", i, web.reqs[fmt.Sprintf("shard%d", i)], stats[i].Fetched, stats[i].Published)
	}
	crawledBy := map[string][]int{}
	for i := range 2 {
		reqs := web.reqs[fmt.Sprintf("shard%d", i)]
		if len(reqs) == 0 {
			t.Errorf("shard %d/2 fetched nothing", i)
		}
		for h := range reqs {
			crawledBy[h] = append(crawledBy[h], i)
			if !collectors[i].OwnsHost(h) {
				t.Errorf("shard %d/2 requested %s, which it does not own", i, h)
			}
		}
	}
	for _, h := range web.hosts {
		switch by := crawledBy[h]; len(by) {
		case 0:
			t.Errorf("%s was crawled by no shard", h)
		case 1:
		default:
			t.Errorf("%s was requested by shards %v: hosts must be fetched by one shard only", h, by)
		}
	}
	if stats[0].Published+stats[1].Published == 0 {
		t.Error("no mention published: the site's articles about Duval were not crawled")
	}
}

// TestCrawlerShardFrontiers bounds each shard's pass (max_pages) so both
// leave a frontier: each keeps its own, holding only hosts it owns, and the
// next pass of each shard resumes from it.
func TestCrawlerShardFrontiers(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	sc := newShardedCrawl(ctx, t)
	web, collectors := sc.web, sc.collectors
	no := false
	src := config.Source{Kind: mention.KindWeb, Name: "multi", Seeds: sc.seeds, AllowPrivate: true, Sitemap: &no, MaxPages: 5, Concurrency: 1}
	// Both passes, one after the other, so the second save comes last.
	for i := range 2 {
		st, err := crawler.Pass(ctx, collectors[i], src)
		if err != nil {
			t.Fatalf("shard %d: %v", i, err)
		}
		if !st.Bounded {
			t.Fatalf("shard %d: pass not bounded by max_pages (fetched %d): the test needs a frontier", i, st.Fetched)
		}
	}
	keys := map[string]bool{}
	for i, col := range collectors {
		key := col.StateKey("frontier", src.Name)
		keys[key] = true
		var frontier []string
		if ok, err := col.GetJSON(ctx, key, &frontier); !ok || err != nil || len(frontier) == 0 {
			t.Fatalf("shard %d: no frontier saved (ok %v, err %v)", i, ok, err)
		}
		for _, u := range frontier {
			h := strings.SplitN(strings.TrimPrefix(u, "http://"), "/", 2)[0]
			if !col.OwnsHost(h) {
				t.Errorf("shard %d's frontier holds %s, a host of the other shard (frontiers overwrite each other)", i, u)
			}
		}
	}
	if len(keys) != 2 {
		t.Fatalf("both shards save their frontier under one key")
	}
	// The next pass of shard 0 resumes: it fetches pages beyond its first five.
	before := 0
	web.mu.Lock()
	for _, n := range web.reqs["shard0"] {
		before += n
	}
	web.mu.Unlock()
	if _, err := crawler.Pass(ctx, collectors[0], src); err != nil {
		t.Fatal(err)
	}
	after := 0
	web.mu.Lock()
	for _, n := range web.reqs["shard0"] {
		after += n
	}
	web.mu.Unlock()
	if after <= before {
		t.Fatalf("shard 0's second pass fetched nothing (%d requests before, %d after)", before, after)
	}
}
