package alerter

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/veille-oss/veille/pkg/alert"
)

var (
	// ErrState is wrapped by errors reading or writing the engine snapshot.
	ErrState = errors.New("alerter state")
	// ErrCorruptState is wrapped when the stored snapshot cannot be used
	// (bad manifest, checksum, encoding); the leader then starts afresh.
	ErrCorruptState = errors.New("alerter state corrupt")
)

const (
	// Bucket is the NATS KV bucket of the alerter: the leader lease and the
	// engine snapshot.
	Bucket = "VEILLE_ALERTER"
	// manifestKey points at the current snapshot's chunks.
	manifestKey = "snapshot"
	// chunkSize keeps every value well under NATS's 1 MiB message limit.
	chunkSize = 512 << 10
	// maxChunks bounds a snapshot to 128 MiB compressed.
	maxChunks = 256
)

// manifest describes a stored snapshot. Chunks live under
// snapshot.<slot>.<i>; the two slots alternate so the manifest always
// points at a complete snapshot and the key count stays bounded.
type manifest struct {
	Slot   string    `json:"slot"` // "a" or "b"
	Chunks int       `json:"chunks"`
	Size   int       `json:"size"`   // gzip bytes
	SHA256 string    `json:"sha256"` // of the gzip bytes
	At     time.Time `json:"at"`
	Holder string    `json:"holder"`
}

// stateStore reads and writes engine snapshots. Writes are compare-and-set
// on the manifest's revision, so a deposed leader cannot overwrite the
// state of the new one.
type stateStore struct {
	kv     jetstream.KeyValue
	holder string
	rev    uint64 // manifest revision we last read or wrote; 0 = absent
	cur    manifest
	// written is the chunk count we last wrote per slot, to purge chunks a
	// smaller snapshot no longer uses.
	written map[string]int
	// raw, zw and gz are reused by every save: a new gzip writer allocates
	// ~600 KB of compressor state, the snapshot is megabytes with many
	// brands, and the leader saves every few seconds and after every event.
	raw bytes.Buffer // the snapshot's JSON
	zw  *gzip.Writer
	gz  bytes.Buffer // raw, gzipped
}

// load restores the stored snapshot into e and reports whether there was
// one. It also remembers the manifest revision for later writes.
func (s *stateStore) load(ctx context.Context, e *alert.Engine) (bool, error) {
	ent, err := s.kv.Get(ctx, manifestKey)
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
		s.rev, s.cur = 0, manifest{}
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("%w: read manifest: %w", ErrState, err)
	}
	var m manifest
	if err := json.Unmarshal(ent.Value(), &m); err != nil {
		return false, fmt.Errorf("%w: manifest: %w", ErrCorruptState, err)
	}
	if (m.Slot != "a" && m.Slot != "b") || m.Chunks < 1 || m.Chunks > maxChunks {
		return false, fmt.Errorf("%w: manifest: bad slot %q or chunk count %d", ErrCorruptState, m.Slot, m.Chunks)
	}
	var gz bytes.Buffer
	for i := range m.Chunks {
		c, err := s.kv.Get(ctx, chunkKey(m.Slot, i))
		if err != nil {
			return false, fmt.Errorf("%w: chunk %d of %d: %w", ErrState, i, m.Chunks, err)
		}
		gz.Write(c.Value())
	}
	sum := sha256.Sum256(gz.Bytes())
	if hex.EncodeToString(sum[:]) != m.SHA256 {
		return false, fmt.Errorf("%w: snapshot checksum mismatch (written at %s)", ErrCorruptState, m.At.Format(time.RFC3339))
	}
	zr, err := gzip.NewReader(&gz)
	if err != nil {
		return false, fmt.Errorf("%w: gzip: %w", ErrCorruptState, err)
	}
	data, err := io.ReadAll(io.LimitReader(zr, alert.MaxSnapshot+1))
	if err != nil {
		return false, fmt.Errorf("%w: gunzip: %w", ErrCorruptState, err)
	}
	if err := e.Restore(data); err != nil {
		return false, fmt.Errorf("%w: %w", ErrCorruptState, err)
	}
	s.rev, s.cur = ent.Revision(), m
	return true, nil
}

func chunkKey(slot string, i int) string { return manifestKey + "." + slot + "." + strconv.Itoa(i) }

// save stores the engine's snapshot. It returns ErrLeaseLost when the
// manifest changed since our last read or write (another leader).
func (s *stateStore) save(ctx context.Context, e *alert.Engine) (int, error) {
	s.raw.Reset()
	if err := e.WriteSnapshot(&s.raw); err != nil {
		return 0, fmt.Errorf("%w: %w", ErrState, err)
	}
	data := s.raw.Bytes()
	s.gz.Reset()
	if s.zw == nil {
		s.zw, _ = gzip.NewWriterLevel(&s.gz, gzip.BestSpeed)
	} else {
		s.zw.Reset(&s.gz)
	}
	if _, err := s.zw.Write(data); err != nil {
		return 0, fmt.Errorf("%w: gzip: %w", ErrState, err)
	}
	if err := s.zw.Close(); err != nil {
		return 0, fmt.Errorf("%w: gzip: %w", ErrState, err)
	}
	// b is only valid until the next save: the chunks are copied out by
	// the KV puts (which wait for the server's ack) before save returns.
	b := s.gz.Bytes()
	n := (len(b) + chunkSize - 1) / chunkSize
	if n > maxChunks {
		return 0, fmt.Errorf("%w: snapshot of %d bytes exceeds %d chunks", ErrState, len(b), maxChunks)
	}
	slot := "a"
	if s.cur.Slot == "a" {
		slot = "b"
	}
	for i := range n {
		part := b[i*chunkSize : min(len(b), (i+1)*chunkSize)]
		if _, err := s.kv.Put(ctx, chunkKey(slot, i), part); err != nil {
			return 0, fmt.Errorf("%w: write chunk %d: %w", ErrState, i, err)
		}
	}
	sum := sha256.Sum256(b)
	m := manifest{Slot: slot, Chunks: n, Size: len(b), SHA256: hex.EncodeToString(sum[:]), At: time.Now().UTC(), Holder: s.holder}
	mv, _ := json.Marshal(m)
	var (
		rev uint64
		err error
	)
	if s.rev == 0 {
		rev, err = s.kv.Create(ctx, manifestKey, mv)
	} else {
		rev, err = s.kv.Update(ctx, manifestKey, mv, s.rev)
	}
	if err != nil {
		if isWrongRevision(err) {
			return 0, fmt.Errorf("%w: snapshot written by another instance", ErrLeaseLost)
		}
		return 0, fmt.Errorf("%w: write manifest: %w", ErrState, err)
	}
	// Chunks of this slot beyond the new count are stale: drop them so a
	// long-gone big snapshot does not linger.
	if s.written == nil {
		s.written = map[string]int{}
	}
	for i := n; i < s.written[slot]; i++ {
		_ = s.kv.Purge(ctx, chunkKey(slot, i))
	}
	s.written[slot] = n
	s.rev, s.cur = rev, m
	return len(b), nil
}
