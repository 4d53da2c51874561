// Package store is veille's ClickHouse side: the connection over the native
// protocol, the numbered migrations from schemas/clickhouse, and the batch
// insert of mentions with named columns (required by ClickHouse 18.16).
package store

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"text/template"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/schemas"
)

var (
	// ErrUnavailable wraps errors that say ClickHouse cannot be reached now;
	// the caller should retry later with the same data.
	ErrUnavailable = errors.New("clickhouse unavailable")
	// ErrRowRefused wraps client-side conversion errors: the row itself is bad.
	ErrRowRefused = errors.New("row refused")
	// errMigration is returned when a migration fails; the message names it.
	errMigration = errors.New("migration failed")
)

// Store is a ClickHouse connection bound to veille's database.
type Store struct {
	Conn    driver.Conn
	DB      string
	Cluster string
	log     *slog.Logger
	// spare holds the column buffers of InsertMentions between batches
	// (not a sync.Pool: the GC empties those every cycle, and this one is
	// wanted every batch). Concurrent inserts each take their own.
	mu    sync.Mutex
	spare *columns
}

// Open connects over the native protocol and pings.
func Open(ctx context.Context, cfg config.ClickHouse, log *slog.Logger) (*Store, error) {
	if log == nil {
		log = slog.Default()
	}
	opts := &clickhouse.Options{
		Protocol: clickhouse.Native,
		Addr:     cfg.Addr,
		// "system": every user may use it (ClickHouse always allows it), unlike
		// "default", which users limited by allow_databases (veille_writer,
		// veille_analyst in deploy/clickhouse/users.xml) are refused; and the
		// veille database may not exist yet. Every query names its database.
		Auth:         clickhouse.Auth{Database: "system", Username: cfg.User, Password: cfg.Password.Reveal()},
		DialTimeout:  cfg.DialTimeout,
		Compression:  &clickhouse.Compression{Method: clickhouse.CompressionLZ4},
		MaxOpenConns: 8,
		MaxIdleConns: 4,
		ReadTimeout:  60 * time.Second,
	}
	if cfg.Cluster != "" {
		// An insert into a Distributed table returns once every shard has
		// the rows (one replica each; the others copy through ZooKeeper),
		// not when they are queued on the node that took it: the sink acks
		// only what a lost node cannot take with it.
		opts.Settings = clickhouse.Settings{"insert_distributed_sync": 1}
	}
	if cfg.Secure {
		opts.TLS = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	conn, err := clickhouse.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	s := &Store{Conn: conn, DB: cfg.Database, Cluster: cfg.Cluster, log: log}
	pctx, cancel := context.WithTimeout(ctx, cfg.DialTimeout+time.Second)
	defer cancel()
	if err := conn.Ping(pctx); err != nil {
		conn.Close()
		if aerr := authError(err, cfg); aerr != nil {
			return nil, aerr
		}
		return nil, fmt.Errorf("%w at %s: %w", ErrUnavailable, strings.Join(cfg.Addr, ","), err)
	}
	return s, nil
}

// Close closes the connection pool.
func (s *Store) Close() error { return s.Conn.Close() }

// Ping checks the server answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.Conn.Ping(ctx); err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return nil
}

// Version is the server's major.minor.
type Version struct{ Major, Minor int }

// AtLeast reports whether the server is at least major.minor.
func (v Version) AtLeast(major, minor int) bool {
	return v.Major > major || (v.Major == major && v.Minor >= minor)
}

// ServerVersion asks the server for its version.
func (s *Store) ServerVersion(ctx context.Context) (Version, error) {
	var raw string
	if err := s.Conn.QueryRow(ctx, "SELECT version()").Scan(&raw); err != nil {
		return Version{}, fmt.Errorf("%w: version: %w", ErrUnavailable, err)
	}
	return ParseVersion(raw), nil
}

// ParseVersion reads "18.16.1" or "24.8.4.13".
func ParseVersion(raw string) Version {
	parts := strings.Split(raw, ".")
	var v Version
	if len(parts) > 0 {
		v.Major, _ = strconv.Atoi(parts[0])
	}
	if len(parts) > 1 {
		v.Minor, _ = strconv.Atoi(parts[1])
	}
	return v
}

// Migration is one numbered SQL file.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

var migrationName = regexp.MustCompile(`^(\d{4})_([a-z0-9_]+)\.sql$`)

// Migrations lists the embedded migrations in order.
func Migrations() ([]Migration, error) {
	entries, err := fs.ReadDir(schemas.ClickHouse, "clickhouse")
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, e := range entries {
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		b, err := fs.ReadFile(schemas.ClickHouse, "clickhouse/"+e.Name())
		if err != nil {
			return nil, err
		}
		v, _ := strconv.Atoi(m[1])
		out = append(out, Migration{Version: v, Name: m[2], SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// TemplateData is what migration templates see.
type TemplateData struct {
	DB      string
	Cluster string
	Server  Version
}

// OnCluster is the ON CLUSTER clause, or nothing on a single server.
func (d TemplateData) OnCluster() string {
	if d.Cluster == "" {
		return ""
	}
	return "ON CLUSTER " + d.Cluster
}

// Local names the physical table: name_local behind a Distributed table on a
// cluster, name itself on a single server.
func (d TemplateData) Local(name string) string {
	if d.Cluster == "" {
		return name
	}
	return name + "_local"
}

// Engine returns engine (e.g. "ReplacingMergeTree(version)"), or its
// Replicated form with a Keeper path per shard on a cluster.
func (d TemplateData) Engine(table, engine string) string {
	if d.Cluster == "" {
		return engine
	}
	name, args, _ := strings.Cut(engine, "(")
	args = strings.TrimSuffix(args, ")")
	path := fmt.Sprintf("'/clickhouse/tables/{shard}/%s/%s', '{replica}'", d.DB, table)
	if args != "" {
		path += ", " + args
	}
	return "Replicated" + name + "(" + path + ")"
}

// Redistribute re-creates, on a cluster, the Distributed table name over
// name_local sharded by key, so that it has the local table's columns after
// an ALTER: ClickHouse 18.16 refuses ALTER … ON CLUSTER on a Distributed table
// whose shards replicate internally, and the Distributed table holds no data
// (inserts are synchronous, see Open). Nothing on a single server.
func (d TemplateData) Redistribute(name, key string) string {
	if d.Cluster == "" {
		return ""
	}
	return fmt.Sprintf("DROP TABLE IF EXISTS %[1]s.%[2]s %[3]s;\nCREATE TABLE %[1]s.%[2]s %[3]s AS %[1]s.%[2]s_local\nENGINE = Distributed(%[4]s, %[1]s, %[2]s_local, %[5]s);",
		d.DB, name, d.OnCluster(), d.Cluster, key)
}

// AtLeast gates newer ClickHouse features in templates: {{if .AtLeast 20 1}}.
func (d TemplateData) AtLeast(major, minor int) bool { return d.Server.AtLeast(major, minor) }

// Render expands a migration template into statements.
func Render(m Migration, data TemplateData) ([]string, error) {
	t, err := template.New(m.Name).Option("missingkey=error").Parse(m.SQL)
	if err != nil {
		return nil, fmt.Errorf("%w: %04d_%s: template: %w", errMigration, m.Version, m.Name, err)
	}
	var sb strings.Builder
	if err := t.Execute(&sb, data); err != nil {
		return nil, fmt.Errorf("%w: %04d_%s: template: %w", errMigration, m.Version, m.Name, err)
	}
	return SplitStatements(sb.String()), nil
}

// SplitStatements splits SQL on semicolons that end a line, dropping
// comment-only and empty statements.
func SplitStatements(sql string) []string {
	var out []string
	var cur strings.Builder
	flush := func() {
		st := strings.TrimSpace(cur.String())
		cur.Reset()
		var kept []string
		for _, line := range strings.Split(st, "\n") {
			if t := strings.TrimSpace(line); t != "" && !strings.HasPrefix(t, "--") {
				kept = append(kept, line)
			}
		}
		if len(kept) > 0 {
			out = append(out, strings.TrimSpace(strings.Join(kept, "\n")))
		}
	}
	for _, line := range strings.Split(sql, "\n") {
		code, _, _ := strings.Cut(line, "--") // our migrations have no "--" inside strings
		code = strings.TrimRight(code, " \t\r")
		if strings.HasSuffix(code, ";") {
			cur.WriteString(strings.TrimSuffix(code, ";"))
			flush()
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
	}
	flush()
	return out
}

// Migrate applies the migrations not yet recorded in <db>.schema_migrations.
// It is safe to run repeatedly and from several processes at once: every
// statement is idempotent (IF NOT EXISTS; an ADD COLUMN whose column exists,
// see columnExists) and a migration is recorded only after all its
// statements succeeded.
func (s *Store) Migrate(ctx context.Context) (applied []string, err error) {
	ver, err := s.ServerVersion(ctx)
	if err != nil {
		return nil, err
	}
	data := TemplateData{DB: s.DB, Cluster: s.Cluster, Server: ver}
	if err := s.Conn.Exec(ctx, fmt.Sprintf("CREATE DATABASE IF NOT EXISTS %s %s", s.DB, data.OnCluster())); err != nil {
		return nil, fmt.Errorf("%w: create database %s: %w", errMigration, s.DB, err)
	}
	if err := s.Conn.Exec(ctx, fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s.schema_migrations %s (
    version UInt32, name String, checksum String, applied_at DateTime
) ENGINE = %s ORDER BY version`, s.DB, data.OnCluster(), data.Engine("schema_migrations", "ReplacingMergeTree()"))); err != nil {
		return nil, fmt.Errorf("%w: migrations table: %w", errMigration, err)
	}
	done := map[int]string{}
	rows, err := s.Conn.Query(ctx, fmt.Sprintf("SELECT version, checksum FROM %s.schema_migrations FINAL", s.DB))
	if err != nil {
		return nil, fmt.Errorf("%w: read migrations: %w", errMigration, err)
	}
	for rows.Next() {
		var v uint32
		var sum string
		if err := rows.Scan(&v, &sum); err != nil {
			rows.Close()
			return nil, err
		}
		done[int(v)] = sum
	}
	rows.Close()
	migs, err := Migrations()
	if err != nil {
		return nil, err
	}
	for _, m := range migs {
		sum := checksum(m.SQL)
		if old, ok := done[m.Version]; ok {
			if old != sum {
				s.log.Warn("applied migration differs from the embedded one", "migration", fmt.Sprintf("%04d_%s", m.Version, m.Name))
			}
			continue
		}
		stmts, err := Render(m, data)
		if err != nil {
			return applied, err
		}
		for i, st := range stmts {
			if err := s.Conn.Exec(ctx, st); err != nil && !columnExists(st, err) {
				return applied, fmt.Errorf("%w: %04d_%s statement %d: %w", errMigration, m.Version, m.Name, i+1, err)
			}
		}
		if err := s.record(ctx, m, sum); err != nil {
			return applied, fmt.Errorf("%w: record %04d_%s: %w", errMigration, m.Version, m.Name, err)
		}
		applied = append(applied, fmt.Sprintf("%04d_%s", m.Version, m.Name))
		s.log.Info("migration applied", "migration", fmt.Sprintf("%04d_%s", m.Version, m.Name))
	}
	return applied, nil
}

// record notes an applied migration. A batch with named columns is the
// insert form ClickHouse 18.16 accepts from this driver.
func (s *Store) record(ctx context.Context, m Migration, sum string) error {
	b, err := s.Conn.PrepareBatch(ctx, fmt.Sprintf("INSERT INTO %s.schema_migrations (version, name, checksum, applied_at)", s.DB))
	if err != nil {
		return err
	}
	defer b.Abort()
	if err := b.Append(uint32(m.Version), m.Name, sum, time.Now().UTC()); err != nil {
		return err
	}
	return b.Send()
}

func checksum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:8])
}
