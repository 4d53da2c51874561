package store_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/store"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
)

func TestRenderSingleAndCluster(t *testing.T) {
	migs, err := store.Migrations()
	if err != nil || len(migs) < 2 || migs[0].Version != 1 {
		t.Fatalf("migrations %v %v", migs, err)
	}
	for _, m := range migs {
		single, err := store.Render(m, store.TemplateData{DB: "veille", Server: store.ParseVersion("18.16.1")})
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range single {
			if strings.Contains(st, "Replicated") || strings.Contains(st, "ON CLUSTER") || strings.Contains(st, "{{") {
				t.Fatalf("%s: single-server statement has cluster parts: %s", m.Name, st)
			}
		}
		cl, err := store.Render(m, store.TemplateData{DB: "veille", Cluster: "veille_cluster", Server: store.ParseVersion("24.8.4.13")})
		if err != nil {
			t.Fatal(err)
		}
		joined := strings.Join(cl, "\n")
		// Every table is created ON CLUSTER with a Distributed table in
		// front; every MergeTree is Replicated with a path per shard (a
		// migration may only re-create Distributed tables).
		creates := strings.Contains(joined, "CREATE TABLE")
		mergeTree := regexp.MustCompile(`ENGINE = [A-Za-z]*MergeTree`).MatchString(joined)
		if creates && (!strings.Contains(joined, "ON CLUSTER veille_cluster") || !strings.Contains(joined, "Distributed(veille_cluster")) ||
			mergeTree && !regexp.MustCompile(`Replicated[A-Za-z]*MergeTree\('/clickhouse/tables/\{shard\}/veille/`).MatchString(joined) {
			t.Fatalf("%s: cluster rendering incomplete:\n%s", m.Name, joined)
		}
	}
}

func TestSplitStatements(t *testing.T) {
	got := store.SplitStatements("-- c\nCREATE A;\n\n-- only a comment;\nCREATE B (\n  x String -- note;\n);\n")
	if len(got) != 2 || got[0] != "CREATE A" || !strings.HasPrefix(got[1], "CREATE B (") {
		t.Fatalf("%q", got)
	}
}

func TestMigrateTwiceAndInsert(t *testing.T) {
	cfg := testenv.Config(t)
	st := testenv.Store(t, cfg) // first migration
	ctx := context.Background()
	applied, err := st.Migrate(ctx)
	if err != nil || len(applied) != 0 {
		t.Fatalf("second migrate applied %v, err %v", applied, err)
	}
	m := &mention.Mention{Brand: "Duval", SourceKind: "web", SourceName: "t", URL: "https://x.test/a", Text: "Été à Noël", CollectedAt: time.Now()}
	m.SetID()
	if err := st.InsertMentions(ctx, []*mention.Mention{m, m}, map[string]string{"Duval": "laitiers"}); err != nil {
		t.Fatal(err)
	}
	n, err := st.CountMentions(ctx, "")
	if err != nil || n != 1 {
		t.Fatalf("count FINAL %d (%v)", n, err)
	}
	var text, group, kind string
	var published time.Time
	if err := st.Conn.QueryRow(ctx, "SELECT text, brand_group, toString(source_kind), published_at FROM "+st.DB+".mentions FINAL").Scan(&text, &group, &kind, &published); err != nil {
		t.Fatal(err)
	}
	if text != "Été à Noël" || group != "laitiers" || kind != "web" || published.Unix() != m.CollectedAt.Unix() {
		t.Fatalf("row: %q %q %q %v", text, group, kind, published)
	}
	ver, err := st.ServerVersion(ctx)
	if err != nil || ver.Major == 0 {
		t.Fatalf("version %v %v", ver, err)
	}
}
