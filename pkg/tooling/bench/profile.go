package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"

	"github.com/veille-oss/veille/pkg/platform/config"
)

// profiler takes Go profiles of the pipeline process through its
// metrics.pprof endpoint: what the process does under the flood, at its
// memory limit, which an in-process -cpuprofile does not show.
type profiler struct {
	base string // http://host:port
	dir  string
}

// newProfiler turns on the child's profiler endpoint on a free port.
func newProfiler(cfg *config.Config, dir string, child bool) (*profiler, error) {
	if !child {
		return nil, fmt.Errorf("%w: profiles need the pipeline in a child process (use go test -cpuprofile in-process)", errBench)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("%w: profile dir: %w", errBench, err)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cfg.Metrics.Listen = "127.0.0.1:" + strconv.Itoa(port)
	cfg.Metrics.Pprof = true
	return &profiler{base: "http://" + cfg.Metrics.Listen, dir: dir}, nil
}

// cpu starts a CPU profile of the flood's expected length (count at
// 10,000/s, at least 5 s); the returned channel reports when it is written.
func (p *profiler) cpu(ctx context.Context, opt Options) <-chan error {
	done := make(chan error, 1)
	if p == nil {
		close(done)
		return done
	}
	secs := max(opt.Count/10000, 5)
	go func() {
		done <- p.fetch(ctx, fmt.Sprintf("/debug/pprof/profile?seconds=%d", secs), "flood-cpu.pprof")
	}()
	return done
}

// heap waits for the CPU profile and takes a heap profile.
func (p *profiler) heap(ctx context.Context, cpuDone <-chan error) error {
	if p == nil {
		return nil
	}
	err := <-cpuDone
	if herr := p.fetch(ctx, "/debug/pprof/heap?gc=1", "flood-heap.pprof"); err == nil {
		err = herr
	}
	return err
}

func (p *profiler) fetch(ctx context.Context, path, name string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.base+path, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", name, resp.Status)
	}
	f, err := os.Create(filepath.Join(p.dir, name))
	if err != nil {
		return err
	}
	// Profiles are small; 256 MiB bounds a misbehaving endpoint.
	if _, err := io.Copy(f, io.LimitReader(resp.Body, 256<<20)); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", name, err)
	}
	return f.Close()
}
