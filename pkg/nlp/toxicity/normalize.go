package toxicity

import (
	"unicode"
	"unicode/utf8"
)

// token is one word of the text, with the forms used for matching. norm
// and skel point into the scratch arena of the call (or a fresh one).
type token struct {
	start, end int    // byte offsets in the original text
	norm       []byte // lower-cased, accent-folded, leet decoded, 3+ repeats squeezed
	skel       []byte // norm with every doubled letter squeezed ("connard" -> "conard")
}

// scratch is the working memory of one Check, pooled by the Detector.
type scratch struct {
	toks  []token
	arena []byte // the bytes of every token's norm and skel
	key   []byte
	nb    []byte
	offs  []int
	run   []int
}

// leet maps look-alike digits and symbols to letters; applied only inside
// tokens that also contain letters, so "2024" stays a number.
var leet = map[rune]rune{'0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '8': 'b', '@': 'a', '$': 's', '€': 'e', '!': 'i', '|': 'i'}

func fold(r rune) rune {
	switch r {
	case 'à', 'â', 'ä', 'á', 'ã', 'å':
		return 'a'
	case 'é', 'è', 'ê', 'ë':
		return 'e'
	case 'î', 'ï', 'í', 'ì':
		return 'i'
	case 'ô', 'ö', 'ó', 'ò', 'õ':
		return 'o'
	case 'ù', 'û', 'ü', 'ú':
		return 'u'
	case 'ç':
		return 'c'
	case 'ÿ':
		return 'y'
	case 'ñ':
		return 'n'
	}
	return r
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

func isLeetSym(r rune) bool {
	return r == '@' || r == '$' || r == '€' || r == '!' || r == '|'
}

// tokenize splits text into words. Leet symbols count as word characters
// when they sit between letters/digits ("s@l0pe"); runs of single letters
// separated by dots, dashes, stars or spaces are joined ("c.o.n.n.a.r.d").
func tokenize(text string) []token {
	var s scratch
	s.tokenize(text)
	return s.toks
}

// tokenize fills s.toks, reusing s's buffers.
func (s *scratch) tokenize(text string) {
	toks := s.toks[:0]
	arena := s.arena[:0]
	i := 0
	for i < len(text) {
		r, sz := utf8.DecodeRuneInString(text[i:])
		if !isWordRune(r) && !(isLeetSym(r) && i+sz < len(text) && nextIsWord(text[i+sz:])) {
			i += sz
			continue
		}
		start := i
		for i < len(text) {
			r, sz = utf8.DecodeRuneInString(text[i:])
			rest := text[i+sz:]
			switch {
			case isWordRune(r):
			case r == '!' && i > start && nextIsWord(rest):
			case r != '!' && isLeetSym(r) && (i > start || nextIsWord(rest)):
			default:
				goto done
			}
			i += sz
		}
	done:
		var t token
		t, arena = makeToken(arena, text, start, i)
		toks = append(toks, t)
		if len(toks) > 20000 {
			break
		}
	}
	s.toks, s.arena = joinSpelled(text, toks, arena)
}

func nextIsWord(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return isWordRune(r)
}

// makeToken normalises text[start:end] into arena.
func makeToken(arena []byte, text string, start, end int) (token, []byte) {
	raw := text[start:end]
	a0 := len(arena)
	if _, ok := plainASCII(raw); ok {
		// fast path (most words): nothing to lower-case, fold or decode
		arena = append(arena, raw...)
	} else {
		hasLetter, hasOther := false, false
		for _, r := range raw {
			if unicode.IsLetter(r) {
				hasLetter = true
			} else {
				hasOther = true
			}
		}
		for _, r := range raw {
			r = fold(unicode.ToLower(r))
			if hasLetter && hasOther {
				if l, ok := leet[r]; ok {
					r = l
				}
			}
			arena = utf8.AppendRune(arena, r)
		}
	}
	t := token{start: start, end: end}
	t.norm, arena = squeezeInto(arena, arena[a0:], 2)
	t.skel, arena = squeezeInto(arena, t.norm, 1)
	return t, arena
}

// plainASCII reports whether raw is already in normal form: only lower-case
// ASCII letters, or only digits (leet decoding applies to mixes only).
func plainASCII(raw string) (string, bool) {
	letters, digits := false, false
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; {
		case 'a' <= c && c <= 'z':
			letters = true
		case '0' <= c && c <= '9':
			digits = true
		default:
			return "", false
		}
	}
	return raw, !(letters && digits)
}

// squeeze keeps at most max consecutive copies of a letter; s itself when
// nothing repeats that much (no allocation).
func squeeze(s string, max int) string {
	if !repeats(s, max) {
		return s
	}
	out, _ := squeezeInto(make([]byte, 0, len(s)), []byte(s), max)
	return string(out)
}

// squeezeInto is squeeze for bytes: s itself when nothing repeats more
// than max times, else the squeezed copy appended to arena.
func squeezeInto(arena, s []byte, max int) ([]byte, []byte) {
	if !repeats(s, max) {
		return s, arena
	}
	a0 := len(arena)
	var prev rune
	run := 0
	for i := 0; i < len(s); {
		r, sz := utf8.DecodeRune(s[i:])
		i += sz
		if r == prev {
			run++
			if run >= max {
				continue
			}
		} else {
			run = 0
		}
		prev = r
		arena = utf8.AppendRune(arena, r)
	}
	return arena[a0:], arena
}

// repeats reports whether some rune occurs more than max times in a row,
// i.e. whether squeeze would change s.
func repeats[S ~string | ~[]byte](s S, max int) bool {
	run := 0
	for i := 1; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf || s[i-1] >= utf8.RuneSelf {
			return repeatsRunes(string(s), max)
		}
		if s[i] == s[i-1] {
			run++
			if run >= max {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}

func repeatsRunes(s string, max int) bool {
	var prev rune = -1
	run := 0
	for _, r := range s {
		if r == prev {
			run++
			if run >= max {
				return true
			}
		} else {
			run = 0
		}
		prev = r
	}
	return false
}

// joinSpelled merges runs of ≥ 3 one-letter tokens separated only by
// spacing punctuation into one token. It compacts toks in place: a merged
// token is written at an index no greater than the first one it reads.
func joinSpelled(text string, toks []token, arena []byte) ([]token, []byte) {
	out := toks[:0]
	for i := 0; i < len(toks); {
		j := i
		for j < len(toks) && utf8.RuneCount(toks[j].norm) == 1 && (j == i || onlySpacing(text[toks[j-1].end:toks[j].start])) {
			j++
		}
		if j-i >= 3 {
			a0 := len(arena)
			for k := i; k < j; k++ {
				arena = append(arena, toks[k].norm...)
			}
			t := token{start: toks[i].start, end: toks[j-1].end}
			t.norm, arena = squeezeInto(arena, arena[a0:], 2)
			t.skel, arena = squeezeInto(arena, t.norm, 1)
			out = append(out, t)
			i = j
			continue
		}
		out = append(out, toks[i])
		i++
	}
	return out, arena
}

func onlySpacing(s string) bool {
	if len(s) == 0 || len(s) > 3 {
		return false
	}
	for _, c := range s {
		if c != '.' && c != '-' && c != '_' && c != '*' && c != ' ' && c != '/' {
			return false
		}
	}
	return true
}
