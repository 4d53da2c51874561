// Package analytics holds the ClickHouse queries behind the console and the
// reports: volume over time by sentiment, net sentiment, share of voice,
// top sources, authors and terms, language split, search over stored
// mentions and bad-buzz incidents. Every query reads veille.mentions (or
// veille.alerts) with FINAL so each mention counts once, binds user input as
// parameters, and works on ClickHouse 18.16 as on current servers.
package analytics

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/veille-oss/veille/pkg/platform/mention"
)

// Bounds on what one query returns.
const (
	// DefaultLimit is the row count of Search and the top-N lists when
	// Filter.Limit is zero.
	DefaultLimit = 50
	// MaxLimit bounds every result (CSV exports included).
	MaxLimit = 100_000
	// MaxQueryBytes bounds the free-text search string.
	MaxQueryBytes = 200
)

var (
	// ErrBadFilter is wrapped by every filter validation error; the message
	// names the field.
	ErrBadFilter = errors.New("invalid filter")
	// ErrQuery wraps ClickHouse errors, with the name of the query that failed.
	ErrQuery = errors.New("analytics query failed")
	// ErrNotFound is returned when an incident id does not exist.
	ErrNotFound = errors.New("not found")
)

// Filter selects mentions. Zero fields do not filter.
type Filter struct {
	Brand string
	// Group selects every brand of a group (share of voice); when empty,
	// ShareOfVoice uses the group of Brand.
	Group     string
	From, To  time.Time // on published_at; To is exclusive
	Sentiment string    // neg, neu, pos
	Kind      string    // web, rss, forum
	Lang      string
	// InfluencerOnly keeps mentions whose author is flagged influential.
	InfluencerOnly bool
	ToxicOnly      bool
	// SuspiciousOnly keeps social posts flagged inauthentic
	// (enrichment.suspicious: coordinated, new_account_burst, follow_ratio).
	SuspiciousOnly bool
	// Query is searched (case-insensitively) in text, title and author name.
	Query string
	// Status selects incidents: open, acknowledged, resolved, or active
	// (open or acknowledged). Mention queries ignore it.
	Status string
	// Source, Author (the author key TopAuthors groups by), Term (a matched
	// term) and Evidence (a sentiment-bearing word) narrow a search to one
	// row of a dashboard table, so that the row's count opens its mentions.
	Source   string
	Author   string
	Term     string
	Evidence string
	Limit    int
	// Offset skips the first rows of Search (paging).
	Offset int
}

var ident = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// FieldError is a filter validation error naming the field, the value
// received and what was expected; it wraps ErrBadFilter. The console
// translates it from Field and Want.
type FieldError struct {
	Field string // query parameter (sentiment, kind, status, q, limit, offset, brand...), or range for from/to
	Got   string
	Want  string // English description of what is accepted
	Max   int    // the bound, for limits and lengths
}

func (e *FieldError) Error() string {
	if e.Got != "" {
		return fmt.Sprintf("%v: %s must be %s, got %q", ErrBadFilter, e.Field, e.Want, e.Got)
	}
	return fmt.Sprintf("%v: %s must be %s", ErrBadFilter, e.Field, e.Want)
}

func (e *FieldError) Unwrap() error { return ErrBadFilter }

// MaxOffset bounds paging (ClickHouse reads and drops every skipped row).
const MaxOffset = 1_000_000

// Validate checks the filter and names the first bad field.
func (f Filter) Validate() error {
	switch f.Sentiment {
	case "", "neg", "neu", "pos":
	default:
		return &FieldError{Field: "sentiment", Got: f.Sentiment, Want: "neg, neu or pos"}
	}
	switch {
	case f.Kind == "", f.Kind == "web", f.Kind == "rss", f.Kind == "forum", mention.IsSocial(f.Kind):
	default:
		return &FieldError{Field: "kind", Got: f.Kind, Want: "web, rss, forum, bluesky, mastodon, reddit, youtube, facebook, instagram ou x"}
	}
	switch f.Status {
	case "", "open", "acknowledged", "resolved", "active":
	default:
		return &FieldError{Field: "status", Got: f.Status, Want: "open, acknowledged, resolved or active"}
	}
	if len(f.Query) > MaxQueryBytes {
		return &FieldError{Field: "q", Want: fmt.Sprintf("at most %d bytes long", MaxQueryBytes), Max: MaxQueryBytes}
	}
	for _, c := range []struct {
		name, v string
		max     int
	}{{"brand", f.Brand, 200}, {"group", f.Group, 200}, {"lang", f.Lang, 16}, {"source", f.Source, 500}, {"author", f.Author, 500}, {"term", f.Term, 200}, {"evidence", f.Evidence, 200}} {
		if len(c.v) > c.max {
			return &FieldError{Field: c.name, Want: fmt.Sprintf("at most %d bytes long", c.max), Max: c.max}
		}
	}
	if f.Limit < 0 || f.Limit > MaxLimit {
		return &FieldError{Field: "limit", Got: fmt.Sprint(f.Limit), Want: fmt.Sprintf("in 0..%d", MaxLimit), Max: MaxLimit}
	}
	if f.Offset < 0 || f.Offset > MaxOffset {
		return &FieldError{Field: "offset", Got: fmt.Sprint(f.Offset), Want: fmt.Sprintf("in 0..%d", MaxOffset), Max: MaxOffset}
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From) {
		return &FieldError{Field: "range", Got: f.From.Format(time.RFC3339) + " – " + f.To.Format(time.RFC3339), Want: "a range whose end (to) is after its start (from)"}
	}
	return nil
}

func (f Filter) limit() int {
	if f.Limit <= 0 {
		return DefaultLimit
	}
	return f.Limit
}

// where builds the WHERE clause (without the keyword) and its arguments.
// skipBrand leaves out Brand (share of voice compares brands of a group).
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

func (w *where) sql() string {
	if len(w.conds) == 0 {
		return "1"
	}
	return strings.Join(w.conds, " AND ")
}

func (f Filter) where(skipBrand bool) *where {
	w := &where{}
	if f.Brand != "" && !skipBrand {
		w.add("brand = ?", f.Brand)
	}
	if f.Group != "" {
		w.add("brand_group = ?", f.Group)
	}
	if !f.From.IsZero() {
		w.add("published_at >= toDateTime(?)", unix(f.From))
	}
	if !f.To.IsZero() {
		w.add("published_at < toDateTime(?)", unix(f.To))
	}
	if f.Sentiment != "" {
		w.add("sentiment_label = ?", f.Sentiment)
	}
	if f.Kind != "" {
		w.add("source_kind = ?", f.Kind)
	}
	if f.Lang == "und" {
		// LanguageSplit shows undetected languages as "und".
		w.add("lang IN ('', 'und')")
	} else if f.Lang != "" {
		w.add("lang = ?", f.Lang)
	}
	if f.Source != "" {
		w.add("source_name = ?", f.Source)
	}
	if f.Author != "" {
		w.add(authorKey+" = ?", f.Author)
	}
	if f.Term != "" {
		w.add("has(arrayMap(x -> lowerUTF8(x), matched_terms), ?)", strings.ToLower(f.Term))
	}
	if f.Evidence != "" {
		w.add("has(arrayMap(x -> lowerUTF8(x), sentiment_evidence), ?)", strings.ToLower(f.Evidence))
	}
	if f.InfluencerOnly {
		w.add("is_influencer = 1")
	}
	if f.ToxicOnly {
		w.add("toxic = 1")
	}
	if f.SuspiciousOnly {
		w.add("notEmpty(suspicious)")
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		w.add("(positionCaseInsensitiveUTF8(text, ?) > 0 OR positionCaseInsensitiveUTF8(title, ?) > 0 OR positionCaseInsensitiveUTF8(author_name, ?) > 0)", q, q, q)
	}
	return w
}

// authorKey is how TopAuthors groups authors and Filter.Author selects one:
// the enricher's author key (same person across sources), else the name.
const authorKey = "if(author_key != '', author_key, lower(author_name))"

func unix(t time.Time) int64 {
	s := t.Unix()
	if s < 0 {
		return 0
	}
	return s
}

func table(db, name string) (string, error) {
	if !ident.MatchString(db) {
		return "", fmt.Errorf("%w: database name %q is not an identifier", ErrBadFilter, db)
	}
	return db + "." + name, nil
}

func queryErr(name string, err error) error {
	return fmt.Errorf("%w: %s: %w", ErrQuery, name, err)
}
