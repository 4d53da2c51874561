// Package dedup clusters near-duplicate texts (syndicated or copied
// articles) with 64-bit SimHash over word shingles and a banded LSH index
// over a bounded ring of recent signatures.
package dedup

import (
	"encoding/hex"
	"math/bits"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Options configure an Index.
type Options struct {
	// Capacity is how many recent signatures are kept (ring buffer); the
	// oldest are forgotten. Default 100000 (about 4 MB).
	Capacity int
	// MaxDistance is the largest Hamming distance between two SimHashes of
	// the same cluster. Default 10: a copy under another site's header and
	// footer measures 8-10 on a 250-word article, unrelated texts ~32.
	// Pairs within 7 bits are always found (8 bands of 8 bits); beyond, a
	// pair is found when one band survives (about 90% at 10 bits).
	MaxDistance int
	// MinWords: texts with fewer words get no cluster (SimHash of a few
	// words is noise). Default 15.
	MinWords int
}

const (
	nBands    = 8 // 8 bands of 8 bits: any pair within 7 bits shares a band
	bandBits  = 8
	shingle   = 3
	maxWords  = 20000
	defaultCp = 100000
)

type slot struct {
	hash    uint64
	cluster string
	used    bool
}

// Index assigns cluster ids. It is safe for concurrent use.
type Index struct {
	opt     Options
	mu      sync.Mutex
	ring    []slot
	next    int
	buckets [nBands][1 << bandBits][]entry
}

// entry keeps the hash next to the slot so a bucket scan stays sequential.
type entry struct {
	hash uint64
	slot int32
}

// New returns an empty Index.
func New(opt Options) *Index {
	if opt.Capacity <= 0 {
		opt.Capacity = defaultCp
	}
	if opt.MaxDistance <= 0 {
		opt.MaxDistance = 10
	}
	if opt.MinWords <= 0 {
		opt.MinWords = 15
	}
	return &Index{opt: opt, ring: make([]slot, opt.Capacity)}
}

// Fingerprint returns the SimHash of text's normalised word 3-shingles and
// the number of words.
func Fingerprint(text string) (uint64, int) {
	var sh shingler
	inWord := false
	const offset = uint64(14695981039346656037) // FNV-1a, inlined
	wh := offset
	for i := 0; i < len(text) && sh.n < maxWords; {
		c := text[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case 'a' <= c && c <= 'z' || '0' <= c && c <= '9':
			case 'A' <= c && c <= 'Z':
				c += 'a' - 'A'
			default:
				if inWord {
					sh.word(wh)
					wh, inWord = offset, false
				}
				continue
			}
			wh = (wh ^ uint64(c)) * 1099511628211
			inWord = true
			continue
		}
		r, sz := utf8.DecodeRuneInString(text[i:])
		i += sz
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			var enc [utf8.UTFMax]byte
			for _, b := range utf8.AppendRune(enc[:0], fold(unicode.ToLower(r))) {
				wh = (wh ^ uint64(b)) * 1099511628211
			}
			inWord = true
			continue
		}
		if inWord {
			sh.word(wh)
			wh, inWord = offset, false
		}
	}
	if inWord {
		sh.word(wh)
	}
	return sh.sum(), sh.n
}

// shingler turns word hashes into the SimHash of their 3-shingles. Each
// shingle votes +1/-1 per bit; the votes are kept as counts of set bits,
// eight bits at a time in byte lanes (flushed before a lane can overflow),
// and bit b of the SimHash is set when more shingles set it than not.
type shingler struct {
	win   [shingle]uint64 // hashes of the last words
	n     int             // words
	lanes [8]uint64       // lane j of lanes[k]: set count of bit 8k+j since the last flush
	inLan int             // shingles in lanes
	set   [64]int32       // set counts flushed from the lanes
	total int32           // shingles
}

func (s *shingler) word(wh uint64) {
	copy(s.win[:], s.win[1:])
	s.win[shingle-1] = wh
	s.n++
	if s.n < shingle {
		return
	}
	// combine the window into one shingle hash.
	x := s.win[0]
	for k := 1; k < shingle; k++ {
		x = mix(x*31 + s.win[k])
	}
	for k := range s.lanes {
		s.lanes[k] += spread[byte(x>>(8*k))]
	}
	s.total++
	if s.inLan++; s.inLan == 255 {
		s.flush()
	}
}

func (s *shingler) flush() {
	for k, l := range s.lanes {
		for j := 0; j < 8; j++ {
			s.set[8*k+j] += int32(l >> (8 * j) & 0xff)
		}
	}
	s.lanes = [8]uint64{}
	s.inLan = 0
}

func (s *shingler) sum() uint64 {
	s.flush()
	var out uint64
	for b := 0; b < 64; b++ {
		if 2*s.set[b]-s.total > 0 { // the +1/-1 vote sum
			out |= 1 << b
		}
	}
	return out
}

// spread[v] has byte lane j set to bit j of v.
var spread = func() (t [256]uint64) {
	for v := range t {
		for j := 0; j < 8; j++ {
			if v&(1<<j) != 0 {
				t[v] |= 1 << (8 * j)
			}
		}
	}
	return t
}()

// mix is a 64-bit finaliser (splitmix64) so shingle hashes spread well.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

func fold(r rune) rune {
	switch r {
	case 'à', 'â', 'ä':
		return 'a'
	case 'é', 'è', 'ê', 'ë':
		return 'e'
	case 'î', 'ï':
		return 'i'
	case 'ô', 'ö':
		return 'o'
	case 'ù', 'û', 'ü':
		return 'u'
	case 'ç':
		return 'c'
	}
	return r
}

// Assign returns the cluster id of text: the id of the first-seen member
// of its near-duplicate cluster (id itself when it is the first; the
// SimHash in hex when id is empty). Texts shorter than MinWords get "".
func (ix *Index) Assign(id, text string) string {
	h, n := Fingerprint(text)
	if n < ix.opt.MinWords {
		return ""
	}
	if id == "" {
		id = Hex(h)
	}
	return ix.AssignHash(id, h)
}

// Hex formats a SimHash as 16 hex digits.
func Hex(h uint64) string {
	var b [8]byte
	for i := 0; i < 8; i++ {
		b[i] = byte(h >> (56 - 8*i))
	}
	return hex.EncodeToString(b[:])
}

// AssignHash is Assign for a precomputed SimHash.
func (ix *Index) AssignHash(id string, h uint64) string {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	best, bestD := -1, ix.opt.MaxDistance+1
	for b := 0; b < nBands; b++ {
		key := band(h, b)
		for _, e := range ix.buckets[b][key] {
			if d := bits.OnesCount64(e.hash ^ h); d < bestD {
				best, bestD = int(e.slot), d
			}
		}
		if bestD == 0 {
			break // an exact copy: nothing later can be strictly closer
		}
	}
	cluster := id
	if best >= 0 {
		cluster = ix.ring[best].cluster
	}
	ix.insert(h, cluster)
	return cluster
}

func band(h uint64, b int) uint8 { return uint8(h >> (b * bandBits)) }

func (ix *Index) insert(h uint64, cluster string) {
	s := ix.next
	ix.next = (ix.next + 1) % len(ix.ring)
	if old := ix.ring[s]; old.used {
		for b := 0; b < nBands; b++ {
			key := band(old.hash, b)
			lst := ix.buckets[b][key]
			for k, v := range lst {
				if int(v.slot) == s {
					lst[k] = lst[len(lst)-1]
					ix.buckets[b][key] = lst[:len(lst)-1]
					break
				}
			}
		}
	}
	ix.ring[s] = slot{hash: h, cluster: cluster, used: true}
	for b := 0; b < nBands; b++ {
		key := band(h, b)
		ix.buckets[b][key] = append(ix.buckets[b][key], entry{h, int32(s)})
	}
}

// Len is the number of signatures currently kept.
func (ix *Index) Len() int {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	n := 0
	for _, s := range ix.ring {
		if s.used {
			n++
		}
	}
	return n
}
