package forum

import (
	"regexp"
	"strings"
)

// German board dates that pkg/dates does not read ("6. Januar 2024 um
// 22:42 Uhr", "Gestern, 22:42", "Samstag, 6. Januar 2024") are rewritten
// into forms it does: English month abbreviations and relative words,
// without weekday, "um" and "Uhr". Only tried when a date did not parse.
var (
	deWordsRe = regexp.MustCompile(`(?i)\b(januar|jänner|februar|märz|april|mai|juni|juli|august|september|oktober|november|dezember|okt|dez|mär|gestern|heute|vorgestern|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|um|uhr)\b\.?`)
	deMonths  = map[string]string{
		"januar": "Jan", "jänner": "Jan", "februar": "Feb", "märz": "Mar", "mär": "Mar", "april": "Apr", "mai": "May",
		"juni": "Jun", "juli": "Jul", "august": "Aug", "september": "Sep", "oktober": "Oct", "okt": "Oct",
		"november": "Nov", "dezember": "Dec", "dez": "Dec",
		"gestern": "yesterday", "heute": "today", "vorgestern": "2 days ago",
	}
	deDayDotRe = regexp.MustCompile(`(\d{1,2})\.\s+([A-Z][a-z]{2})`)
	deVorRe    = regexp.MustCompile(`(?i)\bvor (\d+) (minute|minuten|stunde|stunden|tag|tagen|woche|wochen|monat|monaten)\b`)
	deUnits    = map[string]string{"minute": "minute", "minuten": "minutes", "stunde": "hour", "stunden": "hours", "tag": "day",
		"tagen": "days", "woche": "week", "wochen": "weeks", "monat": "month", "monaten": "months"}
)

// germanDate rewrites s, or returns "" when it holds no German date word.
func germanDate(s string) string {
	if !deWordsRe.MatchString(s) && !deVorRe.MatchString(s) {
		return ""
	}
	s = deVorRe.ReplaceAllStringFunc(s, func(m string) string {
		sub := deVorRe.FindStringSubmatch(m)
		return sub[1] + " " + deUnits[strings.ToLower(sub[2])] + " ago"
	})
	s = deWordsRe.ReplaceAllStringFunc(s, func(m string) string {
		w := strings.ToLower(strings.TrimSuffix(m, "."))
		if en, ok := deMonths[w]; ok {
			return en
		}
		return "" // weekday, "um", "Uhr"
	})
	// "6. Jan 2024" -> "6 Jan 2024"; tidy separators left by removed words.
	s = deDayDotRe.ReplaceAllString(s, "$1 $2")
	s = strings.Trim(clean(strings.ReplaceAll(s, " ,", ",")), " ,")
	return s
}
