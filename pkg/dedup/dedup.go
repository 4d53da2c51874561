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
	var v [64]int32
	var win [shingle]uint64 // hashes of the last words
	n := 0
	var word []byte
	flush := func() {
		if len(word) == 0 {
			return
		}
		wh := uint64(14695981039346656037) // FNV-1a, inlined
		for _, c := range word {
			wh ^= uint64(c)
			wh *= 1099511628211
		}
		word = word[:0]
		copy(win[:], win[1:])
		win[shingle-1] = wh
		n++
		if n >= shingle {
			// combine the window into one shingle hash.
			x := win[0]
			for k := 1; k < shingle; k++ {
				x = mix(x*31 + win[k])
			}
			for b := 0; b < 64; b++ {
				if x&(1<<b) != 0 {
					v[b]++
				} else {
					v[b]--
				}
			}
		}
	}
	for i := 0; i < len(text) && n < maxWords; {
		r, sz := utf8.DecodeRuneInString(text[i:])
		i += sz
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			word = utf8.AppendRune(word, fold(unicode.ToLower(r)))
			continue
		}
		flush()
	}
	flush()
	var out uint64
	for b := 0; b < 64; b++ {
		if v[b] > 0 {
			out |= 1 << b
		}
	}
	return out, n
}

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
