package testenv

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// ClickHouseServer is a private clickhouse-server process for tests that stop
// and restart ClickHouse; it does not disturb the shared local server.
type ClickHouseServer struct {
	Dir  string
	Port int
	cmd  *exec.Cmd
	t    testing.TB
}

// ClickHouseOptions tune a private server.
type ClickHouseOptions struct {
	// UsersXML replaces the users.xml written by default (a passwordless
	// default user on loopback): tests of users, passwords and grants.
	UsersXML string
}

// StartClickHouse starts a private server on free ports with data in a temp dir.
func StartClickHouse(t testing.TB) *ClickHouseServer {
	t.Helper()
	return StartClickHouseWith(t, ClickHouseOptions{})
}

// StartClickHouseWith is StartClickHouse with options.
func StartClickHouseWith(t testing.TB, opt ClickHouseOptions) *ClickHouseServer {
	t.Helper()
	NeedProgram(t, "clickhouse-server", "clickhouse-server")
	s := &ClickHouseServer{Dir: t.TempDir(), Port: FreePort(t), t: t}
	httpPort := FreePort(t)
	for _, d := range []string{"data", "tmp", "user_files", "format_schemas", "log"} {
		if err := os.MkdirAll(filepath.Join(s.Dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cfg := fmt.Sprintf(`<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>%[1]s/log/server.log</log><errorlog>%[1]s/log/err.log</errorlog></logger>
  <http_port>%[2]d</http_port>
  <tcp_port>%[3]d</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>%[1]s/data/</path>
  <tmp_path>%[1]s/tmp/</tmp_path>
  <user_files_path>%[1]s/user_files/</user_files_path>
  <format_schema_path>%[1]s/format_schemas/</format_schema_path>
  <users_config>%[1]s/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>67108864</mark_cache_size>
  <uncompressed_cache_size>67108864</uncompressed_cache_size>
  <timezone>UTC</timezone>
</yandex>`, s.Dir, httpPort, s.Port)
	users := `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>`
	if opt.UsersXML != "" {
		users = opt.UsersXML
	}
	if err := os.WriteFile(filepath.Join(s.Dir, "config.xml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(s.Dir, "users.xml"), []byte(users), 0o644); err != nil {
		t.Fatal(err)
	}
	s.Start()
	t.Cleanup(s.Kill)
	return s
}

// Addr is host:port of the native protocol.
func (s *ClickHouseServer) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.Port) }

// Start (re)starts the server and waits until it accepts connections.
func (s *ClickHouseServer) Start() {
	s.t.Helper()
	cmd := exec.Command("clickhouse-server", "--config-file="+filepath.Join(s.Dir, "config.xml"))
	cmd.Dir = s.Dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("start clickhouse-server: %v", err)
	}
	s.cmd = cmd
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", s.Addr(), 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	b, _ := os.ReadFile(filepath.Join(s.Dir, "log", "err.log"))
	s.t.Fatalf("private clickhouse-server did not listen on %s within 60s: %s", s.Addr(), b)
}

// Kill stops the server abruptly (SIGKILL) and waits for it to exit.
func (s *ClickHouseServer) Kill() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	_ = s.cmd.Wait()
	s.cmd = nil
}

// FreePort returns a TCP port free on 127.0.0.1 at the time of the call.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
