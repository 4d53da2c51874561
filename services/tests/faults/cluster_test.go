package faults

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/veille-oss/veille/pkg/platform/bus"
	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/pkg/store"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
)

// EnvCluster names the variable make test-cluster sets once
// deploy/cluster/local.sh has started ZooKeeper and the four ClickHouse nodes.
const EnvCluster = "VEILLE_CLUSTER"

// clusterScript runs deploy/cluster/local.sh with args (same VEILLE_DATA and
// ports as the make target that started the cluster).
func clusterScript(t *testing.T, args ...string) string {
	t.Helper()
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(root, "deploy", "cluster", "local.sh"), args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("local.sh %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// natsCluster is three real nats-servers in this process, routed as the
// cluster "veille", each on a fixed port and store so one can be stopped
// and started again.
type natsCluster struct{ nodes []*natsServer }

func startNATSCluster(t *testing.T) *natsCluster {
	t.Helper()
	var routePorts [3]int
	var routes []*url.URL
	for i := range routePorts {
		routePorts[i] = testenv.FreePort(t)
		routes = append(routes, &url.URL{Scheme: "nats", Host: fmt.Sprintf("127.0.0.1:%d", routePorts[i])})
	}
	c := &natsCluster{}
	for i := range 3 {
		n := &natsServer{t: t, opts: server.Options{
			ServerName: fmt.Sprintf("nats-%d", i+1),
			Host:       "127.0.0.1",
			Port:       testenv.FreePort(t),
			JetStream:  true,
			StoreDir:   t.TempDir(),
			NoSigs:     true,
			NoLog:      true,
			MaxPayload: 1 << 20,
			Cluster:    server.ClusterOpts{Name: "veille", Host: "127.0.0.1", Port: routePorts[i]},
			Routes:     routes,
		}}
		n.opts.JetStreamMaxMemory, n.opts.JetStreamMaxStore = 64<<20, 4<<30
		c.nodes = append(c.nodes, n)
	}
	// Start all three before waiting: a node waits for its peers' routes.
	for _, n := range c.nodes {
		opts := n.opts
		srv, err := server.NewServer(&opts)
		if err != nil {
			t.Fatalf("nats-server: %v", err)
		}
		go srv.Start()
		n.srv = srv
		t.Cleanup(n.stop)
	}
	for _, n := range c.nodes {
		if !n.srv.ReadyForConnections(30 * time.Second) {
			t.Fatalf("%s not ready", n.opts.ServerName)
		}
	}
	testenv.Eventually(t, 60*time.Second, "JetStream meta leader of the 3-node cluster", func() (bool, string) {
		for _, n := range c.nodes {
			if n.srv.JetStreamIsLeader() {
				return true, ""
			}
		}
		return false, "no leader yet"
	})
	return c
}

// URL lists every node, as nats.url does for a cluster.
func (c *natsCluster) URL() string {
	var us []string
	for _, n := range c.nodes {
		us = append(us, n.URL())
	}
	return strings.Join(us, ",")
}

// TestClusterExactlyOnceUnderFaults runs the scale-out topology for real on
// one machine: a 3-node NATS cluster with R3 streams, ZooKeeper and four
// ClickHouse 18.16 servers (2 shards x 2 replicas, ReplicatedReplacingMergeTree
// behind Distributed tables, created by the same migrations ON CLUSTER), two
// copies of the enricher, sink and alerter. Under a 100,000-mention load it
// kill -9s one ClickHouse replica, stops one NATS node and kill -9s one copy
// of the services, brings them back, and checks every mention is stored
// exactly once (FINAL through the Distributed table) and that the replica
// that was down caught up. Then it stops ZooKeeper for 30 s under load: the
// inserts fail (tables read-only), are retried, and nothing is lost.
//
// Needs `make test-cluster` (deploy/cluster/local.sh start): skipped otherwise.
func TestClusterExactlyOnceUnderFaults(t *testing.T) {
	if os.Getenv(EnvCluster) != "1" {
		t.Skipf("skipped: the loopback ClickHouse cluster runs under make test-cluster (%s=1)", EnvCluster)
	}
	count := 100_000
	if v := os.Getenv("VEILLE_CLUSTER_COUNT"); v != "" {
		fmt.Sscan(v, &count)
	}
	addrs := strings.Split(clusterScript(t, "addrs"), ",")
	if len(addrs) != 4 {
		t.Fatalf("local.sh addrs = %v, want 4 nodes", addrs)
	}
	nc := startNATSCluster(t)
	db := fmt.Sprintf("veille_cl_%d", rand.IntN(1_000_000))

	cc := config.Default().ClickHouse
	cc.Addr, cc.Database, cc.Cluster, cc.DialTimeout = addrs, db, "veille", 2*time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	st, err := store.Open(ctx, cc, testenv.Discard())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatalf("migrate ON CLUSTER: %v", err)
	}
	t.Cleanup(func() {
		dctx, dcancel := context.WithTimeout(context.Background(), time.Minute)
		defer dcancel()
		_ = st.Conn.Exec(dctx, "DROP DATABASE IF EXISTS "+db+" ON CLUSTER veille")
	})

	// The streams, R3, before the services start: a fresh cluster may still
	// be placing its first assets.
	nopts := config.Default().NATS
	nopts.URL, nopts.Replicas = nc.URL(), 3
	var pub *bus.Bus
	testenv.Eventually(t, 2*time.Minute, "R3 streams created on the NATS cluster", func() (bool, string) {
		cctx, ccancel := context.WithTimeout(ctx, 20*time.Second)
		defer ccancel()
		b, err := bus.Connect(cctx, nopts, t.TempDir(), testenv.Discard())
		if err != nil {
			return false, err.Error()
		}
		pub = b
		return true, ""
	})
	t.Cleanup(pub.Close)

	dir := t.TempDir()
	quoted := make([]string, len(addrs))
	for i, a := range addrs {
		quoted[i] = fmt.Sprintf("%q", a)
	}
	procs := make([]*proc, 2)
	for i := range procs {
		d := filepath.Join(dir, fmt.Sprintf("copy%d", i+1))
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		y := fmt.Sprintf(`data_dir: %q
log: {level: info, format: text}
nats: {url: %q, replicas: 3, ack_wait: 10s}
clickhouse: {addr: [%s], database: %s, cluster: veille, dial_timeout: 2s}
sink: {batch_rows: 5000, flush_interval: 300ms, max_backoff: 2s}
enricher: {workers: 1, batch: 500}
`, filepath.Join(d, "data"), nc.URL(), strings.Join(quoted, ", "), db)
		p := filepath.Join(d, "veille.yaml")
		if err := os.WriteFile(p, []byte(y), 0o600); err != nil {
			t.Fatal(err)
		}
		procs[i] = startProc(t, d, p, "enricher,sink,alerter")
	}
	t.Cleanup(func() {
		if t.Failed() {
			for i, p := range procs {
				l := p.logs()
				t.Logf("copy %d log (last 3000 bytes):\n%s", i+1, l[max(0, len(l)-3000):])
			}
		}
	})
	for _, p := range procs {
		p.waitReady(2 * time.Minute)
	}

	// Phase 1: the load, and a replica, a NATS node and a copy of the services
	// lost and brought back while it runs.
	t0 := time.Now()
	pubDone := make(chan error, 1)
	go func() {
		_, err := publish(ctx, pub, 1, count, 4000, nil)
		pubDone <- err
	}()
	at := func(d time.Duration) { time.Sleep(time.Until(t0.Add(d))) }
	at(4 * time.Second)
	clusterScript(t, "kill", "s1r2")
	t.Logf("%s: kill -9 ClickHouse s1r2", time.Since(t0).Round(time.Second))
	at(8 * time.Second)
	nc.nodes[2].stop()
	t.Logf("%s: NATS node 3 stopped", time.Since(t0).Round(time.Second))
	at(12 * time.Second)
	_ = procs[1].signal(syscall.SIGKILL)
	t.Logf("%s: kill -9 copy 2 (enricher, sink, alerter)", time.Since(t0).Round(time.Second))
	at(18 * time.Second)
	clusterScript(t, "start-node", "s1r2")
	nc.nodes[2].start()
	procs[1].start()
	t.Logf("%s: s1r2, NATS node 3 and copy 2 back", time.Since(t0).Round(time.Second))
	if err := <-pubDone; err != nil {
		t.Fatalf("publish: %v", err)
	}
	wait := 3*time.Minute + time.Duration(count/200)*time.Second
	waitDistributed(t, st, uint64(count), wait)
	t.Logf("phase 1: %d mentions stored exactly once %s after the first publish", count, time.Since(t0).Round(time.Second))
	checkReplicasAgree(t, db, addrs)

	// Phase 2: ZooKeeper down for 30 s under load.
	more := count / 10
	clusterScript(t, "zk-stop")
	t1 := time.Now()
	go func() {
		_, err := publish(ctx, pub, 2, more, float64(more)/20, nil)
		pubDone <- err
	}()
	time.Sleep(time.Until(t1.Add(30 * time.Second)))
	clusterScript(t, "zk-start")
	t.Logf("ZooKeeper back after %s", time.Since(t1).Round(time.Second))
	if err := <-pubDone; err != nil {
		t.Fatalf("publish during the ZooKeeper outage: %v", err)
	}
	waitDistributed(t, st, uint64(count+more), wait)
	checkReplicasAgree(t, db, addrs)
	logs := procs[0].logs() + procs[1].logs()
	if !strings.Contains(logs, "insert failed; retrying") {
		t.Errorf("no sink logged a retried insert while ZooKeeper was down")
	}
	t.Logf("phase 2: %d more stored exactly once after a 30 s ZooKeeper outage, %s after it began", more, time.Since(t1).Round(time.Second))
}

// waitDistributed waits until the Distributed table holds want mentions
// after FINAL and as distinct ids, then checks no id is stored twice.
func waitDistributed(t *testing.T, st *store.Store, want uint64, timeout time.Duration) {
	t.Helper()
	waitStored(t, st, want, timeout)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	final, distinct, physical, err := counts(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if final != want || distinct != want {
		t.Fatalf("FINAL %d, distinct ids %d (physical rows %d): want exactly %d", final, distinct, physical, want)
	}
	t.Logf("FINAL %d = distinct %d (physical rows before merges %d)", final, distinct, physical)
}

// checkReplicasAgree waits until both replicas of each shard hold the same
// mentions: a replica that was down has caught up from the replication log.
func checkReplicasAgree(t *testing.T, db string, addrs []string) {
	t.Helper()
	stores := make([]*store.Store, len(addrs))
	for i, a := range addrs {
		cc := config.Default().ClickHouse
		cc.Addr, cc.Database, cc.DialTimeout = []string{a}, db, 2*time.Second
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		s, err := store.Open(ctx, cc, testenv.Discard())
		cancel()
		if err != nil {
			t.Fatalf("replica %s: %v", a, err)
		}
		defer s.Close()
		stores[i] = s
	}
	local := func(s *store.Store) (uint64, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var n uint64
		err := s.Conn.QueryRow(ctx, "SELECT uniqExact(id) FROM "+db+".mentions_local").Scan(&n)
		return n, err
	}
	for shard := 0; shard < 2; shard++ {
		a, b := stores[2*shard], stores[2*shard+1]
		testenv.Eventually(t, 3*time.Minute, fmt.Sprintf("shard %d: both replicas hold the same mentions", shard+1), func() (bool, string) {
			na, ea := local(a)
			nb, eb := local(b)
			return ea == nil && eb == nil && na == nb && na > 0, fmt.Sprintf("%s %d (%v), %s %d (%v)", addrs[2*shard], na, ea, addrs[2*shard+1], nb, eb)
		})
	}
}
