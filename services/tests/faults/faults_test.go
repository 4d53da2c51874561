package faults

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/veille-oss/veille/pkg/platform/bus"
	"github.com/veille-oss/veille/pkg/store"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
	"github.com/veille-oss/veille/services/sink"
)

// pipeline is NATS, a private ClickHouse and the enricher and sink as
// separate `veille run` processes.
type pipeline struct {
	dir      string
	cfg      string
	nats     *natsServer
	ch       *testenv.ClickHouseServer
	pub      *bus.Bus
	st       *store.Store
	enricher *proc
	sink     *proc
}

func startPipeline(t *testing.T) *pipeline {
	t.Helper()
	p := &pipeline{dir: t.TempDir()}
	p.ch = testenv.StartClickHouse(t)
	p.nats = startNATS(t, "")
	p.cfg = writeConfig(t, p.dir, pipeConfig{NATSURL: p.nats.URL(), CHAddr: p.ch.Addr()})
	p.pub = connectBus(t, p.nats.URL(), "")
	p.sink = startProc(t, p.dir, p.cfg, "sink")
	p.enricher = startProc(t, p.dir, p.cfg, "enricher")
	p.sink.waitReady(60 * time.Second)
	p.enricher.waitReady(60 * time.Second)
	p.st = openStore(t, p.ch.Addr())
	t.Cleanup(func() {
		if t.Failed() {
			for _, pr := range []*proc{p.sink, p.enricher} {
				l := pr.logs()
				t.Logf("---- %s log (last 4 KB):\n%s", pr.name, l[max(0, len(l)-4096):])
			}
		}
	})
	return p
}

// seedWhere selects loadgen's mentions of one seed (urls end in /<seed>-<i>).
func seedWhere(seed uint64) string { return fmt.Sprintf("url LIKE '%%/%d-%%'", seed) }

// countWhere returns rows after FINAL, distinct ids and physical rows matching where.
func countWhere(t testing.TB, st *store.Store, where string) (final, distinct, physical uint64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var err error
	if final, err = st.CountMentions(ctx, where); err != nil {
		t.Fatalf("count: %v", err)
	}
	if err := st.Conn.QueryRow(ctx, "SELECT uniqExact(id), count() FROM "+st.DB+".mentions WHERE "+where).Scan(&distinct, &physical); err != nil {
		t.Fatalf("count distinct: %v", err)
	}
	return
}

// waitWhere waits until `where` matches want mentions after FINAL.
func waitWhere(t testing.TB, st *store.Store, where string, want uint64, timeout time.Duration) {
	t.Helper()
	testenv.Eventually(t, timeout, fmt.Sprintf("%d mentions where %s", want, where), func() (bool, string) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		n, err := st.CountMentions(ctx, where)
		return err == nil && n >= want, fmt.Sprintf("%d (err %v)", n, err)
	})
}

// faultRun publishes n raw mentions of seed at rate/s while fault runs in
// parallel; fault returns when the broken part is back. It then checks that
// every mention is stored exactly once after FINAL and records the row.
func faultRun(t *testing.T, p *pipeline, table *faultTable, name string, seed uint64, n int, rate float64, fault func(t *testing.T) time.Time) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	pubDone := make(chan error, 1)
	go func() {
		_, err := publish(ctx, p.pub, seed, n, rate, nil)
		pubDone <- err
	}()
	back := fault(t)
	if err := <-pubDone; err != nil {
		t.Fatalf("publish: %v", err)
	}
	where := seedWhere(seed)
	waitWhere(t, p.st, where, uint64(n), 120*time.Second)
	recovery := time.Since(back)
	final, distinct, physical := countWhere(t, p.st, where)
	t.Logf("%s: published %d, final %d, distinct %d, physical %d, recovered in %s", name, n, final, distinct, physical, recovery.Round(time.Millisecond))
	if final != uint64(n) || distinct != uint64(n) {
		t.Fatalf("%s: published %d, rows after FINAL %d, distinct ids %d: want each equal", name, n, final, distinct)
	}
	table.add(faultRow{fault: name, published: uint64(n), stored: final, physical: physical, recovery: recovery})
}

func TestFaults(t *testing.T) {
	p := startPipeline(t)
	table := &faultTable{}
	t.Cleanup(func() { t.Logf("fault table:\n%s", table) })

	t.Run("enricher_sigkill", func(t *testing.T) {
		faultRun(t, p, table, "enricher SIGKILL+restart", 101, 8000, 2000, func(t *testing.T) time.Time {
			time.Sleep(1500 * time.Millisecond)
			if err := p.enricher.signal(syscall.SIGKILL); err == nil {
				t.Fatal("enricher exited cleanly on SIGKILL?")
			}
			time.Sleep(time.Second)
			p.enricher.start()
			return time.Now()
		})
	})

	t.Run("sink_sigkill", func(t *testing.T) {
		faultRun(t, p, table, "sink SIGKILL+restart", 102, 8000, 2000, func(t *testing.T) time.Time {
			time.Sleep(1500 * time.Millisecond)
			_ = p.sink.signal(syscall.SIGKILL)
			time.Sleep(time.Second)
			p.sink.start()
			return time.Now()
		})
	})

	t.Run("nats_restart", func(t *testing.T) {
		faultRun(t, p, table, "NATS restart on its store", 103, 8000, 2000, func(t *testing.T) time.Time {
			time.Sleep(1500 * time.Millisecond)
			p.nats.stop()
			time.Sleep(2 * time.Second)
			p.nats.start()
			return time.Now()
		})
		for _, pr := range []*proc{p.enricher, p.sink} {
			if !pr.running() {
				t.Fatalf("%s exited during the NATS restart", pr.name)
			}
		}
	})

	t.Run("clickhouse_down_30s", func(t *testing.T) {
		before := redeliveries(t, p.pub, bus.StreamEnriched, sink.Durable)
		faultRun(t, p, table, "ClickHouse down 30s", 104, 8000, 2000, func(t *testing.T) time.Time {
			time.Sleep(1500 * time.Millisecond)
			p.ch.Kill()
			down := time.Now()
			// /readyz of the sink reports the outage without naming the
			// failing dependency to whoever asks (its log does).
			testenv.Eventually(t, 15*time.Second, "sink /readyz 503", func() (bool, string) {
				code, body := p.sink.readyz()
				return code == http.StatusServiceUnavailable && body == "not ready", fmt.Sprintf("%d %q", code, body)
			})
			time.Sleep(30*time.Second - time.Since(down))
			p.ch.Start()
			back := time.Now()
			p.sink.waitReady(30 * time.Second)
			return back
		})
		if !p.sink.running() {
			t.Fatal("sink exited during the ClickHouse outage")
		}
		// The sink holds its batch through the outage (keeping it with
		// in-progress acks) instead of abandoning it to redelivery, where
		// max_deliver would end up dropping it.
		if n := redeliveries(t, p.pub, bus.StreamEnriched, sink.Durable) - before; n != 0 {
			t.Fatalf("%d enriched messages redelivered to the sink during the outage, want 0", n)
		}
	})

	t.Run("poison_raw_message", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		// Watch the dead letters of the raw stream from now on.
		dl, err := p.pub.JS.OrderedConsumer(ctx, bus.StreamDeadLetter, jetstream.OrderedConsumerConfig{
			FilterSubjects: []string{bus.SubjectDeadPrefix + bus.Token(bus.StreamRaw)},
			// The ordered consumer is created at the first Next: read from the start.
			DeliverPolicy: jetstream.DeliverAllPolicy,
		})
		if err != nil {
			t.Fatal(err)
		}
		faultRun(t, p, table, "poison raw message", 105, 4000, 2000, func(t *testing.T) time.Time {
			time.Sleep(500 * time.Millisecond)
			msg := nats.NewMsg(bus.RawSubject("web"))
			msg.Data = []byte(`{"schema":"veille.mention.v1","id":"not-a-mention","text":`)
			msg.Header.Set(nats.MsgIdHdr, "faults-poison-1")
			if _, err := p.pub.JS.PublishMsg(ctx, msg); err != nil {
				t.Fatal(err)
			}
			return time.Now()
		})
		m, err := dl.Next(jetstream.FetchMaxWait(30 * time.Second))
		if err != nil {
			t.Fatalf("no dead letter for the poison message: %v", err)
		}
		reason := m.Headers().Get(bus.HeaderReason)
		if string(m.Data()) != `{"schema":"veille.mention.v1","id":"not-a-mention","text":` || reason == "" ||
			m.Headers().Get(bus.HeaderOrigSubject) != bus.RawSubject("web") {
			t.Fatalf("dead letter %q on %s, headers %v", m.Data(), m.Subject(), m.Headers())
		}
		t.Logf("poison dead-lettered on %s: %s", m.Subject(), reason)
	})

	t.Run("slow_source", func(t *testing.T) {
		slowSource(t, p, table)
	})

	for _, pr := range []*proc{p.enricher, p.sink} {
		if !pr.running() {
			t.Errorf("%s is not running at the end", pr.name)
		}
	}
}

// slowSource runs the crawler on two sites: one answers each page in 12 s,
// the other at once. The fast site's mentions must flow while the slow one
// is still answering, and the crawler must not crash.
func slowSource(t *testing.T, p *pipeline, table *faultTable) {
	const pages = 12
	var slowHits, slowServed atomic.Int32
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		slowHits.Add(1)
		select {
		case <-time.After(12 * time.Second):
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, article("Lenteur", "Un article très lent sur Duval et ses yaourts, publié après une longue attente du serveur."))
		slowServed.Add(1)
	}))
	defer slow.Close()
	fast := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		switch {
		case r.URL.Path == "/robots.txt":
			http.NotFound(w, r)
		case r.URL.Path == "/":
			var sb strings.Builder
			sb.WriteString("<html><head><title>Accueil</title></head><body><h1>Le blog</h1><ul>")
			for i := range pages {
				fmt.Fprintf(&sb, `<li><a href="/article-%d">Article %d</a></li>`, i, i)
			}
			sb.WriteString("</ul></body></html>")
			fmt.Fprint(w, sb.String())
		case strings.HasPrefix(r.URL.Path, "/article-"):
			n := strings.TrimPrefix(r.URL.Path, "/article-")
			fmt.Fprint(w, article("Article "+n, fmt.Sprintf("Billet numéro %s : les yaourts Duval sont bons, le service client répond vite et la livraison numéro %s était à l'heure.", n, n)))
		default:
			http.NotFound(w, r)
		}
	}))
	defer fast.Close()
	dir := t.TempDir()
	cfg := writeConfig(t, dir, pipeConfig{NATSURL: p.nats.URL(), CHAddr: p.ch.Addr(), Extra: fmt.Sprintf(`crawler: {rate_per_host: 50, concurrency_per_host: 2, timeout: 30s, interval: 1h}
brands: [{name: Duval, query: '=Duval'}]
sources:
  - {kind: web, name: slow-site, seeds: [%q], allow_private: true, max_depth: 1}
  - {kind: web, name: fast-site, seeds: [%q], allow_private: true, max_depth: 1}
`, slow.URL+"/", fast.URL+"/")})
	t0 := time.Now()
	crawler := startProc(t, dir, cfg, "crawler")
	defer func() {
		if t.Failed() {
			l := crawler.logs()
			t.Logf("---- crawler log (last 4 KB):\n%s", l[max(0, len(l)-4096):])
		}
		_ = crawler.signal(syscall.SIGTERM)
	}()
	fastWhere := "source_name = 'fast-site'"
	waitWhere(t, p.st, fastWhere, pages, 60*time.Second)
	flowed := time.Since(t0)
	if slowServed.Load() != 0 || slowHits.Load() == 0 {
		t.Fatalf("fast site's %d mentions stored after %s, slow site hits %d served %d: want the slow page still pending",
			pages, flowed, slowHits.Load(), slowServed.Load())
	}
	waitWhere(t, p.st, "source_name = 'slow-site'", 1, 60*time.Second)
	if !crawler.running() {
		t.Fatal("crawler exited")
	}
	final, distinct, physical := countWhere(t, p.st, "source_name IN ('fast-site', 'slow-site')")
	if final != pages+1 || distinct != pages+1 {
		t.Fatalf("stored after FINAL %d, distinct %d, want %d", final, distinct, pages+1)
	}
	t.Logf("slow source: fast site's %d mentions stored %s after the crawler started, slow page still pending", pages, flowed.Round(time.Millisecond))
	table.add(faultRow{fault: "slow source (12s/page)", published: pages + 1, stored: final, physical: physical, recovery: flowed})
}

func article(title, text string) string {
	return fmt.Sprintf(`<!doctype html><html lang="fr"><head><title>%s</title><meta name="author" content="Camille"></head>
<body><header><nav><a href="/">Accueil</a></nav></header><article><h1>%s</h1>
<time datetime="2025-03-01T10:00:00Z">1 mars 2025</time>
<p>%s</p><p>Un second paragraphe pour que l'extracteur voie un vrai texte d'article, avec assez de mots pour passer ses seuils.</p>
</article><footer>© blog</footer></body></html>`, title, title, text)
}

// redeliveries is how many deliveries of the durable were redeliveries:
// its consumer sequence counts every delivery, its stream sequence each
// message once (the durable sees every message of its stream).
func redeliveries(t testing.TB, b *bus.Bus, stream, durable string) int64 {
	t.Helper()
	ci := consumerInfo(t, b, stream, durable)
	return int64(ci.Delivered.Consumer) - int64(ci.Delivered.Stream)
}
