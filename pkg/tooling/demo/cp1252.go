package demo

import (
	"strconv"
	"unicode/utf8"
)

// cp1252High maps bytes 0x80-0x9F of Windows-1252 to runes; 0 marks the five
// undefined bytes. Bytes 0xA0-0xFF are Latin-1.
var cp1252High = [32]rune{
	0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
	0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
}

// encodeLegacy encodes UTF-8 markup to Windows-1252 (or to ISO-8859-1 when
// latin1 is set). Runes the charset lacks become numeric character
// references, as publishing tools of that era wrote them.
func encodeLegacy(s string, latin1 bool) []byte {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		switch {
		case r < 0x80 || (r >= 0xA0 && r <= 0xFF):
			out = append(out, byte(r))
		case !latin1 && cp1252Byte(r) != 0:
			out = append(out, cp1252Byte(r))
		default:
			out = append(out, "&#"+strconv.Itoa(int(r))+";"...)
		}
	}
	return out
}

func cp1252Byte(r rune) byte {
	for i, c := range cp1252High {
		if c == r && c != 0 {
			return byte(0x80 + i)
		}
	}
	return 0
}

// decodeCP1252 is the inverse, used by the tests and the XML charset reader.
func decodeCP1252(b []byte) string {
	out := make([]byte, 0, len(b)+len(b)/4)
	for _, c := range b {
		r := rune(c)
		if c >= 0x80 && c < 0xA0 {
			r = cp1252High[c-0x80]
			if r == 0 {
				r = utf8.RuneError
			}
		}
		out = utf8.AppendRune(out, r)
	}
	return string(out)
}
