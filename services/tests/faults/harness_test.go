package faults

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/veille-oss/veille/pkg/platform/bus"
	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/store"
	"github.com/veille-oss/veille/pkg/tooling/loadgen"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
)

// veilleBin is the all-in-one binary TestMain builds once for every test.
var veilleBin string

func TestMain(m *testing.M) {
	os.Exit(buildAndRun(m))
}

func buildAndRun(m *testing.M) int {
	dir, err := os.MkdirTemp("", "veille-faults-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	root, err := repoRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	veilleBin = filepath.Join(dir, "veille")
	cmd := exec.Command("go", "build", "-o", veilleBin, "./services/veille")
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build veille:", err)
		return 1
	}
	return m.Run()
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.work not found above the working directory")
		}
		dir = parent
	}
}

// natsServer is a standalone JetStream server (the real nats-server, run in
// the test process) on a fixed port and file store, so it can be stopped and
// started again on the same store while the pipeline processes reconnect.
type natsServer struct {
	t    testing.TB
	opts server.Options
	srv  *server.Server
}

func startNATS(t testing.TB, token string) *natsServer {
	t.Helper()
	n := &natsServer{t: t, opts: server.Options{
		ServerName: "faults",
		Host:       "127.0.0.1",
		Port:       testenv.FreePort(t),
		JetStream:  true,
		StoreDir:   t.TempDir(),
		NoSigs:     true,
		NoLog:      true,
		MaxPayload: 1 << 20,
	}}
	if token != "" {
		n.opts.Authorization = token
	}
	n.start()
	t.Cleanup(n.stop)
	return n
}

func (n *natsServer) start() {
	n.t.Helper()
	opts := n.opts // NewServer keeps a pointer and mutates it
	srv, err := server.NewServer(&opts)
	if err != nil {
		n.t.Fatalf("nats-server: %v", err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(20 * time.Second) {
		n.t.Fatal("nats-server not ready after 20s")
	}
	n.srv = srv
}

func (n *natsServer) stop() {
	if n.srv != nil {
		n.srv.Shutdown()
		n.srv.WaitForShutdown()
		n.srv = nil
	}
}

func (n *natsServer) URL() string { return fmt.Sprintf("nats://127.0.0.1:%d", n.opts.Port) }

// proc is one `veille run` process.
type proc struct {
	t        testing.TB
	name     string
	args     []string
	env      []string
	logPath  string
	metrics  string
	cmd      *exec.Cmd
	done     chan struct{}
	exitErr  error
	restarts int
}

// startProc runs `veille run --config cfg --services services` with its own
// metrics endpoint, logging to a file in the test's temp dir.
func startProc(t testing.TB, dir, cfgPath, services string, extraEnv ...string) *proc {
	t.Helper()
	p := &proc{
		t: t, name: services,
		args:    []string{"run", "--config", cfgPath, "--services", services},
		metrics: fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t)),
		logPath: filepath.Join(dir, strings.ReplaceAll(services, ",", "+")+".log"),
	}
	p.env = append(os.Environ(), "VEILLE_METRICS_LISTEN="+p.metrics)
	p.env = append(p.env, extraEnv...)
	p.start()
	t.Cleanup(func() { p.signal(syscall.SIGKILL) })
	return p
}

func (p *proc) start() {
	p.t.Helper()
	logf, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		p.t.Fatal(err)
	}
	fmt.Fprintf(logf, "==== start %s (restart %d)\n", time.Now().Format(time.RFC3339Nano), p.restarts)
	cmd := exec.Command(veilleBin, p.args...)
	cmd.Env = p.env
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		logf.Close()
		p.t.Fatalf("start veille %v: %v", p.args, err)
	}
	p.cmd, p.done = cmd, make(chan struct{})
	done := p.done
	go func() {
		p.exitErr = cmd.Wait()
		logf.Close()
		close(done)
	}()
	p.restarts++
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

// signal sends sig and waits up to 60 s for the process to exit.
func (p *proc) signal(sig syscall.Signal) error {
	if p.cmd == nil {
		return nil
	}
	select {
	case <-p.done:
		return p.exitErr
	default:
	}
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
		return p.exitErr
	case <-time.After(60 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("%s did not exit within 60s after %v", p.name, sig)
	}
}

// running reports whether the process is still alive.
func (p *proc) running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

func (p *proc) logs() string {
	b, _ := os.ReadFile(p.logPath)
	return string(b)
}

// waitReady polls /readyz until it answers 200.
func (p *proc) waitReady(timeout time.Duration) {
	p.t.Helper()
	testenv.Eventually(p.t, timeout, p.name+" /readyz 200", func() (bool, string) {
		code, body := p.readyz()
		return code == http.StatusOK, fmt.Sprintf("%d %s", code, body)
	})
}

func (p *proc) readyz() (int, string) {
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get("http://" + p.metrics + "/readyz")
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, strings.TrimSpace(string(b))
}

// pipeConfig is the YAML every pipeline process reads. One sink replica:
// handoff_after is longer than any outage here, so the sink holds its batch
// through it (TestFaults checks nothing is redelivered); the partitioned
// replica test sets its own.
type pipeConfig struct {
	NATSURL, NATSToken string
	CHAddr, CHPassword string
	AckWait            time.Duration
	Extra              string // appended YAML (brands, sources, console, alerting)
}

func writeConfig(t testing.TB, dir string, c pipeConfig) string {
	t.Helper()
	if c.AckWait == 0 {
		c.AckWait = 5 * time.Second
	}
	y := fmt.Sprintf(`data_dir: %q
log: {level: info, format: text}
nats:
  url: %q
  token: %q
  ack_wait: %s
clickhouse:
  addr: [%q]
  database: veille
  password: %q
  dial_timeout: 2s
sink: {batch_rows: 2000, flush_interval: 200ms, max_backoff: 2s, handoff_after: 5m}
enricher: {workers: 1, batch: 500}
%s`, filepath.Join(dir, "data"), c.NATSURL, c.NATSToken, c.AckWait, c.CHAddr, c.CHPassword, c.Extra)
	p := filepath.Join(dir, "veille.yaml")
	if err := os.WriteFile(p, []byte(y), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// connectBus connects the test's own client (publisher, inspector).
func connectBus(t testing.TB, url, token string) *bus.Bus {
	t.Helper()
	nc := config.Default().NATS
	nc.URL = url
	nc.Token = config.Secret(token)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := bus.Connect(ctx, nc, t.TempDir(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("connect %s: %v", url, err)
	}
	t.Cleanup(b.Close)
	return b
}

// openStore connects to the database the sink process migrates.
func openStore(t testing.TB, addr string) *store.Store {
	t.Helper()
	return openStoreAuth(t, addr, "")
}

// openStoreAuth is openStore with the default user's password.
func openStoreAuth(t testing.TB, addr, password string) *store.Store {
	t.Helper()
	cc := config.Default().ClickHouse
	cc.Addr = []string{addr}
	cc.Database = "veille"
	cc.DialTimeout = 2 * time.Second
	cc.Password = config.Secret(password)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := store.Open(ctx, cc, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("clickhouse %s: %v", addr, err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// publish sends n raw mentions of seed at rate/s, and keeps re-publishing
// the whole run when the bus fails (a NATS restart): same seed, same ids,
// so the stream's Msg-Id window and the table's idempotence absorb repeats,
// as they do for a collector that retries.
func publish(ctx context.Context, b *bus.Bus, seed uint64, n int, rate float64, subject func(*mention.Mention) string) (attempts int, err error) {
	for ctx.Err() == nil {
		attempts++
		got, err := loadgen.Publish(ctx, b, &loadgen.Generator{Seed: seed}, loadgen.Options{Count: n, Rate: rate, Subject: subject, Window: 1000})
		if err == nil && got == n {
			return attempts, nil
		}
		select {
		case <-ctx.Done():
		case <-time.After(500 * time.Millisecond):
		}
	}
	return attempts, ctx.Err()
}

// counts returns rows after FINAL, distinct ids and physical rows.
func counts(ctx context.Context, st *store.Store) (final, distinct, physical uint64, err error) {
	if final, err = st.CountMentions(ctx, ""); err != nil {
		return
	}
	err = st.Conn.QueryRow(ctx, "SELECT uniqExact(id), count() FROM "+st.DB+".mentions").Scan(&distinct, &physical)
	return
}

// waitStored waits until the table holds want mentions after FINAL and
// returns how long it took.
func waitStored(t testing.TB, st *store.Store, want uint64, timeout time.Duration) time.Duration {
	t.Helper()
	t0 := time.Now()
	testenv.Eventually(t, timeout, fmt.Sprintf("%d mentions stored", want), func() (bool, string) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		f, d, p, err := counts(ctx, st)
		return err == nil && f >= want && d >= want, fmt.Sprintf("final %d distinct %d physical %d err %v", f, d, p, err)
	})
	return time.Since(t0)
}

// consumerInfo returns the durable consumer's state.
func consumerInfo(t testing.TB, b *bus.Bus, stream, durable string) *jetstream.ConsumerInfo {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := b.JS.Consumer(ctx, stream, durable)
	if err != nil {
		t.Fatalf("consumer %s/%s: %v", stream, durable, err)
	}
	ci, err := c.Info(ctx)
	if err != nil {
		t.Fatalf("consumer %s/%s info: %v", stream, durable, err)
	}
	return ci
}

// faultRow is one line of the fault table.
type faultRow struct {
	fault                       string
	published, stored, physical uint64
	recovery                    time.Duration
}

type faultTable struct {
	mu   sync.Mutex
	rows []faultRow
}

func (ft *faultTable) add(r faultRow) {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	ft.rows = append(ft.rows, r)
}

func (ft *faultTable) String() string {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	var sb strings.Builder
	fmt.Fprintf(&sb, "%-28s %10s %10s %11s %10s\n", "fault", "published", "stored", "duplicates", "recovery")
	for _, r := range ft.rows {
		fmt.Fprintf(&sb, "%-28s %10d %10d %11d %10s\n", r.fault, r.published, r.stored, r.physical-r.stored, r.recovery.Round(100*time.Millisecond))
	}
	return sb.String()
}
