package store

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/pkg/platform/retry"
)

// OpenRetry opens ClickHouse, retrying with backoff (up to maxBackoff
// between tries) until it answers or ctx ends, so a service can start before
// its database. A refused login ends it at once: waiting does not fix a
// password. what names the caller in the log line.
func OpenRetry(ctx context.Context, cfg config.ClickHouse, log *slog.Logger, what string, maxBackoff time.Duration) (*Store, error) {
	if log == nil {
		log = slog.Default()
	}
	var st *Store
	err := retry.Do(ctx, retry.New(500*time.Millisecond, maxBackoff), func(ctx context.Context) error {
		var err error
		st, err = Open(ctx, cfg, log)
		if errors.Is(err, ErrAuth) {
			return retry.Permanent(err)
		}
		return err
	}, func(_ int, err error, wait time.Duration) {
		log.Warn(what+": ClickHouse not reachable yet; retrying", "err", err, "backoff", wait)
	})
	return st, err
}
