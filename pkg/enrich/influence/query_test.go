package influence_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/enrich/influence"
	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/store/analytics"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
)

// TestTopInfluencersQuery runs the documented query on the real local
// ClickHouse: the replay is enriched by a tracker as the enricher would
// (author_key, influence_score, is_influencer on each mention), the sink
// writes veille.mentions, the tracker's snapshots fill veille.authors.
func TestTopInfluencersQuery(t *testing.T) {
	cfg := testenv.Config(t)
	st := testenv.Store(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rp := demoReplay()
	tr := newTracker(t, bucket(t), testConfig())
	for i, m := range rp.ms {
		if i%100 == 0 {
			tr.Recompute() // what the loop does every recompute_interval
		}
		res, err := tr.Observe(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		m.Enrichment.AuthorKey, m.Enrichment.InfluenceScore, m.Enrichment.IsInfluencer = res.Key, res.Score, res.Influencer
		m.Enrichment.EnrichedAt = m.CollectedAt
	}
	// An author the authors table does not know yet: the mention's own score is used.
	lone := &mention.Mention{Schema: mention.SchemaV1, Brand: "Duval", SourceKind: "web", SourceName: "x", URL: "http://ailleurs.test/a/",
		Author: mention.Author{Name: "Solo"}, PublishedAt: replayStart.Add(time.Hour), CollectedAt: replayStart.Add(time.Hour),
		Enrichment: &mention.Enrichment{Sentiment: mention.Sentiment{Label: "neg", Score: -0.5}, AuthorKey: "ailleurs.test/@solo", InfluenceScore: 3}}
	lone.SetID()
	ms := append(rp.ms, lone)
	if err := st.InsertMentions(ctx, ms, nil); err != nil {
		t.Fatal(err)
	}
	tr.Recompute()
	old := tr.Rows()
	for i := range old {
		old[i].Score, old[i].Version = 1, 1 // a stale snapshot FINAL must hide
	}
	if err := influence.InsertAuthors(ctx, st.Conn, st.DB, old); err != nil {
		t.Fatal(err)
	}
	rows := tr.Rows()
	if err := influence.InsertAuthors(ctx, st.Conn, st.DB, rows); err != nil {
		t.Fatal(err)
	}
	by := rowsByKey(rows)

	from, to := replayStart, replayStart.Add(31*24*time.Hour)
	top, err := analytics.TopInfluencers(ctx, st.Conn, st.DB, "Duval", from, to, 10)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range top {
		t.Logf("#%d %-34s %-14s score %5.2f flagged %-5v mentions %2d pos %d neg %d neu %d net %+.2f", i+1, r.AuthorKey, r.Name, r.Score, r.Flagged, r.Mentions, r.Pos, r.Neg, r.Neu, r.Net)
	}
	if len(top) != 10 {
		t.Fatalf("%d rows, want 10", len(top))
	}
	if top[0].AuthorKey != keyCamille || top[1].AuthorKey != keyTitou || !top[0].Flagged || !top[1].Flagged {
		t.Fatalf("top two: %+v / %+v", top[0], top[1])
	}
	for _, r := range top {
		a := by[r.AuthorKey]
		if float32(r.Score) != a.Score || r.Name != a.DisplayName {
			t.Errorf("%s: score %.2f name %q, authors table has %.2f %q", r.AuthorKey, r.Score, r.Name, a.Score, a.DisplayName)
		}
		for i, b := range a.Brands {
			if b == "Duval" && (r.Mentions != uint64(a.BrandMentions[i]) || r.Pos != uint64(a.BrandPos[i]) || r.Neg != uint64(a.BrandNeg[i]) || r.Neu != uint64(a.BrandNeu[i])) {
				t.Errorf("%s: %d mentions (%d/%d/%d) in ClickHouse, tracker counted %d (%d/%d/%d)", r.AuthorKey,
					r.Mentions, r.Pos, r.Neg, r.Neu, a.BrandMentions[i], a.BrandPos[i], a.BrandNeg[i], a.BrandNeu[i])
			}
		}
		if rp.driveBys[r.AuthorKey] && r.Flagged {
			t.Errorf("drive-by %s flagged", r.AuthorKey)
		}
		if want := (float64(r.Pos) - float64(r.Neg)) / float64(r.Mentions); r.Net != want {
			t.Errorf("%s: net %v, want %v", r.AuthorKey, r.Net, want)
		}
	}
	// The period filters, and an author missing from veille.authors falls
	// back to the score on their mentions.
	early, err := analytics.TopInfluencers(ctx, st.Conn, st.DB, "Duval", from, from.Add(2*time.Hour), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(early) != 1 || early[0].AuthorKey != "ailleurs.test/@solo" || early[0].Score != 3 || early[0].Name != "Solo" || early[0].Neg != 1 {
		t.Fatalf("first two hours: %+v", early)
	}
	none, err := analytics.TopInfluencers(ctx, st.Conn, st.DB, "Duval", to, to.Add(time.Hour), 10)
	if err != nil || len(none) != 0 {
		t.Fatalf("empty period: %v, %v", none, err)
	}
	for _, c := range []struct {
		brand    string
		from, to time.Time
		limit    int
	}{{"", from, to, 10}, {"Duval", to, from, 10}, {"Duval", from, to, 0}} {
		if _, err := analytics.TopInfluencers(ctx, st.Conn, st.DB, c.brand, c.from, c.to, c.limit); err == nil {
			t.Errorf("bad arguments %+v accepted", c)
		}
	}
	// The documented authors-only query.
	arows, err := st.Conn.Query(ctx, strings.TrimSuffix(strings.ReplaceAll(authorsOnlySQL, "veille.", st.DB+"."), ";"))
	if err != nil {
		t.Fatal(err)
	}
	var firstKey string
	var pos, neg uint32
	for arows.Next() {
		var k, name string
		var sc, re, au, en, ac float32
		var p, n uint32
		if err := arows.Scan(&k, &name, &sc, &re, &au, &en, &ac, &p, &n); err != nil {
			t.Fatal(err)
		}
		if firstKey == "" {
			firstKey, pos, neg = k, p, n
		}
	}
	arows.Close()
	if firstKey != keyCamille || pos != 7 || neg != 6 {
		t.Fatalf("authors-only query: first %s pos %d neg %d", firstKey, pos, neg)
	}
	// The authors table holds one current row per author.
	var n, stale uint64
	if err := st.Conn.QueryRow(ctx, fmt.Sprintf("SELECT count(), countIf(score = 1) FROM %s.authors FINAL", st.DB)).Scan(&n, &stale); err != nil {
		t.Fatal(err)
	}
	if n != uint64(len(rows)) || stale != 0 {
		t.Fatalf("authors FINAL: %d rows (%d stale), want %d", n, stale, len(rows))
	}
}

// authorsOnlySQL is the second query of docs/influence.md.
const authorsOnlySQL = `SELECT author_key, display_name, score, reach, authority, engagement, activity,
       arrayElement(brand_pos, indexOf(brands, 'Duval')) AS pos,
       arrayElement(brand_neg, indexOf(brands, 'Duval')) AS neg
FROM veille.authors FINAL
WHERE has(brands, 'Duval')
ORDER BY score DESC LIMIT 10;`

// TestDocumentedQueryIsTheTestedOne keeps docs/influence.md in step with
// TopInfluencersSQL.
func TestDocumentedQueryIsTheTestedOne(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "docs", "influence.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{fmt.Sprintf(analytics.TopInfluencersSQL, "veille"), authorsOnlySQL} {
		if !strings.Contains(string(doc), q) {
			t.Fatalf("docs/influence.md does not contain the tested query:\n%s", q)
		}
	}
}
