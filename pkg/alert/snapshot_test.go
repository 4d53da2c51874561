package alert

import (
	"bytes"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/tooling/loadgen"
)

// TestWriteSnapshotIsSnapshot: WriteSnapshot writes exactly Snapshot's
// bytes, for a state with baselines, windows, recent mentions and open
// incidents, including text that JSON escapes.
func TestWriteSnapshotIsSnapshot(t *testing.T) {
	e, c := testEngine(t, Config{})
	g := &loadgen.Generator{Seed: 6, Brands: []string{"Duval", "<Vague & Co>", "Voltéo"}, Now: t0}
	for i := range 6000 {
		c.now = t0.Add(time.Duration(i) * 200 * time.Millisecond)
		m := g.Mention(i)
		m.CollectedAt = c.now
		label := "neu"
		if i > 4000 && i%3 != 0 {
			label = "neg" // a storm after a calm baseline
		}
		m.Enrichment = &mention.Enrichment{Lang: "fr", Sentiment: mention.Sentiment{Label: label, Score: -0.5}, InfluenceScore: float64(i % 90), IsInfluencer: i%50 == 0}
		e.Observe(m)
		if i%50 == 0 {
			e.Tick(c.now)
		}
	}
	if len(e.Incidents()) == 0 {
		t.Fatal("no incident opened: the snapshot lacks the incident part")
	}
	want, err := e.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if err := e.WriteSnapshot(&got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Fatalf("WriteSnapshot wrote %d bytes, Snapshot %d; first difference at %d", got.Len(), len(want), firstDiff(got.Bytes(), want))
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
