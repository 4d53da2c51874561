package report

import (
	"context"
	"fmt"

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
	if err := c.Reports.Decode(&rc); err != nil {
		return rc, fmt.Errorf("%w: reports: %v", config.ErrInvalid, err)
	}
	if len(rc.Brands) == 0 {
		for _, b := range c.Brands {
			rc.Brands = append(rc.Brands, b.Name)
		}
	}
	return rc, nil
}
