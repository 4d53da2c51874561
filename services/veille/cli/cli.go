// Package cli implements the veille command's subcommands.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/veille-oss/veille/pkg/platform/bus"
	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/pkg/platform/obs"
	"github.com/veille-oss/veille/pkg/platform/service"
	"github.com/veille-oss/veille/pkg/store"
	"github.com/veille-oss/veille/pkg/tooling/loadgen"
)

type command struct {
	summary string
	run     func(ctx context.Context, args []string, io stdio) int
}

type stdio struct {
	in       io.Reader
	out, err io.Writer
}

func commands() map[string]command {
	return map[string]command{
		"run":     {"run every service in one process (embedded NATS unless nats.url is set)", cmdRun},
		"migrate": {"apply the ClickHouse migrations (idempotent)", cmdMigrate},
		"loadgen": {"publish N synthetic raw mentions to NATS", cmdLoadgen},
		"demo":    {"serve the bundled demo web and run the whole pipeline on it", cmdDemo},
		"tag":     {"tag texts from stdin (language, sentiment, toxicity, entities) as JSON lines", cmdTag},
		"eval":    {"score a labelled TSV file (label<TAB>text): accuracy, macro-F1, confusion matrix", cmdEval},
		"bench":   {"end-to-end and per-stage benchmarks with the machine's raw ceilings", cmdBench},
		"passwd":  {"print a bcrypt hash for a console password read from stdin", cmdPasswd},
		"report":  {"write a brand report (HTML or PDF) for a period", cmdReport},
		"health":  {"check a service's /healthz or /readyz endpoint (exit 0 when healthy)", cmdHealth},
		"version": {"print the version", func(_ context.Context, _ []string, s stdio) int { fmt.Fprintln(s.out, "veille "+Version); return 0 }},
	}
}

// Version is set at build time with -ldflags "-X .../cli.Version=...".
var Version = "0.1.0-dev"

// Main runs the subcommand named by args[0].
func Main(args []string, in io.Reader, out, errw io.Writer) int {
	s := stdio{in, out, errw}
	cmds := commands()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(errw, cmds)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(errw, "veille: unknown command %q\n\n", args[0])
		usage(errw, cmds)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return c.run(ctx, args[1:], s)
}

func usage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "veille: brand monitoring pipeline (collectors -> NATS JetStream -> enricher -> ClickHouse, alerter, console)")
	fmt.Fprintln(w, "\nUsage: veille <command> [flags]   (veille <command> --help for its flags)")
	fmt.Fprintln(w, "\nCommands:")
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, cmds[n].summary)
	}
}

// flags makes a flag set whose --help prints usage and returns cleanly.
func flags(name, synopsis string, s stdio) *flag.FlagSet {
	fs := flag.NewFlagSet("veille "+name, flag.ContinueOnError)
	fs.SetOutput(s.err)
	fs.Usage = func() {
		fmt.Fprintf(s.err, "Usage: veille %s %s\n\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

func parse(fs *flag.FlagSet, args []string) (int, bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, false
		}
		return 2, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected arguments: %s\n", strings.Join(fs.Args(), " "))
		return 2, false
	}
	return 0, true
}

func loadConfig(path string, s stdio) (*config.Config, bool) {
	cfg, err := service.LoadConfig(path)
	if err == nil {
		err = checkSections(cfg)
	}
	if err != nil {
		fmt.Fprintln(s.err, err)
		return nil, false
	}
	return cfg, true
}

func cmdRun(ctx context.Context, args []string, s stdio) int {
	fs := flags("run", "--config FILE", s)
	cfgPath := fs.String("config", "", "YAML configuration (see README); empty = defaults + environment")
	only := fs.String("services", "", "comma-separated subset of services to run (default: all)")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	cfg, ok := loadConfig(*cfgPath, s)
	if !ok {
		return 2
	}
	log := obs.NewLogger(s.err, cfg.Log.Level, cfg.Log.Format)
	fns, err := selectServices(*only)
	if err != nil {
		fmt.Fprintln(s.err, err)
		return 2
	}
	if err := service.RunServices(ctx, cfg, log, fns); err != nil {
		log.Error("exit", "err", err)
		return 1
	}
	return 0
}

func selectServices(only string) (map[string]service.Func, error) {
	all := Services()
	if only == "" {
		return all, nil
	}
	out := map[string]service.Func{}
	for _, n := range strings.Split(only, ",") {
		n = strings.TrimSpace(n)
		fn, ok := all[n]
		if !ok {
			names := make([]string, 0, len(all))
			for k := range all {
				names = append(names, k)
			}
			sort.Strings(names)
			return nil, fmt.Errorf("--services: unknown service %q (have %s)", n, strings.Join(names, ", "))
		}
		out[n] = fn
	}
	return out, nil
}

func cmdMigrate(ctx context.Context, args []string, s stdio) int {
	fs := flags("migrate", "[--config FILE]", s)
	cfgPath := fs.String("config", "", "YAML configuration; clickhouse.* keys are used")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	cfg, ok := loadConfig(*cfgPath, s)
	if !ok {
		return 2
	}
	log := obs.NewLogger(s.err, cfg.Log.Level, cfg.Log.Format)
	st, err := store.Open(ctx, cfg.ClickHouse, log)
	if err != nil {
		fmt.Fprintln(s.err, "veille migrate:", err)
		return 1
	}
	defer st.Close()
	applied, err := st.Migrate(ctx)
	if err != nil {
		fmt.Fprintln(s.err, "veille migrate:", err)
		return 1
	}
	if len(applied) == 0 {
		fmt.Fprintln(s.out, "schema up to date")
	}
	for _, a := range applied {
		fmt.Fprintln(s.out, "applied", a)
	}
	return 0
}

func cmdLoadgen(ctx context.Context, args []string, s stdio) int {
	fs := flags("loadgen", "--count N [--rate R] [--seed S] [--nats URL]", s)
	cfgPath := fs.String("config", "", "YAML configuration (for nats.* credentials and brands)")
	count := fs.Int("count", 1000, "number of mentions to publish")
	rate := fs.Float64("rate", 0, "mentions per second (0 = as fast as possible)")
	seed := fs.Uint64("seed", 1, "seed: the same seed re-publishes the same mention ids")
	natsURL := fs.String("nats", "", "NATS URL (default: nats.url from the config, else nats://127.0.0.1:4222, the embedded server of veille run)")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	cfg, ok := loadConfig(*cfgPath, s)
	if !ok {
		return 2
	}
	if *count < 0 {
		fmt.Fprintln(s.err, "--count must not be negative")
		return 2
	}
	if *natsURL != "" {
		cfg.NATS.URL = *natsURL
	}
	if cfg.NATS.URL == "" {
		cfg.NATS.URL = "nats://" + cfg.NATS.Embedded.Listen
	}
	log := obs.NewLogger(s.err, cfg.Log.Level, cfg.Log.Format)
	b, err := bus.Connect(ctx, cfg.NATS, cfg.DataDir, log)
	if err != nil {
		fmt.Fprintln(s.err, "veille loadgen:", err)
		return 1
	}
	defer b.Close()
	var brands []string
	for _, br := range cfg.Brands {
		brands = append(brands, br.Name)
	}
	t0 := time.Now()
	n, err := loadgen.Publish(ctx, b, &loadgen.Generator{Seed: *seed, Brands: brands}, loadgen.Options{Count: *count, Rate: *rate})
	el := time.Since(t0)
	fmt.Fprintf(s.out, "published %d mentions in %s (%.0f/s)\n", n, el.Round(time.Millisecond), float64(n)/el.Seconds())
	if err != nil {
		fmt.Fprintln(s.err, "veille loadgen:", err)
		return 1
	}
	return 0
}
