package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/store/analytics"
	"github.com/veille-oss/veille/pkg/tooling/demo"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
)

// TestDemoSummary runs `veille demo` (storyline at 3x, 25 s) and checks the
// summary: web and rss mentions stored for every demo brand, the forum too.
func TestDemoSummary(t *testing.T) {
	cfg := testenv.Config(t)
	st := testenv.Store(t, cfg) // fresh database, dropped at the end
	extra := fmt.Sprintf(`
data_dir: %s
nats: {embedded: {listen: "127.0.0.1:0"}}
clickhouse: {addr: [%q], database: %s}
console: {listen: "127.0.0.1:0"}
metrics: {listen: ""}
log: {level: warn}
`, cfg.DataDir, cfg.ClickHouse.Addr[0], cfg.ClickHouse.Database)
	path := filepath.Join(t.TempDir(), "demo.yaml")
	if err := os.WriteFile(path, append(append([]byte{}, demo.Config...), extra...), 0o600); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	var out, errb bytes.Buffer
	code := Main([]string{"demo", "--config", path, "--for", "25s", "--speed", "3"}, nil, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d\nstderr: %s", code, tail(errb.String(), 3000))
	}
	var sum Summary
	if err := json.Unmarshal(out.Bytes(), &sum); err != nil {
		t.Fatalf("summary is not JSON: %v\n%s", err, out.String())
	}
	t.Logf("summary: %s", out.String())
	for _, brand := range []string{"Duval", "Blanchard", "Voltéo", "Vague"} {
		for _, kind := range []string{"web", "rss"} {
			if sum.Stored.ByBrandKind[brand][kind] == 0 {
				t.Errorf("no %s mention stored for %s", kind, brand)
			}
		}
	}
	// The social networks tell part of the story (pkg/tooling/demo/social.go).
	if sum.Stored.ByBrandKind["Duval"]["bluesky"] == 0 || sum.Stored.ByBrandKind["Duval"]["mastodon"] == 0 || sum.Stored.ByBrandKind["Blanchard"]["bluesky"] == 0 {
		t.Errorf("social mentions not stored: %+v", sum.Stored.ByBrandKind)
	}
	if sum.Stored.ByKind["forum"] == 0 || sum.Stored.ByBrand["Duval"] <= sum.Stored.ByBrand["Blanchard"] {
		t.Errorf("storyline not visible: %+v", sum.Stored)
	}
	// The bad buzz opens one incident, for Duval only.
	by, _ := json.Marshal(sum.Alerts["by_brand"])
	var incidents map[string][]struct {
		ID     string         `json:"id"`
		Events map[string]int `json:"events"`
	}
	if err := json.Unmarshal(by, &incidents); err != nil {
		t.Fatal(err)
	}
	if len(incidents["Duval"]) != 1 || incidents["Duval"][0].Events["opened"] != 1 {
		t.Errorf("want one Duval incident, got %s", by)
	}
	for brand := range incidents {
		if brand != "Duval" {
			t.Errorf("calm brand %s raised an alert: %s", brand, by)
		}
	}
	// The designed influencers rank at the top for their brands, and their
	// mentions carry is_influencer.
	ctx := context.Background()
	for _, brand := range []string{"Duval", "Blanchard"} {
		top, err := analytics.TopInfluencers(ctx, st.Conn, st.DB, brand, time.Now().Add(-90*24*time.Hour), time.Now().Add(time.Hour), 5)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, x := range top {
			names = append(names, fmt.Sprintf("%s(%.0f,%v)", x.Name, x.Score, x.Flagged))
		}
		t.Logf("top influencers for %s: %v", brand, names)
		// The designed influencers: Camille Roux (the much-linked blogger) and
		// Titou75 (the prolific forum member), in either order.
		if len(top) < 2 || !designed[top[0].Name] || !designed[top[1].Name] || top[0].Name == top[1].Name {
			t.Errorf("top influencers for %s: want Camille Roux and Titou75 first, got %v", brand, names)
		} else if brand == "Duval" && (!top[0].Flagged || !top[1].Flagged) {
			t.Errorf("designed influencers not flagged for Duval: %v", names)
		}
	}
	// Scores are computed as mentions stream: what the designed influencers
	// write once the crawl has seen their reach (the bad-buzz posts and
	// comments, published during the run) carries the flag.
	for who := range designed {
		var flagged, total uint64
		q := "SELECT countIf(is_influencer = 1), count() FROM " + st.DB + ".mentions FINAL WHERE author_name = ? AND brand = 'Duval' AND published_at >= toDateTime(?)"
		if err := st.Conn.QueryRow(ctx, q, who, start.Unix()).Scan(&flagged, &total); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d of %d storyline Duval mentions flagged", who, flagged, total)
		if total == 0 || flagged < total*8/10 {
			t.Errorf("%s's storyline Duval mentions flagged as influencer: %d of %d", who, flagged, total)
		}
	}
	// Issue 18: dates in the source's zone (none an hour ahead), and the
	// demo web's listings (home pages, the news site's sections) are not
	// mentions, the articles they link to are.
	if sum.Stored.FutureDated != 0 {
		t.Errorf("%d stored mentions published more than 5 minutes after collection", sum.Stored.FutureDated)
	}
	var listings uint64
	if err := st.Conn.QueryRow(ctx, "SELECT count() FROM "+st.DB+".mentions FINAL WHERE anchor = '' AND source_kind = 'web' AND (path(url) IN ('', '/') OR match(url, '^http://monquotidien[.]test/[a-z]+/$'))").Scan(&listings); err != nil {
		t.Fatal(err)
	}
	if listings != 0 {
		t.Errorf("%d mentions stored for listing pages", listings)
	}
	if sum.Enriched < sum.Stored.Total || sum.DeadLetter != 0 {
		t.Errorf("enriched %d, stored %d, dead letters %d", sum.Enriched, sum.Stored.Total, sum.DeadLetter)
	}
}

var designed = map[string]bool{"Camille Roux": true, "Titou75": true}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
