package watch

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Rune classes for tokenising: a token is a run of word runes; ignorable
// runes (combining marks, soft hyphens, joiners) neither end a token nor
// appear in its folded form; everything else separates tokens. Apostrophes
// separate, which is what makes "l'Orange" and "d’Orange" contain "orange".
const (
	classSep uint8 = iota
	classWord
	classIgnore
)

// latinFold is the folded form of one rune of U+0080..U+024F, where almost
// all of the accented letters of French and its neighbours live. It is an
// immutable table computed once at package load.
type latinFold struct {
	class uint8
	lower string // accents removed, lower case
	cased string // accents removed, case kept
}

const latinLo, latinHi = 0x80, 0x250

var latinTable = buildLatinTable()

// special holds the letters that Unicode does not decompose but that readers
// treat as letter sequences (ligatures, stroked letters).
var special = map[rune]string{
	'œ': "oe", 'Œ': "OE", 'æ': "ae", 'Æ': "AE", 'ß': "ss", 'ẞ': "SS",
	'ø': "o", 'Ø': "O", 'đ': "d", 'Đ': "D", 'ł': "l", 'Ł': "L",
	'ħ': "h", 'Ħ': "H", 'ı': "i", 'þ': "th", 'Þ': "TH", 'ð': "d", 'Ð': "D",
	'ŀ': "l", 'Ŀ': "L", 'ĳ': "ij", 'Ĳ': "IJ", 'ŧ': "t", 'Ŧ': "T",
}

func buildLatinTable() [latinHi - latinLo]latinFold {
	var t [latinHi - latinLo]latinFold
	for r := rune(latinLo); r < latinHi; r++ {
		e := &t[r-latinLo]
		switch {
		case r == 0xAD: // soft hyphen: invisible, inside words
			e.class = classIgnore
		case unicode.Is(unicode.Mn, r):
			e.class = classIgnore
		case unicode.IsLetter(r) || unicode.IsNumber(r):
			e.class = classWord
			if s, ok := special[r]; ok {
				e.cased = s
			} else {
				var b []byte
				for _, d := range norm.NFKD.String(string(r)) {
					// ǿ decomposes to ø + accent: fold ø too, or the
					// folded form would fold again (found by FuzzParse).
					if s, ok := special[d]; ok {
						b = append(b, s...)
					} else if unicode.IsLetter(d) || unicode.IsNumber(d) {
						b = utf8.AppendRune(b, d)
					}
				}
				e.cased = string(b)
			}
			e.lower = lowerString(e.cased)
		}
	}
	return t
}

func lowerString(s string) string {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		b = utf8.AppendRune(b, unicode.ToLower(r))
	}
	return string(b)
}

// classify tells how the tokeniser treats a non-ASCII rune.
func classify(r rune) uint8 {
	if r < latinHi {
		return latinTable[r-latinLo].class
	}
	switch r {
	case 0x02BC, 0x2019, 0x2018, 0x201B, 0x2032, 0x02B9: // apostrophe look-alikes that are letters or would glue "l’Orange"
		return classSep
	case 0x200B, 0x2060, 0xFEFF: // zero-width space, word joiner, BOM: treat as spaces
		return classSep
	case 0x200C, 0x200D: // zero-width (non-)joiner: inside words
		return classIgnore
	}
	if unicode.IsLetter(r) || unicode.IsNumber(r) {
		return classWord
	}
	if unicode.In(r, unicode.Mn, unicode.Me, unicode.Mc) {
		return classIgnore
	}
	return classSep
}

// appendFold appends the folded form of a non-ASCII word rune: accents and
// other marks removed, compatibility forms decomposed (ﬁ -> fi, fullwidth ->
// ASCII), lower-cased unless keepCase.
func appendFold(dst []byte, r rune, keepCase bool) []byte {
	if r < latinHi {
		e := &latinTable[r-latinLo]
		if keepCase {
			return append(dst, e.cased...)
		}
		return append(dst, e.lower...)
	}
	var enc [utf8.UTFMax]byte
	n := utf8.EncodeRune(enc[:], r)
	d := norm.NFKD.Properties(enc[:n]).Decomposition()
	if d == nil {
		if !keepCase {
			r = unicode.ToLower(r)
		}
		return utf8.AppendRune(dst, r)
	}
	for len(d) > 0 {
		c, size := utf8.DecodeRune(d)
		d = d[size:]
		// Keep only what the tokeniser itself reads as a word rune: ʹ (U+0374)
		// decomposes to U+02B9, a letter that classify treats as an
		// apostrophe; keeping it made folding unstable (found by FuzzParse).
		if classify0(c) != classWord {
			continue
		}
		if c >= latinLo && c < latinHi {
			dst = appendFold(dst, c, keepCase)
			continue
		}
		if !keepCase {
			c = unicode.ToLower(c)
		}
		dst = utf8.AppendRune(dst, c)
	}
	return dst
}

// token is one word of a document or a query literal.
type token struct {
	fs, fe int32 // folded form: buf[fs:fe]
	os, oe int32 // original bytes in the source string
}

// tokenize appends the tokens of s to toks and their folded forms to buf.
// The same function tokenises documents and query literals, so both sides
// agree on what a word is.
func tokenize(s string, buf []byte, toks []token) ([]byte, []token) {
	inTok := false
	var cur token
	for i := 0; i < len(s); {
		c := s[i]
		var class uint8
		var size int
		var r rune
		if c < utf8.RuneSelf {
			size = 1
			switch {
			case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
				class = classWord
			case c >= 'A' && c <= 'Z':
				class = classWord
				c += 'a' - 'A'
			default:
				class = classSep
			}
			if class == classWord {
				if !inTok {
					inTok = true
					cur = token{fs: int32(len(buf)), os: int32(i)}
				}
				buf = append(buf, c)
				i++
				cur.oe = int32(i)
				continue
			}
		} else {
			r, size = utf8.DecodeRuneInString(s[i:])
			class = classify(r)
		}
		switch class {
		case classWord:
			if !inTok {
				inTok = true
				cur = token{fs: int32(len(buf)), os: int32(i)}
			}
			buf = appendFold(buf, r, false)
			cur.oe = int32(i + size)
		case classIgnore:
			if inTok {
				cur.oe = int32(i + size)
			}
		default:
			if inTok {
				inTok = false
				cur.fe = int32(len(buf))
				if cur.fe > cur.fs {
					toks = append(toks, cur)
				}
			}
		}
		i += size
	}
	if inTok {
		cur.fe = int32(len(buf))
		if cur.fe > cur.fs {
			toks = append(toks, cur)
		}
	}
	return buf, toks
}

// appendCased appends the accent-folded, case-kept form of a token's
// original text, for case-sensitive terms.
func appendCased(dst []byte, orig string) []byte {
	for i := 0; i < len(orig); {
		c := orig[i]
		if c < utf8.RuneSelf {
			if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(orig[i:])
		i += size
		if classify(r) == classWord {
			dst = appendFold(dst, r, true)
		}
	}
	return dst
}
