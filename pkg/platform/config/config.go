// Package config loads veille's YAML configuration: every key documented with
// its default in Default() and the README, environment overrides for what
// differs between machines, and validation that names the offending key.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// ErrInvalid is wrapped by every configuration error; the message names the key.
var ErrInvalid = errors.New("invalid configuration")

// Config is the whole configuration of veille; one file serves every service.
type Config struct {
	// DataDir holds local state: the embedded NATS store, spool files.
	DataDir string `yaml:"data_dir"`
	// MemoryLimitMB is the Go soft memory limit of a veille process (the GC
	// works harder near it instead of growing the heap); 0 = none. The
	// GOMEMLIMIT environment variable, when set, wins.
	MemoryLimitMB int        `yaml:"memory_limit_mb"`
	Log           Log        `yaml:"log"`
	NATS          NATS       `yaml:"nats"`
	ClickHouse    ClickHouse `yaml:"clickhouse"`
	Sink          Sink       `yaml:"sink"`
	Enricher      Enricher   `yaml:"enricher"`
	Crawler       Crawler    `yaml:"crawler"`
	Console       Console    `yaml:"console"`
	Metrics       Metrics    `yaml:"metrics"`
	Influence     yaml.Node  `yaml:"influence"`
	// Alerting is decoded by the alerter (pkg/alert), which validates it.
	Alerting yaml.Node `yaml:"alerting"`
	// Reports configures scheduled brand reports (pkg/report.ScheduleConfig).
	Reports yaml.Node `yaml:"reports"`
	Brands  []Brand   `yaml:"brands"`
	Sources []Source  `yaml:"sources"`
}

// Log configures log/slog output.
type Log struct {
	Level  string `yaml:"level"`  // debug, info, warn, error
	Format string `yaml:"format"` // text, json
}

// NATS says where the bus is. An empty URL starts an embedded server.
type NATS struct {
	URL          string        `yaml:"url"`
	CredsFile    string        `yaml:"creds_file"`
	NKeySeedFile string        `yaml:"nkey_seed_file"`
	User         string        `yaml:"user"`
	Password     Secret        `yaml:"password"`
	Token        Secret        `yaml:"token"`
	TLS          TLS           `yaml:"tls"`
	Embedded     Embedded      `yaml:"embedded"`
	Replicas     int           `yaml:"replicas"`
	DedupWindow  time.Duration `yaml:"dedup_window"`
	MaxDeliver   int           `yaml:"max_deliver"`
	AckWait      time.Duration `yaml:"ack_wait"`
	MaxAge       time.Duration `yaml:"max_age"`
	MaxBytes     int64         `yaml:"max_bytes"`
}

// Embedded configures the in-process nats-server.
type Embedded struct {
	Listen   string `yaml:"listen"`
	StoreDir string `yaml:"store_dir"`
}

// TLS configures a client TLS connection.
type TLS struct {
	CAFile             string `yaml:"ca_file"`
	CertFile           string `yaml:"cert_file"`
	KeyFile            string `yaml:"key_file"`
	InsecureSkipVerify bool   `yaml:"insecure_skip_verify"`
}

// ClickHouse says where mentions are stored.
type ClickHouse struct {
	Addr        []string      `yaml:"addr"`
	Database    string        `yaml:"database"`
	User        string        `yaml:"user"`
	Password    Secret        `yaml:"password"`
	Cluster     string        `yaml:"cluster"`
	Secure      bool          `yaml:"secure"`
	DialTimeout time.Duration `yaml:"dial_timeout"`
}

// Sink configures batching into ClickHouse.
type Sink struct {
	BatchRows     int           `yaml:"batch_rows"`
	BatchBytes    int           `yaml:"batch_bytes"`
	FlushInterval time.Duration `yaml:"flush_interval"`
	MaxBackoff    time.Duration `yaml:"max_backoff"`
	// HandoffAfter is how long a sink that cannot reach ClickHouse keeps
	// its batch before handing it back (NAK with delay) so that a replica
	// with a working ClickHouse stores it.
	HandoffAfter time.Duration `yaml:"handoff_after"`
}

// Enricher configures the enrichment workers.
type Enricher struct {
	Workers int `yaml:"workers"`
	Batch   int `yaml:"batch"`
}

// Crawler holds the collectors' defaults; sources override them.
type Crawler struct {
	UserAgent       string        `yaml:"user_agent"`
	RatePerHost     float64       `yaml:"rate_per_host"`
	ConcurrencyHost int           `yaml:"concurrency_per_host"`
	Timeout         time.Duration `yaml:"timeout"`
	MaxBytes        int64         `yaml:"max_bytes"`
	Interval        time.Duration `yaml:"interval"`
	MaxPages        int           `yaml:"max_pages"`
	MaxDepth        int           `yaml:"max_depth"`
	Shard           string        `yaml:"shard"` // "i/n": this crawler fetches hosts with hash%n == i
	// Proxy is an HTTP proxy URL every collector request goes through (the
	// demo points it at its own web; also corporate proxies).
	Proxy string `yaml:"proxy"`
}

// Console configures the web console.
type Console struct {
	Listen  string        `yaml:"listen"`
	BaseURL string        `yaml:"base_url"`
	Users   []ConsoleUser `yaml:"users"`
	Token   Secret        `yaml:"token"`
	Lang    string        `yaml:"lang"`
	// AllowedHosts are further host names the console answers to (besides
	// its listen address, loopback names and base_url's host); any other
	// Host header gets 421, which defeats DNS rebinding.
	AllowedHosts []string `yaml:"allowed_hosts"`
}

// ConsoleUser is a console login; PasswordHash is a bcrypt hash.
type ConsoleUser struct {
	Name         string `yaml:"name"`
	PasswordHash Secret `yaml:"password_hash"`
}

// Metrics configures the /metrics, /healthz and /readyz endpoint.
type Metrics struct {
	Listen string `yaml:"listen"`
	// Pprof adds Go's profiler under /debug/pprof/ on the same listener (off
	// by default: profiles show internals and cost CPU while taken).
	Pprof bool `yaml:"pprof"`
}

// Brand is one watched brand; competitors are brands of the same group.
type Brand struct {
	Name    string   `yaml:"name"`
	Aliases []string `yaml:"aliases"`
	Query   string   `yaml:"query"`
	Group   string   `yaml:"group"`
}

// Source is one place collectors read.
type Source struct {
	Kind         string        `yaml:"kind"` // web, rss, forum
	Name         string        `yaml:"name"`
	Seeds        []string      `yaml:"seeds"` // web
	URL          string        `yaml:"url"`   // rss, forum
	AllowPrivate bool          `yaml:"allow_private"`
	Rate         float64       `yaml:"rate"`
	Concurrency  int           `yaml:"concurrency"`
	Interval     time.Duration `yaml:"interval"`
	MaxPages     int           `yaml:"max_pages"`
	MaxDepth     int           `yaml:"max_depth"`
	Sitemap      *bool         `yaml:"sitemap"`
	FullArticle  *bool         `yaml:"full_article"` // rss: fetch the article when the feed has a summary
	Profile      string        `yaml:"profile"`      // forum engine, empty = detect
	Generic      yaml.Node     `yaml:"generic"`      // forum generic profile (CSS selectors)
	Lang         string        `yaml:"lang"`
	Timezone     string        `yaml:"timezone"`

	// Social networks (bluesky, mastodon, reddit, youtube, facebook,
	// instagram, x): services/social/README.md. URL is the network's API
	// (or Jetstream) base, defaulted per network but for mastodon.
	APIURL    string   `yaml:"api_url"`    // bluesky: the AppView for searchPosts and profiles; reddit: the OAuth token endpoint
	TokenEnv  string   `yaml:"token_env"`  // environment variable holding the token or API key (never the file)
	SecretEnv string   `yaml:"secret_env"` // reddit: OAuth client secret; facebook/instagram: app secret (webhook signatures)
	ClientID  string   `yaml:"client_id"`  // reddit: the OAuth app id
	Search    []string `yaml:"search"`     // search and back-fill queries; default: the brands' names and aliases
	Hashtags  []string `yaml:"hashtags"`   // mastodon: hashtag timelines streamed beside the public one
	Channels  []string `yaml:"channels"`   // reddit: subreddits; youtube: channel ids; facebook/instagram: page or account ids
	// WebhookListen (facebook/instagram): host:port of the Graph API
	// Webhooks endpoint for real-time comments; VerifyTokenEnv names the
	// variable holding the subscription's verify token.
	WebhookListen  string `yaml:"webhook_listen"`
	VerifyTokenEnv string `yaml:"verify_token_env"`
}

// SocialKinds are the source kinds of the social network collectors.
var SocialKinds = []string{"bluesky", "mastodon", "reddit", "youtube", "facebook", "instagram", "x"}

// Secret is a string that never prints: logs and errors show "[redacted]".
type Secret string

// String implements fmt.Stringer.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}

// GoString implements fmt.GoStringer so %#v does not leak either.
func (s Secret) GoString() string { return `"` + s.String() + `"` }

// MarshalYAML keeps secrets out of dumped configuration.
func (s Secret) MarshalYAML() (any, error) { return s.String(), nil }

// Reveal returns the secret value, for the one place that needs it.
func (s Secret) Reveal() string { return string(s) }

// Default returns the configuration with every default filled in.
func Default() *Config {
	return &Config{
		DataDir:       ".data/veille",
		MemoryLimitMB: 460,
		Log:           Log{Level: "info", Format: "text"},
		NATS: NATS{
			Embedded: Embedded{Listen: "127.0.0.1:4222"},
			Replicas: 1,
			// The Msg-Id index costs ~100 B per message of the window and
			// stream, pointers the GC scans on every cycle: at 10,000/s a
			// minute was 120 MB of it and halved the sustained rate. Twice
			// ack_wait still catches a republish after a redelivery.
			DedupWindow: 30 * time.Second,
			MaxDeliver:  5,
			AckWait:     15 * time.Second,
			MaxAge:      7 * 24 * time.Hour,
		},
		ClickHouse: ClickHouse{
			Addr:        []string{"127.0.0.1:9000"},
			Database:    "veille",
			User:        "default",
			DialTimeout: 5 * time.Second,
		},
		Sink:     Sink{BatchRows: 10000, BatchBytes: 16 << 20, FlushInterval: time.Second, MaxBackoff: 30 * time.Second, HandoffAfter: 30 * time.Second},
		Enricher: Enricher{Workers: 0, Batch: 500},
		Crawler: Crawler{
			UserAgent:       "veille/0.1 (+https://github.com/veille-oss/veille)",
			RatePerHost:     1,
			ConcurrencyHost: 2,
			Timeout:         20 * time.Second,
			MaxBytes:        8 << 20,
			Interval:        15 * time.Minute,
			MaxPages:        500,
			MaxDepth:        3,
		},
		Console: Console{Listen: "127.0.0.1:8080", Lang: "fr"},
		Metrics: Metrics{Listen: "127.0.0.1:9464"},
	}
}

// Load reads a YAML file over the defaults, applies environment overrides and
// validates. Unknown keys are errors (a typo must not silently do nothing).
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return Parse(data, path, os.Getenv)
}

// Parse is Load on bytes; getenv supplies the environment (os.Getenv).
func Parse(data []byte, name string, getenv func(string) string) (*Config, error) {
	c := Default()
	if len(bytes.TrimSpace(data)) > 0 {
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(c); err != nil {
			return nil, fmt.Errorf("%w: %s: %s", ErrInvalid, name, explain(data, err))
		}
	}
	if err := c.applyEnv(getenv); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return c, nil
}

// Environment overrides, documented in the README.
const (
	EnvNATSURL            = "VEILLE_NATS_URL"
	EnvNATSCreds          = "VEILLE_NATS_CREDS"
	EnvClickHouseAddr     = "VEILLE_CLICKHOUSE_ADDR"
	EnvClickHouseDatabase = "VEILLE_CLICKHOUSE_DATABASE"
	EnvClickHouseUser     = "VEILLE_CLICKHOUSE_USER"
	EnvClickHousePassword = "VEILLE_CLICKHOUSE_PASSWORD"
	EnvDataDir            = "VEILLE_DATA_DIR"
	EnvConsoleListen      = "VEILLE_CONSOLE_LISTEN"
	EnvConsoleToken       = "VEILLE_CONSOLE_TOKEN"
	EnvMetricsListen      = "VEILLE_METRICS_LISTEN"
	EnvLogLevel           = "VEILLE_LOG_LEVEL"
	EnvLogFormat          = "VEILLE_LOG_FORMAT"
)

func (c *Config) applyEnv(getenv func(string) string) error {
	set := func(key string, dst *string) {
		if v := getenv(key); v != "" {
			*dst = v
		}
	}
	set(EnvNATSURL, &c.NATS.URL)
	set(EnvNATSCreds, &c.NATS.CredsFile)
	if v := getenv(EnvClickHouseAddr); v != "" {
		c.ClickHouse.Addr = splitList(v)
	}
	set(EnvClickHouseDatabase, &c.ClickHouse.Database)
	set(EnvClickHouseUser, &c.ClickHouse.User)
	if v := getenv(EnvClickHousePassword); v != "" {
		c.ClickHouse.Password = Secret(v)
	}
	set(EnvDataDir, &c.DataDir)
	set(EnvConsoleListen, &c.Console.Listen)
	if v := getenv(EnvConsoleToken); v != "" {
		c.Console.Token = Secret(v)
	}
	set(EnvMetricsListen, &c.Metrics.Listen)
	set(EnvLogLevel, &c.Log.Level)
	set(EnvLogFormat, &c.Log.Format)
	return nil
}

// explain rewrites yaml's "line N: cannot unmarshal" errors to name the key
// path at that line (sink.batch_rows), which is what a user looks for.
func explain(data []byte, err error) string {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return err.Error()
	}
	var root yaml.Node
	if yaml.Unmarshal(data, &root) != nil {
		return err.Error()
	}
	var msgs []string
	for _, e := range te.Errors {
		var line int
		if _, scanErr := fmt.Sscanf(e, "line %d:", &line); scanErr == nil {
			if path := keyAtLine(&root, line, ""); path != "" {
				e = strings.Replace(e, fmt.Sprintf("line %d:", line), fmt.Sprintf("line %d: %s:", line, path), 1)
			}
		}
		msgs = append(msgs, e)
	}
	return strings.Join(msgs, "; ")
}

// keyAtLine finds the deepest key path whose value starts on line.
func keyAtLine(n *yaml.Node, line int, prefix string) string {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			if p := keyAtLine(c, line, prefix); p != "" {
				return p
			}
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			path := k.Value
			if prefix != "" {
				path = prefix + "." + k.Value
			}
			if p := keyAtLine(v, line, path); p != "" {
				return p
			}
			if v.Line == line && (v.Kind == yaml.ScalarNode || k.Line == line) {
				return path
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			if p := keyAtLine(c, line, fmt.Sprintf("%s[%d]", prefix, i)); p != "" {
				return p
			}
		}
	}
	return ""
}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func bad(key, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalid, key, fmt.Sprintf(format, args...))
}

// Validate checks every key and names the first bad one.
func (c *Config) Validate() error {
	if c.DataDir == "" {
		return bad("data_dir", "must not be empty")
	}
	if c.MemoryLimitMB < 0 {
		return bad("memory_limit_mb", "must be 0 (no limit) or more, got %d", c.MemoryLimitMB)
	}
	switch strings.ToLower(c.Log.Level) {
	case "debug", "info", "warn", "error":
	default:
		return bad("log.level", "must be debug, info, warn or error, got %q", c.Log.Level)
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		return bad("log.format", "must be text or json, got %q", c.Log.Format)
	}
	if c.NATS.URL != "" {
		for _, u := range splitList(c.NATS.URL) {
			pu, err := url.Parse(u)
			if err != nil || pu.Host == "" {
				return bad("nats.url", "not a URL like nats://host:4222: %q", u)
			}
			switch pu.Scheme {
			case "nats", "tls", "ws", "wss":
			default:
				return bad("nats.url", "scheme must be nats, tls, ws or wss, got %q", pu.Scheme)
			}
		}
	} else if _, _, err := net.SplitHostPort(c.NATS.Embedded.Listen); err != nil {
		return bad("nats.embedded.listen", "must be host:port, got %q", c.NATS.Embedded.Listen)
	}
	if c.NATS.CredsFile != "" && c.NATS.NKeySeedFile != "" {
		return bad("nats.nkey_seed_file", "set either nats.creds_file or nats.nkey_seed_file, not both")
	}
	if c.NATS.Replicas != 1 && c.NATS.Replicas != 3 && c.NATS.Replicas != 5 {
		return bad("nats.replicas", "must be 1, 3 or 5, got %d", c.NATS.Replicas)
	}
	if c.NATS.DedupWindow <= 0 {
		return bad("nats.dedup_window", "must be positive")
	}
	if c.NATS.AckWait > c.NATS.DedupWindow {
		// A message redelivered after ack_wait (its consumer crashed after
		// publishing downstream) must still be recognised when re-published.
		return bad("nats.dedup_window", "must be at least nats.ack_wait (%s), got %s", c.NATS.AckWait, c.NATS.DedupWindow)
	}
	if c.NATS.MaxDeliver < 1 {
		return bad("nats.max_deliver", "must be at least 1, got %d", c.NATS.MaxDeliver)
	}
	if c.NATS.AckWait < time.Second {
		return bad("nats.ack_wait", "must be at least 1s, got %s", c.NATS.AckWait)
	}
	if len(c.ClickHouse.Addr) == 0 {
		return bad("clickhouse.addr", "must list at least one host:port")
	}
	for i, a := range c.ClickHouse.Addr {
		if _, _, err := net.SplitHostPort(a); err != nil {
			return bad(fmt.Sprintf("clickhouse.addr[%d]", i), "must be host:port, got %q", a)
		}
	}
	if !isIdent(c.ClickHouse.Database) {
		return bad("clickhouse.database", "must be an identifier ([A-Za-z_][A-Za-z0-9_]*), got %q", c.ClickHouse.Database)
	}
	if c.ClickHouse.Cluster != "" && !isIdent(c.ClickHouse.Cluster) {
		return bad("clickhouse.cluster", "must be an identifier, got %q", c.ClickHouse.Cluster)
	}
	if c.Sink.BatchRows < 1 || c.Sink.BatchRows > 1_000_000 {
		return bad("sink.batch_rows", "must be in 1..1000000, got %d", c.Sink.BatchRows)
	}
	if c.Sink.BatchBytes < 1<<10 {
		return bad("sink.batch_bytes", "must be at least 1024, got %d", c.Sink.BatchBytes)
	}
	if c.Sink.FlushInterval <= 0 {
		return bad("sink.flush_interval", "must be positive")
	}
	if c.Sink.HandoffAfter < time.Second {
		return bad("sink.handoff_after", "must be at least 1s, got %s", c.Sink.HandoffAfter)
	}
	if c.Enricher.Workers < 0 {
		return bad("enricher.workers", "must be 0 (one per CPU) or more")
	}
	if c.Enricher.Batch < 1 {
		return bad("enricher.batch", "must be at least 1")
	}
	if c.Crawler.RatePerHost < 0 {
		return bad("crawler.rate_per_host", "must not be negative")
	}
	if c.Crawler.Shard != "" {
		if _, _, err := ParseShard(c.Crawler.Shard); err != nil {
			return bad("crawler.shard", "%v", err)
		}
	}
	if c.Crawler.Proxy != "" {
		if err := checkHTTP(c.Crawler.Proxy); err != nil {
			return bad("crawler.proxy", "%v", err)
		}
	}
	if _, _, err := net.SplitHostPort(c.Console.Listen); err != nil {
		return bad("console.listen", "must be host:port, got %q", c.Console.Listen)
	}
	if c.Console.BaseURL != "" {
		if err := checkHTTP(c.Console.BaseURL); err != nil {
			return bad("console.base_url", "%v", err)
		}
	}
	for i, h := range c.Console.AllowedHosts {
		if h == "" || len(h) > 253 || strings.ContainsAny(h, "/:@ \t\\?#") {
			return bad(fmt.Sprintf("console.allowed_hosts[%d]", i), "must be a bare host name (no scheme, port or path), got %q", h)
		}
	}
	for i, u := range c.Console.Users {
		if u.Name == "" {
			return bad(fmt.Sprintf("console.users[%d].name", i), "must not be empty")
		}
		if !strings.HasPrefix(string(u.PasswordHash), "$2") {
			return bad(fmt.Sprintf("console.users[%d].password_hash", i), "must be a bcrypt hash (veille passwd prints one)")
		}
	}
	if c.Metrics.Listen != "" {
		if _, _, err := net.SplitHostPort(c.Metrics.Listen); err != nil {
			return bad("metrics.listen", "must be host:port or empty, got %q", c.Metrics.Listen)
		}
	}
	names := map[string]bool{}
	for i, b := range c.Brands {
		key := fmt.Sprintf("brands[%d]", i)
		if strings.TrimSpace(b.Name) == "" {
			return bad(key+".name", "must not be empty")
		}
		if names[strings.ToLower(b.Name)] {
			return bad(key+".name", "duplicate brand %q", b.Name)
		}
		names[strings.ToLower(b.Name)] = true
	}
	srcNames := map[string]bool{}
	for i, s := range c.Sources {
		key := fmt.Sprintf("sources[%d]", i)
		if s.Name == "" {
			return bad(key+".name", "must not be empty")
		}
		if srcNames[s.Name] {
			return bad(key+".name", "duplicate source %q", s.Name)
		}
		srcNames[s.Name] = true
		switch s.Kind {
		case "web":
			if len(s.Seeds) == 0 {
				return bad(key+".seeds", "a web source needs at least one seed URL")
			}
			for j, u := range s.Seeds {
				if err := checkHTTP(u); err != nil {
					return bad(fmt.Sprintf("%s.seeds[%d]", key, j), "%v", err)
				}
			}
		case "rss", "forum":
			if err := checkHTTP(s.URL); err != nil {
				return bad(key+".url", "%v", err)
			}
		case "bluesky", "mastodon", "reddit", "youtube", "facebook", "instagram", "x":
			if err := checkSocial(key, s); err != nil {
				return err
			}
		default:
			return bad(key+".kind", "must be web, rss, forum or one of %s, got %q", strings.Join(SocialKinds, ", "), s.Kind)
		}
		if s.Rate < 0 {
			return bad(key+".rate", "must not be negative")
		}
		if s.Timezone != "" {
			if _, err := time.LoadLocation(s.Timezone); err != nil {
				return bad(key+".timezone", "unknown time zone %q", s.Timezone)
			}
		}
	}
	return nil
}

// checkSocial validates a social network source; secrets are named by
// environment variable, never written in the file.
func checkSocial(key string, s Source) error {
	if s.URL == "" && s.Kind == "mastodon" {
		return bad(key+".url", "a mastodon source needs its instance URL (https://mastodon.social)")
	}
	if s.URL != "" {
		u, err := url.Parse(s.URL)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "ws" && u.Scheme != "wss") {
			return bad(key+".url", "must be an http(s) or ws(s) URL, got %q", s.URL)
		}
	}
	if s.APIURL != "" {
		if err := checkHTTP(s.APIURL); err != nil {
			return bad(key+".api_url", "%v", err)
		}
	}
	for _, e := range [...]struct{ name, v string }{{"token_env", s.TokenEnv}, {"secret_env", s.SecretEnv}} {
		if e.v != "" && !isIdent(e.v) {
			return bad(key+"."+e.name, "must name an environment variable (letters, digits, _), got %q", e.v)
		}
	}
	switch s.Kind {
	case "reddit":
		if s.TokenEnv == "" && (s.ClientID == "" || s.SecretEnv == "") {
			return bad(key+".client_id", "reddit needs client_id and secret_env (OAuth app) or token_env")
		}
	case "youtube", "x", "facebook", "instagram":
		if s.TokenEnv == "" {
			return bad(key+".token_env", "%s needs the environment variable holding its API key or token", s.Kind)
		}
	}
	if (s.Kind == "facebook" || s.Kind == "instagram") && len(s.Channels) == 0 {
		return bad(key+".channels", "%s needs the page or account ids to read", s.Kind)
	}
	if s.WebhookListen != "" {
		if s.Kind != "facebook" && s.Kind != "instagram" {
			return bad(key+".webhook_listen", "only facebook and instagram sources receive webhooks")
		}
		if _, _, err := net.SplitHostPort(s.WebhookListen); err != nil {
			return bad(key+".webhook_listen", "must be host:port, got %q", s.WebhookListen)
		}
		if s.SecretEnv == "" || s.VerifyTokenEnv == "" || !isIdent(s.VerifyTokenEnv) {
			return bad(key+".verify_token_env", "webhooks need secret_env (app secret, signatures) and verify_token_env (subscription check)")
		}
	}
	return nil
}

func checkHTTP(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("not a URL: %q", redactURL(s))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("must be an http(s) URL, got %q", u.Redacted())
	}
	if u.Host == "" {
		return fmt.Errorf("has no host: %q", u.Redacted())
	}
	return nil
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (i > 0 && r >= '0' && r <= '9') {
			continue
		}
		return false
	}
	return true
}

// ParseShard reads "i/n" (0 <= i < n).
func ParseShard(s string) (int, int, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return 0, 0, fmt.Errorf("must be i/n with 0 <= i < n, got %q", s)
	}
	return i, n, nil
}

// Path resolves p against the data directory unless it is absolute.
func (c *Config) Path(p ...string) string {
	return filepath.Join(append([]string{c.DataDir}, p...)...)
}

// SourceByName finds a configured source.
func (c *Config) SourceByName(name string) (Source, bool) {
	for _, s := range c.Sources {
		if s.Name == name {
			return s, true
		}
	}
	return Source{}, false
}

// redactURL hides what may be a password in a URL that does not parse:
// everything between "://" and the last "@".
func redactURL(s string) string {
	i := strings.Index(s, "://")
	j := strings.LastIndexByte(s, '@')
	if i < 0 || j < i {
		return s
	}
	return s[:i+3] + "[redacted]" + s[j:]
}
