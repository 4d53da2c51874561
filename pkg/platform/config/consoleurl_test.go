package config_test

import (
	"testing"

	"github.com/veille-oss/veille/pkg/platform/config"
)

func TestConsolePublicURL(t *testing.T) {
	for _, c := range []struct {
		in   config.Console
		want string
	}{
		{config.Console{Listen: "127.0.0.1:18123"}, "http://127.0.0.1:18123"},
		{config.Console{Listen: "0.0.0.0:9090"}, "http://127.0.0.1:9090"},
		{config.Console{Listen: ":8081"}, "http://127.0.0.1:8081"},
		{config.Console{Listen: "[::1]:8082"}, "http://[::1]:8082"},
		{config.Console{Listen: "127.0.0.1:18123", BaseURL: "https://veille.example.fr/"}, "https://veille.example.fr"},
		{config.Console{Listen: "nonsense"}, ""},
		{config.Console{Listen: "127.0.0.1:0"}, ""},
	} {
		if got := c.in.PublicURL(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.in, got, c.want)
		}
	}
}
