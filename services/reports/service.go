package reports

import (
	"bytes"
	"context"
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/pkg/platform/service"
	"github.com/veille-oss/veille/pkg/store"
)

// Run is the reports service: it writes the scheduled reports of the `reports:` section
// (nothing when the section is absent or has no dir).
func Run(ctx context.Context, env *service.Env) error {
	cfg, err := ServiceConfig(env.Config)
	if err != nil || cfg.Dir == "" {
		return err
	}
	st, err := store.Open(ctx, env.Config.ClickHouse, env.Log)
	if err != nil {
		return err
	}
	defer st.Close()
	return Schedule(ctx, st.Conn, st.DB, cfg, env.Log.With("service", "reports"))
}

// ServiceConfig reads the `reports:` section of c, every brand by default.
func ServiceConfig(c *config.Config) (ScheduleConfig, error) {
	var rc ScheduleConfig
	if c.Reports.Kind == 0 {
		return rc, nil
	}
	// Re-encoded so the decoder refuses unknown keys, as everywhere else.
	var buf bytes.Buffer
	if err := yaml.NewEncoder(&buf).Encode(&c.Reports); err != nil {
		return rc, fmt.Errorf("%w: reports: %w", config.ErrInvalid, err)
	}
	dec := yaml.NewDecoder(&buf)
	dec.KnownFields(true)
	if err := dec.Decode(&rc); err != nil {
		return rc, fmt.Errorf("%w: reports: %w", config.ErrInvalid, err)
	}
	if len(rc.Brands) == 0 {
		for _, b := range c.Brands {
			rc.Brands = append(rc.Brands, b.Name)
		}
	}
	if rc.Dir == "" || len(rc.Brands) == 0 {
		return rc, nil // nothing to write: the service says so when it starts
	}
	if _, err := rc.check(); err != nil {
		return rc, fmt.Errorf("%w: %w", config.ErrInvalid, err)
	}
	return rc, nil
}
