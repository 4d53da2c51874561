package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
)

// TestSocialMigrationReruns: 0010_social re-applied after its record is
// lost (a later statement failed) succeeds although its columns exist, and
// a Bluesky mention lands in both mentions and the hourly aggregates.
func TestSocialMigrationReruns(t *testing.T) {
	cfg := testenv.Config(t)
	st := testenv.Store(t, cfg)
	ctx := context.Background()
	if err := st.Conn.Exec(ctx, "ALTER TABLE "+st.DB+".schema_migrations DELETE WHERE version = 10"); err != nil {
		t.Fatal(err)
	}
	// The mutation is asynchronous on 18.16: wait until the record is gone.
	for i := 0; ; i++ {
		var n uint64
		if err := st.Conn.QueryRow(ctx, "SELECT count() FROM "+st.DB+".schema_migrations WHERE version = 10").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if i > 100 {
			t.Fatal("migration record not deleted")
		}
		time.Sleep(50 * time.Millisecond)
	}
	applied, err := st.Migrate(ctx)
	if err != nil || len(applied) != 1 || applied[0] != "0010_social" {
		t.Fatalf("re-run applied %v, err %v", applied, err)
	}
	m := &mention.Mention{Brand: "Duval", SourceKind: mention.KindBluesky, SourceName: "bsky", URL: "https://bsky.app/profile/a.test/post/1",
		Text: "Duval", Reposts: 4, Views: 1 << 40, CollectedAt: time.Now()}
	m.SetID()
	if err := st.InsertMentions(ctx, []*mention.Mention{m}, nil); err != nil {
		t.Fatal(err)
	}
	var kind string
	var views uint64
	if err := st.Conn.QueryRow(ctx, "SELECT toString(source_kind), views FROM "+st.DB+".mentions FINAL").Scan(&kind, &views); err != nil || kind != "bluesky" || views != 1<<40 {
		t.Fatalf("row %q %d %v", kind, views, err)
	}
	var hourly uint64
	if err := st.Conn.QueryRow(ctx, "SELECT uniqExactMerge(mentions) FROM "+st.DB+".mentions_hourly_agg WHERE toString(source_kind) = 'bluesky'").Scan(&hourly); err != nil || hourly != 1 {
		t.Fatalf("hourly %d %v", hourly, err)
	}
	if err := st.Conn.QueryRow(ctx, "SELECT sum(mentions) FROM "+st.DB+".mentions_hourly WHERE source_kind = 'bluesky'").Scan(&hourly); err != nil || hourly != 1 {
		t.Fatalf("mentions_hourly view %d %v", hourly, err)
	}
}
