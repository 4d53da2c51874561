package analytics

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// TopInfluencer is one author in the top-influencers answer for a brand and
// period: how much and how they spoke of the brand, and their influence.
type TopInfluencer struct {
	AuthorKey string  `json:"author_key"`
	Name      string  `json:"name"`
	Mentions  uint64  `json:"mentions"`
	Pos       uint64  `json:"pos"`
	Neg       uint64  `json:"neg"`
	Neu       uint64  `json:"neu"`
	Net       float64 `json:"net"`           // (pos - neg) / mentions, -1..1
	AvgScore  float64 `json:"avg_sentiment"` // mean sentiment score, -1..1
	Flagged   bool    `json:"is_influencer"` // flagged on at least one of these mentions
	Score     float64 `json:"score"`         // latest author score (authors table, else the mentions')
	Reach     float64 `json:"reach"`
	Authority float64 `json:"authority"`
	Engage    float64 `json:"engagement"`
	Activity  float64 `json:"activity"`
}

// TopInfluencersSQL is the documented query (docs/influence.md) with %[1]s
// for the database; parameters: brand, from, to, limit.
const TopInfluencersSQL = `SELECT author_key, if(a_found = 1, a_name, m_name) AS name,
    mentions, pos, neg, neu, (pos - neg) / mentions AS net, avg_sentiment, flagged,
    if(a_found = 1, a_score, m_score) AS score, a_reach, a_authority, a_engagement, a_activity
FROM
(
    SELECT author_key, any(author_name) AS m_name, count() AS mentions,
        countIf(sentiment_label = 'pos') AS pos,
        countIf(sentiment_label = 'neg') AS neg,
        countIf(sentiment_label = 'neu') AS neu,
        avg(sentiment_score) AS avg_sentiment,
        max(is_influencer) AS flagged,
        max(influence_score) AS m_score
    FROM %[1]s.mentions FINAL
    WHERE brand = ? AND published_at >= ? AND published_at < ? AND author_key != ''
    GROUP BY author_key
)
ANY LEFT JOIN
(
    SELECT author_key, display_name AS a_name, score AS a_score, reach AS a_reach,
        authority AS a_authority, engagement AS a_engagement, activity AS a_activity, 1 AS a_found
    FROM %[1]s.authors FINAL
) USING author_key
ORDER BY score DESC, mentions DESC, author_key
LIMIT ?`

// TopInfluencers lists the authors who spoke of brand in [from, to) by
// influence score (latest), with their sentiment towards the brand and
// whether they were flagged as influencers on any of those mentions.
func TopInfluencers(ctx context.Context, conn driver.Conn, db, brand string, from, to time.Time, limit int) ([]TopInfluencer, error) {
	if strings.TrimSpace(brand) == "" {
		return nil, fmt.Errorf("%w: top influencers: brand must not be empty", ErrQuery)
	}
	if !to.After(from) {
		return nil, fmt.Errorf("%w: top influencers: period end %s must be after its start %s", ErrQuery, to, from)
	}
	if limit <= 0 || limit > 1000 {
		return nil, fmt.Errorf("%w: top influencers: limit must be in [1, 1000], got %d", ErrQuery, limit)
	}
	rows, err := conn.Query(ctx, fmt.Sprintf(TopInfluencersSQL, db), brand, from.UTC(), to.UTC(), limit)
	if err != nil {
		return nil, fmt.Errorf("%w: top influencers: %w", ErrQuery, err)
	}
	defer rows.Close()
	var out []TopInfluencer
	for rows.Next() {
		var r TopInfluencer
		var flagged uint8
		var score, reach, auth, eng, act float32
		if err := rows.Scan(&r.AuthorKey, &r.Name, &r.Mentions, &r.Pos, &r.Neg, &r.Neu, &r.Net, &r.AvgScore, &flagged,
			&score, &reach, &auth, &eng, &act); err != nil {
			return nil, fmt.Errorf("%w: top influencers: scan: %w", ErrQuery, err)
		}
		r.Flagged = flagged == 1
		r.Score, r.Reach, r.Authority, r.Engage, r.Activity = round2(float64(score)), round2(float64(reach)), round2(float64(auth)), round2(float64(eng)), round2(float64(act))
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%w: top influencers: %w", ErrQuery, err)
	}
	return out, nil
}

// round2 keeps two decimals, as the influence scores are computed.
func round2(x float64) float64 { return math.Round(x*100) / 100 }
