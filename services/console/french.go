package console

import (
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/veille-oss/veille/pkg/store/analytics"
)

// French typography: a narrow no-break space groups thousands and precedes
// "%", a comma marks decimals, and negatives take the minus sign U+2212
// (a hyphen reads as a dash and breaks across lines).
const (
	nnbsp = "\u202f"
	minus = "\u2212"
)

// fmtInt groups thousands: 14 952 in French, 14,952 in English.
func fmtInt(n uint64, lang string) string {
	s := strconv.FormatUint(n, 10)
	sep := ","
	if lang != "en" {
		sep = nnbsp
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// fmtDec writes f with one decimal, the language's decimal mark and a
// true minus sign; plus adds "+" to positive numbers.
func fmtDec(f float64, lang string, plus bool) string {
	f = math.Round(f*10) / 10
	if f == 0 {
		f = 0 // no "−0,0"
	}
	s := strconv.FormatFloat(math.Abs(f), 'f', 1, 64)
	whole, frac, _ := strings.Cut(s, ".")
	n, _ := strconv.ParseUint(whole, 10, 64)
	if lang != "en" {
		s = fmtInt(n, lang) + "," + frac
	} else {
		s = fmtInt(n, lang) + "." + frac
	}
	switch {
	case f < 0:
		s = minus + s
	case f > 0 && plus:
		s = "+" + s
	}
	return s
}

// fmtPct is a percentage with its sign when asked: "−47,0 %" (narrow
// no-break space) in French, "-47.0%" in English.
func fmtPct(f float64, lang string, plus bool) string {
	if lang == "en" {
		return strings.Replace(fmtDec(f, lang, plus), minus, "-", 1) + "%"
	}
	return fmtDec(f, lang, plus) + nnbsp + "%"
}

// filterMessage says in the page's language what was wrong with a filter.
func filterMessage(lang string, err error) string {
	var fe *analytics.FieldError
	if errors.As(err, &fe) {
		field := tr(lang, "field."+fe.Field)
		if fe.Want == "required" {
			return tr(lang, "err.field.required", field)
		}
		switch fe.Field {
		case "range":
			return tr(lang, "err.range")
		case "sentiment", "kind", "status", "period", "format", "mark":
			if fe.Got != "" {
				return tr(lang, "err.field.choice", field, fe.Got, tr(lang, "err.want."+fe.Field))
			}
			return tr(lang, "err.want."+fe.Field)
		case "limit", "offset", "page":
			if fe.Max > 0 {
				return tr(lang, "err.field.range", field, fe.Got, fmtInt(uint64(fe.Max), lang))
			}
			return tr(lang, "err.field.number", field, fe.Got)
		case "from", "to":
			return tr(lang, "err.field.date", field, fe.Got)
		default:
			return tr(lang, "err.field.long", field, fmtInt(uint64(fe.Max), lang))
		}
	}
	return tr(lang, "err.filter.generic")
}
