package alerter

import (
	"errors"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/veille-oss/veille/pkg/platform/mention"
)

func node(t *testing.T, src string) *yaml.Node {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Content) == 0 {
		return &yaml.Node{}
	}
	return doc.Content[0]
}

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDecodeConfigEmptyIsDefaults(t *testing.T) {
	for _, src := range []string{"", "~", "{}"} {
		c, err := DecodeConfig(node(t, src), "http://127.0.0.1:8080", env(nil))
		if err != nil {
			t.Fatalf("%q: %v", src, err)
		}
		if len(c.Channels) != 0 || len(c.Routes) != 0 {
			t.Errorf("%q: channels %v routes %v, want none (alerts.<brand> only)", src, c.Channels, c.Routes)
		}
		if c.Tick != time.Second || c.SnapshotEvery != 2*time.Second || c.LeaseTTL != 10*time.Second || c.Batch != 500 {
			t.Errorf("%q: service defaults not filled: %+v", src, c)
		}
		if c.ConsoleBaseURL != "http://127.0.0.1:8080" {
			t.Errorf("%q: console_base_url %q, want console.base_url", src, c.ConsoleBaseURL)
		}
	}
}

func TestDecodeConfigFull(t *testing.T) {
	src := `
console_base_url: https://veille.example
defaults: {window: 30s, bucket: 2s, seasonality: none, cold_min_count: 12, disable: [toxic]}
brands:
  Duval: {min_count: 8, cold_min_count: 10}
channels:
  - {name: hook, type: webhook, url: "https://hooks.example/v", secret_env: HOOK}
  - {name: ops, type: nats, subject_prefix: ops.alerts}
tick: 500ms
lease_ttl: 6s
`
	c, err := DecodeConfig(node(t, src), "", env(map[string]string{"HOOK": "0123456789abcdef0123"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Defaults.Window != 30*time.Second || c.Brands["Duval"].MinCount != 8 || c.Tick != 500*time.Millisecond {
		t.Fatalf("decoded %+v", c)
	}
	// channels without routes: every event to every channel
	if len(c.Routes) != 1 || strings.Join(c.Routes[0].Channels, ",") != "hook,ops" {
		t.Fatalf("default route %+v", c.Routes)
	}
	if got := c.Delivery(env(map[string]string{"HOOK": "0123456789abcdef0123"})).Channels[0].Secret; got != "0123456789abcdef0123" {
		t.Fatalf("secret_env not resolved: %q", got)
	}
}

func TestDecodeConfigErrorsNameTheKey(t *testing.T) {
	hook := `channels: [{name: hook, type: webhook, url: "https://h.example/", secret_env: HOOK}]` + "\n"
	cases := map[string]string{
		"defaults: {windw: 30s}":              `key windw not found in alerting.defaults`,
		"chanels: []":                         `key chanels not found in alerting`,
		"defaults: {window: 30s, bucket: 1m}": `alerting.defaults.bucket`,
		"brands: {Duval: {sensitivity: -1}}":  `alerting.brands.Duval.sensitivity`,
		"ignore_older_than: -1s":              `alerting.ignore_older_than`,
		"tick: 10ms":                          `alerting.tick`,
		"lease_ttl: 1h":                       `alerting.lease_ttl`,
		"batch: -3":                           `alerting.batch`,
		hook:                                  `alerting.channels.hook.secret`,
		strings.Replace(hook, "secret_env: HOOK", "secret: 0123456789abcdef0123", 1) + "routes: [{channels: [slack]}]": `alerting.routes[0].channels[0]: unknown channel "slack"`,
		"channels: [{name: bus, type: nats, subject_prefix: x}]":                                                       `alerting.channels.bus.name`,
		"channels: [{name: n, type: nats}]":                                                                            `alerting.channels.n.subject_prefix`,
		"outbox: {subject_prefix: alerts}":                                                                             `alerting.outbox.subject_prefix`,
		"defaults: {disable: [spam]}":                                                                                  `alerting.defaults.disable[0]`,
		"console_base_url: ftp://x":                                                                                    `alerting.console_base_url`,
	}
	for src, want := range cases {
		_, err := DecodeConfig(node(t, src), "", env(map[string]string{"HOOK": "short"}))
		if err == nil || !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want ErrConfig naming %q", src, err, want)
		}
	}
}

func TestFreshSkipsBackfill(t *testing.T) {
	c, err := DecodeConfig(node(t, "ignore_older_than: 24h"), "", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, tc := range []struct {
		published time.Time
		want      bool
	}{
		{now.Add(-time.Hour), true},
		{now.Add(-30 * time.Hour), false}, // first crawl of an old page
		{time.Time{}, true},               // no date: fed
		{now.Add(time.Hour), true},        // clock skew of the source
	} {
		m := &mention.Mention{PublishedAt: tc.published, CollectedAt: now}
		if got := c.Fresh(m); got != tc.want {
			t.Errorf("published %v before collection: Fresh = %v, want %v", now.Sub(tc.published), got, tc.want)
		}
	}
	off, _ := DecodeConfig(node(t, "ignore_older_than: 0s"), "", env(nil))
	if !off.Fresh(&mention.Mention{PublishedAt: now.Add(-1000 * time.Hour), CollectedAt: now}) {
		t.Error("ignore_older_than: 0s must feed everything")
	}
}
