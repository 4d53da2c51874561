package alerter_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"gopkg.in/yaml.v3"

	"github.com/veille-oss/veille/pkg/alert"
	"github.com/veille-oss/veille/pkg/alert/deliver"
	"github.com/veille-oss/veille/pkg/platform/bus"
	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/platform/obs"
	"github.com/veille-oss/veille/pkg/platform/service"
	"github.com/veille-oss/veille/pkg/store"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
	"github.com/veille-oss/veille/services/alerter"
)

const hookSecret = "test-secret-0123456789abcdef"

// delivery is one webhook request the receiver accepted.
type delivery struct {
	ID    string
	Event alert.Kind
	Inc   alert.Incident
	At    time.Time
}

// hook is a local webhook receiver that checks signatures.
type hook struct {
	srv *httptest.Server

	mu     sync.Mutex
	got    []delivery
	badSig int
	notify chan delivery
}

func newHook(t *testing.T) *hook {
	h := &hook{notify: make(chan delivery, 10000)}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if !deliver.Verify([]byte(hookSecret), body, r.Header.Get("X-Veille-Signature")) {
			h.mu.Lock()
			h.badSig++
			h.mu.Unlock()
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var p deliver.Payload
		if err := json.Unmarshal(body, &p); err != nil || p.DeliveryID != r.Header.Get("X-Veille-Delivery") {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		d := delivery{ID: p.DeliveryID, Event: p.Event, Inc: p.Incident, At: time.Now()}
		h.mu.Lock()
		h.got = append(h.got, d)
		h.mu.Unlock()
		h.notify <- d
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hook) snapshot() ([]delivery, int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]delivery(nil), h.got...), h.badSig
}

// alertingYAML is the section used by the tests: a 10 s window, a cold
// threshold of 20 negatives, updates at most every second.
func alertingYAML(hookURL string) string {
	s := `
defaults:
  window: 10s
  bucket: 1s
  seasonality: none
  cold_min_count: 20
  update_every: 1s
  resolve_after: 1m
console_base_url: http://127.0.0.1:8080
tick: 200ms
snapshot_every: 500ms
lease_ttl: 3s
`
	if hookURL != "" {
		s += fmt.Sprintf(`channels:
  - {name: hook, type: webhook, url: %q, secret_env: HOOK_SECRET, allow_private: true, rate_per_minute: 60000, burst: 1000}
routes:
  - {min_severity: 1, channels: [hook]}
`, hookURL)
	}
	return s
}

func setAlerting(t *testing.T, cfg *config.Config, src string) {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	cfg.Alerting = *doc.Content[0]
}

func getenv(k string) string {
	if k == "HOOK_SECRET" {
		return hookSecret
	}
	return ""
}

// start runs one alerter instance until the returned stop is called.
func start(t *testing.T, cfg *config.Config, b *bus.Bus, st *store.Store, name string) (stop func()) {
	t.Helper()
	env := &service.Env{Config: cfg, Log: testenv.Logger(t).With("test_instance", name), Bus: b, Metrics: obs.NewRegistry()}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		err := alerter.RunWith(ctx, env, alerter.Options{Instance: name, Store: st, Getenv: getenv})
		if err != nil && ctx.Err() == nil {
			t.Errorf("alerter %s: %v", name, err)
		}
	}()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return stop
}

var seq int

func mk(brand, label string, i int) *mention.Mention {
	seq++
	score := map[string]float64{"neg": -0.8, "neu": 0, "pos": 0.7}[label]
	m := &mention.Mention{
		Brand: brand, SourceKind: mention.KindForum, SourceName: "forum-test",
		URL:         fmt.Sprintf("https://forum.test/t/%s/%d-%d", strings.ToLower(brand), i, seq),
		Title:       "Avis sur " + brand,
		Text:        fmt.Sprintf("Message %d au sujet de %s : franchement déçu, ça ne va pas du tout.", i, brand),
		Author:      mention.Author{Name: fmt.Sprintf("membre%d", i%37)},
		PublishedAt: time.Now().UTC().Add(-time.Minute),
		CollectedAt: time.Now().UTC(),
	}
	m.SetID()
	m.Enrichment = &mention.Enrichment{
		Lang: "fr", LangConfidence: 0.95, InfluenceScore: float64(i % 30),
		Sentiment:  mention.Sentiment{Label: label, Score: score, Confidence: 0.8},
		EnrichedAt: time.Now().UTC(),
	}
	return m
}

// publishAll publishes mentions asynchronously and waits for every ack.
func publishAll(t *testing.T, b *bus.Bus, ms []*mention.Mention) {
	t.Helper()
	futures := make([]jetstream.PubAckFuture, 0, len(ms))
	for _, m := range ms {
		f, err := b.PublishMentionAsync(bus.EnrichedSubject("fr"), m)
		for errors.Is(err, jetstream.ErrTooManyStalledMsgs) {
			// A busy machine acks slower than this loop publishes: wait for
			// the acks in flight, then go on.
			select {
			case <-b.JS.PublishAsyncComplete():
			case <-time.After(30 * time.Second):
				t.Fatal("publish ack timeout")
			}
			f, err = b.PublishMentionAsync(bus.EnrichedSubject("fr"), m)
		}
		if err != nil {
			t.Fatal(err)
		}
		futures = append(futures, f)
	}
	for _, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			t.Fatal(err)
		case <-time.After(30 * time.Second):
			t.Fatal("publish ack timeout")
		}
	}
}

func storm(brand string, n int) []*mention.Mention {
	out := make([]*mention.Mention, n)
	for i := range out {
		out[i] = mk(brand, "neg", i)
	}
	return out
}

// calm is ordinary chatter: mostly positive and neutral, 1 in 50 negative.
func calm(brand string, n int) []*mention.Mention {
	out := make([]*mention.Mention, n)
	for i := range out {
		label := "pos"
		switch {
		case i%50 == 7:
			label = "neg"
		case i%2 == 0:
			label = "neu"
		}
		out[i] = mk(brand, label, i)
	}
	return out
}

// incidents returns incident ids in veille.alerts for the brand, with
// their latest seq (version / 1e6) and event.
func incidents(t *testing.T, st *store.Store, brand string) map[string][2]string {
	t.Helper()
	rows, err := st.Conn.Query(context.Background(), fmt.Sprintf(
		"SELECT incident_id, toString(intDiv(max(version), 1000000)), argMax(event, version) FROM %s.alerts WHERE brand = ? GROUP BY incident_id", st.DB), brand)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string][2]string{}
	for rows.Next() {
		var id, seq, ev string
		if err := rows.Scan(&id, &seq, &ev); err != nil {
			t.Fatal(err)
		}
		out[id] = [2]string{seq, ev}
	}
	return out
}

// streamEvents reads every alert event stored on alerts.<brand>.
func streamEvents(t *testing.T, b *bus.Bus, brand string) []deliver.Payload {
	t.Helper()
	ctx := context.Background()
	cons, err := b.JS.OrderedConsumer(ctx, bus.StreamAlerts, jetstream.OrderedConsumerConfig{FilterSubjects: []string{bus.AlertSubject(brand)}})
	if err != nil {
		t.Fatal(err)
	}
	var out []deliver.Payload
	for {
		mb, err := cons.FetchNoWait(1000)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for m := range mb.Messages() {
			n++
			var p deliver.Payload
			if err := json.Unmarshal(m.Data(), &p); err != nil {
				t.Fatalf("alerts message is not a payload: %v", err)
			}
			out = append(out, p)
		}
		if n == 0 {
			return out
		}
	}
}

// checkDeliveries: every delivery signed, none twice, all for one incident.
func checkDeliveries(t *testing.T, h *hook, brand string) (incident string, events []alert.Kind) {
	t.Helper()
	got, bad := h.snapshot()
	if bad != 0 {
		t.Fatalf("%d deliveries with a bad signature", bad)
	}
	seen := map[string]bool{}
	ids := map[string]bool{}
	for _, d := range got {
		if seen[d.ID] {
			t.Fatalf("delivery %s received twice", d.ID)
		}
		seen[d.ID] = true
		if d.Inc.Brand != brand {
			t.Fatalf("delivery for brand %q, want only %q", d.Inc.Brand, brand)
		}
		ids[d.Inc.ID] = true
		incident = d.Inc.ID
		events = append(events, d.Event)
	}
	if len(ids) != 1 {
		t.Fatalf("deliveries name %d incidents (%v), want exactly 1", len(ids), ids)
	}
	return incident, events
}

func waitIdle(t *testing.T, b *bus.Bus) {
	t.Helper()
	testenv.Eventually(t, 30*time.Second, "alerter consumer drained", func() (bool, string) {
		info, err := consumerInfo(b)
		if err != nil {
			return false, err.Error()
		}
		return info.NumPending == 0 && info.NumAckPending == 0, fmt.Sprintf("pending %d ack-pending %d", info.NumPending, info.NumAckPending)
	})
}

// consumerInfo is the state of the alerter's consumer on the enriched stream.
func consumerInfo(b *bus.Bus) (*jetstream.ConsumerInfo, error) {
	c, err := b.JS.Consumer(context.Background(), bus.StreamEnriched, alerter.Durable)
	if err != nil {
		return nil, err
	}
	return c.Info(context.Background())
}

func waitEvent(t *testing.T, h *hook, kind alert.Kind, timeout time.Duration) delivery {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case d := <-h.notify:
			if d.Event == kind {
				return d
			}
		case <-deadline:
			got, _ := h.snapshot()
			t.Fatalf("no %s delivery within %v (got %d deliveries)", kind, timeout, len(got))
		}
	}
}

func TestStormOpensOneIncidentCalmBrandSilent(t *testing.T) {
	cfg := testenv.Config(t)
	b := testenv.Bus(t, cfg)
	st := testenv.Store(t, cfg)
	h := newHook(t)
	setAlerting(t, cfg, alertingYAML(h.srv.URL))
	start(t, cfg, b, st, "a1")

	publishAll(t, b, calm("Blanchard", 200))
	publishAll(t, b, storm("Duval", 1000))
	publishAll(t, b, calm("Blanchard", 200))
	waitIdle(t, b)
	waitEvent(t, h, alert.Opened, 10*time.Second)
	time.Sleep(2 * time.Second) // a tick flushes the pending update

	inc, events := checkDeliveries(t, h, "Duval")
	if events[0] != alert.Opened {
		t.Fatalf("first delivery is %s, want opened", events[0])
	}
	t.Logf("incident %s: webhook events %v", inc, events)
	if len(events) < 2 {
		t.Fatalf("only %v delivered; a storm of 1000 must escalate or update", events)
	}
	// alerts.<brand>: every event, one incident, seq 1..n in order.
	ps := streamEvents(t, b, "Duval")
	if len(ps) != len(events) {
		t.Fatalf("alerts.duval holds %d events, webhook got %d", len(ps), len(events))
	}
	for i, p := range ps {
		if p.Incident.ID != inc || p.Incident.Seq != i+1 || p.Schema != deliver.SchemaV1 {
			t.Fatalf("alerts.duval[%d] = %s seq %d, want %s seq %d", i, p.Incident.ID, p.Incident.Seq, inc, i+1)
		}
	}
	last := ps[len(ps)-1].Incident
	if last.Counts.Neg != 1000 || last.Counts.Total != 1000 {
		t.Fatalf("last event counts %+v, want all 1000 negatives", last.Counts)
	}
	if last.Link == "" || !strings.HasSuffix(last.Link, "/incidents/"+inc) {
		t.Fatalf("link %q", last.Link)
	}
	if n := len(streamEvents(t, b, "Blanchard")); n != 0 {
		t.Fatalf("calm brand has %d alert events", n)
	}
	// veille.alerts: one incident, latest row = latest event, deliveries recorded.
	testenv.Eventually(t, 20*time.Second, "veille.alerts has the incident's last event with delivered statuses", func() (bool, string) {
		got := incidents(t, st, "Duval")
		row, ok := got[inc]
		if len(got) != 1 || !ok || row[0] != fmt.Sprint(last.Seq) {
			return false, fmt.Sprint(got)
		}
		var deliv string
		if err := st.Conn.QueryRow(context.Background(), fmt.Sprintf(
			"SELECT argMax(deliveries, version) FROM %s.alerts WHERE incident_id = ?", st.DB), inc).Scan(&deliv); err != nil {
			return false, err.Error()
		}
		return strings.Contains(deliv, `"status":"delivered"`), deliv
	})
	if got := incidents(t, st, "Blanchard"); len(got) != 0 {
		t.Fatalf("calm brand has rows in veille.alerts: %v", got)
	}
	var nrows uint64
	if err := st.Conn.QueryRow(context.Background(), fmt.Sprintf("SELECT count() FROM %s.alerts FINAL", st.DB)).Scan(&nrows); err != nil || nrows != 1 {
		t.Fatalf("veille.alerts FINAL has %d rows (err %v), want 1", nrows, err)
	}
}

func TestRestartContinuesTheIncident(t *testing.T) {
	cfg := testenv.Config(t)
	b := testenv.Bus(t, cfg)
	st := testenv.Store(t, cfg)
	h := newHook(t)
	setAlerting(t, cfg, alertingYAML(h.srv.URL))

	stop := start(t, cfg, b, st, "first")
	publishAll(t, b, storm("Duval", 300))
	opened := waitEvent(t, h, alert.Opened, 15*time.Second)
	waitIdle(t, b)
	stop()

	start(t, cfg, b, st, "second")
	publishAll(t, b, storm("Duval", 700))
	waitIdle(t, b)
	time.Sleep(2 * time.Second)

	inc, events := checkDeliveries(t, h, "Duval")
	if inc != opened.Inc.ID {
		t.Fatalf("after restart the incident is %s, want %s", inc, opened.Inc.ID)
	}
	n := 0
	for _, e := range events {
		if e == alert.Opened {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d opened events across the restart (%v), want 1", n, events)
	}
	ps := streamEvents(t, b, "Duval")
	last := ps[len(ps)-1].Incident
	if last.Counts.Neg != 1000 {
		t.Fatalf("incident counts %d negatives after restart, want 1000 (300 before + 700 after)", last.Counts.Neg)
	}
	if got := incidents(t, st, "Duval"); len(got) != 1 {
		t.Fatalf("veille.alerts has %d incidents: %v", len(got), got)
	}
}

func TestTwoInstancesOneIncident(t *testing.T) {
	cfg := testenv.Config(t)
	b := testenv.Bus(t, cfg)
	st := testenv.Store(t, cfg)
	h := newHook(t)
	setAlerting(t, cfg, alertingYAML(h.srv.URL))

	stopA := start(t, cfg, b, st, "inst-a")
	start(t, cfg, b, st, "inst-b")
	time.Sleep(500 * time.Millisecond)
	publishAll(t, b, storm("Duval", 400))
	publishAll(t, b, calm("Voltéo", 300))
	waitEvent(t, h, alert.Opened, 15*time.Second)
	waitIdle(t, b)
	// Whoever leads, stopping one must leave the other to carry on.
	stopA()
	publishAll(t, b, storm("Duval", 600))
	testenv.Eventually(t, 30*time.Second, "all 1000 negatives counted in the incident", func() (bool, string) {
		ps := streamEvents(t, b, "Duval")
		if len(ps) == 0 {
			return false, "no events"
		}
		c := ps[len(ps)-1].Incident.Counts
		return c.Neg == 1000, fmt.Sprint(c)
	})
	time.Sleep(time.Second)
	inc, events := checkDeliveries(t, h, "Duval")
	opened := 0
	for _, e := range events {
		if e == alert.Opened {
			opened++
		}
	}
	if opened != 1 {
		t.Fatalf("%d opened deliveries, want 1: %v", opened, events)
	}
	if n := len(streamEvents(t, b, "Voltéo")); n != 0 {
		t.Fatalf("calm brand has %d alert events", n)
	}
	ps := streamEvents(t, b, "Duval")
	for i, p := range ps {
		if p.Incident.ID != inc || p.Incident.Seq != i+1 {
			t.Fatalf("alerts.duval[%d]: %s seq %d — a second engine emitted events", i, p.Incident.ID, p.Incident.Seq)
		}
	}
	if got := incidents(t, st, "Duval"); len(got) != 1 {
		t.Fatalf("veille.alerts has %d incidents: %v", len(got), got)
	}
}

// TestAlertLatency measures, through the real service, the time from
// publishing the enriched mention that crosses the threshold to the signed
// webhook's arrival, over many brands (one incident each).
func TestAlertLatency(t *testing.T) {
	cfg := testenv.Config(t)
	b := testenv.Bus(t, cfg)
	st := testenv.Store(t, cfg)
	h := newHook(t)
	setAlerting(t, cfg, alertingYAML(h.srv.URL))
	start(t, cfg, b, st, "lat")

	const trials = 40
	var lat []time.Duration
	for i := range trials {
		brand := fmt.Sprintf("Marque%02d", i)
		publishAll(t, b, storm(brand, 19)) // cold_min_count is 20
		waitIdle(t, b)
		trigger := mk(brand, "neg", 999)
		t0 := time.Now()
		publishAll(t, b, []*mention.Mention{trigger})
		d := waitEvent(t, h, alert.Opened, 10*time.Second)
		if d.Inc.Brand != brand {
			t.Fatalf("opened for %s, want %s", d.Inc.Brand, brand)
		}
		lat = append(lat, d.At.Sub(t0))
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	p50, p99 := lat[len(lat)/2], lat[(len(lat)*99+99)/100-1]
	t.Logf("alert latency (publish of the threshold mention -> webhook received), %d incidents: p50 %v, p99 %v, max %v",
		trials, p50.Round(time.Millisecond), p99.Round(time.Millisecond), lat[len(lat)-1].Round(time.Millisecond))
	if p99 > 2*time.Second {
		t.Fatalf("p99 latency %v exceeds 2s", p99)
	}
}

// TestLeaderCrashFailover cuts the leader's NATS connection (no lease
// release, no final snapshot): the standby must take over once the lease
// expires and continue the same incident.
func TestLeaderCrashFailover(t *testing.T) {
	cfg := testenv.Config(t)
	b := testenv.Bus(t, cfg)
	st := testenv.Store(t, cfg)
	h := newHook(t)
	setAlerting(t, cfg, alertingYAML(h.srv.URL))
	own := func() *bus.Bus {
		c := *cfg
		c.NATS.URL = b.Server().ClientURL()
		ob, err := bus.Connect(context.Background(), c.NATS, c.DataDir, testenv.Discard())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(ob.Close)
		return ob
	}
	conns := map[string]*bus.Bus{"x": own(), "y": own()}
	start(t, cfg, conns["x"], st, "x")
	start(t, cfg, conns["y"], st, "y")
	publishAll(t, b, storm("Duval", 300))
	opened := waitEvent(t, h, alert.Opened, 15*time.Second)
	waitIdle(t, b)

	kv, err := b.JS.KeyValue(context.Background(), alerter.Bucket)
	if err != nil {
		t.Fatal(err)
	}
	e, err := kv.Get(context.Background(), "leader")
	if err != nil {
		t.Fatal(err)
	}
	var lv struct{ Holder string }
	if err := json.Unmarshal(e.Value(), &lv); err != nil || conns[lv.Holder] == nil {
		t.Fatalf("lease holder %q (err %v)", lv.Holder, err)
	}
	t.Logf("crashing leader %s", lv.Holder)
	conns[lv.Holder].NC.Close()
	t0 := time.Now()

	publishAll(t, b, storm("Duval", 700))
	testenv.Eventually(t, 30*time.Second, "standby counts all 1000 negatives in the same incident", func() (bool, string) {
		ps := streamEvents(t, b, "Duval")
		if len(ps) == 0 {
			return false, "no events"
		}
		inc := ps[len(ps)-1].Incident
		return inc.Counts.Neg == 1000, fmt.Sprintf("%s %+v", inc.ID, inc.Counts)
	})
	t.Logf("failover: standby carried the incident %v after the crash", time.Since(t0).Round(100*time.Millisecond))
	inc, events := checkDeliveries(t, h, "Duval")
	if inc != opened.Inc.ID {
		t.Fatalf("incident after failover %s, want %s", inc, opened.Inc.ID)
	}
	for i, e := range events {
		if e == alert.Opened && i > 0 {
			t.Fatalf("re-opened after failover: %v", events)
		}
	}
}

// TestHeldMessagesDoNotStallTheConsumer: the leader acks what it processed
// only after a snapshot, and JetStream stops delivering at the consumer's
// max_ack_pending. With the periodic snapshot ten minutes away
// and no incident to force one, the alerter must still snapshot (and ack)
// before it holds that many, or it stalls at max_ack_pending messages per
// snapshot_every: 10,000 per 2 s by default, half of a 10,000/s load.
func TestHeldMessagesDoNotStallTheConsumer(t *testing.T) {
	cfg := testenv.Config(t)
	b := testenv.Bus(t, cfg)
	st := testenv.Store(t, cfg)
	setAlerting(t, cfg, strings.Replace(alertingYAML(""), "snapshot_every: 500ms", "snapshot_every: 10m", 1))
	start(t, cfg, b, st, "a1")

	// Calm chatter over many brands: no rule fires, so no event forces a snapshot.
	const n = 25000
	ms := make([]*mention.Mention, n)
	for i := range ms {
		ms[i] = mk(fmt.Sprintf("Marque%d", i%500), [...]string{"pos", "neu"}[i%2], i)
	}
	publishAll(t, b, ms)
	testenv.Eventually(t, 60*time.Second, "every mention delivered to the alerter", func() (bool, string) {
		info, err := consumerInfo(b)
		if err != nil {
			return false, err.Error()
		}
		return info.NumPending == 0 && info.Delivered.Stream >= n, fmt.Sprintf("pending %d, ack-pending %d (max %d), delivered %d",
			info.NumPending, info.NumAckPending, info.Config.MaxAckPending, info.Delivered.Stream)
	})
}
