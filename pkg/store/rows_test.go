package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/veille-oss/veille/pkg/store"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
)

// TestInsertRows: a batch with named columns lands whole; a row the driver
// cannot convert is refused as ErrRowRefused, naming the table, and nothing
// of its batch is stored.
func TestInsertRows(t *testing.T) {
	cfg := testenv.Config(t)
	st := testenv.Store(t, cfg)
	ctx := context.Background()
	if err := st.Conn.Exec(ctx, "CREATE TABLE "+st.DB+".kv (k String, v UInt32) ENGINE = MergeTree ORDER BY k"); err != nil {
		t.Fatal(err)
	}
	cols := []string{"k", "v"}
	if err := store.InsertRows(ctx, st.Conn, st.DB, "kv", cols, [][]any{{"a", uint32(1)}, {"b", uint32(2)}}); err != nil {
		t.Fatal(err)
	}
	err := store.InsertRows(ctx, st.Conn, st.DB, "kv", cols, [][]any{{"c", uint32(3)}, {"d", "not a number"}})
	if !errors.Is(err, store.ErrRowRefused) {
		t.Fatalf("bad row: %v, want ErrRowRefused", err)
	}
	var n uint64
	if err := st.Conn.QueryRow(ctx, "SELECT count() FROM "+st.DB+".kv").Scan(&n); err != nil || n != 2 {
		t.Fatalf("rows stored: %d (%v), want the first batch's 2 only", n, err)
	}
	if err := store.InsertRows(ctx, st.Conn, st.DB, "kv", cols, nil); err != nil {
		t.Fatalf("empty batch: %v", err)
	}
}
