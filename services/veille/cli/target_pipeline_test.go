package cli

import (
	"bufio"
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/pkg/platform/service"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
)

// TestTargetSentimentThroughPipeline measures the brand-level sentiment as
// users get it: the (post, brand) sets of pkg/sentiment are served as an
// RSS feed, collected with one watch query per brand, enriched and stored
// in ClickHouse; each stored row's label is compared with the set's.
func TestTargetSentimentThroughPipeline(t *testing.T) {
	type pair struct{ label, brand, text, file string }
	var brands []config.Brand
	var pairs []pair
	texts := map[string]int{}
	var order []string
	for _, file := range []string{"target_dev.tsv", "target_holdout.tsv"} {
		f, err := os.Open("../../../pkg/nlp/sentiment/testdata/" + file)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			l := sc.Text()
			if strings.HasPrefix(l, "#brand\t") {
				if file != "target_dev.tsv" {
					continue // both files declare the same brands
				}
				fs := strings.Split(l, "\t")
				b := config.Brand{Name: fs[1]}
				terms := []string{fs[1]}
				if len(fs) > 2 && fs[2] != "" {
					b.Aliases = strings.Split(fs[2], "|")
					terms = append(terms, b.Aliases...)
				}
				var q []string
				for _, x := range terms {
					if strings.Contains(x, " ") {
						q = append(q, `"`+x+`"`)
					} else {
						q = append(q, "="+x) // capitalised: the brand, not the word
					}
				}
				b.Query = strings.Join(q, " OR ")
				brands = append(brands, b)
				continue
			}
			if l == "" || l[0] == '#' {
				continue
			}
			fs := strings.SplitN(l, "\t", 3)
			pairs = append(pairs, pair{fs[0], fs[1], fs[2], file})
			if _, ok := texts[fs[2]]; !ok {
				texts[fs[2]] = len(order)
				order = append(order, fs[2])
			}
		}
		f.Close()
	}
	var feed strings.Builder
	feed.WriteString(`<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Avis</title><link>http://avis.test/</link><language>fr</language>`)
	for i, x := range order {
		fmt.Fprintf(&feed, "<item><title>%s</title><link>http://avis.test/p/%d</link><guid>p%d</guid><pubDate>Mon, 16 Mar 2026 10:00:00 +0100</pubDate><description>%s</description></item>\n",
			html.EscapeString(x), i, i, html.EscapeString(x))
	}
	feed.WriteString(`</channel></rss>`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		w.Write([]byte(feed.String()))
	}))
	defer srv.Close()

	cfg := testenv.Config(t)
	cfg.Brands = brands
	summaryOnly := false // the item is the whole post
	cfg.Sources = []config.Source{{Kind: "rss", Name: "avis", URL: srv.URL + "/feed.xml", AllowPrivate: true, FullArticle: &summaryOnly}}
	cfg.Crawler.Interval = time.Hour
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	st := testenv.Store(t, cfg)
	b := testenv.Bus(t, cfg)
	env := testenv.Env(t, cfg, b)
	all := Services()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- service.Group(ctx, env, map[string]service.Func{"rss": all["rss"], "enricher": all["enricher"], "sink": all["sink"]})
	}()
	defer func() { cancel(); <-done }()

	got := map[string]string{} // "p<i>|brand" -> label
	testenv.Eventually(t, 120*time.Second, "every pair stored", func() (bool, string) {
		rows, err := st.Conn.Query(context.Background(), "SELECT url, brand, toString(sentiment_label) FROM "+st.DB+".mentions FINAL")
		if err != nil {
			return false, err.Error()
		}
		defer rows.Close()
		for rows.Next() {
			var u, brand, label string
			if err := rows.Scan(&u, &brand, &label); err != nil {
				return false, err.Error()
			}
			got[u[strings.LastIndex(u, "/")+1:]+"|"+brand] = label
		}
		missing := 0
		for _, p := range pairs {
			if _, ok := got[fmt.Sprint(texts[p.text])+"|"+p.brand]; !ok {
				missing++
			}
		}
		return missing == 0, fmt.Sprintf("%d of %d pairs not stored", missing, len(pairs))
	})
	right := 0
	perFile := map[string][2]int{}
	for _, p := range pairs {
		c := perFile[p.file]
		c[1]++
		if got[fmt.Sprint(texts[p.text])+"|"+p.brand] == p.label {
			right++
			c[0]++
		}
		perFile[p.file] = c
	}
	acc := float64(right) / float64(len(pairs))
	for f, c := range perFile {
		t.Logf("%s: %d of %d right (%.1f%%)", f, c[0], c[1], 100*float64(c[0])/float64(c[1]))
	}
	t.Logf("RSS -> enricher -> ClickHouse: %d of %d (post, brand) labels right (%.1f%%)", right, len(pairs), 100*acc)
	if acc < 0.91 {
		t.Errorf("pipeline accuracy %.3f below floor 0.91", acc)
	}
}
