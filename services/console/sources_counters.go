package console

import (
	"sort"
	"strings"
)

// SourceSkip is one skip reason of a source's counters and how many posts
// it kept out.
type SourceSkip struct {
	Reason string
	N      int
}

// Count is the source's counter called name (collect.Health.Counters), 0
// when it has none.
func (h SourceHealth) Count(name string) int { return h.Counters[name] }

// Skips lists the source's "skipped.<reason>" counters, most frequent first.
func (h SourceHealth) Skips() []SourceSkip {
	var out []SourceSkip
	for k, n := range h.Counters {
		if r, ok := strings.CutPrefix(k, "skipped."); ok && n > 0 {
			out = append(out, SourceSkip{Reason: r, N: n})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].N != out[j].N {
			return out[i].N > out[j].N
		}
		return out[i].Reason < out[j].Reason
	})
	return out
}

// SkippedTotal is the sum of Skips.
func (h SourceHealth) SkippedTotal() int {
	n := 0
	for _, s := range h.Skips() {
		n += s.N
	}
	return n
}
