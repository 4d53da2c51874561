package enricher_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"gopkg.in/yaml.v3"

	"github.com/veille-oss/veille/pkg/enrich/influence"
	"github.com/veille-oss/veille/pkg/platform/bus"
	"github.com/veille-oss/veille/pkg/tooling/loadgen"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
	"github.com/veille-oss/veille/services/enricher"
)

// TestShutdownFlushesInfluence pins the enricher's lifecycle: when Run
// returns, the influence state of the mentions it enriched is in KV, so the
// caller may close the bus at once. The periodic flush is set to an hour,
// so only the shutdown flush can have written it.
func TestShutdownFlushesInfluence(t *testing.T) {
	cfg := testenv.Config(t)
	if err := yaml.Unmarshal([]byte("flush_interval: 1h\n"), &cfg.Influence); err != nil {
		t.Fatal(err)
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

	g := &loadgen.Generator{Seed: 3}
	const n = 20
	for i := range n {
		if err := b.PublishMention(ctx, bus.RawSubject("web"), g.Mention(i)); err != nil {
			t.Fatal(err)
		}
	}
	testenv.Eventually(t, 30*time.Second, "all mentions enriched", func() (bool, string) {
		s, err := b.JS.Stream(ctx, bus.StreamEnriched)
		if err != nil {
			return false, err.Error()
		}
		return s.CachedInfo().State.Msgs >= n, ""
	})
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("enricher did not stop within 30s")
	}
	kv, err := b.JS.KeyValue(context.Background(), influence.BucketName)
	if err != nil {
		t.Fatal(err)
	}
	lister, err := kv.ListKeys(context.Background())
	if err != nil && err != jetstream.ErrNoKeysFound {
		t.Fatal(err)
	}
	keys := 0
	if lister != nil {
		for range lister.Keys() {
			keys++
		}
	}
	if keys == 0 {
		t.Fatal("no influence state in KV after Run returned: the shutdown flush did not happen before it")
	}
	t.Logf("%d influence keys flushed at shutdown", keys)
}
