package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/veille-oss/veille/pkg/platform/obs"
	"github.com/veille-oss/veille/pkg/platform/service"
	"github.com/veille-oss/veille/pkg/tooling/bench"
	"github.com/veille-oss/veille/services/alerter"
	"github.com/veille-oss/veille/services/enricher"
	"github.com/veille-oss/veille/services/sink"
)

func cmdBench(ctx context.Context, args []string, s stdio) int {
	fs := flags("bench", "[--count N] [--duration D] [--rate R] [--json] [--config FILE]", s)
	cfgPath := fs.String("config", "", "YAML configuration: clickhouse.* (a scratch database is created and dropped), brands, enricher and sink settings")
	count := fs.Int("count", 100000, "mentions of the end-to-end flood and of each ceiling run")
	dur := fs.Duration("duration", 10*time.Second, "length of the paced latency phase")
	rate := fs.Float64("rate", 10000, "publish rate of the paced latency phase (mentions/s)")
	alerts := fs.Int("alerts", 20, "incidents opened to measure alert latency (0 = leave the alerter out)")
	asJSON := fs.Bool("json", false, "print the result as JSON instead of a table")
	inProc := fs.Bool("in-process", false, "run the pipeline in this process instead of a child `veille run` (no memory figure)")
	skip := fs.String("skip", "", "comma-separated stages to leave out: ceilings, enrich, crawl, pipeline")
	natsServer := fs.String("nats-server", "", "path of a nats-server binary for the pipeline instead of the embedded one (the docker compose / Kubernetes topology); its memory and CPU are reported")
	profile := fs.String("profile", "", "directory for Go profiles of the pipeline process: flood-cpu.pprof over the flood, flood-heap.pprof after it")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if *count <= 0 || *dur <= 0 || *rate <= 0 {
		fmt.Fprintln(s.err, "veille bench: --count, --duration and --rate must be positive")
		return 2
	}
	cfg, ok := loadConfig(*cfgPath, s)
	if !ok {
		return 2
	}
	log := obs.NewLogger(s.err, cfg.Log.Level, cfg.Log.Format)
	opt := bench.Options{
		Count: *count, Duration: *dur, Rate: *rate,
		ClickHouse: cfg.ClickHouse, Base: cfg, Log: log,
		Services: map[string]service.Func{"enricher": enricher.Run, "sink": sink.Run, "alerter": alerter.Run},
		NewEnrich: func(ctx context.Context, env *service.Env) (bench.Enricher, error) {
			return enricher.NewDefault(ctx, env)
		},
		Alerts:     *alerts,
		ProfileDir: *profile,
		NATSServer: *natsServer,
	}
	if *alerts <= 0 {
		opt.AlertNA = "left out (--alerts 0)"
	}
	if *skip != "" {
		for _, st := range strings.Split(*skip, ",") {
			opt.Skip = append(opt.Skip, strings.TrimSpace(st))
		}
	}
	if !*inProc {
		exe, err := os.Executable()
		if err != nil {
			fmt.Fprintln(s.err, "veille bench: cannot find my own executable to start `veille run`:", err)
			return 1
		}
		opt.Command = []string{exe, "run"}
	}
	res, err := bench.Run(ctx, opt)
	if res != nil {
		if *asJSON {
			enc := json.NewEncoder(s.out)
			enc.SetIndent("", "  ")
			_ = enc.Encode(res)
		} else {
			_ = res.WriteTable(s.out)
		}
	}
	if err != nil {
		fmt.Fprintln(s.err, "veille bench:", err)
		return 1
	}
	return 0
}
