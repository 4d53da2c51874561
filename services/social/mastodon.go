package social

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/platform/retry"
	"github.com/veille-oss/veille/pkg/platform/service"
)

// Mastodon bounds.
const (
	mastodonPage       = 40 // the API's maximum limit for timelines and search
	mastodonPages      = 50 // pages of catch-up per timeline and pass
	mastodonStreamWait = 10 * time.Second
)

// Mastodon reads `kind: mastodon` sources, one instance each: the public
// timeline and hashtag timelines streamed (server-sent events), caught up
// through the REST timelines after a restart or a dropped stream, and the
// search API for back-fill (it needs a user token).
func Mastodon(ctx context.Context, env *service.Env) error {
	return runKind(ctx, env, mention.KindMastodon, func(ctx context.Context, n *network) error {
		m := &mastodon{network: n, base: strings.TrimRight(n.src.URL, "/")}
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		errs := make(chan error, 2)
		go func() { errs <- m.streams(ctx) }()
		go func() { errs <- m.searchLoop(ctx) }()
		err := <-errs
		cancel()
		<-errs
		return err
	})
}

type mastodon struct {
	*network
	base string
}

// status is a Mastodon Status entity (the fields used).
type status struct {
	ID            string     `json:"id"`
	URI           string     `json:"uri"`
	URL           string     `json:"url"`
	CreatedAt     string     `json:"created_at"`
	EditedAt      string     `json:"edited_at"`
	Content       string     `json:"content"`
	SpoilerText   string     `json:"spoiler_text"`
	Language      string     `json:"language"`
	InReplyToID   string     `json:"in_reply_to_id"`
	RepliesCount  int        `json:"replies_count"`
	ReblogsCount  int        `json:"reblogs_count"`
	FavsCount     int        `json:"favourites_count"`
	QuotesCount   int        `json:"quotes_count"`
	Reblog        *status    `json:"reblog"`
	Account       account    `json:"account"`
	Visibility    string     `json:"visibility"`
	Mentions      []struct{} `json:"mentions"`
	InReplyToAcct string     `json:"-"`
}

// account is a Mastodon Account entity (the fields used).
type account struct {
	ID             string `json:"id"`
	Username       string `json:"username"`
	Acct           string `json:"acct"`
	DisplayName    string `json:"display_name"`
	URL            string `json:"url"`
	FollowersCount int    `json:"followers_count"`
	FollowingCount int    `json:"following_count"`
	StatusesCount  int    `json:"statuses_count"`
	CreatedAt      string `json:"created_at"`
	Bot            bool   `json:"bot"`
}

// timeline is one streamed timeline and its REST twin.
type timeline struct {
	name   string // cursor name: public, tag:<name>
	stream string // streaming path and query
	rest   string // REST timeline path
}

func (m *mastodon) timelines() []timeline {
	out := []timeline{{name: "public", stream: "/api/v1/streaming/public", rest: "/api/v1/timelines/public"}}
	for _, tag := range m.src.Hashtags {
		tag = strings.TrimPrefix(strings.TrimSpace(tag), "#")
		if tag == "" {
			continue
		}
		out = append(out, timeline{name: "tag:" + strings.ToLower(tag),
			stream: "/api/v1/streaming/hashtag?tag=" + url.QueryEscape(tag), rest: "/api/v1/timelines/tag/" + url.PathEscape(tag)})
	}
	return out
}

// sse is one server-sent event of a stream.
type sse struct {
	tl    int
	event string
	data  string
}

// streams connects every timeline's stream first, then catches each up
// from its cursor through the REST timeline, then handles the streamed
// events (skipping what the catch-up already did): nothing posted between
// the two is lost.
func (m *mastodon) streams(ctx context.Context) error {
	tls := m.timelines()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	events := make(chan sse, 1024)
	failed := make(chan error, len(tls))
	for i, tl := range tls {
		ready := make(chan struct{})
		go func() { failed <- m.readStream(ctx, i, tl, events, ready) }()
		select {
		case <-ready:
		case err := <-failed:
			return err
		case <-ctx.Done():
			return nil
		}
	}
	m.c.Report(ctx, m.src, 0, 0, len(tls), nil)
	cursors := make([]string, len(tls))
	for i, tl := range tls {
		cursors[i] = m.loadCursor(ctx, tl.name)
		if cursors[i] == "" {
			continue // first run: live from now on
		}
		c, err := m.catchUp(ctx, tl, cursors[i])
		if err != nil {
			return err
		}
		cursors[i] = c
	}
	saved := m.now()
	dirty := make([]bool, len(tls))
	save := func(ctx context.Context) error {
		for i, tl := range tls {
			if dirty[i] {
				if err := m.saveCursor(ctx, tl.name, cursors[i]); err != nil {
					return err
				}
				dirty[i] = false
			}
		}
		saved = m.now()
		return nil
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		_ = save(sctx)
		cancel()
	}()
	tick := time.NewTicker(cursorEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-failed:
			if ctx.Err() != nil {
				return nil
			}
			return err
		case <-tick.C:
			if m.now().Sub(saved) >= cursorEvery {
				if err := save(ctx); err != nil {
					return err
				}
			}
		case ev := <-events:
			n, id, err := m.event(ctx, ev, cursors[ev.tl])
			if err != nil {
				return err
			}
			if id != "" && idAfter(id, cursors[ev.tl]) {
				cursors[ev.tl], dirty[ev.tl] = id, true
			}
			if n > 0 {
				if err := save(ctx); err != nil {
					return err
				}
				m.c.Report(ctx, m.src, 1, n, 0, nil)
			}
		}
	}
}

// readStream reads one timeline's server-sent events until ctx ends or the
// stream breaks; ready is closed once the server accepted the stream.
func (m *mastodon) readStream(ctx context.Context, i int, tl timeline, out chan<- sse, ready chan struct{}) error {
	if !m.limits.wait(ctx, m.now()) {
		return nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.base+tl.stream, nil)
	if err != nil {
		return fmt.Errorf("%w: %s: stream %s: %w", ErrAPI, m.src.Name, tl.name, errors.Unwrap(err))
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("User-Agent", m.c.Env.Config.Crawler.UserAgent)
	if m.token != "" {
		req.Header.Set("Authorization", "Bearer "+m.token)
	}
	client := &http.Client{Transport: m.client.Transport} // no timeout: a stream lasts
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("%w: %s: stream %s: %w", ErrAPI, m.src.Name, tl.name, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		return fmt.Errorf("%w: %s: stream %s: HTTP 401: %s", ErrToken, m.src.Name, tl.name, m.tokenHint())
	case resp.StatusCode == http.StatusTooManyRequests:
		m.limits.block(m.now().Add(min(retryAfter(resp.Header, m.now()), maxRateWait)))
		return fmt.Errorf("%w: %s: stream %s: HTTP 429", ErrRateLimited, m.src.Name, tl.name)
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("%w: %s: stream %s: HTTP %d", ErrAPI, m.src.Name, tl.name, resp.StatusCode)
	}
	close(ready)
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), maxMessage)
	var ev sse
	var data strings.Builder
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if ev.event != "" || data.Len() > 0 {
				ev.tl, ev.data = i, data.String()
				select {
				case out <- ev:
				case <-ctx.Done():
					return nil
				}
			}
			ev, data = sse{}, strings.Builder{}
		case strings.HasPrefix(line, ":"): // heartbeat (":thump")
		case strings.HasPrefix(line, "event:"):
			ev.event = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
		case strings.HasPrefix(line, "data:"):
			if data.Len() > 0 {
				data.WriteByte('\n')
			}
			data.WriteString(strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " "))
		}
	}
	if ctx.Err() != nil {
		return nil
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%w: %s: stream %s: %w", ErrAPI, m.src.Name, tl.name, err)
	}
	return fmt.Errorf("%w: %s: stream %s ended", ErrAPI, m.src.Name, tl.name)
}

// event handles one streamed event; it returns the mentions published and
// the status id a new status moves the cursor to.
func (m *mastodon) event(ctx context.Context, ev sse, cursor string) (int, string, error) {
	switch ev.event {
	case "delete":
		n, err := m.deleted(ctx, m.base+"#"+strings.TrimSpace(ev.data))
		return n, "", err
	case "update", "status.update":
		var st status
		if err := json.Unmarshal([]byte(ev.data), &st); err != nil {
			m.log.Warn("stream event skipped: bad status", "err", err)
			return 0, "", nil
		}
		if ev.event == "update" && !idAfter(st.ID, cursor) {
			return 0, "", nil // the catch-up handled it
		}
		n, err := m.status(ctx, &st)
		id := ""
		if ev.event == "update" {
			id = st.ID
		}
		return n, id, err
	}
	return 0, "", nil
}

// status publishes one status (a boost is the original's engagement, not a
// post of the booster: skipped).
func (m *mastodon) status(ctx context.Context, st *status) (int, error) {
	if st.Reblog != nil || st.ID == "" {
		return 0, nil
	}
	p := Post{
		// Keyed on this instance's id: deletions name it.
		Key: m.base + "#" + st.ID, URL: firstNonEmpty(st.URL, st.URI), Text: htmlText(st.Content), Lang: st.Language,
		Likes: st.FavsCount, Replies: st.RepliesCount, Reposts: st.ReblogsCount, Quotes: st.QuotesCount,
		Author: m.author(st.Account),
	}
	if st.SpoilerText != "" {
		p.Title = st.SpoilerText // the content warning is the post's headline
	}
	if t, err := time.Parse(time.RFC3339Nano, st.CreatedAt); err == nil {
		p.Published = t.UTC()
	}
	if st.InReplyToID != "" {
		p.ParentURL = m.base + "/web/statuses/" + url.PathEscape(st.InReplyToID)
	}
	if !strings.HasPrefix(p.URL, "http") {
		p.URL = m.base + "/web/statuses/" + url.PathEscape(st.ID)
	}
	return m.publish(ctx, p)
}

func (m *mastodon) author(a account) mention.Author {
	host := ""
	if u, err := url.Parse(m.base); err == nil {
		host = u.Host
	}
	acct := a.Acct
	if acct != "" && !strings.Contains(acct, "@") && host != "" {
		acct += "@" + host // a local account: its full address
	}
	out := mention.Author{
		Name: firstNonEmpty(strings.TrimSpace(a.DisplayName), a.Username), URL: a.URL,
		Followers: max(a.FollowersCount, 0), Following: max(a.FollowingCount, 0), PostCount: max(a.StatusesCount, 0),
	}
	if acct != "" {
		out.Handle = "@" + acct
	}
	if t, err := time.Parse(time.RFC3339Nano, a.CreatedAt); err == nil {
		out.JoinedAt = t.UTC().Format(time.RFC3339)
	}
	return out
}

// catchUp reads a REST timeline from after cursor to now, oldest first,
// and returns the new cursor.
func (m *mastodon) catchUp(ctx context.Context, tl timeline, cursor string) (string, error) {
	for page := 0; page < mastodonPages; page++ {
		q := url.Values{"limit": {fmt.Sprint(mastodonPage)}, "min_id": {cursor}}
		var sts []status
		if _, err := m.call(ctx, request{url: m.base + tl.rest + "?" + q.Encode()}, &sts); err != nil {
			return cursor, err
		}
		if len(sts) == 0 {
			break
		}
		// min_id pages are the statuses just after min_id, newest first.
		for i := len(sts) - 1; i >= 0; i-- {
			if !idAfter(sts[i].ID, cursor) {
				continue
			}
			if _, err := m.status(ctx, &sts[i]); err != nil {
				return cursor, err
			}
			cursor = sts[i].ID
		}
		if err := m.saveCursor(ctx, tl.name, cursor); err != nil {
			return cursor, err
		}
	}
	return cursor, nil
}

func (m *mastodon) searchLoop(ctx context.Context) error {
	if m.token == "" {
		m.log.Info("no token: search back-fill off (Mastodon's status search needs a user token)")
		<-ctx.Done()
		return nil
	}
	interval := m.src.Interval
	if interval <= 0 {
		interval = m.c.Env.Config.Crawler.Interval
	}
	for {
		if err := m.search(ctx); err != nil && ctx.Err() == nil {
			return err
		}
		if retry.Sleep(ctx, interval) != nil {
			return nil
		}
	}
}

// search runs /api/v2/search (type=statuses) for each term, newer than the
// newest status the previous pass saw.
func (m *mastodon) search(ctx context.Context) error {
	for _, term := range m.searchTerms() {
		name := "search:" + term
		cursor := m.loadCursor(ctx, name)
		newest := cursor
		total := 0
		for page := 0; page < mastodonPages; page++ {
			q := url.Values{"q": {term}, "type": {"statuses"}, "limit": {fmt.Sprint(mastodonPage)}, "offset": {fmt.Sprint(page * mastodonPage)}}
			if cursor != "" {
				q.Set("min_id", cursor)
			}
			var res struct {
				Statuses []status `json:"statuses"`
			}
			if _, err := m.call(ctx, request{url: m.base + "/api/v2/search?" + q.Encode()}, &res); err != nil {
				return err
			}
			for i := range res.Statuses {
				st := &res.Statuses[i]
				if cursor != "" && !idAfter(st.ID, cursor) {
					continue
				}
				n, err := m.status(ctx, st)
				if err != nil {
					return err
				}
				total += n
				if idAfter(st.ID, newest) {
					newest = st.ID
				}
			}
			if len(res.Statuses) < mastodonPage {
				break
			}
		}
		if newest != cursor {
			if err := m.saveCursor(ctx, name, newest); err != nil {
				return err
			}
		}
		m.c.Report(ctx, m.src, 0, total, 1, nil)
	}
	return nil
}

// idAfter compares Mastodon ids (decimal strings of 64-bit snowflakes):
// a longer id is a later one.
func idAfter(a, b string) bool {
	if len(a) != len(b) {
		return len(a) > len(b)
	}
	return a > b
}

var (
	htmlBreak = regexp.MustCompile(`(?i)<br\s*/?>|</p>\s*<p[^>]*>`)
	htmlTag   = regexp.MustCompile(`<[^>]*>`)
)

// htmlText turns a status's HTML content into plain text.
func htmlText(s string) string {
	s = htmlBreak.ReplaceAllString(s, "\n")
	s = html.UnescapeString(htmlTag.ReplaceAllString(s, ""))
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.Join(strings.Fields(l), " "); l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}
