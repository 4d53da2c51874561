package bus_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/veille-oss/veille/pkg/platform/bus"
	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
)

// BenchmarkDedupIndexMemory measures what nats-server keeps per message of
// the duplicate window, for the Msg-Id veille sends (bus.MsgID) and for the
// readable "<id>.<hash>" it replaced: heap in use after a GC, before and
// after publishing n messages. "none" publishes without a Msg-Id: its
// figure is the stream's own buffers, to subtract from the others.
func BenchmarkDedupIndexMemory(b *testing.B) {
	const n = 100_000
	ids := map[string]func(m *mention.Mention) string{
		"none":      nil,
		"digest-16": bus.MsgID,
		"readable-49": func(m *mention.Mention) string {
			return m.ID + "." + "0123456789abcdef"
		},
	}
	for _, name := range []string{"none", "digest-16", "readable-49"} {
		msgID := ids[name]
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				cfg := testenv.Config(b)
				cfg.NATS.DedupWindow = 10 * time.Minute
				bb := testenv.Bus(b, cfg)
				ctx := context.Background()
				before := heapInUse()
				payload := []byte(`{"x":1}`)
				var futs []jetstream.PubAckFuture
				wait := func() {
					for _, f := range futs {
						select {
						case <-f.Ok():
						case err := <-f.Err():
							b.Fatal(err)
						case <-ctx.Done():
						}
					}
					futs = futs[:0]
				}
				for i := range n {
					var opts []jetstream.PublishOpt
					if msgID != nil {
						m := &mention.Mention{ID: fmt.Sprintf("%032x", i), ContentHash: "0123456789abcdef"}
						opts = append(opts, jetstream.WithMsgID(msgID(m)))
					}
					f, err := bb.JS.PublishAsync(bus.RawSubject("web"), payload, opts...)
					if err != nil {
						b.Fatal(err)
					}
					if futs = append(futs, f); len(futs) == 2000 {
						wait()
					}
				}
				wait()
				after := heapInUse()
				b.ReportMetric(float64(after-before)/n, "heap-B/msg")
			}
		})
	}
}

func heapInUse() int64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapInuse)
}
