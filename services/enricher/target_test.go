package enricher_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/veille-oss/veille/pkg/platform/bus"
	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
	"github.com/veille-oss/veille/services/enricher"
)

// TestRowSentimentIsTheBrands runs the enricher on real JetStream: one post
// naming two brands gives two rows with opposite labels, and a brand whose
// name is an ordinary word ("Vague") is not read as the adjective.
func TestRowSentimentIsTheBrands(t *testing.T) {
	cfg := testenv.Config(t)
	cfg.Brands = []config.Brand{
		{Name: "Free", Aliases: []string{"Freebox"}, Query: "Free OR Freebox"},
		{Name: "Bouygues", Query: "Bouygues"},
		{Name: "Vague", Query: `=Vague AND NOT "vague de froid"`},
	}
	b := testenv.Bus(t, cfg)
	env := testenv.Env(t, cfg, b)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := b.EnsureStreams(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- enricher.Run(ctx, env) }()

	now := time.Now().UTC().Truncate(time.Second)
	posts := []struct{ brand, text, want, evidence string }{
		{"Free", "Free est bien mieux que Bouygues pour la fibre", "pos", "mieux que→+"},
		{"Bouygues", "Free est bien mieux que Bouygues pour la fibre", "neg", "mieux que→-"},
		{"Vague", "Vague ouvre une boutique à Nantes", "neu", "actualité"},
		{"Free", "Merci Free pour ces trois jours sans internet 👏", "neg", "sarcasme:merci…sans internet"},
	}
	want := map[string]int{}
	for i, p := range posts {
		m := &mention.Mention{Brand: p.brand, MatchedTerms: []string{p.brand}, SourceKind: mention.KindForum, SourceName: "conso",
			URL: "https://forum.example.fr/t/1", Anchor: string(rune('a' + i)), Text: p.text, PublishedAt: now, CollectedAt: now}
		m.SetID()
		want[m.ID] = i
		if err := b.PublishMention(ctx, bus.RawSubject("forum"), m); err != nil {
			t.Fatal(err)
		}
	}
	cons, err := b.JS.OrderedConsumer(ctx, bus.StreamEnriched, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	deadline := time.Now().Add(30 * time.Second)
	for seen < len(posts) && time.Now().Before(deadline) {
		batch, err := cons.Fetch(len(posts), jetstream.FetchMaxWait(time.Second))
		if err != nil {
			t.Fatal(err)
		}
		for msg := range batch.Messages() {
			m, err := mention.Decode(msg.Data())
			if err != nil {
				t.Fatal(err)
			}
			i, ok := want[m.ID]
			if !ok {
				continue
			}
			seen++
			p, s := posts[i], m.Enrichment.Sentiment
			if s.Label != p.want || !strings.Contains(strings.Join(s.Evidence, "|"), p.evidence) {
				t.Errorf("%s in %q: %s %v, want %s with evidence %q", p.brand, p.text, s.Label, s.Evidence, p.want, p.evidence)
			}
		}
	}
	if seen != len(posts) {
		t.Fatalf("%d of %d mentions enriched in 30s", seen, len(posts))
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
