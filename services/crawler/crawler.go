// Package crawler is the web crawler: seeds per source, same-site link
// following within depth and page limits, sitemap.xml, canonical-URL and
// content-hash dedup, conditional recrawl, frontier and per-page state in
// NATS KV so a restart resumes without re-flooding.
package crawler

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"io"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/veille-oss/veille/pkg/collection/collect"
	"github.com/veille-oss/veille/pkg/collection/extract"
	"github.com/veille-oss/veille/pkg/collection/fetch"
	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/platform/service"
)

// Bounds on what one page's state keeps.
const (
	maxStoredLinks    = 300
	maxStoredComments = 1000
	maxFrontier       = 5000
)

// Run crawls every `kind: web` source on its schedule until ctx ends.
func Run(ctx context.Context, env *service.Env) error {
	return collect.Run(ctx, env, mention.KindWeb, nil, func(ctx context.Context, c *collect.Collector, src config.Source) error {
		_, err := Pass(ctx, c, src)
		return err
	})
}

// pageState is what the next pass needs about a page.
type pageState struct {
	ETag         string            `json:"etag,omitempty"`
	LastModified string            `json:"last_modified,omitempty"`
	Hash         string            `json:"hash"`
	Comments     map[string]string `json:"comments,omitempty"` // anchor -> hash
	Links        []string          `json:"links,omitempty"`    // same-site links, for 304 pages
	Fetched      time.Time         `json:"fetched"`
}

type job struct {
	url   string
	depth int
}

// Stats counts what a pass did.
type Stats struct {
	Fetched, NotModified, Unchanged, Disallowed, Errors, Published, Items int
	Bounded                                                               bool
	LastErr                                                               error

	// Skipped counts pages fetched but not stored: listings and other
	// pages that are not articles (extract.Document.Kind).
	Skipped int
}

type pass struct {
	c       *collect.Collector
	src     config.Source
	hosts   map[string]bool
	loc     *time.Location // configured zone; nil lets each page declare its own
	mu      sync.Mutex
	seen    map[string]bool // URLs queued this pass
	hashes  map[string]bool // content hashes processed this pass
	queue   []job
	stats   Stats
	maxPage int
	maxDep  int
}

// Pass crawls src once and reports its health.
func Pass(ctx context.Context, c *collect.Collector, src config.Source) (Stats, error) {
	cfg := c.Env.Config.Crawler
	p := &pass{c: c, src: src, hosts: map[string]bool{}, seen: map[string]bool{}, hashes: map[string]bool{},
		maxPage: cfg.MaxPages, maxDep: cfg.MaxDepth}
	if src.MaxPages > 0 {
		p.maxPage = src.MaxPages
	}
	if src.MaxDepth > 0 {
		p.maxDep = src.MaxDepth
	}
	if src.Timezone != "" {
		if l, err := time.LoadLocation(src.Timezone); err == nil {
			p.loc = l
		}
	}
	for _, s := range src.Seeds {
		p.hosts[collect.Host(s)] = true
	}
	// Resume an interrupted frontier first, then seeds, then the sitemaps.
	var saved []job
	frontierKey := c.StateKey("frontier", src.Name)
	var stored []string
	if ok, _ := c.GetJSON(ctx, frontierKey, &stored); ok {
		for _, u := range stored {
			saved = append(saved, job{u, 1})
		}
	}
	for _, s := range src.Seeds {
		p.push(job{s, 0})
	}
	for _, j := range saved {
		p.push(j)
	}
	if src.Sitemap == nil || *src.Sitemap {
		done := map[string]bool{}
		for _, seed := range src.Seeds {
			su, err := url.Parse(seed)
			if err != nil || done[su.Host] || !c.OwnsHost(su.Hostname()) {
				continue // another crawler shard owns this host, sitemap included
			}
			done[su.Host] = true
			for _, u := range p.sitemap(ctx, su.Scheme+"://"+su.Host+"/sitemap.xml", 0) {
				p.push(job{u, 1})
			}
		}
	}
	workers := src.Concurrency
	if workers <= 0 {
		workers = max(c.Env.Config.Crawler.ConcurrencyHost, 1) * max(len(p.hosts), 1)
	}
	workers = min(workers, 16)
	var wg sync.WaitGroup
	var active int
	cond := sync.NewCond(&p.mu)
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				p.mu.Lock()
				for len(p.queue) == 0 && active > 0 && ctx.Err() == nil {
					cond.Wait()
				}
				if len(p.queue) == 0 || ctx.Err() != nil || p.stats.Fetched+p.stats.NotModified >= p.maxPage {
					if len(p.queue) > 0 && ctx.Err() == nil {
						p.stats.Bounded = true
					}
					cond.Broadcast()
					p.mu.Unlock()
					return
				}
				j := p.queue[0]
				p.queue = p.queue[1:]
				active++
				p.mu.Unlock()
				p.visit(ctx, j)
				p.mu.Lock()
				active--
				cond.Broadcast()
				p.mu.Unlock()
			}
		}()
	}
	stop := context.AfterFunc(ctx, func() { p.mu.Lock(); cond.Broadcast(); p.mu.Unlock() })
	wg.Wait()
	stop()
	// Keep what is left for the next pass (bounded, or interrupted).
	var rest []string
	for _, j := range p.queue {
		if len(rest) >= maxFrontier {
			break
		}
		rest = append(rest, j.url)
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := c.PutJSON(sctx, frontierKey, rest); err != nil {
		c.Log.Warn("frontier not saved", "source", src.Name, "err", err)
	}
	st := p.stats
	var passErr error
	if st.Fetched == 0 && st.NotModified == 0 && st.LastErr != nil {
		passErr = st.LastErr
	}
	c.Report(sctx, src, st.Items, st.Published, st.Fetched, st.LastErr)
	c.Log.Info("crawl pass", "source", src.Name, "fetched", st.Fetched, "not_modified", st.NotModified, "unchanged", st.Unchanged,
		"disallowed", st.Disallowed, "skipped", st.Skipped, "errors", st.Errors, "published", st.Published, "bounded", st.Bounded)
	return st, passErr
}

func (p *pass) push(j job) {
	u, err := url.Parse(j.url)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return
	}
	u.Fragment = ""
	key := u.String()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.seen[key] || !p.hosts[strings.ToLower(u.Hostname())] || !p.c.OwnsHost(u.Hostname()) {
		return
	}
	p.seen[key] = true
	j.url = key
	p.queue = append(p.queue, j)
}

func (p *pass) note(f func(s *Stats)) {
	p.mu.Lock()
	f(&p.stats)
	p.mu.Unlock()
}

func (p *pass) visit(ctx context.Context, j job) {
	c := p.c
	key := collect.Key("page", j.url)
	var st pageState
	if _, err := c.GetJSON(ctx, key, &st); err != nil {
		c.Log.Warn("page state unreadable; refetching", "url", j.url, "err", err)
	}
	resp, err := c.Fetcher.Fetch(ctx, fetch.Request{URL: j.url, ETag: st.ETag, LastModified: st.LastModified, AllowPrivate: p.src.AllowPrivate})
	if err != nil {
		if errors.Is(err, fetch.ErrDisallowed) {
			p.note(func(s *Stats) { s.Disallowed++ })
			c.Log.Debug("robots.txt disallows", "url", j.url)
			return
		}
		if collect.Stopping(ctx, err) {
			return
		}
		p.note(func(s *Stats) { s.Errors++; s.LastErr = err })
		c.Log.Warn("fetch failed", "source", p.src.Name, "url", j.url, "err", err)
		return
	}
	if resp.NotModified {
		p.note(func(s *Stats) { s.NotModified++ })
		p.follow(j, st.Links)
		return
	}
	p.note(func(s *Stats) { s.Fetched++ })
	if !strings.Contains(resp.ContentType, "html") {
		return
	}
	doc, err := extract.Extract(resp.Text, resp.URL, extract.Options{Loc: p.loc})
	if err != nil {
		p.note(func(s *Stats) { s.Errors++; s.LastErr = err })
		c.Log.Warn("extraction failed", "url", resp.URL, "err", err)
		return
	}
	var sameSite, outLinks []string
	pageHost := collect.Host(resp.URL)
	for _, l := range doc.Links {
		h := collect.Host(l)
		if p.hosts[h] {
			if len(sameSite) < maxStoredLinks {
				sameSite = append(sameSite, l)
			}
		} else if h != "" && h != pageHost {
			outLinks = append(outLinks, l)
		}
	}
	p.follow(j, sameSite)
	canonical := doc.CanonicalURL
	if canonical == "" || collect.Host(canonical) == "" {
		canonical = resp.URL
	}
	hash := textHash(doc.Title + "\n" + doc.Text)
	p.mu.Lock()
	dupContent := p.hashes[hash]
	p.hashes[hash] = true
	if canonical != j.url && p.seen[canonical+"#processed"] {
		dupContent = true
	}
	p.seen[canonical+"#processed"] = true
	p.mu.Unlock()

	next := pageState{ETag: resp.ETag, LastModified: resp.LastModified, Hash: hash, Links: sameSite, Fetched: time.Now().UTC(), Comments: map[string]string{}}
	published, items := 0, 0
	var emitErr error
	// Only an article and its comments, or a page of comments, are
	// mentions: a home, category, tag, archive, search or pagination page
	// names brands in its teasers, and the articles it links to are the
	// mentions (they are followed above).
	storable := doc.Kind == extract.KindArticle || doc.Kind == extract.KindThread
	if !storable {
		p.note(func(s *Stats) { s.Skipped++ })
		c.Log.Debug("page not stored", "url", resp.URL, "kind", doc.Kind, "signals", doc.KindSignals)
	}
	if !dupContent && storable {
		if doc.Kind == extract.KindArticle {
			items++
		}
		if doc.Kind == extract.KindArticle && hash != st.Hash {
			n, err := c.Emit(ctx, p.src, collect.Item{
				URL: canonical, Title: doc.Title, Text: doc.Text,
				Author:    mention.Author{Name: doc.Author, URL: doc.AuthorURL},
				Published: doc.Published, LangHint: doc.Lang, Replies: len(doc.Comments), OutLinks: outLinks, ContentHash: hash,
			})
			published += n
			emitErr = err
		}
		for _, cm := range doc.Comments {
			if cm.Anchor == "" || strings.TrimSpace(cm.Text) == "" {
				continue
			}
			items++
			h := textHash(cm.Author + "\n" + cm.Text)
			if len(next.Comments) < maxStoredComments {
				next.Comments[cm.Anchor] = h
			}
			if st.Comments[cm.Anchor] == h || emitErr != nil {
				continue
			}
			n, err := c.Emit(ctx, p.src, collect.Item{
				URL: canonical, Anchor: cm.Anchor, Title: doc.Title, Text: cm.Text, MatchTitle: doc.Title,
				Author:    mention.Author{Name: cm.Author, URL: cm.AuthorURL},
				Published: cm.Published, LangHint: doc.Lang, ThreadURL: canonical, ThreadTitle: doc.Title,
				Position: cm.Position, QuotedRef: cm.ReplyTo, Likes: cm.Likes, ContentHash: h,
			})
			published += n
			if err != nil {
				emitErr = err
			}
		}
	} else if hash == st.Hash {
		p.note(func(s *Stats) { s.Unchanged++ })
	}
	p.note(func(s *Stats) { s.Published += published; s.Items += items })
	if emitErr != nil {
		// Not saving the new state makes the next pass publish again: nothing lost.
		p.note(func(s *Stats) { s.Errors++; s.LastErr = emitErr })
		c.Log.Error("publish failed; page will be retried next pass", "url", canonical, "err", emitErr)
		return
	}
	if err := c.PutJSON(ctx, key, next); err != nil {
		c.Log.Warn("page state not saved", "url", j.url, "err", err)
	}
}

func (p *pass) follow(j job, links []string) {
	if j.depth >= p.maxDep {
		return
	}
	for _, l := range links {
		p.push(job{l, j.depth + 1})
	}
}

func textHash(s string) string {
	h := sha256.Sum256([]byte(strings.Join(strings.Fields(s), " ")))
	return hex.EncodeToString(h[:12])
}

// sitemap reads a sitemap or sitemap index (one level of nesting).
func (p *pass) sitemap(ctx context.Context, u string, level int) []string {
	resp, err := p.c.Fetcher.Fetch(ctx, fetch.Request{URL: u, AllowPrivate: p.src.AllowPrivate})
	if err != nil || resp.NotModified {
		if err != nil && !errors.Is(err, fetch.ErrDisallowed) {
			p.c.Log.Debug("no sitemap", "url", u, "err", err)
		}
		return nil
	}
	var doc struct {
		URLs     []string `xml:"url>loc"`
		Sitemaps []string `xml:"sitemap>loc"`
	}
	dec := xml.NewDecoder(strings.NewReader(resp.Text))
	dec.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil } // Text is UTF-8 already
	if err := dec.Decode(&doc); err != nil {
		p.c.Log.Warn("malformed sitemap", "url", u, "err", err)
		return nil
	}
	out := make([]string, 0, len(doc.URLs))
	for _, l := range doc.URLs {
		out = append(out, strings.TrimSpace(l))
	}
	if level == 0 {
		for _, s := range doc.Sitemaps {
			out = append(out, p.sitemap(ctx, strings.TrimSpace(s), 1)...)
		}
	}
	if len(out) > p.maxPage {
		out = out[:p.maxPage]
	}
	return out
}
