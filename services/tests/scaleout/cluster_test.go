package scaleout

import (
	"context"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/pkg/store"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
)

func clusterDir(t *testing.T) string {
	return filepath.Join(testenv.RepoRoot(t), "deploy", "cluster")
}

// natsConfigs parses deploy/cluster/nats/*.conf with the server's own parser.
func natsConfigs(t *testing.T) map[string]*server.Options {
	t.Helper()
	t.Setenv("NATS_VEILLE_PASSWORD", "test-password")
	files, err := filepath.Glob(filepath.Join(clusterDir(t), "nats", "*.conf"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no NATS configs in deploy/cluster/nats: %v", err)
	}
	out := map[string]*server.Options{}
	for _, f := range files {
		o, err := server.ProcessConfigFile(f)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[filepath.Base(f)] = o
	}
	return out
}

func TestNATSClusterConfigs(t *testing.T) {
	opts := natsConfigs(t)
	if len(opts) != 3 {
		t.Fatalf("want 3 NATS nodes (R3 needs 3), have %d", len(opts))
	}
	names := map[string]bool{}
	for f, o := range opts {
		if !o.JetStream {
			t.Errorf("%s: JetStream is off", f)
		}
		if o.StoreDir == "" {
			t.Errorf("%s: no jetstream store_dir", f)
		}
		if o.Cluster.Name != "veille" {
			t.Errorf("%s: cluster name %q, want veille", f, o.Cluster.Name)
		}
		if o.Cluster.Port != 6222 || o.Port != 4222 || o.HTTPPort != 8222 {
			t.Errorf("%s: ports client %d route %d http %d, want 4222/6222/8222", f, o.Port, o.Cluster.Port, o.HTTPPort)
		}
		if names[o.ServerName] {
			t.Errorf("%s: server_name %q used twice", f, o.ServerName)
		}
		names[o.ServerName] = true
		if want := strings.TrimSuffix(f, ".conf"); o.ServerName != want {
			t.Errorf("%s: server_name %q, want %q (file name)", f, o.ServerName, want)
		}
		if len(o.Users) != 1 || o.Users[0].Username != "veille" || o.Users[0].Password != "test-password" {
			t.Errorf("%s: want one user veille with the password from NATS_VEILLE_PASSWORD, got %+v", f, o.Users)
		}
		if o.MaxPayload != 1<<20 {
			t.Errorf("%s: max_payload %d, want 1MB (a mention is bounded to well under it)", f, o.MaxPayload)
		}
	}
	// Every node routes to every node, by the names the nodes have.
	for f, o := range opts {
		var hosts []string
		for _, r := range o.Routes {
			if r.Port() != "6222" {
				t.Errorf("%s: route %s not on the route port", f, r)
			}
			hosts = append(hosts, r.Hostname())
		}
		slices.Sort(hosts)
		var want []string
		for n := range names {
			want = append(want, n)
		}
		slices.Sort(want)
		if !slices.Equal(hosts, want) {
			t.Errorf("%s: routes to %v, want every node %v", f, hosts, want)
		}
	}
}

// TestNATSClusterRuns starts the three configured nodes for real (in this
// process, on free loopback ports, same cluster name and routes topology)
// and has veille create its streams R3 on them.
func TestNATSClusterRuns(t *testing.T) {
	opts := natsConfigs(t)
	names := make([]string, 0, len(opts))
	for f := range opts {
		names = append(names, f)
	}
	slices.Sort(names)
	routePorts := map[string]int{}
	for _, f := range names {
		routePorts[opts[f].ServerName] = freePort(t)
	}
	var servers []*server.Server
	for _, f := range names {
		o := opts[f].Clone()
		o.Host, o.Port, o.HTTPPort = "127.0.0.1", -1, 0
		o.Cluster.Host, o.Cluster.Port = "127.0.0.1", routePorts[o.ServerName]
		o.StoreDir = t.TempDir()
		o.NoSigs, o.NoLog = true, true
		o.JetStreamMaxMemory, o.JetStreamMaxStore = 64<<20, 1<<30
		// Same topology, loopback addresses.
		for i, r := range o.Routes {
			u := *r
			u.Host = fmt.Sprintf("127.0.0.1:%d", routePorts[r.Hostname()])
			o.Routes[i] = &u
		}
		s, err := server.NewServer(o)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		go s.Start()
		t.Cleanup(s.Shutdown)
		servers = append(servers, s)
	}
	for _, s := range servers {
		if !s.ReadyForConnections(20 * time.Second) {
			t.Fatalf("%s not ready", s.Name())
		}
	}
	testenv.Eventually(t, 30*time.Second, "routes between the 3 nodes", func() (bool, string) {
		for _, s := range servers {
			if s.NumRoutes() < 2 {
				return false, fmt.Sprintf("%s has %d routes", s.Name(), s.NumRoutes())
			}
		}
		return true, ""
	})
	cfg := loadClusterVeilleConfig(t)
	cfg.NATS.URL = servers[0].ClientURL()
	cfg.NATS.Password = "test-password"
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	b := connectWithRetry(ctx, t, cfg)
	defer b.Close()
	info, err := b.JS.Stream(ctx, "MENTIONS_RAW")
	if err != nil {
		t.Fatal(err)
	}
	si, err := info.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if si.Config.Replicas != 3 {
		t.Fatalf("MENTIONS_RAW has %d replicas, want 3", si.Config.Replicas)
	}
	if si.Cluster == nil || si.Cluster.Name != "veille" || len(si.Cluster.Replicas) != 2 {
		t.Fatalf("MENTIONS_RAW cluster info %+v: want a leader and 2 replicas in cluster veille", si.Cluster)
	}
}

func loadClusterVeilleConfig(t *testing.T) *config.Config {
	t.Helper()
	cfg, err := config.Load(filepath.Join(clusterDir(t), "veille.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestClusterVeilleConfig(t *testing.T) {
	cfg := loadClusterVeilleConfig(t)
	if cfg.NATS.Replicas != 3 {
		t.Errorf("nats.replicas = %d, want 3", cfg.NATS.Replicas)
	}
	if cfg.ClickHouse.Cluster != "veille" {
		t.Errorf("clickhouse.cluster = %q, want veille", cfg.ClickHouse.Cluster)
	}
	// The NATS URLs name the configured nodes.
	var nodes []string
	for _, o := range natsConfigs(t) {
		nodes = append(nodes, o.ServerName)
	}
	for _, n := range nodes {
		if !strings.Contains(cfg.NATS.URL, "nats://"+n+":4222") {
			t.Errorf("nats.url %q does not list %s", cfg.NATS.URL, n)
		}
	}
	// The ClickHouse addresses are the cluster's replicas.
	rs := readRemoteServers(t)
	var hosts []string
	for _, sh := range rs.cluster(t, "veille").Shards {
		for _, r := range sh.Replicas {
			hosts = append(hosts, fmt.Sprintf("%s:%d", r.Host, r.Port))
		}
	}
	slices.Sort(hosts)
	addrs := slices.Clone(cfg.ClickHouse.Addr)
	slices.Sort(addrs)
	if !slices.Equal(hosts, addrs) {
		t.Errorf("clickhouse.addr %v, want the cluster's replicas %v", addrs, hosts)
	}
}

// ClickHouse XML, the parts veille depends on.
type chConfig struct {
	XMLName       xml.Name `xml:"clickhouse"`
	RemoteServers struct {
		Clusters []chCluster `xml:",any"`
	} `xml:"remote_servers"`
	ZooKeeper struct {
		Nodes []struct {
			Host string `xml:"host"`
			Port int    `xml:"port"`
		} `xml:"node"`
	} `xml:"zookeeper"`
	DistributedDDL struct {
		Path string `xml:"path"`
	} `xml:"distributed_ddl"`
	Macros struct {
		Cluster string `xml:"cluster"`
		Shard   string `xml:"shard"`
		Replica string `xml:"replica"`
	} `xml:"macros"`
	Keeper struct {
		TCPPort  int `xml:"tcp_port"`
		ServerID int `xml:"server_id"`
		Raft     struct {
			Servers []struct {
				ID       int    `xml:"id"`
				Hostname string `xml:"hostname"`
				Port     int    `xml:"port"`
			} `xml:"server"`
		} `xml:"raft_configuration"`
	} `xml:"keeper_server"`
}

type chCluster struct {
	XMLName xml.Name
	Secret  struct {
		FromEnv string `xml:"from_env,attr"`
	} `xml:"secret"`
	Shards []struct {
		InternalReplication bool `xml:"internal_replication"`
		Replicas            []struct {
			Host string `xml:"host"`
			Port int    `xml:"port"`
		} `xml:"replica"`
	} `xml:"shard"`
}

func readCH(t *testing.T, rel string) chConfig {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(clusterDir(t), "clickhouse", rel))
	if err != nil {
		t.Fatal(err)
	}
	var c chConfig
	if err := xml.Unmarshal(data, &c); err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	return c
}

func readRemoteServers(t *testing.T) chConfig { return readCH(t, "common/cluster.xml") }

func (c chConfig) cluster(t *testing.T, name string) chCluster {
	t.Helper()
	for _, cl := range c.RemoteServers.Clusters {
		if cl.XMLName.Local == name {
			return cl
		}
	}
	t.Fatalf("no cluster %q in remote_servers", name)
	return chCluster{}
}

func TestClickHouseClusterConfigs(t *testing.T) {
	common := readRemoteServers(t)
	cl := common.cluster(t, "veille")
	if cl.Secret.FromEnv == "" {
		t.Error("cluster veille: inter-node secret should come from the environment (from_env)")
	}
	if len(cl.Shards) < 1 {
		t.Fatal("cluster veille has no shard")
	}
	// Each replica of the topology is a node directory whose macros say
	// which shard and replica it is, and every node directory is in the topology.
	want := map[string][2]string{} // host -> shard, replica
	for i, sh := range cl.Shards {
		if !sh.InternalReplication {
			t.Errorf("shard %d: internal_replication must be true with Replicated* tables (else every row is written twice)", i+1)
		}
		if len(sh.Replicas) < 2 && len(cl.Shards) > 1 {
			t.Errorf("shard %d has %d replica: a sharded cluster without replicas loses data with a node", i+1, len(sh.Replicas))
		}
		for _, r := range sh.Replicas {
			if r.Port != 9000 {
				t.Errorf("replica %s: port %d, want the native port 9000", r.Host, r.Port)
			}
			if _, dup := want[r.Host]; dup {
				t.Errorf("replica %s appears twice", r.Host)
			}
			want[r.Host] = [2]string{fmt.Sprint(i + 1), r.Host}
		}
	}
	dirs, err := os.ReadDir(filepath.Join(clusterDir(t), "clickhouse", "nodes"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, d := range dirs {
		m := readCH(t, filepath.Join("nodes", d.Name(), "macros.xml")).Macros
		w, ok := want[d.Name()]
		if !ok {
			t.Errorf("node %s is not a replica of cluster veille", d.Name())
			continue
		}
		seen[d.Name()] = true
		if m.Shard != w[0] || m.Replica != w[1] || m.Cluster != "veille" {
			t.Errorf("node %s: macros shard=%q replica=%q cluster=%q, want shard=%q replica=%q cluster=veille", d.Name(), m.Shard, m.Replica, m.Cluster, w[0], w[1])
		}
	}
	for h := range want {
		if !seen[h] {
			t.Errorf("replica %s has no nodes/%s/macros.xml", h, h)
		}
	}
	// Keeper: the ensemble the nodes use is the one the keepers form.
	if common.DistributedDDL.Path == "" {
		t.Error("distributed_ddl path missing: ON CLUSTER needs it")
	}
	keeperFiles, _ := filepath.Glob(filepath.Join(clusterDir(t), "clickhouse", "keeper", "*.xml"))
	if len(keeperFiles) != 3 {
		t.Fatalf("want 3 Keeper nodes (a majority survives one loss), have %d", len(keeperFiles))
	}
	var zk []string
	for _, n := range common.ZooKeeper.Nodes {
		zk = append(zk, fmt.Sprintf("%s:%d", n.Host, n.Port))
	}
	slices.Sort(zk)
	ids := map[int]bool{}
	for _, f := range keeperFiles {
		k := readCH(t, filepath.Join("keeper", filepath.Base(f))).Keeper
		var raft, clientAddrs []string
		var self string
		for _, s := range k.Raft.Servers {
			raft = append(raft, fmt.Sprintf("%d@%s:%d", s.ID, s.Hostname, s.Port))
			clientAddrs = append(clientAddrs, fmt.Sprintf("%s:%d", s.Hostname, k.TCPPort))
			if s.ID == k.ServerID {
				self = s.Hostname
			}
		}
		slices.Sort(clientAddrs)
		if self+".xml" != filepath.Base(f) {
			t.Errorf("%s: server_id %d is not its own entry in raft_configuration", filepath.Base(f), k.ServerID)
		}
		if ids[k.ServerID] {
			t.Errorf("%s: server_id %d used twice", filepath.Base(f), k.ServerID)
		}
		ids[k.ServerID] = true
		if !slices.Equal(clientAddrs, zk) {
			t.Errorf("%s: keepers serve %v, nodes look for %v", filepath.Base(f), clientAddrs, zk)
		}
		if len(raft) != 3 {
			t.Errorf("%s: raft_configuration has %d servers, want 3", filepath.Base(f), len(raft))
		}
	}
}

var (
	createRe = regexp.MustCompile(`(?is)^CREATE (TABLE|DATABASE|MATERIALIZED VIEW|VIEW) IF NOT EXISTS (\S+)`)
	engineRe = regexp.MustCompile(`(?is)ENGINE = (\w+)\(([^)]*)\)`)
)

// TestMigrationsRenderForCluster renders every migration for the cluster
// the config names: ON CLUSTER on every statement, Replicated* engines whose
// Keeper paths use the macros the nodes define, a Distributed table over each
// local table, on the same cluster.
func TestMigrationsRenderForCluster(t *testing.T) {
	cfg := loadClusterVeilleConfig(t)
	migs, err := store.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	data := store.TemplateData{DB: cfg.ClickHouse.Database, Cluster: cfg.ClickHouse.Cluster, Server: store.Version{Major: 24, Minor: 8}}
	macros := readCH(t, "nodes/ch-s1-r1/macros.xml").Macros
	locals, distributed := map[string]bool{}, map[string]bool{}
	replicated := 0
	for _, m := range migs {
		stmts, err := store.Render(m, data)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range stmts {
			name := fmt.Sprintf("%04d_%s", m.Version, m.Name)
			if strings.HasPrefix(strings.ToUpper(st), "INSERT") {
				// Backfills run once, from the node running the migration:
				// through the Distributed tables, so every shard gets its rows.
				if strings.Contains(st, "_local") {
					t.Errorf("%s: backfill touches a _local table (only this node's shard):\n%s", name, st)
				}
				continue
			}
			if !strings.Contains(st, "ON CLUSTER "+cfg.ClickHouse.Cluster) {
				t.Errorf("%s: statement without ON CLUSTER %s:\n%s", name, cfg.ClickHouse.Cluster, st)
			}
			c := createRe.FindStringSubmatch(st)
			if c == nil {
				continue
			}
			e := engineRe.FindStringSubmatch(st)
			if c[1] != "TABLE" || e == nil {
				continue
			}
			table := c[2][strings.IndexByte(c[2], '.')+1:]
			switch {
			case strings.HasPrefix(e[1], "Replicated"):
				replicated++
				if !strings.HasSuffix(table, "_local") {
					t.Errorf("%s: replicated table %s should be a _local table behind a Distributed one", name, table)
				}
				locals[strings.TrimSuffix(table, "_local")] = true
				if macros.Shard == "" || macros.Replica == "" || !strings.Contains(e[2], "{shard}") || !strings.Contains(e[2], "'{replica}'") {
					t.Errorf("%s: %s engine %s(%s) must use the {shard} and {replica} macros the nodes define", name, table, e[1], e[2])
				}
			case e[1] == "Distributed":
				args := strings.Split(e[2], ",")
				if len(args) < 3 || strings.TrimSpace(args[0]) != cfg.ClickHouse.Cluster || strings.TrimSpace(args[2]) != table+"_local" {
					t.Errorf("%s: Distributed(%s) for %s should read %s_local on cluster %s", name, e[2], table, table, cfg.ClickHouse.Cluster)
				}
				distributed[table] = true
			case strings.HasSuffix(e[1], "MergeTree"):
				t.Errorf("%s: %s uses %s: unreplicated on a cluster", name, table, e[1])
			}
		}
	}
	if replicated == 0 || !locals["mentions"] || !distributed["mentions"] {
		t.Fatalf("want ReplicatedReplacingMergeTree mentions_local behind a Distributed mentions; replicated=%d locals=%v distributed=%v", replicated, locals, distributed)
	}
	for l := range locals {
		if !distributed[l] {
			t.Errorf("%s_local has no Distributed %s in front of it", l, l)
		}
	}
}

// TestMigrationsRunSingleNode renders the single-server form of every
// migration and runs it on the local ClickHouse, in a scratch database.
func TestMigrationsRunSingleNode(t *testing.T) {
	cfg := testenv.Config(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	testenv.NeedClickHouse(t, cfg.ClickHouse.Addr)
	st, err := store.Open(ctx, cfg.ClickHouse, testenv.Discard())
	if err != nil {
		t.Fatalf("ClickHouse at %v is needed: %v", cfg.ClickHouse.Addr, err)
	}
	defer st.Close()
	t.Cleanup(func() { _ = st.Conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+cfg.ClickHouse.Database) })
	ver, err := st.ServerVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	migs, err := store.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	data := store.TemplateData{DB: cfg.ClickHouse.Database, Server: ver}
	if err := st.Conn.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+cfg.ClickHouse.Database); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range migs {
		stmts, err := store.Render(m, data)
		if err != nil {
			t.Fatal(err)
		}
		for i, s := range stmts {
			if strings.Contains(s, "ON CLUSTER") || strings.Contains(s, "Replicated") || strings.Contains(s, "Distributed") {
				t.Errorf("%04d_%s statement %d: cluster syntax in the single-server form:\n%s", m.Version, m.Name, i+1, s)
			}
			if err := st.Conn.Exec(ctx, s); err != nil {
				t.Fatalf("%04d_%s statement %d on ClickHouse %d.%d: %v\n%s", m.Version, m.Name, i+1, ver.Major, ver.Minor, err, s)
			}
			n++
		}
	}
	var tables uint64
	if err := st.Conn.QueryRow(ctx, "SELECT count() FROM system.tables WHERE database = ?", cfg.ClickHouse.Database).Scan(&tables); err != nil {
		t.Fatal(err)
	}
	if n == 0 || tables < 2 {
		t.Fatalf("ran %d statements, %d tables created", n, tables)
	}
}
