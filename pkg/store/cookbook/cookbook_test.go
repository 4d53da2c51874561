package cookbook_test

import (
	"context"
	"fmt"
	"github.com/veille-oss/veille/pkg/platform/mention"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/veille-oss/veille/pkg/store"
	"github.com/veille-oss/veille/pkg/store/cookbook"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
)

// Row is one result row, every value formatted with fmt.Sprint.
type Row map[string]string

// load migrates a fresh database and loads the fixture ending at the
// current hour (the cookbook's queries are relative to now()).
func load(t *testing.T) (*store.Store, *cookbook.Dataset) {
	t.Helper()
	st := testenv.Store(t, testenv.Config(t))
	d := cookbook.Fixture(time.Now())
	if err := cookbook.Load(context.Background(), st, d); err != nil {
		t.Fatal(err)
	}
	return st, d
}

// query runs sql and formats every value.
func query(t *testing.T, conn driver.Conn, sql string) []Row {
	t.Helper()
	rows, err := conn.Query(context.Background(), sql)
	if err != nil {
		t.Fatalf("%v\n%s", err, sql)
	}
	defer rows.Close()
	cols := rows.Columns()
	types := rows.ColumnTypes()
	var out []Row
	for rows.Next() {
		ptrs := make([]any, len(cols))
		for i, ct := range types {
			ptrs[i] = reflect.New(ct.ScanType()).Interface()
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		r := Row{}
		for i, c := range cols {
			v := reflect.ValueOf(ptrs[i]).Elem().Interface()
			if tm, ok := v.(time.Time); ok {
				v = tm.UTC().Format("2006-01-02 15:04:05")
			}
			r[c] = fmt.Sprint(v)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func readCookbook(t *testing.T) []cookbook.Query {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "docs", "cookbook.md"))
	if err != nil {
		t.Fatal(err)
	}
	qs, err := cookbook.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	return qs
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }

// facts are the fixture's figures over the whole data set (every cookbook
// query looks at the last 7 days, which hold all of it), computed here in Go
// independently of ClickHouse.
type facts struct {
	d      *cookbook.Dataset
	latest []*mention.Mention
}

func newFacts(d *cookbook.Dataset) facts {
	f := facts{d: d}
	for _, m := range d.Latest() {
		f.latest = append(f.latest, m)
	}
	return f
}

func (f facts) count(keep func(m *mention.Mention) bool) int {
	n := 0
	for _, m := range f.latest {
		if keep(m) {
			n++
		}
	}
	return n
}

func brand(b string) func(*mention.Mention) bool {
	return func(m *mention.Mention) bool { return m.Brand == b }
}

func and(fs ...func(*mention.Mention) bool) func(*mention.Mention) bool {
	return func(m *mention.Mention) bool {
		for _, f := range fs {
			if !f(m) {
				return false
			}
		}
		return true
	}
}

func label(l string) func(*mention.Mention) bool {
	return func(m *mention.Mention) bool { return m.Enrichment.Sentiment.Label == l }
}

// find returns the first row having every want value, failing otherwise.
func find(t *testing.T, rows []Row, want Row) Row {
	t.Helper()
	for _, r := range rows {
		ok := true
		for k, v := range want {
			if r[k] != v {
				ok = false
				break
			}
		}
		if ok {
			return r
		}
	}
	t.Fatalf("no row with %v in %d rows; first rows: %v", want, len(rows), rows[:min(len(rows), 5)])
	return nil
}

func s(v any) string { return fmt.Sprint(v) }

// checks pins at least one known value per cookbook query.
var checks = map[string]func(t *testing.T, rows []Row, f facts){
	"share-of-voice": func(t *testing.T, rows []Row, f facts) {
		duval, blanchard := f.count(brand("Duval")), f.count(brand("Blanchard"))
		find(t, rows, Row{"brand_group": "laitiers", "brand": "Duval", "mentions": s(duval), "share_pct": s(round1(100 * float64(duval) / float64(duval+blanchard)))})
		find(t, rows, Row{"brand_group": "mode", "brand": "Vague", "share_pct": "100"})
	},
	"net-sentiment-daily": func(t *testing.T, rows []Row, f facts) {
		day := f.d.SpikeHour.Truncate(24 * time.Hour)
		inDay := func(m *mention.Mention) bool { return m.PublishedAt.Truncate(24 * time.Hour).Equal(day) }
		total := f.count(and(brand("Duval"), inDay))
		neg := f.count(and(brand("Duval"), inDay, label("neg")))
		pos := f.count(and(brand("Duval"), inDay, label("pos")))
		find(t, rows, Row{"day": day.Format("2006-01-02 15:04:05"), "brand": "Duval", "total": s(total), "negative": s(neg), "positive": s(pos),
			"net_sentiment": s(round1(100 * float64(pos-neg) / float64(total)))})
	},
	"top-negative-threads": func(t *testing.T, rows []Row, f facts) {
		if rows[0]["thread_url"] != f.d.SpikeThread || rows[0]["negative"] != "40" || rows[0]["posts"] != "40" || rows[0]["thread"] != "Yaourts Duval rappelés ?" {
			t.Fatalf("first thread %v, want the storm thread with 40 negative posts", rows[0])
		}
	},
	"top-influencers": func(t *testing.T, rows []Row, f facts) {
		if len(rows) != 1 {
			t.Fatalf("%d influencers on Duval, want Camille only: %v", len(rows), rows)
		}
		find(t, rows, Row{"author": "Camille Martin", "n": "5", "n_pos": "4", "n_neu": "1", "n_neg": "0", "net_sentiment": "80", "followers": "12500", "influence": "86"})
	},
	"top-sources": func(t *testing.T, rows []Row, f facts) {
		src := func(m *mention.Mention) bool { return m.SourceName == "forum-conso-phpbb" }
		n := f.count(and(brand("Duval"), src))
		neg := f.count(and(brand("Duval"), src, label("neg")))
		if rows[0]["source_name"] != "forum-conso-phpbb" || rows[0]["mentions"] != s(n) || rows[0]["negative"] != s(neg) || rows[0]["source_kind"] != "forum" {
			t.Fatalf("first source %v, want forum-conso-phpbb with %d mentions, %d negative", rows[0], n, neg)
		}
	},
	"language-split": func(t *testing.T, rows []Row, f facts) {
		fr := f.count(and(brand("Duval"), func(m *mention.Mention) bool { return m.Enrichment.Lang == "fr" }))
		all := f.count(brand("Duval"))
		find(t, rows, Row{"brand": "Duval", "language": "fr", "n": s(fr), "share_pct": s(round1(100 * float64(fr) / float64(all)))})
	},
	"volume-spike-hours": func(t *testing.T, rows []Row, f facts) {
		inHour := func(m *mention.Mention) bool { return m.PublishedAt.Truncate(time.Hour).Equal(f.d.SpikeHour) }
		n := f.count(and(brand("Duval"), inHour))
		if rows[0]["brand"] != "Duval" || rows[0]["hour"] != f.d.SpikeHour.Format("2006-01-02 15:04:05") || rows[0]["n"] != s(n) {
			t.Fatalf("top spike %v, want Duval at %s with %d mentions", rows[0], f.d.SpikeHour, n)
		}
		for _, r := range rows {
			if r["brand"] == "Blanchard" {
				t.Fatalf("calm Blanchard has a spike: %v", r)
			}
		}
	},
	"most-replied-threads": func(t *testing.T, rows []Row, f facts) {
		if r := rows[0]; r["thread_url"] != f.d.SpikeThread || r["posts"] != "40" || r["replies_shown"] != "39" || r["participants"] != "8" {
			t.Fatalf("first thread %v, want the storm: 40 posts, 39 replies, 8 participants", r)
		}
	},
	"most-engaging-authors": func(t *testing.T, rows []Row, f facts) {
		if r := rows[0]; r["author"] != "Camille Martin" || r["brand"] != "Duval" || r["engagement"] != "690" || r["influencer"] != "1" {
			t.Fatalf("first author %v, want Camille Martin on Duval, 600 likes + 90 replies", r)
		}
	},
	"toxic-to-moderate": func(t *testing.T, rows []Row, f facts) {
		n := f.count(func(m *mention.Mention) bool { return m.Enrichment.Toxic })
		if len(rows) != n {
			t.Fatalf("%d toxic rows, want %d", len(rows), n)
		}
		if r := rows[0]; r["brand"] != "Vague" || r["flags"] != "insult" || r["author_name"] != "Troll_du_93" {
			t.Fatalf("newest toxic %v, want Troll_du_93 on Vague", r)
		}
	},
	"story-counts": func(t *testing.T, rows []Row, f facts) {
		n := f.count(brand("Duval"))
		find(t, rows, Row{"brand": "Duval", "mentions": s(n), "stories": s(n - 9), "copies": "9"})
		find(t, rows, Row{"brand": "Blanchard", "copies": "0"})
	},
	"mentions-per-term": func(t *testing.T, rows []Row, f facts) {
		n := f.count(and(brand("Duval"), func(m *mention.Mention) bool { return m.MatchedTerms[0] == "Laiterie Duval" }))
		find(t, rows, Row{"brand": "Duval", "term": "laiterie duval", "mentions": s(n)})
		find(t, rows, Row{"brand": "Voltéo", "term": "voltéo", "mentions": s(f.count(brand("Voltéo")))})
	},
	"negative-evidence": func(t *testing.T, rows []Row, f facts) {
		n := f.count(and(brand("Duval"), label("neg"), func(m *mention.Mention) bool { return m.Enrichment.Sentiment.Evidence[0] == "nul" }))
		find(t, rows, Row{"word": "nul", "mentions": s(n)})
	},
	"cross-brand-authors": func(t *testing.T, rows []Row, f facts) {
		find(t, rows, Row{"author": "Camille Martin", "brands": "[Duval Voltéo]", "total_mentions": "7"})
		for _, r := range rows {
			if r["author"] == "Jules Vélo" {
				t.Fatalf("Jules Vélo only talks about Voltéo: %v", r)
			}
		}
	},
	"open-incidents": func(t *testing.T, rows []Row, f facts) {
		if len(rows) != 1 {
			t.Fatalf("%d open incidents, want 1 (the Vague one is resolved): %v", len(rows), rows)
		}
		find(t, rows, Row{"incident_id": "inc-duval-storm", "current_status": "open", "current_severity": "9", "mentions_in_window": "38"})
	},
}

// TestEveryQuery runs every query of docs/cookbook.md on ClickHouse against
// the fixture and checks known values.
func TestEveryQuery(t *testing.T) {
	qs := readCookbook(t)
	if len(qs) < 10 {
		t.Fatalf("the cookbook has %d queries, want at least 10", len(qs))
	}
	st, d := load(t)
	f := newFacts(d)
	seen := map[string]bool{}
	for _, q := range qs {
		seen[q.Name] = true
		t.Run(q.Name, func(t *testing.T) {
			check, ok := checks[q.Name]
			if !ok {
				t.Fatalf("query %q (line %d) has no check in cookbook_test.go", q.Name, q.Line)
			}
			if !strings.Contains(q.SQL, "veille.") {
				t.Fatalf("query %q names no veille.* table", q.Name)
			}
			rows := query(t, st.Conn, q.ForDatabase(st.DB))
			if len(rows) == 0 {
				t.Fatalf("no rows:\n%s", q.SQL)
			}
			check(t, rows, f)
		})
	}
	for name := range checks {
		if !seen[name] {
			t.Errorf("check %q has no query in the cookbook", name)
		}
	}
}
