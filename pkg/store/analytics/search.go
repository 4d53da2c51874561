package analytics

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Mention is a stored mention as lists, cards and CSV exports show it.
type Mention struct {
	ID             string    `json:"id"`
	Brand          string    `json:"brand"`
	SourceKind     string    `json:"source_kind"`
	SourceName     string    `json:"source_name"`
	URL            string    `json:"url"`
	Title          string    `json:"title"`
	Text           string    `json:"text"`
	AuthorName     string    `json:"author_name"`
	AuthorURL      string    `json:"author_url"`
	IsInfluencer   bool      `json:"is_influencer"`
	InfluenceScore float64   `json:"influence_score"`
	PublishedAt    time.Time `json:"published_at"`
	Lang           string    `json:"lang"`
	Sentiment      string    `json:"sentiment"`
	SentimentScore float64   `json:"sentiment_score"`
	MatchedTerms   []string  `json:"matched_terms"`
	Evidence       []string  `json:"sentiment_evidence"`
	Toxic          bool      `json:"toxic"`
	Toxicity       []string  `json:"toxicity"`
	// Social networks (0010_social).
	Likes      uint32   `json:"likes"`
	Replies    uint32   `json:"replies"`
	Reposts    uint32   `json:"reposts"`
	Views      uint64   `json:"views"`
	Followers  uint32   `json:"author_followers"`
	Suspicious []string `json:"suspicious"`
}

const mentionCols = `id, brand, toString(source_kind), source_name, url, title, text, author_name, author_url,
  is_influencer, toFloat64(influence_score), published_at, lang, toString(sentiment_label), toFloat64(sentiment_score),
  matched_terms, sentiment_evidence, toxic, toxicity,
  likes, replies, reposts, views, author_followers, suspicious`

func scanMention(rows driver.Rows, m *Mention) error {
	var infl, toxic uint8
	if err := rows.Scan(&m.ID, &m.Brand, &m.SourceKind, &m.SourceName, &m.URL, &m.Title, &m.Text, &m.AuthorName, &m.AuthorURL,
		&infl, &m.InfluenceScore, &m.PublishedAt, &m.Lang, &m.Sentiment, &m.SentimentScore,
		&m.MatchedTerms, &m.Evidence, &toxic, &m.Toxicity,
		&m.Likes, &m.Replies, &m.Reposts, &m.Views, &m.Followers, &m.Suspicious); err != nil {
		return err
	}
	m.IsInfluencer, m.Toxic = infl == 1, toxic == 1
	m.PublishedAt = m.PublishedAt.UTC()
	return nil
}

// Search returns the filtered mentions, newest first (f.Query searches
// text, title and author name case-insensitively).
func Search(ctx context.Context, conn driver.Conn, db string, f Filter) ([]Mention, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	t, err := table(db, "mentions")
	if err != nil {
		return nil, err
	}
	w := f.where(false)
	// LIMIT offset, n is the form both 18.16 and current servers accept.
	q := fmt.Sprintf(`SELECT %s FROM %s FINAL WHERE %s ORDER BY published_at DESC, id LIMIT %d, %d`, mentionCols, t, w.sql(), f.Offset, f.limit())
	return queryAll(ctx, conn, "search", q, w.args, scanMention)
}

// Each calls fn for every mention matching f, newest first, as ClickHouse
// streams them: nothing is held but the row being handled, so exports have
// no row cap. f.Limit, when set, still bounds the rows; fn's error stops the
// query and is returned as is.
func Each(ctx context.Context, conn driver.Conn, db string, f Filter, fn func(*Mention) error) error {
	if err := f.Validate(); err != nil {
		return err
	}
	t, err := table(db, "mentions")
	if err != nil {
		return err
	}
	w := f.where(false)
	q := fmt.Sprintf(`SELECT %s FROM %s FINAL WHERE %s ORDER BY published_at DESC, id`, mentionCols, t, w.sql())
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d, %d", f.Offset, f.Limit)
	}
	rows, err := conn.Query(ctx, q, w.args...)
	if err != nil {
		return queryErr("export", err)
	}
	defer rows.Close()
	var m Mention
	for rows.Next() {
		m = Mention{}
		if err := scanMention(rows, &m); err != nil {
			return queryErr("export", err)
		}
		if err := fn(&m); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return queryErr("export", err)
	}
	return nil
}

// Count returns how many mentions match f (for "N results" and paging).
func Count(ctx context.Context, conn driver.Conn, db string, f Filter) (uint64, error) {
	if err := f.Validate(); err != nil {
		return 0, err
	}
	t, err := table(db, "mentions")
	if err != nil {
		return 0, err
	}
	w := f.where(false)
	var n uint64
	if err := conn.QueryRow(ctx, fmt.Sprintf("SELECT count() FROM %s FINAL WHERE %s", t, w.sql()), w.args...).Scan(&n); err != nil {
		return 0, queryErr("count", err)
	}
	return n, nil
}

// MentionsByID returns the stored mentions with these ids, newest first;
// unknown ids are skipped.
func MentionsByID(ctx context.Context, conn driver.Conn, db string, ids []string) ([]Mention, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	if len(ids) > 1000 {
		return nil, fmt.Errorf("%w: at most 1000 ids, got %d", ErrBadFilter, len(ids))
	}
	t, err := table(db, "mentions")
	if err != nil {
		return nil, err
	}
	// Ids are hex; anything else cannot match and is dropped rather than bound.
	var clean []string
	for _, id := range ids {
		if id != "" && len(id) <= 64 && strings.Trim(id, "0123456789abcdef") == "" {
			clean = append(clean, "'"+id+"'")
		}
	}
	if len(clean) == 0 {
		return nil, nil
	}
	q := fmt.Sprintf(`SELECT %s FROM %s FINAL WHERE id IN (%s) ORDER BY published_at DESC, id`, mentionCols, t, strings.Join(clean, ","))
	return queryAll(ctx, conn, "mentions by id", q, nil, scanMention)
}
