package influence_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/enrich/influence"
	"github.com/veille-oss/veille/pkg/platform/mention"
)

// benchMentions makes n mentions spread over authors authors on 50 sites,
// each with links outgoing links, a third of them forum posts quoting.
func benchMentions(n, authors, links int) []*mention.Mention {
	ms := make([]*mention.Mention, n)
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := range ms {
		a := i % authors
		site := fmt.Sprintf("site%d.test", a%50)
		m := &mention.Mention{
			Brand: []string{"Duval", "Blanchard", "Voltéo", "Vague"}[i%4], SourceKind: []string{"web", "rss", "forum"}[i%3], SourceName: "s",
			URL: fmt.Sprintf("http://%s/page/%d", site, i/3), Anchor: fmt.Sprintf("p%d", i), Position: 1 + i%9,
			Author:      mention.Author{Name: fmt.Sprintf("Auteur %d", a), PostCount: a % 3000, Followers: a % 700},
			PublishedAt: t0.Add(time.Duration(i) * time.Second), CollectedAt: t0.Add(time.Duration(i)*time.Second + time.Minute),
			Likes: i % 7, Replies: i % 5, ContentHash: fmt.Sprintf("h%d", i),
			Enrichment: &mention.Enrichment{Sentiment: mention.Sentiment{Label: []string{"neg", "neu", "pos"}[i%3]}},
		}
		if i%3 == 2 {
			m.QuotedRef = fmt.Sprintf("Auteur %d", (a+1)%authors)
		}
		for l := 0; l < links; l++ {
			m.OutLinks = append(m.OutLinks, fmt.Sprintf("https://site%d.test/x/%d", (a+l*7)%50, l))
		}
		m.SetID()
		ms[i] = m
	}
	return ms
}

func BenchmarkObserve(b *testing.B) {
	cases := []struct {
		name           string
		authors, links int
		redeliver      bool
	}{
		{"1k-authors", 1_000, 0, false},
		{"100k-authors", 100_000, 0, false},
		{"10k-authors-5-links", 10_000, 5, false},
		{"10k-authors-redelivered", 10_000, 0, true},
	}
	const pool = 200_000
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			ms := benchMentions(pool, c.authors, c.links)
			cfg := influence.Default() // background flush every second, as in production
			tr := newTracker(b, bucket(b), cfg)
			ctx := context.Background()
			if c.redeliver {
				observeAll(b, tr, ms)
			}
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				if _, err := tr.Observe(ctx, ms[i%pool]); err != nil {
					b.Fatal(err)
				}
			}
			el := time.Since(start)
			b.StopTimer()
			b.ReportMetric(float64(b.N)/el.Seconds(), "mentions/s")
			fctx, cancel := context.WithTimeout(ctx, time.Minute)
			defer cancel()
			fs := time.Now()
			if err := tr.Flush(fctx); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(time.Since(fs).Milliseconds()), "final-flush-ms")
		})
	}
}
