// Package rss is the feed reader: RSS, Atom and JSON Feed (gofeed), polled
// per feed with conditional GET and backoff on failure; items deduplicated
// across restarts in NATS KV (by GUID, by link and by content, so a feed
// that changes its GUIDs does not re-flood); the full article fetched
// through the extractor when the feed only carries a summary.
package rss

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/veille-oss/veille/pkg/collection/collect"
	"github.com/veille-oss/veille/pkg/collection/dates"
	"github.com/veille-oss/veille/pkg/collection/extract"
	"github.com/veille-oss/veille/pkg/collection/fetch"
	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/platform/service"
)

// errFeed wraps feed parse failures, naming the feed.
var errFeed = errors.New("malformed feed")

// MaxItems bounds the items read from one feed document.
const MaxItems = 500

// Run polls every `kind: rss` source until ctx ends.
func Run(ctx context.Context, env *service.Env) error {
	return collect.Run(ctx, env, mention.KindRSS, nil, func(ctx context.Context, c *collect.Collector, src config.Source) error {
		_, err := Poll(ctx, c, src)
		return err
	})
}

type feedState struct {
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"last_modified,omitempty"`
	Polled       time.Time `json:"polled"`
}

// itemState marks an item as published, with the hash of what was published.
type itemState struct {
	Hash string    `json:"hash"`
	At   time.Time `json:"at"`
}

// Stats counts what a poll did.
type Stats struct {
	Items, New, Updated, Duplicates, Published, NoLink, Articles int
	NotModified                                                  bool
}

var xmlDecl = regexp.MustCompile(`(?i)^(\s*<\?xml[^>]*?)\s+encoding\s*=\s*["'][^"']*["']`)

// Poll reads src once and publishes the new and changed items.
func Poll(ctx context.Context, c *collect.Collector, src config.Source) (Stats, error) {
	var st Stats
	fkey := collect.Key("feed", src.Name, src.URL)
	var fs feedState
	if _, err := c.GetJSON(ctx, fkey, &fs); err != nil {
		c.Log.Warn("feed state unreadable", "source", src.Name, "err", err)
	}
	resp, err := c.Fetcher.Fetch(ctx, fetch.Request{URL: src.URL, ETag: fs.ETag, LastModified: fs.LastModified, AllowPrivate: src.AllowPrivate})
	if err != nil {
		if collect.Stopping(ctx, err) {
			return st, nil
		}
		c.Report(ctx, src, 0, 0, 0, err)
		return st, fmt.Errorf("feed %s: %w", src.Name, err)
	}
	if resp.NotModified {
		st.NotModified = true
		c.Report(ctx, src, 0, 0, 1, nil)
		return st, nil
	}
	// The text is UTF-8 already: drop the declared encoding so the XML parser
	// does not decode it a second time.
	text := xmlDecl.ReplaceAllString(resp.Text, "$1")
	text, cut, err := boundFeed(text, MaxItems, MaxFeedBytes)
	if cut {
		c.Log.Info("feed cut to its budget", "source", src.Name, "bytes", len(resp.Text), "kept_bytes", len(text), "max_items", MaxItems, "max_bytes", MaxFeedBytes)
	}
	var feed *gofeed.Feed
	if err == nil {
		feed, err = gofeed.NewParser().ParseString(text)
	}
	if err != nil {
		err = fmt.Errorf("%w: %s (%s): %w", errFeed, src.Name, src.URL, err)
		c.Report(ctx, src, 0, 0, 1, err)
		return st, err
	}
	// Dates without an offset are in the source's configured zone, else the
	// usual zone of the feed's language (a French feed writes Paris time);
	// the articles fetched for full text decide their own when none is set.
	var loc *time.Location
	if src.Timezone != "" {
		if l, lerr := time.LoadLocation(src.Timezone); lerr == nil {
			loc = l
		}
	}
	feedZone := dates.Zone(src.Timezone, nil, firstNonEmpty(feed.Language, src.Lang))
	fullArticle := src.FullArticle == nil || *src.FullArticle
	items := feed.Items
	if len(items) > MaxItems {
		items = items[:MaxItems]
	}
	var lastErr error
	for _, it := range items {
		if ctx.Err() != nil {
			break
		}
		st.Items++
		link := absolute(resp.URL, strings.TrimSpace(it.Link))
		summary := plain(firstNonEmpty(it.Content, it.Description))
		title := plain(it.Title)
		contentHash := hash(title + "\n" + summary)
		// Dedup keys: the link (stable even when a feed rewrites GUIDs),
		// else the GUID, else the content itself.
		var key string
		switch {
		case link != "":
			key = collect.Key("item", src.Name, "link", canonicalLink(link))
		case it.GUID != "":
			key = collect.Key("item", src.Name, "guid", it.GUID)
		default:
			key = collect.Key("item", src.Name, "content", contentHash)
		}
		var seen itemState
		known, _ := c.GetJSON(ctx, key, &seen)
		if known && seen.Hash == contentHash {
			st.Duplicates++
			continue
		}
		published := feedDate(it.Published, it.PublishedParsed, feedZone)
		if published.IsZero() {
			published = feedDate(it.Updated, it.UpdatedParsed, feedZone)
		}
		item := collect.Item{
			URL: link, Title: title, Text: summary, Published: published,
			LangHint: firstNonEmpty(feed.Language, src.Lang), ContentHash: contentHash,
		}
		if len(it.Authors) > 0 && it.Authors[0] != nil {
			item.Author.Name = it.Authors[0].Name
		}
		if link == "" {
			// No link: anchor the mention on the feed, by GUID or content.
			st.NoLink++
			item.URL = firstNonEmpty(absolute(resp.URL, feed.Link), resp.URL)
			item.Anchor = "item-" + hash(firstNonEmpty(it.GUID, contentHash))[:16]
		} else if fullArticle && isSummary(it, summary) {
			if doc := article(ctx, c, src, link, loc); doc != nil {
				st.Articles++
				item.URL = firstNonEmpty(doc.CanonicalURL, link)
				item.Text = doc.Text
				item.Title = firstNonEmpty(title, doc.Title)
				if item.Author.Name == "" {
					item.Author = mention.Author{Name: doc.Author, URL: doc.AuthorURL}
				}
				if item.Published.IsZero() {
					item.Published = doc.Published
				}
				item.LangHint = firstNonEmpty(doc.Lang, item.LangHint)
				item.Replies = len(doc.Comments)
				for _, l := range doc.Links {
					if h := collect.Host(l); h != "" && h != collect.Host(item.URL) {
						item.OutLinks = append(item.OutLinks, l)
					}
				}
			}
		}
		if item.Published.IsZero() {
			item.Published = time.Now().UTC()
		}
		n, err := c.Emit(ctx, src, item)
		if err != nil {
			lastErr = err
			c.Log.Error("publish failed; item retried next poll", "source", src.Name, "link", link, "err", err)
			break
		}
		st.Published += n
		if known {
			st.Updated++
		} else {
			st.New++
		}
		if err := c.PutJSON(ctx, key, itemState{Hash: contentHash, At: time.Now().UTC()}); err != nil {
			c.Log.Warn("item state not saved", "err", err)
		}
	}
	if lastErr == nil {
		if err := c.PutJSON(ctx, fkey, feedState{ETag: resp.ETag, LastModified: resp.LastModified, Polled: time.Now().UTC()}); err != nil {
			c.Log.Warn("feed state not saved", "err", err)
		}
	}
	c.Report(ctx, src, st.Items, st.Published, 1+st.Articles, lastErr)
	c.Log.Info("feed polled", "source", src.Name, "items", st.Items, "new", st.New, "updated", st.Updated,
		"duplicates", st.Duplicates, "published", st.Published, "articles", st.Articles)
	return st, lastErr
}

// feedDate reads an item date with pkg/dates, which puts a date without an
// offset in the feed's zone (gofeed reads it as UTC), and falls back to
// gofeed's reading for the forms pkg/dates does not know.
func feedDate(raw string, parsed *time.Time, loc *time.Location) time.Time {
	if t, err := dates.Parse(raw, dates.Options{Loc: loc}); err == nil {
		return t
	}
	if parsed != nil {
		return parsed.UTC()
	}
	return time.Time{}
}

// isSummary: the feed carries no full content (no content:encoded, or a short
// description).
func isSummary(it *gofeed.Item, text string) bool {
	return it.Content == "" || len(text) < 600
}

func article(ctx context.Context, c *collect.Collector, src config.Source, link string, loc *time.Location) *extract.Document {
	resp, err := c.Fetcher.Fetch(ctx, fetch.Request{URL: link, AllowPrivate: src.AllowPrivate})
	if err != nil {
		c.Log.Warn("full article not fetched; using the feed summary", "url", link, "err", err)
		return nil
	}
	if resp.NotModified || !strings.Contains(resp.ContentType, "html") {
		return nil
	}
	doc, err := extract.Extract(resp.Text, resp.URL, extract.Options{Loc: loc})
	if err != nil || strings.TrimSpace(doc.Text) == "" {
		return nil
	}
	return doc
}

var tags = regexp.MustCompile(`<[^>]*>`)

// plain turns feed HTML into text.
func plain(s string) string {
	if strings.ContainsAny(s, "<&") {
		s = html.UnescapeString(tags.ReplaceAllString(s, " "))
	}
	return strings.Join(strings.Fields(s), " ")
}

func absolute(base, ref string) string {
	if ref == "" {
		return ""
	}
	b, err := url.Parse(base)
	if err != nil {
		return ""
	}
	b.User = nil // a feed URL's credentials are for its fetch, not for its links
	r, err := b.Parse(ref)
	if err != nil || (r.Scheme != "http" && r.Scheme != "https") {
		return ""
	}
	return r.String()
}

// canonicalLink drops fragments and tracking parameters.
func canonicalLink(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return s
	}
	u.Fragment = ""
	q := u.Query()
	for k := range q {
		lk := strings.ToLower(k)
		if strings.HasPrefix(lk, "utm_") || lk == "fbclid" || lk == "gclid" {
			q.Del(k)
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func hash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:12])
}

func firstNonEmpty(a ...string) string {
	for _, s := range a {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}
