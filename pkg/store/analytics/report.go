package analytics

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// BrandGroup is the competitor group a brand's mentions carry ("" when it
// has none or cannot be read).
func BrandGroup(ctx context.Context, conn driver.Conn, db, brand string) string {
	t, err := table(db, "mentions")
	if err != nil {
		return ""
	}
	var g string
	if err := conn.QueryRow(ctx, "SELECT any(brand_group) FROM "+t+" WHERE brand = ?", brand).Scan(&g); err != nil {
		return ""
	}
	return g
}

// Reach counts a brand's distinct authors over [from, to) (author key, else
// name) and sums, over them, the largest follower count their pages showed:
// the potential audience.
func Reach(ctx context.Context, conn driver.Conn, db, brand string, from, to time.Time) (authors, reach uint64, err error) {
	t, err := table(db, "mentions")
	if err != nil {
		return 0, 0, err
	}
	q := `SELECT count(), sum(f) FROM (
  SELECT if(author_key != '', author_key, lowerUTF8(author_name)) AS k, toUInt64(max(author_followers)) AS f
  FROM ` + t + ` FINAL
  WHERE brand = ? AND published_at >= toDateTime(?) AND published_at < toDateTime(?) AND k != ''
  GROUP BY k)`
	if err := conn.QueryRow(ctx, q, brand, from.Unix(), to.Unix()).Scan(&authors, &reach); err != nil {
		return 0, 0, fmt.Errorf("%w: reach: %w", ErrQuery, err)
	}
	return authors, reach, nil
}

// TopMention is one of a period's most visible mentions.
type TopMention struct {
	ID, SourceKind, SourceName, URL, Title, Excerpt, Author, Sentiment string
	Influencer                                                         bool
	InfluenceScore                                                     float64
	Likes, Replies                                                     uint32
	PublishedAt                                                        time.Time
}

// TopMentions ranks a brand's mentions of [from, to) by influence plus
// engagement, one mention per near-duplicate story.
func TopMentions(ctx context.Context, conn driver.Conn, db, brand string, from, to time.Time, limit int) ([]TopMention, error) {
	t, err := table(db, "mentions")
	if err != nil {
		return nil, err
	}
	q := fmt.Sprintf(`SELECT id, toString(source_kind), source_name, url, title, substringUTF8(text, 1, 280), author_name,
  toString(sentiment_label), is_influencer, toFloat64(influence_score), likes, replies, published_at
FROM %s FINAL
WHERE brand = ? AND published_at >= toDateTime(?) AND published_at < toDateTime(?)
ORDER BY influence_score + 10 * log(1 + likes + replies) DESC, published_at DESC, id
LIMIT 1 BY if(dup_cluster = '', id, dup_cluster)
LIMIT %d`, t, limit)
	rows, err := conn.Query(ctx, q, brand, from.Unix(), to.Unix())
	if err != nil {
		return nil, fmt.Errorf("%w: top mentions: %w", ErrQuery, err)
	}
	defer rows.Close()
	var out []TopMention
	for rows.Next() {
		var m TopMention
		var infl uint8
		if err := rows.Scan(&m.ID, &m.SourceKind, &m.SourceName, &m.URL, &m.Title, &m.Excerpt, &m.Author,
			&m.Sentiment, &infl, &m.InfluenceScore, &m.Likes, &m.Replies, &m.PublishedAt); err != nil {
			return nil, fmt.Errorf("%w: top mentions: %w", ErrQuery, err)
		}
		m.Influencer = infl == 1
		m.InfluenceScore = math.Round(m.InfluenceScore*10) / 10
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%w: top mentions: %w", ErrQuery, err)
	}
	return out, nil
}
