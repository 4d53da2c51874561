package demo

import (
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // French dates are in Europe/Paris whatever the host's zoneinfo
)

// paris is the zone every demo site shows its dates in.
var paris = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		return time.FixedZone("CET", 3600)
	}
	return loc
}()

var (
	frDays       = []string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"}
	frDaysAbbr   = []string{"dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."}
	frDaysOld    = []string{"Dim", "Lun", "Mar", "Mer", "Jeu", "Ven", "Sam"}
	frMonths     = []string{"", "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"}
	frMonthsAbbr = []string{"", "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."}
	frMonthsOld  = []string{"", "Jan", "Fév", "Mar", "Avr", "Mai", "Juin", "Juil", "Aoû", "Sep", "Oct", "Nov", "Déc"}
)

// wpPostDate is the French WordPress post date "jeudi, janvier 23, 2026"
// (format "l, F j, Y", as many French themes leave it).
func wpPostDate(t time.Time) string {
	t = t.In(paris)
	return fmt.Sprintf("%s, %s %d, %d", frDays[t.Weekday()], frMonths[t.Month()], t.Day(), t.Year())
}

// wpCommentDate is the French WordPress comment date "14 mars 2026 à 10 h 59 min".
func wpCommentDate(t time.Time) string {
	t = t.In(paris)
	return fmt.Sprintf("%d %s %d à %d h %02d min", t.Day(), frMonths[t.Month()], t.Year(), t.Hour(), t.Minute())
}

// phpbbDate is the phpBB 3 French date "lun. 12 févr. 2026 10:15".
func phpbbDate(t time.Time) string {
	t = t.In(paris)
	return fmt.Sprintf("%s %d %s %d %02d:%02d", frDaysAbbr[t.Weekday()], t.Day(), frMonthsAbbr[t.Month()], t.Year(), t.Hour(), t.Minute())
}

// phpbbOldDate is the older board format "Lun 12 Fév 2026 - 10:15".
func phpbbOldDate(t time.Time) string {
	t = t.In(paris)
	return fmt.Sprintf("%s %d %s %d - %02d:%02d", frDaysOld[t.Weekday()], t.Day(), frMonthsOld[t.Month()], t.Year(), t.Hour(), t.Minute())
}

// xfDateString is XenForo's data-date-string "12 févr. 2026".
func xfDateString(t time.Time) string {
	t = t.In(paris)
	return fmt.Sprintf("%d %s %d", t.Day(), frMonthsAbbr[t.Month()], t.Year())
}

// xfShown is what XenForo writes inside <time>: "Aujourd'hui à 10:15",
// "Hier à 14:05", "Lundi à 08:26" within the week, else the date string.
// It depends on the day only, so pages stay stable within a day.
func xfShown(t, now time.Time) string {
	t, now = t.In(paris), now.In(paris)
	hm := fmt.Sprintf("%02d:%02d", t.Hour(), t.Minute())
	dayT := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, paris)
	dayN := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, paris)
	days := int(dayN.Sub(dayT).Hours()/24 + 0.5)
	switch {
	case days <= 0:
		return "Aujourd'hui à " + hm
	case days == 1:
		return "Hier à " + hm
	case days < 7:
		d := frDays[t.Weekday()]
		return strings.ToUpper(d[:1]) + d[1:] + " à " + hm
	}
	return xfDateString(t)
}

// newsDate is the news site's "14/03/2026 à 10h59".
func newsDate(t time.Time) string {
	t = t.In(paris)
	return fmt.Sprintf("%02d/%02d/%d à %dh%02d", t.Day(), int(t.Month()), t.Year(), t.Hour(), t.Minute())
}

// longDate is "14 mars 2026", used by the small blogs and profiles.
func longDate(t time.Time) string {
	t = t.In(paris)
	return fmt.Sprintf("%d %s %d", t.Day(), frMonths[t.Month()], t.Year())
}

// isoDate is the datetime attribute value, in Paris time with its offset.
func isoDate(t time.Time) string { return t.In(paris).Format(time.RFC3339) }
