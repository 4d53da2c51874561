// Package deliver sends alert events to people: generic signed webhooks,
// Slack, Microsoft Teams, e-mail (SMTP + STARTTLS) and a NATS publisher,
// routed per brand and minimum severity, through a durable JetStream outbox
// with retries, backoff and per-channel rate limits.
package deliver

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/veille-oss/veille/pkg/alert"
)

// ErrConfig is wrapped by every configuration error; the message names the key.
var ErrConfig = errors.New("invalid delivery config")

// Channel types.
const (
	TypeWebhook = "webhook"
	TypeSlack   = "slack"
	TypeTeams   = "teams"
	TypeEmail   = "email"
	TypeNATS    = "nats"
)

// ChannelConfig is one destination. Secrets (secret, password, and the URL
// of slack/teams, which embeds a token) can be given through *_env keys
// naming environment variables; they never appear in logs or errors.
type ChannelConfig struct {
	Name string `yaml:"name"` // [a-z0-9_-]{1,64}; used in subjects and delivery ids
	Type string `yaml:"type"` // webhook, slack, teams, email, nats

	// webhook, slack, teams
	URL          string `yaml:"url"`
	URLEnv       string `yaml:"url_env"`
	Secret       string `yaml:"secret"` // webhook HMAC key
	SecretEnv    string `yaml:"secret_env"`
	AllowPrivate bool   `yaml:"allow_private"` // allow loopback/private/link-local targets

	// email
	SMTPHost    string   `yaml:"smtp_host"`
	SMTPPort    int      `yaml:"smtp_port"` // default 587
	Username    string   `yaml:"username"`
	Password    string   `yaml:"password"`
	PasswordEnv string   `yaml:"password_env"`
	From        string   `yaml:"from"`
	To          []string `yaml:"to"`
	CAFile      string   `yaml:"ca_file"` // extra CA (PEM) for a private relay
	// InsecurePlaintext allows a relay without STARTTLS, and then no auth.
	InsecurePlaintext bool `yaml:"insecure_plaintext"`

	// nats: subject is <subject_prefix>.<brand token>; default prefix "alerts".
	SubjectPrefix string `yaml:"subject_prefix"`

	// Timeout bounds one attempt. Default 10s.
	Timeout time.Duration `yaml:"timeout"`
	// RatePerMinute and Burst limit sends on this channel. Defaults 30 and 5.
	RatePerMinute float64 `yaml:"rate_per_minute"`
	Burst         int     `yaml:"burst"`
}

// LogValue keeps secrets out of logs.
func (c ChannelConfig) LogValue() slog.Value {
	return slog.GroupValue(slog.String("name", c.Name), slog.String("type", c.Type))
}

// String keeps secrets out of %v.
func (c ChannelConfig) String() string { return c.Type + " channel " + c.Name }

// Route sends events of some brands at or above a severity to channels.
type Route struct {
	Brands      []string `yaml:"brands"` // empty: every brand
	MinSeverity int      `yaml:"min_severity"`
	Channels    []string `yaml:"channels"`
}

// Config is the channels and routes.
type Config struct {
	Channels []ChannelConfig `yaml:"channels"`
	Routes   []Route         `yaml:"routes"`
}

var nameRE = regexp.MustCompile(`^[a-z0-9_-]{1,64}$`)

// Resolve fills the *_env secrets with getenv (os.Getenv in production)
// and the defaults. It returns a copy.
func (c Config) Resolve(getenv func(string) string) Config {
	out := Config{Routes: c.Routes}
	for _, ch := range c.Channels {
		if ch.URLEnv != "" && getenv != nil {
			ch.URL = getenv(ch.URLEnv)
		}
		if ch.SecretEnv != "" && getenv != nil {
			ch.Secret = getenv(ch.SecretEnv)
		}
		if ch.PasswordEnv != "" && getenv != nil {
			ch.Password = getenv(ch.PasswordEnv)
		}
		if ch.Timeout == 0 {
			ch.Timeout = 10 * time.Second
		}
		if ch.RatePerMinute == 0 {
			ch.RatePerMinute = 30
		}
		if ch.Burst == 0 {
			ch.Burst = 5
		}
		if ch.SMTPPort == 0 {
			ch.SMTPPort = 587
		}
		if ch.SubjectPrefix == "" {
			ch.SubjectPrefix = "alerts"
		}
		out.Channels = append(out.Channels, ch)
	}
	return out
}

// Validate checks a resolved config and names the first bad key. Error
// messages never quote URLs or secrets.
func (c Config) Validate() error {
	names := map[string]bool{}
	for i, ch := range c.Channels {
		p := fmt.Sprintf("channels[%d]", i)
		bad := func(key, format string, args ...any) error {
			return fmt.Errorf("%w: %s.%s: %s", ErrConfig, p, key, fmt.Sprintf(format, args...))
		}
		if !nameRE.MatchString(ch.Name) {
			return bad("name", "must match [a-z0-9_-]{1,64}, got %q", ch.Name)
		}
		p = "channels." + ch.Name
		if names[ch.Name] {
			return bad("name", "duplicate")
		}
		names[ch.Name] = true
		switch ch.Type {
		case TypeWebhook, TypeSlack, TypeTeams:
			u, err := url.Parse(ch.URL)
			if ch.URL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return bad("url", "must be an http(s) URL (value not shown)")
			}
			if ch.Type == TypeWebhook && len(ch.Secret) < 16 {
				return bad("secret", "must be at least 16 bytes (value not shown)")
			}
		case TypeEmail:
			if ch.SMTPHost == "" {
				return bad("smtp_host", "must be set")
			}
			if ch.SMTPPort < 1 || ch.SMTPPort > 65535 {
				return bad("smtp_port", "must be in 1..65535, got %d", ch.SMTPPort)
			}
			if !strings.Contains(ch.From, "@") {
				return bad("from", "must be an address, got %q", ch.From)
			}
			if len(ch.To) == 0 {
				return bad("to", "must list at least one address")
			}
			for j, a := range ch.To {
				if !strings.Contains(a, "@") || strings.ContainsAny(a, "\r\n<>") {
					return bad(fmt.Sprintf("to[%d]", j), "not an address: %q", a)
				}
			}
			if ch.InsecurePlaintext && ch.Username != "" {
				return bad("username", "auth is only sent over TLS; remove insecure_plaintext or the credentials")
			}
		case TypeNATS:
			if strings.ContainsAny(ch.SubjectPrefix, " *>\t") || strings.HasSuffix(ch.SubjectPrefix, ".") {
				return bad("subject_prefix", "not a subject prefix: %q", ch.SubjectPrefix)
			}
		default:
			return bad("type", "must be webhook, slack, teams, email or nats, got %q", ch.Type)
		}
		if ch.Timeout <= 0 {
			return bad("timeout", "must be positive")
		}
		if ch.RatePerMinute <= 0 || ch.Burst < 1 {
			return bad("rate_per_minute", "rate_per_minute must be positive and burst at least 1")
		}
	}
	for i, r := range c.Routes {
		p := fmt.Sprintf("routes[%d]", i)
		if r.MinSeverity < 0 || r.MinSeverity > 10 {
			return fmt.Errorf("%w: %s.min_severity: must be in 0..10, got %d", ErrConfig, p, r.MinSeverity)
		}
		if len(r.Channels) == 0 {
			return fmt.Errorf("%w: %s.channels: must name at least one channel", ErrConfig, p)
		}
		for j, n := range r.Channels {
			if !names[n] {
				return fmt.Errorf("%w: %s.channels[%d]: unknown channel %q", ErrConfig, p, j, n)
			}
		}
	}
	return nil
}

// Router picks the channels of an event.
type Router struct{ routes []Route }

// NewRouter returns a router over validated routes.
func NewRouter(routes []Route) *Router { return &Router{routes: routes} }

// Channels returns the sorted, unique channel names for the event: every
// route whose brands include the incident's brand (case-insensitive, or
// that lists none) and whose min_severity the incident reaches.
func (r *Router) Channels(ev alert.Event) []string {
	var out []string
	for _, rt := range r.routes {
		if ev.Incident.Severity < rt.MinSeverity {
			continue
		}
		if len(rt.Brands) > 0 && !slices.ContainsFunc(rt.Brands, func(b string) bool {
			return strings.EqualFold(strings.TrimSpace(b), strings.TrimSpace(ev.Incident.Brand))
		}) {
			continue
		}
		out = append(out, rt.Channels...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}
