package alerter

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/veille-oss/veille/pkg/alert"
	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/tooling/loadgen"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
)

// TestSaveReusesWriterAndLoadsLatest: one stateStore saves several
// snapshots of different sizes with its reused gzip writer and buffer;
// each load gives back exactly the engine state of the last save.
func TestSaveReusesWriterAndLoadsLatest(t *testing.T) {
	ctx := context.Background()
	kv := stateBucket(t)
	now := time.Date(2026, 3, 14, 10, 0, 0, 0, time.UTC)
	e := alert.NewEngine(alert.Config{}, func() time.Time { return now })
	ss := &stateStore{kv: kv, holder: "test"}
	g := &loadgen.Generator{Seed: 4, Now: now}
	i := 0
	for _, n := range []int{10, 3000, 1, 500} {
		for range n {
			m := g.Mention(i)
			m.Brand = fmt.Sprintf("Marque%d", i%(1+n/10))
			m.CollectedAt = now.Add(time.Duration(i) * 100 * time.Millisecond)
			m.Enrichment = &mention.Enrichment{Lang: "fr", Sentiment: mention.Sentiment{Label: [...]string{"neg", "neu", "pos"}[i%3]}}
			e.Observe(m)
			i++
		}
		if _, err := ss.save(ctx, e); err != nil {
			t.Fatal(err)
		}
		want, err := e.Snapshot()
		if err != nil {
			t.Fatal(err)
		}
		fresh := alert.NewEngine(alert.Config{}, func() time.Time { return now })
		ok, err := (&stateStore{kv: kv, holder: "reader"}).load(ctx, fresh)
		if err != nil || !ok {
			t.Fatalf("load after %d mentions: %v %v", i, ok, err)
		}
		got, err := fresh.Snapshot()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("after %d mentions the loaded state differs from the saved one (%d vs %d bytes)", i, len(got), len(want))
		}
	}
}

// stateBucket is the alerter's state KV bucket on an embedded NATS of the test's own.
func stateBucket(t testing.TB) jetstream.KeyValue {
	t.Helper()
	b := testenv.Bus(t, testenv.Config(t))
	kv, err := b.JS.CreateOrUpdateKeyValue(context.Background(), jetstream.KeyValueConfig{Bucket: Bucket, History: 1, Storage: jetstream.FileStorage})
	if err != nil {
		t.Fatal(err)
	}
	return kv
}
