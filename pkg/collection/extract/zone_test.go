package extract

import (
	"strings"
	"testing"
	"time"
)

// A listing-free news page whose only date is the visible "Publié le …
// à 16h02" (Paris time, as the demo's monquotidien shows it): read as UTC it
// is an hour in the future. The comment's date follows the same zone.
func TestVisibleDatesUseThePageZone(t *testing.T) {
	body := `<div class="article"><h1>Rappel de yaourts</h1><p class="date">Publié le 02/12/2026 à 16h02</p>
<div class="texte"><p>` + strings.Repeat("La laiterie a annoncé un rappel de plusieurs lots de yaourts nature vendus en grande surface. ", 4) + `</p></div></div>
<div id="comments"><ol class="commentlist"><li id="comment-7" class="comment"><div class="comment-author"><cite class="fn">Lou</cite></div>
<div class="comment-metadata"><time>2 décembre 2026 à 17 h 10 min</time></div><div class="comment-content"><p>Merci pour l'info, j'en avais acheté hier.</p></div></li></ol></div>`
	now := time.Date(2026, 12, 2, 16, 30, 0, 0, time.UTC)
	cases := []struct {
		name, head, lang string
		loc              *time.Location
		want             time.Time
	}{
		{"french page, no metadata", "", "fr", nil, time.Date(2026, 12, 2, 15, 2, 0, 0, time.UTC)},
		{"configured zone wins", "", "fr", time.UTC, time.Date(2026, 12, 2, 16, 2, 0, 0, time.UTC)},
		// A Quebec page says -05:00 in its metadata: its visible "16h02" is
		// Montreal time. The metadata date is the published date itself.
		{"declared offset", `<meta property="article:modified_time" content="2026-12-02T16:30:00-05:00">`, "fr", nil, time.Date(2026, 12, 2, 21, 2, 0, 0, time.UTC)},
		// UTC metadata says nothing about the text's zone: Paris stays.
		{"UTC metadata", `<meta property="article:modified_time" content="2026-12-02T15:30:00Z">`, "fr", nil, time.Date(2026, 12, 2, 15, 2, 0, 0, time.UTC)},
	}
	for _, c := range cases {
		page := `<!DOCTYPE html><html lang="` + c.lang + `"><head><title>Rappel</title>` + c.head + `</head><body>` + body + `</body></html>`
		d, err := Extract(page, "https://journal.example/conso/rappel.html", Options{Now: now, Loc: c.loc})
		if err != nil {
			t.Fatal(err)
		}
		if !d.Published.Equal(c.want) {
			t.Errorf("%s: published %s, want %s", c.name, d.Published, c.want)
		}
		if len(d.Comments) != 1 {
			t.Errorf("%s: %d comments, want 1", c.name, len(d.Comments))
			continue
		}
		if got := d.Comments[0].Published.Sub(d.Published); got != 68*time.Minute {
			t.Errorf("%s: comment %s after the article, want 1h08m (same zone)", c.name, got)
		}
	}
}
