package forum

import (
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
)

// TestBoardZoneStatements reads each engine's way of stating its zone; the
// offsets are checked on a summer and a winter instant so that a named zone
// (DST-aware) and a fixed offset are told apart.
func TestBoardZoneStatements(t *testing.T) {
	winter := time.Date(2024, 1, 6, 12, 0, 0, 0, time.UTC)
	summer := time.Date(2024, 7, 6, 12, 0, 0, 0, time.UTC)
	h := 3600
	for _, c := range []struct {
		name, footer         string
		winterOff, summerOff int
	}{
		{"phpBB 3.0 EN UTC", `<div id="page-footer">All times are UTC</div>`, 0, 0},
		{"phpBB 3.0 EN UTC DST", `<div id="page-footer">All times are UTC [ <abbr title="Daylight Saving Time">DST</abbr> ]</div>`, h, h},
		{"phpBB 3.0 EN +1", `<div id="page-footer">All times are UTC + 1 hour</div>`, h, h},
		{"phpBB 3.0 EN -5 DST", `<div id="page-footer">All times are UTC - 5 hours [ DST ]</div>`, -4 * h, -4 * h},
		{"phpBB 3.0 EN +5.5", `<div id="page-footer">All times are UTC + 5.5 hours</div>`, 5*h + 1800, 5*h + 1800},
		{"phpBB 3.0 FR", `<div id="page-footer">Toutes les heures sont au format UTC + 1 heure [ Heure d’été ]</div>`, 2 * h, 2 * h},
		{"phpBB 3.0 DE", `<div id="page-footer">Alle Zeiten sind UTC + 1 Stunde</div>`, h, h},
		{"phpBB 3.1+ EN named", `<div id="page-footer"><li class="rightside">All times are <span title="Europe/Paris">UTC+01:00</span></li></div>`, h, 2 * h},
		{"phpBB 3.2 FR named", `<div id="page-footer"><li class="rightside">Fuseau horaire sur <span title="Europe/Paris">UTC+02:00</span></li></div>`, h, 2 * h},
		{"phpBB 3.1 DE named", `<div id="page-footer">Alle Zeiten sind <span title="Europe/Berlin">UTC+01:00</span></div>`, h, 2 * h},
		{"phpBB 3.3 UTC named", `<div id="page-footer">All times are <span title="UTC">UTC</span></div>`, 0, 0},
		{"phpBB 3.1 offset only", `<div id="page-footer">All times are <span>UTC-03:00</span></div>`, -3 * h, -3 * h},
		{"named zone in text", `<footer>Toutes les heures sont au format Europe/Paris</footer>`, h, 2 * h},
		{"vB3/4 EN", `<div class="smallfont" align="center">All times are GMT +1. The time now is <span class="time">10:42 PM</span>.</div>`, h, h},
		{"vB4 EN GMT", `<div id="footer_time">All times are GMT. The time now is <span class="time">12:00 PM</span>.</div>`, 0, 0},
		{"vB3 FR", `<div class="smallfont">Fuseau horaire GMT +1. Il est actuellement <span class="time">22h42</span>.</div>`, h, h},
		{"vB DE WEZ", `<div class="smallfont">Alle Zeitangaben in WEZ +1. Es ist jetzt <span class="time">22:42</span> Uhr.</div>`, h, h},
		{"vB5 EN", `<div class="b-footer"><p class="timezone">All times are GMT-5. This page was generated at 07:00 AM.</p></div>`, -5 * h, -5 * h},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, err := goquery.NewDocumentFromReader(strings.NewReader("<html><body><div class=post>x</div>" + c.footer + "</body></html>"))
			if err != nil {
				t.Fatal(err)
			}
			loc, st := boardZone(d)
			if loc == nil {
				t.Fatalf("no zone read from %s", c.footer)
			}
			if _, off := winter.In(loc).Zone(); off != c.winterOff {
				t.Errorf("winter offset %d, want %d (%s, statement %q)", off, c.winterOff, loc, st)
			}
			if _, off := summer.In(loc).Zone(); off != c.summerOff {
				t.Errorf("summer offset %d, want %d (%s)", off, c.summerOff, loc)
			}
		})
	}
}

// A post that talks about time zones states nothing about the board's.
func TestBoardZoneNotFromPosts(t *testing.T) {
	for _, page := range []string{
		`<div class="post"><div class="content">All times are GMT +5 on my clock</div></div>`,
		`<div id="post_message_1">Fuseau horaire GMT +3 chez moi</div><div class="smallfont">Powered by vBulletin</div>`,
		`<p>Nothing to see</p>`,
	} {
		d, err := goquery.NewDocumentFromReader(strings.NewReader("<html><body>" + page + "</body></html>"))
		if err != nil {
			t.Fatal(err)
		}
		if loc, st := boardZone(d); loc != nil {
			t.Errorf("%s: zone %s from %q", page, loc, st)
		}
	}
}

// The zone that reads zone-less dates: the page's statement, then the
// source's, then the language's, then UTC; a date one hour off fails.
func TestZoneFallbacks(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no zone database")
	}
	page := func(lang, footer string) string {
		return `<!DOCTYPE html><html lang="` + lang + `"><body id="phpbb"><div id="page-body"><h2><a href="./viewtopic.php?t=1">T</a></h2>
<div id="p10" class="post"><div class="postbody"><p class="author">par <strong><a href="./memberlist.php?mode=viewprofile&amp;u=1">a</a></strong> &raquo; Sam 06 Jan 2024, 22:42</p><div class="content">texte</div></div></div>
</div><div id="page-footer">` + footer + `</div></body></html>`
	}
	for _, c := range []struct {
		name, lang, footer string
		src                *time.Location
		want               string // UTC
		zone               string
	}{
		{"page wins over source", "fr", "Toutes les heures sont au format UTC + 1 heure [ Heure d’été ]", ny, "2024-01-06T20:42:00Z", "UTC+2 (page)"},
		{"source without statement", "fr", "", ny, "2024-01-07T03:42:00Z", "America/New_York (source)"},
		{"language without source", "fr", "", nil, "2024-01-06T21:42:00Z", "Europe/Paris (language)"},
		{"nothing: UTC", "en", "", nil, "2024-01-06T22:42:00Z", "UTC (default)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := phpbbProfile{}.Parse(page(c.lang, c.footer), "https://f.test/viewtopic.php?t=1", Options{Now: testNow, Loc: c.src})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Posts) != 1 {
				t.Fatalf("%d posts", len(p.Posts))
			}
			if got := p.Posts[0].Published.Format(time.RFC3339); got != c.want || p.Zone != c.zone {
				t.Fatalf("published %s in zone %q, want %s in %q", got, p.Zone, c.want, c.zone)
			}
		})
	}
}
