package collect

import (
	"context"
	"encoding/json"

	"github.com/veille-oss/veille/pkg/platform/bus"
	"github.com/veille-oss/veille/pkg/platform/config"
)

// MaxCounters bounds the named counters one source keeps: names come from
// code (skip reasons), but a bound keeps a bug from growing the record.
const MaxCounters = 64

// AddCounts adds a pass's named counts to the source's health record; the
// next Report saves them. Zero counts are not stored.
func (c *Collector) AddCounts(ctx context.Context, src config.Source, counts map[string]int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	h := c.health[src.Name]
	if h == nil {
		h = &Health{Name: src.Name, Kind: src.Kind, URL: sourceURL(src)}
		if e, err := c.Sources.Get(ctx, bus.Token(src.Name)); err == nil {
			_ = json.Unmarshal(e.Value(), h)
		}
		c.health[src.Name] = h
	}
	for k, v := range counts {
		if v == 0 {
			continue
		}
		if h.Counters == nil {
			h.Counters = map[string]int{}
		}
		if _, ok := h.Counters[k]; !ok && len(h.Counters) >= MaxCounters {
			continue
		}
		h.Counters[k] += v
	}
}
