// Snapshot demo forum pages and crawl the demo forum end to end.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/veille-oss/veille/pkg/collection/forum"
	"github.com/veille-oss/veille/pkg/collection/textenc"
	"github.com/veille-oss/veille/pkg/tooling/demo"
)

type getter struct{ h http.Handler }

func (g getter) Get(ctx context.Context, u string) (string, string, error) {
	req := httptest.NewRequest("GET", u, nil)
	rec := httptest.NewRecorder()
	g.h.ServeHTTP(rec, req)
	if rec.Code/100 == 3 {
		loc := rec.Header().Get("Location")
		return g.Get(ctx, req.URL.ResolveReference(mustParse(loc)).String())
	}
	if rec.Code/100 != 2 {
		return "", "", &forum.StatusError{URL: u, Code: rec.Code}
	}
	body, _ := io.ReadAll(rec.Body)
	text, _, err := textenc.Decode(body, rec.Header().Get("Content-Type"))
	return text, u, err
}

func main() {
	h := demo.NewHandler(time.Now().Add(-2*time.Hour), 1)
	g := getter{h}
	out := os.Args[1]
	for _, u := range os.Args[2:] {
		text, _, err := g.Get(context.Background(), u)
		if err != nil {
			fmt.Println("ERR", u, err)
			continue
		}
		name := strings.NewReplacer("http://forum-conso.test/", "", "/", "_", "?", "_", "&", "_", "=", "", ".php", "").Replace(u)
		name = strings.Trim(name, "_")
		os.WriteFile(filepath.Join(out, "demo_"+name+".html"), []byte(text), 0o644)
		fmt.Println("wrote", name, len(text))
	}
	if out == "-" || os.Getenv("CRAWL") != "" {
		c := forum.NewCrawler(g, newState(), slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
		for _, src := range []forum.Source{{Name: "php", URL: "http://forum-conso.test/phpbb/index.php"}, {Name: "xf", URL: "http://forum-conso.test/forums/"}} {
			n := 0
			var sample []forum.Post
			st, err := c.Pass(context.Background(), src, func(p forum.Post) error {
				n++
				if len(sample) < 3 || p.QuotedRef != "" && len(sample) < 6 {
					sample = append(sample, p)
				}
				return nil
			})
			fmt.Printf("%s: emitted %d stats %+v err %v\n", src.Name, n, st, err)
			for _, p := range sample {
				fmt.Printf("  %s #%d %s by %s (%d posts) at %s q=%s: %.80q\n", p.ThreadTitle, p.Position, p.Anchor, p.Author.Name, p.Author.PostCount, p.Published.Format(time.RFC3339), p.QuotedRef, p.Text)
			}
			st2, _ := c.Pass(context.Background(), src, func(p forum.Post) error { return nil })
			fmt.Printf("  second pass: %+v\n", st2)
		}
	}
}

func mustParse(s string) *url.URL { u, _ := url.Parse(s); return u }
