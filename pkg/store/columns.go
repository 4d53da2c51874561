package store

import (
	"encoding/binary"
	"fmt"
	"io"
	"slices"
	"time"

	chproto "github.com/ClickHouse/ch-go/proto"
	"github.com/ClickHouse/clickhouse-go/v2/lib/column"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/ClickHouse/clickhouse-go/v2/lib/proto"

	"github.com/veille-oss/veille/pkg/platform/mention"
)

// columns holds one batch of mentions flattened column-wise, in
// MentionColumns order. Its slices keep their capacity between batches; a
// Store pools them so concurrent inserts each get their own.
type columns struct {
	str  [18][]string // the String columns, indexed by the str* constants
	u32  [5][]uint32  // author_post_count, author_followers, position, likes, replies
	f32  [4][]float32 // lang_confidence, sentiment_score, sentiment_confidence, influence_score
	u8   [4][]uint8   // toxic, is_influencer, date_missing, published_clamped
	tm   [3][]time.Time
	ver  []uint64
	soc  socialColumns
	toxs []string // backing of the per-row toxicity arrays
	// arrays sizes matched_terms, sentiment_evidence, toxicity, entities.
	arrays [4]arraySize
}

// String columns, in MentionColumns order.
const (
	strID = iota
	strBrand
	strGroup
	strSourceName
	strSourceURL
	strURL
	strAnchor
	strThreadURL
	strThreadTitle
	strTitle
	strText
	strAuthorName
	strAuthorURL
	strAuthorKey
	strLangHint
	strLang
	strDupCluster
	strContentHash
)

// append flattens ms into c and appends every column to batch. Row-level
// errors (an Enum8 value the table does not know) name the mention, like
// a row-wise append did.
func (c *columns) append(batch driver.Batch, ms []*mention.Mention, groups map[string]string) error {
	noEnrichment := new(mention.Enrichment) // for mentions the enricher has not filled; read only
	for _, m := range ms {
		e := m.Enrichment
		if e == nil {
			e = noEnrichment
		}
		published := m.PublishedAt
		if published.IsZero() {
			published = m.CollectedAt
		}
		// Later collections and enrichments win: the version grows with time.
		version := uint64(m.CollectedAt.UnixNano())
		if !e.EnrichedAt.IsZero() && uint64(e.EnrichedAt.UnixNano()) > version {
			version = uint64(e.EnrichedAt.UnixNano())
		}
		for i, v := range [...]string{
			m.ID, m.Brand, groups[m.Brand], m.SourceName, m.SourceURL,
			m.URL, m.Anchor, m.ThreadURL, m.ThreadTitle, m.Title, m.Text,
			m.Author.Name, m.Author.URL, e.AuthorKey, m.LangHint, e.Lang, e.DupCluster, m.ContentHash,
		} {
			c.str[i] = append(c.str[i], v)
		}
		for i, v := range [...]int{m.Author.PostCount, m.Author.Followers, m.Position, m.Likes, m.Replies} {
			c.u32[i] = append(c.u32[i], uint32(max(v, 0)))
		}
		for i, v := range [...]float64{e.LangConfidence, e.Sentiment.Score, e.Sentiment.Confidence, e.InfluenceScore} {
			c.f32[i] = append(c.f32[i], float32(v))
		}
		c.u8[0] = append(c.u8[0], boolU8(e.Toxic))
		c.u8[1] = append(c.u8[1], boolU8(e.IsInfluencer))
		c.u8[2] = append(c.u8[2], boolU8(m.DateMissing))
		c.u8[3] = append(c.u8[3], boolU8(m.PublishedClamped))
		c.tm[0] = append(c.tm[0], chTime(published))
		c.tm[1] = append(c.tm[1], chTime(m.CollectedAt))
		c.tm[2] = append(c.tm[2], chTime(e.EnrichedAt))
		c.ver = append(c.ver, version)
		c.soc.add(m)
		c.arrays[0].add(m.MatchedTerms...)
		c.arrays[1].add(e.Sentiment.Evidence...)
		for _, f := range e.Toxicity {
			c.arrays[2].add(f.Category)
		}
		for _, en := range e.Entities {
			c.arrays[3].elems++
			c.arrays[3].bytes += len(en.Type) + 1 + len(en.Text)
		}
	}
	// Column index -> values, in MentionColumns order; nil marks the
	// columns appended row by row below.
	cols := [...]any{
		c.str[strID], c.str[strBrand], c.str[strGroup], nil, nil, c.str[strSourceName], c.str[strSourceURL],
		c.str[strURL], c.str[strAnchor], c.str[strThreadURL], c.str[strThreadTitle], c.str[strTitle], c.str[strText],
		c.str[strAuthorName], c.str[strAuthorURL], c.str[strAuthorKey], c.u32[0], c.u32[1],
		c.tm[0], c.tm[1], c.str[strLangHint], c.str[strLang], c.f32[0],
		nil, c.f32[1], c.f32[2], nil,
		c.u8[0], nil, nil, c.f32[3], c.u8[1], c.str[strDupCluster],
		c.u32[2], c.u32[3], c.u32[4], c.str[strContentHash], c.tm[2], c.ver,
		c.u8[2], c.u8[3],
		c.soc.reposts, c.soc.quotes, c.soc.views, c.soc.parentURL, c.soc.deleted,
		c.soc.handle, c.soc.following, c.soc.verified, nil,
	}
	presize(batch, cols[:], len(ms), map[int]arraySize{3: c.arrays[0], 26: c.arrays[1], 28: c.arrays[2], 29: c.arrays[3]})
	for i, v := range cols {
		if v == nil {
			continue
		}
		if err := batch.Column(i).Append(v); err != nil {
			return fmt.Errorf("%w: append column %s: %w", ErrRowRefused, MentionColumns[i], err)
		}
	}
	// Enum8 and Array(String) columns go row by row: an unknown enum value
	// is the one input that can be refused, and the error names the row.
	// Pointers and nil slices are passed because boxing them allocates
	// nothing; an empty array is stored for nil as for [].
	kind, matched, label, evidence := batch.Column(4), batch.Column(3), batch.Column(23), batch.Column(26)
	tox, ents := batch.Column(28), batch.Column(29)
	susp := batch.Column(colSuspicious)
	for _, m := range ms {
		e := m.Enrichment
		if e == nil {
			e = noEnrichment
		}
		for _, a := range [...]struct {
			col driver.BatchColumn
			i   int
			v   any
		}{
			{matched, 3, emptyNil(m.MatchedTerms)},
			{kind, 4, &m.SourceKind},
			{label, 23, &e.Sentiment.Label},
			{evidence, 26, emptyNil(e.Sentiment.Evidence)},
			{tox, 28, c.toxicity(e)},
			{ents, 29, entities(e)},
			{susp, colSuspicious, emptyNil(e.Suspicious)},
		} {
			if err := a.col.AppendRow(a.v); err != nil {
				err = &proto.BlockError{Op: "AppendRow", Err: err, ColumnName: MentionColumns[a.i]}
				return fmt.Errorf("%w: append mention %s: %w", ErrRowRefused, m.ID, err)
			}
		}
	}
	return nil
}

// arraySize is the content of an Array(String) column: element count and
// their total bytes.
type arraySize struct{ elems, bytes int }

func (a *arraySize) add(ss ...string) {
	a.elems += len(ss)
	for _, s := range ss {
		a.bytes += len(s)
	}
}

// presize gives the columns of batch the capacity for their values before
// they are appended. The driver's columns start empty at each batch and
// would otherwise grow value by value (by 2x, then 1.25x once large):
// several times the column's size in large, GC-assisted allocations per
// batch. The driver has no capacity hint, but a column's Decode sizes it
// for the rows it reads, so each column decodes a made-up stream of its
// exact size (see sizingStream) and is Reset, which keeps the capacity.
// It is only a hint: if it fails, the appends still work.
func presize(batch driver.Batch, values []any, rows int, arrays map[int]arraySize) {
	bcols := batch.Columns()
	if rows == 0 || len(bcols) != len(values) {
		return
	}
	src := &sizingStream{}
	var todo []int
	for i, v := range values {
		var typ column.Type
		var width int
		switch v := v.(type) {
		case []string:
			typ = "String"
			total := 0
			for _, s := range v {
				total += len(s)
			}
			src.strings(total, rows)
		case []uint32:
			typ, width = "UInt32", 4
		case []float32:
			typ, width = "Float32", 4
		case []time.Time:
			typ, width = "DateTime", 4
		case []uint8:
			typ, width = "UInt8", 1
		case []uint64:
			typ, width = "UInt64", 8
		case nil:
			a, ok := arrays[i]
			if !ok {
				continue
			}
			// offsets (UInt64, cumulative: only the last one, the element
			// count, matters to Decode), then the elements as a String column
			typ = "Array(String)"
			src.segs = append(src.segs, sizingSeg{zeros: 8 * (rows - 1)}, sizingSeg{head: binary.LittleEndian.AppendUint64(nil, uint64(a.elems))})
			if a.elems > 0 {
				src.strings(a.bytes, a.elems)
			}
		default:
			continue
		}
		// The stream must match the column's encoding exactly.
		if bcols[i].Type() != typ {
			return
		}
		if width > 0 {
			src.segs = append(src.segs, sizingSeg{zeros: rows * width})
		}
		todo = append(todo, i)
	}
	r := chproto.NewReader(src)
	for _, i := range todo {
		err := bcols[i].Decode(r, rows)
		bcols[i].Reset()
		if err != nil {
			return
		}
	}
}

// sizingStream is columns in ClickHouse's native encoding, made of
// zeros: per String column a value of the column's total length then
// rows-1 empty values; per fixed-width column rows zero values; per
// Array(String) zero offsets but the last, the element count, then its
// elements as a String column. It hands out zeros without holding them.
type sizingStream struct {
	segs []sizingSeg
}

// sizingSeg is head's bytes then zeros zero bytes.
type sizingSeg struct {
	head  []byte
	zeros int
}

// strings adds a String column of rows values and total bytes.
func (s *sizingStream) strings(total, rows int) {
	if total < 128 {
		// ch-go sizes a short first value for every row; leave these
		// small columns to grow.
		total = 0
	}
	// one value of total bytes, then one zero length byte per empty value
	s.segs = append(s.segs, sizingSeg{head: binary.AppendUvarint(nil, uint64(total)), zeros: total + rows - 1})
}

func (s *sizingStream) Read(p []byte) (int, error) {
	for len(s.segs) > 0 {
		g := &s.segs[0]
		if len(g.head) > 0 {
			n := copy(p, g.head)
			g.head = g.head[n:]
			return n, nil
		}
		if g.zeros > 0 {
			n := min(len(p), g.zeros)
			clear(p[:n])
			g.zeros -= n
			return n, nil
		}
		s.segs = s.segs[1:]
	}
	return 0, io.EOF
}

// emptyNil returns s, or a nil []string when s is empty: both store an
// empty array, and only the nil one converts to any without allocating.
func emptyNil(s []string) any {
	if len(s) == 0 {
		return []string(nil)
	}
	return s
}

func (c *columns) toxicity(e *mention.Enrichment) any {
	if len(e.Toxicity) == 0 {
		return []string(nil)
	}
	c.toxs = c.toxs[:0]
	for _, f := range e.Toxicity {
		c.toxs = append(c.toxs, f.Category)
	}
	return c.toxs
}

func entities(e *mention.Enrichment) any {
	if len(e.Entities) == 0 {
		return []string(nil)
	}
	out := make([]string, len(e.Entities))
	for i, en := range e.Entities {
		out[i] = en.Type + ":" + en.Text
	}
	return out
}

// reset empties c, keeping capacity, and drops its references to the
// mentions' strings so a pooled columns does not keep a batch alive.
func (c *columns) reset() {
	for i := range c.str {
		clear(c.str[i])
		c.str[i] = c.str[i][:0]
	}
	for i := range c.u32 {
		c.u32[i] = c.u32[i][:0]
	}
	for i := range c.f32 {
		c.f32[i] = c.f32[i][:0]
	}
	for i := range c.u8 {
		c.u8[i] = c.u8[i][:0]
	}
	for i := range c.tm {
		c.tm[i] = c.tm[i][:0]
	}
	c.ver = c.ver[:0]
	c.soc.reset()
	c.arrays = [4]arraySize{}
	clear(c.toxs)
	c.toxs = c.toxs[:0]
}

// colSuspicious is the index of the suspicious Array(String) column in
// MentionColumns, appended row by row like the other arrays.
var colSuspicious = slices.Index(MentionColumns, "suspicious")

// socialColumns are the 0010_social columns but the suspicious array.
type socialColumns struct {
	reposts, quotes, following []uint32
	views                      []uint64
	parentURL, handle          []string
	deleted, verified          []uint8
}

func (s *socialColumns) add(m *mention.Mention) {
	s.reposts = append(s.reposts, uint32(max(m.Reposts, 0)))
	s.quotes = append(s.quotes, uint32(max(m.Quotes, 0)))
	s.views = append(s.views, uint64(max(m.Views, 0)))
	s.parentURL = append(s.parentURL, m.ParentURL)
	s.deleted = append(s.deleted, boolU8(m.Deleted))
	s.handle = append(s.handle, m.Author.Handle)
	s.following = append(s.following, uint32(max(m.Author.Following, 0)))
	s.verified = append(s.verified, boolU8(m.Author.Verified))
}

func (s *socialColumns) reset() {
	clear(s.parentURL)
	clear(s.handle)
	s.reposts, s.quotes, s.following = s.reposts[:0], s.quotes[:0], s.following[:0]
	s.views = s.views[:0]
	s.parentURL, s.handle = s.parentURL[:0], s.handle[:0]
	s.deleted, s.verified = s.deleted[:0], s.verified[:0]
}
