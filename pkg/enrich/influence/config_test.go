package influence_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/veille-oss/veille/pkg/enrich/influence"
)

func decodeYAML(t *testing.T, doc string) (influence.Config, error) {
	t.Helper()
	var root struct {
		Influence yaml.Node `yaml:"influence"`
	}
	if err := yaml.Unmarshal([]byte(doc), &root); err != nil {
		t.Fatal(err)
	}
	return influence.Decode(&root.Influence)
}

func TestConfigDecode(t *testing.T) {
	c, err := decodeYAML(t, "influence: {threshold: 70, top_percentile: 2.5, min_mentions: 3, flush_interval: 250ms}\n")
	if err != nil {
		t.Fatal(err)
	}
	want := influence.Default()
	want.Threshold, want.TopPercentile, want.MinMentions, want.FlushInterval = 70, 2.5, 3, 250*time.Millisecond
	if c != want {
		t.Fatalf("decoded %+v\nwant    %+v", c, want)
	}
	c, err = decodeYAML(t, "other: 1\n")
	if err != nil || c != influence.Default() {
		t.Fatalf("absent section: %+v, %v", c, err)
	}
	if err := influence.Default().Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
}

func TestConfigErrorsNameTheKey(t *testing.T) {
	for doc, key := range map[string]string{
		"influence: {threshold: 120}":                 "influence.threshold",
		"influence: {top_percentile: -1}":             "influence.top_percentile",
		"influence: {min_mentions: 0}":                "influence.min_mentions",
		"influence: {thresold: 60}":                   "influence.thresold: unknown key",
		"influence: {flush_interval: soon}":           "influence.flush_interval",
		"influence: {half_life: 1m}":                  "influence.half_life",
		"influence: {activity_window: 9000h}":         "influence.activity_window",
		"influence: {recent_ids: 0}":                  "influence.recent_ids",
		"influence: {max_domains: 1}":                 "influence.max_domains",
		"influence: [1, 2]":                           "influence: must be a mapping",
		"influence: {max_authors: many}":              "influence.max_authors",
		"influence: {recompute_interval: 1ms}":        "influence.recompute_interval",
		"influence: {max_out_links: 0}":               "influence.max_out_links",
		"influence: {threshold: 60, x: 1}":            "influence.x: unknown key",
		"influence: {min_mentions: 2, half_life: 0s}": "influence.half_life",
	} {
		_, err := decodeYAML(t, doc)
		if err == nil || !errors.Is(err, influence.ErrConfig) || !strings.Contains(err.Error(), key) {
			t.Errorf("%s: error %v, want one naming %q", doc, err, key)
		}
	}
}
