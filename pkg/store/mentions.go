package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/veille-oss/veille/pkg/platform/mention"
)

// MentionColumns are the columns the sink writes, in order.
var MentionColumns = []string{
	"id", "brand", "brand_group", "matched_terms", "source_kind", "source_name", "source_url",
	"url", "anchor", "thread_url", "thread_title", "title", "text",
	"author_name", "author_url", "author_key", "author_post_count", "author_followers",
	"published_at", "collected_at", "lang_hint", "lang", "lang_confidence",
	"sentiment_label", "sentiment_score", "sentiment_confidence", "sentiment_evidence",
	"toxic", "toxicity", "entities", "influence_score", "is_influencer", "dup_cluster",
	"position", "likes", "replies", "content_hash", "enriched_at", "version",
	"date_missing",
	"published_clamped",
	// 0010_social
	"reposts", "quotes", "views", "parent_url", "deleted",
	"author_handle", "author_following", "author_verified", "suspicious",
}

// minTime is the earliest DateTime ClickHouse stores; zero times map to it.
var minTime = time.Unix(0, 0).UTC()

func chTime(t time.Time) time.Time {
	if t.Before(minTime) || t.Year() > 2105 {
		return minTime
	}
	return t.UTC()
}

// InsertMentions writes one batch; it is committed when it returns nil.
// groups maps brand name to its group for share-of-voice queries.
//
// Rows are appended column by column from scratch slices reused across
// batches (see columns), not as one []any per row: the row form boxed ~40
// values per mention, which at the sink's rate was most of its garbage.
// The rows are the ones Row describes; TestInsertEveryColumnRoundTrips
// reads every column back.
func (s *Store) InsertMentions(ctx context.Context, ms []*mention.Mention, groups map[string]string) error {
	if len(ms) == 0 {
		return nil
	}
	q := fmt.Sprintf("INSERT INTO %s.mentions (%s)", s.DB, strings.Join(MentionColumns, ", "))
	batch, err := s.Conn.PrepareBatch(ctx, q)
	if err != nil {
		return fmt.Errorf("%w: prepare: %w", ErrUnavailable, err)
	}
	defer batch.Abort()
	s.mu.Lock()
	c := s.spare
	s.spare = nil
	s.mu.Unlock()
	if c == nil {
		c = new(columns)
	}
	defer func() {
		c.reset()
		s.mu.Lock()
		s.spare = c
		s.mu.Unlock()
	}()
	if err := c.append(batch, ms, groups); err != nil {
		return err
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("insert %d mentions: %w", len(ms), err)
	}
	return nil
}

// Row flattens a mention into MentionColumns order.
func Row(m *mention.Mention, groups map[string]string) []any {
	e := m.Enrichment
	if e == nil {
		e = &mention.Enrichment{}
	}
	published := m.PublishedAt
	if published.IsZero() {
		published = m.CollectedAt
	}
	var toxicity []string
	for _, f := range e.Toxicity {
		toxicity = append(toxicity, f.Category)
	}
	var entities []string
	for _, en := range e.Entities {
		entities = append(entities, en.Type+":"+en.Text)
	}
	// Later collections and enrichments win: the version grows with time.
	version := uint64(m.CollectedAt.UnixNano())
	if !e.EnrichedAt.IsZero() && uint64(e.EnrichedAt.UnixNano()) > version {
		version = uint64(e.EnrichedAt.UnixNano())
	}
	return []any{
		m.ID, m.Brand, groups[m.Brand], nonNil(m.MatchedTerms), m.SourceKind, m.SourceName, m.SourceURL,
		m.URL, m.Anchor, m.ThreadURL, m.ThreadTitle, m.Title, m.Text,
		m.Author.Name, m.Author.URL, e.AuthorKey, uint32(max(m.Author.PostCount, 0)), uint32(max(m.Author.Followers, 0)),
		chTime(published), chTime(m.CollectedAt), m.LangHint, e.Lang, float32(e.LangConfidence),
		e.Sentiment.Label, float32(e.Sentiment.Score), float32(e.Sentiment.Confidence), nonNil(e.Sentiment.Evidence),
		boolU8(e.Toxic), nonNil(toxicity), nonNil(entities), float32(e.InfluenceScore), boolU8(e.IsInfluencer), e.DupCluster,
		uint32(max(m.Position, 0)), uint32(max(m.Likes, 0)), uint32(max(m.Replies, 0)), m.ContentHash, chTime(e.EnrichedAt), version,
		boolU8(m.DateMissing),
		boolU8(m.PublishedClamped),
		uint32(max(m.Reposts, 0)), uint32(max(m.Quotes, 0)), uint64(max(m.Views, 0)), m.ParentURL, boolU8(m.Deleted),
		m.Author.Handle, uint32(max(m.Author.Following, 0)), boolU8(m.Author.Verified), nonNil(e.Suspicious),
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func boolU8(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// CountMentions returns count() FROM mentions FINAL, for tests and the demo summary.
func (s *Store) CountMentions(ctx context.Context, where string, args ...any) (uint64, error) {
	q := fmt.Sprintf("SELECT count() FROM %s.mentions FINAL", s.DB)
	if where != "" {
		q += " WHERE " + where
	}
	var n uint64
	if err := s.Conn.QueryRow(ctx, q, args...).Scan(&n); err != nil {
		return 0, err
	}
	return n, nil
}
