package dates

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

var months = map[string]int{
	"janvier": 1, "janv": 1, "jan": 1, "january": 1,
	"fevrier": 2, "fevr": 2, "fev": 2, "feb": 2, "febr": 2, "february": 2,
	"mars": 3, "mar": 3, "march": 3,
	"avril": 4, "avr": 4, "apr": 4, "april": 4,
	"mai": 5, "may": 5,
	"juin": 6, "jun": 6, "june": 6,
	"juillet": 7, "juil": 7, "juill": 7, "jul": 7, "july": 7,
	"aout": 8, "aou": 8, "aug": 8, "august": 8,
	"septembre": 9, "sept": 9, "sep": 9, "september": 9,
	"octobre": 10, "oct": 10, "october": 10,
	"novembre": 11, "nov": 11, "november": 11,
	"decembre": 12, "dec": 12, "december": 12,
}

// weekdays are skipped; "mar" is both mardi and mars and is settled by
// whether another month name is present.
var weekdays = map[string]bool{
	"lundi": true, "lun": true, "mardi": true, "mercredi": true, "mer": true,
	"jeudi": true, "jeu": true, "vendredi": true, "ven": true, "samedi": true,
	"sam": true, "dimanche": true, "dim": true,
	"monday": true, "mon": true, "tuesday": true, "tue": true, "tues": true,
	"wednesday": true, "wed": true, "thursday": true, "thu": true, "thur": true,
	"thurs": true, "friday": true, "fri": true, "saturday": true, "sat": true,
	"sunday": true, "sun": true,
}

var numberWords = map[string]int{
	"un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6,
	"sept": 7, "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12,
	"quinze": 15, "vingt": 20, "trente": 30, "quelques": 2,
	"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
	"seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11,
	"twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "few": 2,
}

type unit int

const (
	uNone unit = iota
	uSec
	uMin
	uHour
	uDay
	uWeek
	uMonth
	uYear
)

var units = map[string]unit{
	"s": uSec, "sec": uSec, "secs": uSec, "seconde": uSec, "secondes": uSec,
	"second": uSec, "seconds": uSec,
	"m": uMin, "mn": uMin, "min": uMin, "mins": uMin, "minute": uMin, "minutes": uMin,
	"h": uHour, "hr": uHour, "hrs": uHour, "heure": uHour, "heures": uHour,
	"hour": uHour, "hours": uHour,
	"j": uDay, "jour": uDay, "jours": uDay, "d": uDay, "day": uDay, "days": uDay,
	"sem": uWeek, "semaine": uWeek, "semaines": uWeek, "w": uWeek, "wk": uWeek,
	"wks": uWeek, "week": uWeek, "weeks": uWeek,
	"mois": uMonth, "mo": uMonth, "month": uMonth, "months": uMonth,
	"an": uYear, "ans": uYear, "annee": uYear, "annees": uYear, "year": uYear,
	"years": uYear, "yr": uYear, "yrs": uYear, "y": uYear,
}

// ordinal suffixes that may follow a day number: 1er, 1re, 2e, 1st, 2nd, 3rd, 4th.
var ordinals = map[string]bool{"er": true, "re": true, "e": true, "eme": true, "st": true, "nd": true, "rd": true, "th": true}

type token struct {
	s      string
	num    int // value when isNum
	isNum  bool
	digits int
}

// tokenize splits on anything but ASCII letters and digits, and between
// digits and letters ("14h05" is handled earlier; "3j" becomes "3" "j").
func tokenize(s string) []token {
	var out []token
	start := -1
	kind := 0 // 1 letters, 2 digits
	flush := func(end int) {
		if start < 0 {
			return
		}
		w := s[start:end]
		t := token{s: w}
		if kind == 2 {
			t.isNum, t.digits = true, len(w)
			if len(w) <= 9 {
				t.num, _ = strconv.Atoi(w)
			} else {
				t.num = -1
			}
		}
		out = append(out, t)
		start = -1
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		k := 0
		switch {
		case c >= 'a' && c <= 'z':
			k = 1
		case c >= '0' && c <= '9':
			k = 2
		}
		if k != kind {
			flush(i)
			kind = k
			if k != 0 {
				start = i
			}
		}
	}
	flush(len(s))
	return out
}

// timeRe matches "10 h 59 min", "14h05", "9h", "08:26", "14:05:33",
// "3:04 pm", optionally followed by a zone.
var timeRe = regexp.MustCompile(`(?:^|[^\d:])(\d{1,2})\s*(heures?|h|:)\s*(\d{2})?(?:\s*(?:min|mn)\b)?(?:\s*:\s*(\d{2}))?(?:\s*(am|pm|a\.m\.|p\.m\.))?(?:\s*((?:utc|gmt)?\s*[+-]\d{1,2}(?::?\d{2})?|utc|gmt|cest|cet|mest|met|bst|wet|west|eet|eest|edt|est|cdt|cst|mdt|mst|pdt|pst)\b)?`)

// ampmRe matches an hour with no minutes: "3 pm".
var ampmRe = regexp.MustCompile(`(?:^|\D)(\d{1,2})\s*(am|pm)\b`)

var numDateRe = regexp.MustCompile(`(?:^|[^\d])(\d{1,4})([/.-])(\d{1,2})([/.-])(\d{2,4})(?:[^\d]|$)`)

type clock struct {
	h, m, s int
	loc     *time.Location // non-nil when the text names a zone
	ok      bool
}

func findTime(n string) (clock, int, int) {
	for _, m := range timeRe.FindAllStringSubmatchIndex(n, 4) {
		g := func(i int) string {
			if m[2*i] < 0 {
				return ""
			}
			return n[m[2*i]:m[2*i+1]]
		}
		h, _ := strconv.Atoi(g(1))
		sep, mins, secs, ampm, zone := g(2), g(3), g(4), g(5), g(6)
		if sep == ":" && mins == "" {
			continue
		}
		end := m[1]
		// "9 hommes": an hour mark must not run into a word.
		if mins == "" && ampm == "" && zone == "" && end < len(n) && isLetter(n[end]) {
			continue
		}
		c := clock{h: h, ok: true}
		if mins != "" {
			c.m, _ = strconv.Atoi(mins)
		}
		if secs != "" {
			c.s, _ = strconv.Atoi(secs)
		}
		if !applyAMPM(&c, ampm) || c.h > 23 || c.m > 59 || c.s > 60 {
			continue
		}
		if zone != "" {
			c.loc = zoneLoc(zone)
		}
		return c, m[0], end
	}
	if m := ampmRe.FindStringSubmatchIndex(n); m != nil {
		h, _ := strconv.Atoi(n[m[2]:m[3]])
		c := clock{h: h, ok: true}
		if applyAMPM(&c, n[m[4]:m[5]]) {
			return c, m[0], m[1]
		}
	}
	return clock{}, -1, -1
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' }

func applyAMPM(c *clock, ampm string) bool {
	if ampm == "" {
		return true
	}
	if c.h < 1 || c.h > 12 {
		return false
	}
	pm := ampm[0] == 'p'
	switch {
	case pm && c.h != 12:
		c.h += 12
	case !pm && c.h == 12:
		c.h = 0
	}
	return true
}

func zoneLoc(z string) *time.Location {
	z = strings.TrimSpace(z)
	if h, ok := zoneOffsets[z]; ok {
		if h == 0 {
			return time.UTC
		}
		return time.FixedZone(strings.ToUpper(z), h*3600)
	}
	z = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(z, "utc"), "gmt"))
	if len(z) < 2 {
		return nil
	}
	if len(z) <= 3 { // "+1", "-05"
		sign := 1
		if z[0] == '-' {
			sign = -1
		}
		h, err := strconv.Atoi(z[1:])
		if err != nil || h > 14 {
			return nil
		}
		return time.FixedZone("", sign*h*3600)
	}
	off := offsetSeconds(z)
	if off > 14*3600 || off < -14*3600 {
		return nil
	}
	return time.FixedZone("", off)
}

func parseText(n string, now time.Time, loc *time.Location, lang string) (time.Time, error) {
	toks := tokenize(n)
	if t, ok, err := parseRelative(toks, now); ok || err != nil {
		return t, err
	}

	c, ts, te := findTime(n)
	rest := n
	if ts >= 0 {
		rest = n[:ts] + " " + n[te:]
	}
	if c.loc != nil {
		loc = c.loc
		now = now.In(loc)
	}

	if y, mo, d, ok := numericDate(rest, lang); ok {
		return build(y, mo, d, c, loc), nil
	}

	toks = tokenize(rest)
	if y, mo, d, found, ok := textDate(toks, now, c, loc); found {
		if !ok {
			return time.Time{}, ErrUnparseable
		}
		return build(y, mo, d, c, loc), nil
	}

	if days, ok := dayWord(toks); ok {
		day := now.AddDate(0, 0, -days)
		if !c.ok {
			return day, nil
		}
		return build(day.Year(), int(day.Month()), day.Day(), c, loc), nil
	}
	if c.ok || hasDigit(n) {
		return time.Time{}, ErrUnparseable
	}
	return time.Time{}, ErrNoDate
}

func hasDigit(s string) bool {
	return strings.ContainsAny(s, "0123456789")
}

func build(y, mo, d int, c clock, loc *time.Location) time.Time {
	return time.Date(y, time.Month(mo), d, c.h, c.m, c.s, 0, loc)
}

// dayWord finds aujourd'hui / hier / avant-hier and their English forms and
// returns how many days back they point.
func dayWord(toks []token) (int, bool) {
	for i, t := range toks {
		switch t.s {
		case "aujourd", "aujourdhui", "today":
			return 0, true
		case "hier":
			if i > 0 && toks[i-1].s == "avant" {
				return 2, true
			}
			return 1, true
		case "yesterday":
			if i >= 2 && toks[i-1].s == "before" && toks[i-2].s == "day" {
				return 2, true
			}
			return 1, true
		case "avanthier":
			return 2, true
		case "demain", "tomorrow":
			return -1, true
		}
	}
	return 0, false
}

// parseRelative handles "il y a 3 jours", "il y a 1 h 30", "2 days ago",
// "à l'instant", "just now". ok reports that the input was relative.
func parseRelative(toks []token, now time.Time) (time.Time, bool, error) {
	for i := 0; i < len(toks); i++ {
		s := toks[i].s
		switch {
		case s == "il" && i+2 < len(toks) && toks[i+1].s == "y" && toks[i+2].s == "a":
			t, ok := applyDurations(toks[i+3:], now)
			if !ok {
				return time.Time{}, false, ErrUnparseable
			}
			return t, true, nil
		case s == "ago":
			start := i - 6
			if start < 0 {
				start = 0
			}
			for j := start; j < i; j++ {
				if t, ok := applyDurations(toks[j:i], now); ok {
					return t, true, nil
				}
			}
			return time.Time{}, false, ErrUnparseable
		case s == "instant" && i > 0 && toks[i-1].s == "l",
			s == "now" && i > 0 && toks[i-1].s == "just",
			s == "maintenant":
			return now, true, nil
		}
	}
	return time.Time{}, false, nil
}

// applyDurations reads "N unit [et N unit]..." and subtracts it from now.
func applyDurations(toks []token, now time.Time) (time.Time, bool) {
	t := now
	pairs := 0
	for i := 0; i < len(toks) && i < 12; {
		s := toks[i].s
		switch s {
		case "environ", "plus", "moins", "de", "d", "pres", "about", "over", "almost", "nearly", "et", "and", "than", "more", "less":
			i++
			continue
		}
		n := 0
		switch {
		case toks[i].isNum:
			n = toks[i].num
		default:
			v, ok := numberWords[s]
			if !ok {
				return t, pairs > 0
			}
			n = v
		}
		if i+1 >= len(toks) || n < 0 || n > 100000 {
			return t, pairs > 0
		}
		u := units[toks[i+1].s]
		if u == uNone {
			return t, pairs > 0
		}
		switch u {
		case uSec:
			t = t.Add(-time.Duration(n) * time.Second)
		case uMin:
			t = t.Add(-time.Duration(n) * time.Minute)
		case uHour:
			t = t.Add(-time.Duration(n) * time.Hour)
		case uDay:
			t = t.AddDate(0, 0, -n)
		case uWeek:
			t = t.AddDate(0, 0, -7*n)
		case uMonth:
			t = t.AddDate(0, -n, 0)
		case uYear:
			t = t.AddDate(-n, 0, 0)
		}
		pairs++
		i += 2
	}
	return t, pairs > 0
}

// numericDate reads 12/03/2021, 12.03.21, 2021/03/12. Day first, as in
// French, unless that is impossible or the hint is US English.
func numericDate(s, lang string) (y, mo, d int, ok bool) {
	m := numDateRe.FindStringSubmatch(s)
	if m == nil || m[2] != m[4] {
		return 0, 0, 0, false
	}
	a, _ := strconv.Atoi(m[1])
	b, _ := strconv.Atoi(m[3])
	c, _ := strconv.Atoi(m[5])
	if len(m[1]) == 4 {
		y, mo, d = a, b, c
		return y, mo, d, validDate(y, mo, d) && len(m[5]) <= 2
	}
	if len(m[1]) > 2 || len(m[5]) == 3 {
		return 0, 0, 0, false
	}
	y = c
	if len(m[5]) == 2 {
		y += 2000
		if c >= 70 {
			y = 1900 + c
		}
	}
	us := strings.EqualFold(strings.ReplaceAll(lang, "_", "-"), "en-us")
	d, mo = a, b
	if us && validDate(y, a, b) || !validDate(y, b, a) && validDate(y, a, b) {
		d, mo = b, a
	}
	return y, mo, d, validDate(y, mo, d)
}

// textDate finds a month name with its day and optional year. found reports
// that a month name was seen at all.
func textDate(toks []token, now time.Time, c clock, loc *time.Location) (y, mo, d int, found, ok bool) {
	var idx []int
	for i, t := range toks {
		if !t.isNum {
			if _, ok := months[t.s]; ok {
				idx = append(idx, i)
			}
		}
	}
	if len(idx) == 0 {
		return 0, 0, 0, false, false
	}
	mi := idx[0]
	if len(idx) > 1 {
		for _, i := range idx {
			if toks[i].s != "mar" {
				mi = i
				break
			}
		}
	}
	// "Mon 5 ..." is a weekday only when something else is the month; a
	// lone weekday-looking month ("mar") is the month.
	mo = months[toks[mi].s]
	isDay := func(i int) bool {
		return i >= 0 && i < len(toks) && toks[i].isNum && toks[i].digits <= 2 && toks[i].num >= 1 && toks[i].num <= 31
	}
	switch {
	case isDay(mi - 1):
		d = toks[mi-1].num
	case mi >= 2 && ordinals[toks[mi-1].s] && isDay(mi-2):
		d = toks[mi-2].num
	case isDay(mi + 1):
		d = toks[mi+1].num
	default:
		return 0, 0, 0, true, false
	}
	y = -1
	for i := mi + 1; i < len(toks) && i <= mi+4; i++ {
		if t := toks[i]; t.isNum && t.digits == 4 && t.num >= 1970 && t.num <= 2100 {
			y = t.num
			break
		}
	}
	if y < 0 {
		for i := mi - 1; i >= 0 && i >= mi-4; i-- {
			if t := toks[i]; t.isNum && t.digits == 4 && t.num >= 1970 && t.num <= 2100 {
				y = t.num
				break
			}
		}
	}
	if y < 0 {
		// No year: the most recent such date that is not in the future.
		y = now.Year()
		if !validDate(y, mo, d) && validDate(y-1, mo, d) { // 29 Feb
			y--
		}
		if build(y, mo, d, c, loc).After(now) {
			y--
			for k := 0; k < 8 && !validDate(y, mo, d); k++ {
				y--
			}
		}
	}
	return y, mo, d, true, validDate(y, mo, d)
}
