package influence

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// ErrConfig is wrapped by every configuration error; the message names the
// key under influence:.
var ErrConfig = errors.New("invalid influence config")

// Config is the influence: section of the configuration file.
type Config struct {
	// Threshold: an author whose score (0..100) reaches it is an influencer
	// for every brand they talk about. Default 60.
	Threshold float64 `yaml:"threshold"`
	// TopPercentile: the best TopPercentile % of the authors talking about a
	// brand (at least one author) are influencers for that brand, whatever
	// their absolute score. 0 turns the relative rule off. Default 5.
	TopPercentile float64 `yaml:"top_percentile"`
	// MinMentions: an author needs at least this many mentions (any brand)
	// before being flagged by either rule. Default 2.
	MinMentions int `yaml:"min_mentions"`
	// HalfLife of the decayed mention count. Default 336h (14 days).
	HalfLife time.Duration `yaml:"half_life"`
	// ActivityWindow: active days are counted over this window. Default 720h.
	ActivityWindow time.Duration `yaml:"activity_window"`
	// FlushInterval: dirty author state is written to the KV bucket this
	// often (and on Close). Default 1s.
	FlushInterval time.Duration `yaml:"flush_interval"`
	// RecomputeInterval: the link graph's PageRank and the per-brand
	// percentile cut-offs are recomputed this often. Default 10s.
	RecomputeInterval time.Duration `yaml:"recompute_interval"`
	// MaxAuthors bounds the authors kept in memory; beyond it the least
	// recently seen clean authors are dropped from memory (they stay in KV
	// and merge back on their next flush). Default 200000.
	MaxAuthors int `yaml:"max_authors"`
	// MaxDomains bounds the link graph; edges to or from further domains
	// are ignored. Default 20000.
	MaxDomains int `yaml:"max_domains"`
	// MaxOutLinks bounds the distinct target domains kept per domain. Default 200.
	MaxOutLinks int `yaml:"max_out_links"`
	// RecentIDs is the size of the per-author set of recent mention ids
	// used to ignore redeliveries. Default 128.
	RecentIDs int `yaml:"recent_ids"`
}

// Default returns the documented defaults.
func Default() Config {
	return Config{
		Threshold:         60,
		TopPercentile:     5,
		MinMentions:       2,
		HalfLife:          14 * 24 * time.Hour,
		ActivityWindow:    30 * 24 * time.Hour,
		FlushInterval:     time.Second,
		RecomputeInterval: 10 * time.Second,
		MaxAuthors:        200_000,
		MaxDomains:        20_000,
		MaxOutLinks:       200,
		RecentIDs:         128,
	}
}

func bad(key, format string, args ...any) error {
	return fmt.Errorf("%w: influence.%s: %s", ErrConfig, key, fmt.Sprintf(format, args...))
}

// Validate checks every field and names the first bad key.
func (c Config) Validate() error {
	switch {
	case c.Threshold < 0 || c.Threshold > 100:
		return bad("threshold", "must be in [0, 100], got %v", c.Threshold)
	case c.TopPercentile < 0 || c.TopPercentile > 100:
		return bad("top_percentile", "must be in [0, 100], got %v", c.TopPercentile)
	case c.MinMentions < 1:
		return bad("min_mentions", "must be at least 1, got %d", c.MinMentions)
	case c.HalfLife < time.Hour:
		return bad("half_life", "must be at least 1h, got %s", c.HalfLife)
	case c.ActivityWindow < 24*time.Hour:
		return bad("activity_window", "must be at least 24h, got %s", c.ActivityWindow)
	case c.ActivityWindow > 366*24*time.Hour:
		return bad("activity_window", "must be at most 8784h (a year), got %s", c.ActivityWindow)
	case c.FlushInterval < 10*time.Millisecond:
		return bad("flush_interval", "must be at least 10ms, got %s", c.FlushInterval)
	case c.RecomputeInterval < 10*time.Millisecond:
		return bad("recompute_interval", "must be at least 10ms, got %s", c.RecomputeInterval)
	case c.MaxAuthors < 1:
		return bad("max_authors", "must be at least 1, got %d", c.MaxAuthors)
	case c.MaxDomains < 2:
		return bad("max_domains", "must be at least 2, got %d", c.MaxDomains)
	case c.MaxOutLinks < 1:
		return bad("max_out_links", "must be at least 1, got %d", c.MaxOutLinks)
	case c.RecentIDs < 1 || c.RecentIDs > 4096:
		return bad("recent_ids", "must be in [1, 4096], got %d", c.RecentIDs)
	}
	return nil
}

// Decode reads the influence: yaml node over the defaults (an empty node
// keeps them), rejects unknown keys and validates.
func Decode(node *yaml.Node) (Config, error) {
	c := Default()
	if node == nil || node.Kind == 0 {
		return c, nil
	}
	n := node
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	if n.Kind == yaml.ScalarNode && (n.Tag == "!!null" || n.Value == "") {
		return c, nil
	}
	if n.Kind != yaml.MappingNode {
		return c, fmt.Errorf("%w: influence: must be a mapping", ErrConfig)
	}
	known := map[string]bool{}
	for _, f := range []string{"threshold", "top_percentile", "min_mentions", "half_life", "activity_window",
		"flush_interval", "recompute_interval", "max_authors", "max_domains", "max_out_links", "recent_ids"} {
		known[f] = true
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i].Value
		if !known[k] {
			return c, bad(k, "unknown key (line %d)", n.Content[i].Line)
		}
		// Decode key by key so a type error names its key.
		one := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{n.Content[i], n.Content[i+1]}}
		if err := one.Decode(&c); err != nil {
			return c, bad(k, "%s", strings.TrimPrefix(err.Error(), "yaml: "))
		}
	}
	return c, c.Validate()
}
