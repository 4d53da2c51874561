package english

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jdkato/prose/v2"

	"github.com/veille-oss/veille/pkg/nlp/entities"
)

// Extractor finds entities in English texts, with the output of
// pkg/entities: its rules first (watched brands, gazetteer places, titles,
// capitalised sequences), then two steps measured on
// testdata/entities_en.tsv (see README.md):
//   - a watched brand that is also an English word ("Vague", "Free",
//     "Orange") is dropped when prose's tagger tags every use of it as an
//     adjective, adverb or verb, or as a common noun at a sentence start
//     ("Free shipping", "a vague answer", "Orange juice"); the tagger runs
//     only when the text never writes the brand capitalised inside a
//     sentence, which is rare;
//   - a capitalised word after a preposition of place that no rule named
//     is a place ("in Seattle", "from Dublin"), the one thing prose's
//     named-entity recogniser added to the rules on the development set,
//     at no cost.
//
// prose's recogniser itself (Options.NER) is off by default: it added
// nothing to those two steps on the development set and costs ~1.3 ms of
// CPU per English text, forty times the rest of the enrichment.
// An Extractor is safe for concurrent use.
type Extractor struct {
	gaz  *entities.Extractor
	opts Options
	// noTags and noPlaces turn the two steps off, for the comparisons.
	noTags, noPlaces bool
}

// Options configure an Extractor.
type Options struct {
	// NER adds prose's people and places for the capitalised words the
	// other steps left unnamed, on the first MaxNERBytes of the text.
	NER bool
}

// NewExtractor wraps the rules of gaz (built with the watched brands).
func NewExtractor(gaz *entities.Extractor, opts Options) *Extractor {
	return &Extractor{gaz: gaz, opts: opts}
}

// Extract returns the entities of an English text, in order of first
// appearance, deduplicated, at most entities.MaxEntities.
func (x *Extractor) Extract(text string) []entities.Entity {
	ents := x.gaz.Extract(text)
	if !x.noTags {
		ents = x.dropCommonBrandWords(text, ents)
	}
	if !x.noPlaces {
		ents = addPlacesAfterPrepositions(text, ents)
	}
	if !x.opts.NER || !hasUnnamedCaps(text, ents) {
		return ents
	}
	toks, err := document(text, MaxNERBytes, true)
	if err != nil {
		return ents
	}
	for _, e := range keepNamed(toks, chunk(toks)) {
		if len(ents) >= entities.MaxEntities {
			break
		}
		if !overlaps(ents, e.Text) {
			ents = append(ents, e)
		}
	}
	return ents
}

// addPlacesAfterPrepositions adds, as places, the runs of up to three
// capitalised words (title case: "Q3" or "USA" are not) that follow a
// preposition of place and share no word with an entity found already.
func addPlacesAfterPrepositions(text string, ents []entities.Entity) []entities.Entity {
	var prev string // the word before, when nothing but spaces separates them
	for i := 0; i < len(text) && i < MaxNERBytes && len(ents) < entities.MaxEntities; {
		r, sz := utf8.DecodeRuneInString(text[i:])
		if !isWordRune(r) {
			if r != ' ' {
				prev = ""
			}
			i += sz
			continue
		}
		j := wordEnd(text, i)
		w := text[i:j]
		if !placePrepositions[prev] || !titleCase(w) {
			prev = w
			i = j
			continue
		}
		// a run of title-case words separated by single spaces
		end, n := j, 1
		for n < 3 && end+1 < len(text) && text[end] == ' ' {
			k := wordEnd(text, end+1)
			if k == end+1 || !titleCase(text[end+1:k]) {
				break
			}
			end, n = k, n+1
		}
		name := text[i:end]
		if !notPlaces[w] && !overlaps(ents, name) {
			ents = append(ents, entities.Entity{Text: name, Type: entities.LOC})
		}
		prev = ""
		i = end
	}
	return ents
}

// wordEnd is the end of the word starting at i.
func wordEnd(text string, i int) int {
	for i < len(text) {
		r, sz := utf8.DecodeRuneInString(text[i:])
		if !isWordRune(r) {
			break
		}
		i += sz
	}
	return i
}

// titleCase reports whether w is an upper-case letter followed by at least
// one lower-case letter and no other upper-case one ("Seattle", not "USA").
func titleCase(w string) bool {
	first, sz := utf8.DecodeRuneInString(w)
	if !unicode.IsUpper(first) {
		return false
	}
	lower := false
	for _, r := range w[sz:] {
		if unicode.IsUpper(r) {
			return false
		}
		lower = lower || unicode.IsLower(r)
	}
	return lower
}

// placePrepositions precede a place name: prose's GPE after one is kept.
// "to" and "at" are not: "according to Reuters", "a data breach at Orange".
var placePrepositions = map[string]bool{"in": true, "from": true, "near": true, "across": true, "outside": true, "around": true}

// notPlaces are capitalised after a preposition of place without being
// places: months and days ("in March"), and the adjectives of nations,
// languages and regions ("across French cities", "in English").
var notPlaces = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`January February March April May June July August September October November December
		Monday Tuesday Wednesday Thursday Friday Saturday Sunday Christmas Easter Spring Summer Autumn Winter
		French English British American European German Spanish Italian Chinese Japanese Canadian Belgian Swiss
		African Asian Dutch Irish Scottish Welsh Russian Indian Australian Mexican Brazilian Portuguese Polish
		Greek Turkish Arab Arabic Moroccan Algerian Tunisian Senegalese Ivorian Cameroonian Congolese Lebanese
		Korean Swedish Norwegian Danish Finnish Austrian Ukrainian Israeli Iranian Egyptian Nigerian Kenyan
		Western Eastern Northern Southern Latin Nordic Scandinavian Mediterranean Parisian Québécois Quebecois
		Francophone Anglophone Catholic Muslim Jewish Christian Internet Web Google Twitter Facebook Instagram
		TikTok YouTube Amazon Netflix Spotify Reddit LinkedIn WhatsApp`) {
		m[w] = true
	}
	return m
}()

// keepNamed keeps prose's people of two words or more (its one-word
// PERSON are mostly companies: "Apple", "Tesla") and the places that
// follow a preposition of place.
func keepNamed(toks []prose.Token, ents []entities.Entity) []entities.Entity {
	out := ents[:0]
	for _, e := range ents {
		switch e.Type {
		case entities.PER:
			if n := strings.Count(e.Text, " ") + 1; n >= 2 && n <= 4 && !hasAllCapsWord(e.Text) {
				out = append(out, e)
			}
		case entities.LOC:
			if !notPlaces[e.Text] && afterPlacePreposition(toks, e.Text) {
				out = append(out, e)
			}
		}
	}
	return out
}

// hasAllCapsWord reports whether a word of s is in capitals ("NOT BAD"):
// shouting, not a person's name.
func hasAllCapsWord(s string) bool {
	for _, w := range strings.Fields(s) {
		if len(w) > 1 && strings.ToUpper(w) == w && strings.ToLower(w) != w {
			return true
		}
	}
	return false
}

// afterPlacePreposition reports whether the first token of name follows a
// preposition of place in toks.
func afterPlacePreposition(toks []prose.Token, name string) bool {
	first, _, _ := strings.Cut(name, " ")
	for i := 1; i < len(toks); i++ {
		if toks[i].Text == first && placePrepositions[strings.ToLower(toks[i-1].Text)] {
			return true
		}
	}
	return false
}

// overlaps reports whether name shares a word with one of ents (the
// rules' entity wins: it is a watched brand, a gazetteer place or a title).
func overlaps(ents []entities.Entity, name string) bool {
	for _, e := range ents {
		for _, w := range strings.Fields(name) {
			for _, v := range strings.Fields(e.Text) {
				if strings.EqualFold(w, v) {
					return true
				}
			}
		}
	}
	return false
}

// maxTaggedSentences bounds the tagging of one brand: the sentences that
// use it, at most this many, each cut to MaxTagBytes. A long article that
// starts sentences with "Free" costs a few sentences, not the article.
const maxTaggedSentences = 4

// dropCommonBrandWords removes the watched brands that text only uses as
// ordinary English words. A brand written capitalised inside a sentence is
// a name and needs no tagging; otherwise prose tags the sentences that use
// it, and the brand stays when any of them uses it otherwise.
func (x *Extractor) dropCommonBrandWords(text string, ents []entities.Entity) []entities.Entity {
	var sents []string
	out := ents[:0]
	for _, e := range ents {
		if e.Type != entities.ORG || strings.ContainsAny(e.Text, " ") || !x.gaz.IsBrand(e.Text) || namedInside(text, e.Text) {
			out = append(out, e)
			continue
		}
		if sents == nil {
			sents = Sentences(text)
		}
		if !usedAsWord(sents, e.Text) {
			out = append(out, e)
		}
	}
	return out
}

// UsedAsWord reports whether an English text uses name only as an
// ordinary word, never as a name: prose's tagger tags every use of it an
// adjective, adverb or verb, or a common noun at a sentence start ("a
// vague answer", "Free shipping", "Orange juice"). A use written
// capitalised inside a sentence, or a lower-case noun ("switched to
// orange"), counts as the name. False when the text does not use name.
// It tags at most 4 sentences (~170 µs of CPU each for a tweet's).
func UsedAsWord(text, name string) bool {
	if namedInside(text, name) {
		return false
	}
	return usedAsWord(Sentences(text), name)
}

func usedAsWord(sents []string, name string) bool {
	tagged := 0
	for _, s := range sents {
		if !hasWord(s, name) {
			continue
		}
		toks, err := document(s, MaxTagBytes, false)
		if err != nil || !commonWordOnly(toks, name) {
			return false
		}
		if tagged++; tagged == maxTaggedSentences {
			break
		}
	}
	return tagged > 0
}

// hasWord reports whether s has word as a whole word, ignoring case.
func hasWord(s, word string) bool {
	for i := 0; i < len(s); {
		r, sz := utf8.DecodeRuneInString(s[i:])
		if !isWordRune(r) {
			i += sz
			continue
		}
		j := wordEnd(s, i)
		if strings.EqualFold(s[i:j], word) {
			return true
		}
		i = j
	}
	return false
}

// commonWordOnly reports whether every use of word in toks is tagged as a
// word that a name is not: adjective, adverb, verb, or a common noun at a
// sentence start (where capitals say nothing). Lower-case nouns are kept:
// "my orange box" may well be the brand.
func commonWordOnly(toks []prose.Token, word string) bool {
	uses := 0
	for i, t := range toks {
		if !strings.EqualFold(t.Text, word) {
			continue
		}
		uses++
		tag := t.Tag
		switch {
		case isProperNoun(tag):
			return false
		case strings.HasPrefix(tag, "VB") && i > 0 && strings.EqualFold(toks[i-1].Text, "to"):
			// "switched to orange": the tagger reads an infinitive where
			// "to" is as often a preposition before the brand
			return false
		case strings.HasPrefix(tag, "JJ"), strings.HasPrefix(tag, "RB"), strings.HasPrefix(tag, "VB"):
		case strings.HasPrefix(tag, "NN") && startsUpper(t.Text) && (i == 0 || endsSentence(toks[i-1].Text)):
		default:
			return false
		}
	}
	return uses > 0
}

func endsSentence(tok string) bool {
	return tok == "." || tok == "!" || tok == "?" || tok == ":" || tok == "\n"
}

// namedInside reports whether name appears capitalised (as written in the
// brand list) after the first word of a sentence.
func namedInside(text, name string) bool {
	start := true
	for i := 0; i < len(text); {
		r, sz := utf8.DecodeRuneInString(text[i:])
		if !isWordRune(r) {
			if r == '.' || r == '!' || r == '?' || r == '\n' || r == ':' {
				start = true
			}
			i += sz
			continue
		}
		j := i
		for j < len(text) {
			r2, s2 := utf8.DecodeRuneInString(text[j:])
			if !isWordRune(r2) {
				break
			}
			j += s2
		}
		if !start && text[i:j] == name {
			return true
		}
		start = false
		i = j
	}
	return false
}

// hasUnnamedCaps reports whether text has a capitalised word, not the
// first of its sentence nor "I", that no entity found so far contains:
// the only texts where prose's NER can add a name. A text where most
// words are capitalised (shouting, Title Case) says nothing by its
// capitals, as pkg/entities rules too.
func hasUnnamedCaps(text string, ents []entities.Entity) bool {
	words, caps, unnamed := 0, 0, false
	start := true
	for i := 0; i < len(text) && i < MaxNERBytes; {
		r, sz := utf8.DecodeRuneInString(text[i:])
		if !isWordRune(r) {
			if r == '.' || r == '!' || r == '?' || r == '\n' || r == ':' || r == '"' {
				start = true
			}
			i += sz
			continue
		}
		j := i
		for j < len(text) {
			r2, s2 := utf8.DecodeRuneInString(text[j:])
			if !isWordRune(r2) {
				break
			}
			j += s2
		}
		w := text[i:j]
		words++
		if unicode.IsUpper(r) {
			caps++
			if !start && w != "I" && !strings.HasPrefix(w, "I'") && !inEntities(ents, w) {
				unnamed = true
			}
		}
		start = false
		i = j
	}
	return unnamed && caps*2 <= words
}

func inEntities(ents []entities.Entity, w string) bool {
	for _, e := range ents {
		for _, v := range strings.Fields(e.Text) {
			if strings.EqualFold(v, w) {
				return true
			}
		}
	}
	return false
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '\''
}
