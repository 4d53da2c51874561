package faults

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/tooling/testenv"
)

// Secret values of the run. Each is valid for the test setup (ClickHouse and
// NATS require them) or harmless (console token, webhook key).
const (
	secretCHPassword = "chPw-7f3a9c1e-do-not-log"
	secretNATSToken  = "natsTok-51b2d8e4-do-not-log"
	secretConsole    = "consoleTok-9e0c7a33-do-not-log"
	secretWebhook    = "hookKey-2d6f4b18-do-not-log"
)

// usersWithPassword is a users.xml whose default user needs secretCHPassword.
const usersWithPassword = `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage></default></profiles>
  <users><default><password>` + secretCHPassword + `</password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>`

// availableServices asks the binary which services `veille run` knows (the
// usage error lists them), so the test runs the alerter and console too once
// they are registered.
func availableServices(t *testing.T) map[string]bool {
	t.Helper()
	out, _ := exec.Command(veilleBin, "run", "--services", "no-such-service").CombinedOutput()
	s := string(out)
	i := strings.Index(s, "(have ")
	if i < 0 {
		t.Fatalf("unexpected usage error: %s", s)
	}
	have := map[string]bool{}
	for _, n := range strings.Split(strings.TrimSuffix(strings.TrimSpace(s[i+len("(have "):]), ")"), ",") {
		have[strings.TrimSpace(n)] = true
	}
	return have
}

// TestSecretsNeverLogged runs the pipeline with a ClickHouse password, a NATS
// token, a console token and a webhook secret, at debug level, under load and
// through a ClickHouse outage and a NATS restart (error paths log the most),
// and checks no secret value appears in any output.
func TestSecretsNeverLogged(t *testing.T) {
	dir := t.TempDir()
	ch := testenv.StartClickHouseWith(t, testenv.ClickHouseOptions{UsersXML: usersWithPassword})
	ns := startNATS(t, secretNATSToken)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	defer hook.Close()
	services := []string{"enricher", "sink"}
	have := availableServices(t)
	for _, s := range []string{"alerter", "console"} {
		if have[s] {
			services = append(services, s)
		}
	}
	cfg := writeConfig(t, dir, pipeConfig{
		NATSURL: ns.URL(), NATSToken: secretNATSToken, CHAddr: ch.Addr(), CHPassword: secretCHPassword,
		Extra: fmt.Sprintf(`console: {listen: "127.0.0.1:%d", token: %q}
alerting:
  channels:
    - {name: cm-hook, type: webhook, url: %q, secret: %q, allow_private: true}
brands: [{name: Duval}, {name: Blanchard}, {name: Voltéo}, {name: Vague}]
`, testenv.FreePort(t), secretConsole, hook.URL+"/hook", secretWebhook),
	})
	// Debug level: the most verbose the program gets.
	cfgText, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, bytes.Replace(cfgText, []byte("level: info"), []byte("level: debug"), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	pr := startProc(t, dir, cfg, strings.Join(services, ","))
	pr.waitReady(60 * time.Second)
	pub := connectBus(t, ns.URL(), secretNATSToken)
	st := openStoreAuth(t, ch.Addr(), secretCHPassword)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := publish(ctx, pub, 301, 3000, 3000, nil); err != nil {
		t.Fatal(err)
	}
	waitWhere(t, st, seedWhere(301), 3000, 60*time.Second)
	// Error paths: ClickHouse away for a few seconds, then NATS restarted.
	ch.Kill()
	if _, err := publish(ctx, pub, 302, 500, 0, nil); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * time.Second)
	ch.Start()
	ns.stop()
	time.Sleep(time.Second)
	ns.start()
	waitWhere(t, st, seedWhere(302), 500, 60*time.Second)
	// Bad credentials elsewhere: a loadgen run with the wrong NATS token must
	// fail without echoing the token it was given.
	wrong := "wrongTok-0aa1-do-not-log"
	lg := exec.Command(veilleBin, "loadgen", "--count", "1", "--nats", strings.Replace(ns.URL(), "nats://", "nats://"+wrong+"@", 1))
	lgOut, lgErr := lg.CombinedOutput()
	if lgErr == nil {
		t.Fatalf("loadgen with a wrong token succeeded: %s", lgOut)
	}
	if err := pr.signal(syscall.SIGTERM); err != nil {
		t.Logf("exit: %v", err)
	}
	logs := pr.logs() + string(lgOut)
	if len(logs) < 500 {
		t.Fatalf("suspiciously little output (%d bytes): %s", len(logs), logs)
	}
	for _, s := range []string{secretCHPassword, secretNATSToken, secretConsole, secretWebhook, wrong} {
		if i := strings.Index(logs, s); i >= 0 {
			t.Errorf("secret %q appears in the output: …%s…", s, logs[max(0, i-200):min(len(logs), i+100)])
		}
	}
	if testing.Verbose() {
		t.Log(logs)
	}
	t.Logf("services %v: %d bytes of output, %d lines, no secret value in them", services, len(logs), strings.Count(logs, "\n"))
}
