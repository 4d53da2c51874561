package config_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/platform/config"
)

func env(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }

func TestDefaultsAreValid(t *testing.T) {
	c, err := config.Parse(nil, "defaults", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.NATS.URL != "" || c.NATS.Embedded.Listen != "127.0.0.1:4222" || c.ClickHouse.Addr[0] != "127.0.0.1:9000" || c.Console.Listen != "127.0.0.1:8080" {
		t.Fatalf("unexpected defaults: %+v", c)
	}
}

func TestParseFull(t *testing.T) {
	y := `
data_dir: /tmp/x
nats: {url: "nats://n1:4222", dedup_window: 5m, max_deliver: 3}
clickhouse: {addr: ["ch1:9000", "ch2:9000"], database: veille, password: hunter2}
sink: {batch_rows: 5000, flush_interval: 500ms}
brands:
  - {name: Duval, aliases: [Laiterie Duval], query: 'Duval AND yaourt*', group: laitiers}
  - {name: Blanchard, group: laitiers}
sources:
  - {kind: web, name: blog, seeds: ["http://blog-camille.test/"], allow_private: true, rate: 5}
  - {kind: rss, name: news, url: "http://monquotidien.test/rss.xml"}
  - {kind: forum, name: forum, url: "http://forum-conso.test/", profile: phpbb, timezone: Europe/Paris}
`
	c, err := config.Parse([]byte(y), "t.yaml", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.NATS.DedupWindow != 5*time.Minute || c.Sink.FlushInterval != 500*time.Millisecond || len(c.Brands) != 2 || len(c.Sources) != 3 || !c.Sources[0].AllowPrivate {
		t.Fatalf("parsed %+v", c)
	}
	if c.Sink.BatchBytes != config.Default().Sink.BatchBytes {
		t.Fatal("unset keys must keep their defaults")
	}
}

func TestEnvOverrides(t *testing.T) {
	c, err := config.Parse([]byte("clickhouse: {addr: [a:1]}"), "t", env(map[string]string{
		config.EnvClickHouseAddr: "x:9000, y:9000", config.EnvNATSURL: "nats://n:4222", config.EnvClickHousePassword: "s3cret",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.ClickHouse.Addr, ",") != "x:9000,y:9000" || c.NATS.URL != "nats://n:4222" || c.ClickHouse.Password.Reveal() != "s3cret" {
		t.Fatalf("%+v", c)
	}
}

func TestInvalidNamesTheKey(t *testing.T) {
	cases := map[string]string{
		"log: {level: loud}":                                  "log.level",
		"nats: {url: 'http://x:4222'}":                        "nats.url",
		"nats: {replicas: 2}":                                 "nats.replicas",
		"nats: {ack_wait: 10ms}":                              "nats.ack_wait",
		"nats: {ack_wait: 2m, dedup_window: 1m}":              "nats.dedup_window",
		"clickhouse: {addr: [nohost]}":                        "clickhouse.addr[0]",
		"clickhouse: {database: 'v; DROP'}":                   "clickhouse.database",
		"sink: {batch_rows: 0}":                               "sink.batch_rows",
		"console: {listen: nowhere}":                          "console.listen",
		"console: {users: [{name: a, password_hash: plain}]}": "console.users[0].password_hash",
		"brands: [{name: ''}]":                                "brands[0].name",
		"brands: [{name: A}, {name: a}]":                      "brands[1].name",
		"sources: [{kind: tv, name: x}]":                      "sources[0].kind",
		"sources: [{kind: web, name: x}]":                     "sources[0].seeds",
		"sources: [{kind: web, name: x, seeds: [ftp://a]}]":   "sources[0].seeds[0]",
		"sources: [{kind: rss, name: x, url: ''}]":            "sources[0].url",
		"sources: [{kind: rss, name: x, url: 'http://a/'}, {kind: rss, name: x, url: 'http://b/'}]": "sources[1].name",
		"sources: [{kind: forum, name: x, url: 'http://a/', timezone: Mars/Olympus}]":               "sources[0].timezone",
		"crawler: {shard: 3/2}":    "crawler.shard",
		"sink: {batch_rows: many}": "batch_rows",
		"unknwon_key: 1":           "unknwon_key",
	}
	for y, key := range cases {
		_, err := config.Parse([]byte(y), "t.yaml", env(nil))
		if !errors.Is(err, config.ErrInvalid) || !strings.Contains(err.Error(), key) {
			t.Errorf("%s: want an error naming %q, got %v", y, key, err)
		}
	}
}

func TestSecretsNeverPrint(t *testing.T) {
	c, err := config.Parse([]byte("clickhouse: {password: hunter2}\nnats: {token: tok3n, password: pw}\nconsole: {token: consoletok}"), "t", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	out := fmt.Sprintf("%v %+v %#v %s", c, c, c, c.ClickHouse.Password)
	for _, s := range []string{"hunter2", "tok3n", "consoletok"} {
		if strings.Contains(out, s) {
			t.Fatalf("secret %q printed", s)
		}
	}
	if c.ClickHouse.Password.Reveal() != "hunter2" {
		t.Fatal("Reveal must return the value")
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("brands: [{name: Duval}]\nsources: [{kind: web, name: x, seeds: ['http://a/']}]"))
	f.Add([]byte("nats: {url: 'nats://a:1'}"))
	f.Add([]byte("{{{"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := config.Parse(data, "fuzz", env(nil))
		if err == nil && c.Validate() != nil {
			t.Fatal("Parse accepted an invalid configuration")
		}
	})
}
