package store_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/store"
	"github.com/veille-oss/veille/pkg/tooling/loadgen"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
)

// enrichedMentions returns n varied loadgen mentions with enrichments the
// way the enricher fills them, plus the edge cases the sink must flatten:
// no enrichment, no published date, negative counts, dates ClickHouse
// cannot store, empty and nil slices.
func enrichedMentions(n int) []*mention.Mention {
	g := &loadgen.Generator{Seed: 42, Now: time.Date(2026, 3, 14, 10, 59, 7, 123456789, time.UTC)}
	labels := []string{"neg", "neu", "pos", ""}
	cats := []string{"insult", "obscenity", "hate", "threat"}
	ms := make([]*mention.Mention, n)
	for i := range ms {
		m := g.Mention(i)
		m.ThreadURL = fmt.Sprintf("https://forum.example/t/%d", i%7)
		m.ThreadTitle = fmt.Sprintf("Fil n°%d : « avis » sur l'été", i%7)
		m.ContentHash = fmt.Sprintf("%016x", uint64(i)*0x9e3779b97f4a7c15)
		m.Author.PostCount = i % 300
		m.Author.Followers = i * 37
		m.Likes, m.Replies = i%11, i%5
		if i%9 == 0 {
			m.MatchedTerms = nil
		}
		if i%5 != 4 { // every fifth mention has no enrichment
			e := &mention.Enrichment{
				Lang:           []string{"fr", "en", "de"}[i%3],
				LangConfidence: float64(i%100) / 100,
				Sentiment: mention.Sentiment{
					Label: labels[i%len(labels)], Score: float64(i%201-100) / 100, Confidence: float64(i%7) / 7,
				},
				InfluenceScore: float64(i%1000) / 10,
				IsInfluencer:   i%13 == 0,
				AuthorKey:      fmt.Sprintf("ak%04d", i%97),
				DupCluster:     fmt.Sprintf("c%d", i%50),
				EnrichedAt:     g.Now.Add(time.Duration(i) * time.Millisecond),
			}
			if i%3 == 0 {
				e.Sentiment.Evidence = []string{"nul", "pas terrible", "déçu"}[:1+i%3]
			}
			if i%4 == 0 {
				e.Toxic = true
				for j := 0; j <= i%3; j++ {
					e.Toxicity = append(e.Toxicity, mention.ToxicFlag{Category: cats[(i+j)%len(cats)], Evidence: []string{"x"}})
				}
			}
			if i%2 == 0 {
				e.Entities = []mention.Entity{{Text: m.Brand, Type: "ORG"}, {Text: "Lyon", Type: "LOC"}}
			}
			if i%17 == 0 {
				e.EnrichedAt = time.Time{}
			}
			if i%19 == 0 {
				// Older enrichment than collection: version keeps the collection time.
				e.EnrichedAt = m.CollectedAt.Add(-time.Hour)
			}
			m.Enrichment = e
		}
		if i%6 == 1 { // a social post: engagement, parent, handle, suspicious reasons
			m.SourceKind = mention.SocialKinds[i%len(mention.SocialKinds)]
			m.Reposts, m.Quotes, m.Views = i%17, i%3, int64(i)*1_000_003
			m.ParentURL = fmt.Sprintf("https://bsky.app/profile/p%d/post/%d", i%5, i)
			m.Deleted = i%12 == 7
			m.Author.Handle, m.Author.Following, m.Author.Verified = fmt.Sprintf("@a%d.bsky.social", i), i*3, i%4 == 1
			if m.Enrichment != nil && i%5 == 1 {
				m.Enrichment.Suspicious = []string{mention.SuspiciousCoordinated, mention.SuspiciousFollowRatio}[:1+i%2]
			}
		}
		switch i % 23 {
		case 1:
			m.PublishedAt = time.Time{} // falls back to collected_at
			m.DateMissing = true
		case 2:
			m.Author.PostCount, m.Author.Followers, m.Likes, m.Replies, m.Position = -1, -5, -2, -3, -4
			m.Reposts, m.Quotes, m.Views, m.Author.Following = -1, -2, -3, -4
		case 3:
			m.PublishedAt = time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC) // before DateTime's range
		case 4:
			m.PublishedAt = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC) // after it
		case 5:
			m.PublishedClamped = true
		}
		ms[i] = m
	}
	return ms
}

// storedRow is one row read back from veille.mentions, every column.
type storedRow struct {
	id, brand, group                                 string
	matched                                          []string
	kind, sourceName, sourceURL                      string
	url, anchor, threadURL, threadTitle, title, text string
	authorName, authorURL, authorKey                 string
	postCount, followers                             uint32
	published, collected                             time.Time
	langHint, lang                                   string
	langConf                                         float32
	label                                            string
	score, conf                                      float32
	evidence                                         []string
	toxic                                            uint8
	toxicity, entities                               []string
	influence                                        float32
	influencer                                       uint8
	dupCluster                                       string
	position, likes, replies                         uint32
	contentHash                                      string
	enrichedAt                                       time.Time
	version                                          uint64
	dateMissing                                      uint8
	clamped                                          uint8
	// 0010_social
	reposts, quotes uint32
	views           uint64
	parentURL       string
	deleted         uint8
	handle          string
	following       uint32
	verified        uint8
	suspicious      []string
}

// wantRow computes the row a mention must become, independently of
// store.Row, column by column as schemas/clickhouse/README.md documents.
func wantRow(m *mention.Mention, groups map[string]string) storedRow {
	e := m.Enrichment
	if e == nil {
		e = &mention.Enrichment{}
	}
	chTime := func(t time.Time) time.Time {
		if t.Unix() < 0 || t.Year() > 2105 {
			return time.Unix(0, 0).UTC()
		}
		return t.UTC().Truncate(time.Second)
	}
	u32 := func(n int) uint32 {
		if n < 0 {
			return 0
		}
		return uint32(n)
	}
	b := func(v bool) uint8 {
		if v {
			return 1
		}
		return 0
	}
	orEmpty := func(s []string) []string {
		if s == nil {
			return []string{}
		}
		return s
	}
	published := m.PublishedAt
	if published.IsZero() {
		published = m.CollectedAt
	}
	tox := []string{}
	for _, f := range e.Toxicity {
		tox = append(tox, f.Category)
	}
	ents := []string{}
	for _, en := range e.Entities {
		ents = append(ents, en.Type+":"+en.Text)
	}
	version := uint64(m.CollectedAt.UnixNano())
	if !e.EnrichedAt.IsZero() {
		version = max(version, uint64(e.EnrichedAt.UnixNano()))
	}
	return storedRow{
		id: m.ID, brand: m.Brand, group: groups[m.Brand], matched: orEmpty(m.MatchedTerms),
		kind: m.SourceKind, sourceName: m.SourceName, sourceURL: m.SourceURL,
		url: m.URL, anchor: m.Anchor, threadURL: m.ThreadURL, threadTitle: m.ThreadTitle, title: m.Title, text: m.Text,
		authorName: m.Author.Name, authorURL: m.Author.URL, authorKey: e.AuthorKey,
		postCount: u32(m.Author.PostCount), followers: u32(m.Author.Followers),
		published: chTime(published), collected: chTime(m.CollectedAt),
		langHint: m.LangHint, lang: e.Lang, langConf: float32(e.LangConfidence),
		label: e.Sentiment.Label, score: float32(e.Sentiment.Score), conf: float32(e.Sentiment.Confidence),
		evidence: orEmpty(e.Sentiment.Evidence), toxic: b(e.Toxic), toxicity: tox, entities: ents,
		influence: float32(e.InfluenceScore), influencer: b(e.IsInfluencer), dupCluster: e.DupCluster,
		position: u32(m.Position), likes: u32(m.Likes), replies: u32(m.Replies), contentHash: m.ContentHash,
		enrichedAt: chTime(e.EnrichedAt), version: version, dateMissing: b(m.DateMissing), clamped: b(m.PublishedClamped),
		reposts: u32(m.Reposts), quotes: u32(m.Quotes), views: uint64(max(m.Views, 0)), parentURL: m.ParentURL, deleted: b(m.Deleted),
		handle: m.Author.Handle, following: u32(m.Author.Following), verified: b(m.Author.Verified), suspicious: orEmpty(e.Suspicious),
	}
}

// TestInsertEveryColumnRoundTrips inserts a varied batch and reads every
// column of every row back.
func TestInsertEveryColumnRoundTrips(t *testing.T) {
	cfg := testenv.Config(t)
	st := testenv.Store(t, cfg)
	ctx := context.Background()
	ms := enrichedMentions(2000)
	groups := map[string]string{"Duval": "laitiers", "Voltéo": "énergie"}
	// Two batches through the same store: buffers reused across inserts
	// must not leak rows from one batch into the next.
	if err := st.InsertMentions(ctx, ms[:1500], groups); err != nil {
		t.Fatal(err)
	}
	if err := st.InsertMentions(ctx, ms[1500:], groups); err != nil {
		t.Fatal(err)
	}
	byID := map[string]*mention.Mention{}
	for _, m := range ms {
		byID[m.ID] = m
	}
	if len(byID) != len(ms) {
		t.Fatalf("loadgen gave %d distinct ids for %d mentions", len(byID), len(ms))
	}
	cols := slices.Clone(store.MentionColumns)
	for i, c := range cols {
		if c == "source_kind" || c == "sentiment_label" {
			cols[i] = "toString(" + c + ")"
		}
	}
	rows, err := st.Conn.Query(ctx, "SELECT "+strings.Join(cols, ", ")+" FROM "+st.DB+".mentions")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var r storedRow
		if err := rows.Scan(&r.id, &r.brand, &r.group, &r.matched, &r.kind, &r.sourceName, &r.sourceURL,
			&r.url, &r.anchor, &r.threadURL, &r.threadTitle, &r.title, &r.text,
			&r.authorName, &r.authorURL, &r.authorKey, &r.postCount, &r.followers,
			&r.published, &r.collected, &r.langHint, &r.lang, &r.langConf,
			&r.label, &r.score, &r.conf, &r.evidence,
			&r.toxic, &r.toxicity, &r.entities, &r.influence, &r.influencer, &r.dupCluster,
			&r.position, &r.likes, &r.replies, &r.contentHash, &r.enrichedAt, &r.version, &r.dateMissing, &r.clamped,
			&r.reposts, &r.quotes, &r.views, &r.parentURL, &r.deleted, &r.handle, &r.following, &r.verified, &r.suspicious); err != nil {
			t.Fatal(err)
		}
		n++
		m := byID[r.id]
		if m == nil {
			t.Fatalf("row with unknown id %q", r.id)
		}
		delete(byID, r.id)
		r.published, r.collected, r.enrichedAt = r.published.UTC(), r.collected.UTC(), r.enrichedAt.UTC()
		if want := wantRow(m, groups); !equalRows(r, want) {
			t.Fatalf("mention %s:\n got %+v\nwant %+v", m.ID, r, want)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != len(ms) || len(byID) != 0 {
		t.Fatalf("read %d rows for %d mentions (%d missing)", n, len(ms), len(byID))
	}
}

// processCPU is the user+system CPU time this process used so far.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func equalRows(a, b storedRow) bool {
	eqF := func(x, y float32) bool { return x == y || (math.IsNaN(float64(x)) && math.IsNaN(float64(y))) }
	return a.id == b.id && a.brand == b.brand && a.group == b.group && slices.Equal(a.matched, b.matched) &&
		a.kind == b.kind && a.sourceName == b.sourceName && a.sourceURL == b.sourceURL &&
		a.url == b.url && a.anchor == b.anchor && a.threadURL == b.threadURL && a.threadTitle == b.threadTitle &&
		a.title == b.title && a.text == b.text &&
		a.authorName == b.authorName && a.authorURL == b.authorURL && a.authorKey == b.authorKey &&
		a.postCount == b.postCount && a.followers == b.followers &&
		a.published.Equal(b.published) && a.collected.Equal(b.collected) &&
		a.langHint == b.langHint && a.lang == b.lang && eqF(a.langConf, b.langConf) &&
		a.label == b.label && eqF(a.score, b.score) && eqF(a.conf, b.conf) && slices.Equal(a.evidence, b.evidence) &&
		a.toxic == b.toxic && slices.Equal(a.toxicity, b.toxicity) && slices.Equal(a.entities, b.entities) &&
		eqF(a.influence, b.influence) && a.influencer == b.influencer && a.dupCluster == b.dupCluster &&
		a.position == b.position && a.likes == b.likes && a.replies == b.replies && a.contentHash == b.contentHash &&
		a.enrichedAt.Equal(b.enrichedAt) && a.version == b.version && a.dateMissing == b.dateMissing && a.clamped == b.clamped &&
		a.reposts == b.reposts && a.quotes == b.quotes && a.views == b.views && a.parentURL == b.parentURL && a.deleted == b.deleted &&
		a.handle == b.handle && a.following == b.following && a.verified == b.verified && slices.Equal(a.suspicious, b.suspicious)
}

// BenchmarkInsertMentions measures one committed INSERT of a batch against
// the real ClickHouse, reported per row.
func BenchmarkInsertMentions(b *testing.B) {
	cfg := testenv.Config(b)
	st := testenv.Store(b, cfg)
	ctx := context.Background()
	groups := map[string]string{"Duval": "laitiers"}
	for _, size := range []int{10_000} {
		ms := enrichedMentions(size)
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			b.ReportAllocs()
			cpu0 := processCPU(b)
			for b.Loop() {
				if err := st.InsertMentions(ctx, ms, groups); err != nil {
					b.Fatal(err)
				}
			}
			// The client's own CPU (ClickHouse runs in another process):
			// what the sink pays per row, unlike the wall time.
			b.ReportMetric(float64((processCPU(b)-cpu0).Nanoseconds())/float64(b.N*size), "cpu-ns/row")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*size), "ns/row")
			b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// TestInsertUnknownEnumNamesTheRow: a value the Enum8 columns do not know
// is refused for good (the sink bisects and dead-letters it), naming the
// mention and the column.
func TestInsertUnknownEnumNamesTheRow(t *testing.T) {
	cfg := testenv.Config(t)
	st := testenv.Store(t, cfg)
	for _, c := range []struct {
		name, column string
		spoil        func(m *mention.Mention)
	}{
		{"source kind", "source_kind", func(m *mention.Mention) { m.SourceKind = "tiktok" }},
		{"sentiment label", "sentiment_label", func(m *mention.Mention) { m.Enrichment.Sentiment.Label = "mixed" }},
	} {
		t.Run(c.name, func(t *testing.T) {
			ms := enrichedMentions(10)
			c.spoil(ms[6])
			err := st.InsertMentions(context.Background(), ms, nil)
			if !errors.Is(err, store.ErrRowRefused) || !strings.Contains(err.Error(), ms[6].ID) || !strings.Contains(err.Error(), c.column) {
				t.Fatalf("err = %v, want %v naming mention %s and column %s", err, store.ErrRowRefused, ms[6].ID, c.column)
			}
			if n, err := st.CountMentions(context.Background(), ""); err != nil || n != 0 {
				t.Fatalf("%d rows stored from a refused batch (%v)", n, err)
			}
		})
	}
}
