package faults

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/store"
	"github.com/veille-oss/veille/pkg/tooling/loadgen"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
)

// TestClickHouseUsers runs a private ClickHouse with deploy/clickhouse/users.xml:
// the writer (what the sink uses) inserts into veille.*; the analyst reads
// but cannot INSERT, CREATE or DROP, nor reach another database.
func TestClickHouseUsers(t *testing.T) {
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	users, err := os.ReadFile(filepath.Join(root, "deploy", "clickhouse", "users.xml"))
	if err != nil {
		t.Fatal(err)
	}
	ch := testenv.StartClickHouseWith(t, testenv.ClickHouseOptions{UsersXML: string(users)})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	open := func(user, password string) *store.Store {
		cc := config.Default().ClickHouse
		cc.Addr, cc.Database, cc.User, cc.Password = []string{ch.Addr()}, "veille", user, config.Secret(password)
		cc.DialTimeout = 2 * time.Second
		st, err := store.Open(ctx, cc, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatalf("open as %s: %v", user, err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	// Migrations as the local administrator (default user, loopback only).
	admin := open("default", "")
	if _, err := admin.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := admin.Conn.Exec(ctx, "CREATE DATABASE IF NOT EXISTS other"); err != nil {
		t.Fatal(err)
	}
	if err := admin.Conn.Exec(ctx, "CREATE TABLE IF NOT EXISTS other.t (x UInt8) ENGINE = Memory"); err != nil {
		t.Fatal(err)
	}

	writer := open("veille_writer", "change-me-writer")
	g := &loadgen.Generator{Seed: 5}
	ms := []*mention.Mention{g.Mention(0), g.Mention(1), g.Mention(2)}
	if err := writer.InsertMentions(ctx, ms, nil); err != nil {
		t.Fatalf("writer insert into veille.mentions: %v", err)
	}
	if n, err := writer.CountMentions(ctx, ""); err != nil || n != 3 {
		t.Fatalf("writer count: %d, %v", n, err)
	}
	if err := writer.Conn.Exec(ctx, "INSERT INTO other.t (x) VALUES (1)"); err == nil {
		t.Error("writer inserted into a database other than veille")
	}

	analyst := open("veille_analyst", "change-me-analyst")
	if n, err := analyst.CountMentions(ctx, ""); err != nil || n != 3 {
		t.Fatalf("analyst reads veille.mentions: %d, %v", n, err)
	}
	for _, q := range []string{
		"INSERT INTO veille.mentions (id, brand) VALUES ('x', 'y')",
		"CREATE TABLE veille.evil (x UInt8) ENGINE = Memory",
		"DROP TABLE veille.mentions",
		"ALTER TABLE veille.mentions DELETE WHERE 1",
		"TRUNCATE TABLE veille.mentions",
		"CREATE DATABASE evil",
		"SET readonly = 0",
		"SELECT count() FROM other.t",
	} {
		err := analyst.Conn.Exec(ctx, q)
		if err == nil {
			t.Errorf("analyst may %q", q)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, "readonly") && !strings.Contains(msg, "Cannot") && !strings.Contains(msg, "ccess") && !strings.Contains(msg, "not allowed") {
			t.Logf("analyst %q refused with: %v", q, err)
		}
	}
	if n, err := admin.CountMentions(ctx, ""); err != nil || n != 3 {
		t.Fatalf("after the analyst's attempts: %d mentions, %v", n, err)
	}
	if _, err := store.Open(ctx, config.ClickHouse{Addr: []string{ch.Addr()}, Database: "veille", User: "veille_analyst", Password: "wrong", DialTimeout: 2 * time.Second}, nil); err == nil {
		t.Error("analyst with a wrong password connected")
	}
}
