package faults

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/veille-oss/veille/pkg/platform/bus"
	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/pkg/tooling/loadgen"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
)

var natsRoles = []string{"collector", "enricher", "sink", "alerter", "console", "admin"}

func natsPassword(role string) string { return "pw-" + role + "-for-tests" }

// startConfiguredNATS parses deploy/nats/nats.conf and runs it on a free
// port with a temp store.
func startConfiguredNATS(t *testing.T) *server.Server {
	t.Helper()
	for _, r := range natsRoles {
		t.Setenv("VEILLE_NATS_"+strings.ToUpper(r)+"_PASSWORD", natsPassword(r))
	}
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	opts, err := server.ProcessConfigFile(filepath.Join(root, "deploy", "nats", "nats.conf"))
	if err != nil {
		t.Fatalf("deploy/nats/nats.conf: %v", err)
	}
	got := map[string]bool{}
	for _, u := range opts.Users {
		got[u.Username] = true
		if u.Password == "" || strings.HasPrefix(u.Password, "$") {
			t.Errorf("user %s: password not taken from the environment (%q)", u.Username, u.Password)
		}
		if u.Username != "admin" && u.Permissions == nil {
			t.Errorf("user %s has no permissions block: it could do anything", u.Username)
		}
	}
	for _, r := range natsRoles {
		if !got[r] {
			t.Errorf("nats.conf has no user %q", r)
		}
	}
	if !opts.JetStream || opts.MaxPayload != 1<<20 {
		t.Errorf("jetstream %v, max_payload %d", opts.JetStream, opts.MaxPayload)
	}
	opts.Host, opts.Port, opts.StoreDir = "127.0.0.1", testenv.FreePort(t), t.TempDir()
	opts.NoSigs, opts.NoLog = true, true
	srv, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(20 * time.Second) {
		t.Fatal("nats-server with nats.conf not ready")
	}
	t.Cleanup(func() { srv.Shutdown(); srv.WaitForShutdown() })
	return srv
}

// roleConn is a connection that records the server's permission errors.
type roleConn struct {
	nc   *nats.Conn
	mu   sync.Mutex
	errs []string
}

func connectRole(t *testing.T, url, role string) *roleConn {
	t.Helper()
	rc := &roleConn{}
	nc, err := nats.Connect(url, nats.UserInfo(role, natsPassword(role)), nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
		rc.mu.Lock()
		rc.errs = append(rc.errs, err.Error())
		rc.mu.Unlock()
	}))
	if err != nil {
		t.Fatalf("connect as %s: %v", role, err)
	}
	t.Cleanup(nc.Close)
	rc.nc = nc
	return rc
}

// denied reports whether the server refused op on subject.
func (rc *roleConn) denied(t *testing.T, op, subject string) bool {
	t.Helper()
	var err error
	switch op {
	case "pub":
		err = rc.nc.Publish(subject, []byte("x"))
	case "sub":
		var sub *nats.Subscription
		sub, err = rc.nc.SubscribeSync(subject)
		if err == nil {
			defer sub.Unsubscribe()
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := rc.nc.Flush(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Second)
	for time.Now().Before(deadline) {
		rc.mu.Lock()
		for _, e := range rc.errs {
			if strings.Contains(e, "Permissions Violation") && strings.Contains(e, `"`+subject+`"`) {
				rc.mu.Unlock()
				return true
			}
		}
		rc.mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

func TestNATSConfPermissions(t *testing.T) {
	srv := startConfiguredNATS(t)
	url := srv.ClientURL()
	if _, err := nats.Connect(url, nats.UserInfo("collector", "wrong")); err == nil {
		t.Fatal("wrong password accepted")
	}
	if _, err := nats.Connect(url); err == nil {
		t.Fatal("anonymous connection accepted")
	}
	cases := []struct {
		role, op, subject string
		deny              bool
	}{
		{"collector", "pub", "mentions.raw.web", false},
		{"collector", "pub", "$KV.VEILLE_CRAWL.page.x", false},
		{"collector", "pub", "mentions.enriched.fr", true},
		{"collector", "pub", "alerts.duval", true},
		{"collector", "pub", "deadletter.mentions_raw", true},
		{"collector", "pub", "$KV.VEILLE_ALERTER.lease", true},
		{"collector", "pub", "$JS.API.STREAM.DELETE.MENTIONS_RAW", true},
		{"collector", "pub", "$JS.API.STREAM.PURGE.MENTIONS_RAW", true},
		{"collector", "sub", "mentions.enriched.>", true},
		{"enricher", "pub", "mentions.enriched.fr", false},
		{"enricher", "pub", "deadletter.mentions_raw", false},
		{"enricher", "pub", "mentions.raw.web", true},
		{"enricher", "pub", "alerts.duval", true},
		{"enricher", "pub", "$JS.ACK.MENTIONS_ENRICHED.sink.1.1.1.1.1", true},
		{"sink", "pub", "deadletter.mentions_enriched", false},
		{"sink", "pub", "mentions.enriched.fr", true},
		{"sink", "pub", "mentions.raw.web", true},
		{"sink", "pub", "$JS.API.CONSUMER.MSG.NEXT.MENTIONS_RAW.enricher", true},
		{"alerter", "pub", "alerts.duval", false},
		{"alerter", "pub", "$KV.VEILLE_ALERTER.lease", false},
		{"alerter", "pub", "mentions.raw.web", true},
		{"alerter", "pub", "mentions.enriched.fr", true},
		{"console", "sub", "mentions.enriched.>", false},
		{"console", "sub", "mentions.raw.>", true},
		{"console", "pub", "mentions.raw.web", true},
		{"console", "pub", "mentions.enriched.fr", true},
		{"console", "pub", "alerts.duval", true},
		{"console", "pub", "$KV.VEILLE_SOURCES.web.x", true},
		{"console", "pub", "$KV.VEILLE_CONSOLE_SESSIONS.s0123", false},
		{"collector", "pub", "$KV.VEILLE_CONSOLE_SESSIONS.s0123", true},
		{"alerter", "pub", "$KV.VEILLE_CONSOLE_SESSIONS.s0123", true},
		{"console", "pub", "$JS.API.STREAM.DELETE.MENTIONS_ENRICHED", true},
		{"console", "pub", "$JS.API.CONSUMER.DELETE.MENTIONS_ENRICHED.sink", true},
	}
	conns := map[string]*roleConn{}
	for _, c := range cases {
		rc := conns[c.role]
		if rc == nil {
			rc = connectRole(t, url, c.role)
			conns[c.role] = rc
		}
		if got := rc.denied(t, c.op, c.subject); got != c.deny {
			t.Errorf("%s %s %s: denied=%v, want %v", c.role, c.op, c.subject, got, c.deny)
		}
	}

	// Each role can do its actual job through veille's own client code.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	connect := func(role string) *bus.Bus {
		nc := config.Default().NATS
		nc.URL, nc.User, nc.Password = url, role, config.Secret(natsPassword(role))
		b, err := bus.Connect(ctx, nc, t.TempDir(), slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatalf("%s: bus.Connect: %v", role, err)
		}
		t.Cleanup(b.Close)
		return b
	}
	collector := connect("collector")
	if n, err := loadgen.Publish(ctx, collector, &loadgen.Generator{Seed: 9}, loadgen.Options{Count: 10}); err != nil || n != 10 {
		t.Fatalf("collector publish: %d, %v", n, err)
	}
	kv, err := collector.JS.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "VEILLE_SOURCES"})
	if err != nil {
		t.Fatalf("collector KV bucket: %v", err)
	}
	if _, err := kv.Put(ctx, "web.blog", []byte(`{"name":"blog"}`)); err != nil {
		t.Fatalf("collector KV put: %v", err)
	}

	enricher := connect("enricher")
	cons, err := enricher.Consumer(ctx, bus.ConsumerConfig{Stream: bus.StreamRaw, Durable: "enricher", FilterSubjects: []string{bus.SubjectRawPrefix + ">"}})
	if err != nil {
		t.Fatalf("enricher consumer: %v", err)
	}
	batch, err := cons.Fetch(10, jetstream.FetchMaxWait(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for m := range batch.Messages() {
		if _, err := enricher.JS.Publish(ctx, bus.EnrichedSubject("fr"), m.Data()); err != nil {
			t.Fatalf("enricher publish: %v", err)
		}
		if err := m.DoubleAck(ctx); err != nil {
			t.Fatalf("enricher ack: %v", err)
		}
		n++
	}
	if n != 10 {
		t.Fatalf("enricher got %d of 10 (%v)", n, batch.Error())
	}
	// A refused request gets no answer: wait briefly, not the whole budget.
	short, cancelShort := context.WithTimeout(ctx, 2*time.Second)
	defer cancelShort()
	if _, err := enricher.Consumer(short, bus.ConsumerConfig{Stream: bus.StreamEnriched, Durable: "sink"}); err == nil {
		t.Fatal("enricher could create the sink's consumer")
	}

	sink := connect("sink")
	scons, err := sink.Consumer(ctx, bus.ConsumerConfig{Stream: bus.StreamEnriched, Durable: "sink", FilterSubjects: []string{bus.SubjectEnrichedPrefix + ">"}})
	if err != nil {
		t.Fatalf("sink consumer: %v", err)
	}
	m, err := scons.Next(jetstream.FetchMaxWait(5 * time.Second))
	if err != nil || m.DoubleAck(ctx) != nil {
		t.Fatalf("sink fetch/ack: %v", err)
	}

	console := connect("console")
	oc, err := console.JS.OrderedConsumer(ctx, bus.StreamEnriched, jetstream.OrderedConsumerConfig{FilterSubjects: []string{bus.SubjectEnrichedPrefix + ">"}})
	if err != nil {
		t.Fatalf("console ordered consumer: %v", err)
	}
	if _, err := oc.Next(jetstream.FetchMaxWait(5 * time.Second)); err != nil {
		t.Fatalf("console reads the enriched stream: %v", err)
	}
	ckv, err := console.JS.KeyValue(ctx, "VEILLE_SOURCES")
	if err != nil {
		t.Fatalf("console KV: %v", err)
	}
	if e, err := ckv.Get(ctx, "web.blog"); err != nil || string(e.Value()) != `{"name":"blog"}` {
		t.Fatalf("console KV get: %v", err)
	}
	short2, cancelShort2 := context.WithTimeout(ctx, 2*time.Second)
	defer cancelShort2()
	if _, err := ckv.Put(short2, "web.blog", []byte("defaced")); err == nil {
		t.Fatal("console could write source health")
	}
	if err := console.JS.DeleteStream(short2, bus.StreamEnriched); err == nil || errors.Is(err, jetstream.ErrStreamNotFound) {
		t.Fatalf("console deleting a stream: %v, want a refusal", err)
	}
	// The console keeps its login sessions in its own bucket, and nobody
	// else may write there.
	skv, err := console.JS.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "VEILLE_CONSOLE_SESSIONS", History: 1, TTL: 12 * time.Hour})
	if err != nil {
		t.Fatalf("console sessions bucket: %v", err)
	}
	if _, err := skv.Put(ctx, "s0123", []byte(`{"user":"alice"}`)); err != nil {
		t.Fatalf("console session put: %v", err)
	}
	if e, err := skv.Get(ctx, "s0123"); err != nil || string(e.Value()) != `{"user":"alice"}` {
		t.Fatalf("console session get: %v", err)
	}
	if err := skv.Delete(ctx, "s0123"); err != nil {
		t.Fatalf("console session delete: %v", err)
	}
	// (Other roles writing there are refused: see the table above.)
}
