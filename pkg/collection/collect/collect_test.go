package collect_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/veille-oss/veille/pkg/collection/collect"
	"github.com/veille-oss/veille/pkg/platform/bus"
	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
)

// Every collector publishes through Emit, so a date ahead of the collection
// (the demo's news site read an hour ahead) is clamped and flagged once,
// here, for web, rss and forum alike.
func TestEmitClampsFutureDates(t *testing.T) {
	cfg := testenv.Config(t)
	cfg.Brands = []config.Brand{{Name: "Duval", Query: "Duval"}}
	b := testenv.Bus(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := collect.New(ctx, testenv.Env(t, cfg, b), mention.KindWeb)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	src := config.Source{Kind: mention.KindWeb, Name: "journal", Seeds: []string{"https://journal.example/"}}
	before := time.Now().UTC()
	items := map[string]time.Time{
		"https://journal.example/hour-ahead.html": before.Add(time.Hour),
		"https://journal.example/skew.html":       before.Add(2 * time.Minute),
		"https://journal.example/yesterday.html":  before.Add(-24 * time.Hour),
	}
	for u, at := range items {
		if n, err := c.Emit(ctx, src, collect.Item{URL: u, Title: "Yaourts Duval", Text: "Rappel des yaourts Duval.", Published: at}); err != nil || n != 1 {
			t.Fatalf("Emit %s: %d, %v", u, n, err)
		}
	}
	got := map[string]*mention.Mention{}
	if err := b.ReadAll(ctx, bus.StreamRaw, "", func(msg jetstream.Msg) {
		var m mention.Mention
		if err := json.Unmarshal(msg.Data(), &m); err != nil {
			t.Error(err)
			return
		}
		got[m.URL] = &m
	}); err != nil {
		t.Fatal(err)
	}
	for u, at := range items {
		m := got[u]
		if m == nil {
			t.Fatalf("%s: not published", u)
		}
		wantClamped := u == "https://journal.example/hour-ahead.html"
		if m.PublishedClamped != wantClamped {
			t.Errorf("%s: published_clamped %v, want %v", u, m.PublishedClamped, wantClamped)
		}
		want := at
		if wantClamped {
			want = m.CollectedAt
		}
		if !m.PublishedAt.Equal(want) {
			t.Errorf("%s: published_at %s, want %s", u, m.PublishedAt, want)
		}
		if m.PublishedAt.After(m.CollectedAt.Add(5 * time.Minute)) {
			t.Errorf("%s: published_at %s more than 5 min after collected_at %s", u, m.PublishedAt, m.CollectedAt)
		}
	}
}

// A long article is matched whole and only its stored text is cut: a brand
// named after the first 32 KiB is still a mention.
func TestEmitMatchesWholeTextAndStoresItCut(t *testing.T) {
	cfg := testenv.Config(t)
	cfg.Brands = []config.Brand{{Name: "Duval", Query: "Duval"}}
	b := testenv.Bus(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := collect.New(ctx, testenv.Env(t, cfg, b), mention.KindWeb)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	src := config.Source{Kind: mention.KindWeb, Name: "journal", Seeds: []string{"https://journal.example/"}}
	text := strings.Repeat("Le conseil municipal a voté le budget de l'année prochaine. ", 2000) + "La Laiterie Duval est citée en conclusion."
	if len(text) < 3*mention.MaxTextBytes {
		t.Fatalf("test text is %d bytes, want > %d", len(text), 3*mention.MaxTextBytes)
	}
	n, err := c.Emit(ctx, src, collect.Item{URL: "https://journal.example/dossier.html", Title: "Dossier budget", Text: text, Published: time.Now()})
	if err != nil || n != 1 {
		t.Fatalf("Emit: %d mentions, %v; want 1 (the brand is named after 32 KiB)", n, err)
	}
	var m mention.Mention
	if err := b.ReadAll(ctx, bus.StreamRaw, "", func(msg jetstream.Msg) { _ = json.Unmarshal(msg.Data(), &m) }); err != nil {
		t.Fatal(err)
	}
	if len(m.Text) == 0 || len(m.Text) > mention.MaxTextBytes {
		t.Fatalf("stored text %d bytes, want 1..%d", len(m.Text), mention.MaxTextBytes)
	}
}
