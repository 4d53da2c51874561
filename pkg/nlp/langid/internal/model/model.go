// Package model holds the langid n-gram model: its compact serialised form,
// written by the generator and embedded in the binary, and the in-memory hash
// table the detector builds from it.
//
// Serialised layout (DEFLATE-compressed, then little endian):
//
//	magic "LIDM" | version u32 | nlang u8 | nlang × (len u8, code bytes)
//	step f32 (nats per quantum) | count u32
//	count × entry, sorted by n-gram bytes:
//	  shared u8 (bytes shared with the previous n-gram) | rest u8 | rest bytes
//	  npost u8 | npost × (lang u8, value u8)
//
// A posting's value is the n-gram's log-probability in that language above
// the per-order floor, in units of step; a language without a posting gets 0.
package model

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"unicode/utf8"
)

// Version is bumped whenever the layout or the hashing changes.
const Version = 3

// ErrBadModel is returned when a model blob cannot be decoded.
var ErrBadModel = errors.New("langid model: malformed")

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
	maxBlob   = 64 << 20
)

// Start is the hash state before the first rune of an n-gram.
const Start uint64 = fnvOffset

// Step extends an n-gram hash by one rune (FNV-1a over code points), so the
// hashes of all n-grams sharing a start position come out of one pass.
func Step(h uint64, r rune) uint64 {
	return (h ^ uint64(r)) * fnvPrime
}

// Mix finalises a hash into a non-zero fingerprint and a well-spread index.
func Mix(h uint64) (fp uint32, idx uint64) {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return uint32(h>>32) | 1, h
}

// Hash returns the (unmixed) hash of a whole n-gram.
func Hash(g string) uint64 {
	h := Start
	for _, r := range g {
		h = Step(h, r)
	}
	return h
}

// Posting is one language's value for an n-gram.
type Posting struct {
	Lang, Val uint8
}

// Entry is one n-gram with its postings.
type Entry struct {
	Gram string
	Post []Posting
}

// Model is the in-memory form: an open-addressing table of 32-bit
// fingerprints whose other half holds the n-gram's values, either inline
// (at most two postings, the common case) or as the index of a dense vector
// of one byte per language. The probe order, fingerprints and table size are
// what they were with a separate postings array, so every n-gram hash maps to
// the same values as before, fingerprint false positives included.
type Model struct {
	Langs []string
	Step  float32
	Slots []uint64 // fingerprint<<32 | payload; 0 = empty
	Dense []uint64 // Width words per vector: byte l of the vector is language l's value
	Width int      // words per dense vector, ceil(len(Langs)/8)
}

// A payload is either denseFlag|index or two inline postings of 14 bits,
// each pre-resolved to the accumulator lane it lands in:
// value (8 bits) | word (4 bits) << 8 | lane (2 bits) << 12.
const (
	denseFlag   = 1 << 31
	postingBits = 14
	postingMask = 1<<postingBits - 1
)

// Lookup returns the value of each language for an n-gram hash (raw, before
// Mix), or nil when the table has no entry for it. It decodes the packed
// form for tests and tools; the detector uses AddWord.
func (m *Model) Lookup(h uint64) []uint8 {
	p, ok := m.find(h)
	if !ok {
		return nil
	}
	vals := make([]uint8, len(m.Langs))
	if p&denseFlag != 0 {
		off := int(p&^denseFlag) * m.Width
		for l := range vals {
			vals[l] = uint8(m.Dense[off+l/8] >> (8 * (l % 8)))
		}
		return vals
	}
	for _, q := range []uint32{p & postingMask, p >> postingBits & postingMask} {
		if v := uint8(q); v != 0 {
			word, lane := int(q>>8&15), int(q>>12&3)
			vals[8*(word/2)+2*lane+word%2] += v
		}
	}
	return vals
}

func (m *Model) find(h uint64) (uint32, bool) {
	fp, idx := Mix(h)
	mask := uint64(len(m.Slots) - 1)
	for i := idx & mask; ; i = (i + 1) & mask {
		s := m.Slots[i]
		if s == 0 {
			return 0, false
		}
		if uint32(s>>32) == fp {
			return uint32(s), true
		}
	}
}

// Acc sums n-gram values per language. Values are added four languages at a
// time in 16-bit lanes of uint64 words and moved into int32 sums before a lane
// could overflow; integer sums do not depend on the order of the additions,
// so the sums end exactly as one-by-one int32 additions would.
type Acc struct {
	lanes   [16]uint64 // word 2k holds languages 8k, 8k+2, 8k+4, 8k+6; word 2k+1 the odd ones
	pending int        // lookups added to lanes since the last flush
	// AddWord's scratch, kept here so that it is not cleared on every word.
	fps   [chunk]uint32
	home  [chunk]uint64
	slot  [chunk]uint64
	dense [chunk]uint32 // indexes of the dense vectors to add
	score [64]int32
}

// maxPending lookups of at most 255 each fit a 16-bit lane.
const maxPending = 0xffff / 0xff

const evenBytes = 0x00ff00ff00ff00ff

func (a *Acc) flush() {
	for w := range a.lanes {
		x := a.lanes[w]
		if x == 0 {
			continue
		}
		base := 8*(w/2) + w%2
		for lane := range 4 {
			a.score[base+2*lane] += int32(x >> (16 * lane) & 0xffff)
		}
		a.lanes[w] = 0
	}
	a.pending = 0
}

// Scores returns the per-language sums (indexed like Model.Langs).
func (a *Acc) Scores() *[64]int32 {
	a.flush()
	return &a.score
}

// chunk is how many n-gram lookups AddWord prepares before using any.
const chunk = 64

// AddWord adds the values of every 1..order-gram of w to a and returns how
// many n-grams it looked up. The hashes of the n-grams starting at one
// position are computed in one pass, each extending the previous one.
//
// The work is split in two passes over up to chunk n-grams: the first
// hashes them and loads their home slots, the second probes and adds. The
// home-slot loads of the first pass depend on nothing but the word, so the
// CPU overlaps their cache misses instead of waiting for each in turn.
func (m *Model) AddWord(a *Acc, w []rune, order int) int {
	order = min(order, chunk)
	slots, dense, width := m.Slots, m.Dense, m.Width
	mask := uint64(len(slots) - 1)
	fps, home, slot := &a.fps, &a.home, &a.slot
	ngrams := 0
	for i := 0; i < len(w); {
		k := 0
		for ; i < len(w) && k+order <= chunk; i++ {
			h := Start
			for n := 0; n < order && i+n < len(w); n++ {
				h = Step(h, w[i+n])
				fp, idx := Mix(h)
				j := idx & mask
				fps[k], home[k], slot[k] = fp, j, slots[j]
				k++
			}
		}
		ngrams += k
		if a.pending+k > maxPending {
			a.flush()
		}
		a.pending += k
		nd := 0
		for c := range k {
			s, fp, j := slot[c], fps[c], home[c]
			for s != 0 && uint32(s>>32) != fp {
				j = (j + 1) & mask
				s = slots[j]
			}
			if s == 0 {
				continue
			}
			p := uint32(s)
			if p&denseFlag != 0 {
				a.dense[nd&(chunk-1)] = p &^ denseFlag
				nd++
				continue
			}
			a.lanes[p>>8&15] += uint64(p&0xff) << (p >> 12 & 3 * 16)
			q := p >> postingBits
			a.lanes[q>>8&15] += uint64(q&0xff) << (q >> 12 & 3 * 16)
		}
		// The dense vectors are summed apart, with no branch between their
		// loads, so that their cache misses overlap too.
		if width == 2 {
			l0, l1, l2, l3 := a.lanes[0], a.lanes[1], a.lanes[2], a.lanes[3]
			for _, d := range a.dense[:nd] {
				v := dense[2*int(d):][:2]
				l0 += v[0] & evenBytes
				l1 += v[0] >> 8 & evenBytes
				l2 += v[1] & evenBytes
				l3 += v[1] >> 8 & evenBytes
			}
			a.lanes[0], a.lanes[1], a.lanes[2], a.lanes[3] = l0, l1, l2, l3
			continue
		}
		for _, d := range a.dense[:nd] {
			off := int(d) * width
			for k, x := range dense[off : off+width] {
				a.lanes[(2*k)&15] += x & evenBytes
				a.lanes[(2*k+1)&15] += x >> 8 & evenBytes
			}
		}
	}
	return ngrams
}

// Build makes the lookup table from entries.
func Build(langs []string, step float32, entries []Entry) (*Model, error) {
	m := newModel(langs, step, len(entries))
	for _, e := range entries {
		buf := make([]byte, 0, 2*len(e.Post))
		for _, p := range e.Post {
			buf = append(buf, p.Lang, p.Val)
		}
		if err := m.insert(Hash(e.Gram), buf); err != nil {
			return nil, fmt.Errorf("%w (n-gram %q)", err, e.Gram)
		}
	}
	return m, nil
}

func newModel(langs []string, step float32, n int) *Model {
	size := 1
	for float64(size)*0.7 < float64(n) {
		size *= 2
	}
	return &Model{Langs: langs, Step: step, Slots: make([]uint64, size), Width: (len(langs) + 7) / 8}
}

// insert adds an n-gram's postings (lang, value pairs).
func (m *Model) insert(h uint64, post []byte) error {
	fp, idx := Mix(h)
	if len(post)/2 > 255 {
		return fmt.Errorf("%w: too many postings", ErrBadModel)
	}
	var seen [64]bool
	for i := 0; i < len(post); i += 2 {
		l := int(post[i])
		if l >= len(m.Langs) {
			return fmt.Errorf("%w: language index %d", ErrBadModel, post[i])
		}
		// One value per language: a dense vector has one byte for it.
		if seen[l] {
			return fmt.Errorf("%w: language index %d twice in one n-gram", ErrBadModel, l)
		}
		seen[l] = true
	}
	var payload uint32
	if len(post) <= 4 {
		for i := 0; i < len(post); i += 2 {
			l, v := int(post[i]), uint32(post[i+1])
			word, lane := uint32(2*(l/8)+l%2), uint32(l%8/2)
			payload |= (v | word<<8 | lane<<12) << (postingBits * (i / 2))
		}
	} else {
		n := len(m.Dense) / max(m.Width, 1)
		if n >= denseFlag {
			return fmt.Errorf("%w: too many n-grams", ErrBadModel)
		}
		off := len(m.Dense)
		m.Dense = append(m.Dense, make([]uint64, m.Width)...)
		for i := 0; i < len(post); i += 2 {
			l := int(post[i])
			m.Dense[off+l/8] |= uint64(post[i+1]) << (8 * (l % 8))
		}
		payload = denseFlag | uint32(n)
	}
	mask := uint64(len(m.Slots) - 1)
	i := idx & mask
	for m.Slots[i] != 0 {
		if uint32(m.Slots[i]>>32) == fp {
			// Two n-grams share a 32-bit fingerprint and a probe chain: the
			// later one would be unreachable. Rare enough to refuse.
			return fmt.Errorf("%w: fingerprint collision", ErrBadModel)
		}
		i = (i + 1) & mask
	}
	m.Slots[i] = uint64(fp)<<32 | uint64(payload)
	return nil
}

// Encode serialises a model given as entries (sorted by the caller or not).
func Encode(langs []string, step float32, entries []Entry) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("LIDM")
	b.Write(binary.LittleEndian.AppendUint32(nil, Version))
	b.WriteByte(byte(len(langs)))
	for _, l := range langs {
		b.WriteByte(byte(len(l)))
		b.WriteString(l)
	}
	b.Write(binary.LittleEndian.AppendUint32(nil, math.Float32bits(step)))
	b.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(entries))))
	prev := ""
	for _, e := range entries {
		if len(e.Gram) > 255 || len(e.Post) > 255 {
			return nil, fmt.Errorf("%w: entry %q too long", ErrBadModel, e.Gram)
		}
		n := 0
		for n < len(prev) && n < len(e.Gram) && prev[n] == e.Gram[n] {
			n++
		}
		b.WriteByte(byte(n))
		b.WriteByte(byte(len(e.Gram) - n))
		b.WriteString(e.Gram[n:])
		b.WriteByte(byte(len(e.Post)))
		for _, p := range e.Post {
			b.WriteByte(p.Lang)
			b.WriteByte(p.Val)
		}
		prev = e.Gram
	}
	var z bytes.Buffer
	w, err := flate.NewWriter(&z, flate.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(b.Bytes()); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return z.Bytes(), nil
}

// Decode parses a blob written by Encode and builds the lookup table.
func Decode(blob []byte) (*Model, error) {
	raw, err := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(blob)), maxBlob+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadModel, err)
	}
	if len(raw) > maxBlob {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrBadModel, maxBlob)
	}
	r := reader{b: raw}
	if string(r.bytes(4)) != "LIDM" {
		return nil, fmt.Errorf("%w: bad magic", ErrBadModel)
	}
	if v := r.u32(); v != Version {
		return nil, fmt.Errorf("%w: version %d, want %d", ErrBadModel, v, Version)
	}
	nl := r.u8()
	langs := make([]string, 0, nl)
	for range nl {
		langs = append(langs, string(r.bytes(int(r.u8()))))
	}
	step := math.Float32frombits(r.u32())
	count := r.u32()
	if r.err || uint64(count) > uint64(len(raw)) {
		return nil, fmt.Errorf("%w: truncated header", ErrBadModel)
	}
	m := newModel(langs, step, int(count))
	gram := make([]byte, 0, 32)
	for range count {
		shared := int(r.u8())
		rest := r.bytes(int(r.u8()))
		if shared > len(gram) {
			return nil, fmt.Errorf("%w: bad prefix length", ErrBadModel)
		}
		gram = append(gram[:shared], rest...)
		post := r.bytes(2 * int(r.u8()))
		if r.err || !utf8.Valid(gram) {
			return nil, fmt.Errorf("%w: truncated or invalid entry", ErrBadModel)
		}
		h := Start
		for i := 0; i < len(gram); {
			c, n := utf8.DecodeRune(gram[i:])
			h = Step(h, c)
			i += n
		}
		if err := m.insert(h, post); err != nil {
			return nil, err
		}
	}
	if len(r.b) != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes", ErrBadModel, len(r.b))
	}
	m.Dense = slices.Clone(m.Dense) // drop append's spare capacity
	return m, nil
}

type reader struct {
	b   []byte
	err bool
}

func (r *reader) bytes(n int) []byte {
	if n < 0 || n > len(r.b) {
		r.err = true
		r.b = nil
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *reader) u8() uint8 {
	x := r.bytes(1)
	if len(x) < 1 {
		return 0
	}
	return x[0]
}

func (r *reader) u32() uint32 {
	x := r.bytes(4)
	if len(x) < 4 {
		return 0
	}
	return binary.LittleEndian.Uint32(x)
}
