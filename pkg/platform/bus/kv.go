package bus

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/veille-oss/veille/pkg/platform/retry"
)

// KeyValue creates or updates a KV bucket, retrying while JetStream cannot
// answer yet (a cluster still placing its assets, a node restarting) for up
// to a minute (a wrong configuration fails after that minute too), so a service starting beside a fresh cluster waits instead of
// exiting. Replicas 0 means 1.
func (b *Bus) KeyValue(ctx context.Context, cfg jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	if cfg.Replicas == 0 {
		cfg.Replicas = 1
	}
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	var kv jetstream.KeyValue
	err := retry.Do(wctx, retry.New(250*time.Millisecond, 5*time.Second), func(ctx context.Context) error {
		actx, acancel := context.WithTimeout(ctx, 10*time.Second)
		defer acancel()
		var err error
		kv, err = b.JS.CreateOrUpdateKeyValue(actx, cfg)
		return err
	}, func(_ int, err error, wait time.Duration) {
		b.log.Warn("kv bucket not ready; retrying", "bucket", cfg.Bucket, "err", err, "backoff", wait)
	})
	if err != nil {
		return nil, fmt.Errorf("kv bucket %s: %w", cfg.Bucket, err)
	}
	return kv, nil
}
