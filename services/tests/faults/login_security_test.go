package faults

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/tooling/testenv"
)

var csrfInput = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// TestParallelLoginsAreThrottled attacks a running console as issue 16
// did: 40 simultaneous wrong passwords for one user (at most 5 may reach
// the password check, the rest get 429), and a request whose Host is a
// DNS-rebinding name (421).
func TestParallelLoginsAreThrottled(t *testing.T) {
	if !availableServices(t)["console"] {
		t.Skip("veille run has no console service")
	}
	cmd := exec.Command(veilleBin, "passwd")
	cmd.Stdin = strings.NewReader("correct horse battery\n")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("veille passwd: %v", err)
	}
	hash := strings.TrimSpace(string(out))
	ch := testenv.StartClickHouse(t)
	ns := startNATS(t, "")
	dir := t.TempDir()
	port := testenv.FreePort(t)
	cfg := writeConfig(t, dir, pipeConfig{NATSURL: ns.URL(), CHAddr: ch.Addr(), Extra: fmt.Sprintf(`console:
  listen: "127.0.0.1:%d"
  users: [{name: alice, password_hash: %q}]
`, port, hash)})
	pr := startProc(t, dir, cfg, "console")
	pr.waitReady(60 * time.Second)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	testenv.Eventually(t, 60*time.Second, "console up", func() (bool, string) {
		resp, err := http.Get(base + "/healthz")
		if err != nil {
			return false, err.Error()
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, resp.Status
	})

	const n = 40
	clients := make([]*http.Client, n)
	forms := make([]url.Values, n)
	for i := range clients {
		jar, _ := cookiejar.New(nil)
		clients[i] = &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := clients[i].Get(base + "/login")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		m := csrfInput.FindStringSubmatch(string(b))
		if m == nil {
			t.Fatalf("no CSRF token on the login page (%d)", resp.StatusCode)
		}
		forms[i] = url.Values{"csrf_token": {m[1]}, "user": {"alice"}, "password": {"wrong password"}}
	}
	codes := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			resp, err := clients[i].PostForm(base+"/login", forms[i])
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			codes[i] = resp.StatusCode
		}()
	}
	close(start)
	wg.Wait()
	count := map[int]int{}
	for _, c := range codes {
		count[c]++
	}
	if count[http.StatusUnauthorized] > 5 || count[http.StatusTooManyRequests] < n-5 {
		t.Fatalf("40 parallel wrong passwords: %v, want at most 5 × 401 and the rest 429", count)
	}
	req, _ := http.NewRequest("GET", base+"/login", nil)
	req.Host = "rebind.evil.example"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMisdirectedRequest {
		t.Fatalf("foreign Host: %d, want 421", resp.StatusCode)
	}
	t.Logf("40 parallel wrong passwords: %v; foreign Host: %d", count, resp.StatusCode)
}
