package sentiment

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Kind is the kind of a token.
type Kind uint8

// Token kinds.
const (
	KWord Kind = iota
	KEmoji
	KPunct
	KURL
	KUser
	KNumber
)

// Token is one unit of text after normalisation.
type Token struct {
	Norm    string // lower-cased, accent-folded, elongation resolved, informal expanded
	Raw     string // as written (for evidence)
	Kind    Kind
	Caps    bool // written in capitals (≥ 2 letters)
	Elong   bool // had a letter repeated 3+ times
	Hashtag bool
	Excl    int // for punctuation: number of '!'
}

// maxTokens bounds the work on very long texts (articles): sentiment of a
// page is decided well within its first few thousand words.
const maxTokens = 4000

// elisions are the French clitics written with an apostrophe.
var elisions = map[string]string{
	"l": "le", "d": "de", "j": "je", "qu": "que", "c": "ce", "n": "ne", "s": "se",
	"m": "me", "t": "te", "jusqu": "jusque", "lorsqu": "lorsque", "puisqu": "puisque",
}

// informal maps SMS/tweet spellings to their standard form (possibly several words).
var informal = map[string]string{
	"c": "c'est", "pr": "pour", "tjr": "toujours", "tjrs": "toujours", "bcp": "beaucoup",
	"slt": "salut", "mtn": "maintenant", "chui": "je suis", "chuis": "je suis", "jsp": "je sais pas",
	"jss": "je suis", "pk": "pourquoi", "pq": "pourquoi", "pcq": "parce que", "pck": "parce que",
	"tkt": "t'inquiète", "dsl": "désolé", "mrc": "merci", "mci": "merci", "jtm": "je t'aime",
	"grv": "grave", "tro": "trop", "tt": "tout", "qd": "quand", "bjr": "bonjour", "ds": "dans",
	"ac": "avec", "avc": "avec", "keske": "qu'est-ce que", "koi": "quoi", "ki": "qui",
	"ya": "il y a", "y'a": "il y a", "jai": "j'ai", "jpeux": "je peux", "jsuis": "je suis",
	"jveux": "je veux", "ca": "ça", "kiff": "kiffe", "kif": "kiffe", "kiffer": "kiffe",
	"ptdr": "mdr", "xptdr": "mdr", "mdrr": "mdr", "lol": "mdr", "jpp": "mdr", "xd": "mdr",
	"vrm": "vraiment", "vrmt": "vraiment", "trkl": "tranquille", "tranquil": "tranquille",
	"msg": "message", "stp": "s'il te plaît", "svp": "s'il vous plaît", "nn": "non",
	"wsh": "wesh", "oklm": "tranquille", "pb": "problème", "pbm": "problème",
	"mm": "même", "qqn": "quelqu'un", "qqch": "quelque chose", "bg": "beau gosse",
	"dla": "de la", "jamè": "jamais", "jamai": "jamais", "bi1": "bien", "b1": "bien",
	"ct": "c'était", "cété": "c'était", "gt": "j'étais", "chelou": "bizarre", "relou": "lourd",
	"dégueu": "dégueulasse", "degueu": "dégueulasse", "u": "you", "ur": "your",
	"cant": "can't", "wont": "won't", "isnt": "isn't",
}

// emoji and emoticon polarity, also used as tokens.
var emojiPolarity = map[string]float64{
	"😡": -1, "🤬": -1, "😠": -0.9, "😤": -0.6, "😞": -0.7, "😢": -0.7, "😭": -0.6, "😩": -0.6,
	"😫": -0.6, "😒": -0.6, "🙄": -0.5, "😔": -0.6, "😕": -0.4, "🙁": -0.5, "☹": -0.6, "👎": -0.8,
	"💩": -0.7, "🤮": -0.9, "🤢": -0.7, "😱": -0.4, "😨": -0.5, "😰": -0.5, "💔": -0.7, "😑": -0.3,
	"😐": -0.1, "🤦": -0.6, "😾": -0.6, "😖": -0.6, "😣": -0.5, "😟": -0.5, "😬": -0.2,
	"😍": 1, "🥰": 1, "😘": 0.8, "❤": 0.8, "❤️": 0.8, "💕": 0.8, "💖": 0.8, "💗": 0.8, "💙": 0.7,
	"💚": 0.7, "💛": 0.7, "💜": 0.7, "🧡": 0.7, "😊": 0.8, "🙂": 0.5, "😀": 0.7, "😃": 0.7,
	"😄": 0.8, "😁": 0.7, "😆": 0.6, "😂": 0.4, "🤣": 0.4, "😉": 0.4, "😎": 0.6, "🤩": 0.9,
	"👍": 0.8, "👏": 0.7, "🙌": 0.7, "💪": 0.6, "🔥": 0.5, "✨": 0.4, "🎉": 0.8, "🥳": 0.8,
	"👌": 0.7, "🤗": 0.7, "😇": 0.6, "😋": 0.6, "🌟": 0.6, "⭐": 0.5, "✅": 0.4, "🙏": 0.4,
	":)": 0.7, ":-)": 0.7, ":))": 0.8, ":d": 0.8, ":-d": 0.8, ";)": 0.5, ";-)": 0.5, "^^": 0.6,
	"^_^": 0.6, "<3": 0.8, "xd": 0.5, ":p": 0.4, ":-p": 0.4, "=)": 0.6, ":3": 0.5,
	":(": -0.7, ":-(": -0.7, ":((": -0.8, ":'(": -0.7, ":/": -0.4, ":-/": -0.4, ">:(": -0.9,
	"-_-": -0.4, "=(": -0.6, "</3": -0.7, ":s": -0.4, ":@": -0.8,
}

// emoticons are the ASCII forms, longest first so ":((" wins over ":(".
var emoticons = []string{">:(", ":'(", ":-)", ":-(", ":-/", ":-p", ":-d", ";-)", "^_^", ":))", ":((", "</3",
	"-_-", ":)", ":(", ":d", ";)", "^^", "<3", ":p", ":/", "=)", "=(", ":3", ":s", ":@"}

func isEmojiRune(r rune) bool {
	return (r >= 0x1F300 && r <= 0x1FAFF) || (r >= 0x2600 && r <= 0x27BF) || r == 0x2B50 || r == 0x2764
}

// Tokenize splits and normalises text for the rule layer and the model.
func Tokenize(text string) []Token {
	return tokenizeInto(make([]Token, 0, len(text)/5+4), text, nil)
}

// tokenizeInto appends the tokens of text to toks (the Analyzer passes a
// pooled slice). intern maps folded words to one shared copy, so a known
// word written with capitals or accents costs no allocation; nil allocates.
func tokenizeInto(toks []Token, text string, intern map[string]string) []Token {
	i := 0
	for i < len(text) && len(toks) < maxTokens {
		r, sz := utf8.DecodeRuneInString(text[i:])
		switch {
		case unicode.IsSpace(r):
			i += sz
			continue
		case r == 'h' && (strings.HasPrefix(text[i:], "http://") || strings.HasPrefix(text[i:], "https://")):
			j := i
			for j < len(text) && text[j] != ' ' && text[j] != '\t' && text[j] != '\n' {
				j++
			}
			toks = append(toks, Token{Norm: "<url>", Raw: text[i:j], Kind: KURL})
			i = j
			continue
		case r == '@':
			j := i + 1
			for j < len(text) {
				r2, s2 := utf8.DecodeRuneInString(text[j:])
				if !unicode.IsLetter(r2) && !unicode.IsDigit(r2) && r2 != '_' {
					break
				}
				j += s2
			}
			if j > i+1 {
				toks = append(toks, Token{Norm: "<user>", Raw: text[i:j], Kind: KUser})
				i = j
				continue
			}
		case isEmojiRune(r):
			j := i + sz
			// swallow variation selectors, skin tones and zero-width joiners.
			for j < len(text) {
				r2, s2 := utf8.DecodeRuneInString(text[j:])
				if r2 == 0xFE0F || r2 == 0x200D || (r2 >= 0x1F3FB && r2 <= 0x1F3FF) {
					j += s2
					continue
				}
				break
			}
			e := text[i : i+sz] // string(r), without the copy
			if r == 0x2764 {
				e = "❤"
			}
			toks = append(toks, Token{Norm: e, Raw: text[i:j], Kind: KEmoji})
			i = j
			continue
		}
		if e, n := matchEmoticon(text[i:]); n > 0 {
			toks = append(toks, Token{Norm: e, Raw: text[i : i+n], Kind: KEmoji})
			i += n
			continue
		}
		if r == '#' || unicode.IsLetter(r) || unicode.IsDigit(r) {
			hashtag := r == '#'
			start := i
			if hashtag {
				i += sz
			}
			j := i
			for j < len(text) {
				r2, s2 := utf8.DecodeRuneInString(text[j:])
				if unicode.IsLetter(r2) || unicode.IsDigit(r2) || r2 == '_' || r2 == '-' && j > i {
					j += s2
					continue
				}
				// apostrophes: split elisions, keep "aujourd'hui".
				if (r2 == '\'' || r2 == '’') && !hashtag {
					w := strings.ToLower(text[i:j])
					if w == "aujourd" {
						j += s2
						continue
					}
					if full, ok := elisions[w]; ok {
						toks = append(toks, Token{Norm: full, Raw: text[i : j+s2], Kind: KWord})
						i = j + s2
						j = i
						start = i // the next word's Raw starts after "n'", not at it
						continue
					}
					if strings.HasSuffix(w, "n") && j+s2 < len(text) && text[j+s2] == 't' { // don't
						j += s2
						continue
					}
				}
				break
			}
			if j == i {
				toks = append(toks, Token{Norm: "#", Raw: "#", Kind: KPunct})
				continue
			}
			word := strings.Trim(text[i:j], "-_")
			if hashtag {
				for _, part := range splitHashtag(word) {
					toks = appendWord(toks, part, part, true, intern)
				}
			} else {
				toks = appendWord(toks, word, text[start:j], false, intern)
			}
			i = j
			continue
		}
		// punctuation: group runs of ! and ?
		if r == '!' || r == '?' {
			j, excl := i, 0
			for j < len(text) && (text[j] == '!' || text[j] == '?') {
				if text[j] == '!' {
					excl++
				}
				j++
			}
			norm := "!"
			if excl == 0 {
				norm = "?"
			}
			toks = append(toks, Token{Norm: norm, Raw: text[i:j], Kind: KPunct, Excl: excl})
			i = j
			continue
		}
		norm := text[i : i+sz] // string(r), without the copy
		if r == utf8.RuneError && sz == 1 {
			norm = string(utf8.RuneError)
		}
		toks = append(toks, Token{Norm: norm, Raw: text[i : i+sz], Kind: KPunct})
		i += sz
	}
	return toks
}

func matchEmoticon(s string) (string, int) {
	if len(s) < 2 {
		return "", 0
	}
	c := s[0]
	if c != ':' && c != ';' && c != '^' && c != '<' && c != '=' && c != '>' && c != '-' && c != 'x' && c != 'X' {
		return "", 0
	}
	if c == 'x' || c == 'X' {
		if len(s) >= 2 && (s[1] == 'D' || s[1] == 'd') && (len(s) == 2 || !isWordByte(s[2])) {
			return "xd", 2
		}
		return "", 0
	}
	for _, e := range emoticons {
		if len(s) >= len(e) && strings.EqualFold(s[:len(e)], e) {
			// ":p" and ":d" only when not followed by a letter (avoid "http://d...").
			if len(s) > len(e) && isWordByte(s[len(e)]) && isWordByte(e[len(e)-1]) {
				continue
			}
			return e, len(e)
		}
	}
	return "", 0
}

func isWordByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b >= 0x80
}

// splitHashtag splits camelCase and digit boundaries: "JeSuisDégoûté" ->
// je, suis, dégoûté. Lower-case hashtags stay whole.
func splitHashtag(h string) []string {
	var parts []string
	start := 0
	prev := rune(0)
	for i, r := range h {
		if i > start && (unicode.IsUpper(r) && unicode.IsLower(prev) || r == '_' || r == '-') {
			parts = append(parts, h[start:i])
			start = i
			if r == '_' || r == '-' {
				start = i + 1
			}
		}
		prev = r
	}
	if start < len(h) {
		parts = append(parts, h[start:])
	}
	return parts
}

func appendWord(toks []Token, word, raw string, hashtag bool, intern map[string]string) []Token {
	letters, upper := 0, 0
	digits := 0
	ascii := true
	for i := 0; i < len(word); i++ {
		if word[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		for i := 0; i < len(word); i++ {
			switch c := word[i]; {
			case 'a' <= c && c <= 'z':
				letters++
			case 'A' <= c && c <= 'Z':
				letters++
				upper++
			case '0' <= c && c <= '9':
				digits++
			}
		}
	} else {
		for _, r := range word {
			if unicode.IsLetter(r) {
				letters++
				if unicode.IsUpper(r) {
					upper++
				}
			} else if unicode.IsDigit(r) {
				digits++
			}
		}
	}
	if digits > 0 && letters == 0 {
		return append(toks, Token{Norm: "<num>", Raw: raw, Kind: KNumber})
	}
	caps := letters >= 2 && upper == letters && !hashtag
	if ascii && upper == 0 {
		return appendLow(toks, word, raw, caps, hashtag) // already lower case (most words)
	}
	if len(word) > 64 {
		return appendLow(toks, strings.ToLower(word), raw, caps, hashtag)
	}
	// Lower-case into a stack buffer: the lower-cased form is only looked
	// up and folded, so a word that needs neither elongation squeezing nor
	// informal expansion costs at most its folded copy (none when interned).
	var lb [4 * 64]byte
	low := lb[:0]
	for _, r := range word {
		low = utf8.AppendRune(low, unicode.ToLower(r))
	}
	if _, exp := informal[string(low)]; exp || tripled(low) {
		return appendLow(toks, string(low), raw, caps, hashtag)
	}
	var fb [4 * 64]byte
	norm := foldInto(fb[:0], low)
	n, ok := intern[string(norm)]
	if !ok {
		n = string(norm)
	}
	return append(toks, Token{Norm: n, Raw: raw, Kind: KWord, Caps: caps, Hashtag: hashtag})
}

// appendLow is the general path of appendWord from the lower-cased word.
func appendLow(toks []Token, low, raw string, caps, hashtag bool) []Token {
	norm, elong := resolveElongation(low)
	exp, expanded := informal[norm]
	if expanded {
		norm = exp
	}
	if expanded && strings.ContainsAny(norm, " '") {
		// expansion to several words ("je sais pas", "c'est")
		for _, w := range strings.FieldsFunc(norm, func(r rune) bool { return r == ' ' || r == '\'' }) {
			if full, ok := elisions[w]; ok {
				w = full
			}
			toks = append(toks, Token{Norm: Fold(w), Raw: raw, Kind: KWord, Caps: caps, Elong: elong, Hashtag: hashtag})
		}
		return toks
	}
	return append(toks, Token{Norm: Fold(norm), Raw: raw, Kind: KWord, Caps: caps, Elong: elong, Hashtag: hashtag})
}

// resolveElongation squeezes letters repeated three times or more:
// "nuuul" -> "nul", "trooop" -> "trop", "cooool" -> "cool" is left to the
// lexicon lookup (see lexicon.lookup which also tries the doubled form).
func resolveElongation(w string) (string, bool) {
	if !tripled(w) {
		return w, false // most words: no copy
	}
	var b strings.Builder
	elong := false
	var prev rune
	run := 0
	for _, r := range w {
		if r == prev {
			run++
			if run >= 2 {
				elong = true
				continue
			}
		} else {
			run = 0
		}
		prev = r
		b.WriteRune(r)
	}
	if !elong {
		return w, false
	}
	// squeeze the remaining doubles that were elongations: "nuul" is not a word,
	// but "cool"/"bonne" are; prefer the single form unless it's a known doubled word.
	s := b.String()
	return squeezeDoubles(s), true
}

// tripled reports whether some rune occurs three times in a row, in a
// string or in UTF-8 bytes.
func tripled[S ~string | ~[]byte](w S) bool {
	var prev rune = -1
	run := 0
	for i := 0; i < len(w); {
		r, sz := runeAt(w, i)
		i += sz
		if r == prev {
			if run++; run >= 2 {
				return true
			}
		} else {
			run = 0
		}
		prev = r
	}
	return false
}

// runeAt decodes the rune starting at w[i], as utf8.DecodeRune(InString)
// would. A byte slice is converted 4 bytes at most (on the stack).
func runeAt[S ~string | ~[]byte](w S, i int) (rune, int) {
	if c := w[i]; c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeRuneInString(string(w[i:min(i+utf8.UTFMax, len(w))]))
}

// doubled words that legitimately keep a double letter after squeezing.
var keepDouble = map[string]bool{"cool": true, "good": true, "too": true, "soo": false, "bonne": true, "belle": true,
	"nulle": true, "grosse": true, "super": true, "genial": true, "trop": true, "mdr": true, "love": true, "jolie": true}

func squeezeDoubles(s string) string {
	if keepDouble[s] {
		return s
	}
	var b strings.Builder
	var prev rune
	for _, r := range s {
		if r == prev && unicode.IsLetter(r) {
			continue
		}
		prev = r
		b.WriteRune(r)
	}
	t := b.String()
	if keepDouble[t] {
		return t
	}
	// fall back to the doubled form when the squeezed one loses a known word
	for k, v := range keepDouble {
		if v && squeezeSimple(k) == t {
			return k
		}
	}
	return t
}

func squeezeSimple(s string) string {
	var b strings.Builder
	var prev rune
	for _, r := range s {
		if r == prev {
			continue
		}
		prev = r
		b.WriteRune(r)
	}
	return b.String()
}

// Fold lower-cases and strips French diacritics so "genial" and "génial" meet.
func Fold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || (s[i] >= 'A' && s[i] <= 'Z') {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		r, r2 := foldRune(r)
		b.WriteRune(r)
		if r2 != 0 {
			b.WriteRune(r2)
		}
	}
	return b.String()
}

// foldInto appends Fold(s) to dst, for s already valid UTF-8.
func foldInto(dst, s []byte) []byte {
	for i := 0; i < len(s); {
		r, sz := utf8.DecodeRune(s[i:])
		i += sz
		r, r2 := foldRune(r)
		dst = utf8.AppendRune(dst, r)
		if r2 != 0 {
			dst = utf8.AppendRune(dst, r2)
		}
	}
	return dst
}

// foldRune is Fold's mapping of one rune; œ and æ become two letters (r2 != 0).
func foldRune(r rune) (r1, r2 rune) {
	r = unicode.ToLower(r)
	switch r {
	case 'à', 'â', 'ä', 'á', 'ã':
		r = 'a'
	case 'é', 'è', 'ê', 'ë':
		r = 'e'
	case 'î', 'ï', 'í', 'ì':
		r = 'i'
	case 'ô', 'ö', 'ó', 'ò', 'õ':
		r = 'o'
	case 'ù', 'û', 'ü', 'ú':
		r = 'u'
	case 'ç':
		r = 'c'
	case 'ÿ':
		r = 'y'
	case 'œ':
		return 'o', 'e'
	case 'æ':
		return 'a', 'e'
	case '’':
		r = '\''
	}
	return r, 0
}
