package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/veille-oss/veille/pkg/platform/bus"
	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/pkg/platform/obs"
	"github.com/veille-oss/veille/pkg/platform/service"
	"github.com/veille-oss/veille/pkg/store"
	"github.com/veille-oss/veille/pkg/tooling/loadgen"
)

const (
	pollEvery = 100 * time.Millisecond
	// probeEvery paces the paced phase's id lookups. Each scans the id
	// column of the whole table (it is keyed on brand first): at 100 ms,
	// ClickHouse spent ~20 µs more per mention than in the flood, a tenth
	// of what 2 CPUs allow a mention at 10,000/s, taken from the pipeline
	// being measured. 250 ms is a fine resolution against a 5 s target.
	probeEvery = 250 * time.Millisecond
	maxSamples = 1000
	// stallAfter fails the run when nothing new is stored for this long.
	stallAfter = 60 * time.Second
)

// pipelineConfig is the configuration the measured pipeline runs with:
// the base one on the scratch database, an embedded NATS of its own on a
// free port with its store in dir, no metrics endpoint.
func pipelineConfig(base *config.Config, scratch config.ClickHouse, dir string) (*config.Config, error) {
	cfg := *base
	cfg.ClickHouse = scratch
	cfg.DataDir = dir
	cfg.NATS.URL = ""
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cfg.NATS.Embedded.Listen = "127.0.0.1:" + strconv.Itoa(port)
	cfg.NATS.Embedded.StoreDir = filepath.Join(dir, "nats")
	cfg.Metrics.Listen = ""
	cfg.Sources = nil // collectors are not part of this measurement
	return &cfg, nil
}

// WriteConfig writes cfg as YAML a veille process can load. Secrets are
// left out of the file (they marshal redacted): the caller passes them in
// the environment (ChildEnv).
func WriteConfig(cfg *config.Config, path string) error {
	c := *cfg
	c.ClickHouse.Password = ""
	c.NATS.Password, c.NATS.Token = "", ""
	c.Console.Token = ""
	c.Console.Users = nil
	data, err := yaml.Marshal(&c)
	if err != nil {
		return fmt.Errorf("%w: config: %w", errBench, err)
	}
	// Check it loads back before a child process trips on it.
	if _, err := config.Parse(data, path, func(string) string { return "" }); err != nil {
		return fmt.Errorf("%w: generated config does not load: %w", errBench, err)
	}
	return os.WriteFile(path, data, 0o600)
}

// ChildEnv is the environment of a pipeline process for cfg: the current
// one, with the secrets WriteConfig left out.
func ChildEnv(cfg *config.Config) []string {
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "VEILLE_") })
	if p := cfg.ClickHouse.Password.Reveal(); p != "" {
		env = append(env, config.EnvClickHousePassword+"="+p)
	}
	return env
}

// runningPipeline is the pipeline under test, as a child process or in-process.
type runningPipeline struct {
	pid  int // 0 in-process
	stop func() error
	logf string
}

func startPipeline(ctx context.Context, opt Options, cfg *config.Config, dir string) (*runningPipeline, error) {
	if len(opt.Command) > 0 {
		path := filepath.Join(dir, "veille.yaml")
		if err := WriteConfig(cfg, path); err != nil {
			return nil, err
		}
		logf := filepath.Join(dir, "pipeline.log")
		lf, err := os.Create(logf)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", errBench, err)
		}
		args := append(slices.Clone(opt.Command[1:]), "--config", path, "--services", strings.Join(pipelineServices(opt), ","))
		cmd := exec.Command(opt.Command[0], args...)
		cmd.Env = ChildEnv(cfg)
		cmd.Stdout, cmd.Stderr = lf, lf
		if err := cmd.Start(); err != nil {
			lf.Close()
			return nil, fmt.Errorf("%w: start %s: %w", errBench, opt.Command[0], err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait(); lf.Close() }()
		rp := &runningPipeline{pid: cmd.Process.Pid, logf: logf}
		rp.stop = func() error {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			select {
			case err := <-done:
				return err
			case <-time.After(30 * time.Second):
				_ = cmd.Process.Kill()
				<-done
				return fmt.Errorf("%w: pipeline process did not stop within 30s of SIGTERM", errBench)
			}
		}
		return rp, nil
	}
	fns := map[string]service.Func{}
	for _, n := range pipelineServices(opt) {
		if opt.Services[n] == nil {
			return nil, fmt.Errorf("%w: in-process pipeline needs the %s service", errBench, n)
		}
		fns[n] = opt.Services[n]
	}
	b, err := bus.Connect(ctx, cfg.NATS, cfg.DataDir, opt.Log)
	if err != nil {
		return nil, fmt.Errorf("%w: pipeline bus: %w", errBench, err)
	}
	env := &service.Env{Config: cfg, Log: opt.Log, Bus: b, Metrics: obs.NewRegistry(), Instance: "bench"}
	pctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan error, 1)
	go func() {
		done <- service.Group(pctx, env, fns)
	}()
	return &runningPipeline{stop: func() error {
		cancel()
		err := <-done
		b.Close()
		return err
	}}, nil
}

// pipelineServices are the services the measured pipeline runs.
func pipelineServices(opt Options) []string {
	if opt.Alerts > 0 {
		return []string{"enricher", "sink", "alerter"}
	}
	return []string{"enricher", "sink"}
}

// tail returns the end of the child's log, for error messages.
func (rp *runningPipeline) tail() string {
	if rp.logf == "" {
		return ""
	}
	b, _ := os.ReadFile(rp.logf)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

func (rp *runningPipeline) alive() bool {
	if rp.pid == 0 {
		return true
	}
	return syscall.Kill(rp.pid, 0) == nil && !zombie(rp.pid)
}

func zombie(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	// state is the field after the parenthesised command name.
	if i := bytes.LastIndexByte(b, ')'); i >= 0 && i+2 < len(b) {
		return b[i+2] == 'Z'
	}
	return false
}

// connectClient connects the load generator to the pipeline's NATS and waits
// until both durable consumers exist (the services are up).
func connectClient(ctx context.Context, opt Options, cfg *config.Config, rp *runningPipeline) (*bus.Bus, error) {
	ccfg := cfg.NATS
	if ccfg.URL == "" {
		ccfg.URL = "nats://" + cfg.NATS.Embedded.Listen
	}
	deadline := time.Now().Add(90 * time.Second)
	var b *bus.Bus
	var err error
	for {
		if !rp.alive() {
			return nil, fmt.Errorf("%w: pipeline process exited during start-up: %s", errBench, rp.tail())
		}
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		b, err = bus.Connect(cctx, ccfg, cfg.DataDir, opt.Log)
		cancel()
		if err == nil {
			break
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return nil, fmt.Errorf("%w: pipeline NATS not reachable: %w; %s", errBench, err, rp.tail())
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, c := range pipelineConsumers[:2] { // the alerter's is left out with --alerts 0
		for {
			if _, err := b.JS.Consumer(ctx, c.stream, c.durable); err == nil {
				break
			}
			if !rp.alive() || time.Now().After(deadline) || ctx.Err() != nil {
				b.Close()
				return nil, fmt.Errorf("%w: consumer %s not created (service not up): %s", errBench, c.durable, rp.tail())
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	return b, nil
}

// rssSampler reads VmRSS of pid every period until stopped.
type rssSampler struct {
	mu         sync.Mutex
	max, sum   float64
	n          int
	stop, done chan struct{}
}

func sampleRSS(pid int, period time.Duration) *rssSampler {
	s := &rssSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(period)
		defer t.Stop()
		for {
			if kb, err := VmRSS(pid); err == nil {
				mb := float64(kb) / 1024
				s.mu.Lock()
				s.max = max(s.max, mb)
				s.sum += mb
				s.n++
				s.mu.Unlock()
			}
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

func (s *rssSampler) finish() (maxMB, meanMB float64, n int) {
	close(s.stop)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.n == 0 {
		return 0, 0, 0
	}
	return s.max, s.sum / float64(s.n), s.n
}

// VmRSS returns the resident set size of pid in kB, from /proc/<pid>/status.
func VmRSS(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			fields := strings.Fields(rest)
			if len(fields) == 0 {
				break
			}
			return strconv.ParseInt(fields[0], 10, 64)
		}
	}
	return 0, fmt.Errorf("no VmRSS line in /proc/%d/status", pid)
}

func measurePipeline(ctx context.Context, opt Options, st *store.Store, scratch config.ClickHouse, dir string) (*Pipeline, error) {
	cfg, err := pipelineConfig(opt.Base, scratch, dir)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errBench, err)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("%w: %w", errBench, err)
	}
	var hook *hookReceiver
	if opt.Alerts > 0 {
		hook = newHookReceiver()
		defer hook.srv.Close()
		if err := withAlerting(cfg, hook); err != nil {
			return nil, err
		}
	}
	p := &Pipeline{Mode: "in-process", Count: opt.Count}
	if len(opt.Command) > 0 {
		p.Mode = "process"
	}
	var np *natsProcess
	if opt.NATSServer != "" {
		if len(opt.Command) == 0 {
			return nil, fmt.Errorf("%w: an external nats-server needs the pipeline in a child process", errBench)
		}
		if np, err = startNATS(ctx, opt.NATSServer, dir, cfg); err != nil {
			return nil, err
		}
		defer np.stop()
		p.Mode = "process + nats-server"
	}
	var prof *profiler
	if opt.ProfileDir != "" {
		if prof, err = newProfiler(cfg, opt.ProfileDir, len(opt.Command) > 0); err != nil {
			return nil, err
		}
	}
	rp, err := startPipeline(ctx, opt, cfg, dir)
	if err != nil {
		return nil, err
	}
	stopped := false
	stop := func() error {
		if stopped {
			return nil
		}
		stopped = true
		return rp.stop()
	}
	defer stop()
	b, err := connectClient(ctx, opt, cfg, rp)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	var rss, nrss *rssSampler
	if np != nil {
		nrss = sampleRSS(np.pid, 250*time.Millisecond)
	}
	if rp.pid != 0 {
		rss = sampleRSS(rp.pid, 250*time.Millisecond)
	} else {
		p.RSSNA = "pipeline run in-process (no child process to sample)"
	}
	flooding := false
	finishRSS := func() {
		if nrss != nil {
			if flooding {
				p.NATSRSSMaxMB, _, _ = nrss.finish()
			} else {
				p.NATSRSSPacedMaxMB, _, _ = nrss.finish()
			}
			nrss = nil
		}
		if rss == nil {
			return
		}
		if flooding {
			p.RSSMaxMB, p.RSSMeanMB, p.RSSSamples = rss.finish()
		} else {
			p.RSSPacedMaxMB, _, _ = rss.finish()
		}
		rss = nil
	}
	defer finishRSS()
	gens := brands(opt.Base)

	// Phase 1: paced at the target rate, for latency and memory under a
	// steady load (before any backlog has inflated the heap).
	// Incidents open in the middle of it, for alert latency under load.
	type loaded struct {
		a   AlertLatency
		err error
	}
	var underLoad chan loaded
	if hook != nil && opt.Rate > 0 && opt.Duration > 0 {
		underLoad = make(chan loaded, 1)
		go func() {
			time.Sleep(opt.Duration / 3)
			a, err := measureAlertsTogether(ctx, b, hook, "Benchcharge", min(opt.Alerts, 10), 60*time.Second)
			underLoad <- loaded{a, err}
		}()
	}
	var natsPids []int
	if np != nil {
		natsPids = []int{np.pid}
	}
	lat, err := pacedLatency(ctx, opt, st, b, rp, natsPids, gens)
	p.Latency = lat
	if underLoad != nil {
		l := <-underLoad
		if err == nil && l.err != nil {
			err = l.err
		}
		if l.err == nil {
			p.AlertLoaded = &l.a
		}
	}
	if err != nil {
		return p, err
	}
	paced := uint64(lat.Published)
	if p.AlertLoaded != nil {
		paced += uint64(p.AlertLoaded.Incidents * alertColdMin) // stored beside the paced ones
	}
	if rss != nil {
		finishRSS()
		rss = sampleRSS(rp.pid, 250*time.Millisecond)
		if np != nil {
			nrss = sampleRSS(np.pid, 250*time.Millisecond)
		}
	}
	flooding = true

	// Phase 2: flood. Everything is published as fast as JetStream takes
	// it; the pipeline drains the backlog at its own pace.
	opt.Log.Info("bench: pipeline flood", "count", opt.Count)
	floodCPU := startCPU(rp.pid, natsPids)
	t0 := time.Now()
	profDone := prof.cpu(ctx, opt)
	pubDone := make(chan error, 1)
	var pubEl time.Duration
	go func() {
		_, err := loadgen.Publish(ctx, b, &loadgen.Generator{Seed: 1, Brands: gens}, loadgen.Options{Count: opt.Count})
		pubEl = time.Since(t0)
		pubDone <- err
	}()
	if err := waitStored(ctx, st, paced+uint64(opt.Count), rp, pubDone); err != nil {
		return p, err
	}
	el := time.Since(t0)
	if hook != nil {
		if err := waitAlerter(ctx, b, rp); err != nil {
			return p, err
		}
		p.AlerterPS = float64(opt.Count) / time.Since(t0).Seconds()
	}
	if err := prof.heap(ctx, profDone); err != nil {
		opt.Log.Warn("bench: profile", "err", err)
	}
	p.CPU = floodCPU.perMention(opt.Count)
	p.Seconds = el.Seconds()
	p.PerSec = float64(opt.Count) / el.Seconds()
	if pubEl > 0 {
		p.PublishPS = float64(opt.Count) / pubEl.Seconds()
	}
	finishRSS()
	if hook != nil {
		opt.Log.Info("bench: alert latency", "incidents", opt.Alerts)
		a, err := measureAlerts(ctx, b, hook, opt.Alerts)
		if err != nil {
			return p, err // no alert row: a partial measurement would print as 0 ms
		}
		p.Alert = &a
	}
	p.Redelivered = redelivered(ctx, b)
	if err := stop(); err != nil {
		opt.Log.Warn("pipeline stop", "err", err)
	}
	q := fmt.Sprintf("SELECT count(), uniqExact(id) FROM %s.mentions", st.DB)
	if err := st.Conn.QueryRow(ctx, q).Scan(&p.Stored, &p.Distinct); err != nil {
		return p, fmt.Errorf("%w: final count: %w", errBench, err)
	}
	return p, nil
}

// alerterDurable is the alerter's consumer on the enriched stream.
const alerterDurable = "alerter"

// pipelineConsumers are the durable consumers of the measured services, in
// pipeline order (each is named after its service).
var pipelineConsumers = []struct{ stream, durable string }{
	{bus.StreamRaw, "enricher"}, {bus.StreamEnriched, "sink"}, {bus.StreamEnriched, alerterDurable},
}

// redelivered reads each pipeline consumer's redelivery count.
func redelivered(ctx context.Context, b *bus.Bus) []Redelivery {
	var out []Redelivery
	for _, c := range pipelineConsumers {
		cons, err := b.JS.Consumer(ctx, c.stream, c.durable)
		if err != nil {
			continue // the alerter is left out with --alerts 0
		}
		if info, err := cons.Info(ctx); err == nil {
			out = append(out, Redelivery{Consumer: c.durable, Messages: uint64(info.NumRedelivered)})
		}
	}
	return out
}

// waitAlerter polls the alerter's consumer until nothing is pending for it.
func waitAlerter(ctx context.Context, b *bus.Bus, rp *runningPipeline) error {
	c, err := b.JS.Consumer(ctx, bus.StreamEnriched, alerterDurable)
	if err != nil {
		return fmt.Errorf("%w: alerter consumer: %w", errBench, err)
	}
	deadline := time.Now().Add(stallAfter)
	for {
		info, err := c.Info(ctx)
		if err != nil {
			return fmt.Errorf("%w: alerter consumer: %w", errBench, err)
		}
		if info.NumPending == 0 {
			return nil
		}
		if time.Now().After(deadline) || !rp.alive() {
			return fmt.Errorf("%w: alerter still has %d mentions pending %s after the last row was stored: %s", errBench, info.NumPending, stallAfter, rp.tail())
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pollEvery):
		}
	}
}

// waitStored polls count() until it reaches want. It fails when nothing new
// arrives for stallAfter, or the publisher or the pipeline process fails.
func waitStored(ctx context.Context, st *store.Store, want uint64, rp *runningPipeline, pubDone <-chan error) error {
	q := fmt.Sprintf("SELECT count() FROM %s.mentions", st.DB)
	var last uint64
	lastChange := time.Now()
	for {
		select {
		case err := <-pubDone:
			if err != nil {
				return fmt.Errorf("%w: loadgen: %w", errBench, err)
			}
			pubDone = nil
		default:
		}
		var n uint64
		if err := st.Conn.QueryRow(ctx, q).Scan(&n); err != nil {
			return fmt.Errorf("%w: count: %w", errBench, err)
		}
		if n >= want {
			return nil
		}
		if n != last {
			last, lastChange = n, time.Now()
		}
		if time.Since(lastChange) > stallAfter {
			return fmt.Errorf("%w: pipeline stalled at %d of %d stored: %s", errBench, n, want, rp.tail())
		}
		if !rp.alive() {
			return fmt.Errorf("%w: pipeline process died at %d of %d stored: %s", errBench, n, want, rp.tail())
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pollEvery):
		}
	}
}

// pacedLatency publishes Rate mentions/s for Duration and measures, for a
// sample of them, the time from publish to the first poll that finds the
// id in ClickHouse.
func pacedLatency(ctx context.Context, opt Options, st *store.Store, b *bus.Bus, rp *runningPipeline, natsPids []int, gens []string) (Latency, error) {
	n := int(opt.Rate * opt.Duration.Seconds())
	lat := Latency{Rate: opt.Rate, Published: n, Pollms: float64(probeEvery.Milliseconds())}
	if n == 0 {
		return lat, nil
	}
	g := &loadgen.Generator{Seed: 2, Brands: gens}
	every := max(1, n/maxSamples)
	type sample struct {
		pub, seen time.Time
	}
	var mu sync.Mutex
	samples := map[string]*sample{} // id -> times
	byIndex := map[int]string{}
	for i := 0; i < n; i += every {
		id := g.Mention(i).ID
		samples[id] = &sample{}
		byIndex[i] = id
	}
	lat.Samples = len(samples)
	opt.Log.Info("bench: paced phase", "rate", opt.Rate, "count", n, "samples", len(samples))
	pubDone := make(chan error, 1)
	cpu := startCPU(rp.pid, natsPids)
	t0 := time.Now()
	var pubEl time.Duration
	go func() {
		_, err := loadgen.Publish(ctx, b, g, loadgen.Options{Count: n, Rate: opt.Rate, OnPublished: func(i int, id string, at time.Time) {
			if _, ok := byIndex[i]; ok {
				mu.Lock()
				samples[id].pub = at
				mu.Unlock()
			}
		}})
		pubEl = time.Since(t0)
		pubDone <- err
	}()
	var pubErr error
	published := false
	var lastPub time.Time
	for {
		select {
		case pubErr = <-pubDone:
			published, lastPub = true, time.Now()
			pubDone = nil
			if pubErr != nil {
				return lat, fmt.Errorf("%w: paced loadgen: %w", errBench, pubErr)
			}
		default:
		}
		mu.Lock()
		var pending []string
		for id, s := range samples {
			if s.seen.IsZero() {
				pending = append(pending, id)
			}
		}
		mu.Unlock()
		if len(pending) == 0 && published {
			break
		}
		if published && time.Since(lastPub) > 30*time.Second {
			lat.Missing = len(pending)
			break
		}
		if !rp.alive() {
			return lat, fmt.Errorf("%w: pipeline process died in the paced phase: %s", errBench, rp.tail())
		}
		if len(pending) > 0 {
			found, err := findIDs(ctx, st, pending)
			if err != nil {
				return lat, fmt.Errorf("%w: poll: %w", errBench, err)
			}
			now := time.Now()
			mu.Lock()
			for _, id := range found {
				samples[id].seen = now
			}
			mu.Unlock()
		}
		select {
		case <-ctx.Done():
			return lat, ctx.Err()
		case <-time.After(probeEvery):
		}
	}
	if pubEl > 0 {
		lat.Achieved = float64(n) / pubEl.Seconds()
	}
	var ms, first, last []float64
	for i := 0; i < n; i += every {
		s := samples[byIndex[i]]
		if s.seen.IsZero() || s.pub.IsZero() {
			if i >= n-n/5 {
				lat.LastMissing++
			}
			continue
		}
		d := float64(s.seen.Sub(s.pub).Microseconds()) / 1000
		ms = append(ms, d)
		switch {
		case i < n/5:
			first = append(first, d)
		case i >= n-n/5:
			last = append(last, d)
		}
	}
	for _, v := range [][]float64{ms, first, last} {
		slices.Sort(v)
	}
	lat.P50ms, lat.P99ms = percentile(ms, 0.50), percentile(ms, 0.99)
	if len(ms) > 0 {
		lat.Maxms = ms[len(ms)-1]
	}
	lat.FirstP50ms, lat.LastP50ms = percentile(first, 0.5), percentile(last, 0.5)
	if err := waitStored(ctx, st, uint64(n), rp, nil); err != nil {
		return lat, err
	}
	lat.StoredPerSec = float64(n) / time.Since(t0).Seconds()
	lat.CPU = cpu.perMention(n)
	lat.KeptUp = lat.Missing == 0 && len(last) > 0 && lat.LastP50ms <= lat.FirstP50ms+float64(KeptUpSlack.Milliseconds())
	return lat, nil
}

// findIDs returns which of ids are in the mentions table. Ids are hex
// hashes; anything else is refused rather than quoted.
func findIDs(ctx context.Context, st *store.Store, ids []string) ([]string, error) {
	var sb strings.Builder
	for i, id := range ids {
		for _, r := range id {
			if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F' || r == '-') {
				return nil, fmt.Errorf("unexpected id %q", id)
			}
		}
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString("'" + id + "'")
	}
	rows, err := st.Conn.Query(ctx, fmt.Sprintf("SELECT id FROM %s.mentions WHERE id IN (%s)", st.DB, sb.String()))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
