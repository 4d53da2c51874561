package reports_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/store"
	"github.com/veille-oss/veille/pkg/store/analytics"
	"github.com/veille-oss/veille/pkg/store/cookbook"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
	"github.com/veille-oss/veille/services/reports"
)

// crisisIncident stores what the alerter and a CM leave after a bad buzz
// that opened a minute ago: the alerter's rows and the CM's actions.
func crisisIncident(t *testing.T, st *store.Store, now time.Time) {
	t.Helper()
	ctx := context.Background()
	b, err := st.Conn.PrepareBatch(ctx, "INSERT INTO "+st.DB+".alerts (incident_id, brand, rule, event, severity, status, opened_at, updated_at, resolved_at, window_start, window_end, count_total, count_neg, count_neu, count_pos, count_influencer, count_toxic, top_mention_ids, summary, deliveries, version)")
	if err != nil {
		t.Fatal(err)
	}
	opened := now.Add(-time.Minute).Truncate(time.Second)
	zero := time.Unix(0, 0).UTC()
	for seq, ev := range []string{"opened", "escalated"} {
		if err := b.Append("inc-crisis", "Duval", "volume_spike", ev, uint8(5+seq), "open", opened, opened.Add(time.Duration(seq)*10*time.Second), zero,
			opened.Add(-5*time.Minute), opened, uint32(68), uint32(52), uint32(10), uint32(6), uint32(1), uint32(3), []string{}, "52 negative mentions in 5m0s, baseline expects 1.3 (z=9.1)", "", uint64(seq+1)*1_000_000); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Send(); err != nil {
		t.Fatal(err)
	}
	if _, err := analytics.SetIncidentStatus(ctx, st.Conn, st.DB, "inc-crisis", analytics.StatusResolved, now); err != nil {
		t.Fatal(err)
	}
	acts := []analytics.IncidentAction{
		{IncidentID: "inc-crisis", Brand: "Duval", Action: analytics.ActionAssigned, Actor: "alice", At: opened.Add(20 * time.Second), Assignee: "bob"},
		{IncidentID: "inc-crisis", Brand: "Duval", Action: analytics.ActionNote, Actor: "bob", At: opened.Add(40 * time.Second), Note: "Lot 42 retiré de la vente, réponse publiée sur le forum."},
		{IncidentID: "inc-crisis", Brand: "Duval", Action: analytics.ActionResolved, Actor: "alice", At: now},
	}
	if err := analytics.InsertIncidentActions(ctx, st.Conn, st.DB, acts...); err != nil {
		t.Fatal(err)
	}
}

// TestReportRightAfterCrisis is `veille report --brand Duval --period 7d`
// run a minute after a bad buzz: the period ends now, so the incident is
// in it with its handling; times are in Paris time, named; no page of the
// PDF is blank.
func TestReportRightAfterCrisis(t *testing.T) {
	pdftotext, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Fatalf("pdftotext is needed (apt-get install poppler-utils): %v", err)
	}
	st := testenv.Store(t, testenv.Config(t))
	now := time.Now().UTC()
	// A week of ordinary traffic ending at the last full hour, as a live
	// system has, then the crisis.
	if err := cookbook.Load(context.Background(), st, cookbook.Fixture(now.Truncate(time.Hour))); err != nil {
		t.Fatal(err)
	}
	crisisIncident(t, st, now)
	var buf bytes.Buffer
	if err := reports.Generate(context.Background(), st.Conn, st.DB, reports.Options{Brand: "Duval", Period: 7 * 24 * time.Hour, Format: reports.FormatPDF}, &buf); err != nil {
		t.Fatal(err)
	}
	dir := *keep
	if dir == "" {
		dir = t.TempDir()
	}
	path := filepath.Join(dir, "duval-crisis.pdf")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(pdftotext, "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	text := normalize(string(out))
	paris, _ := time.LoadLocation("Europe/Paris")
	off := now.In(paris).Format("-07:00")
	opened := now.Add(-time.Minute).In(paris)
	mustContain(t, text,
		"Heures locales : Europe/Paris (UTC"+off+")",
		"Pic de volume négatif — Duval",
		"sévérité 3/4 — élevée",
		"52 mentions négatives en 5 min, alors que 1,3 sont attendues d'habitude",
		fmt.Sprintf("à %02dh%02d", opened.Hour(), opened.Minute()),
		"résolu par alice",
		"Responsable : bob",
		"Lot 42 retiré de la vente, réponse publiée sur le forum. — bob",
	)
	if strings.Contains(text, "Aucun incident sur la période") {
		t.Fatal("the report right after the crisis says there was no incident")
	}
	// No blank page: every page has text of its own beyond a line or two.
	pages := pageCount(t, path)
	for p := 1; p <= pages; p++ {
		pt, err := exec.Command(pdftotext, "-enc", "UTF-8", "-f", strconv.Itoa(p), "-l", strconv.Itoa(p), path, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		if n := len(strings.Join(strings.Fields(string(pt)), "")); n < 200 {
			t.Fatalf("page %d of %d is nearly blank (%d characters): %q", p, pages, n, pt)
		}
	}
	t.Logf("%d pages, %d bytes", pages, buf.Len())
}

func pageCount(t *testing.T, path string) int {
	t.Helper()
	out, err := exec.Command("pdfinfo", path).Output()
	if err != nil {
		t.Fatalf("pdfinfo: %v", err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(line, "Pages:"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err == nil {
				return n
			}
		}
	}
	t.Fatalf("pdfinfo gave no page count: %s", out)
	return 0
}
