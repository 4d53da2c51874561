package forum

import (
	"testing"
	"time"
)

func TestGermanBoardDates(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no zone database")
	}
	now := time.Date(2024, 1, 8, 12, 0, 0, 0, berlin)
	dc := newDateCtx(Options{Now: now, Loc: berlin, Lang: "de"}, nil)
	for in, want := range map[string]string{
		"6. Januar 2024 um 22:42 Uhr":    "2024-01-06T21:42:00Z",
		"Samstag, 6. Januar 2024, 22:42": "2024-01-06T21:42:00Z",
		"Sa 6. Jan 2024, 22:42":          "2024-01-06T21:42:00Z",
		"6. März 2024, 08:15":            "2024-03-06T07:15:00Z",
		"Gestern, 22:42":                 "2024-01-07T21:42:00Z",
		"Heute, 09:15":                   "2024-01-08T08:15:00Z",
		"06.01.2024 um 22:42 Uhr":        "2024-01-06T21:42:00Z",
		"1. Dezember 2023 um 7:05 Uhr":   "2023-12-01T06:05:00Z",
	} {
		got := dc.parse(in)
		if got.Format(time.RFC3339) != want {
			t.Errorf("%q: %s, want %s", in, got.Format(time.RFC3339), want)
		}
	}
	if got := dc.parse("vor 3 Tagen"); got.IsZero() || now.Sub(got) != 72*time.Hour {
		t.Errorf("vor 3 Tagen: %v", got)
	}
}
