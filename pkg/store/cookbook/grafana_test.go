package cookbook_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
)

type grafanaTarget struct {
	RefID  string `json:"refId"`
	RawSQL string `json:"rawSql"`
}

type grafanaDashboard struct {
	UID        string `json:"uid"`
	Templating struct {
		List []struct {
			Name  string `json:"name"`
			Query string `json:"query"`
		} `json:"list"`
	} `json:"templating"`
	Annotations struct {
		List []struct {
			Name   string        `json:"name"`
			Target grafanaTarget `json:"target"`
		} `json:"list"`
	} `json:"annotations"`
	Panels []struct {
		ID      int             `json:"id"`
		Title   string          `json:"title"`
		Type    string          `json:"type"`
		Targets []grafanaTarget `json:"targets"`
	} `json:"panels"`
}

var (
	timeFilter = regexp.MustCompile(`\$__timeFilter\((\w+)\)`)
	leftMacro  = regexp.MustCompile(`\$\{?\w+`)
)

// expand substitutes the ClickHouse plugin's macros and the $brand variable
// the way Grafana does, with simple values.
func expand(sql, db, brand string, from, to time.Time, interval int) string {
	sql = timeFilter.ReplaceAllString(sql, fmt.Sprintf("$1 >= toDateTime(%d) AND $1 <= toDateTime(%d)", from.Unix(), to.Unix()))
	sql = strings.NewReplacer(
		"$__fromTime", fmt.Sprintf("toDateTime(%d)", from.Unix()),
		"$__toTime", fmt.Sprintf("toDateTime(%d)", to.Unix()),
		"$__interval_s", fmt.Sprint(interval),
		"${brand}", brand,
		"$brand", brand,
	).Replace(sql)
	return strings.ReplaceAll(sql, "veille.", db+".")
}

// TestGrafanaProvisioning parses the datasource and dashboard provisioning
// and runs every panel's SQL (and the variable and annotation queries) on
// ClickHouse against the fixture.
func TestGrafanaProvisioning(t *testing.T) {
	root := filepath.Join(testenv.RepoRoot(t), "deploy", "grafana")
	var ds struct {
		APIVersion  int `yaml:"apiVersion"`
		Datasources []struct {
			Name, UID, Type string
			JSONData        map[string]any    `yaml:"jsonData"`
			Secure          map[string]string `yaml:"secureJsonData"`
		} `yaml:"datasources"`
	}
	b, err := os.ReadFile(filepath.Join(root, "provisioning", "datasources", "clickhouse.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &ds); err != nil {
		t.Fatalf("datasource YAML: %v", err)
	}
	if ds.APIVersion != 1 || len(ds.Datasources) != 1 {
		t.Fatalf("datasources: %+v", ds)
	}
	d0 := ds.Datasources[0]
	if d0.Type != "grafana-clickhouse-datasource" || d0.JSONData["port"] != 9000 || d0.JSONData["protocol"] != "native" ||
		d0.JSONData["username"] != "veille_analyst" || d0.JSONData["defaultDatabase"] != "veille" || d0.Secure["password"] == "" {
		t.Fatalf("datasource %+v", d0)
	}
	users, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "deploy", "clickhouse", "users.xml"))
	if err != nil || !strings.Contains(string(users), "<veille_analyst>") {
		t.Fatalf("users.xml has no veille_analyst: %v", err)
	}
	var prov struct {
		Providers []struct {
			Type    string
			Options map[string]any
		} `yaml:"providers"`
	}
	b, err = os.ReadFile(filepath.Join(root, "provisioning", "dashboards", "veille.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &prov); err != nil || len(prov.Providers) != 1 || prov.Providers[0].Type != "file" || prov.Providers[0].Options["path"] == nil {
		t.Fatalf("dashboard provider %+v %v", prov, err)
	}

	var dash grafanaDashboard
	b, err = os.ReadFile(filepath.Join(root, "dashboards", "veille-brand.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("dashboard JSON: %v", err)
	}
	if !strings.Contains(string(b), `"uid": "`+d0.UID+`"`) {
		t.Fatalf("the dashboard does not use the provisioned datasource uid %q", d0.UID)
	}
	if len(dash.Templating.List) != 1 || dash.Templating.List[0].Name != "brand" {
		t.Fatalf("variables %+v, want $brand", dash.Templating.List)
	}
	titles := map[string]bool{}
	for _, p := range dash.Panels {
		titles[p.Title] = true
	}
	for _, want := range []string{"Volume by sentiment", "Net sentiment", "Share of voice", "Top authors"} {
		if !titles[want] {
			t.Errorf("no panel %q", want)
		}
	}

	st, d := load(t)
	f := newFacts(d)
	from, to := d.End.Add(-7*24*time.Hour), d.End
	run := func(t *testing.T, sql string) []Row {
		t.Helper()
		q := expand(sql, st.DB, "Duval", from, to, 3600)
		if m := leftMacro.FindString(q); m != "" {
			t.Fatalf("unexpanded macro %s in\n%s", m, q)
		}
		rows := query(t, st.Conn, q)
		if len(rows) == 0 {
			t.Fatalf("no rows:\n%s", q)
		}
		return rows
	}
	t.Run("variable", func(t *testing.T) {
		rows := run(t, dash.Templating.List[0].Query)
		if len(rows) != 4 || rows[0]["brand"] != "Blanchard" {
			t.Fatalf("brands %v", rows)
		}
	})
	t.Run("annotations", func(t *testing.T) {
		rows := run(t, dash.Annotations.List[0].Target.RawSQL)
		find(t, rows, Row{"time": d.SpikeHour.Add(20 * time.Minute).Format("2006-01-02 15:04:05")})
	})
	duval := f.count(brand("Duval"))
	known := map[string]func(t *testing.T, rows []Row){
		"Mentions": func(t *testing.T, rows []Row) { find(t, rows, Row{"mentions": s(duval)}) },
		"Net sentiment": func(t *testing.T, rows []Row) {
			neg, pos := f.count(and(brand("Duval"), label("neg"))), f.count(and(brand("Duval"), label("pos")))
			find(t, rows, Row{"net_sentiment": s(round1(100 * float64(pos-neg) / float64(duval)))})
		},
		"Toxic mentions": func(t *testing.T, rows []Row) { find(t, rows, Row{"toxic": "4"}) },
		"Share of voice": func(t *testing.T, rows []Row) {
			if len(rows) != 2 {
				t.Fatalf("share of voice rows %v, want Duval and Blanchard", rows)
			}
			find(t, rows, Row{"brand": "Blanchard", "mentions": s(f.count(brand("Blanchard")))})
		},
		"Volume by sentiment": func(t *testing.T, rows []Row) {
			inHour := func(m *mention.Mention) bool { return m.PublishedAt.Truncate(time.Hour).Equal(d.SpikeHour) }
			find(t, rows, Row{"time": d.SpikeHour.Format("2006-01-02 15:04:05"), "negative": s(f.count(and(brand("Duval"), inHour, label("neg"))))})
		},
		"Top authors": func(t *testing.T, rows []Row) {
			find(t, rows, Row{"author": "Camille Martin", "n": "5", "positive": "4", "influencer": "1"})
		},
	}
	for _, p := range dash.Panels {
		t.Run(p.Title, func(t *testing.T) {
			if len(p.Targets) == 0 || strings.TrimSpace(p.Targets[0].RawSQL) == "" {
				t.Fatalf("panel %d has no SQL", p.ID)
			}
			for _, tg := range p.Targets {
				rows := run(t, tg.RawSQL)
				if check, ok := known[p.Title]; ok {
					check(t, rows)
				}
			}
		})
	}
}
