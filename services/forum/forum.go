// Package forum runs the forum scraper: incremental passes of pkg/forum
// over each `kind: forum` source, each thread's set of seen posts in NATS KV, one raw
// mention per (post, matching brand) with source_kind forum. Edited posts are
// re-published under the same mention id with their new content hash.
package forum

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/veille-oss/veille/pkg/collection/collect"
	"github.com/veille-oss/veille/pkg/collection/fetch"
	engine "github.com/veille-oss/veille/pkg/collection/forum"
	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/platform/service"
)

// Run scrapes every forum source on its schedule until ctx ends.
func Run(ctx context.Context, env *service.Env) error {
	// A bad generic profile is a configuration error, reported at start.
	check := func(src config.Source) error { _, err := Source(src); return err }
	return collect.Run(ctx, env, mention.KindForum, check, func(ctx context.Context, c *collect.Collector, src config.Source) error {
		_, err := Pass(ctx, c, src)
		return err
	})
}

// Source converts a configured source to pkg/forum's, decoding and
// compiling its generic profile if any.
func Source(src config.Source) (engine.Source, error) {
	fs := engine.Source{Name: src.Name, URL: src.URL, Profile: src.Profile, MaxPagesPerPass: src.MaxPages}
	if src.Generic.Kind != 0 {
		var g engine.GenericProfile
		if err := src.Generic.Decode(&g); err != nil {
			return fs, fmt.Errorf("%w: sources[%s].generic: %w", config.ErrInvalid, src.Name, err)
		}
		if _, err := g.Compile(); err != nil {
			return fs, fmt.Errorf("%w: sources[%s].generic: %w", config.ErrInvalid, src.Name, err)
		}
		fs.Generic = &g
	}
	if fs.Profile != "" {
		if _, err := engine.ProfileByName(fs.Profile); err != nil {
			return fs, fmt.Errorf("%w: sources[%s].profile: %w", config.ErrInvalid, src.Name, err)
		}
	}
	return fs, nil
}

// getter adapts the polite fetcher to pkg/forum.
type getter struct {
	c   *collect.Collector
	src config.Source
}

func (g getter) Get(ctx context.Context, u string) (string, string, error) {
	resp, err := g.c.Fetcher.Fetch(ctx, fetch.Request{URL: u, AllowPrivate: g.src.AllowPrivate,
		ContentTypes: append(fetch.DefaultContentTypes(), "application/json")})
	if err != nil {
		var se *fetch.StatusError
		if errors.As(err, &se) {
			return "", u, &engine.StatusError{URL: u, Code: se.Code}
		}
		return "", u, err
	}
	return resp.Text, resp.URL, nil
}

// kvState keeps thread states in the collectors' KV bucket.
type kvState struct{ c *collect.Collector }

func (s kvState) Get(ctx context.Context, key string) (engine.ThreadState, bool, error) {
	var st engine.ThreadState
	ok, err := s.c.GetJSON(ctx, collect.Key("thread", key), &st)
	return st, ok, err
}

func (s kvState) Put(ctx context.Context, key string, st engine.ThreadState) error {
	return s.c.PutJSON(ctx, collect.Key("thread", key), st)
}

// Pass scrapes src once.
func Pass(ctx context.Context, c *collect.Collector, src config.Source) (engine.Stats, error) {
	fs, err := Source(src)
	if err != nil {
		return engine.Stats{}, err
	}
	cr := engine.NewCrawler(getter{c, src}, kvState{c}, c.Log)
	if src.Timezone != "" {
		if l, err := time.LoadLocation(src.Timezone); err == nil {
			cr.Options.Loc = l
		}
	}
	cr.Options.Lang = src.Lang
	published := 0
	stats, err := cr.Pass(ctx, fs, func(p engine.Post) error {
		if p.Deleted {
			return nil // the mention stays: moderation history matters; nothing new to publish
		}
		// The URL opens the post ("Voir l'original"); the id stays keyed by
		// thread and anchor (mention.SetID).
		u := p.URL
		if u == "" {
			u = p.ThreadURL
		}
		n, err := c.Emit(ctx, src, collect.Item{
			URL: u, Anchor: p.Anchor, Title: p.ThreadTitle, Text: p.Text, MatchTitle: p.ThreadTitle, DateMissing: p.DateMissing,
			Author:    mention.Author{Name: p.Author.Name, URL: p.Author.URL, PostCount: p.Author.PostCount, Reputation: p.Author.Reputation, JoinedAt: p.Author.JoinedAt},
			Published: p.Published, ThreadURL: p.ThreadURL, ThreadTitle: p.ThreadTitle, Position: p.Position,
			QuotedRef: p.QuotedRef, Likes: p.Likes, ContentHash: p.ContentHash, LangHint: src.Lang,
		})
		published += n
		return err
	})
	c.AddCounts(ctx, src, Counters(stats))
	c.Report(ctx, src, stats.Posts, published, stats.Pages, err)
	c.Log.Info("forum pass", "source", src.Name, "pages", stats.Pages, "threads", stats.Threads, "posts", stats.Posts,
		"new", stats.New, "edited", stats.Edited, "published", published, "skipped", stats.Skipped, "errors", stats.Errors,
		"dates_missing", stats.DatesMissing, "count_mismatches", stats.CountMismatches)
	return stats, err
}

// Counters are a pass's stats as the source's health counters (the
// console's sources page): posts seen, new, edited, skipped by reason,
// dates missing, pages whose post count did not match their markup.
func Counters(st engine.Stats) map[string]int {
	m := map[string]int{
		"posts_seen": st.Posts, "posts_new": st.New, "posts_edited": st.Edited,
		"dates_missing": st.DatesMissing, "count_mismatches": st.CountMismatches,
	}
	for reason, n := range st.Skipped {
		m["skipped."+reason] += n
	}
	return m
}
