package alert

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// ErrConfig is wrapped by every configuration error; the message names the key.
var ErrConfig = errors.New("invalid alert config")

// Causes: the rule that opened an incident. One incident is open per (brand, cause).
const (
	CauseVolume     = "volume_spike"   // negative volume far above the brand's own baseline
	CauseSentiment  = "sentiment_drop" // net sentiment drop or negative-share jump
	CauseInfluencer = "influencer"     // a negative mention by an influencer
	CauseToxic      = "toxic"          // toxic content about the brand
	CauseCrisis     = "crisis_terms"   // crisis vocabulary (boycott, rappel produit, ...)
	// CauseCampaign: many distinct accounts posting near-identical text
	// about the brand within minutes (campaign.go).
	CauseCampaign = "coordinated_campaign"
)

// Causes lists every cause, in evaluation order.
var causes = []string{CauseVolume, CauseSentiment, CauseInfluencer, CauseToxic, CauseCrisis, CauseCampaign}

// DefaultCrisisTerms is the French crisis vocabulary used when a brand sets none.
// Matching is case- and accent-insensitive on word boundaries; a trailing "*" on a
// word matches any word starting with it (plurals, conjugations).
var DefaultCrisisTerms = []string{
	"boycott*", "arnaque*", "scandale*", "plainte*",
	"rappel produit*", "rappel conso", "rappels conso",
	"intoxication*", "intoxiqu*", "fuite* de donnees",
	"escroquerie*", "escroc*", "danger", "dangereu*",
	"retire* de la vente",
}

// Rules are the per-brand detection settings. A zero field means "inherit":
// brand rules inherit from Config.Defaults, which inherit from DefaultRules.
type Rules struct {
	// Sensitivity is the z-score the negative volume (as a Poisson tail
	// probability) or the negative share must reach. Lower alerts earlier.
	// Default 5 (one-sided p < 2.9e-7: the window slides with every mention,
	// so a week of scanning tests far more than one window at a time).
	Sensitivity float64 `yaml:"sensitivity"`
	// MinRatio: the negative count in the window must also be at least
	// MinRatio times what the baseline expects. Default 3. Guards big brands,
	// whose real-world counts are over-dispersed compared with Poisson.
	MinRatio float64 `yaml:"min_ratio"`
	// MinCount is the least number of negative mentions in the window for a
	// volume spike or a sentiment drop. Default 5.
	MinCount int `yaml:"min_count"`
	// ColdMinCount: until the baseline has Warmup of history, a volume spike
	// needs at least this many negative mentions in the window. Default 15.
	ColdMinCount int `yaml:"cold_min_count"`
	// Window is the recent window the detectors look at, in event time
	// (mention collected_at). Default 5m; seconds work for demos.
	Window time.Duration `yaml:"window"`
	// Bucket is the resolution of the window. Default Window/10 (at least 1s).
	Bucket time.Duration `yaml:"bucket"`
	// History is the memory of the baseline (EWMA time constant over days of
	// data). Default 168h (7 days).
	History time.Duration `yaml:"history"`
	// Warmup is how much observed time the baseline needs before it is
	// trusted. Default 6h.
	Warmup time.Duration `yaml:"warmup"`
	// Seasonality: "hour" keeps one baseline per UTC hour of day so a busy
	// noon does not look like a crisis compared with a quiet night; "none"
	// keeps a single baseline (short demos). Default "hour".
	Seasonality string `yaml:"seasonality"`
	// ShareJump is the least rise of the negative share over the baseline
	// share for a sentiment drop. Default 0.25.
	ShareJump float64 `yaml:"share_jump"`
	// NetDrop is the least drop of net sentiment (pos-neg)/(pos+neg) below
	// the baseline's for a sentiment drop. Default 0.6.
	NetDrop float64 `yaml:"net_drop"`
	// MinInfluence is the least influence score (0..100) of an influencer's
	// negative mention to raise an alert. Default 0 (IsInfluencer suffices).
	MinInfluence float64 `yaml:"min_influence"`
	// ToxicMinCount is the number of toxic mentions in the window that opens
	// a toxic incident. Default 1.
	ToxicMinCount int `yaml:"toxic_min_count"`
	// CrisisTerms replaces DefaultCrisisTerms for this brand.
	CrisisTerms []string `yaml:"crisis_terms"`
	// CrisisMinCount is the number of non-positive mentions with a crisis
	// term in the window that opens a crisis incident. Default 1.
	CrisisMinCount int `yaml:"crisis_min_count"`
	// UpdateEvery throttles updates of an open incident: at most one per
	// UpdateEvery unless severity rises (an escalation is sent at once).
	// Default 60s.
	UpdateEvery time.Duration `yaml:"update_every"`
	// ResolveAfter: an incident resolves once its detector has been quiet
	// for this long. Default 15m.
	ResolveAfter time.Duration `yaml:"resolve_after"`
	// Cooldown: a new trigger within Cooldown of a resolution reopens the
	// same incident (announced as an update) instead of opening a new one.
	// Default 30m.
	Cooldown time.Duration `yaml:"cooldown"`
	// Disable turns causes off for the brand, e.g. [toxic].
	Disable []string `yaml:"disable"`
	// CampaignMinAccounts distinct accounts posting near-identical text
	// about the brand within CampaignWindow open a coordinated_campaign
	// incident. Defaults 10 and 5m.
	CampaignMinAccounts int           `yaml:"campaign_min_accounts"`
	CampaignWindow      time.Duration `yaml:"campaign_window"`
}

// DefaultRules returns the documented defaults.
func DefaultRules() Rules {
	return Rules{
		Sensitivity:    5,
		MinRatio:       3,
		MinCount:       5,
		ColdMinCount:   15,
		Window:         5 * time.Minute,
		History:        7 * 24 * time.Hour,
		Warmup:         6 * time.Hour,
		Seasonality:    "hour",
		ShareJump:      0.25,
		NetDrop:        0.6,
		ToxicMinCount:  1,
		CrisisTerms:    DefaultCrisisTerms,
		CrisisMinCount: 1,
		UpdateEvery:    time.Minute,
		ResolveAfter:   15 * time.Minute,
		Cooldown:       30 * time.Minute,

		CampaignMinAccounts: 10,
		CampaignWindow:      5 * time.Minute,
	}
}

// inherit fills the zero fields of r from base.
func (r Rules) inherit(base Rules) Rules {
	if r.Sensitivity == 0 {
		r.Sensitivity = base.Sensitivity
	}
	if r.MinRatio == 0 {
		r.MinRatio = base.MinRatio
	}
	if r.MinCount == 0 {
		r.MinCount = base.MinCount
	}
	if r.ColdMinCount == 0 {
		r.ColdMinCount = base.ColdMinCount
	}
	if r.Window == 0 {
		r.Window = base.Window
	}
	if r.Bucket == 0 {
		r.Bucket = base.Bucket
	}
	if r.History == 0 {
		r.History = base.History
	}
	if r.Warmup == 0 {
		r.Warmup = base.Warmup
	}
	if r.Seasonality == "" {
		r.Seasonality = base.Seasonality
	}
	if r.ShareJump == 0 {
		r.ShareJump = base.ShareJump
	}
	if r.NetDrop == 0 {
		r.NetDrop = base.NetDrop
	}
	if r.MinInfluence == 0 {
		r.MinInfluence = base.MinInfluence
	}
	if r.ToxicMinCount == 0 {
		r.ToxicMinCount = base.ToxicMinCount
	}
	if r.CrisisTerms == nil {
		r.CrisisTerms = base.CrisisTerms
	}
	if r.CrisisMinCount == 0 {
		r.CrisisMinCount = base.CrisisMinCount
	}
	if r.UpdateEvery == 0 {
		r.UpdateEvery = base.UpdateEvery
	}
	if r.ResolveAfter == 0 {
		r.ResolveAfter = base.ResolveAfter
	}
	if r.Cooldown == 0 {
		r.Cooldown = base.Cooldown
	}
	if r.Disable == nil {
		r.Disable = base.Disable
	}
	if r.CampaignMinAccounts == 0 {
		r.CampaignMinAccounts = base.CampaignMinAccounts
	}
	if r.CampaignWindow == 0 {
		r.CampaignWindow = base.CampaignWindow
	}
	return r
}

// resolved fills derived defaults once every field is inherited.
func (r Rules) resolved() Rules {
	if r.Bucket == 0 {
		r.Bucket = max(r.Window/10, time.Second)
	}
	return r
}

// Validate checks fully-inherited rules; prefix names where they come from.
func (r Rules) validate(prefix string) error {
	bad := func(key, format string, args ...any) error {
		return fmt.Errorf("%w: %s%s: %s", ErrConfig, prefix, key, fmt.Sprintf(format, args...))
	}
	switch {
	case r.Sensitivity <= 0 || r.Sensitivity > 20:
		return bad("sensitivity", "must be in (0, 20], got %v", r.Sensitivity)
	case r.MinRatio < 1:
		return bad("min_ratio", "must be at least 1, got %v", r.MinRatio)
	case r.MinCount < 1:
		return bad("min_count", "must be at least 1, got %d", r.MinCount)
	case r.ColdMinCount < r.MinCount:
		return bad("cold_min_count", "must be at least min_count (%d), got %d", r.MinCount, r.ColdMinCount)
	case r.Window < time.Second:
		return bad("window", "must be at least 1s, got %v", r.Window)
	case r.Bucket < 100*time.Millisecond || r.Bucket > r.Window:
		return bad("bucket", "must be in [100ms, window], got %v", r.Bucket)
	case r.Window/r.Bucket > 3600:
		return bad("bucket", "window/bucket must be at most 3600, got %d", r.Window/r.Bucket)
	case r.History < 2*r.Window:
		return bad("history", "must be at least twice the window (%v), got %v", 2*r.Window, r.History)
	case r.Warmup < 0:
		return bad("warmup", "must not be negative, got %v", r.Warmup)
	case r.Seasonality != "hour" && r.Seasonality != "none":
		return bad("seasonality", `must be "hour" or "none", got %q`, r.Seasonality)
	case r.ShareJump <= 0 || r.ShareJump >= 1:
		return bad("share_jump", "must be in (0, 1), got %v", r.ShareJump)
	case r.NetDrop <= 0 || r.NetDrop > 2:
		return bad("net_drop", "must be in (0, 2], got %v", r.NetDrop)
	case r.MinInfluence < 0 || r.MinInfluence > 100:
		return bad("min_influence", "must be in [0, 100], got %v", r.MinInfluence)
	case r.ToxicMinCount < 1:
		return bad("toxic_min_count", "must be at least 1, got %d", r.ToxicMinCount)
	case r.CrisisMinCount < 1:
		return bad("crisis_min_count", "must be at least 1, got %d", r.CrisisMinCount)
	case r.UpdateEvery < 0:
		return bad("update_every", "must not be negative, got %v", r.UpdateEvery)
	case r.ResolveAfter < time.Second:
		return bad("resolve_after", "must be at least 1s, got %v", r.ResolveAfter)
	case r.Cooldown < 0:
		return bad("cooldown", "must not be negative, got %v", r.Cooldown)
	case r.CampaignMinAccounts < 2:
		return bad("campaign_min_accounts", "must be at least 2, got %d", r.CampaignMinAccounts)
	case r.CampaignWindow < time.Second:
		return bad("campaign_window", "must be at least 1s, got %v", r.CampaignWindow)
	}
	for i, t := range r.CrisisTerms {
		if len(tokenize(t)) == 0 {
			return bad(fmt.Sprintf("crisis_terms[%d]", i), "has no word: %q", t)
		}
	}
	for i, c := range r.Disable {
		if !knownCause(c) {
			return bad(fmt.Sprintf("disable[%d]", i), "unknown cause %q (want one of %s)", c, strings.Join(causes, ", "))
		}
	}
	return nil
}

func knownCause(c string) bool {
	for _, k := range causes {
		if k == c {
			return true
		}
	}
	return false
}

// Config is the alerting engine's configuration.
type Config struct {
	// ConsoleBaseURL prefixes incident links: <console_base_url>/incidents/<id>.
	ConsoleBaseURL string `yaml:"console_base_url"`
	// Defaults apply to every brand; zero fields take DefaultRules.
	Defaults Rules `yaml:"defaults"`
	// Brands override Defaults per brand (keyed by brand name, case-insensitive).
	Brands map[string]Rules `yaml:"brands"`
	// MaxBrands bounds the brands tracked at once (unknown brands use
	// Defaults). Default 10000.
	MaxBrands int `yaml:"max_brands"`
	// DedupSize is how many recent mention ids are remembered so a redelivered
	// mention is not counted twice. Default 65536.
	DedupSize int `yaml:"dedup_size"`
}

// Validate checks the configuration and names the first bad key.
func (c *Config) Validate() error {
	if c.ConsoleBaseURL != "" {
		u, err := url.Parse(c.ConsoleBaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("%w: console_base_url: must be an http(s) URL, got %q", ErrConfig, c.ConsoleBaseURL)
		}
	}
	if c.MaxBrands < 0 {
		return fmt.Errorf("%w: max_brands: must not be negative, got %d", ErrConfig, c.MaxBrands)
	}
	if c.DedupSize < 0 {
		return fmt.Errorf("%w: dedup_size: must not be negative, got %d", ErrConfig, c.DedupSize)
	}
	if err := c.rulesFor("").validate("defaults."); err != nil {
		return err
	}
	for name := range c.Brands {
		if strings.TrimSpace(name) == "" {
			return fmt.Errorf("%w: brands: empty brand name", ErrConfig)
		}
		if err := c.rulesFor(name).validate("brands." + name + "."); err != nil {
			return err
		}
	}
	return nil
}

// rulesFor returns the fully-inherited rules of a brand.
func (c *Config) rulesFor(brand string) Rules {
	base := c.Defaults.inherit(DefaultRules())
	if brand != "" {
		for name, r := range c.Brands {
			if strings.EqualFold(name, brand) {
				return r.inherit(base).resolved()
			}
		}
	}
	return base.resolved()
}
