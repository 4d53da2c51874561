package alert

import (
	"errors"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func TestConfigYAMLAndValidate(t *testing.T) {
	const doc = `
console_base_url: https://console.example
defaults:
  window: 30s
  history: 10m
  warmup: 1m
  seasonality: none
  update_every: 5s
brands:
  Duval:
    sensitivity: 3.5
    crisis_terms: [boycott*, "rappel conso"]
    disable: [toxic]
`
	var c Config
	if err := yaml.Unmarshal([]byte(doc), &c); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	d := c.rulesFor("duval")
	if d.Window != 30*time.Second || d.Bucket != 3*time.Second || d.Sensitivity != 3.5 || d.MinCount != 5 ||
		len(d.CrisisTerms) != 2 || d.Disable[0] != CauseToxic || d.UpdateEvery != 5*time.Second {
		t.Fatalf("inherited rules: %+v", d)
	}
	if o := c.rulesFor("Autre"); o.Sensitivity != 5 || len(o.CrisisTerms) != len(DefaultCrisisTerms) {
		t.Fatalf("default rules: %+v", o)
	}
	for _, bad := range []struct {
		c   Config
		key string
	}{
		{Config{Defaults: Rules{Sensitivity: -1}}, "defaults.sensitivity"},
		{Config{Defaults: Rules{Window: 500 * time.Millisecond}}, "defaults.window"},
		{Config{Defaults: Rules{Window: time.Hour, History: time.Hour}}, "defaults.history"},
		{Config{Defaults: Rules{Seasonality: "weekly"}}, "defaults.seasonality"},
		{Config{Brands: map[string]Rules{"Duval": {Disable: []string{"spam"}}}}, "brands.Duval.disable[0]"},
		{Config{Brands: map[string]Rules{"Duval": {CrisisTerms: []string{"ok", "!!"}}}}, "brands.Duval.crisis_terms[1]"},
		{Config{Brands: map[string]Rules{"Duval": {MinCount: 30}}}, "brands.Duval.cold_min_count"},
		{Config{ConsoleBaseURL: "console"}, "console_base_url"},
	} {
		err := bad.c.Validate()
		if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), bad.key+":") {
			t.Errorf("want error naming %s, got %v", bad.key, err)
		}
	}
}
