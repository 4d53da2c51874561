// Package bench measures veille on the machine it runs on: the end-to-end
// pipeline (loadgen -> NATS -> enricher -> sink -> ClickHouse) and its
// stages, next to the raw ceilings of the same machine measured in the same
// run (JetStream publish and consume, ClickHouse native batch insert), so a
// number always comes with what the hardware allowed.
//
// The package does not import the services (they depend on pkg, not the
// reverse): the caller hands it the enricher and sink entry points, the
// enrichment processor and, for the memory figure, the command line of a
// pipeline process to start.
package bench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/platform/service"
	"github.com/veille-oss/veille/pkg/store"
)

// errBench wraps every failure of a benchmark stage; the message names the stage.
var errBench = errors.New("benchmark failed")

// Enricher enriches one mention in place (the enricher's processor); Close
// flushes its state while the bus is still up.
type Enricher interface {
	Process(ctx context.Context, m *mention.Mention) error
	Close(ctx context.Context) error
}

// Options say what to measure and with what.
type Options struct {
	// Count is the number of mentions of the end-to-end flood and of each
	// ceiling run. Default 100000.
	Count int
	// Duration is how long the paced latency phase publishes. Default 10s.
	Duration time.Duration
	// Rate is the paced phase's publish rate in mentions/s. Default 10000.
	Rate float64
	// ClickHouse is where the scratch database is created (its Database is
	// ignored: a fresh veille_bench_* database is used and dropped).
	ClickHouse config.ClickHouse
	// Base is the pipeline configuration to start from (brands, enricher and
	// sink settings). Nil: config.Default().
	Base *config.Config
	// Services run the pipeline in-process when Command is empty: they
	// must hold "enricher" and "sink".
	Services map[string]service.Func
	// Command, when set, is the argv of a pipeline process to start
	// (e.g. [veille run]); "--config FILE --services enricher,sink" is
	// appended. Its resident memory is sampled under load.
	Command []string
	// NewEnrich builds the processor for the per-core enrichment stage on
	// an environment the benchmark provides. Nil skips the stage.
	NewEnrich func(ctx context.Context, env *service.Env) (Enricher, error)
	// Alerts is the number of incidents opened to measure alert latency
	// (the pipeline then runs the alerter too); 0 leaves it out and AlertNA
	// says why.
	Alerts  int
	AlertNA string
	// Skip names stages to leave out: "ceilings", "enrich", "crawl", "pipeline".
	Skip []string
	// NATSServer, when set, is the path of a nats-server binary the
	// pipeline process uses instead of its embedded server (Command must be
	// set): the docker compose / Kubernetes topology. Its memory and CPU are
	// reported beside veille run's.
	NATSServer string
	// ProfileDir, when set, receives Go profiles of the pipeline process
	// (Command must be set): flood-cpu.pprof over the flood and
	// flood-heap.pprof at its end, through the child's metrics.pprof.
	ProfileDir string
	// Log receives progress; nil discards.
	Log *slog.Logger
}

func (o *Options) defaults() {
	if o.Count <= 0 {
		o.Count = 100000
	}
	if o.Duration <= 0 {
		o.Duration = 10 * time.Second
	}
	if o.Rate <= 0 {
		o.Rate = 10000
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Base == nil {
		o.Base = config.Default()
	}
	if len(o.ClickHouse.Addr) == 0 {
		o.ClickHouse = o.Base.ClickHouse
	}
}

func (o *Options) skip(stage string) bool { return slices.Contains(o.Skip, stage) }

// Machine describes where the numbers were taken.
type Machine struct {
	CPUs       int    `json:"cpus"`
	GoMaxProcs int    `json:"gomaxprocs"`
	Go         string `json:"go"`
	NATS       string `json:"nats_server"`
	ClickHouse string `json:"clickhouse"`
	OS         string `json:"os"`
}

// Ceilings are the raw rates of the machine, measured in the same run.
type Ceilings struct {
	JSPublish   float64 `json:"jetstream_publish_per_s"`     // async publish, 1 KB, Msg-Id, acked
	JSConsume   float64 `json:"jetstream_consume_per_s"`     // pull fetch + ack
	JSBoth      float64 `json:"jetstream_pub_consume_per_s"` // one message through publish and consume
	CHInsert    float64 `json:"clickhouse_insert_rows_per_s"`
	CHBatchRows int     `json:"clickhouse_batch_rows"`
	Messages    int     `json:"messages"`
}

// Pipeline is the end-to-end measurement.
type Pipeline struct {
	Mode      string  `json:"mode"` // "process" (a child veille run), "process + nats-server" or "in-process"
	Count     int     `json:"count"`
	Seconds   float64 `json:"seconds"`
	PerSec    float64 `json:"per_s"`
	PublishPS float64 `json:"publish_per_s"` // how fast loadgen filled the stream
	// AlerterPS is count / time from the flood's start until the alerter's
	// consumer had nothing pending (it reads the enriched stream beside the
	// sink); 0 without the alerter.
	AlerterPS float64 `json:"alerter_per_s,omitempty"`
	Stored    uint64  `json:"stored_rows"`
	Distinct  uint64  `json:"stored_distinct"`
	Latency   Latency `json:"latency"`
	// RSSPacedMaxMB is the pipeline process's peak resident memory during
	// the paced phase; RSSMaxMB and RSSMeanMB are over the flood.
	RSSPacedMaxMB float64 `json:"rss_paced_max_mb,omitempty"`
	RSSMaxMB      float64 `json:"rss_flood_max_mb,omitempty"`
	RSSMeanMB     float64 `json:"rss_flood_mean_mb,omitempty"`
	RSSSamples    int     `json:"rss_flood_samples,omitempty"`
	RSSNA         string  `json:"rss_na,omitempty"`
	// Alert is publish of the threshold-crossing raw mention -> webhook
	// received, through enricher and alerter, with the pipeline otherwise idle.
	Alert *AlertLatency `json:"alert,omitempty"`
	// AlertLoaded is the same, measured during the paced phase: incidents
	// opened while the pipeline carries the paced rate (the situation a bad
	// buzz actually arrives in).
	AlertLoaded *AlertLatency `json:"alert_under_load,omitempty"`
	// CPU is the CPU time per mention over the flood, split by process
	// (ClickHouse: inserts, materialized views, merges, the bench's polls).
	CPU CPUSplit `json:"cpu"`
	// With Options.NATSServer: the nats-server process's peak resident
	// memory in the paced phase and flood.
	NATSRSSPacedMaxMB float64 `json:"nats_server_rss_paced_max_mb,omitempty"`
	NATSRSSMaxMB      float64 `json:"nats_server_rss_flood_max_mb,omitempty"`
	// Redelivered is, per durable consumer, how many messages JetStream
	// delivered more than once over the whole run: work done twice (an
	// ack that came after ack_wait), invisible in the row count because
	// Msg-Id and the table's key swallow the copies.
	Redelivered []Redelivery `json:"redelivered,omitempty"`
}

// Redelivery is how many messages a durable consumer got more than once.
type Redelivery struct {
	Consumer string `json:"consumer"`
	Messages uint64 `json:"messages"`
}

// Latency is publish -> queryable in ClickHouse at a paced rate.
type Latency struct {
	Rate      float64 `json:"rate"`      // requested mentions/s
	Achieved  float64 `json:"achieved"`  // published mentions/s
	Published int     `json:"published"` // mentions of the paced phase
	Samples   int     `json:"samples"`   // sampled ids
	Missing   int     `json:"missing"`   // sampled ids never seen
	P50ms     float64 `json:"p50_ms"`
	P99ms     float64 `json:"p99_ms"`
	Maxms     float64 `json:"max_ms"`
	Pollms    float64 `json:"poll_ms"` // polling period: the resolution of these numbers
	// StoredPerSec is Published / (first publish -> all of them in
	// ClickHouse): the rate the pipeline absorbed the paced phase at.
	StoredPerSec float64 `json:"stored_per_sec"`
	// FirstP50ms and LastP50ms are the median latencies of the samples
	// published in the first and the last fifth of the phase; KeptUp is
	// false when the latency grew by more than KeptUpSlack between them
	// (a backlog building up: the rate is not sustained).
	FirstP50ms float64 `json:"first_fifth_p50_ms"`
	LastP50ms  float64 `json:"last_fifth_p50_ms"`
	// LastMissing counts samples of the last fifth never seen stored.
	LastMissing int  `json:"last_fifth_missing"`
	KeptUp      bool `json:"kept_up"`
	// CPU is the CPU time per mention over the phase (first publish -> all
	// stored): the cost at a steady rate.
	CPU CPUSplit `json:"cpu"`
}

// KeptUpSlack is how much the median latency may grow from the first to the
// last fifth of the paced phase for the rate to count as sustained.
const KeptUpSlack = time.Second

// AlertLatency is measured over Incidents incidents, one brand each.
type AlertLatency struct {
	Incidents int `json:"incidents"`
	Missing   int `json:"missing"` // no webhook within 15 s
	// MissingBrands names them.
	MissingBrands []string `json:"missing_brands,omitempty"`
	P50ms         float64  `json:"p50_ms"`
	P99ms         float64  `json:"p99_ms"`
}

// Result is everything one run measured.
type Result struct {
	Machine       Machine   `json:"machine"`
	Started       time.Time `json:"started"`
	Ceilings      *Ceilings `json:"ceilings,omitempty"`
	Pipeline      *Pipeline `json:"pipeline,omitempty"`
	EnrichPerCore float64   `json:"enrich_texts_per_s_per_core,omitempty"`
	EnrichNA      string    `json:"enrich_na,omitempty"`
	EnrichTexts   int       `json:"enrich_texts,omitempty"`
	CrawlPerSec   float64   `json:"crawl_pages_per_s,omitempty"`
	CrawlPages    int       `json:"crawl_pages,omitempty"`
	AlertNA       string    `json:"alert_na,omitempty"`
	Ratios        Ratios    `json:"ratios"`
	// ScratchDB is the ClickHouse database the run used and dropped.
	ScratchDB string `json:"scratch_db"`
}

// Ratios compare the pipeline with the ceilings (0 when not measured).
type Ratios struct {
	IngestVsJS        float64 `json:"ingest_vs_jetstream"`  // e2e / JetStream publish+consume
	IngestVsCH        float64 `json:"ingest_vs_clickhouse"` // e2e / ClickHouse insert
	IngestVsCeiling   float64 `json:"ingest_vs_ceiling"`    // e2e / min(both)
	EnrichCoresNeeded float64 `json:"enrich_cores_for_ingest"`
	// SeriesBound is what the machine allows if every mention costs its
	// stages at their measured ceilings, one after the other on the whole
	// machine: two JetStream publishes (raw, enriched), one consume per
	// consumer (enricher, sink, alerter), one ClickHouse row and one
	// enrichment on every CPU. It leaves out the codec, the alerter's
	// engine, influence and the GC of the services, so the pipeline can
	// only come under it; IngestVsBound is e2e / SeriesBound.
	SeriesBound   float64 `json:"series_bound_per_s,omitempty"`
	IngestVsBound float64 `json:"ingest_vs_series_bound,omitempty"`
	Consumes      int     `json:"consumes_per_mention,omitempty"`
}

// Run measures every stage not skipped, in an order that keeps them from
// competing for the CPUs: ceilings, enrichment, crawl, then the pipeline.
func Run(ctx context.Context, opt Options) (*Result, error) {
	opt.defaults()
	res := &Result{Started: time.Now().UTC(), AlertNA: opt.AlertNA}
	res.Machine = Machine{CPUs: runtime.NumCPU(), GoMaxProcs: runtime.GOMAXPROCS(0), Go: runtime.Version(),
		NATS: server.VERSION, OS: runtime.GOOS + "/" + runtime.GOARCH}

	scratch := opt.ClickHouse
	scratch.Database = fmt.Sprintf("veille_bench_%d_%d", time.Now().Unix()%1_000_000, rand.IntN(10000))
	res.ScratchDB = scratch.Database
	st, err := store.Open(ctx, scratch, opt.Log)
	if err != nil {
		return nil, fmt.Errorf("%w: clickhouse: %w", errBench, err)
	}
	defer st.Close()
	if v, err := st.ServerVersion(ctx); err == nil {
		res.Machine.ClickHouse = fmt.Sprintf("%d.%d", v.Major, v.Minor)
	}
	var raw string
	if err := st.Conn.QueryRow(ctx, "SELECT version()").Scan(&raw); err == nil {
		res.Machine.ClickHouse = raw
	}
	// The scratch database goes away whatever happens.
	defer func() {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if err := st.Conn.Exec(dctx, "DROP DATABASE IF EXISTS "+scratch.Database); err != nil {
			opt.Log.Warn("scratch database not dropped", "db", scratch.Database, "err", err)
		}
	}()
	if _, err := st.Migrate(ctx); err != nil {
		return nil, fmt.Errorf("%w: scratch migrations: %w", errBench, err)
	}

	tmp, err := os.MkdirTemp("", "veille-bench-")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errBench, err)
	}
	defer os.RemoveAll(tmp)

	if !opt.skip("ceilings") {
		opt.Log.Info("bench: ceilings")
		c, err := measureCeilings(ctx, opt, st, filepath.Join(tmp, "ceil-nats"))
		if err != nil {
			return res, err
		}
		res.Ceilings = c
	}
	if !opt.skip("enrich") {
		opt.Log.Info("bench: enrichment per core")
		if opt.NewEnrich == nil {
			res.EnrichNA = "no enrichment processor given"
		} else {
			n, rate, err := measureEnrich(ctx, opt, filepath.Join(tmp, "enrich-nats"))
			if err != nil {
				return res, err
			}
			res.EnrichTexts, res.EnrichPerCore = n, rate
		}
	}
	if !opt.skip("crawl") {
		opt.Log.Info("bench: crawl")
		n, rate, err := measureCrawl(ctx, opt)
		if err != nil {
			return res, err
		}
		res.CrawlPages, res.CrawlPerSec = n, rate
	}
	if !opt.skip("pipeline") {
		opt.Log.Info("bench: pipeline")
		p, err := measurePipeline(ctx, opt, st, scratch, filepath.Join(tmp, "pipeline"))
		if p != nil {
			res.Pipeline = p
		}
		if err != nil {
			return res, err
		}
	}
	res.ratios()
	return res, nil
}

func (r *Result) ratios() {
	if r.Pipeline == nil || r.Pipeline.PerSec == 0 {
		return
	}
	e := r.Pipeline.PerSec
	if c := r.Ceilings; c != nil {
		if c.JSBoth > 0 {
			r.Ratios.IngestVsJS = e / c.JSBoth
		}
		if c.CHInsert > 0 {
			r.Ratios.IngestVsCH = e / c.CHInsert
		}
		if c.JSBoth > 0 && c.CHInsert > 0 {
			r.Ratios.IngestVsCeiling = e / min(c.JSBoth, c.CHInsert)
		}
	}
	if r.EnrichPerCore > 0 {
		r.Ratios.EnrichCoresNeeded = e / r.EnrichPerCore
	}
	if c := r.Ceilings; c != nil && c.JSPublish > 0 && c.JSConsume > 0 && c.CHInsert > 0 && r.EnrichPerCore > 0 {
		consumes := 2 // enricher, sink
		if r.Pipeline.AlerterPS > 0 {
			consumes++
		}
		perMention := 2/c.JSPublish + float64(consumes)/c.JSConsume + 1/c.CHInsert + 1/(r.EnrichPerCore*float64(r.Machine.CPUs))
		r.Ratios.Consumes = consumes
		r.Ratios.SeriesBound = 1 / perMention
		r.Ratios.IngestVsBound = e / r.Ratios.SeriesBound
	}
}

// percentile of sorted values (nearest rank).
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p*float64(len(sorted))+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}
