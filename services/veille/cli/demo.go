package cli

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/crypto/bcrypt"

	"github.com/veille-oss/veille/pkg/alert/deliver"
	"github.com/veille-oss/veille/pkg/platform/bus"
	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/pkg/platform/obs"
	"github.com/veille-oss/veille/pkg/platform/service"
	"github.com/veille-oss/veille/pkg/store"
	"github.com/veille-oss/veille/pkg/tooling/demo"
	"github.com/veille-oss/veille/services/enricher"
	"github.com/veille-oss/veille/services/sink"
)

// Summary is what `veille demo --for D` prints on stdout.
type Summary struct {
	DurationS  float64                   `json:"duration_s"`
	Published  map[string]uint64         `json:"published"` // raw mentions per source kind
	Enriched   uint64                    `json:"enriched"`
	Stored     StoredSummary             `json:"stored"`
	Alerts     map[string]any            `json:"alerts"`
	DeadLetter uint64                    `json:"dead_letters"`
	Console    string                    `json:"console,omitempty"`
	Sources    map[string]map[string]any `json:"sources,omitempty"`
}

// StoredSummary counts mentions stored in ClickHouse during the run.
type StoredSummary struct {
	Total   uint64            `json:"total"`
	ByKind  map[string]uint64 `json:"by_kind"`
	ByBrand map[string]uint64 `json:"by_brand"`
	// ByBrandKind counts stored mentions per brand and per source kind
	// that published them (a mention found by two kinds counts in both).
	ByBrandKind map[string]map[string]uint64 `json:"by_brand_kind"`
	// FutureDated counts stored mentions published more than 5 minutes
	// after they were collected (a date read in the wrong zone): 0 expected.
	FutureDated uint64 `json:"future_dated"`
	// ClampedDates counts mentions whose source gave such a date and whose
	// published_at the collector set to the collection time.
	ClampedDates uint64 `json:"clamped_dates"`
}

func cmdDemo(ctx context.Context, args []string, s stdio) int {
	fs := flags("demo", "[--for 90s] [--config FILE]", s)
	cfgPath := fs.String("config", "", "pipeline configuration (default: the embedded pkg/tooling/demo/demo.yaml)")
	dur := fs.Duration("for", 0, "run for this long, then print a JSON summary and exit (default: until interrupted)")
	webListen := fs.String("web", "127.0.0.1:0", "where the demo web listens (loopback)")
	speed := fs.Float64("speed", 1, "storyline speed (2 = the bad buzz unfolds twice as fast)")
	keep := fs.Bool("keep-state", false, "keep the embedded NATS state between runs (default: fresh each run)")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	var cfg *config.Config
	var err error
	if *cfgPath != "" {
		cfg, err = config.Load(*cfgPath)
	} else {
		cfg, err = config.Parse(demo.Config, "pkg/tooling/demo/demo.yaml", os.Getenv)
	}
	if err == nil {
		err = checkSections(cfg)
	}
	if err != nil {
		fmt.Fprintln(s.err, err)
		return 2
	}
	log := obs.NewLogger(s.err, cfg.Log.Level, cfg.Log.Format)
	service.SetMemoryLimit(cfg, log)
	start := time.Now()

	ln, err := net.Listen("tcp", *webListen)
	if err != nil {
		fmt.Fprintln(s.err, "veille demo: demo web:", err)
		return 1
	}
	web := demo.New(start, *speed)
	srv := &http.Server{Handler: web, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	webURL := "http://" + ln.Addr().String()
	log.Info("demo web serving", "url", webURL+"/", "hosts", strings.Join(demo.Hosts(), ","))

	// The collectors reach the demo's *.test hosts through the demo server
	// used as an HTTP proxy: per-host robots.txt and politeness still apply.
	cfg.Crawler.Proxy = webURL
	if cfg.Crawler.Interval > 10*time.Second {
		cfg.Crawler.Interval = 4 * time.Second
	}
	if cfg.Crawler.RatePerHost < 20 {
		cfg.Crawler.RatePerHost = 20
		cfg.Crawler.ConcurrencyHost = 4
	}
	// The social networks' part of the story (services/social): a local
	// Bluesky firehose and Mastodon instance, unless the configuration
	// reads social networks of its own.
	if !hasSocialSource(cfg) {
		srcs, stopSocial, err := startSocialDemo(ctx, start, *speed, log)
		if err != nil {
			fmt.Fprintln(s.err, "veille demo:", err)
			return 1
		}
		defer stopSocial()
		cfg.Sources = append(cfg.Sources, srcs...)
	}
	// A console login for this run, unless the configuration has its own.
	demoPassword := ""
	if len(cfg.Console.Users) == 0 && cfg.Console.Token == "" {
		demoPassword = randomPassword()
		h, err := bcrypt.GenerateFromPassword([]byte(demoPassword), bcrypt.DefaultCost)
		if err != nil {
			fmt.Fprintln(s.err, err)
			return 1
		}
		cfg.Console.Users = []config.ConsoleUser{{Name: "demo", PasswordHash: config.Secret(h)}}
	}
	if !*keep {
		dir, err := os.MkdirTemp("", "veille-demo-")
		if err != nil {
			fmt.Fprintln(s.err, err)
			return 1
		}
		defer os.RemoveAll(dir)
		cfg.NATS.Embedded.StoreDir = filepath.Join(dir, "nats")
	}

	var runCtx context.Context = ctx
	var cancel context.CancelFunc
	if *dur > 0 {
		runCtx, cancel = context.WithTimeout(ctx, *dur)
	} else {
		runCtx, cancel = context.WithCancel(ctx)
	}
	defer cancel()

	b, err := bus.Connect(ctx, cfg.NATS, cfg.DataDir, log)
	if err != nil {
		fmt.Fprintln(s.err, "veille demo:", err)
		return 1
	}
	defer b.Close()
	reg := obs.NewRegistry()
	env := &service.Env{Config: cfg, Log: log, Bus: b, Metrics: reg}
	all := Services()
	collectors, processors := map[string]service.Func{}, map[string]service.Func{}
	for name, fn := range all {
		switch name {
		case "crawler", "rss", "forum", "bluesky", "mastodon":
			collectors[name] = fn
		default:
			processors[name] = fn
		}
	}
	// Processors outlive the collectors by a drain phase, so what was
	// collected is enriched and stored before the summary.
	procCtx, procCancel := context.WithCancel(ctx)
	defer procCancel()
	procDone := make(chan error, 1)
	go func() { procDone <- service.Group(procCtx, env, processors) }()
	if cfg.Console.Listen != "" {
		fmt.Fprintf(s.err, "veille demo: console on http://%s (demo web on %s/)\n", cfg.Console.Listen, webURL)
		if demoPassword != "" {
			// Printed on purpose: it is this run's throwaway login.
			fmt.Fprintf(s.err, "veille demo: log in as user \"demo\" with password %s\n", demoPassword)
		}
	}
	// One metrics endpoint per process: the processors' group serves it.
	collCfg := *cfg
	collCfg.Metrics.Listen = ""
	collErr := service.Group(runCtx, &service.Env{Config: &collCfg, Log: log, Bus: b, Metrics: reg}, collectors)
	if ctx.Err() != nil && *dur == 0 {
		procCancel()
		<-procDone
		return 0
	}
	if collErr != nil {
		log.Error("collectors stopped", "err", collErr)
	}
	drain(ctx, b, log, 30*time.Second)
	sum, err := summarize(ctx, b, cfg, start, log)
	procCancel()
	if perr := <-procDone; perr != nil {
		log.Error("processors stopped", "err", perr)
	}
	if err != nil {
		fmt.Fprintln(s.err, "veille demo: summary:", err)
		return 1
	}
	sum.DurationS = time.Since(start).Seconds()
	enc := json.NewEncoder(s.out)
	enc.SetIndent("", "  ")
	_ = enc.Encode(sum)
	if collErr != nil {
		return 1
	}
	return 0
}

// drain waits until the enricher and the sink have nothing pending.
func drain(ctx context.Context, b *bus.Bus, log interface{ Info(string, ...any) }, timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		pending := uint64(0)
		for _, c := range []struct{ stream, durable string }{{bus.StreamRaw, enricher.Durable}, {bus.StreamEnriched, sink.Durable}} {
			cons, err := b.JS.Consumer(ctx, c.stream, c.durable)
			if err != nil {
				pending++
				continue
			}
			ci, err := cons.Info(ctx)
			if err != nil {
				pending++
				continue
			}
			pending += ci.NumPending + uint64(ci.NumAckPending)
		}
		if pending == 0 {
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
	log.Info("drain timed out; summary may undercount")
}

func randomPassword() string {
	b := make([]byte, 9)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func subjectCounts(ctx context.Context, b *bus.Bus, stream, filter string) (map[string]uint64, error) {
	st, err := b.JS.Stream(ctx, stream)
	if err != nil {
		return nil, err
	}
	info, err := st.Info(ctx, jetstream.WithSubjectFilter(filter))
	if err != nil {
		return nil, err
	}
	return info.State.Subjects, nil
}

func summarize(ctx context.Context, b *bus.Bus, cfg *config.Config, start time.Time, log interface{ Info(string, ...any) }) (*Summary, error) {
	sum := &Summary{Published: map[string]uint64{}, Alerts: map[string]any{}, Stored: StoredSummary{ByKind: map[string]uint64{}, ByBrand: map[string]uint64{}, ByBrandKind: map[string]map[string]uint64{}}}
	raw, err := subjectCounts(ctx, b, bus.StreamRaw, bus.SubjectRawPrefix+">")
	if err != nil {
		return nil, err
	}
	for subj, n := range raw {
		sum.Published[strings.TrimPrefix(subj, bus.SubjectRawPrefix)] = n
	}
	enr, err := subjectCounts(ctx, b, bus.StreamEnriched, bus.SubjectEnrichedPrefix+">")
	if err != nil {
		return nil, err
	}
	for _, n := range enr {
		sum.Enriched += n
	}
	if dl, err := subjectCounts(ctx, b, bus.StreamDeadLetter, bus.SubjectDeadPrefix+">"); err == nil {
		for _, n := range dl {
			sum.DeadLetter += n
		}
	}
	st, err := store.Open(ctx, cfg.ClickHouse, nil)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	// A document found by two collectors (an article in a feed and on the
	// site) is one mention: count, per source kind, the published mentions
	// that are stored, whichever collector's copy the table kept.
	kinds, err := publishedKinds(ctx, b)
	if err != nil {
		return nil, err
	}
	rows, err := st.Conn.Query(ctx, fmt.Sprintf(`SELECT id, brand FROM %s.mentions FINAL WHERE collected_at >= toDateTime(%d)`, st.DB, start.Unix()-1))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, brand string
		if err := rows.Scan(&id, &brand); err != nil {
			return nil, err
		}
		sum.Stored.Total++
		sum.Stored.ByBrand[brand]++
		for kind := range kinds[id] {
			sum.Stored.ByKind[kind]++
			if sum.Stored.ByBrandKind[brand] == nil {
				sum.Stored.ByBrandKind[brand] = map[string]uint64{}
			}
			sum.Stored.ByBrandKind[brand][kind]++
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := st.Conn.QueryRow(ctx, fmt.Sprintf(`SELECT countIf(published_at > collected_at + 300), countIf(published_clamped = 1)
		FROM %s.mentions FINAL WHERE collected_at >= toDateTime(%d)`, st.DB, start.Unix()-1)).Scan(&sum.Stored.FutureDated, &sum.Stored.ClampedDates); err != nil {
		return nil, err
	}
	if err := alertSummary(ctx, b, sum); err != nil && !errors.Is(err, context.Canceled) {
		log.Info("no alert summary", "err", err)
	}
	return sum, nil
}

// publishedKinds reads the raw stream back: mention id -> source kinds that published it.
func publishedKinds(ctx context.Context, b *bus.Bus) (map[string]map[string]bool, error) {
	out := map[string]map[string]bool{}
	err := b.ReadAll(ctx, bus.StreamRaw, "", func(msg jetstream.Msg) {
		var m struct {
			ID   string `json:"id"`
			Kind string `json:"source_kind"`
		}
		if json.Unmarshal(msg.Data(), &m) == nil && m.ID != "" {
			if out[m.ID] == nil {
				out[m.ID] = map[string]bool{}
			}
			out[m.ID][m.Kind] = true
		}
	})
	return out, err
}

func alertSummary(ctx context.Context, b *bus.Bus, sum *Summary) error {
	// The event history is the ALERTS stream (alerts.<brand>); veille.alerts
	// keeps each incident's latest state.
	type inc struct {
		ID          string         `json:"id"`
		Rule        string         `json:"rule"`
		MaxSeverity int            `json:"max_severity"`
		Events      map[string]int `json:"events"`
	}
	by := map[string][]*inc{}
	index := map[string]*inc{}
	err := b.ReadAll(ctx, bus.StreamAlerts, "", func(msg jetstream.Msg) {
		var p deliver.Payload
		if json.Unmarshal(msg.Data(), &p) != nil {
			return
		}
		i := index[p.Incident.ID]
		if i == nil {
			i = &inc{ID: p.Incident.ID, Rule: p.Incident.Cause, Events: map[string]int{}}
			index[p.Incident.ID] = i
			by[p.Incident.Brand] = append(by[p.Incident.Brand], i)
		}
		i.Events[string(p.Event)]++
		i.MaxSeverity = max(i.MaxSeverity, p.Incident.Severity)
	})
	if err != nil {
		return err
	}
	sum.Alerts["incidents"] = len(index)
	sum.Alerts["by_brand"] = by
	return nil
}
