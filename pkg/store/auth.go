package store

import (
	"errors"
	"fmt"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/veille-oss/veille/pkg/platform/config"
)

// ErrAuth wraps a login ClickHouse refused: retrying cannot help, the
// configuration must change.
var ErrAuth = errors.New("clickhouse refused the login")

// authError names the configuration key behind a refused login (ClickHouse
// 18.16: UNKNOWN_USER 192, WRONG_PASSWORD 193, REQUIRED_PASSWORD 194;
// current servers: AUTHENTICATION_FAILED 516, which does not say which),
// or returns nil when err is not one. The password itself is never quoted.
func authError(err error, cfg config.ClickHouse) error {
	var ex *clickhouse.Exception
	if !errors.As(err, &ex) {
		return nil
	}
	user := cfg.User
	if user == "" {
		user = "default"
	}
	var key, why string
	switch ex.Code {
	case 192:
		key, why = "clickhouse.user", fmt.Sprintf("the server knows no user %q", user)
	case 193, 194:
		key, why = "clickhouse.password", fmt.Sprintf("wrong or missing password for user %q", user)
	case 516:
		key, why = "clickhouse.password", fmt.Sprintf("wrong password for user %q, or no such user (clickhouse.user)", user)
	default:
		return nil
	}
	return fmt.Errorf("%w: %w: %s: %s (code %d)", config.ErrInvalid, ErrAuth, key, why, ex.Code)
}
