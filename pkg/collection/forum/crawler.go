package forum

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Getter fetches a page as UTF-8 text. finalURL is the URL after redirects.
// A non-2xx answer should be an error carrying the status: *StatusError, or
// any error with a StatusCode() int method.
type Getter interface {
	Get(ctx context.Context, url string) (text string, finalURL string, err error)
}

// State stores one ThreadState per thread key (see ThreadKey).
type State interface {
	Get(ctx context.Context, threadKey string) (ThreadState, bool, error)
	Put(ctx context.Context, threadKey string, st ThreadState) error
}

// ThreadState is what a later pass needs to emit only what is new or edited.
type ThreadState struct {
	ThreadURL string `json:"thread_url"`
	Title     string `json:"title,omitempty"`
	// LastPosition is the highest post position processed.
	LastPosition int `json:"last_position"`
	// LastID is the highest numeric post id (from the anchor) processed; it
	// survives deletions that shift positions, so it decides what is new
	// when posts carry numeric anchors.
	LastID int64 `json:"last_id,omitempty"`
	// LastPage is where the next pass resumes.
	LastPage string `json:"last_page"`
	// Hashes maps anchor -> content hash of every post seen (emitted or
	// skipped), bounded by Crawler.MaxHashes (oldest dropped first, in
	// Order). It decides what is new: a set, not a high-water mark, because
	// threaded comments show replies with lower ids after newer comments.
	Hashes map[string]string `json:"hashes"`
	Order  []string          `json:"order"`
	// EvictedID and EvictedPosition are the highest post id and position
	// dropped from Hashes: an unknown post at or below them is old, not new.
	EvictedID       int64     `json:"evicted_id,omitempty"`
	EvictedPosition int       `json:"evicted_position,omitempty"`
	UpdatedAt       time.Time `json:"updated_at"`
	// Version is the state format: 0 is the high-water-mark state (LastID
	// decided what is new), 2 the seen set; see migrateState.
	Version int `json:"v,omitempty"`
}

// stateVersion is the current ThreadState format.
const stateVersion = 2

// Source is one forum to watch: a thread, board or forum root URL, with an
// optional profile name or generic profile.
type Source struct {
	Name    string          `yaml:"name" json:"name"`
	URL     string          `yaml:"url" json:"url"`
	Profile string          `yaml:"profile,omitempty" json:"profile,omitempty"`
	Generic *GenericProfile `yaml:"generic,omitempty" json:"generic,omitempty"`
	// Per-pass bounds; zero means the defaults (20 pages per thread, 50
	// threads, 5000 posts).
	MaxPagesPerPass   int `yaml:"max_pages_per_pass,omitempty" json:"max_pages_per_pass,omitempty"`
	MaxThreadsPerPass int `yaml:"max_threads_per_pass,omitempty" json:"max_threads_per_pass,omitempty"`
	MaxPostsPerPass   int `yaml:"max_posts_per_pass,omitempty" json:"max_posts_per_pass,omitempty"`
}

// Defaults for Source bounds and crawler limits.
const (
	DefaultMaxPagesPerPass   = 20
	DefaultMaxThreadsPerPass = 50
	DefaultMaxPostsPerPass   = 5000
	DefaultMaxBoardsPerPass  = 10
	DefaultMaxHashes         = 2000
)

// Skip reasons counted in Stats.Skipped.
const (
	SkipDeleted       = "deleted"
	SkipEmpty         = "empty"
	SkipQuoteOnly     = "quote_only"
	SkipLoginWall     = "login_wall"
	SkipUnchanged     = "unchanged_thread"
	SkipPaginationErr = "pagination_loop"
	SkipLeftThread    = "left_thread"
)

// Stats counts what one Pass did.
type Stats struct {
	Pages   int `json:"pages"`
	Threads int `json:"threads"`
	// Posts is every post read; Emitted = New + Edited + Deleted.
	Posts   int `json:"posts"`
	Emitted int `json:"emitted"`
	New     int `json:"new"`
	Edited  int `json:"edited"`
	Deleted int `json:"deleted"`
	// Seen is posts already emitted and unchanged.
	Seen    int            `json:"seen"`
	Skipped map[string]int `json:"skipped"`
	// DatesMissing counts emitted posts whose date the page did not show
	// in a readable form (Post.DateMissing).
	DatesMissing int `json:"dates_missing"`
	// CountMismatches counts pages whose parsed posts differ in number
	// from the post containers of their markup (Page.Containers).
	CountMismatches int `json:"count_mismatches"`
	// Errors counts threads stopped by a fetch or parse error.
	Errors int `json:"errors"`
	// Bounded is true when a per-pass bound stopped work that a later pass continues.
	Bounded bool `json:"bounded"`
}

func (s *Stats) skip(reason string) {
	if s.Skipped == nil {
		s.Skipped = map[string]int{}
	}
	s.Skipped[reason]++
}

// StatusError is an HTTP answer other than 2xx.
type StatusError struct {
	URL  string
	Code int
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("GET %s: HTTP %d %s", e.URL, e.Code, http.StatusText(e.Code))
}

// StatusCode returns the HTTP status.
func (e *StatusError) StatusCode() int { return e.Code }

// Crawler runs incremental passes over forum sources.
type Crawler struct {
	get   Getter
	state State
	log   *slog.Logger
	// Options drive date parsing (time zone, language, now).
	Options Options
	// MaxHashes bounds ThreadState.Hashes; default DefaultMaxHashes.
	MaxHashes int
	// MaxBoardsPerPass bounds boards read from a forum root per pass.
	MaxBoardsPerPass int

	mu     sync.Mutex
	walled map[string]string // thread key -> reason, logged once per process
}

// NewCrawler returns a crawler over g and st; log may be nil.
func NewCrawler(g Getter, st State, log *slog.Logger) *Crawler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Crawler{get: g, state: st, log: log, walled: map[string]string{}}
}

// ThreadKey is the state key of a thread: a hash of its canonical URL, safe
// as a NATS KV key.
func ThreadKey(threadURL string) string {
	h := sha256.Sum256([]byte(threadURL))
	return "t_" + hex.EncodeToString(h[:16])
}

// fetchURLer maps a page URL to the URL that serves its content (Discourse's
// JSON API).
type fetchURLer interface{ FetchURL(string) string }

func fetchURL(p Profile, u string) string {
	if f, ok := p.(fetchURLer); ok {
		return f.FetchURL(u)
	}
	return u
}

// errStop ends a Pass early (post bound reached); not an error to report.
var errStop = errors.New("pass bound reached")

// pass is one Pass's working set.
type pass struct {
	c         *Crawler
	src       Source
	prof      Profile
	emit      func(Post) error
	stats     Stats
	postsLeft int
	undated   string // one post URL without a date, for the warning
}

// Pass crawls src once: a thread URL is read from where the last pass
// stopped; a board or forum root yields its most recently active threads.
// emit receives new posts, edited posts (same anchor, new ContentHash) and
// posts deleted since they were emitted (Deleted set). An emit error ends
// the pass without advancing past that post.
func (c *Crawler) Pass(ctx context.Context, src Source, emit func(Post) error) (Stats, error) {
	if src.MaxPagesPerPass <= 0 {
		src.MaxPagesPerPass = DefaultMaxPagesPerPass
	}
	if src.MaxThreadsPerPass <= 0 {
		src.MaxThreadsPerPass = DefaultMaxThreadsPerPass
	}
	if src.MaxPostsPerPass <= 0 {
		src.MaxPostsPerPass = DefaultMaxPostsPerPass
	}
	if u, err := url.Parse(src.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Stats{}, fmt.Errorf("%w: source %q: url %q is not an absolute http(s) URL", errBadProfile, src.Name, src.URL)
	}
	p := &pass{c: c, src: src, emit: emit, postsLeft: src.MaxPostsPerPass}
	var err error
	switch {
	case src.Generic != nil:
		p.prof, err = src.Generic.Compile()
	case src.Profile != "" && src.Profile != "auto":
		p.prof, err = ProfileByName(src.Profile)
	}
	if err != nil {
		return p.stats, fmt.Errorf("source %q: %w", src.Name, err)
	}
	err = p.run(ctx)
	if errors.Is(err, errStop) {
		p.stats.Bounded = true
		err = nil
	}
	if p.stats.DatesMissing > 0 {
		c.log.Warn("forum posts without a readable date: stored flagged date_missing, without a date", "source", src.Name,
			"posts", p.stats.DatesMissing, "example", p.undated)
	}
	return p.stats, err
}

func (p *pass) run(ctx context.Context) error {
	startURL := p.src.URL
	if p.prof != nil {
		startURL = fetchURL(p.prof, startURL)
	}
	text, final, err := p.c.get.Get(ctx, startURL)
	if err != nil {
		if code := statusOf(err); code == http.StatusForbidden || code == http.StatusUnauthorized {
			p.wall(startURL, fmt.Sprintf("HTTP %d", code))
			return nil
		}
		return fmt.Errorf("source %q: %w", p.src.Name, err)
	}
	if p.prof == nil {
		name, ok := Detect(text)
		if !ok {
			return fmt.Errorf("source %q: %s: %w", p.src.Name, final, errNotForum)
		}
		p.prof, _ = ProfileByName(name)
		p.c.log.Debug("forum engine detected", "source", p.src.Name, "engine", name)
		if api := fetchURL(p.prof, final); api != final {
			if text, final, err = p.c.get.Get(ctx, api); err != nil {
				return fmt.Errorf("source %q: %w", p.src.Name, err)
			}
		}
	}
	p.stats.Pages++
	page, err := p.prof.Parse(text, final, p.c.Options)
	if err != nil {
		return fmt.Errorf("source %q: %s: %w", p.src.Name, final, err)
	}
	if len(page.Posts) > 0 {
		return p.thread(ctx, page.ThreadURL, page, final)
	}
	if page.LoginWall != "" {
		p.wall(final, page.LoginWall)
		return nil
	}
	threads := page.Threads
	for i, b := range page.Boards {
		if i >= p.c.maxBoards() {
			p.stats.Bounded = true
			break
		}
		threads = append(threads, p.board(ctx, b)...)
	}
	if len(threads) == 0 && page.NextURL != "" && len(page.Boards) == 0 {
		// Discourse HTML shell pointing at its JSON, and similar redirects.
		return p.thread(ctx, "", nil, page.NextURL)
	}
	return p.threads(ctx, threads)
}

func (c *Crawler) maxBoards() int {
	if c.MaxBoardsPerPass > 0 {
		return c.MaxBoardsPerPass
	}
	return DefaultMaxBoardsPerPass
}

// board reads the first page of a board: the most recently active threads.
func (p *pass) board(ctx context.Context, u string) []ThreadLink {
	text, final, err := p.c.get.Get(ctx, fetchURL(p.prof, u))
	if err != nil {
		p.c.log.Warn("forum board fetch failed", "source", p.src.Name, "url", u, "err", err)
		p.stats.Errors++
		return nil
	}
	p.stats.Pages++
	page, err := p.prof.Parse(text, final, p.c.Options)
	if err != nil {
		p.c.log.Warn("forum board parse failed", "source", p.src.Name, "url", u, "err", err)
		p.stats.Errors++
		return nil
	}
	return page.Threads
}

// threads crawls the most recently active threads, up to the bound.
func (p *pass) threads(ctx context.Context, links []ThreadLink) error {
	seen := map[string]bool{}
	uniq := links[:0:0]
	for _, l := range links {
		if !seen[l.URL] {
			seen[l.URL] = true
			uniq = append(uniq, l)
		}
	}
	// Most recent first; rows without a date keep their page order after
	// those with one (a board lists by activity already).
	sort.SliceStable(uniq, func(i, j int) bool {
		a, b := uniq[i].LastPost, uniq[j].LastPost
		if a.IsZero() || b.IsZero() {
			return !a.IsZero() && b.IsZero()
		}
		return a.After(b)
	})
	done := 0
	for _, l := range uniq {
		if done >= p.src.MaxThreadsPerPass {
			p.stats.Bounded = true
			break
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		key := ThreadKey(l.URL)
		if l.Replies >= 0 {
			st, ok, err := p.c.state.Get(ctx, key)
			if err != nil {
				return fmt.Errorf("forum state get %s: %w", l.URL, err)
			}
			if ok && l.Replies+1 <= st.LastPosition {
				p.stats.skip(SkipUnchanged)
				continue
			}
		}
		done++
		if err := p.thread(ctx, l.URL, nil, ""); err != nil {
			return err
		}
	}
	return nil
}

// thread crawls one thread from where the last pass stopped. first is an
// already fetched page of it (from firstURL), or nil.
func (p *pass) thread(ctx context.Context, threadURL string, first *Page, firstURL string) error {
	p.stats.Threads++
	if threadURL == "" {
		threadURL = firstURL
	}
	key := ThreadKey(threadURL)
	if p.c.isWalled(key) {
		p.stats.skip(SkipLoginWall)
		return nil
	}
	st, found, err := p.c.state.Get(ctx, key)
	if err != nil {
		return fmt.Errorf("forum state get %s: %w", threadURL, err)
	}
	if !found {
		st = ThreadState{ThreadURL: threadURL, Version: stateVersion}
	}
	p.c.migrateState(&st)
	var queue []string
	pages := 0
	if first == nil {
		start := fetchURL(p.prof, threadURL)
		if st.LastPage != "" {
			start = st.LastPage
			// Re-reading the resume page is how new posts on it are
			// found; it does not count against the page bound.
			pages = -1
		}
		queue = append(queue, start)
	}
	fetched := map[string]bool{}
	anchorsThisPass := map[string]bool{}
	save := func() error {
		st.UpdatedAt = time.Now().UTC()
		if err := p.c.state.Put(ctx, key, st); err != nil {
			return fmt.Errorf("forum state put %s: %w", threadURL, err)
		}
		return nil
	}
	pageThread := "" // the canonical thread of the first page read
	handle := func(page *Page, pageURL string) (bool, error) {
		if pageThread == "" {
			pageThread = page.ThreadURL
		} else if page.ThreadURL != "" && page.ThreadURL != pageThread && page.Engine != Generic {
			// A "next" link that led to another thread or article: crawls
			// never leave the thread. (A generic profile's thread URL is
			// only as canonical as its pages' URLs: not judged.)
			p.c.log.Warn("forum next page belongs to another thread; stopping thread", "source", p.src.Name,
				"thread", pageThread, "url", pageURL, "other", page.ThreadURL)
			p.stats.skip(SkipLeftThread)
			return false, nil
		}
		if page.ThreadTitle != "" {
			st.Title = page.ThreadTitle
		}
		fresh := false
		for _, q := range page.Posts {
			if !anchorsThisPass[anchorOf(q)] {
				fresh = true
			}
		}
		if !fresh {
			p.c.log.Warn("forum pagination loops back; stopping thread", "source", p.src.Name, "thread", threadURL, "url", pageURL)
			p.stats.skip(SkipPaginationErr)
			return false, nil
		}
		if page.Containers > 0 && page.Containers != len(page.Posts) {
			// A theme variant the parser half-reads: say it, the posts it
			// did read still go out.
			p.stats.CountMismatches++
			p.c.log.Warn("forum page: posts read differ from post containers", "source", p.src.Name, "url", pageURL,
				"engine", page.Engine, "read", len(page.Posts), "containers", page.Containers)
		}
		for _, q := range page.Posts {
			q.URL = postURL(page.Engine, pageURL, q)
			if err := p.post(&st, q, threadURL, anchorsThisPass); err != nil {
				// Keep what was emitted so far.
				if pe := save(); pe != nil {
					return false, pe
				}
				return false, err
			}
		}
		if page.AliasURL != "" {
			fetched[pageKey(page.AliasURL)] = true
		}
		st.LastPage = pageURL
		if page.ResumeURL != "" {
			st.LastPage = page.ResumeURL
		}
		return true, nil
	}
	if first != nil {
		resume := st.LastPage
		pages++
		fetched[pageKey(firstURL)] = true
		ok, err := handle(first, firstURL)
		if err != nil {
			return err
		}
		if ok {
			queue = appendNext(queue, first, fetched)
		}
		// Resume further on when an earlier pass got there.
		if found && resume != "" && !fetched[pageKey(resume)] && len(queue) > 0 {
			queue = []string{resume}
			// The first page only identified the thread: neither it nor
			// the resume page count against the page bound.
			pages = -1
		}
	}
	for len(queue) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		if pages >= p.src.MaxPagesPerPass {
			p.stats.Bounded = true
			break
		}
		u := queue[0]
		queue = queue[1:]
		if fetched[pageKey(u)] {
			p.c.log.Warn("forum pagination loops back; stopping thread", "source", p.src.Name, "thread", threadURL, "url", u)
			p.stats.skip(SkipPaginationErr)
			break
		}
		fetched[pageKey(u)] = true
		text, final, err := p.c.get.Get(ctx, u)
		if err != nil {
			if code := statusOf(err); code == http.StatusForbidden || code == http.StatusUnauthorized {
				p.wallKey(key, threadURL, fmt.Sprintf("HTTP %d", code))
				break
			}
			p.c.log.Error("forum page fetch failed; stopping thread", "source", p.src.Name, "thread", threadURL, "url", u, "err", err)
			p.stats.Errors++
			break
		}
		pages++
		p.stats.Pages++
		page, err := p.prof.Parse(text, final, p.c.Options)
		if err != nil {
			p.c.log.Error("forum page parse failed; stopping thread", "source", p.src.Name, "thread", threadURL, "url", final, "err", err)
			p.stats.Errors++
			break
		}
		if len(page.Posts) == 0 {
			if page.LoginWall != "" {
				p.wallKey(key, threadURL, page.LoginWall)
			} else if page.NextURL != "" && len(page.Threads) == 0 {
				queue = appendNext(queue, page, fetched)
				continue
			}
			break
		}
		if threadURL != page.ThreadURL && page.ThreadURL != "" && !found && len(st.Hashes) == 0 {
			// First sight of a thread met through a shell page: key it by
			// its canonical URL.
			threadURL, key = page.ThreadURL, ThreadKey(page.ThreadURL)
			st.ThreadURL = threadURL
			if prev, ok, err := p.c.state.Get(ctx, key); err != nil {
				return fmt.Errorf("forum state get %s: %w", threadURL, err)
			} else if ok {
				st, found = prev, true
				p.c.migrateState(&st)
				if st.LastPage != "" && !fetched[pageKey(st.LastPage)] {
					queue = []string{st.LastPage}
					continue
				}
			}
		}
		ok, err := handle(page, final)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		queue = appendNext(queue, page, fetched)
	}
	return save()
}

// appendNext queues the page's next page and further pages. A next page
// already fetched stays queued so the loop is seen; pages already queued,
// and further pages already fetched (WordPress lists every comment page on
// each), are not queued twice.
func appendNext(queue []string, page *Page, fetched map[string]bool) []string {
	queued := func(u string) bool {
		for _, q := range queue {
			if pageKey(q) == pageKey(u) {
				return true
			}
		}
		return false
	}
	if page.NextURL != "" && !queued(page.NextURL) {
		queue = append(queue, page.NextURL)
	}
	for _, u := range page.MoreURLs {
		if !fetched[pageKey(u)] && !queued(u) {
			queue = append(queue, u)
		}
	}
	return queue
}

// post applies the emission rule to one post and records it in st.
func (p *pass) post(st *ThreadState, q Post, threadURL string, thisPass map[string]bool) error {
	p.stats.Posts++
	anchor := anchorOf(q)
	q.Anchor = anchor
	thisPass[anchor] = true
	if q.ThreadURL == "" {
		q.ThreadURL = threadURL
	}
	if q.ThreadTitle == "" {
		q.ThreadTitle = st.Title
	}
	known, wasKnown := st.Hashes[anchor]
	seq := anchorSeq(anchor)
	// New is "not in the seen set": ids are not in page order (threaded
	// comments), so no maximum can decide it. Only posts older than what
	// the bounded set forgot are taken as old.
	isNew := !wasKnown && !st.forgotten(anchor, seq, q.Position)
	if wasKnown && known == skippedHash && q.Text != "" && !q.Deleted {
		isNew = true // an empty or quote-only post that got text
	}
	advance := func() {
		st.LastPosition = max(st.LastPosition, q.Position)
		st.LastID = max(st.LastID, seq)
	}
	var kind *int
	switch {
	case q.Deleted:
		if !wasKnown || known == deletedHash || known == skippedHash {
			p.stats.skip(SkipDeleted)
			advance()
			p.c.remember(st, anchor, deletedHash)
			return nil
		}
		q.Text, q.ContentHash = "", deletedHash
		kind = &p.stats.Deleted
	case q.Text == "":
		if q.QuotedRef != "" {
			p.stats.skip(SkipQuoteOnly)
		} else {
			p.stats.skip(SkipEmpty)
		}
		advance()
		if !wasKnown {
			p.c.remember(st, anchor, skippedHash)
		}
		return nil
	case isNew:
		kind = &p.stats.New
	case wasKnown && known != q.ContentHash:
		kind = &p.stats.Edited
	default:
		p.stats.Seen++
		advance()
		return nil
	}
	if p.postsLeft <= 0 {
		return errStop
	}
	if err := p.emit(q); err != nil {
		return fmt.Errorf("emit %s#%s: %w", threadURL, anchor, err)
	}
	p.postsLeft--
	*kind++
	p.stats.Emitted++
	if q.DateMissing && !q.Deleted {
		p.stats.DatesMissing++
		if p.undated == "" {
			p.undated = q.URL
		}
	}
	advance()
	p.c.remember(st, anchor, q.ContentHash)
	return nil
}

// remember records a hash, dropping the oldest beyond MaxHashes.
func (c *Crawler) remember(st *ThreadState, anchor, hash string) {
	if _, ok := st.Hashes[anchor]; !ok {
		st.Order = append(st.Order, anchor)
	}
	st.Hashes[anchor] = hash
	limit := c.MaxHashes
	if limit <= 0 {
		limit = DefaultMaxHashes
	}
	for len(st.Order) > limit {
		old := st.Order[0]
		if seq := anchorSeq(old); seq > 0 {
			st.EvictedID = max(st.EvictedID, seq)
		} else if pos := anchorPosition(old); pos > 0 {
			st.EvictedPosition = max(st.EvictedPosition, pos)
		}
		delete(st.Hashes, old)
		st.Order = st.Order[1:]
	}
}

// anchorOf is the post's anchor, or one made from its position when the
// page gives none.
func anchorOf(q Post) string {
	if q.Anchor != "" {
		return q.Anchor
	}
	return "pos" + strconv.Itoa(q.Position)
}

// anchorSeq is the post id in an anchor like "p4567", "post-123",
// "comment-34"; 0 when it has none or is position-made.
func anchorSeq(a string) int64 {
	if strings.HasPrefix(a, "pos") || strings.HasPrefix(a, "post_") {
		// Position-made, or Discourse's post number: positions already say it.
		return 0
	}
	i := len(a)
	for i > 0 && a[i-1] >= '0' && a[i-1] <= '9' {
		i--
	}
	if i == len(a) || len(a)-i > 18 {
		return 0
	}
	n, _ := strconv.ParseInt(a[i:], 10, 64)
	return n
}

// pageKey normalises a page URL for loop detection.
func pageKey(u string) string {
	return dropQuery(u, "sid", "s")
}

func statusOf(err error) int {
	var sc interface{ StatusCode() int }
	if errors.As(err, &sc) {
		return sc.StatusCode()
	}
	return 0
}

func (c *Crawler) isWalled(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.walled[key]
	return ok
}

// wall skips a thread behind a login wall, logging it once per process.
func (p *pass) wall(threadURL, reason string) {
	p.wallKey(ThreadKey(threadURL), threadURL, reason)
}

func (p *pass) wallKey(key, threadURL, reason string) {
	p.stats.skip(SkipLoginWall)
	p.c.mu.Lock()
	_, logged := p.c.walled[key]
	p.c.walled[key] = reason
	p.c.mu.Unlock()
	if !logged {
		p.c.log.Warn("forum thread behind a login wall; skipping", "source", p.src.Name, "thread", threadURL, "reason", reason, "err", errLoginWall)
	}
}
