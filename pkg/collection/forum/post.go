// Package forum scrapes forum threads and comment lists into one record per
// post, with its author. Profiles parse the common engines (phpBB, vBulletin,
// XenForo, Discourse, Invision, WordPress comments) and a generic profile is
// defined by CSS selectors in config; Detect picks a profile from the page.
// The Crawler walks threads incrementally: a high-water mark per thread, and
// content hashes to re-emit edited posts under the same anchor.
package forum

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"time"
)

// Post is one forum post or comment.
type Post struct {
	ThreadTitle string `json:"thread_title"`
	ThreadURL   string `json:"thread_url"`
	// Anchor is the post's id anchor on the page (e.g. "p12345"); with
	// ThreadURL it identifies the post across passes and edits.
	Anchor    string    `json:"anchor"`
	Permalink string    `json:"permalink"`
	Author    Author    `json:"author"`
	Published time.Time `json:"published,omitzero"`
	// Text is the post without quoted replies and signatures.
	Text string `json:"text"`
	// QuotedRef names the quoted post: its anchor when the page links it,
	// else its author.
	QuotedRef string `json:"quoted_ref,omitempty"`
	// Position is the 1-based reply position in the thread (1 = opening post).
	Position int `json:"position"`
	Likes    int `json:"likes,omitempty"`
	// ContentHash is a hash of the normalised text, to detect edits.
	ContentHash string `json:"content_hash"`
	Deleted     bool   `json:"deleted,omitempty"`
	// URL opens the post itself: the page it was read on with its anchor
	// (Discourse: the post's own URL). Set by the Crawler.
	URL string `json:"url,omitempty"`
	// DateMissing is set when the page shows no date the parser could read
	// for this post: Published is then zero, never a made-up time.
	DateMissing bool `json:"date_missing,omitempty"`
}

// Author is who wrote a post, with the stats the page shows.
type Author struct {
	Name       string `json:"name"`
	URL        string `json:"url,omitempty"`
	PostCount  int    `json:"post_count,omitempty"`
	Reputation int    `json:"reputation,omitempty"`
	// JoinedAt is the join date as the page shows it: forums print it in
	// too many partial forms ("janv. 2019", "Mar 2012") to parse reliably.
	JoinedAt string `json:"joined_at,omitempty"`
}

// ThreadLink is a thread listed on a board or index page.
type ThreadLink struct {
	URL   string `json:"url"`
	Title string `json:"title,omitempty"`
	// Replies is the reply count the list shows, -1 when it shows none.
	Replies int `json:"replies"`
	// LastPost is the time of the last post when the list shows it.
	LastPost time.Time `json:"last_post,omitzero"`
}

// Page is what a profile reads from one page.
type Page struct {
	Engine      string `json:"engine"`
	ThreadTitle string `json:"thread_title,omitempty"`
	// ThreadURL is the canonical URL of the thread (no page or session
	// parameters), the key of the thread's crawl state.
	ThreadURL string `json:"thread_url,omitempty"`
	Posts     []Post `json:"posts,omitempty"`
	// NextURL is the next page of the thread or list, "" on the last page.
	NextURL string `json:"next_url,omitempty"`
	// MoreURLs are further pages after NextURL when the engine lists them all
	// at once (Discourse's post stream).
	MoreURLs []string `json:"more_urls,omitempty"`
	// ResumeURL is where a later pass should start to see what follows this
	// page; "" means the page's own URL.
	ResumeURL string `json:"resume_url,omitempty"`
	// AliasURL is the page's own URL in the engine's paging scheme when it
	// was fetched under another (WordPress's article URL showing its newest
	// comment page): the crawler does not fetch it again.
	AliasURL string       `json:"alias_url,omitempty"`
	Threads  []ThreadLink `json:"threads,omitempty"`
	Boards   []string     `json:"boards,omitempty"`
	// LoginWall is non-empty when the page asks to log in instead of
	// showing the thread; it says what gave it away.
	LoginWall string `json:"login_wall,omitempty"`
	// Zone is the time zone that read the dates printed without one, and
	// where it came from: "Europe/Paris (page)", "UTC+1 (page)",
	// "Europe/Berlin (source)", "Europe/Paris (language)", "UTC (default)".
	Zone string `json:"zone,omitempty"`
	// Containers is how many post containers the page's markup holds,
	// counted apart from the parser (0: not counted); the crawler warns
	// when it differs from len(Posts).
	Containers int `json:"containers,omitempty"`
}

// Errors the package returns, wrapped with context.
var (
	// errNotForum means no profile recognised the page.
	errNotForum = errors.New("page is not a recognised forum page")
	// errBadProfile means a profile name or generic profile config is invalid.
	errBadProfile = errors.New("bad forum profile")
	// ErrBadPage means a page could not be parsed at all (e.g. malformed JSON).
	ErrBadPage = errors.New("unparseable forum page")
	// ErrTooLarge means a page is larger than MaxPageBytes.
	ErrTooLarge = errors.New("forum page too large")
	// errLoginWall means a thread asks to log in (or answered 403).
	errLoginWall = errors.New("thread is behind a login wall")
)

// MaxPageBytes bounds the pages profiles accept: a forum page bigger than
// this is an error page, a dump or an attack, not a thread page.
const MaxPageBytes = 16 << 20

// Bounds on what one page may yield.
const (
	maxPostsPerPage   = 1000
	maxLinksPerPage   = 2000
	maxTextBytes      = 64 << 10
	maxFieldBytes     = 1024
	hashNormalisation = "v1"
)

// ContentHash hashes the normalised text: whitespace runs collapsed and
// trimmed, so re-rendering does not look like an edit but any word change does.
func ContentHash(text string) string {
	h := sha256.New()
	h.Write([]byte(hashNormalisation))
	h.Write([]byte{0})
	h.Write([]byte(strings.Join(strings.Fields(text), " ")))
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// finish fills the derived fields of posts read from one page.
func (p *Page) finish() {
	if len(p.Posts) > maxPostsPerPage {
		p.Posts = p.Posts[:maxPostsPerPage]
	}
	if len(p.Threads) > maxLinksPerPage {
		p.Threads = p.Threads[:maxLinksPerPage]
	}
	if len(p.Boards) > maxLinksPerPage {
		p.Boards = p.Boards[:maxLinksPerPage]
	}
	p.ThreadTitle = bound(p.ThreadTitle, maxFieldBytes)
	for i := range p.Posts {
		q := &p.Posts[i]
		q.ThreadTitle = p.ThreadTitle
		if q.ThreadURL == "" {
			q.ThreadURL = p.ThreadURL
		}
		q.Text = bound(q.Text, maxTextBytes)
		q.Author.Name = bound(q.Author.Name, maxFieldBytes)
		q.Author.JoinedAt = bound(q.Author.JoinedAt, maxFieldBytes)
		q.QuotedRef = bound(q.QuotedRef, maxFieldBytes)
		if q.Permalink == "" && q.Anchor != "" && q.ThreadURL != "" {
			q.Permalink = q.ThreadURL + "#" + q.Anchor
		}
		if !q.Published.IsZero() {
			q.Published = q.Published.UTC()
		} else if !q.Deleted {
			q.DateMissing = true
		}
		q.ContentHash = ContentHash(q.Text)
	}
}

// bound cuts s to at most n bytes on a rune boundary.
func bound(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
