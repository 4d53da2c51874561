package alerter

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/veille-oss/veille/pkg/alert"
	"github.com/veille-oss/veille/pkg/alert/deliver"
	"github.com/veille-oss/veille/pkg/platform/mention"
)

// ErrConfig is wrapped by every error about the alerting section; the
// message names the offending key.
var ErrConfig = errors.New("invalid alerting config")

// Config is the `alerting:` section of the veille configuration. The rule
// keys (console_base_url, defaults, brands, max_brands, dedup_size) are
// pkg/alert's, the delivery keys (channels, routes, outbox) are
// pkg/alert/deliver's; the rest tunes the service.
type Config struct {
	alert.Config `yaml:",inline"`

	// Channels are the outbox destinations (webhook, slack, teams, email,
	// nats). Events are always published on alerts.<brand> by the alerter
	// itself, whatever the channels.
	Channels []deliver.ChannelConfig `yaml:"channels"`
	// Routes pick channels per brand and severity. With channels and no
	// routes, every event goes to every channel.
	Routes []deliver.Route `yaml:"routes"`
	// Outbox tunes the durable delivery queue (stream, backoff, max_age).
	Outbox deliver.OutboxConfig `yaml:"outbox"`

	// Tick is how often time-driven events (throttled updates,
	// resolutions) are computed. Default 1s.
	Tick time.Duration `yaml:"tick"`
	// SnapshotEvery is the longest time between two engine snapshots in
	// KV while mentions flow; mentions are acked only once a snapshot
	// holding them is stored. Default 2s.
	SnapshotEvery time.Duration `yaml:"snapshot_every"`
	// LeaseTTL is the leader lease: only its holder consumes mentions; a
	// standby takes over at most LeaseTTL after the leader vanished.
	// Default 10s.
	LeaseTTL time.Duration `yaml:"lease_ttl"`
	// Batch is the most mentions handled per cycle. Default 500.
	Batch int `yaml:"batch"`
	// IgnoreOlderThan: a mention published more than this before it was
	// collected is backfill (a first crawl of a site, an old thread found
	// late), not buzz, and is not fed to the detectors. Default 48h; 0
	// feeds everything. Mentions without a publication date are fed.
	IgnoreOlderThan *time.Duration `yaml:"ignore_older_than"`
}

// DefaultIgnoreOlderThan is the default of ignore_older_than.
const DefaultIgnoreOlderThan = 48 * time.Hour

// Fresh reports whether m is recent enough to be fed to the detectors
// (see IgnoreOlderThan).
func (c *Config) Fresh(m *mention.Mention) bool {
	limit := DefaultIgnoreOlderThan
	if c.IgnoreOlderThan != nil {
		limit = *c.IgnoreOlderThan
	}
	if limit <= 0 || m.PublishedAt.IsZero() || m.CollectedAt.IsZero() {
		return true
	}
	return m.CollectedAt.Sub(m.PublishedAt) <= limit
}

// DecodeConfig decodes the alerting section strictly (unknown keys are
// errors), fills the service defaults and validates everything. consoleURL
// is console.base_url, the default for console_base_url. getenv resolves
// the *_env secrets (os.Getenv in production).
func DecodeConfig(node *yaml.Node, consoleURL string, getenv func(string) string) (Config, error) {
	var c Config
	if node != nil && node.Kind != 0 && !(node.Kind == yaml.ScalarNode && node.Tag == "!!null") {
		// Re-encode so the decoder's KnownFields applies to the section.
		var buf bytes.Buffer
		enc := yaml.NewEncoder(&buf)
		if err := enc.Encode(node); err != nil {
			return c, fmt.Errorf("%w: %w", ErrConfig, err)
		}
		dec := yaml.NewDecoder(&buf)
		dec.KnownFields(true)
		if err := dec.Decode(&c); err != nil {
			return c, fmt.Errorf("%w: alerting: %s", ErrConfig, yamlMessage(err))
		}
	}
	if c.ConsoleBaseURL == "" {
		c.ConsoleBaseURL = consoleURL
	}
	if c.Tick == 0 {
		c.Tick = time.Second
	}
	if c.SnapshotEvery == 0 {
		c.SnapshotEvery = 2 * time.Second
	}
	if c.LeaseTTL == 0 {
		c.LeaseTTL = 10 * time.Second
	}
	if c.Batch == 0 {
		c.Batch = 500
	}
	if len(c.Channels) > 0 && len(c.Routes) == 0 {
		all := make([]string, 0, len(c.Channels))
		for _, ch := range c.Channels {
			all = append(all, ch.Name)
		}
		c.Routes = []deliver.Route{{Channels: all}}
	}
	if err := c.Validate(getenv); err != nil {
		return c, err
	}
	return c, nil
}

// sections names where each decoded type sits in the alerting section, so
// an unknown key is reported by its path rather than a Go type name.
var sections = strings.NewReplacer(
	"in type alerter.Config", "in alerting",
	"in type alert.Rules", "in alerting.defaults or alerting.brands.<brand>",
	"in type deliver.ChannelConfig", "in alerting.channels[]",
	"in type deliver.Route", "in alerting.routes[]",
	"in type deliver.OutboxConfig", "in alerting.outbox",
	"field ", "key ",
)

// yamlMessage turns yaml.v3's errors into one line naming the key. Line
// numbers are dropped: they count from the re-encoded section, not the file.
func yamlMessage(err error) string {
	s := strings.TrimPrefix(err.Error(), "yaml: unmarshal errors:\n")
	var out []string
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if i := strings.Index(line, ": "); strings.HasPrefix(line, "line ") && i > 0 {
			line = line[i+2:]
		}
		if line != "" {
			out = append(out, sections.Replace(line))
		}
	}
	return strings.Join(out, "; ")
}

// Delivery returns the resolved channels and routes.
func (c *Config) Delivery(getenv func(string) string) deliver.Config {
	return deliver.Config{Channels: c.Channels, Routes: c.Routes}.Resolve(getenv)
}

// Validate checks the section and names the first bad key, prefixed with
// "alerting.".
func (c *Config) Validate(getenv func(string) string) error {
	if err := c.Config.Validate(); err != nil {
		return fmt.Errorf("%w: alerting.%s", ErrConfig, strings.TrimPrefix(err.Error(), alert.ErrConfig.Error()+": "))
	}
	dc := c.Delivery(getenv)
	if err := dc.Validate(); err != nil {
		return fmt.Errorf("%w: alerting.%s", ErrConfig, strings.TrimPrefix(err.Error(), deliver.ErrConfig.Error()+": "))
	}
	for _, ch := range dc.Channels {
		if ch.Name == "bus" {
			return fmt.Errorf("%w: alerting.channels.bus.name: \"bus\" is reserved for the alerts.<brand> publication", ErrConfig)
		}
		if ch.Type == deliver.TypeNATS && ch.SubjectPrefix == "alerts" {
			return fmt.Errorf("%w: alerting.channels.%s.subject_prefix: alerts.<brand> is already published by the alerter for every event; give a nats channel another prefix", ErrConfig, ch.Name)
		}
	}
	bad := func(key, format string, args ...any) error {
		return fmt.Errorf("%w: alerting.%s: %s", ErrConfig, key, fmt.Sprintf(format, args...))
	}
	switch {
	case c.Tick < 100*time.Millisecond || c.Tick > time.Minute:
		return bad("tick", "must be in [100ms, 1m], got %v", c.Tick)
	case c.SnapshotEvery < 100*time.Millisecond || c.SnapshotEvery > 10*time.Minute:
		return bad("snapshot_every", "must be in [100ms, 10m], got %v", c.SnapshotEvery)
	case c.LeaseTTL < time.Second || c.LeaseTTL > 5*time.Minute:
		return bad("lease_ttl", "must be in [1s, 5m], got %v", c.LeaseTTL)
	case c.Batch < 1 || c.Batch > 10000:
		return bad("batch", "must be in [1, 10000], got %d", c.Batch)
	case c.IgnoreOlderThan != nil && *c.IgnoreOlderThan < 0:
		return bad("ignore_older_than", "must not be negative, got %v", *c.IgnoreOlderThan)
	case c.Outbox.Replicas < 0 || c.Outbox.MaxAttempts < 0:
		return bad("outbox", "replicas and max_attempts must not be negative")
	case c.Outbox.SubjectPrefix == "alerts":
		return bad("outbox.subject_prefix", "must not be %q: alerts.<channel> would land in the ALERTS stream (default alerts.outbox)", c.Outbox.SubjectPrefix)
	}
	return nil
}
