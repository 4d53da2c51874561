package bench

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/veille-oss/veille/pkg/collection/extract"
	"github.com/veille-oss/veille/pkg/collection/fetch"
	"github.com/veille-oss/veille/pkg/platform/bus"
	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/platform/obs"
	"github.com/veille-oss/veille/pkg/platform/service"
	"github.com/veille-oss/veille/pkg/tooling/loadgen"
)

// measureEnrich runs the processor on one goroutine over loadgen mentions
// (a fifth of Count, at least 2000): texts per second on one core.
func measureEnrich(ctx context.Context, opt Options, natsDir string) (int, float64, error) {
	cfg := *opt.Base
	cfg.NATS.URL = ""
	cfg.NATS.Embedded.Listen = "127.0.0.1:0"
	cfg.NATS.Embedded.StoreDir = natsDir
	cfg.Metrics.Listen = ""
	// The processor may keep state in NATS (dedup, influence): give it a real bus.
	b, err := bus.Connect(ctx, cfg.NATS, natsDir, opt.Log)
	if err != nil {
		return 0, 0, fmt.Errorf("%w: enrich: %w", errBench, err)
	}
	defer b.Close()
	env := &service.Env{Config: &cfg, Log: opt.Log, Bus: b, Metrics: obs.NewRegistry(), Instance: "bench"}
	proc, err := opt.NewEnrich(ctx, env)
	if err != nil {
		return 0, 0, fmt.Errorf("%w: enrich: processor: %w", errBench, err)
	}
	// Deferred after b.Close, so it runs first: the processor's state is
	// flushed while the bus is up.
	defer func() {
		if err := proc.Close(ctx); err != nil {
			opt.Log.Warn("bench: enrich: processor state not flushed", "err", err)
		}
	}()
	n := max(opt.Count/5, 2000)
	g := &loadgen.Generator{Seed: 7, Brands: brands(opt.Base)}
	ms := make([]*mention.Mention, n)
	for i := range ms {
		ms[i] = g.Mention(i)
	}
	// Warm up (lazy model loads, caches) outside the timed loop.
	for _, m := range ms[:min(200, n)] {
		c := *m
		_ = proc.Process(ctx, &c)
	}
	t0 := time.Now()
	for i, m := range ms {
		if err := proc.Process(ctx, m); err != nil {
			return 0, 0, fmt.Errorf("%w: enrich: mention %d: %w", errBench, i, err)
		}
	}
	return n, float64(n) / time.Since(t0).Seconds(), nil
}

// crawlSite is a local blog of pages pages, each an article with comments
// and links to its neighbours, the shape the crawler sees most.
func crawlSite(pages int) http.Handler {
	body := func(i int) string {
		var sb strings.Builder
		fmt.Fprintf(&sb, `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Article %d : Duval et ses yaourts</title>`, i)
		fmt.Fprintf(&sb, `<link rel="canonical" href="/a/%d"></head><body><header><nav><a href="/">Accueil</a> <a href="/a/%d">précédent</a> <a href="/a/%d">suivant</a></nav></header>`, i, (i+pages-1)%pages, (i+1)%pages)
		fmt.Fprintf(&sb, `<article><h1>Article %d : Duval et ses yaourts</h1><time datetime="2025-01-%02dT10:00:00+01:00">%d janvier 2025</time><p class="author">par Camille</p>`, i, 1+i%28, 1+i%28)
		for p := 0; p < 8; p++ {
			fmt.Fprintf(&sb, `<p>Paragraphe %d. Franchement les yaourts Duval sont top, j'en rachète chaque semaine, mais le service client met parfois trois jours à répondre et la livraison arrive en retard. On attend mieux d'une laiterie de cette taille.</p>`, p)
		}
		sb.WriteString(`</article><section id="comments">`)
		for c := 0; c < 5; c++ {
			fmt.Fprintf(&sb, `<div class="comment" id="comment-%d"><span class="comment-author">Lecteur%d</span><time datetime="2025-01-02T1%d:00:00+01:00">2 janvier 2025</time><p>Pas terrible la dernière commande, franchement déçu.</p></div>`, c, c, c)
		}
		sb.WriteString(`</section><footer>© blog</footer></body></html>`)
		return sb.String()
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "User-agent: *\nAllow: /\n") })
	mux.HandleFunc("/a/", func(w http.ResponseWriter, r *http.Request) {
		var i int
		if _, err := fmt.Sscanf(r.URL.Path, "/a/%d", &i); err != nil || i < 0 || i >= pages {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, body(i))
	})
	return mux
}

// measureCrawl fetches and extracts every page of a local site with
// politeness off (robots.txt still read), 8 fetches in flight: the
// crawler's work per page minus publishing.
func measureCrawl(ctx context.Context, opt Options) (int, float64, error) {
	pages := max(min(opt.Count/50, 5000), 200)
	srv := httptest.NewServer(crawlSite(pages))
	defer srv.Close()
	f := fetch.New(fetch.Options{UserAgent: config.Default().Crawler.UserAgent, DisablePoliteness: true, AllowPrivate: true, Timeout: 10 * time.Second})
	defer f.Close()
	jobs := make(chan int)
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	t0 := time.Now()
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				resp, err := f.Fetch(ctx, fetch.Request{URL: fmt.Sprintf("%s/a/%d", srv.URL, i), AllowPrivate: true})
				if err == nil {
					var d *extract.Document
					d, err = extract.Extract(resp.Text, resp.URL, extract.Options{})
					if err == nil && (len(d.Comments) != 5 || !strings.Contains(d.Text, "Paragraphe 7")) {
						err = fmt.Errorf("page %d extracted badly: %d comments, %d bytes of text", i, len(d.Comments), len(d.Text))
					}
				}
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i := 0; i < pages && ctx.Err() == nil; i++ {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	el := time.Since(t0)
	if firstErr != nil {
		return 0, 0, fmt.Errorf("%w: crawl: %w", errBench, firstErr)
	}
	return pages, float64(pages) / el.Seconds(), ctx.Err()
}
