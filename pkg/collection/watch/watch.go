// Package watch decides which brands a document mentions. Each brand has a
// boolean watch query (AND, OR, NOT, phrases, NEAR/n, wildcards,
// case-sensitive terms, field filters); Compile turns a brand list into a
// Matcher once, and Matcher.Match evaluates all queries against a document
// tokenised a single time. See README.md for the query language.
package watch

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
)

// MaxTerms bounds the matched terms reported per brand (the mention
// contract keeps at most 64).
const MaxTerms = 64

// MaxFieldBytes bounds how much of each document field is read; the rest is
// ignored, so matching time is bounded whatever the document.
const MaxFieldBytes = 1 << 20

// errBrand is wrapped by errors about a brand definition itself (empty or
// duplicate name, nothing to match).
var errBrand = errors.New("invalid brand")

// Brand is one watched brand. Competitors are brands in the same Group.
// When Query is empty the brand matches its Name or any of its Aliases as
// words, ignoring case and accents; when Query is set, it alone decides.
type Brand struct {
	Name    string
	Aliases []string
	Query   string
	Group   string
}

// Doc is what a collector matches: the text fields and the metadata the
// field filters look at.
type Doc struct {
	Title, Text, URL, Lang, Author string
}

// Match is one brand a document mentions, with the words and phrases of the
// document (as written there) that satisfied the brand's positive terms, in
// document order, without duplicates.
type Match struct {
	Brand string
	Group string
	Terms []string
}

// BrandError is a brand that could not be compiled. Err is a *ParseError
// for query syntax errors, or wraps errBrand.
type BrandError struct {
	Brand string
	Err   error
}

func (e *BrandError) Error() string {
	var pe *ParseError
	if errors.As(e.Err, &pe) {
		return fmt.Sprintf("watch: brand %q: %s", e.Brand, pe.detail())
	}
	return fmt.Sprintf("watch: brand %q: %v", e.Brand, e.Err)
}

func (e *BrandError) Unwrap() error { return e.Err }

// Matcher holds compiled brand queries. It is immutable and safe for
// concurrent use.
type Matcher struct {
	brands []compiled
	atoms  []word
	// exact maps a folded word to the atoms that are exactly that word;
	// prefix maps a folded prefix to the wildcard atoms with that prefix.
	exact      map[string][]int32
	prefix     map[string][]int32
	prefixLens []int // distinct prefix lengths in bytes, ascending
	// first2 and exact2 are bitsets of the first two bytes of the prefixes
	// and exact words: most document words fail them, skipping map lookups.
	first2   []uint64
	exact2   []uint64
	needSite bool
	needURL  bool
	pool     sync.Pool
}

type compiled struct {
	name, group string
	root        *node
}

// Compile parses every brand's query (or builds one from its name and
// aliases) and indexes all their words. Errors are *BrandError.
func Compile(brands []Brand) (*Matcher, error) {
	m := &Matcher{
		exact:  map[string][]int32{},
		prefix: map[string][]int32{},
		first2: make([]uint64, 1<<16/64),
		exact2: make([]uint64, 1<<16/64),
	}
	seen := map[string]bool{}
	ids := map[word]int32{}
	for _, b := range brands {
		name := strings.TrimSpace(b.Name)
		if name == "" {
			return nil, &BrandError{Brand: b.Name, Err: fmt.Errorf("%w: empty name", errBrand)}
		}
		if seen[name] {
			return nil, &BrandError{Brand: name, Err: fmt.Errorf("%w: duplicate name", errBrand)}
		}
		seen[name] = true
		var root *node
		if strings.TrimSpace(b.Query) != "" {
			q, err := Parse(b.Query)
			if err != nil {
				return nil, &BrandError{Brand: name, Err: err}
			}
			root = q.root
		} else {
			root = &node{kind: kOr}
			for _, s := range append([]string{name}, b.Aliases...) {
				if t := literal(s); t != nil {
					root.kids = append(root.kids, t)
				}
			}
			if len(root.kids) == 0 {
				return nil, &BrandError{Brand: name, Err: fmt.Errorf("%w: no query, and neither the name nor an alias has a letter or digit", errBrand)}
			}
		}
		m.index(root, ids)
		m.brands = append(m.brands, compiled{name: name, group: b.Group, root: root})
	}
	slices.Sort(m.prefixLens)
	m.prefixLens = slices.Compact(m.prefixLens)
	m.pool.New = func() any { return new(state) }
	return m, nil
}

// literal is the case- and accent-insensitive phrase of a name or alias.
func literal(s string) *node {
	buf, toks := tokenize(s, nil, nil)
	if len(toks) == 0 {
		return nil
	}
	n := &node{kind: kTerm, pos: 1}
	for _, t := range toks {
		n.words = append(n.words, word{fold: string(buf[t.fs:t.fe])})
	}
	return n
}

// index gives every word of the tree an atom id and records what the
// document pass must look for.
func (m *Matcher) index(n *node, ids map[word]int32) {
	switch n.kind {
	case kTerm:
		n.atoms = make([]int32, len(n.words))
		for i, w := range n.words {
			id, ok := ids[w]
			if !ok {
				id = int32(len(m.atoms))
				ids[w] = id
				m.atoms = append(m.atoms, w)
				if w.prefix {
					m.prefix[w.fold] = append(m.prefix[w.fold], id)
					m.prefixLens = append(m.prefixLens, len(w.fold))
					k := first2(w.fold)
					m.first2[k/64] |= 1 << (k % 64)
				} else {
					m.exact[w.fold] = append(m.exact[w.fold], id)
					k := key2(w.fold)
					m.exact2[k/64] |= 1 << (k % 64)
				}
			}
			n.atoms[i] = id
		}
	case kSite:
		m.needSite = true
	case kURL:
		m.needURL = true
	}
	for _, k := range n.kids {
		m.index(k, ids)
	}
}

func first2[S string | []byte](s S) uint32 { return uint32(s[0])<<8 | uint32(s[1]) }

// key2 is first2 for words of any length (folded words never contain 0).
func key2[S string | []byte](s S) uint32 {
	if len(s) == 1 {
		return uint32(s[0]) << 8
	}
	return first2(s)
}

// Brands returns the number of compiled brands.
func (m *Matcher) Brands() int { return len(m.brands) }

// span is a run of word positions, both ends included.
type span struct{ s, e int32 }

type rng struct{ lo, hi int32 } // [lo, hi)

// gap separates fields in position space, larger than any NEAR distance,
// so phrases and NEAR never straddle two fields.
const gap = 2*MaxNear + 2

// state is the per-document work area, pooled.
type state struct {
	buf    []byte
	cbuf   []byte
	toks   []token
	post   [][]int32
	arena  []span
	spans  []span
	fields [4]string // indexed by field; fContent unused
	start  [4]int    // first token index of each field
	base   [4]int32  // position of the first token of each field
	rngs   [4]rng
	host   string
	path   string
	url    string
	lang   string
}

func capField(s string) string {
	if len(s) <= MaxFieldBytes {
		return s
	}
	return truncBytes(s, MaxFieldBytes)
}

// truncBytes cuts s to at most n bytes on a rune boundary.
func truncBytes(s string, n int) string {
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

func (m *Matcher) prepare(st *state, d Doc) {
	st.buf, st.toks, st.arena = st.buf[:0], st.toks[:0], st.arena[:0]
	st.fields[fTitle] = capField(d.Title)
	st.fields[fText] = capField(d.Text)
	st.fields[fAuthor] = capField(d.Author)
	pos := int32(0)
	for _, f := range []field{fTitle, fText, fAuthor} {
		st.start[f] = len(st.toks)
		st.buf, st.toks = tokenize(st.fields[f], st.buf, st.toks)
		n := int32(len(st.toks) - st.start[f])
		st.base[f] = pos
		st.rngs[f] = rng{pos, pos + n}
		pos += n + gap
	}
	st.rngs[fContent] = rng{st.rngs[fTitle].lo, st.rngs[fText].hi}

	if cap(st.post) < len(m.atoms) {
		st.post = make([][]int32, len(m.atoms))
	}
	st.post = st.post[:len(m.atoms)]
	for i := range st.post {
		st.post[i] = st.post[i][:0]
	}
	for _, f := range []field{fTitle, fText, fAuthor} {
		end := len(st.toks)
		if f == fTitle {
			end = st.start[fText]
		} else if f == fText {
			end = st.start[fAuthor]
		}
		src := st.fields[f]
		for i := st.start[f]; i < end; i++ {
			t := st.toks[i]
			p := st.base[f] + int32(i-st.start[f])
			fold := st.buf[t.fs:t.fe]
			cased := false
			var ids []int32
			if k := key2(fold); m.exact2[k/64]&(1<<(k%64)) != 0 {
				ids = m.exact[string(fold)]
			}
			for _, id := range ids {
				a := &m.atoms[id]
				if a.cased != "" {
					if !cased {
						st.cbuf = appendCased(st.cbuf[:0], src[t.os:t.oe])
						cased = true
					}
					if string(st.cbuf) != a.cased {
						continue
					}
				}
				st.post[id] = append(st.post[id], p)
			}
			if len(m.prefixLens) == 0 || len(fold) < minPrefix {
				continue
			}
			if k := first2(fold); m.first2[k/64]&(1<<(k%64)) == 0 {
				continue
			}
			for _, l := range m.prefixLens {
				if l > len(fold) {
					break
				}
				for _, id := range m.prefix[string(fold[:l])] {
					a := &m.atoms[id]
					if a.cased != "" {
						if !cased {
							st.cbuf = appendCased(st.cbuf[:0], src[t.os:t.oe])
							cased = true
						}
						if !strings.HasPrefix(string(st.cbuf), a.cased) {
							continue
						}
					}
					st.post[id] = append(st.post[id], p)
				}
			}
		}
	}

	st.lang = normLang(d.Lang)
	st.host, st.path, st.url = "", "", ""
	if m.needSite {
		if u, err := url.Parse(strings.TrimSpace(d.URL)); err == nil {
			st.host = strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
			st.path = u.EscapedPath()
		}
	}
	if m.needURL {
		st.url = strings.ToLower(d.URL)
	}
}

// Match returns the brands the document mentions, in the order they were
// given to Compile.
func (m *Matcher) Match(d Doc) []Match {
	st := m.pool.Get().(*state)
	defer func() {
		// Keep a huge document's buffers out of the pool.
		if cap(st.buf) <= 1<<20 && cap(st.toks) <= 1<<16 {
			m.pool.Put(st)
		}
	}()
	m.prepare(st, d)
	var out []Match
	for i := range m.brands {
		b := &m.brands[i]
		st.arena = st.arena[:0]
		if !m.eval(st, b.root, st.rngs[fContent]) {
			continue
		}
		st.spans = st.spans[:0]
		st.spans = m.collect(st, b.root, st.rngs[fContent], st.spans)
		out = append(out, Match{Brand: b.name, Group: b.group, Terms: st.terms()})
	}
	return out
}

// terms turns the collected spans into the document's own words.
func (st *state) terms() []string {
	sp := st.spans
	// Longest first among spans starting together, so that spans inside
	// another ("Free" in "Free Mobile") can be dropped.
	slices.SortFunc(sp, func(a, b span) int {
		if a.s != b.s {
			return int(a.s - b.s)
		}
		return int(b.e - a.e)
	})
	out := []string{} // never nil: matched_terms is a JSON array
	end := int32(-1)
	for _, s := range sp {
		if s.e <= end {
			continue
		}
		end = s.e
		f, ok := st.fieldOf(s)
		if !ok || f == fAuthor {
			continue
		}
		a := st.toks[st.start[f]+int(s.s-st.base[f])]
		b := st.toks[st.start[f]+int(s.e-st.base[f])]
		t := st.fields[f][a.os:b.oe]
		if slices.Contains(out, t) { // at most MaxTerms: a scan beats a map
			continue
		}
		out = append(out, strings.Clone(t))
		if len(out) == MaxTerms {
			break
		}
	}
	return out
}

func (st *state) fieldOf(s span) (field, bool) {
	for _, f := range []field{fTitle, fText, fAuthor} {
		r := st.rngs[f]
		if s.s >= r.lo && s.e < r.hi {
			return f, true
		}
	}
	return 0, false
}

// within returns the part of a sorted posting list inside r.
func within(p []int32, r rng) []int32 {
	lo, _ := slices.BinarySearch(p, r.lo)
	hi, _ := slices.BinarySearch(p, r.hi)
	return p[lo:hi]
}

func has(p []int32, x int32) bool {
	_, ok := slices.BinarySearch(p, x)
	return ok
}

func (m *Matcher) eval(st *state, n *node, r rng) bool {
	switch n.kind {
	case kTerm:
		first := within(st.post[n.atoms[0]], r)
		if len(n.atoms) == 1 {
			return len(first) > 0
		}
	next:
		for _, p := range first {
			if p+int32(len(n.atoms)) > r.hi {
				return false
			}
			for i, id := range n.atoms[1:] {
				if !has(st.post[id], p+int32(i+1)) {
					continue next
				}
			}
			return true
		}
		return false
	case kAnd:
		for _, k := range n.kids {
			if !m.eval(st, k, r) {
				return false
			}
		}
		return true
	case kOr:
		for _, k := range n.kids {
			if m.eval(st, k, r) {
				return true
			}
		}
		return false
	case kNot:
		return !m.eval(st, n.kids[0], r)
	case kNear:
		return len(m.spansOf(st, n, r)) > 0
	case kField:
		return m.eval(st, n.kids[0], st.rngs[n.field])
	case kSite:
		if st.host != n.value && !strings.HasSuffix(st.host, "."+n.value) {
			return false
		}
		if n.path == "" {
			return true
		}
		return st.path == n.path || strings.HasPrefix(st.path, n.path+"/") ||
			strings.HasPrefix(st.path, n.path+"?")
	case kLang:
		if strings.ContainsRune(n.value, '-') {
			return st.lang == n.value
		}
		return st.lang == n.value || strings.HasPrefix(st.lang, n.value+"-")
	case kURL:
		return strings.Contains(st.url, n.value)
	}
	return false
}

// alloc returns a span slice from the per-document arena; the full slice
// expression keeps later appends from overwriting it.
func (st *state) alloc(sp []span) []span {
	start := len(st.arena)
	st.arena = append(st.arena, sp...)
	return st.arena[start:len(st.arena):len(st.arena)]
}

// maxSpans bounds the spans one node yields, so adversarial documents
// ("a a a a …" against "a NEAR/1000 a") stay cheap.
const maxSpans = 4096

// spansOf returns the sorted spans of a positional node within r.
func (m *Matcher) spansOf(st *state, n *node, r rng) []span {
	switch n.kind {
	case kTerm:
		start := len(st.arena)
		first := within(st.post[n.atoms[0]], r)
		w := int32(len(n.atoms))
	next:
		for _, p := range first {
			if p+w > r.hi {
				break
			}
			for i, id := range n.atoms[1:] {
				if !has(st.post[id], p+int32(i+1)) {
					continue next
				}
			}
			st.arena = append(st.arena, span{p, p + w - 1})
			if len(st.arena)-start >= maxSpans {
				break
			}
		}
		return st.arena[start:len(st.arena):len(st.arena)]
	case kOr:
		var all []span
		for _, k := range n.kids {
			all = append(all, m.spansOf(st, k, r)...)
		}
		sortSpans(all)
		all = slices.Compact(all)
		if len(all) > maxSpans {
			all = all[:maxSpans]
		}
		return st.alloc(all)
	case kField:
		return m.spansOf(st, n.kids[0], st.rngs[n.field])
	case kNear:
		left := m.spansOf(st, n.kids[0], r)
		right := m.spansOf(st, n.kids[1], r)
		if len(left) == 0 || len(right) == 0 {
			return nil
		}
		var maxW int32
		for _, s := range right {
			maxW = max(maxW, s.e-s.s)
		}
		d := int32(n.dist)
		var out []span
		for _, l := range left {
			// Right spans that can be within d words of l start no earlier
			// than this; right is sorted by start.
			from, _ := slices.BinarySearchFunc(right, l.s-d-maxW-1, func(s span, x int32) int { return int(s.s - x) })
			for _, rs := range right[from:] {
				if rs.s > l.e+d+1 {
					break
				}
				ok := false
				switch {
				case l.e < rs.s:
					ok = rs.s-l.e-1 <= d
				case rs.e < l.s:
					ok = !n.ordered && l.s-rs.e-1 <= d
				}
				if ok {
					out = append(out, span{min(l.s, rs.s), max(l.e, rs.e)})
					if len(out) >= maxSpans {
						break
					}
				}
			}
			if len(out) >= maxSpans {
				break
			}
		}
		sortSpans(out)
		return st.alloc(slices.Compact(out))
	}
	return nil
}

func sortSpans(sp []span) {
	slices.SortFunc(sp, func(a, b span) int {
		if a.s != b.s {
			return int(a.s - b.s)
		}
		return int(a.e - b.e)
	})
}

// collect appends the word spans of the positive terms that made n true.
func (m *Matcher) collect(st *state, n *node, r rng, out []span) []span {
	if len(out) >= 4*MaxTerms || !m.eval(st, n, r) {
		return out
	}
	switch n.kind {
	case kTerm:
		return append(out, m.spansOf(st, n, r)...)
	case kAnd, kOr:
		for _, k := range n.kids {
			if k.kind != kNot {
				out = m.collect(st, k, r, out)
			}
		}
	case kField:
		return m.collect(st, n.kids[0], st.rngs[n.field], out)
	case kNear:
		hulls := m.spansOf(st, n, r)
		from := len(out)
		out = m.collect(st, n.kids[0], r, out)
		out = m.collect(st, n.kids[1], r, out)
		// Keep only the occurrences that are part of a qualifying pair.
		kept := out[:from]
		for _, s := range out[from:] {
			for _, h := range hulls {
				if s.s >= h.s && s.e <= h.e {
					kept = append(kept, s)
					break
				}
			}
		}
		return kept
	}
	return out
}
