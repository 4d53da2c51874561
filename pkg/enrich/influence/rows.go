package influence

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/veille-oss/veille/pkg/store"
)

// errInsert wraps failures to write veille.authors.
var errInsert = errors.New("insert authors")

// AuthorRow is one row of veille.authors: an author's signals, score and
// components at UpdatedAt. The table keeps the highest Version per key.
type AuthorRow struct {
	AuthorKey   string
	DisplayName string
	Site        string
	ProfileURL  string
	FirstSeen   time.Time
	LastSeen    time.Time
	Mentions    uint64
	Decayed     float32 // decayed mention count at UpdatedAt
	FeedShare   float32
	// Brands and the parallel per-brand arrays (same length and order).
	Brands          []string
	BrandMentions   []uint32
	BrandPos        []uint32
	BrandNeg        []uint32
	BrandNeu        []uint32
	BrandInfluencer []uint8
	Likes           uint64
	Replies         uint64
	Quotes          uint64
	Followers       uint32
	PostCount       uint32
	Reputation      int32
	ActiveDays      uint16
	InlinkDomains   uint32
	PageRank        float32 // relative: 1 = average domain
	Reach           float32
	Authority       float32
	Engagement      float32
	Activity        float32
	Score           float32
	UpdatedAt       time.Time
	Version         uint64
}

// AuthorColumns are the columns InsertAuthors writes, in AuthorRow order.
var AuthorColumns = []string{
	"author_key", "display_name", "site", "profile_url", "first_seen", "last_seen",
	"mentions", "mentions_decayed", "feed_share",
	"brands", "brand_mentions", "brand_pos", "brand_neg", "brand_neu", "brand_influencer",
	"likes", "replies", "quotes", "followers", "post_count", "reputation", "active_days",
	"inlink_domains", "pagerank", "reach", "authority", "engagement", "activity", "score",
	"updated_at", "version",
}

func (r *AuthorRow) values() []any {
	return []any{
		r.AuthorKey, r.DisplayName, r.Site, r.ProfileURL, chTime(r.FirstSeen), chTime(r.LastSeen),
		r.Mentions, r.Decayed, r.FeedShare,
		nonNil(r.Brands), nonNil(r.BrandMentions), nonNil(r.BrandPos), nonNil(r.BrandNeg), nonNil(r.BrandNeu), nonNil(r.BrandInfluencer),
		r.Likes, r.Replies, r.Quotes, r.Followers, r.PostCount, r.Reputation, r.ActiveDays,
		r.InlinkDomains, r.PageRank, r.Reach, r.Authority, r.Engagement, r.Activity, r.Score,
		chTime(r.UpdatedAt), r.Version,
	}
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// chTime maps times ClickHouse's DateTime cannot hold to the epoch.
func chTime(t time.Time) time.Time {
	if t.Before(time.Unix(0, 0)) || t.Year() > 2105 {
		return time.Unix(0, 0).UTC()
	}
	return t.UTC()
}

// InsertAuthors writes rows to db.authors in one batch with named columns
// (the insert form ClickHouse 18.16 accepts from clickhouse-go).
func InsertAuthors(ctx context.Context, conn driver.Conn, db string, rows []AuthorRow) error {
	vals := make([][]any, len(rows))
	for i := range rows {
		vals[i] = rows[i].values()
	}
	if err := store.InsertRows(ctx, conn, db, "authors", AuthorColumns, vals); err != nil {
		return fmt.Errorf("%w: %w", errInsert, err)
	}
	return nil
}

// Rows snapshots every author in memory that has at least one mention,
// sorted by score (highest first).
func (t *Tracker) Rows() []AuthorRow { return t.rows(false) }

// DirtyRows snapshots the authors changed since the previous DirtyRows
// call (all of them the first time): what a periodic writer to
// veille.authors needs.
func (t *Tracker) DirtyRows() []AuthorRow { return t.rows(true) }

func (t *Tracker) rows(onlyDirty bool) []AuthorRow {
	now := time.Now().UTC()
	version := uint64(now.UnixNano())
	var out []AuthorRow
	for i := range t.shards {
		sh := &t.shards[i]
		sh.mu.Lock()
		for _, a := range sh.authors {
			if onlyDirty {
				if !a.rowDirty {
					continue
				}
				a.rowDirty = false
			}
			if a.st.Mentions == 0 {
				continue
			}
			out = append(out, t.row(&a.st, now, version))
		}
		sh.mu.Unlock()
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].AuthorKey < out[j].AuthorKey
	})
	return out
}

func (t *Tracker) row(s *authorState, now time.Time, version uint64) AuthorRow {
	sig := t.signals(s)
	score, comp := Score(sig)
	r := AuthorRow{
		AuthorKey: s.Key, DisplayName: s.Name, Site: s.Site, ProfileURL: s.Profile,
		FirstSeen: time.Unix(s.First, 0), LastSeen: time.Unix(s.Last, 0),
		Mentions: uint64(s.Mentions), Decayed: float32(sig.DecayedMentions), FeedShare: float32(sig.FeedShare),
		Likes: uint64(s.Likes), Replies: uint64(s.Replies), Quotes: uint64(s.Quotes),
		Followers: uint32(min(s.Followers, 1<<31)), PostCount: uint32(min(s.PostCount, 1<<31)), Reputation: int32(min(s.Reputation, 1<<30)),
		ActiveDays: uint16(sig.ActiveDays), InlinkDomains: uint32(sig.InlinkDomains), PageRank: float32(sig.PageRankRel),
		Reach: float32(comp[Reach]), Authority: float32(comp[Authority]), Engagement: float32(comp[Engagement]), Activity: float32(comp[Activity]),
		Score: float32(score), UpdatedAt: now, Version: version,
	}
	for _, b := range s.Brands {
		r.Brands = append(r.Brands, b.Brand)
		r.BrandMentions = append(r.BrandMentions, uint32(b.N))
		r.BrandPos = append(r.BrandPos, uint32(b.Pos))
		r.BrandNeg = append(r.BrandNeg, uint32(b.Neg))
		r.BrandNeu = append(r.BrandNeu, uint32(b.Neu))
		var f uint8
		if t.influencer(s, score, b.Brand) {
			f = 1
		}
		r.BrandInfluencer = append(r.BrandInfluencer, f)
	}
	return r
}
