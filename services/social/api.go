package social

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/veille-oss/veille/pkg/platform/retry"
)

// Waits this collector accepts from a network before it gives up a call.
const (
	maxRateWait   = 15 * time.Minute
	maxRateTries  = 5
	maxErrorTries = 3
)

// limits remembers a network's rate-limit window from its response headers,
// so that the next call waits for the reset instead of being refused.
type limits struct {
	mu    sync.Mutex
	until time.Time
}

func (l *limits) wait(ctx context.Context, now time.Time) bool {
	l.mu.Lock()
	d := l.until.Sub(now)
	l.mu.Unlock()
	return retry.Sleep(ctx, max(d, 0)) == nil
}

func (l *limits) block(until time.Time) {
	l.mu.Lock()
	if until.After(l.until) {
		l.until = until
	}
	l.mu.Unlock()
}

// rateHeaders are the remaining/reset header pairs of the networks:
// Bluesky (IETF draft RateLimit-*), Mastodon and Reddit (x-ratelimit-*),
// X (x-rate-limit-*).
var rateHeaders = [...][2]string{{"Ratelimit-Remaining", "Ratelimit-Reset"}, {"X-Ratelimit-Remaining", "X-Ratelimit-Reset"}, {"X-Rate-Limit-Remaining", "X-Rate-Limit-Reset"}}

// resetTime reads a reset header as the networks write it: Unix seconds
// (Bluesky, X), seconds from now (Reddit, IETF draft), or an ISO 8601
// time (Mastodon).
func resetTime(v string, now time.Time) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, false
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 0 {
		if f > 1e9 {
			return time.Unix(int64(f), 0), true
		}
		return now.Add(time.Duration(f * float64(time.Second))), true
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// retryAfter is how long a 429 (or a quota 403) asks to wait: Retry-After
// in seconds or as an HTTP date, else the reset of the rate-limit window,
// else a minute.
func retryAfter(h http.Header, now time.Time) time.Duration {
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if s, err := strconv.Atoi(v); err == nil && s >= 0 {
			return time.Duration(s) * time.Second
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(t.Sub(now), 0)
		}
	}
	for _, p := range rateHeaders {
		if t, ok := resetTime(h.Get(p[1]), now); ok {
			return max(t.Sub(now), time.Second)
		}
	}
	return time.Minute
}

// observe notes an exhausted window: the next call waits for its reset.
func (l *limits) observe(h http.Header, now time.Time) {
	for _, p := range rateHeaders {
		rem := strings.TrimSpace(h.Get(p[0]))
		if rem == "" {
			continue
		}
		if f, err := strconv.ParseFloat(rem, 64); err == nil && f < 1 {
			if t, ok := resetTime(h.Get(p[1]), now); ok {
				if lim := now.Add(maxRateWait); t.After(lim) {
					t = lim
				}
				l.block(t)
			}
		}
	}
}

// apiError is the body of an API error, in the shapes the networks use:
// XRPC {"error","message"}, Mastodon {"error","error_description"},
// Reddit {"message","error"}, Google {"error":{"message","errors":[{"reason"}]}},
// X {"title","detail"}, Graph {"error":{"message","code"}}.
func apiError(body []byte) string {
	var e struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
		Desc    string          `json:"error_description"`
		Title   string          `json:"title"`
		Detail  string          `json:"detail"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	var parts []string
	var s string
	if json.Unmarshal(e.Error, &s) == nil && s != "" {
		parts = append(parts, s)
	} else {
		var inner struct {
			Message string `json:"message"`
			Errors  []struct {
				Reason string `json:"reason"`
			} `json:"errors"`
		}
		if json.Unmarshal(e.Error, &inner) == nil {
			if len(inner.Errors) > 0 && inner.Errors[0].Reason != "" {
				parts = append(parts, inner.Errors[0].Reason)
			}
			if inner.Message != "" {
				parts = append(parts, inner.Message)
			}
		}
	}
	for _, p := range []string{e.Message, e.Desc, e.Title, e.Detail} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	msg := strings.Join(parts, ": ")
	if len(msg) > 300 {
		msg = msg[:300]
	}
	return msg
}

// redact is u without its query string, userinfo or fragment: API keys
// travel in queries (YouTube's key=) and must not reach a log or an error.
func redact(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(unparsable URL)"
	}
	p.User, p.RawQuery, p.Fragment = nil, "", ""
	return p.String()
}

// request is one API call.
type request struct {
	method string
	url    string
	header http.Header
	body   func() io.Reader
	// quota403 says a 403 with this reason in its body is a spent daily
	// quota (YouTube's quotaExceeded, ErrQuota), not a refusal.
	quota403 string
	// noBearer: the credential travels elsewhere (YouTube's key= query).
	noBearer bool
}

// call performs r with the source's token, waiting out rate limits, and
// decodes a 2xx JSON answer into v (when v is not nil). It returns the
// response headers (pagination links).
func (n *network) call(ctx context.Context, r request, v any) (http.Header, error) {
	rateTries, errTries := 0, 0
	errWait := retry.New(2*time.Second, time.Minute)
	for {
		if !n.limits.wait(ctx, n.now()) {
			return nil, ctx.Err()
		}
		var body io.Reader
		if r.body != nil {
			body = r.body()
		}
		req, err := http.NewRequestWithContext(ctx, firstNonEmpty(r.method, http.MethodGet), r.url, body)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: request %s: %w", ErrAPI, n.src.Name, redact(r.url), errors.Unwrap(err))
		}
		for k, vs := range r.header {
			req.Header[k] = vs
		}
		req.Header.Set("Accept", "application/json")
		req.Header.Set("User-Agent", n.c.Env.Config.Crawler.UserAgent)
		if n.token != "" && !r.noBearer && req.Header.Get("Authorization") == "" {
			req.Header.Set("Authorization", "Bearer "+n.token)
		}
		resp, err := n.client.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			// *url.Error prints the URL, query and key included: keep its cause.
			var ue *url.Error
			if errors.As(err, &ue) {
				err = ue.Err
			}
			errTries++
			if errTries >= maxErrorTries {
				return nil, fmt.Errorf("%w: %s: %s: %w", ErrAPI, n.src.Name, redact(r.url), err)
			}
			_ = errWait.Wait(ctx)
			continue
		}
		data, rerr := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
		resp.Body.Close()
		now := n.now()
		n.limits.observe(resp.Header, now)
		status := resp.StatusCode
		switch {
		case rerr != nil:
			return nil, fmt.Errorf("%w: %s: %s: reading the answer: %w", ErrAPI, n.src.Name, redact(r.url), rerr)
		case len(data) > maxBody:
			return nil, fmt.Errorf("%w: %s: %s: answer larger than %d bytes", ErrAPI, n.src.Name, redact(r.url), maxBody)
		case status == http.StatusForbidden && r.quota403 != "" && strings.Contains(string(data), r.quota403):
			// a daily quota: waiting minutes would not help, the caller
			// waits for its reset
			return nil, fmt.Errorf("%w: %s: %s: HTTP 403 (%s)", ErrQuota, n.src.Name, redact(r.url), apiError(data))
		case status == http.StatusTooManyRequests || graphLimited(status, resp.Header, data):
			rateTries++
			wait := min(retryAfter(resp.Header, now), maxRateWait)
			if ok, w := graphThrottled(resp.Header, data); ok {
				wait = min(w, maxRateWait)
			}
			if rateTries > maxRateTries {
				return nil, fmt.Errorf("%w: %s: %s: HTTP %d after %d waits", ErrRateLimited, n.src.Name, redact(r.url), status, maxRateTries)
			}
			n.log.Warn("rate limited; waiting as the network asks", "status", status, "wait", wait, "endpoint", redact(r.url))
			n.limits.block(now.Add(wait))
			continue
		case status == http.StatusUnauthorized || (status == http.StatusBadRequest && tokenRefused(apiError(data))):
			return nil, fmt.Errorf("%w: %s: %s: HTTP %d (%s): %s", ErrToken, n.src.Name, redact(r.url), status, apiError(data), n.tokenHint())
		case status == http.StatusForbidden:
			return nil, fmt.Errorf("%w: %s: %s: HTTP 403 (%s)", ErrForbidden, n.src.Name, redact(r.url), apiError(data))
		case status >= 500:
			errTries++
			if errTries >= maxErrorTries {
				return nil, fmt.Errorf("%w: %s: %s: HTTP %d (%s)", ErrAPI, n.src.Name, redact(r.url), status, apiError(data))
			}
			_ = errWait.Wait(ctx)
			continue
		case status < 200 || status > 299:
			return nil, fmt.Errorf("%w: %s: %s: HTTP %d (%s)", ErrAPI, n.src.Name, redact(r.url), status, apiError(data))
		}
		if v != nil {
			if err := json.Unmarshal(data, v); err != nil {
				return nil, fmt.Errorf("%w: %s: %s: not the expected JSON: %w", ErrAPI, n.src.Name, redact(r.url), err)
			}
		}
		return resp.Header, nil
	}
}

// tokenRefused recognises the credential errors networks send with a 400:
// XRPC ExpiredToken, Google's "API key not valid", Graph's code 190
// "Error validating access token".
func tokenRefused(msg string) bool {
	return strings.HasPrefix(msg, "ExpiredToken") || strings.Contains(msg, "API key not valid") || strings.Contains(msg, "Error validating access token")
}

// graphLimited: a Graph API throttling answer (HTTP 400 or 403, codes 4,
// 17, 32, 613).
func graphLimited(status int, h http.Header, body []byte) bool {
	if status != http.StatusBadRequest && status != http.StatusForbidden {
		return false
	}
	ok, _ := graphThrottled(h, body)
	return ok
}

// tokenHint says which credential to renew, by variable name only.
func (n *network) tokenHint() string {
	switch {
	case n.src.TokenEnv != "":
		return "the token in $" + n.src.TokenEnv + " expired, was revoked or is missing"
	case n.src.SecretEnv != "":
		return "the credentials (client_id, $" + n.src.SecretEnv + ") were refused"
	}
	return "this endpoint needs a token: set token_env"
}
