package cli

import (
	"fmt"
	"os"

	"github.com/veille-oss/veille/pkg/enrich/influence"
	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/services/alerter"
	"github.com/veille-oss/veille/services/reports"
)

// checkSections decodes the sections pkg/platform/config keeps raw because
// their types belong to the services (alerting, influence, reports), so a
// mistake there stops every command at load, naming the key, instead of
// surfacing when that one service starts.
func checkSections(cfg *config.Config) error {
	if _, err := alerter.DecodeConfig(&cfg.Alerting, cfg.Console.BaseURL, os.Getenv); err != nil {
		return err
	}
	if _, err := influence.Decode(&cfg.Influence); err != nil {
		return fmt.Errorf("%w: influence: %w", config.ErrInvalid, err)
	}
	if _, err := reports.ServiceConfig(cfg); err != nil {
		return err
	}
	return nil
}
