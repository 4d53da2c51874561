package influence

import (
	"math"
	"sort"
	"sync"
)

// PageRank parameters: the classic damping, and a fixed iteration cap with
// an early stop (the graph is small: bounded by Config.MaxDomains).
const (
	damping     = 0.85
	prMaxIter   = 50
	prTolerance = 1e-9
)

// graph is the domain link graph the crawler sees: an edge a→b when a
// mention's page on a links to b. Bounded: at most maxNodes domains and
// maxOut distinct targets per domain; further edges are ignored.
type graph struct {
	mu       sync.Mutex
	ids      map[string]int32
	names    []string
	out      []map[int32]struct{}
	rev      []uint64 // KV revision of each domain's record, 0 = not stored
	dirty    map[int32]bool
	changed  bool // since the last PageRank
	maxNodes int
	maxOut   int
}

func newGraph(maxNodes, maxOut int) *graph {
	return &graph{ids: map[string]int32{}, dirty: map[int32]bool{}, maxNodes: maxNodes, maxOut: maxOut}
}

// node returns the id of a domain, adding it when there is room; ok is
// false when the graph is full.
func (g *graph) node(d string) (int32, bool) {
	if id, ok := g.ids[d]; ok {
		return id, true
	}
	if len(g.names) >= g.maxNodes {
		return 0, false
	}
	id := int32(len(g.names))
	g.ids[d] = id
	g.names = append(g.names, d)
	g.out = append(g.out, nil)
	g.rev = append(g.rev, 0)
	return id, true
}

// add records src→dst edges; self-links are ignored. It reports whether an
// edge is new. Caller holds g.mu.
func (g *graph) add(src string, dsts []string) bool {
	s, ok := g.node(src)
	if !ok {
		return false
	}
	added := false
	for _, d := range dsts {
		if d == src || d == "" {
			continue
		}
		if _, known := g.ids[d]; known {
			if _, has := g.out[s][g.ids[d]]; has {
				continue
			}
		}
		if len(g.out[s]) >= g.maxOut {
			break
		}
		t, ok := g.node(d)
		if !ok {
			continue
		}
		if g.out[s] == nil {
			g.out[s] = map[int32]struct{}{}
		}
		g.out[s][t] = struct{}{}
		added = true
	}
	if added {
		g.dirty[s] = true
		g.changed = true
	}
	return added
}

// outNames lists a domain's targets, sorted. Caller holds g.mu.
func (g *graph) outNames(id int32) []string {
	out := make([]string, 0, len(g.out[id]))
	for t := range g.out[id] {
		out = append(out, g.names[t])
	}
	sort.Strings(out)
	return out
}

// domainAuth is a domain's standing in the link graph.
type domainAuth struct {
	Inlinks int     // distinct domains linking to it
	Rel     float64 // PageRank × number of domains (1 = average)
}

// authorityTable is an immutable PageRank result, swapped atomically.
type authorityTable struct {
	domains map[string]domainAuth
	n       int
}

// snapshot copies the adjacency in CSR form so PageRank runs without the lock.
func (g *graph) snapshot() (names []string, start []int32, edges []int32) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.changed = false
	names = append([]string(nil), g.names...)
	start = make([]int32, len(names)+1)
	for i, o := range g.out {
		start[i+1] = start[i] + int32(len(o))
	}
	edges = make([]int32, 0, start[len(names)])
	for _, o := range g.out {
		for t := range o {
			edges = append(edges, t)
		}
	}
	return names, start, edges
}

// pageRank runs the power iteration on a CSR graph; dangling domains (no
// out-links) spread their rank evenly. The result sums to 1.
func pageRank(n int, start, edges []int32) []float64 {
	if n == 0 {
		return nil
	}
	pr := make([]float64, n)
	next := make([]float64, n)
	for i := range pr {
		pr[i] = 1 / float64(n)
	}
	for iter := 0; iter < prMaxIter; iter++ {
		dangling := 0.0
		for i := range next {
			next[i] = 0
		}
		for i := 0; i < n; i++ {
			deg := start[i+1] - start[i]
			if deg == 0 {
				dangling += pr[i]
				continue
			}
			share := pr[i] / float64(deg)
			for _, t := range edges[start[i]:start[i+1]] {
				next[t] += share
			}
		}
		base := (1-damping)/float64(n) + damping*dangling/float64(n)
		diff := 0.0
		for i := range next {
			v := base + damping*next[i]
			diff += math.Abs(v - pr[i])
			next[i] = v
		}
		pr, next = next, pr
		if diff < prTolerance {
			break
		}
	}
	return pr
}

// computeAuthority runs PageRank over the current graph.
func (g *graph) computeAuthority() *authorityTable {
	names, start, edges := g.snapshot()
	pr := pageRank(len(names), start, edges)
	in := make([]int, len(names))
	for _, t := range edges {
		in[t]++
	}
	tab := &authorityTable{domains: make(map[string]domainAuth, len(names)), n: len(names)}
	for i, d := range names {
		tab.domains[d] = domainAuth{Inlinks: in[i], Rel: pr[i] * float64(len(names))}
	}
	return tab
}
