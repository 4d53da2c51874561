package alerter_test

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/alert"
	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
	"github.com/veille-oss/veille/services/alerter"
)

// demoRecord is one enriched mention of a recorded `veille demo --for 90s`
// run (testdata/demo_run.jsonl): when the alerter would have received it,
// and what the enricher said.
type demoRecord struct {
	AtMS       int64   `json:"at_ms"`
	ID         string  `json:"id"`
	Brand      string  `json:"brand"`
	Kind       string  `json:"kind"`
	Label      string  `json:"label"`
	Score      float64 `json:"score"`
	Influence  float64 `json:"influence"`
	Influencer bool    `json:"influencer"`
	Toxic      bool    `json:"toxic"`
	Title      string  `json:"title"`
	AgeS       *int64  `json:"age_s"`
}

// TestDemoStoryline replays a recorded demo run through the engine with the
// alerting section of pkg/tooling/demo/demo.yaml: Duval's bad buzz must open one
// incident and escalate it; the calm brands must raise nothing.
func TestDemoStoryline(t *testing.T) {
	path := filepath.Join(testenv.RepoRoot(t), "pkg", "tooling", "demo", "demo.yaml")
	full, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := alerter.DecodeConfig(&full.Alerting, full.Console.BaseURL, func(string) string { return "" })
	if err != nil {
		t.Fatalf("demo.yaml alerting section: %v", err)
	}
	f, err := os.Open(filepath.Join("testdata", "demo_run.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	start := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
	var ms []*mention.Mention
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r demoRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		m := &mention.Mention{Schema: mention.SchemaV1, ID: r.ID, Brand: r.Brand, SourceKind: r.Kind, Title: r.Title,
			CollectedAt: start.Add(time.Duration(r.AtMS) * time.Millisecond)}
		if r.AgeS != nil {
			m.PublishedAt = m.CollectedAt.Add(-time.Duration(*r.AgeS) * time.Second)
		}
		m.Enrichment = &mention.Enrichment{Sentiment: mention.Sentiment{Label: r.Label, Score: r.Score},
			InfluenceScore: r.Influence, IsInfluencer: r.Influencer, Toxic: r.Toxic}
		ms = append(ms, m)
	}
	if len(ms) < 200 {
		t.Fatalf("only %d recorded mentions", len(ms))
	}
	now := start
	eng := alert.NewEngine(cfg.Config, func() time.Time { return now })
	var events []alert.Event
	tick := start
	for _, m := range ms {
		for ; tick.Before(m.CollectedAt); tick = tick.Add(cfg.Tick) {
			now = tick
			events = append(events, eng.Tick(now)...)
		}
		now = m.CollectedAt
		if cfg.Fresh(m) {
			events = append(events, eng.Observe(m)...)
		}
	}
	for end := now.Add(time.Minute); tick.Before(end); tick = tick.Add(cfg.Tick) {
		now = tick
		events = append(events, eng.Tick(now)...)
	}
	ids := map[string]bool{}
	kinds := map[alert.Kind]int{}
	for _, ev := range events {
		inc := ev.Incident
		t.Logf("t+%5.1fs %-9s %s %s severity %d, %d negative of %d", inc.UpdatedAt.Sub(start).Seconds(), ev.Kind, inc.Brand, inc.Cause, inc.Severity, inc.Counts.Neg, inc.Counts.Total)
		if inc.Brand != "Duval" {
			t.Errorf("calm brand %s raised %s (%s)", inc.Brand, ev.Kind, inc.Detail)
		}
		ids[inc.ID] = true
		kinds[ev.Kind]++
	}
	if len(ids) != 1 || kinds[alert.Opened] != 1 || kinds[alert.Escalated] < 1 {
		t.Fatalf("want one Duval incident, opened once and escalated; got %d incidents, events %v", len(ids), kinds)
	}
	opened := events[0].Incident.OpenedAt.Sub(start)
	if events[0].Kind != alert.Opened || opened < 15*time.Second || opened > 45*time.Second {
		t.Fatalf("first event %s at t+%v, want opened between t+15s and t+45s", events[0].Kind, opened)
	}
}
