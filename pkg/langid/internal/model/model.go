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

// Model is the in-memory form: an open-addressing table of fingerprints
// whose slots point into a flat postings array.
type Model struct {
	Langs []string
	Step  float32
	Slots []uint64 // fingerprint<<32 | offset<<8 | count; 0 = empty
	Post  []byte   // pairs of (lang, value)
}

// Lookup returns the postings of an n-gram hash (raw, before Mix), or nil.
func (m *Model) Lookup(h uint64) []byte {
	fp, idx := Mix(h)
	mask := uint64(len(m.Slots) - 1)
	for i := idx & mask; ; i = (i + 1) & mask {
		s := m.Slots[i]
		if s == 0 {
			return nil
		}
		if uint32(s>>32) == fp {
			off := (s >> 8) & 0xffffff
			return m.Post[2*off : 2*(off+s&0xff)]
		}
	}
}

// Build makes the lookup table from entries.
func Build(langs []string, step float32, entries []Entry) (*Model, error) {
	m := newModel(langs, step, len(entries), 2*len(entries))
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

func newModel(langs []string, step float32, n, postCap int) *Model {
	size := 1
	for float64(size)*0.7 < float64(n) {
		size *= 2
	}
	return &Model{Langs: langs, Step: step, Slots: make([]uint64, size), Post: make([]byte, 0, postCap)}
}

// insert adds an n-gram's postings (lang, value pairs).
func (m *Model) insert(h uint64, post []byte) error {
	fp, idx := Mix(h)
	off := uint64(len(m.Post) / 2)
	np := uint64(len(post) / 2)
	if off+np >= 1<<24 || np > 255 {
		return fmt.Errorf("%w: too many postings", ErrBadModel)
	}
	for i := 0; i < len(post); i += 2 {
		if int(post[i]) >= len(m.Langs) {
			return fmt.Errorf("%w: language index %d", ErrBadModel, post[i])
		}
	}
	m.Post = append(m.Post, post...)
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
	m.Slots[i] = uint64(fp)<<32 | off<<8 | np
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
	m := newModel(langs, step, int(count), len(raw))
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
	m.Post = append([]byte(nil), m.Post...) // drop the over-sized first guess
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
