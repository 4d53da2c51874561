package reports_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"html"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/store"
	"github.com/veille-oss/veille/pkg/store/cookbook"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
	"github.com/veille-oss/veille/services/reports"
)

// keep names a directory where TestPDFHasTheBrandFigures leaves its PDF, to look at it.
var keep = flag.String("keep", "", "directory to keep the generated PDF in")

// end is a Monday midnight: the fixture covers the six days before it.
var end = time.Date(2025, 3, 17, 0, 0, 0, 0, time.UTC)

func setup(t *testing.T) (*store.Store, *cookbook.Dataset) {
	t.Helper()
	st := testenv.Store(t, testenv.Config(t))
	d := cookbook.Fixture(end)
	if err := cookbook.Load(context.Background(), st, d); err != nil {
		t.Fatal(err)
	}
	return st, d
}

// figures are a brand's numbers over [from, to), computed in Go from the fixture.
type figures struct {
	total, neg, pos, reach int
	net                    float64
}

func compute(d *cookbook.Dataset, brand string, from, to time.Time) figures {
	var f figures
	followers := map[string]int{}
	for _, m := range d.Latest() {
		if m.Brand != brand || m.PublishedAt.Before(from) || !m.PublishedAt.Before(to) {
			continue
		}
		f.total++
		switch m.Enrichment.Sentiment.Label {
		case "neg":
			f.neg++
		case "pos":
			f.pos++
		}
		k := m.Enrichment.AuthorKey
		if k == "" {
			k = strings.ToLower(m.Author.Name)
		}
		if k != "" {
			followers[k] = max(followers[k], m.Author.Followers)
		}
	}
	for _, n := range followers {
		f.reach += n
	}
	if f.total > 0 {
		f.net = math.Round(float64(f.pos-f.neg)/float64(f.total)*1000) / 10
	}
	return f
}

// frNum formats like a French report after spaces are normalised: 12 500, -16,7.
func frNum(v float64) string {
	s := fmt.Sprint(v)
	if v == math.Trunc(v) && math.Abs(v) >= 1000 {
		d := fmt.Sprint(int(math.Abs(v)))
		var b strings.Builder
		for i, c := range d {
			if i > 0 && (len(d)-i)%3 == 0 {
				b.WriteByte(' ')
			}
			b.WriteRune(c)
		}
		s = b.String()
		if v < 0 {
			s = "-" + s
		}
	}
	return strings.Replace(s, ".", ",", 1)
}

var spaces = regexp.MustCompile(`[\s\x{00a0}\x{202f}]+`)

func normalize(s string) string { return spaces.ReplaceAllString(html.UnescapeString(s), " ") }

func mustContain(t *testing.T, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("report lacks %q", w)
		}
	}
	if t.Failed() {
		t.Logf("report text:\n%s", text[:min(len(text), 4000)])
	}
}

// TestPDFHasTheBrandFigures prints Duval's weekly report to PDF with
// Chromium and reads its text back with pdftotext.
func TestPDFHasTheBrandFigures(t *testing.T) {
	pdftotext := testenv.NeedProgram(t, "poppler-utils", "pdftotext")
	testenv.Chromium(t)
	st, d := setup(t)
	ctx := context.Background()
	var buf bytes.Buffer
	start := time.Now()
	err := reports.Generate(ctx, st.Conn, st.DB, reports.Options{Brand: "Duval", Period: 7 * 24 * time.Hour, End: end, Location: time.UTC, Format: reports.FormatPDF}, &buf)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("PDF of %d bytes in %s", buf.Len(), time.Since(start).Round(time.Millisecond))
	if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", buf.Bytes()[:min(buf.Len(), 20)])
	}
	dir := *keep
	if dir == "" {
		dir = t.TempDir()
	}
	path := filepath.Join(dir, "duval.pdf")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(pdftotext, "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	text := normalize(string(out))
	f := compute(d, "Duval", end.Add(-7*24*time.Hour), end)
	bl := compute(d, "Blanchard", end.Add(-7*24*time.Hour), end)
	if f.total < 150 || f.reach < 12500 {
		t.Fatalf("fixture figures %+v too small", f)
	}
	share := math.Round(float64(f.total)/float64(f.total+bl.total)*1000) / 10
	net := frNum(f.net)
	if f.net > 0 {
		net = "+" + net
	}
	mustContain(t, text,
		"Rapport de veille — Duval",
		"du 10 mars 2025 au 16 mars 2025 (7 jours)",
		"Groupe laitiers",
		frNum(float64(f.total)),
		net,
		frNum(float64(f.reach)),
		frNum(share)+" %",
		"Blanchard",
		"Camille Martin",
		"Pic de mentions négatives sur Duval",
		"négatif "+fmt.Sprint(f.neg),
		"positif "+fmt.Sprint(f.pos),
		"forum-conso-phpbb",
	)
}

// TestHTMLInEnglish checks the English page and that it is self-contained.
func TestHTMLInEnglish(t *testing.T) {
	st, d := setup(t)
	var buf bytes.Buffer
	from := end.Add(-48 * time.Hour)
	err := reports.Generate(context.Background(), st.Conn, st.DB, reports.Options{Brand: "Voltéo", Period: 48 * time.Hour, End: end, Location: time.UTC, Lang: reports.LangEN}, &buf)
	if err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, bad := range []string{"<script", "<link", " src=", "@import", "url("} {
		if strings.Contains(page, bad) {
			t.Errorf("page is not self-contained: has %q", bad)
		}
	}
	f := compute(d, "Voltéo", from, end)
	prev := compute(d, "Voltéo", from.Add(-48*time.Hour), from)
	if f.total == 0 || prev.total == 0 {
		t.Fatalf("fixture: %+v / %+v", f, prev)
	}
	text := normalize(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(page, " "))
	delta := math.Round((float64(f.total)-float64(prev.total))/float64(prev.total)*1000) / 10
	sign := ""
	if delta > 0 {
		sign = "+"
	}
	mustContain(t, text,
		"Brand monitoring report — Voltéo",
		"Net sentiment",
		"15 March 2025 to 16 March 2025 (2 days)",
		"Mentions "+fmt.Sprint(f.total),
		fmt.Sprintf("%s%v%% vs previous period (%d)", sign, delta, prev.total),
		"This brand has no declared competitor",
		"Share of voice — mobilite",
	)
	if !strings.Contains(page, `class="bar-neg"`) || !strings.Contains(page, "<svg") {
		t.Error("no volume chart")
	}
}

func TestNoChromium(t *testing.T) {
	err := reports.Generate(context.Background(), nil, "veille", reports.Options{Brand: "Duval", Format: reports.FormatPDF, Chromium: "/nonexistent/chromium"}, &bytes.Buffer{})
	if !errors.Is(err, reports.ErrNoChromium) {
		t.Fatalf("got %v, want ErrNoChromium", err)
	}
	if _, err := reports.FindChromium(""); err != nil {
		testenv.Missing(t, "chromium is needed for PDF reports (apt-get install chromium): %v", err)
	}
}

func TestOptionErrors(t *testing.T) {
	cases := []struct {
		name string
		opt  reports.Options
		want string
	}{
		{"no brand", reports.Options{}, "brand"},
		{"format", reports.Options{Brand: "Duval", Format: "docx"}, "format"},
		{"lang", reports.Options{Brand: "Duval", Lang: "de"}, "lang"},
		{"short period", reports.Options{Brand: "Duval", Period: time.Minute}, "period"},
		{"long period", reports.Options{Brand: "Duval", Period: 400 * 24 * time.Hour}, "period"},
		{"limit", reports.Options{Brand: "Duval", Limit: 1000}, "limit"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// A nil connection: options are refused before any query.
			err := reports.Generate(context.Background(), nil, "veille", c.opt, &bytes.Buffer{})
			if !errors.Is(err, reports.ErrOptions) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want ErrOptions naming %s", err, c.want)
			}
		})
	}
	for in, want := range map[string]string{"r.pdf": "pdf", "R.HTML": "html", "r.htm": "html"} {
		if got, err := reports.FormatFromPath(in); err != nil || got != want {
			t.Errorf("FormatFromPath(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := reports.FormatFromPath("r.docx"); !errors.Is(err, reports.ErrOptions) {
		t.Errorf("docx: %v", err)
	}
	for in, want := range map[string]time.Duration{"7d": 7 * 24 * time.Hour, "24h": 24 * time.Hour, "2w": 14 * 24 * time.Hour, "90m": 90 * time.Minute} {
		if got, err := reports.ParsePeriod(in); err != nil || got != want {
			t.Errorf("ParsePeriod(%q) = %s, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "7", "-1d", "0d", "week"} {
		if _, err := reports.ParsePeriod(in); !errors.Is(err, reports.ErrOptions) {
			t.Errorf("ParsePeriod(%q): %v", in, err)
		}
	}
}

func TestSchedule(t *testing.T) {
	st, d := setup(t)
	dir := t.TempDir()
	cfg := reports.ScheduleConfig{Dir: dir, Brands: []string{"Duval", "Voltéo"}, Daily: true, Weekly: true, Formats: []string{"html"}, Delay: 15 * time.Minute, Timezone: "UTC"}
	ctx := context.Background()
	// 10 minutes after midnight, the delay is not over: yesterday is the 15th.
	due, err := cfg.DueAt(end.Add(10 * time.Minute))
	if err != nil || len(due) != 4 || due[0].From != end.Add(-48*time.Hour) || due[1].From != end.Add(-14*24*time.Hour) {
		t.Fatalf("due before the delay: %+v %v", due, err)
	}
	now := end.Add(20 * time.Minute)
	written, err := reports.RunDue(ctx, st.Conn, st.DB, cfg, now, testenv.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		filepath.Join(dir, "duval", "duval-daily-2025-03-16.html"),
		filepath.Join(dir, "duval", "duval-weekly-2025-03-10.html"),
		filepath.Join(dir, "volteo", "volteo-daily-2025-03-16.html"),
		filepath.Join(dir, "volteo", "volteo-weekly-2025-03-10.html"),
	}
	if strings.Join(written, "\n") != strings.Join(want, "\n") {
		t.Fatalf("written:\n%s\nwant:\n%s", strings.Join(written, "\n"), strings.Join(want, "\n"))
	}
	daily, err := os.ReadFile(want[0])
	if err != nil {
		t.Fatal(err)
	}
	f := compute(d, "Duval", end.Add(-24*time.Hour), end)
	text := normalize(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(string(daily), " "))
	mustContain(t, text, "Rapport quotidien — 16 mars 2025", "Mentions "+fmt.Sprint(f.total))
	weekly, err := os.ReadFile(want[1])
	if err != nil {
		t.Fatal(err)
	}
	fw := compute(d, "Duval", end.Add(-7*24*time.Hour), end)
	mustContain(t, normalize(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(string(weekly), " ")), "Mentions "+fmt.Sprint(fw.total))

	again, err := reports.RunDue(ctx, st.Conn, st.DB, cfg, now.Add(time.Hour), testenv.Logger(t))
	if err != nil || len(again) != 0 {
		t.Fatalf("second run wrote %v (%v), want nothing", again, err)
	}
	if _, err := reports.RunDue(ctx, st.Conn, st.DB, reports.ScheduleConfig{Dir: dir, Brands: []string{"Duval"}, Daily: true, Formats: []string{"odt"}}, now, nil); !errors.Is(err, reports.ErrOptions) {
		t.Fatalf("bad format: %v", err)
	}
}

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{"Voltéo": "volteo", "Laiterie Duval": "laiterie-duval", "L'Oréal & Co": "l-oreal-co", "…": "brand"} {
		if got := reports.Slug(in); got != want {
			t.Errorf("Slug(%q) = %q, want %q", in, got, want)
		}
	}
}
