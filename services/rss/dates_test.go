package rss

import (
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/veille-oss/veille/pkg/collection/dates"
)

// A French feed that writes its dates without an offset writes Paris time:
// gofeed reads "2026-12-02T16:02:00" as 16:02 UTC, an hour in the future.
func TestFeedDatesWithoutOffsetUseTheFeedZone(t *testing.T) {
	feed := `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr"><title>Journal</title>
<entry><title>Sans décalage</title><link href="https://journal.example/a"/><id>a</id><published>2026-12-02T16:02:00</published></entry>
<entry><title>Avec décalage</title><link href="https://journal.example/b"/><id>b</id><published>2026-12-02T16:02:00+01:00</published></entry>
<entry><title>UTC</title><link href="https://journal.example/c"/><id>c</id><updated>2026-12-02T15:02:00Z</updated></entry>
</feed>`
	f, err := gofeed.NewParser().ParseString(feed)
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2026, 12, 2, 15, 2, 0, 0, time.UTC)
	for _, lang := range []string{"fr", "fr-FR"} {
		zone := dates.Zone("", nil, lang)
		for _, it := range f.Items {
			got := feedDate(it.Published, it.PublishedParsed, zone)
			if got.IsZero() {
				got = feedDate(it.Updated, it.UpdatedParsed, zone)
			}
			if !got.Equal(want) {
				t.Errorf("lang %s, %q: %s, want %s", lang, it.Title, got, want)
			}
		}
	}
	// The configured zone wins over the language.
	got := feedDate("2026-12-02T10:02:00", nil, dates.Zone("America/Toronto", nil, "fr"))
	if !got.Equal(want) {
		t.Errorf("configured America/Toronto: %s, want %s", got, want)
	}
	// Forms pkg/dates does not read fall back to gofeed's reading.
	p := want
	if got := feedDate("the second of December", &p, time.UTC); !got.Equal(want) {
		t.Errorf("fallback: %s, want %s", got, want)
	}
}
