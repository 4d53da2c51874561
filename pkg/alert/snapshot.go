package alert

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/veille-oss/veille/pkg/nlp/dedup"
)

// errSnapshot is wrapped by Restore errors.
var errSnapshot = errors.New("invalid alert snapshot")

// snapshotVersion changes when the snapshot layout does.
const snapshotVersion = 1

type snapshot struct {
	Version   int           `json:"version"`
	Brands    []*brandState `json:"brands"`
	Incidents []snapInc     `json:"incidents"`
	// Campaigns: the accounts seen per near-identical text (campaign.go),
	// so a restart in the middle of a campaign still counts its accounts.
	Campaigns []dedup.CampaignState `json:"campaigns,omitempty"`
}

type snapInc struct {
	Key   string    `json:"key"`
	State *incState `json:"state"`
}

// MaxSnapshot bounds the snapshot Restore accepts.
const MaxSnapshot = 256 << 20

// Snapshot serialises brand baselines, windows and incidents (open, and
// resolved ones still in cooldown) so a restart neither forgets a crisis nor
// re-announces it. Recently seen mention ids are not kept.
func (e *Engine) Snapshot() ([]byte, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	data, err := json.Marshal(e.snapshot())
	if err != nil {
		return nil, fmt.Errorf("alert snapshot: %w", err)
	}
	return data, nil
}

// WriteSnapshot writes the bytes Snapshot returns to w, without the copy
// Snapshot makes of them: a caller writing into a buffer it keeps (the
// alerter checkpoints every few seconds) allocates nothing for the output.
func (e *Engine) WriteSnapshot(w io.Writer) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	// The encoder ends its output with a newline that Marshal does not
	// write; JSON without indentation has no other raw newline.
	if err := json.NewEncoder(noNewline{w}).Encode(e.snapshot()); err != nil {
		return fmt.Errorf("alert snapshot: %w", err)
	}
	return nil
}

// snapshot gathers the state in a stable order; e.mu must be held.
func (e *Engine) snapshot() snapshot {
	s := snapshot{Version: snapshotVersion}
	for _, b := range e.brands {
		s.Brands = append(s.Brands, b)
	}
	slices.SortFunc(s.Brands, func(a, b *brandState) int { return strings.Compare(a.Name, b.Name) })
	for k, st := range e.incidents {
		s.Incidents = append(s.Incidents, snapInc{Key: k, State: st})
	}
	slices.SortFunc(s.Incidents, func(a, b snapInc) int { return strings.Compare(a.Key, b.Key) })
	if cs := e.campaigns.State(); len(cs) > 0 {
		s.Campaigns = cs
	}
	return s
}

// noNewline drops the newline json.Encoder ends each value with.
type noNewline struct{ w io.Writer }

func (n noNewline) Write(p []byte) (int, error) {
	q := bytes.TrimSuffix(p, []byte{'\n'})
	if _, err := n.w.Write(q); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Restore replaces the engine's state with a snapshot. Rules come from the
// engine's current config; a brand whose window or bucket changed keeps its
// baseline but starts a fresh window.
func (e *Engine) Restore(data []byte) error {
	if len(data) > MaxSnapshot {
		return fmt.Errorf("%w: %d bytes, at most %d", errSnapshot, len(data), MaxSnapshot)
	}
	var s snapshot
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("%w: %w", errSnapshot, err)
	}
	if s.Version != snapshotVersion {
		return fmt.Errorf("%w: version %d, want %d", errSnapshot, s.Version, snapshotVersion)
	}
	brands := map[string]*brandState{}
	for i, b := range s.Brands {
		if b == nil || strings.TrimSpace(b.Name) == "" {
			return fmt.Errorf("%w: brands[%d]: no name", errSnapshot, i)
		}
		e.initBrand(b)
		want := newRing(b.rules.Window, b.rules.Bucket)
		if b.Ring.Bucket != want.Bucket || len(b.Ring.Slots) != len(want.Slots) {
			b.Ring = want
			b.Recent = nil
		}
		brands[brandKey(b.Name)] = b
	}
	incidents := map[string]*incState{}
	for i, si := range s.Incidents {
		if si.State == nil || si.State.Inc.ID == "" || !knownCause(si.State.Inc.Cause) {
			return fmt.Errorf("%w: incidents[%d]: missing id or unknown rule", errSnapshot, i)
		}
		want := brandKey(si.State.Inc.Brand) + "\x00" + family(si.State.Inc.Cause)
		if si.Key != want {
			return fmt.Errorf("%w: incidents[%d]: key does not match brand and rule", errSnapshot, i)
		}
		incidents[si.Key] = si.State
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.brands = brands
	e.incidents = incidents
	e.campaigns.Restore(s.Campaigns)
	return nil
}
