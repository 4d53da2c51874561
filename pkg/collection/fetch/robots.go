package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/temoto/robotstxt"
)

const (
	// robotsMaxBytes: RFC 9309 §2.5 asks crawlers to parse at least 500 KiB;
	// anything past the limit is ignored, not an error.
	robotsMaxBytes = 512 << 10
	// robotsMaxRedirects: RFC 9309 §2.3.1.2 asks for at least five.
	robotsMaxRedirects = 5
	// robotsMaxStale bounds how long a good copy stands in for an
	// unreachable robots.txt (RFC 9309 §2.4 allows using a cached copy).
	robotsMaxStale   = 24 * time.Hour
	robotsSweepAbove = 4096
)

var errRobotsRedirects = errors.New("robots.txt redirect limit")

type robotsEntry struct {
	ready   chan struct{} // closed once the fields below are set
	aborted bool          // the loader's context ended: waiters load again
	data    *robotstxt.RobotsData
	err     error
	fetched time.Time
	expires time.Time
}

type robotsCache struct {
	mu sync.Mutex
	m  map[string]*robotsEntry // key: scheme://host[:port], lower case
}

// robotsAllowed returns nil when u may be fetched, ErrDisallowed (wrapped)
// when robots.txt forbids it, or the error that kept robots.txt from loading.
func (f *Fetcher) robotsAllowed(ctx context.Context, u *url.URL, allowPrivate bool) error {
	if f.opts.IgnoreRobots || u.EscapedPath() == "/robots.txt" {
		return nil
	}
	data, err := f.robotsFor(ctx, u, allowPrivate)
	if err != nil {
		return err
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	if u.RawQuery != "" {
		path += "?" + u.RawQuery
	}
	if !data.TestAgent(path, f.agent) {
		return fmt.Errorf("%w (agent %q)", ErrDisallowed, f.agent)
	}
	return nil
}

// robotsFor returns the rules for u's origin, loading them when missing or
// expired. Concurrent callers for one origin share a single load.
func (f *Fetcher) robotsFor(ctx context.Context, u *url.URL, allowPrivate bool) (*robotstxt.RobotsData, error) {
	key := strings.ToLower(u.Scheme + "://" + u.Host)
	c := &f.robots
	for {
		c.mu.Lock()
		prev := c.m[key]
		if prev != nil {
			select {
			case <-prev.ready:
				if time.Now().Before(prev.expires) {
					c.mu.Unlock()
					return prev.data, prev.err
				}
			default:
				c.mu.Unlock()
				select {
				case <-prev.ready:
				case <-ctx.Done():
					return nil, ctx.Err()
				}
				continue
			}
		}
		if len(c.m) >= robotsSweepAbove {
			now := time.Now()
			for k, e := range c.m {
				select {
				case <-e.ready:
					if now.After(e.expires.Add(robotsMaxStale)) {
						delete(c.m, k)
					}
				default:
				}
			}
		}
		e := &robotsEntry{ready: make(chan struct{})}
		c.m[key] = e
		c.mu.Unlock()

		f.loadRobots(ctx, u, allowPrivate, e, prev)

		c.mu.Lock()
		if e.aborted && c.m[key] == e {
			if prev != nil {
				c.m[key] = prev
			} else {
				delete(c.m, key)
			}
		}
		c.mu.Unlock()
		close(e.ready)
		if e.aborted {
			return nil, ctx.Err()
		}
		return e.data, e.err
	}
}

func (f *Fetcher) loadRobots(ctx context.Context, u *url.URL, allowPrivate bool, e, prev *robotsEntry) {
	ru := &url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/robots.txt"}
	data, err := f.getRobots(ctx, ru, allowPrivate)
	now := time.Now()
	switch {
	case err == nil:
		e.data, e.fetched, e.expires = data, now, now.Add(f.opts.RobotsTTL)
		f.applyCrawlDelay(u.Hostname(), data)
	case ctx.Err() != nil:
		e.aborted = true
	case errors.Is(err, ErrPrivateAddress) || errors.Is(err, ErrScheme):
		// Not a robots problem: the page fetch would fail the same way.
		// Not cached, so a later request with AllowPrivate is not shadowed.
		e.err, e.expires = err, now
	case prev != nil && prev.data != nil && now.Sub(prev.fetched) < robotsMaxStale:
		f.log.Warn("robots.txt unreachable, keeping cached copy", "url", ru.String(), "err", err)
		e.data, e.fetched, e.expires = prev.data, prev.fetched, now.Add(f.opts.RobotsRetry)
	default:
		retry := now.Add(f.opts.RobotsRetry)
		f.log.Warn("robots.txt unreachable, host disallowed", "url", ru.String(), "err", err, "retry_at", retry)
		e.err = &RobotsUnavailableError{RobotsURL: ru.String(), RetryAt: retry, Cause: err}
		e.expires = retry
	}
}

func (f *Fetcher) applyCrawlDelay(host string, data *robotstxt.RobotsData) {
	d := data.FindGroup(f.agent).CrawlDelay
	if d > f.opts.MaxCrawlDelay {
		f.log.Info("capping robots.txt Crawl-delay", "host", host, "crawl_delay", d, "cap", f.opts.MaxCrawlDelay)
		d = f.opts.MaxCrawlDelay
	}
	f.hosts.setCrawlDelay(host, d)
}

// getRobots fetches and parses one robots.txt. 2xx: parsed rules; 4xx (but
// 429): allow all; 429, 5xx, network errors and timeouts: an error, which the
// caller turns into a temporary full disallow.
func (f *Fetcher) getRobots(ctx context.Context, ru *url.URL, allowPrivate bool) (*robotstxt.RobotsData, error) {
	client := &http.Client{
		Transport: f.transport(allowPrivate),
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > robotsMaxRedirects {
				return errRobotsRedirects
			}
			if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
				return fmt.Errorf("%w: redirect to %q", ErrScheme, req.URL.Scheme)
			}
			return nil
		},
	}
	release, err := f.hosts.acquire(ctx, ru.Hostname())
	if err != nil {
		return nil, err
	}
	defer release()
	actx, cancel := context.WithTimeout(ctx, f.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodGet, ru.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadURL, err)
	}
	req.Header.Set("User-Agent", f.opts.UserAgent)
	req.Header.Set("Accept", "text/plain,*/*;q=0.1")
	req.Header.Set("Accept-Encoding", acceptEncoding)

	start := time.Now()
	ev := Event{URL: ru.String(), Host: ru.Hostname(), Robots: true}
	data, n, status, err := f.doRobots(ctx, actx, client, req)
	ev.Status, ev.Bytes, ev.Duration, ev.Err = status, n, time.Since(start), err
	f.observe(ev)
	return data, err
}

func (f *Fetcher) doRobots(ctx, actx context.Context, client *http.Client, req *http.Request) (*robotstxt.RobotsData, int64, int, error) {
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(err, errRobotsRedirects) {
			// RFC 9309 §2.3.1.2: past the redirect limit the file MAY be
			// assumed unavailable, that is allow all.
			return allowAll(), 0, 0, nil
		}
		return nil, 0, 0, attemptError(ctx, actx, err)
	}
	defer resp.Body.Close()
	status := resp.StatusCode
	switch {
	case status == http.StatusTooManyRequests || status >= 500:
		return nil, 0, status, &StatusError{URL: req.URL.String(), Code: status}
	case status < 200 || status >= 300:
		return allowAll(), 0, status, nil
	}
	dec, err := decodeContent(resp.Body, resp.Header.Get("Content-Encoding"))
	if err != nil {
		return nil, 0, status, err
	}
	body, err := io.ReadAll(io.LimitReader(dec, robotsMaxBytes))
	if err != nil {
		return nil, int64(len(body)), status, attemptError(ctx, actx, err)
	}
	return parseRobots(body, f.log), int64(len(body)), status, nil
}

func allowAll() *robotstxt.RobotsData {
	data, _ := robotstxt.FromStatusAndBytes(http.StatusNotFound, nil)
	return data
}

// parseRobots parses leniently. robotstxt rejects a whole file for one bad
// line (a non-numeric Crawl-delay, a rule before any User-agent); RFC 9309
// asks to ignore such lines, so they are dropped and the rest parsed again.
func parseRobots(body []byte, log *slog.Logger) *robotstxt.RobotsData {
	data, err := robotstxt.FromBytes(body)
	if err == nil {
		return data
	}
	data, err2 := robotstxt.FromBytes(sanitizeRobots(body))
	if err2 == nil {
		return data
	}
	log.Warn("robots.txt unparseable, treating as allow-all", "err", err2)
	return allowAll()
}

func sanitizeRobots(body []byte) []byte {
	var out strings.Builder
	sawAgent := false
	for line := range strings.Lines(string(body)) {
		content, _, _ := strings.Cut(line, "#")
		k, v, ok := strings.Cut(content, ":")
		if !ok {
			out.WriteString(line)
			continue
		}
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "user-agent", "useragent":
			sawAgent = true
		case "allow", "disallow":
			if !sawAgent {
				continue
			}
		case "crawl-delay", "crawldelay":
			d, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if !sawAgent || err != nil || d < 0 || math.IsInf(d, 0) || math.IsNaN(d) {
				continue
			}
		}
		out.WriteString(line)
	}
	return []byte(out.String())
}
