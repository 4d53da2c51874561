package cli

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/veille-oss/veille/pkg/enrich/influence"
	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/services/alerter"
	"github.com/veille-oss/veille/services/reports"
)

// TestREADMEConfigExamples: every YAML block of the README is a valid
// configuration, sections decoded by their services included, so a user can
// start from it.
func TestREADMEConfigExamples(t *testing.T) {
	readme, err := os.ReadFile("../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(string(readme), -1)
	if len(blocks) < 4 {
		t.Fatalf("found %d yaml blocks", len(blocks))
	}
	env := func(k string) string {
		if strings.HasPrefix(k, "VEILLE_") {
			return ""
		}
		if strings.HasSuffix(k, "SECRET") {
			return "0123456789abcdef0123"
		}
		if strings.HasSuffix(k, "_URL") {
			return "https://hooks.example.fr/x"
		}
		return "x"
	}
	for i, b := range blocks {
		cfg, err := config.Parse([]byte(b[1]), "README block", env)
		if err != nil {
			t.Errorf("block %d: %v\n%s", i, err, b[1])
			continue
		}
		if _, err := alerter.DecodeConfig(&cfg.Alerting, cfg.Console.BaseURL, env); err != nil {
			t.Errorf("block %d: alerting: %v", i, err)
		}
		if _, err := influence.Decode(&cfg.Influence); err != nil {
			t.Errorf("block %d: influence: %v", i, err)
		}
		if _, err := reports.ServiceConfig(cfg); err != nil {
			t.Errorf("block %d: reports: %v", i, err)
		}
	}
}
