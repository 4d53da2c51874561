// Package collect is what the three collectors (web crawler, RSS reader,
// forum scraper) share: the brand matcher, the polite fetcher, publishing
// one raw mention per (item, matching brand), crawl state in NATS KV, and
// each source's health for the console and metrics.
package collect

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/veille-oss/veille/pkg/collection/dates"
	"github.com/veille-oss/veille/pkg/collection/fetch"
	"github.com/veille-oss/veille/pkg/collection/watch"
	"github.com/veille-oss/veille/pkg/platform/bus"
	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/platform/obs"
	"github.com/veille-oss/veille/pkg/platform/service"
)

// KV buckets.
const (
	// BucketState holds crawl state: page validators and hashes, feed items
	// seen, forum thread high-water marks, frontiers.
	BucketState = "VEILLE_CRAWL"
	// BucketSources holds one Health record per source, read by the console.
	BucketSources = "VEILLE_SOURCES"
)

// Item is one document or post a collector found, before brand matching.
type Item struct {
	URL         string // canonical URL of the document
	Anchor      string // post/comment anchor, "" for the document itself
	Title       string
	Text        string
	Author      mention.Author
	Published   time.Time
	LangHint    string
	ThreadURL   string
	ThreadTitle string
	Position    int
	QuotedRef   string
	Likes       int
	Replies     int
	OutLinks    []string
	ContentHash string
	// MatchTitle is matched with the text (thread or article title for a
	// comment: a reply in a thread about a brand is about the brand).
	MatchTitle string
	// DateMissing: the page showed no readable date (Published is zero).
	DateMissing bool
}

// Collector is one collector service's shared machinery.
type Collector struct {
	Env     *service.Env
	Log     *slog.Logger
	Kind    string
	Matcher *watch.Matcher
	Fetcher *fetch.Fetcher
	State   jetstream.KeyValue
	Sources jetstream.KeyValue

	mu        sync.Mutex
	health    map[string]*Health
	published *prometheus.CounterVec
	fetchErrs *prometheus.CounterVec
	fetched   *prometheus.CounterVec
	charsets  *prometheus.CounterVec
	shardI    int
	shardN    int
}

// Health is a source's state as the console shows it.
type Health struct {
	Name         string    `json:"name"`
	Kind         string    `json:"kind"`
	URL          string    `json:"url"`
	LastSuccess  time.Time `json:"last_success,omitzero"`
	LastError    string    `json:"last_error,omitempty"`
	LastErrorAt  time.Time `json:"last_error_at,omitzero"`
	ItemsSeen    int       `json:"items_seen"`
	Published    int       `json:"published"`
	PagesFetched int       `json:"pages_fetched"`
	UpdatedAt    time.Time `json:"updated_at"`
	// Counters are a collector's own running totals (AddCounts), e.g. the
	// forum scraper's posts seen, new, skipped by reason, dates missing.
	Counters map[string]int `json:"counters,omitempty"`
}

// New builds the collector machinery of one kind (web, rss, forum).
func New(ctx context.Context, env *service.Env, kind string) (*Collector, error) {
	cfg := env.Config
	var brands []watch.Brand
	for _, b := range cfg.Brands {
		brands = append(brands, watch.Brand{Name: b.Name, Aliases: b.Aliases, Query: b.Query, Group: b.Group})
	}
	m, err := watch.Compile(brands)
	if err != nil {
		return nil, fmt.Errorf("%w: brands: %w", config.ErrInvalid, err)
	}
	c := &Collector{
		Env: env, Log: env.Log.With("service", kind), Kind: kind, Matcher: m,
		health:    map[string]*Health{},
		published: env.Metrics.Counter("collector_mentions_total", "Raw mentions published.", "kind", "source"),
		fetchErrs: env.Metrics.Counter("fetch_errors_total", "Fetch errors by host.", "kind", "host"),
		fetched:   env.Metrics.Counter("fetch_pages_total", "Pages fetched by host and status.", "kind", "host", "status"),
		charsets:  env.Metrics.Counter("fetch_unknown_charset_total", "Pages whose declared charset has no decoder (decoded by the fallback).", "kind", "host"),
	}
	if cfg.Crawler.Shard != "" {
		c.shardI, c.shardN, _ = config.ParseShard(cfg.Crawler.Shard)
	}
	c.Fetcher = fetch.New(fetch.Options{
		UserAgent:          cfg.Crawler.UserAgent,
		Timeout:            cfg.Crawler.Timeout,
		MaxBytes:           cfg.Crawler.MaxBytes,
		RatePerHost:        cfg.Crawler.RatePerHost,
		ConcurrencyPerHost: cfg.Crawler.ConcurrencyHost,
		DisablePoliteness:  cfg.Crawler.RatePerHost == 0,
		Proxy:              cfg.Crawler.Proxy,
		Logger:             c.Log,
		Observer: fetch.ObserverFunc(func(e fetch.Event) {
			c.fetched.WithLabelValues(kind, e.Host, fmt.Sprint(e.Status)).Inc()
			if e.Err != nil {
				c.fetchErrs.WithLabelValues(kind, e.Host).Inc()
			}
			if e.UnknownCharset != "" {
				c.charsets.WithLabelValues(kind, e.Host).Inc()
			}
		}),
	})
	for _, s := range cfg.Sources {
		if s.Kind != kind {
			continue
		}
		for _, u := range append(append([]string{}, s.Seeds...), s.URL) {
			if h := host(u); h != "" && (s.Rate > 0 || s.Concurrency > 0) {
				c.Fetcher.SetHostLimits(h, s.Rate, s.Concurrency)
			}
		}
	}
	if c.State, err = kv(ctx, env.Bus, BucketState, cfg.NATS.Replicas); err != nil {
		return nil, err
	}
	if c.Sources, err = kv(ctx, env.Bus, BucketSources, cfg.NATS.Replicas); err != nil {
		return nil, err
	}
	return c, nil
}

func kv(ctx context.Context, b *bus.Bus, name string, replicas int) (jetstream.KeyValue, error) {
	if replicas == 0 {
		replicas = 1
	}
	return b.KeyValue(ctx, jetstream.KeyValueConfig{Bucket: name, History: 1, Storage: jetstream.FileStorage, Replicas: replicas})
}

// Close releases the fetcher.
func (c *Collector) Close() { c.Fetcher.Close() }

// MySources returns the configured sources of this collector's kind.
func (c *Collector) MySources() []config.Source {
	var out []config.Source
	for _, s := range c.Env.Config.Sources {
		if s.Kind == c.Kind {
			out = append(out, s)
		}
	}
	return out
}

// StateKey is Key for state this collector instance owns alone: with
// crawler sharding each shard keeps its own (two shards saving one crawl
// frontier would overwrite each other's); unsharded, it is Key itself.
func (c *Collector) StateKey(prefix string, parts ...string) string {
	if c.shardN > 1 {
		parts = append(parts[:len(parts):len(parts)], fmt.Sprintf("shard %d/%d", c.shardI, c.shardN))
	}
	return Key(prefix, parts...)
}

// OwnsHost reports whether this crawler shard fetches host (crawler.shard
// "i/n"): two crawlers with different shards never fetch the same host.
func (c *Collector) OwnsHost(h string) bool {
	if c.shardN <= 1 {
		return true
	}
	f := fnv.New32a()
	f.Write([]byte(strings.ToLower(h)))
	return int(f.Sum32()%uint32(c.shardN)) == c.shardI
}

// Emit matches it against the brands and publishes one raw mention per
// matching brand. It returns the number published.
func (c *Collector) Emit(ctx context.Context, src config.Source, it Item) (int, error) {
	title := it.Title
	if it.MatchTitle != "" && it.MatchTitle != title {
		title = strings.TrimSpace(it.MatchTitle + " " + title)
	}
	matches := c.Matcher.Match(watch.Doc{Title: title, Text: it.Text, URL: it.URL, Lang: it.LangHint, Author: it.Author.Name})
	n := 0
	now := time.Now().UTC()
	// A date far ahead of the collection is wrong (a zone mistake, a clock,
	// a scheduled post): it would sort first and fall out of rolling windows.
	published, clamped := dates.Clamp(it.Published.UTC(), now)
	if clamped {
		c.Log.Debug("publication date in the future; clamped to the collection time",
			"source", src.Name, "url", it.URL, "anchor", it.Anchor, "published", it.Published.UTC())
	}
	for _, mt := range matches {
		m := &mention.Mention{
			Brand: mt.Brand, MatchedTerms: mt.Terms, SourceKind: c.Kind, SourceName: src.Name,
			SourceURL: sourceURL(src), URL: it.URL, Anchor: it.Anchor, Title: it.Title, Text: it.Text,
			Author: it.Author, PublishedAt: published, PublishedClamped: clamped, CollectedAt: now, LangHint: firstNonEmpty(it.LangHint, src.Lang),
			ThreadURL: it.ThreadURL, ThreadTitle: it.ThreadTitle, Position: it.Position, QuotedRef: it.QuotedRef,
			Likes: it.Likes, Replies: it.Replies, OutLinks: it.OutLinks, ContentHash: it.ContentHash,
			DateMissing: it.DateMissing,
		}
		if m.Author.URL != "" && !httpURL(m.Author.URL) {
			m.Author.URL = ""
		}
		m.Truncate()
		m.SetID()
		if err := c.Env.Bus.PublishMention(ctx, bus.RawSubject(c.Kind), m); err != nil {
			if errors.Is(err, mention.ErrInvalid) {
				c.Log.Warn("mention skipped: invalid", "source", src.Name, "url", it.URL, "err", err)
				continue
			}
			return n, err
		}
		c.published.WithLabelValues(c.Kind, src.Name).Inc()
		n++
	}
	return n, nil
}

func sourceURL(s config.Source) string {
	if s.URL != "" {
		return s.URL
	}
	if len(s.Seeds) > 0 {
		return s.Seeds[0]
	}
	return ""
}

func firstNonEmpty(a ...string) string {
	for _, s := range a {
		if s != "" {
			return s
		}
	}
	return ""
}

func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func host(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return strings.ToLower(p.Hostname())
}

// Stopping reports whether err only says the run is ending (cancelled, or a
// rate limiter refusing to wait past the deadline): not worth a warning.
func Stopping(ctx context.Context, err error) bool {
	if ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	if _, ok := ctx.Deadline(); ok && err != nil && strings.Contains(err.Error(), "would exceed context deadline") {
		return true
	}
	return false
}

// Host is the lower-cased host name of u, or "".
func Host(u string) string { return host(u) }

// Key hashes parts into a KV key under prefix (KV keys allow [-/_=.a-zA-Z0-9]).
func Key(prefix string, parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return prefix + "." + hex.EncodeToString(h.Sum(nil)[:12])
}

// GetJSON reads a JSON value from the state bucket; ok is false when absent.
func (c *Collector) GetJSON(ctx context.Context, key string, v any) (bool, error) {
	e, err := c.State.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("state %s: %w", key, err)
	}
	if err := json.Unmarshal(e.Value(), v); err != nil {
		return false, fmt.Errorf("state %s: %w", key, err)
	}
	return true, nil
}

// PutJSON writes a JSON value to the state bucket.
func (c *Collector) PutJSON(ctx context.Context, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if _, err := c.State.Put(ctx, key, b); err != nil {
		return fmt.Errorf("state %s: %w", key, err)
	}
	return nil
}

// Report records the outcome of a pass (or one fetch) over a source.
func (c *Collector) Report(ctx context.Context, src config.Source, items, published, pages int, err error) {
	c.mu.Lock()
	h := c.health[src.Name]
	if h == nil {
		h = &Health{Name: src.Name, Kind: src.Kind}
		if e, gerr := c.Sources.Get(ctx, bus.Token(src.Name)); gerr == nil {
			_ = json.Unmarshal(e.Value(), h)
		}
		c.health[src.Name] = h
	}
	now := time.Now().UTC()
	// The console shows this record: no credentials in it.
	h.URL = mention.StripUserinfo(sourceURL(src))
	h.ItemsSeen += items
	h.Published += published
	h.PagesFetched += pages
	if err != nil {
		h.LastError = obs.RedactURLs(err.Error())
		h.LastErrorAt = now
	} else {
		h.LastSuccess = now
	}
	h.UpdatedAt = now
	data, _ := json.Marshal(h)
	c.mu.Unlock()
	if _, perr := c.Sources.Put(ctx, bus.Token(src.Name), data); perr != nil {
		c.Log.Warn("source health not saved", "source", src.Name, "err", perr)
	}
}

// PassFunc collects one source once.
type PassFunc func(ctx context.Context, c *Collector, src config.Source) error

// Run is a collector service's whole Run: build the machinery of kind,
// check every source with check (nil: none), then run pass for each source
// on its schedule until ctx ends.
func Run(ctx context.Context, env *service.Env, kind string, check func(config.Source) error, pass PassFunc) error {
	c, err := New(ctx, env, kind)
	if err != nil {
		return err
	}
	defer c.Close()
	srcs := c.MySources()
	if len(srcs) == 0 {
		c.Log.Info("no sources of this kind configured", "kind", kind)
	}
	if check != nil {
		for _, src := range srcs {
			if err := check(src); err != nil {
				return err
			}
		}
	}
	c.Every(ctx, func(ctx context.Context, src config.Source) error { return pass(ctx, c, src) })
	return nil
}

// Every runs fn for each source on its own schedule (source interval, else
// crawler.interval) until ctx ends; failures back off exponentially up to 1h.
func (c *Collector) Every(ctx context.Context, fn func(ctx context.Context, src config.Source) error) {
	var wg sync.WaitGroup
	for _, src := range c.MySources() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			interval := src.Interval
			if interval <= 0 {
				interval = c.Env.Config.Crawler.Interval
			}
			wait := time.Duration(0)
			failures := 0
			for {
				select {
				case <-ctx.Done():
					return
				case <-time.After(wait):
				}
				if err := fn(ctx, src); err != nil && ctx.Err() == nil {
					failures++
					wait = min(interval*time.Duration(1<<min(failures, 6)), time.Hour)
					c.Log.Warn("source pass failed; backing off", "source", src.Name, "err", err, "next_in", wait)
					continue
				}
				failures = 0
				wait = interval
			}
		}()
	}
	wg.Wait()
}
