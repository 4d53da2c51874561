package cli

import (
	"os"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/veille-oss/veille/pkg/platform/config"
)

// TestComposeFile: docker-compose.yml cannot run here, so check what can
// drift: every veille command it runs exists, every --services name is a
// real service, and the configuration it mounts loads.
func TestComposeFile(t *testing.T) {
	data, err := os.ReadFile("../../../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var compose struct {
		Services map[string]struct {
			Image       string   `yaml:"image"`
			Command     []string `yaml:"command"`
			Healthcheck struct {
				Test []string `yaml:"test"`
			} `yaml:"healthcheck"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(data, &compose); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(compose.Services["nats"].Image, "nats:") || !strings.HasPrefix(compose.Services["clickhouse"].Image, "clickhouse/clickhouse-server:") {
		t.Fatal("compose must use the official nats and clickhouse images")
	}
	cmds, services := commands(), Services()
	seen := 0
	for name, s := range compose.Services {
		if len(s.Command) == 0 || name == "nats" || name == "clickhouse" {
			continue
		}
		seen++
		if _, ok := cmds[s.Command[0]]; !ok {
			t.Errorf("%s: unknown veille command %q", name, s.Command[0])
		}
		for i, a := range s.Command {
			if a == "--services" && i+1 < len(s.Command) {
				for _, sv := range strings.Split(s.Command[i+1], ",") {
					if _, ok := services[sv]; !ok {
						t.Errorf("%s: unknown service %q", name, sv)
					}
				}
			}
			if a == "--config" && i+1 < len(s.Command) && s.Command[i+1] != "/etc/veille/veille.yaml" {
				t.Errorf("%s: config %s is not the mounted one", name, s.Command[i+1])
			}
		}
	}
	if seen < 5 {
		t.Fatalf("only %d veille services in compose", seen)
	}
	if _, err := config.Load("../../../deploy/docker/veille.yaml"); err != nil {
		t.Fatal(err)
	}
}
