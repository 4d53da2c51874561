package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/pkg/store"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
)

const authUsers = `<?xml version="1.0"?>
<yandex>
  <profiles><default></default></profiles>
  <users><default><password>right-Pw-81c2</password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>`

// TestWrongPasswordNamesThePasswordKey: a refused login is reported against
// clickhouse.password (it was reported as ClickHouse unavailable at
// clickhouse.addr, and retried forever), without the password.
func TestWrongPasswordNamesThePasswordKey(t *testing.T) {
	ch := testenv.StartClickHouseWith(t, testenv.ClickHouseOptions{UsersXML: authUsers})
	cfg := config.Default().ClickHouse
	cfg.Addr = []string{ch.Addr()}
	for _, pw := range []string{"wrong-Pw-77aa", ""} {
		cfg.Password = config.Secret(pw)
		_, err := store.Open(context.Background(), cfg, testenv.Discard())
		if err == nil {
			t.Fatalf("password %q accepted", pw)
		}
		msg := err.Error()
		if !errors.Is(err, config.ErrInvalid) || !errors.Is(err, store.ErrAuth) || errors.Is(err, store.ErrUnavailable) ||
			!strings.Contains(msg, "clickhouse.password") || strings.Contains(msg, "clickhouse.addr") || (pw != "" && strings.Contains(msg, pw)) {
			t.Errorf("password %q: %v; want ErrInvalid+ErrAuth naming clickhouse.password, without the password", pw, err)
		}
	}
	cfg.Password = "right-Pw-81c2"
	st, err := store.Open(context.Background(), cfg, testenv.Discard())
	if err != nil {
		t.Fatalf("right password: %v", err)
	}
	st.Close()
}
