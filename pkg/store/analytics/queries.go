package analytics

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// VolumePoint is the mention count of one time bucket, split by sentiment
// ("" = not enriched counts in Total only).
type VolumePoint struct {
	Start time.Time `json:"start"`
	Neg   uint64    `json:"neg"`
	Neu   uint64    `json:"neu"`
	Pos   uint64    `json:"pos"`
	Total uint64    `json:"total"`
}

// Volume is a series of contiguous buckets of Step from From to To
// (empty buckets included, so charts show gaps as zeros).
type Volume struct {
	Step   time.Duration `json:"step"`
	Points []VolumePoint `json:"points"`
}

// AutoStep picks a bucket size giving at most a few hundred points.
func AutoStep(from, to time.Time) time.Duration {
	span := to.Sub(from)
	switch {
	case span <= 6*time.Hour:
		return 15 * time.Minute
	case span <= 3*24*time.Hour:
		return time.Hour
	case span <= 120*24*time.Hour:
		return 24 * time.Hour
	default:
		return 7 * 24 * time.Hour
	}
}

// span fills a missing From/To: the last 7 days up to now.
func (f Filter) span(now time.Time) (time.Time, time.Time) {
	to := f.To
	if to.IsZero() {
		to = now
	}
	from := f.From
	if from.IsZero() {
		from = to.Add(-7 * 24 * time.Hour)
	}
	return from.UTC(), to.UTC()
}

// VolumeSeries counts mentions per time bucket and sentiment. A zero step
// is chosen by AutoStep; missing From/To default to the last 7 days.
func VolumeSeries(ctx context.Context, conn driver.Conn, db string, f Filter, step time.Duration) (Volume, error) {
	if err := f.Validate(); err != nil {
		return Volume{}, err
	}
	t, err := table(db, "mentions")
	if err != nil {
		return Volume{}, err
	}
	from, to := f.span(time.Now())
	f.From, f.To = from, to
	if step <= 0 {
		step = AutoStep(from, to)
	}
	if step < time.Minute {
		return Volume{}, fmt.Errorf("%w: step must be at least 1m, got %s", ErrBadFilter, step)
	}
	if to.Sub(from)/step > 5000 {
		return Volume{}, fmt.Errorf("%w: %s steps over %s make more than 5000 points", ErrBadFilter, step, to.Sub(from))
	}
	sec := int64(step / time.Second)
	w := f.where(false)
	q := fmt.Sprintf(`SELECT intDiv(toUInt32(published_at), %d) * %d AS b,
  countIf(sentiment_label = 'neg'), countIf(sentiment_label = 'neu'), countIf(sentiment_label = 'pos'), count()
FROM %s FINAL WHERE %s GROUP BY b ORDER BY b`, sec, sec, t, w.sql())
	type bucket struct {
		at uint64
		p  VolumePoint
	}
	buckets, err := queryAll(ctx, conn, "volume", q, w.args, func(rows driver.Rows, b *bucket) error {
		return rows.Scan(&b.at, &b.p.Neg, &b.p.Neu, &b.p.Pos, &b.p.Total)
	})
	if err != nil {
		return Volume{}, err
	}
	got := make(map[int64]VolumePoint, len(buckets))
	for _, b := range buckets {
		got[int64(b.at)] = b.p
	}
	v := Volume{Step: step}
	first := from.Unix() / sec * sec
	for b := first; b < to.Unix(); b += sec {
		p := got[b]
		p.Start = time.Unix(b, 0).UTC()
		v.Points = append(v.Points, p)
	}
	return v, nil
}

// Sentiment is the sentiment balance of a set of mentions. Net is
// (pos - neg) / (pos + neg + neu) in percent, 0 when there is nothing.
type Sentiment struct {
	Total uint64  `json:"total"`
	Neg   uint64  `json:"neg"`
	Neu   uint64  `json:"neu"`
	Pos   uint64  `json:"pos"`
	Net   float64 `json:"net"`
	// AvgScore is the mean sentiment score (-1..1) of enriched mentions.
	AvgScore float64 `json:"avg_score"`
}

func net(pos, neg, neu uint64) float64 {
	d := pos + neg + neu
	if d == 0 {
		return 0
	}
	return math.Round((float64(pos)-float64(neg))/float64(d)*1000) / 10
}

// NetSentiment sums the sentiment labels of the filtered mentions.
func NetSentiment(ctx context.Context, conn driver.Conn, db string, f Filter) (Sentiment, error) {
	if err := f.Validate(); err != nil {
		return Sentiment{}, err
	}
	t, err := table(db, "mentions")
	if err != nil {
		return Sentiment{}, err
	}
	w := f.where(false)
	q := fmt.Sprintf(`SELECT count(), countIf(sentiment_label = 'neg'), countIf(sentiment_label = 'neu'), countIf(sentiment_label = 'pos'),
  ifNull(avgIf(toFloat64(sentiment_score), sentiment_label != ''), 0)
FROM %s FINAL WHERE %s`, t, w.sql())
	var s Sentiment
	if err := conn.QueryRow(ctx, q, w.args...).Scan(&s.Total, &s.Neg, &s.Neu, &s.Pos, &s.AvgScore); err != nil {
		return Sentiment{}, queryErr("net sentiment", err)
	}
	if math.IsNaN(s.AvgScore) {
		s.AvgScore = 0
	}
	s.Net = net(s.Pos, s.Neg, s.Neu)
	return s, nil
}

// BrandShare is one brand's share of the voice of its group.
type BrandShare struct {
	Brand    string  `json:"brand"`
	Mentions uint64  `json:"mentions"`
	Share    float64 `json:"share"` // percent of the group's mentions
	Net      float64 `json:"net"`
}

// ShareOfVoice compares the brands of a group: f.Group, or the group of
// f.Brand. Other filters (period, kind, language...) apply to every brand.
// A brand without a group is compared with nobody: its share is 100 %.
func ShareOfVoice(ctx context.Context, conn driver.Conn, db string, f Filter) ([]BrandShare, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	t, err := table(db, "mentions")
	if err != nil {
		return nil, err
	}
	if f.Group == "" && f.Brand != "" {
		var g string
		err := conn.QueryRow(ctx, fmt.Sprintf("SELECT any(brand_group) FROM %s WHERE brand = ?", t), f.Brand).Scan(&g)
		if err != nil {
			return nil, queryErr("share of voice: group", err)
		}
		f.Group = g
	}
	skipBrand := f.Group != ""
	w := f.where(skipBrand)
	q := fmt.Sprintf(`SELECT brand, count() AS n, countIf(sentiment_label = 'neg'), countIf(sentiment_label = 'neu'), countIf(sentiment_label = 'pos')
FROM %s FINAL WHERE %s GROUP BY brand ORDER BY n DESC, brand LIMIT %d`, t, w.sql(), f.limit())
	var total uint64
	out, err := queryAll(ctx, conn, "share of voice", q, w.args, func(rows driver.Rows, b *BrandShare) error {
		var neg, neu, pos uint64
		if err := rows.Scan(&b.Brand, &b.Mentions, &neg, &neu, &pos); err != nil {
			return err
		}
		b.Net = net(pos, neg, neu)
		total += b.Mentions
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Share = math.Round(float64(out[i].Mentions)/float64(total)*1000) / 10
	}
	return out, nil
}

// SourceCount is one source's mention count.
type SourceCount struct {
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	Mentions uint64 `json:"mentions"`
	Neg      uint64 `json:"neg"`
	Pos      uint64 `json:"pos"`
}

// TopSources ranks sources by mention count.
func TopSources(ctx context.Context, conn driver.Conn, db string, f Filter) ([]SourceCount, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	t, err := table(db, "mentions")
	if err != nil {
		return nil, err
	}
	w := f.where(false)
	q := fmt.Sprintf(`SELECT source_name, toString(any(source_kind)), count() AS n, countIf(sentiment_label = 'neg'), countIf(sentiment_label = 'pos')
FROM %s FINAL WHERE %s GROUP BY source_name ORDER BY n DESC, source_name LIMIT %d`, t, w.sql(), f.limit())
	return queryAll(ctx, conn, "top sources", q, w.args, func(rows driver.Rows, s *SourceCount) error {
		return rows.Scan(&s.Name, &s.Kind, &s.Mentions, &s.Neg, &s.Pos)
	})
}

// AuthorCount is one author's activity. Authors are grouped by the
// enricher's author key when set (same person across sources), else by name.
type AuthorCount struct {
	// Key selects the author in a search (Filter.Author).
	Key            string  `json:"key"`
	Name           string  `json:"name"`
	URL            string  `json:"url"`
	Mentions       uint64  `json:"mentions"`
	Neg            uint64  `json:"neg"`
	Pos            uint64  `json:"pos"`
	Influencer     bool    `json:"influencer"`
	InfluenceScore float64 `json:"influence_score"`
	Followers      uint64  `json:"followers"`
}

// TopAuthors ranks named authors by mention count (with InfluencerOnly: the
// influencers, by influence score then count).
func TopAuthors(ctx context.Context, conn driver.Conn, db string, f Filter) ([]AuthorCount, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	t, err := table(db, "mentions")
	if err != nil {
		return nil, err
	}
	// An influencer is an author flagged influential on at least one
	// mention of the period, and every mention of theirs counts: filtering
	// the rows on is_influencer instead dropped the mentions written before
	// the flag was raised, so "Influenceurs" said 8 where "Auteurs" said 9.
	infl := f.InfluencerOnly
	f.InfluencerOnly = false
	w := f.where(false)
	w.add("author_name != ''")
	order, having := "n DESC, score DESC", ""
	if infl {
		order, having = "score DESC, n DESC", "HAVING max(is_influencer) = 1"
	}
	q := fmt.Sprintf(`SELECT %s AS k, any(author_name), any(author_url), count() AS n,
  countIf(sentiment_label = 'neg'), countIf(sentiment_label = 'pos'), max(is_influencer), toFloat64(max(influence_score)) AS score, toUInt64(max(author_followers))
FROM %s FINAL WHERE %s GROUP BY k %s ORDER BY %s, k LIMIT %d`, authorKey, t, w.sql(), having, order, f.limit())
	return queryAll(ctx, conn, "top authors", q, w.args, func(rows driver.Rows, a *AuthorCount) error {
		var infl uint8
		if err := rows.Scan(&a.Key, &a.Name, &a.URL, &a.Mentions, &a.Neg, &a.Pos, &infl, &a.InfluenceScore, &a.Followers); err != nil {
			return err
		}
		a.Influencer = infl == 1
		a.InfluenceScore = math.Round(a.InfluenceScore*10) / 10
		return nil
	})
}

// TermCount is how often a term occurs across mentions, and in how many
// negative and positive ones.
type TermCount struct {
	Term     string `json:"term"`
	Mentions uint64 `json:"mentions"`
	Neg      uint64 `json:"neg"`
	Pos      uint64 `json:"pos"`
}

// Terms are the top matched terms (what made the mention match the brand)
// and the top tone words: the sentiment evidence of the rows (the words
// that decided the brand's label), without stop words or brand names.
type Terms struct {
	Matched  []TermCount `json:"matched"`
	Evidence []TermCount `json:"evidence"`
}

// TopTerms ranks the matched terms and the sentiment evidence, lower-cased.
func TopTerms(ctx context.Context, conn driver.Conn, db string, f Filter) (Terms, error) {
	if err := f.Validate(); err != nil {
		return Terms{}, err
	}
	t, err := table(db, "mentions")
	if err != nil {
		return Terms{}, err
	}
	var out Terms
	for _, col := range []string{"matched_terms", "sentiment_evidence"} {
		w := f.where(false)
		cond := "term != ''"
		if col == "sentiment_evidence" {
			// the tone words: evidence words without stop words, pattern tags or brand names.
			cond = toneWordsCond()
		}
		q := fmt.Sprintf(`SELECT term, count() AS n, countIf(s = 'neg'), countIf(s = 'pos') FROM (
  SELECT lowerUTF8(arrayJoin(%s)) AS term, toString(sentiment_label) AS s, brand, matched_terms FROM %s FINAL WHERE %s
) WHERE %s GROUP BY term ORDER BY n DESC, term LIMIT %d`, col, t, w.sql(), cond, f.limit())
		list, err := queryAll(ctx, conn, "top terms", q, w.args, func(rows driver.Rows, tc *TermCount) error {
			return rows.Scan(&tc.Term, &tc.Mentions, &tc.Neg, &tc.Pos)
		})
		if err != nil {
			return Terms{}, err
		}
		if col == "matched_terms" {
			out.Matched = list
		} else {
			out.Evidence = list
		}
	}
	return out, nil
}

// LangCount is the number of mentions in one language ("und" when unknown).
type LangCount struct {
	Lang     string  `json:"lang"`
	Mentions uint64  `json:"mentions"`
	Share    float64 `json:"share"`
}

// LanguageSplit counts mentions per detected language.
func LanguageSplit(ctx context.Context, conn driver.Conn, db string, f Filter) ([]LangCount, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	t, err := table(db, "mentions")
	if err != nil {
		return nil, err
	}
	w := f.where(false)
	q := fmt.Sprintf(`SELECT if(lang = '', 'und', lang) AS l, count() AS n FROM %s FINAL WHERE %s GROUP BY l ORDER BY n DESC, l LIMIT %d`, t, w.sql(), f.limit())
	var total uint64
	out, err := queryAll(ctx, conn, "language split", q, w.args, func(rows driver.Rows, l *LangCount) error {
		if err := rows.Scan(&l.Lang, &l.Mentions); err != nil {
			return err
		}
		total += l.Mentions
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Share = math.Round(float64(out[i].Mentions)/float64(total)*1000) / 10
	}
	return out, nil
}

// queryAll runs q and scans every row into a T with scan; errors are
// wrapped by queryErr under what.
func queryAll[T any](ctx context.Context, conn driver.Conn, what, q string, args []any, scan func(driver.Rows, *T) error) ([]T, error) {
	rows, err := conn.Query(ctx, q, args...)
	if err != nil {
		return nil, queryErr(what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := scan(rows, &v); err != nil {
			return nil, queryErr(what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, queryErr(what, err)
	}
	return out, nil
}
