// Package langid identifies the natural language of short and long texts
// (tweets, titles, articles) and returns an ISO 639-1 code with a confidence.
//
// Latin, Cyrillic and Arabic script texts are scored by a naive-Bayes-like sum
// of quantised character 1..5-gram log-probabilities (derived from
// lingua-go's models, see internal/gen); texts in scripts used by a single
// language (Greek, Hebrew, Hangul, kana, Han, Thai, …) are decided by script.
package langid

//go:generate go run ./internal/gen -out model.bin

import (
	_ "embed"
	"fmt"
	"math"
	"unicode"
	"unicode/utf8"

	"github.com/veille-oss/veille/pkg/nlp/langid/internal/model"
)

// Und is returned when the language cannot be determined.
const Und = "und"

//go:embed model.bin
var modelBlob []byte

// Result is the outcome of a detection.
type Result struct {
	Lang       string  // ISO 639-1 code, or "und"
	Confidence float64 // 0..1
}

// Detector identifies languages. It is immutable after New and safe for
// concurrent use; build one per process and share it.
type Detector struct {
	m        *model.Model
	langs    []string
	hintBias float64 // log prior odds for the hinted language
}

const (
	maxLangs = 64
	maxWord  = 48 // longer "words" (hashes, base64) are cut: their tail says nothing
	maxOrder = 5
	// maxLetters bounds the work on long documents: six hundred letters
	// decide the language as well as the whole article does.
	maxLetters = 600
)

// New decodes the embedded model. It panics only if the embedded model is
// corrupt, which is a build defect, not an input error.
func New() *Detector {
	d, err := newFromBlob(modelBlob)
	if err != nil {
		panic(fmt.Sprintf("langid: embedded model: %v", err))
	}
	return d
}

func newFromBlob(blob []byte) (*Detector, error) {
	m, err := model.Decode(blob)
	if err != nil {
		return nil, err
	}
	if len(m.Langs) > maxLangs {
		return nil, fmt.Errorf("%w: %d languages, at most %d", model.ErrBadModel, len(m.Langs), maxLangs)
	}
	return &Detector{m: m, langs: m.Langs, hintBias: 1.5}, nil
}

// Detect returns the most likely language of text.
func (d *Detector) Detect(text string) Result { return d.DetectWithHint(text, "") }

// script classes counted over letters.
const (
	scLatin = iota
	scCyrillic
	scArabic
	scGreek
	scHebrew
	scHan
	scKana
	scHangul
	scThai
	scDevanagari
	scArmenian
	scGeorgian
	scBengali
	scTamil
	scOther
	nScripts
)

// singleScript maps scripts used (here) by one language to that language.
var singleScript = [nScripts]string{
	scGreek: "el", scHebrew: "he", scHan: "zh", scKana: "ja", scHangul: "ko", scThai: "th",
	scDevanagari: "hi", scArmenian: "hy", scGeorgian: "ka", scBengali: "bn", scTamil: "ta",
}

func scriptOf(r rune) int {
	switch {
	case r < 0x250 || (r >= 0x1E00 && r < 0x1F00):
		return scLatin
	case r >= 0x400 && r < 0x530:
		return scCyrillic
	case r >= 0x600 && r < 0x700, r >= 0x750 && r < 0x780, r >= 0xFB50 && r < 0xFE00, r >= 0xFE70 && r < 0xFF00:
		return scArabic
	case r >= 0x370 && r < 0x400, r >= 0x1F00 && r < 0x2000:
		return scGreek
	case r >= 0x590 && r < 0x600:
		return scHebrew
	case r >= 0x3040 && r < 0x3100, r >= 0x31F0 && r < 0x3200:
		return scKana
	case r >= 0xAC00 && r < 0xD7B0, r >= 0x1100 && r < 0x1200, r >= 0x3130 && r < 0x3190:
		return scHangul
	case unicode.Is(unicode.Han, r):
		return scHan
	case r >= 0xE00 && r < 0xE80:
		return scThai
	case r >= 0x900 && r < 0x980:
		return scDevanagari
	case r >= 0x530 && r < 0x590:
		return scArmenian
	case r >= 0x10A0 && r < 0x1100:
		return scGeorgian
	case r >= 0x980 && r < 0xA00:
		return scBengali
	case r >= 0xB80 && r < 0xC00:
		return scTamil
	}
	return scOther
}

// scratch is the per-call state, kept on the stack.
type scratch struct {
	acc     model.Acc // per-language score sums
	scripts [nScripts]int32
	word    [maxWord]rune
	wlen    int
	ngrams  int32
	letters int32
	marks   [nMarks]int32 // letters that single out a sibling language
}

// Letters that tell a language without an n-gram model apart from the
// modelled language sharing its script.
const (
	mkUkrainian = iota // ї є ґ (і is shared with Belarusian)
	mkRussian          // ы э ъ: absent from Ukrainian
	mkPersian          // پ چ ژ گ, and the Persian forms of yeh/kaf
	mkArabicYK         // Arabic yeh/kaf forms
	mkUrdu             // ٹ ڈ ڑ ں ے
	nMarks
)

func markOf(r rune) int {
	switch r {
	case 'ї', 'є', 'ґ', 'Ї', 'Є', 'Ґ':
		return mkUkrainian
	case 'ы', 'э', 'ъ', 'Ы', 'Э', 'Ъ':
		return mkRussian
	case 'پ', 'چ', 'ژ', 'گ', 'ی', 'ک':
		return mkPersian
	case 'ي', 'ك':
		return mkArabicYK
	case 'ٹ', 'ڈ', 'ڑ', 'ں', 'ے':
		return mkUrdu
	}
	return -1
}

// DetectWithHint is Detect with a prior: hint is the page or feed language
// (ISO 639-1, may be empty) and tips ambiguous short texts towards it.
func (d *Detector) DetectWithHint(text, hint string) Result {
	var s scratch
	i := 0
	for i < len(text) && s.letters < maxLetters {
		// Skip whitespace, then take one whitespace-delimited field. ASCII,
		// most of any text, is decided without decoding.
		if c := text[i]; c < utf8.RuneSelf {
			if isASCIISpace(c) {
				i++
				continue
			}
		} else if n, sp := spaceAt(text[i:]); sp {
			i += n
			continue
		}
		j := i
		for j < len(text) {
			if c := text[j]; c < utf8.RuneSelf {
				if isASCIISpace(c) {
					break
				}
				j++
				continue
			}
			n, sp := spaceAt(text[j:])
			if sp {
				break
			}
			j += n
		}
		if !skipField(text[i:j]) {
			d.scanField(&s, text[i:j])
		}
		i = j
	}
	return d.decide(&s, hint)
}

// asciiSpace has bit c set for the ASCII bytes unicode.IsSpace accepts.
const asciiSpace = 1<<'\t' | 1<<'\n' | 1<<'\v' | 1<<'\f' | 1<<'\r' | 1<<' '

func isASCIISpace(c byte) bool { return c < 64 && asciiSpace>>c&1 != 0 }

// spaceAt reports whether the rune starting text is white space, and its
// width.
func spaceAt(text string) (int, bool) {
	r, n := utf8.DecodeRuneInString(text)
	return n, unicode.IsSpace(r)
}

// skipField drops tokens that carry no language: URLs, mentions, e-mails.
func skipField(f string) bool {
	if f[0] == '@' || hasPrefixFold(f, "http") || hasPrefixFold(f, "www.") {
		return true
	}
	for i := 0; i+2 < len(f); i++ {
		if f[i] == ':' && f[i+1] == '/' && f[i+2] == '/' {
			return true
		}
	}
	for i := 1; i < len(f)-1; i++ {
		if f[i] == '@' {
			return true
		}
	}
	return false
}

func hasPrefixFold(s, p string) bool {
	if len(s) < len(p) {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != p[i] {
			return false
		}
	}
	return true
}

func (d *Detector) scanField(s *scratch, f string) {
	for _, r := range f {
		if r < utf8.RuneSelf {
			// ASCII fast path, same outcome as below: a letter is Latin,
			// has no mark and lowers by setting bit 5; anything else ends
			// the word.
			if c := r | 0x20; 'a' <= c && c <= 'z' {
				s.scripts[scLatin]++
				s.letters++
				if s.wlen < maxWord {
					s.word[s.wlen] = c
					s.wlen++
				}
				continue
			}
			d.flushWord(s)
			continue
		}
		if unicode.IsLetter(r) || (s.wlen > 0 && unicode.Is(unicode.Mn, r)) {
			if unicode.IsLetter(r) {
				s.scripts[scriptOf(r)]++
				s.letters++
				if r >= 0x400 {
					if m := markOf(r); m >= 0 {
						s.marks[m]++
					}
				}
			}
			if s.wlen < maxWord {
				s.word[s.wlen] = unicode.ToLower(r)
				s.wlen++
			}
			continue
		}
		d.flushWord(s)
	}
	d.flushWord(s)
}

// flushWord adds the log-probabilities of every 1..5-gram of the buffered
// word.
func (d *Detector) flushWord(s *scratch) {
	if s.wlen == 0 {
		return
	}
	s.ngrams += int32(d.m.AddWord(&s.acc, s.word[:s.wlen], maxOrder))
	s.wlen = 0
}

func (d *Detector) decide(s *scratch, hint string) Result {
	var letters, best int32
	bestSc := scLatin
	for sc, c := range s.scripts {
		letters += c
		if c > best {
			best, bestSc = c, sc
		}
	}
	if letters == 0 {
		return Result{Lang: Und}
	}
	if l := singleScript[bestSc]; l != "" {
		if bestSc == scHan && s.scripts[scKana] > 0 {
			l = "ja"
		}
		return Result{Lang: l, Confidence: float64(best) / float64(letters)}
	}
	if bestSc == scOther {
		return Result{Lang: Und}
	}
	switch {
	case bestSc == scCyrillic && s.marks[mkUkrainian] > 0 && s.marks[mkRussian] == 0:
		return Result{Lang: "uk", Confidence: 0.9}
	case bestSc == scArabic && s.marks[mkUrdu] > 0:
		return Result{Lang: "ur", Confidence: 0.8}
	case bestSc == scArabic && s.marks[mkPersian] > s.marks[mkArabicYK]:
		return Result{Lang: "fa", Confidence: 0.8}
	}
	score := s.acc.Scores()
	step := float64(d.m.Step)
	// Overlapping n-grams are far from independent evidence: temper the raw
	// log-likelihoods by the n-gram count before the softmax, and apply the
	// hint in that tempered space so it is a prior on the confidence odds.
	temp := 1 + math.Sqrt(float64(s.ngrams))
	bi, si := -1, -1
	var bv, sv float64
	var scores [maxLangs]float64
	for l := range d.langs {
		v := float64(score[l]) * step
		if d.langs[l] == hint {
			v += d.hintBias * temp
		}
		scores[l] = v
		switch {
		case bi < 0 || v > bv:
			si, sv = bi, bv
			bi, bv = l, v
		case si < 0 || v > sv:
			si, sv = l, v
		}
	}
	if score[bi] == 0 {
		return Result{Lang: Und}
	}
	var z float64
	for l := range d.langs {
		z += math.Exp((scores[l] - bv) / temp)
	}
	_ = si
	_ = sv
	return Result{Lang: d.langs[bi], Confidence: 1 / z}
}

// Languages lists the ISO 639-1 codes the detector can return (besides "und").
func Languages() []string {
	out := []string{"fr", "en", "es", "pt", "de", "it", "nl", "ar", "ca", "ro", "pl", "tr", "ru", "sw", "yo", "so"}
	for _, l := range singleScript {
		if l != "" {
			out = append(out, l)
		}
	}
	return append(out, "uk", "fa", "ur")
}
