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

	"github.com/veille-oss/veille/pkg/mention"
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
	Limit  int
}

var ident = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Validate checks the filter and names the first bad field.
func (f Filter) Validate() error {
	switch f.Sentiment {
	case "", "neg", "neu", "pos":
	default:
		return fmt.Errorf("%w: sentiment must be neg, neu or pos, got %q", ErrBadFilter, f.Sentiment)
	}
	switch {
	case f.Kind == "", f.Kind == "web", f.Kind == "rss", f.Kind == "forum", mention.IsSocial(f.Kind):
	default:
		return fmt.Errorf("%w: kind must be web, rss, forum or a social network, got %q", ErrBadFilter, f.Kind)
	}
	switch f.Status {
	case "", "open", "acknowledged", "resolved", "active":
	default:
		return fmt.Errorf("%w: status must be open, acknowledged, resolved or active, got %q", ErrBadFilter, f.Status)
	}
	if len(f.Query) > MaxQueryBytes {
		return fmt.Errorf("%w: query longer than %d bytes", ErrBadFilter, MaxQueryBytes)
	}
	if len(f.Brand) > 200 || len(f.Group) > 200 || len(f.Lang) > 16 {
		return fmt.Errorf("%w: brand, group or lang too long", ErrBadFilter)
	}
	if f.Limit < 0 || f.Limit > MaxLimit {
		return fmt.Errorf("%w: limit must be in 0..%d, got %d", ErrBadFilter, MaxLimit, f.Limit)
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From) {
		return fmt.Errorf("%w: to (%s) must be after from (%s)", ErrBadFilter, f.To.Format(time.RFC3339), f.From.Format(time.RFC3339))
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
	if f.Lang != "" {
		w.add("lang = ?", f.Lang)
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
	return fmt.Errorf("%w: %s: %v", ErrQuery, name, err)
}
