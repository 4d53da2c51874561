// Package dates parses the dates web pages, feeds and forums show, French
// first: "14 mars 2018 at 10 h 59 min", "il y a 3 jours", "hier à 14h05",
// "mar. 19 déc. à 08:26", alongside ISO 8601, the RFC feed formats, English
// forms ("March 5, 2024 at 3:04 pm", "2 days ago") and unix timestamps.
//
// It is hand-written rather than built on a general date library: the forms
// above are a small closed set, and a table-driven tokenizer parses them in
// a few microseconds (ISO and timestamps in well under one) with no
// dependency, where general libraries load every locale and run dozens of
// regular expressions per call.
package dates

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ErrNoDate is returned when the input holds nothing that looks like a date.
var ErrNoDate = errors.New("no date")

// ErrUnparseable is returned when the input looks like a date (digits, a
// month name, a relative phrase) but no valid date could be built from it.
var ErrUnparseable = errors.New("unparseable date")

// MaxInputBytes bounds the work per call: longer inputs are cut. Callers pass
// the text of a date element, not a whole page.
const MaxInputBytes = 256

// Options tune parsing.
type Options struct {
	// Now anchors relative dates ("il y a 3 jours") and year-less dates;
	// zero means time.Now().
	Now time.Time
	// Loc is the page's time zone, used when the text names none; nil is
	// the usual zone of Lang (Europe/Paris for "fr", see LangZone), else UTC.
	Loc *time.Location
	// Lang is a language hint, "fr", "en" or "". It only decides ambiguous
	// numeric dates: 03/04/2021 is 3 April unless Lang is "en-US"/"en_US".
	Lang string
}

// Parse returns the date s denotes, in UTC.
func Parse(s string, opt Options) (time.Time, error) {
	if len(s) > MaxInputBytes {
		i := MaxInputBytes
		for i > MaxInputBytes-utf8.UTFMax && !utf8.RuneStart(s[i]) {
			i--
		}
		s = s[:i]
	}
	loc := opt.Loc
	if loc == nil {
		loc = LangZone(opt.Lang)
	}
	now := opt.Now
	if now.IsZero() {
		now = time.Now()
	}
	now = now.In(loc)

	raw := strings.TrimSpace(s)
	if raw == "" {
		return time.Time{}, fmt.Errorf("dates: empty input: %w", ErrNoDate)
	}
	if t, ok := parseUnix(raw); ok {
		return t, nil
	}
	if t, ok := parseLayouts(raw, loc); ok {
		return t.UTC(), nil
	}
	n := normalize(raw)
	if t, ok := parseISOIn(n, loc); ok {
		return t.UTC(), nil
	}
	t, err := parseText(n, now, loc, opt.Lang)
	if err != nil {
		return time.Time{}, fmt.Errorf("dates: %q: %w", clip(raw), err)
	}
	return t.UTC(), nil
}

func clip(s string) string {
	if len(s) <= 64 {
		return s
	}
	i := 64
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

// parseUnix reads attribute timestamps such as XenForo's data-time, in
// seconds or milliseconds, accepting only plausible years (1980-2100).
func parseUnix(s string) (time.Time, bool) {
	if len(s) < 9 || len(s) > 13 {
		return time.Time{}, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return time.Time{}, false
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	if len(s) >= 12 {
		v /= 1000
	}
	if v < 315532800 || v > 4102444800 {
		return time.Time{}, false
	}
	return time.Unix(v, 0).UTC(), true
}

// layouts are tried verbatim first: feeds and attributes mostly use these.
var layouts = []string{
	time.RFC3339Nano,
	time.RFC1123Z,
	time.RFC1123,
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05 MST",
	"Mon, 2 Jan 2006 15:04 -0700",
	"Mon, 2 Jan 2006 15:04 MST",
	"2 Jan 2006 15:04:05 -0700",
	"2 Jan 2006 15:04:05 MST",
	time.RFC822Z,
	time.RFC822,
	time.RFC850,
	time.ANSIC,
	time.UnixDate,
	time.RubyDate,
	"2006-01-02T15:04:05Z0700",
}

// localLayouts carry no zone: the page's location applies.
var localLayouts = []string{
	"2006-01-02",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02T15:04:05.999999999",
}

func parseLayouts(s string, loc *time.Location) (time.Time, bool) {
	c := s[0]
	if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
		return time.Time{}, false
	}
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			return fixZone(t), true
		}
	}
	for _, l := range localLayouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// zoneOffsets gives the offsets of the abbreviations feeds use; time.Parse
// records unknown abbreviations with a zero offset.
var zoneOffsets = map[string]int{
	"utc": 0, "gmt": 0, "z": 0, "ut": 0,
	"cet": 1, "cest": 2, "met": 1, "mest": 2, "bst": 1, "wet": 0, "west": 1,
	"eet": 2, "eest": 3,
	"est": -5, "edt": -4, "cst": -6, "cdt": -5, "mst": -7, "mdt": -6,
	"pst": -8, "pdt": -7,
}

func fixZone(t time.Time) time.Time {
	name, off := t.Zone()
	if off != 0 {
		return t
	}
	if h, ok := zoneOffsets[strings.ToLower(name)]; ok && h != 0 {
		return t.Add(-time.Duration(h) * time.Hour)
	}
	return t
}

var isoRe = regexp.MustCompile(`(\d{4})-(\d{2})-(\d{2})[t ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?\s*(z|[+-]\d{2}:?\d{2})?`)

// parseISOIn finds an ISO 8601 date-time inside text ("publié le 2021-03-12T14:05").
func parseISOIn(n string, loc *time.Location) (time.Time, bool) {
	m := isoRe.FindStringSubmatch(n)
	if m == nil {
		return time.Time{}, false
	}
	y, _ := strconv.Atoi(m[1])
	mo, _ := strconv.Atoi(m[2])
	d, _ := strconv.Atoi(m[3])
	h, _ := strconv.Atoi(m[4])
	mi, _ := strconv.Atoi(m[5])
	sec := 0
	if m[6] != "" {
		sec, _ = strconv.Atoi(m[6])
	}
	l := loc
	if z := m[7]; z != "" {
		if z == "z" {
			l = time.UTC
		} else {
			off := offsetSeconds(z)
			l = time.FixedZone("", off)
		}
	}
	if !validDate(y, mo, d) || h > 23 || mi > 59 || sec > 60 {
		return time.Time{}, false
	}
	return time.Date(y, time.Month(mo), d, h, mi, sec, 0, l), true
}

// offsetSeconds reads "+01:00", "+0100" or "-05".
func offsetSeconds(z string) int {
	sign := 1
	if z[0] == '-' {
		sign = -1
	}
	digits := strings.ReplaceAll(z[1:], ":", "")
	h, m := 0, 0
	if len(digits) >= 2 {
		h, _ = strconv.Atoi(digits[:2])
	}
	if len(digits) >= 4 {
		m, _ = strconv.Atoi(digits[2:4])
	}
	return sign * (h*3600 + m*60)
}

func validDate(y, m, d int) bool {
	if y < 1970 || y > 2100 || m < 1 || m > 12 || d < 1 || d > 31 {
		return false
	}
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC).Day() == d
}

// normalize lowercases, strips French accents and unifies spaces and
// apostrophes, so tables need one spelling per word.
func normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch r {
		case 'à', 'â', 'ä', 'á', 'À', 'Â', 'Ä', 'Á':
			b.WriteByte('a')
		case 'é', 'è', 'ê', 'ë', 'É', 'È', 'Ê', 'Ë':
			b.WriteByte('e')
		case 'î', 'ï', 'í', 'Î', 'Ï':
			b.WriteByte('i')
		case 'ô', 'ö', 'ó', 'Ô', 'Ö':
			b.WriteByte('o')
		case 'ù', 'û', 'ü', 'ú', 'Ù', 'Û', 'Ü':
			b.WriteByte('u')
		case 'ç', 'Ç':
			b.WriteByte('c')
		case 'œ', 'Œ':
			b.WriteString("oe")
		case '\u00a0', '\u202f', '\u2009', '\t', '\n', '\r', '\u2007':
			b.WriteByte(' ')
		case '’', '‘', 'ʼ', '`':
			b.WriteByte('\'')
		case '–', '—', '−':
			b.WriteByte('-')
		default:
			if r >= 'A' && r <= 'Z' {
				r += 'a' - 'A'
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}
