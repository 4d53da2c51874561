package faults

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/tooling/testenv"
)

// Credentials in source URLs (issue 16): each must reach the site in the
// Authorization header and nowhere else.
const (
	urlUser      = "feedUser-5c1e"
	urlPassword  = "feedPw-3b9d-do-not-log"
	deadUser     = "deadUser-77f0"
	deadPassword = "deadPw-a41c-do-not-log"
)

// protectedSite serves a feed with relative links, a web page and a forum
// index behind HTTP Basic auth; authorized counts requests that came with
// the right credentials.
func protectedSite(t *testing.T, authorized *atomic.Int64) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		if u, p, ok := r.BasicAuth(); !ok || u != urlUser || p != urlPassword {
			w.Header().Set("WWW-Authenticate", `Basic realm="veille-test"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		authorized.Add(1)
		switch path.Base(r.URL.Path) {
		case "feed.xml":
			w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
			fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Fil</title><link>/</link>
<item><title>Duval rappelle ses yaourts</title><link>a/1</link><guid>a1</guid><description>La laiterie Duval rappelle des yaourts, les clients sont furieux.</description></item>
<item><title>Duval recrute</title><link>a/2?utm_source=x</link><guid>a2</guid><description>Duval ouvre une usine et recrute.</description></item>
</channel></rss>`)
		case "page.html":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, `<html><head><title>Blog conso</title></head><body><article><h1>Les yaourts Duval</h1>
<p>Nous avons goûté les yaourts Duval cette semaine : franchement décevants, trop sucrés, et le service client ne répond pas.</p>
<p><a href="page2.html">suite</a> <a href="autre.html">autre</a></p></article></body></html>`)
		default:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, `<html><body><p>Rien ici.</p></body></html>`)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestSecretsInURLsNeverShown runs every collector with sources whose URLs
// carry a user name and password (one of them unreachable, one not a
// forum), with the enricher, the sink and the console, in both log formats:
// the credentials are used for the fetch, and appear in no log line, no
// stored mention (url, source_url, thread_url, author_url), nor the
// console's sources API and CSV export.
func TestSecretsInURLsNeverShown(t *testing.T) {
	have := availableServices(t)
	services := []string{"enricher", "sink"}
	for _, s := range []string{"rss", "crawler", "forum", "console"} {
		if have[s] {
			services = append(services, s)
		}
	}
	ch := testenv.StartClickHouse(t)
	st := openStore(t, ch.Addr())
	var authorized atomic.Int64
	site := protectedSite(t, &authorized)
	hostPort := strings.TrimPrefix(site.URL, "http://")
	cred := func(path string) string { return "http://" + urlUser + ":" + urlPassword + "@" + hostPort + path }
	closed := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		return l.Addr().String()
	}()
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			dir := t.TempDir()
			ns := startNATS(t, "")
			consolePort := testenv.FreePort(t)
			const token = "urlsecrets-console-token-0123456789"
			cfg := writeConfig(t, dir, pipeConfig{NATSURL: ns.URL(), CHAddr: ch.Addr(), Extra: fmt.Sprintf(`crawler: {rate_per_host: 0, max_pages: 5}
console: {listen: "127.0.0.1:%d", token: %q}
brands: [{name: Duval}]
sources:
  - {kind: rss, name: feed-secret, url: %q, allow_private: true, full_article: false}
  - {kind: rss, name: feed-dead, url: %q, allow_private: true}
  - {kind: web, name: blog-secret, seeds: [%q], allow_private: true}
  - {kind: forum, name: forum-secret, url: %q, allow_private: true}
`, consolePort, token, cred("/"+format+"/feed.xml"), "http://"+deadUser+":"+deadPassword+"@"+closed+"/feed.xml", cred("/"+format+"/page.html"), cred("/"+format+"/forum/viewforum.php?f=2"))})
			text, err := os.ReadFile(cfg)
			if err != nil {
				t.Fatal(err)
			}
			text = []byte(strings.Replace(string(text), "log: {level: info, format: text}", "log: {level: debug, format: "+format+"}", 1))
			if err := os.WriteFile(cfg, text, 0o600); err != nil {
				t.Fatal(err)
			}
			before := authorized.Load()
			pr := startProc(t, dir, cfg, strings.Join(services, ","))
			pr.waitReady(90 * time.Second)
			where := "url LIKE 'http://" + hostPort + "/" + format + "/%'"
			waitWhere(t, st, where, 2, 120*time.Second) // the 2 feed items (the blog page may add one)
			if authorized.Load() == before {
				t.Fatal("the site never saw the credentials: they must still be used for the fetch")
			}
			// Stored mentions.
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			rows, err := st.Conn.Query(ctx, "SELECT url, source_url, thread_url, author_url FROM "+st.DB+".mentions WHERE "+where)
			if err != nil {
				t.Fatal(err)
			}
			var stored strings.Builder
			for rows.Next() {
				var u, su, tu, au string
				if err := rows.Scan(&u, &su, &tu, &au); err != nil {
					t.Fatal(err)
				}
				fmt.Fprintln(&stored, u, su, tu, au)
			}
			rows.Close()
			if want := "http://" + hostPort + "/" + format + "/a/1"; !strings.Contains(stored.String(), want) {
				t.Errorf("relative feed link not stored as %s:\n%s", want, stored.String())
			}
			// What the console shows.
			shown := ""
			if have["console"] {
				testenv.Eventually(t, 60*time.Second, "console up", func() (bool, string) {
					resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/healthz", consolePort))
					if err != nil {
						return false, err.Error()
					}
					resp.Body.Close()
					return resp.StatusCode == http.StatusOK, resp.Status
				})
				for _, p := range []string{"/api/sources", "/export.csv?brand=Duval", "/sources"} {
					req, _ := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("http://127.0.0.1:%d%s", consolePort, p), nil)
					req.Header.Set("Authorization", "Bearer "+token)
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						t.Fatalf("console %s: %d", p, resp.StatusCode)
					}
					shown += string(b)
				}
				if !strings.Contains(shown, hostPort+"/"+format+"/feed.xml") {
					t.Errorf("console sources do not list the feed at all:\n%.2000s", shown)
				}
			}
			// Let error paths log (the dead source, the forum that is not one).
			time.Sleep(2 * time.Second)
			_ = pr.signal(syscall.SIGTERM)
			logs := pr.logs()
			if !strings.Contains(logs, closed) {
				t.Errorf("no log line about the unreachable source %s: the error path was not exercised", closed)
			}
			for what, s := range map[string]string{"logs": logs, "stored mentions": stored.String(), "console": shown} {
				for _, secret := range []string{urlPassword, urlUser, deadPassword, deadUser} {
					if i := strings.Index(s, secret); i >= 0 {
						t.Errorf("%s (%s) show %q: …%s…", what, format, secret, s[max(0, i-200):min(len(s), i+100)])
					}
				}
			}
			t.Logf("%s: services %v, %d bytes of logs, %d authorized fetches, no URL credentials shown", format, services, len(logs), authorized.Load()-before)
		})
	}
}
