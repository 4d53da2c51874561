package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/store"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
)

// Every service migrates at start, so `veille run` races several Migrate
// calls on a fresh database. An ALTER ... ADD COLUMN without IF NOT EXISTS
// (ClickHouse before 20.1) fails for all but one of them unless the loser
// takes "column already exists" as done: the demo's sink stopped on it.
func TestMigrateConcurrently(t *testing.T) {
	cfg := testenv.Config(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const n = 4
	stores := make([]*store.Store, n)
	for i := range stores {
		st, err := store.Open(ctx, cfg.ClickHouse, testenv.Discard())
		if err != nil {
			t.Skipf("ClickHouse at %v is not reachable: %v", cfg.ClickHouse.Addr, err)
		}
		stores[i] = st
		defer st.Close()
	}
	t.Cleanup(func() {
		_ = stores[0].Conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+cfg.ClickHouse.Database)
	})
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, st := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = st.Migrate(ctx)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("migrate %d of %d: %v", i+1, n, err)
		}
	}
	var cols uint64
	if err := stores[0].Conn.QueryRow(ctx, "SELECT count() FROM system.columns WHERE database = ? AND table = 'mentions' AND name = 'published_clamped'", cfg.ClickHouse.Database).Scan(&cols); err != nil {
		t.Fatal(err)
	}
	if cols != 1 {
		t.Fatalf("mentions.published_clamped: %d columns, want 1", cols)
	}
}
