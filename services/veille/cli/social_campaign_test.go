package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/veille-oss/veille/pkg/alert/deliver"
	"github.com/veille-oss/veille/pkg/platform/bus"
	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/pkg/platform/service"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
	"github.com/veille-oss/veille/services/social/standin"
)

// TestScriptedCoordinatedCampaign is issue 20's measure, end to end: 30
// accounts post near-identical praise of Duval within 5 minutes on a
// Bluesky-like firehose; with every service of veille run (real NATS,
// real ClickHouse) the posts are stored, the ones from the 10th account on
// carry suspicious=coordinated, and the alerter raises exactly one
// incident, a coordinated_campaign for Duval. Ordinary posts from other
// accounts raise nothing.
func TestScriptedCoordinatedCampaign(t *testing.T) {
	bs := standin.NewBluesky()
	srv := newLoopback(t, bs)
	base := testenv.Config(t)
	yaml := fmt.Sprintf(`
data_dir: %s
nats: {embedded: {listen: "127.0.0.1:0"}, ack_wait: 5s}
clickhouse: {addr: [%q], database: %s}
metrics: {listen: ""}
console: {listen: "127.0.0.1:0"}
crawler: {interval: 1h, timeout: 3s}
sink: {flush_interval: 200ms}
brands:
  - {name: Duval, group: laitiers, aliases: ["Laiterie Duval"], query: '=Duval OR "Laiterie Duval"'}
  - {name: Blanchard, group: laitiers}
sources:
  - {kind: bluesky, name: bsky, url: "ws://%s/subscribe", api_url: "http://%s", search: ["zzzz-nothing"]}
alerting:
  tick: 200ms
  defaults: {update_every: 1s}
`, base.DataDir, base.ClickHouse.Addr[0], base.ClickHouse.Database, srv, srv)
	cfg, err := config.Parse([]byte(yaml), "campaign.yaml", func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	for i := range 40 {
		bs.AddProfile(standin.BlueskyProfile{DID: fmt.Sprintf("did:plc:camp%02d", i), Handle: fmt.Sprintf("camp%02d.bsky.social", i),
			DisplayName: fmt.Sprintf("Compte %d", i), Followers: 3, Follows: 10, Posts: 5, CreatedAt: time.Now().Add(-400 * 24 * time.Hour)})
	}
	st := testenv.Store(t, cfg)
	b := testenv.Bus(t, cfg)
	env := testenv.Env(t, cfg, b)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	names := map[string]bool{"bluesky": true, "enricher": true, "sink": true, "alerter": true}
	svcs := map[string]service.Func{}
	for n, f := range Services() {
		if names[n] {
			svcs[n] = f
		}
	}
	go func() { done <- service.Group(ctx, env, svcs) }()
	defer func() { cancel(); <-done }()
	// wait for the firehose connection (live tail)
	testenv.Eventually(t, 30*time.Second, "jetstream connected", func() (bool, string) {
		kv, err := b.JS.KeyValue(ctx, "VEILLE_SOURCES")
		if err != nil {
			return false, err.Error()
		}
		_, err = kv.Get(ctx, bus.Token("bsky"))
		return err == nil, fmt.Sprint(err)
	})
	emojis := []string{"😍", "!!", "👍", "", "!!!", "🥰"}
	for i := range 30 { // the campaign: 30 accounts, one post each, within seconds (well inside 5 minutes)
		bs.Post(standin.BlueskyPost{DID: fmt.Sprintf("did:plc:camp%02d", i), RKey: fmt.Sprintf("3kcamp%02d", i), Langs: []string{"fr"},
			Text: fmt.Sprintf("Les yaourts Duval sont vraiment les meilleurs, foncez %s @ami%d", emojis[i%len(emojis)], i)})
	}
	for i := range 10 { // ordinary posts
		bs.Post(standin.BlueskyPost{DID: fmt.Sprintf("did:plc:camp%02d", 30+i), RKey: fmt.Sprintf("3kord%02d", i), Langs: []string{"fr"},
			Text: fmt.Sprintf("Avis %d sur Duval : %s", i, []string{"bon", "cher", "moyen", "correct", "bof", "top", "fade", "crémeux", "acide", "doux"}[i])})
	}
	var suspicious uint64
	testenv.Eventually(t, 60*time.Second, "40 bluesky mentions stored, 21 flagged coordinated", func() (bool, string) {
		n, err := st.CountMentions(ctx, "source_kind = 'bluesky'")
		if err != nil {
			return false, err.Error()
		}
		suspicious, _ = st.CountMentions(ctx, "has(suspicious, 'coordinated')")
		return n == 40 && suspicious == 21, fmt.Sprintf("%d stored, %d flagged", n, suspicious)
	})
	var events []deliver.Payload
	testenv.Eventually(t, 30*time.Second, "the campaign incident", func() (bool, string) {
		events = alertEvents(t, b)
		return len(events) > 0, fmt.Sprint(len(events), " events")
	})
	time.Sleep(2 * time.Second) // anything extra would show up now
	events = alertEvents(t, b)
	ids := map[string]string{}
	for _, e := range events {
		ids[e.Incident.ID] = e.Incident.Brand + "/" + e.Incident.Cause
	}
	if len(ids) != 1 || events[0].Event != "opened" || events[0].Incident.Cause != "coordinated_campaign" || events[0].Incident.Brand != "Duval" {
		t.Fatalf("incidents %v, first event %+v; want one Duval coordinated_campaign", ids, events[0])
	}
	t.Logf("incident %s: %s (%d events)", events[0].Incident.ID, events[len(events)-1].Incident.Detail, len(events))
}

func alertEvents(t *testing.T, b *bus.Bus) []deliver.Payload {
	t.Helper()
	ctx := context.Background()
	cons, err := b.JS.OrderedConsumer(ctx, bus.StreamAlerts, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var out []deliver.Payload
	for {
		mb, err := cons.FetchNoWait(500)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for m := range mb.Messages() {
			n++
			var p deliver.Payload
			if err := json.Unmarshal(m.Data(), &p); err != nil {
				t.Fatal(err)
			}
			out = append(out, p)
		}
		if n == 0 {
			return out
		}
	}
}

// newLoopback serves the stand-in and returns its host:port.
func newLoopback(t *testing.T, bs *standin.Bluesky) string {
	srv := httptest.NewServer(bs.Handler())
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}
