package console

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// formulaLead says whether a spreadsheet could read s as a formula: its
// first character, after leading spaces and once normalised with NFKC
// (full-width "＝", small "﹢", "＠"... become "=", "+", "@"), is one of
// = + - @, a tab, a carriage return or a line feed, or a minus sign
// look-alike NFKC keeps (U+2212 and the dashes).
func formulaLead(s string) bool {
	s = strings.TrimLeftFunc(s, unicode.IsSpace)
	if s == "" {
		return false
	}
	if strings.ContainsRune("\t\r\n", rune(s[0])) {
		return true
	}
	r, size := utf8.DecodeRuneInString(s)
	first := s[:size]
	if r >= utf8.RuneSelf {
		first = norm.NFKC.String(first)
	}
	if first == "" {
		return false
	}
	if strings.ContainsRune("=+-@", rune(first[0])) {
		return true
	}
	switch r {
	case '\u2212', '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2015', '\u02d7', '\u2796', '\u2795':
		return true
	}
	return false
}
