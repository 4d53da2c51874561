package dates

import (
	"testing"
	"time"
)

// The demo's news site shows "Publié le 02/12/2026 à 16h02" for an article
// published at 15:02 UTC. Read as UTC it lands an hour in the future: these
// cases fail on that shift.
func TestFrenchDatesWithoutZoneAreParisTime(t *testing.T) {
	now := time.Date(2026, 12, 2, 15, 30, 0, 0, time.UTC)
	cases := []struct {
		in, lang string
		want     time.Time
	}{
		{"02/12/2026 à 16h02", "fr", time.Date(2026, 12, 2, 15, 2, 0, 0, time.UTC)},
		{"02/12/2026 à 16h02", "fr-FR", time.Date(2026, 12, 2, 15, 2, 0, 0, time.UTC)},
		{"2026-07-14 16:02", "fr", time.Date(2026, 7, 14, 14, 2, 0, 0, time.UTC)}, // summer: UTC+2
		{"14 juillet 2026 à 16 h 02 min", "fr", time.Date(2026, 7, 14, 14, 2, 0, 0, time.UTC)},
		{"hier à 14h05", "fr", time.Date(2026, 12, 1, 13, 5, 0, 0, time.UTC)},
		{"lun. 30 nov. 2026 10:15", "fr", time.Date(2026, 11, 30, 9, 15, 0, 0, time.UTC)},
		{"02/12/2026 à 10h02", "fr-CA", time.Date(2026, 12, 2, 15, 2, 0, 0, time.UTC)},
		{"02/12/2026 à 16h02", "fr_SN", time.Date(2026, 12, 2, 16, 2, 0, 0, time.UTC)}, // Dakar is UTC
		// An offset in the text wins over the language.
		{"2026-12-02T16:02:00+01:00", "fr", time.Date(2026, 12, 2, 15, 2, 0, 0, time.UTC)},
		{"2026-12-02T16:02:00Z", "fr", time.Date(2026, 12, 2, 16, 2, 0, 0, time.UTC)},
		{"Wed, 02 Dec 2026 15:02:00 +0000", "fr", time.Date(2026, 12, 2, 15, 2, 0, 0, time.UTC)},
		// No usual zone for English without a region: UTC.
		{"2026-12-02 16:02", "en", time.Date(2026, 12, 2, 16, 2, 0, 0, time.UTC)},
		{"2026-12-02 16:02", "", time.Date(2026, 12, 2, 16, 2, 0, 0, time.UTC)},
	}
	for _, c := range cases {
		got, err := Parse(c.in, Options{Now: now, Lang: c.lang})
		if err != nil {
			t.Errorf("Parse(%q, lang %q): %v", c.in, c.lang, err)
			continue
		}
		if !got.Equal(c.want) {
			t.Errorf("Parse(%q, lang %q) = %s, want %s", c.in, c.lang, got, c.want)
		}
	}
}

func TestZoneOrder(t *testing.T) {
	ny := time.FixedZone("declared", -5*3600)
	cases := []struct {
		configured string
		declared   *time.Location
		lang, want string
	}{
		{"America/New_York", ny, "fr", "America/New_York"},
		{"", ny, "fr", "declared"},
		{"", nil, "fr", "Europe/Paris"},
		{"", nil, "FR-be", "Europe/Brussels"},
		{"", nil, "en", "UTC"},
		{"Not/AZone", nil, "fr", "Europe/Paris"},
	}
	for _, c := range cases {
		if got := Zone(c.configured, c.declared, c.lang).String(); got != c.want {
			t.Errorf("Zone(%q, %v, %q) = %s, want %s", c.configured, c.declared, c.lang, got, c.want)
		}
	}
}

func TestDeclaredZone(t *testing.T) {
	winter := time.Date(2026, 12, 2, 16, 2, 0, 0, time.FixedZone("", 3600))
	loc, ok := DeclaredZone(winter, "fr")
	if !ok || loc.String() != "Europe/Paris" {
		t.Fatalf("a +01:00 date on a French page: zone %v, %v; want Europe/Paris", loc, ok)
	}
	// Montreal's -05:00 on a page in French: the offset, not Paris.
	loc, ok = DeclaredZone(time.Date(2026, 12, 2, 10, 2, 0, 0, time.FixedZone("", -5*3600)), "fr")
	if !ok {
		t.Fatal("a -05:00 date declares its zone")
	}
	if _, off := time.Date(2026, 12, 2, 10, 0, 0, 0, loc).Zone(); off != -5*3600 {
		t.Fatalf("declared zone offset %d, want -18000", off)
	}
	// A UTC timestamp in metadata says nothing about the zone of the text.
	if _, ok := DeclaredZone(time.Date(2026, 12, 2, 15, 2, 0, 0, time.UTC), "fr"); ok {
		t.Fatal("a UTC metadata date must not declare UTC for a French page")
	}
}

func TestClamp(t *testing.T) {
	collected := time.Date(2026, 12, 2, 15, 30, 0, 0, time.UTC)
	cases := []struct {
		published   time.Time
		want        time.Time
		wantClamped bool
	}{
		{collected.Add(time.Hour), collected, true},             // the one-hour shift
		{collected.Add(MaxSkew + time.Second), collected, true}, // just beyond the skew
		{collected.Add(MaxSkew), collected.Add(MaxSkew), false}, // within the skew: kept
		{collected.Add(-48 * time.Hour), collected.Add(-48 * time.Hour), false},
		{time.Time{}, time.Time{}, false}, // unknown stays unknown
	}
	for _, c := range cases {
		got, clamped := Clamp(c.published, collected)
		if !got.Equal(c.want) || clamped != c.wantClamped {
			t.Errorf("Clamp(%s) = %s, %v; want %s, %v", c.published, got, clamped, c.want, c.wantClamped)
		}
	}
}
