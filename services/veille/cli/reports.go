package cli

import (
	"context"
	"fmt"

	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/services/reports"
	"github.com/veille-oss/veille/pkg/platform/service"
	"github.com/veille-oss/veille/pkg/store"
)

// reportsService writes the scheduled reports of the `reports:` section
// (nothing when the section is absent or has no dir).
func reportsService(ctx context.Context, env *service.Env) error {
	cfg, err := reportsConfig(env.Config)
	if err != nil || cfg.Dir == "" {
		return err
	}
	st, err := store.Open(ctx, env.Config.ClickHouse, env.Log)
	if err != nil {
		return err
	}
	defer st.Close()
	return report.Schedule(ctx, st.Conn, st.DB, cfg, env.Log.With("service", "reports"))
}

func reportsConfig(c *config.Config) (report.ScheduleConfig, error) {
	var rc report.ScheduleConfig
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
