package sink

import (
	"context"
	"time"

	"github.com/veille-oss/veille/pkg/platform/retry"
)

// handoffNakDelay is how long a handed-back batch waits before JetStream
// redelivers it: long enough not to spin, short enough that a healthy
// replica stores it within seconds.
const handoffNakDelay = time.Second

// handBack returns the batch to JetStream (NAK with a delay) so another
// sink replica stores it, unless one of its messages is one delivery away
// from nats.max_deliver: JetStream would then drop it, so this replica
// keeps waiting for its ClickHouse instead. It reports whether it did.
func (s *sink) handBack(items []item, down time.Duration) bool {
	for _, it := range items {
		md, err := it.msg.Metadata()
		if err != nil || md.NumDelivered+1 >= uint64(s.maxDel) {
			return false
		}
	}
	for _, it := range items {
		_ = it.msg.NakWithDelay(handoffNakDelay)
	}
	s.handoffs.Add(float64(len(items)))
	s.log.Warn("clickhouse unreachable; batch handed back for another sink replica", "rows", len(items), "down_for", down.Round(time.Second))
	return true
}

// waitClickHouse blocks until this replica's ClickHouse answers again, so
// it fetches no new batch only to hand it back too.
func (s *sink) waitClickHouse(ctx context.Context) {
	err := retry.Do(ctx, retry.New(200*time.Millisecond, s.env.Config.Sink.MaxBackoff), func(ctx context.Context) error {
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		return s.st.Ping(pctx)
	}, nil)
	if err == nil {
		s.log.Info("clickhouse reachable again; fetching")
	}
}
