package bench

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/veille-oss/veille/pkg/platform/bus"
	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/store"
	"github.com/veille-oss/veille/pkg/tooling/loadgen"
)

// ceilingBatchRows is the ClickHouse ceiling's batch size (the sink's default).
const ceilingBatchRows = 10000

func measureCeilings(ctx context.Context, opt Options, st *store.Store, natsDir string) (*Ceilings, error) {
	c := &Ceilings{Messages: opt.Count, CHBatchRows: ceilingBatchRows}
	pub, cons, err := jetstreamCeiling(ctx, opt, natsDir)
	if err != nil {
		return nil, fmt.Errorf("%w: jetstream ceiling: %w", errBench, err)
	}
	c.JSPublish, c.JSConsume = pub, cons
	if pub > 0 && cons > 0 {
		c.JSBoth = 1 / (1/pub + 1/cons)
	}
	ins, err := clickhouseCeiling(ctx, opt, st)
	if err != nil {
		return nil, fmt.Errorf("%w: clickhouse ceiling: %w", errBench, err)
	}
	c.CHInsert = ins
	return c, nil
}

// jetstreamCeiling publishes Count 1 KB messages with a Msg-Id to a fresh
// embedded server (async, 4000 in flight, every ack awaited), then consumes
// and acks them all with a durable pull consumer, the way the services do.
func jetstreamCeiling(ctx context.Context, opt Options, dir string) (pubRate, consRate float64, err error) {
	cfg := config.Default().NATS
	cfg.Embedded.Listen = "127.0.0.1:0"
	cfg.Embedded.StoreDir = dir
	b, err := bus.Connect(ctx, cfg, dir, opt.Log)
	if err != nil {
		return 0, 0, err
	}
	defer b.Close()
	const stream = "BENCH_CEILING"
	if _, err := b.JS.CreateStream(ctx, jetstream.StreamConfig{
		Name: stream, Subjects: []string{"bench.ceiling.>"}, Storage: jetstream.FileStorage, Duplicates: 2 * time.Minute,
	}); err != nil {
		return 0, 0, err
	}
	payload := []byte(strings.Repeat("x", 1024))
	const window = 4000
	futs := make([]jetstream.PubAckFuture, 0, window)
	wait := func(keep int) error {
		for len(futs) > keep {
			select {
			case <-futs[0].Ok():
			case err := <-futs[0].Err():
				return err
			case <-ctx.Done():
				return ctx.Err()
			}
			futs = futs[1:]
		}
		return nil
	}
	t0 := time.Now()
	for i := 0; i < opt.Count; i++ {
		f, err := b.JS.PublishAsync("bench.ceiling.x", payload, jetstream.WithMsgID("m"+strconv.Itoa(i)))
		if err != nil {
			return 0, 0, err
		}
		futs = append(futs, f)
		if len(futs) >= window {
			if err := wait(window / 2); err != nil {
				return 0, 0, err
			}
		}
	}
	if err := wait(0); err != nil {
		return 0, 0, err
	}
	pubRate = float64(opt.Count) / time.Since(t0).Seconds()

	cons, err := b.Consumer(ctx, bus.ConsumerConfig{Stream: stream, Durable: "ceiling", MaxAckPending: 50000})
	if err != nil {
		return 0, 0, err
	}
	t0 = time.Now()
	got := 0
	for got < opt.Count && ctx.Err() == nil {
		res, err := cons.Fetch(500, jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			return 0, 0, err
		}
		n := 0
		for m := range res.Messages() {
			_ = m.Ack()
			n++
		}
		if n == 0 {
			return 0, 0, fmt.Errorf("consumed %d of %d then nothing for 2s", got, opt.Count)
		}
		got += n
	}
	// The last acks must have reached the server for the rate to be honest.
	if err := b.NC.Flush(); err != nil && err != nats.ErrConnectionClosed {
		return 0, 0, err
	}
	consRate = float64(got) / time.Since(t0).Seconds()
	return pubRate, consRate, ctx.Err()
}

// clickhouseCeiling inserts Count loadgen mentions in batches of 10k rows,
// with the sink's columns and row conversion, into a scratch copy of the
// mentions table.
func clickhouseCeiling(ctx context.Context, opt Options, st *store.Store) (float64, error) {
	table := st.DB + ".ceiling"
	if err := st.Conn.Exec(ctx, fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s AS %s.mentions", table, st.DB)); err != nil {
		return 0, err
	}
	g := &loadgen.Generator{Seed: 9001, Brands: brands(opt.Base)}
	rows := make([][]any, opt.Count)
	for i := range rows {
		m := g.Mention(i)
		m.Enrichment = fakeEnrichment()
		rows[i] = store.Row(m, nil)
	}
	q := fmt.Sprintf("INSERT INTO %s (%s)", table, strings.Join(store.MentionColumns, ", "))
	t0 := time.Now()
	for start := 0; start < len(rows); start += ceilingBatchRows {
		batch, err := st.Conn.PrepareBatch(ctx, q)
		if err != nil {
			return 0, err
		}
		for _, r := range rows[start:min(start+ceilingBatchRows, len(rows))] {
			if err := batch.Append(r...); err != nil {
				batch.Abort()
				return 0, err
			}
		}
		if err := batch.Send(); err != nil {
			return 0, err
		}
	}
	return float64(len(rows)) / time.Since(t0).Seconds(), nil
}

// fakeEnrichment fills the enrichment columns the way the enricher would,
// so the ceiling rows are as wide as the pipeline's.
func fakeEnrichment() *mention.Enrichment {
	return &mention.Enrichment{
		Lang: "fr", LangConfidence: 0.98,
		Sentiment:  mention.Sentiment{Label: "neg", Score: -0.6, Confidence: 0.8, Evidence: []string{"nul", "retard"}},
		EnrichedAt: time.Now().UTC(), AuthorKey: "example.fr/jdupont", DupCluster: "0123456789abcdef",
	}
}

func brands(c *config.Config) []string {
	var out []string
	for _, b := range c.Brands {
		out = append(out, b.Name)
	}
	return out
}
