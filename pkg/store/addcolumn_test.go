package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/veille-oss/veille/pkg/store"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
)

// The ADD COLUMN migrations run again on a database that has them (another
// service migrating at the same time, or a run interrupted before recording)
// either succeed (IF NOT EXISTS, newer servers) or fail with the "already
// exists" message the migration runner accepts (18.16).
func TestAddColumnMigrationRunsTwice(t *testing.T) {
	cfg := testenv.Config(t)
	st := testenv.Store(t, cfg)
	ctx := context.Background()
	ver, err := st.ServerVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	migs, err := store.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	ran := 0
	for _, m := range migs {
		stmts, err := store.Render(m, store.TemplateData{DB: st.DB, Server: ver})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range stmts {
			if !strings.Contains(strings.ToUpper(s), "ADD COLUMN") {
				continue
			}
			ran++
			if err := st.Conn.Exec(ctx, s); err != nil && !strings.Contains(err.Error(), "already exists") {
				t.Fatalf("%04d_%s again on %v: %v", m.Version, m.Name, ver, err)
			}
		}
	}
	if ran == 0 {
		t.Fatal("no ADD COLUMN migration found")
	}
}
