package cookbook_test

import (
	"context"
	"strings"
	"testing"

	"github.com/veille-oss/veille/pkg/store"
)

// TestAggregatesCountOnce checks the analysts' layer against the base
// table: the hourly and author aggregates equal the FINAL counts although
// a fifth of the mentions were inserted twice, and running the migrations'
// backfill again (as a re-run migration would) changes nothing.
func TestAggregatesCountOnce(t *testing.T) {
	st, d := load(t)
	ctx := context.Background()
	if len(d.Updates) < 20 {
		t.Fatalf("fixture re-inserts %d mentions, want at least 20", len(d.Updates))
	}
	compare := func(stage string) {
		t.Helper()
		base := query(t, st.Conn, `SELECT brand, toString(sentiment_label) AS l, count() AS n, countIf(toxic = 1) AS toxic, countIf(is_influencer = 1) AS infl
FROM `+st.DB+`.mentions FINAL GROUP BY brand, l ORDER BY brand, l`)
		agg := query(t, st.Conn, `SELECT brand, toString(sentiment_label) AS l, sum(mentions) AS n, sum(toxic_mentions) AS toxic, sum(influencer_mentions) AS infl
FROM `+st.DB+`.mentions_hourly GROUP BY brand, l ORDER BY brand, l`)
		if len(base) != len(agg) || len(base) < 8 {
			t.Fatalf("%s: %d base rows, %d aggregate rows", stage, len(base), len(agg))
		}
		for i := range base {
			for _, k := range []string{"brand", "l", "n", "toxic", "infl"} {
				if base[i][k] != agg[i][k] {
					t.Fatalf("%s: mentions_hourly %v, mentions FINAL %v", stage, agg[i], base[i])
				}
			}
		}
		ab := query(t, st.Conn, `SELECT brand, count() AS n, countIf(sentiment_label = 'neg') AS neg, uniqExact(author_key) AS authors
FROM `+st.DB+`.mentions FINAL WHERE author_key != '' GROUP BY brand ORDER BY brand`)
		aa := query(t, st.Conn, `SELECT brand, sum(mentions) AS n, sum(neg) AS neg, count() AS authors
FROM `+st.DB+`.author_brands GROUP BY brand ORDER BY brand`)
		if len(ab) != 4 || len(aa) != 4 {
			t.Fatalf("%s: author rows %v / %v", stage, ab, aa)
		}
		for i := range ab {
			for _, k := range []string{"brand", "n", "neg", "authors"} {
				if ab[i][k] != aa[i][k] {
					t.Fatalf("%s: author_brands %v, mentions FINAL %v", stage, aa[i], ab[i])
				}
			}
		}
	}
	compare("after insert")

	ver, err := st.ServerVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	migs, err := store.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	backfills := 0
	for _, m := range migs {
		if m.Name != "hourly" && m.Name != "author_daily" {
			continue
		}
		stmts, err := store.Render(m, store.TemplateData{DB: st.DB, Server: ver})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range stmts {
			if strings.HasPrefix(s, "INSERT INTO") {
				backfills++
				if err := st.Conn.Exec(ctx, s); err != nil {
					t.Fatalf("backfill %s: %v", m.Name, err)
				}
			}
		}
	}
	if backfills != 2 {
		t.Fatalf("%d backfill statements, want one per migration", backfills)
	}
	compare("after a second backfill")
}

// TestClusterRendering checks the layer's migrations on a cluster: the
// views read the local shard and write the local aggregates, replicated,
// behind Distributed tables.
func TestClusterRendering(t *testing.T) {
	migs, err := store.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"hourly": {"ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/veille/mentions_hourly_agg', '{replica}')",
			"TO veille.mentions_hourly_agg_local AS", "FROM veille.mentions_local", "Distributed(veille_cluster, veille, mentions_hourly_agg_local",
			"CREATE VIEW IF NOT EXISTS veille.mentions_hourly ON CLUSTER veille_cluster"},
		"author_daily": {"ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/veille/author_daily_agg', '{replica}')",
			"TO veille.author_daily_agg_local AS", "FROM veille.mentions_local", "Distributed(veille_cluster, veille, author_daily_agg_local",
			"CREATE VIEW IF NOT EXISTS veille.author_brands ON CLUSTER veille_cluster"},
	}
	found := 0
	for _, m := range migs {
		parts, ok := want[m.Name]
		if !ok {
			continue
		}
		found++
		stmts, err := store.Render(m, store.TemplateData{DB: "veille", Cluster: "veille_cluster", Server: store.ParseVersion("24.8.4.13")})
		if err != nil {
			t.Fatal(err)
		}
		joined := strings.Join(stmts, "\n")
		for _, p := range parts {
			if !strings.Contains(joined, p) {
				t.Errorf("%s on a cluster lacks %q", m.Name, p)
			}
		}
		single, err := store.Render(m, store.TemplateData{DB: "veille", Server: store.ParseVersion("18.16.1")})
		if err != nil {
			t.Fatal(err)
		}
		if j := strings.Join(single, "\n"); strings.Contains(j, "_local") || strings.Contains(j, "Replicated") {
			t.Errorf("%s on one server has cluster parts", m.Name)
		}
	}
	if found != 2 {
		t.Fatalf("found %d of the layer's migrations", found)
	}
}
