package watch

import (
	"os"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestReadmeExamples keeps README.md honest: every query example parses, the
// YAML example loads and compiles, and the error example is what Compile says.
func TestReadmeExamples(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := strings.Split(string(b), "```")
	var queries, yamls, errs int
	for i := 1; i < len(blocks); i += 2 {
		lang, body, _ := strings.Cut(blocks[i], "\n")
		switch lang {
		case "yaml":
			var cfg struct {
				Brands []struct {
					Name    string   `yaml:"name"`
					Group   string   `yaml:"group"`
					Aliases []string `yaml:"aliases"`
					Query   string   `yaml:"query"`
				} `yaml:"brands"`
			}
			if err := yaml.Unmarshal([]byte(body), &cfg); err != nil {
				t.Fatalf("README yaml: %v", err)
			}
			var brands []Brand
			for _, c := range cfg.Brands {
				brands = append(brands, Brand{Name: c.Name, Group: c.Group, Aliases: c.Aliases, Query: c.Query})
			}
			m, err := Compile(brands)
			if err != nil {
				t.Fatalf("README yaml brands: %v", err)
			}
			got := m.Match(Doc{Text: "Panne du réseau Orange, et un jus d'orange. Free Mobile aussi. Duval : yaourts rappelés.", Lang: "fr"})
			if len(got) != 2 || got[0].Brand != "Free" || got[1].Brand != "Duval" {
				t.Fatalf("README yaml example matched %+v, want Free and Duval (Orange excluded by its jus d'orange)", got)
			}
			yamls++
		case "go":
		case "":
			for _, line := range strings.Split(body, "\n") {
				line = strings.TrimSpace(line)
				if line == "" || strings.HasPrefix(line, "#") {
					continue
				}
				if strings.HasPrefix(line, "watch: brand ") {
					_, err := Compile([]Brand{{Name: "Orange", Query: `=Orange AND (forfait OR réseau`}})
					if err == nil || err.Error() != line {
						t.Fatalf("README error example %q, Compile says %v", line, err)
					}
					errs++
					continue
				}
				if _, err := Parse(line); err != nil {
					t.Errorf("README example does not parse: %v", err)
				}
				queries++
			}
		}
	}
	if queries < 5 || yamls != 1 || errs != 1 {
		t.Fatalf("found %d queries, %d yaml and %d error examples in README.md", queries, yamls, errs)
	}
}
