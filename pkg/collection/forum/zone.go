package forum

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"
)

// Time zones. A board prints its dates in the zone of the (anonymous)
// visitor's settings, which it states somewhere on the page: phpBB's footer
// ("All times are UTC + 1 hour [ DST ]", "Toutes les heures sont au format
// <span title="Europe/Paris">UTC+01:00</span>"), vBulletin's ("All times are
// GMT +1", "Fuseau horaire GMT +1"). Machine attributes (ISO datetime with an
// offset, XenForo's epoch data-time) need no zone. Otherwise the zone is the
// source's configured one, then the language's usual one.

// zoneStatementRe finds the sentence that states the board's zone; what
// follows it (up to 80 bytes) is read by boardOffsetRe.
var zoneStatementRe = regexp.MustCompile(`(?i)(all times are|toutes les heures sont(?: au format)?|tous les horaires sont|fuseau horaire|heure(?:s)? (?:au format|affichées?)|alle zeiten sind|alle zeitangaben in|todas las horas son|tutti gli orari sono)`)

// boardOffsetRe reads "UTC", "UTC + 1 hour", "GMT +1", "UTC+01:00",
// "UTC - 5 heures", "WEZ +1" after the statement.
var boardOffsetRe = regexp.MustCompile(`(?i)^[\s:]*(?:en |in )?(utc|gmt|wez|mez)\s*(?:([+\-−])\s*(\d{1,2})(?::(\d{2})|([.,]5))?)?`)

// dstRe marks phpBB 3.0's "[ DST ]" / "[ Heure d’été ]" / "[ Sommerzeit ]":
// every date on the page is shifted one more hour.
var dstRe = regexp.MustCompile(`(?i)\[\s*(dst|heure d.été|sommerzeit|horario de verano|ora legale)\s*\]`)

// boardZone reads the zone a page states for its dates; nil when it states
// none. statement says which words gave it away, for logs and tests.
func boardZone(d *goquery.Document) (loc *time.Location, statement string) {
	if d == nil {
		return nil, ""
	}
	// Footers and page headers are where engines say it; the post bodies are
	// skipped so a post quoting "all times are GMT" changes nothing.
	var found *time.Location
	d.Find("#page-footer, .copyright, #footer, footer, .footer, #footer_time, .footer_time, .smallfont, .navbar, #page-header, .timezone, p.right, div.right, .b-footer, body").EachWithBreak(func(_ int, s *goquery.Selection) bool {
		if s.Is("body") && found == nil {
			// Last resort: a statement anywhere outside posts.
			s = s.Clone()
			s.Find(".post, .postbody, .content, [id^='post_message_'], .bbWrapper, .comment-content, .js-post__content-text, blockquote").Remove()
		}
		if l, st := zoneIn(s); l != nil {
			found, statement = l, st
			return false
		}
		return true
	})
	return found, statement
}

// zoneIn reads a zone statement inside s: a named zone in a span title
// (phpBB 3.1+) wins over the displayed offset.
func zoneIn(s *goquery.Selection) (*time.Location, string) {
	text := clean(s.Text())
	if len(text) > 64<<10 {
		text = text[len(text)-64<<10:]
	}
	loc := zoneStatementRe.FindStringIndex(text)
	if loc == nil {
		return nil, ""
	}
	statement := text[loc[0]:min(len(text), loc[1]+40)]
	// phpBB 3.1+: <span title="Europe/Paris">UTC+01:00</span> after the words.
	var named *time.Location
	s.Find("span[title], abbr[title]").EachWithBreak(func(_ int, sp *goquery.Selection) bool {
		t := strings.TrimSpace(sp.AttrOr("title", ""))
		if strings.Contains(t, "/") || t == "UTC" {
			if l, err := time.LoadLocation(t); err == nil && strings.Contains(statement, clean(sp.Text())) {
				named = l
				return false
			}
		}
		return true
	})
	if named != nil {
		return named, statement
	}
	after := text[loc[1]:min(len(text), loc[1]+80)]
	// A named zone printed as text: "Toutes les heures sont au format Europe/Paris".
	if f := strings.Fields(after); len(f) > 0 {
		for _, w := range f[:min(3, len(f))] {
			w = strings.Trim(w, ".,;:()[]")
			if strings.Count(w, "/") >= 1 && w[0] >= 'A' && w[0] <= 'Z' {
				if l, err := time.LoadLocation(w); err == nil {
					return l, statement
				}
			}
		}
	}
	m := boardOffsetRe.FindStringSubmatch(after)
	if m == nil {
		return nil, ""
	}
	off := 0
	if m[3] != "" {
		h, _ := strconv.Atoi(m[3])
		mins, _ := strconv.Atoi(m[4])
		if h > 14 || mins >= 60 {
			return nil, ""
		}
		off = h*3600 + mins*60
		if m[5] != "" { // phpBB 3.0: "UTC + 5.5 hours"
			off += 1800
		}
		if m[2] != "+" {
			off = -off
		}
	}
	switch strings.ToLower(m[1]) {
	case "mez":
		off += 3600 // German "MEZ" is UTC+1 before any stated offset.
	}
	if dstRe.MatchString(text[loc[1]:min(len(text), loc[1]+120)]) {
		off += 3600
	}
	if off == 0 {
		return time.UTC, statement
	}
	return time.FixedZone(offsetName(off), off), statement
}

func offsetName(off int) string {
	sign := "+"
	if off < 0 {
		sign, off = "-", -off
	}
	return "UTC" + sign + strconv.Itoa(off/3600) + func() string {
		if m := off % 3600 / 60; m != 0 {
			return ":" + strconv.Itoa(m)
		}
		return ""
	}()
}
