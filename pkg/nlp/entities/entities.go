// Package entities finds people, organisations and places in French (and
// English) text with fast rules: configured brands, a small gazetteer of
// places, French titles (M., Mme, Dr), organisation cues (SA, SAS, Groupe,
// Société, Laiterie...) and capitalised sequences not at sentence start.
package entities

import (
	"bytes"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Entity types.
const (
	PER = "PER"
	ORG = "ORG"
	LOC = "LOC"
)

// Entity is one name found in the text.
type Entity struct {
	Text string `json:"text"`
	Type string `json:"type"`
}

// MaxEntities bounds the result.
const MaxEntities = 32

// Extractor finds entities. It is immutable and safe for concurrent use.
type Extractor struct {
	brands     map[string]string // lower-cased brand (possibly several words) -> canonical
	brandFirst map[string]int    // first word -> max words
	pool       sync.Pool         // *scratch
}

// scratch is the working memory of one Extract, pooled.
type scratch struct {
	ws  []word
	low []byte
}

// New builds an Extractor; brands are recognised as organisations.
func New(brands []string) *Extractor {
	x := &Extractor{brands: map[string]string{}, brandFirst: map[string]int{}}
	for _, b := range brands {
		words := splitWords(b)
		if len(words) == 0 {
			continue
		}
		key := strings.ToLower(strings.Join(words, " "))
		x.brands[key] = strings.TrimSpace(b)
		f := strings.ToLower(words[0])
		if len(words) > x.brandFirst[f] {
			x.brandFirst[f] = len(words)
		}
	}
	x.pool.New = func() any { return &scratch{} }
	return x
}

func splitWords(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return !isNameRune(r) })
}

func isNameRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '&' || r == '\''
}

type word struct {
	text       string
	start      bool // first word of a sentence
	cap        bool // starts with a capital
	allCaps    bool
	afterPunct bool // a comma, parenthesis... separates it from the previous word
}

func tokenize(text string, ws []word) []word {
	sentenceStart := true
	sep := false
	for i := 0; i < len(text); {
		r, sz := utf8.DecodeRuneInString(text[i:])
		if !(unicode.IsLetter(r) || unicode.IsDigit(r)) {
			switch r {
			case '.', '!', '?', '\n', '…', ':', '"', '«', '»', '•', '|':
				sentenceStart = true
			}
			if r != ' ' && r != '\'' && r != '’' && r != '-' {
				sep = true
			}
			i += sz
			continue
		}
		j := i
		for j < len(text) {
			r2, s2 := utf8.DecodeRuneInString(text[j:])
			if unicode.IsLetter(r2) || unicode.IsDigit(r2) || (r2 == '-' || r2 == '&') && j+s2 < len(text) && nextIsLetter(text[j+s2:]) {
				j += s2
				continue
			}
			// "M." / "Dr." keep their dot for title detection
			break
		}
		w := text[i:j]
		first, _ := utf8.DecodeRuneInString(w)
		upper, letters := 0, 0
		for _, c := range w {
			if unicode.IsLetter(c) {
				letters++
				if unicode.IsUpper(c) {
					upper++
				}
			}
		}
		ws = append(ws, word{text: w, start: sentenceStart, cap: unicode.IsUpper(first), allCaps: letters >= 2 && upper == letters, afterPunct: sep})
		// "M." is a title, not a sentence end.
		if j < len(text) && text[j] == '.' && titles[w] {
			j++
		}
		sentenceStart, sep = false, false
		i = j
		if len(ws) > 5000 {
			break
		}
	}
	return ws
}

func nextIsLetter(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsLetter(r)
}

var titles = map[string]bool{"M": true, "Mme": true, "Mmes": true, "Mlle": true, "MM": true, "Dr": true, "Me": true, "Pr": true,
	"Monsieur": true, "Madame": true, "Mademoiselle": true, "Docteur": true, "Maître": true, "Professeur": true, "Mr": true, "Mrs": true, "Ms": true}

// connectors may sit inside a multi-word name ("Charles de Gaulle", "Laiterie de Saint-Malo").
var connectors = map[string]bool{"de": true, "du": true, "des": true, "la": true, "le": true, "d": true, "l": true, "et": false, "of": true, "van": true, "von": true, "el": true, "al": true, "ben": true, "bin": true}

var orgPrefixes = map[string]bool{"groupe": true, "société": true, "societe": true, "laiterie": true, "banque": true, "association": true,
	"fondation": true, "université": true, "universite": true, "ministère": true, "ministere": true, "compagnie": true, "fédération": true,
	"federation": true, "syndicat": true, "coopérative": true, "cooperative": true, "institut": true, "agence": true, "conseil": true, "mairie": true,
	"caisse": true, "crédit": true, "credit": true, "parti": true, "club": true, "fromagerie": true, "brasserie": true, "établissements": true,
	"ets": true, "laboratoires": true, "éditions": true, "editions": true, "assurances": true, "mutuelle": true, "union": true, "collectif": true,
	"bank": true, "university": true, "company": true, "ministry": true, "federal": false, "department": true}
var orgSuffixes = map[string]bool{"SA": true, "SAS": true, "SARL": true, "SCOP": true, "SNC": true, "Inc": true, "Ltd": true, "GmbH": true,
	"Group": true, "Groupe": true, "Corp": true, "Corporation": true, "AG": true, "plc": true, "LLC": true, "Holding": true, "Bank": true, "FC": true}

// stopCaps are capitalised words that are not names at the start of a sequence.
var stopCaps = map[string]bool{"Le": true, "La": true, "Les": true, "Un": true, "Une": true, "Des": true, "Ce": true, "Cette": true, "Ces": true,
	"Il": true, "Elle": true, "Ils": true, "Elles": true, "On": true, "Nous": true, "Vous": true, "Je": true, "Tu": true, "Et": true, "Mais": true,
	"Ou": true, "Donc": true, "Or": true, "Ni": true, "Car": true, "En": true, "Au": true, "Aux": true, "Du": true, "De": true, "Pour": true,
	"Par": true, "Sur": true, "Dans": true, "Avec": true, "Sans": true, "Selon": true, "Lundi": true, "Mardi": true, "Mercredi": true, "Jeudi": true,
	"Vendredi": true, "Samedi": true, "Dimanche": true, "Janvier": true, "Février": true, "Mars": true, "Avril": true, "Mai": true, "Juin": true,
	"Juillet": true, "Août": true, "Septembre": true, "Octobre": true, "Novembre": true, "Décembre": true, "The": true, "A": true, "An": true,
	"I": true, "We": true, "You": true, "He": true, "She": true, "It": true, "They": true, "This": true, "That": true, "Merci": true, "Bonjour": true,
	"Salut": true, "Bravo": true, "Oui": true, "Non": true, "Si": true, "Quand": true, "Comment": true, "Pourquoi": true, "Qui": true, "Que": true,
	"Quoi": true, "Ici": true, "Voilà": true, "Voici": true, "Très": true, "Trop": true, "Super": true, "Top": true, "Bof": true, "Encore": true,
	"Monday": true, "Tuesday": true, "Wednesday": true, "Thursday": true, "Friday": true, "Saturday": true, "Sunday": true, "My": true, "Our": true,
	"Your": true, "His": true, "Her": true, "Their": true, "Its": true, "In": true, "On ": true, "At": true, "For": true, "With": true, "From": true,
	"By": true, "To": true, "Of": true, "And": true, "But": true, "So": true, "If": true, "Just": true, "Not": true, "No": true, "Yes": true,
	"Also": true, "Ah": true, "Oh": true, "Lol": true, "Mdr": true, "Ptdr": true}

// acronymStop are all-caps words that are not organisations.
var acronymStop = map[string]bool{"OK": true, "TOP": true, "LOL": true, "MDR": true, "PTDR": true, "TV": true, "PDF": true, "URL": true, "HTTP": true,
	"HTTPS": true, "WWW": true, "FAQ": true, "SAV": true, "CEO": true, "PDG": true, "DG": true, "RT": true, "USA": false, "NUL": true, "GRAVE": true,
	"TRES": true, "TRÈS": true, "TROP": true, "JPP": true, "OMG": true, "WTF": true, "STP": true, "SVP": true, "PS": true, "NB": true, "AM": true, "PM": true,
	"HT": true, "TTC": true, "TVA": true, "CDI": true, "CDD": true, "RDV": true, "II": true, "III": true, "IV": true, "VS": true, "BREAKING": true, "INFO": true, "URGENT": true, "VIDEO": true, "VIDÉO": true}

// Extract returns the entities of text, in order of first appearance, deduplicated.
func (x *Extractor) Extract(text string) []Entity {
	sc := x.pool.Get().(*scratch)
	defer func() {
		clear(sc.ws) // the words are substrings of text: don't keep it alive
		x.pool.Put(sc)
	}()
	sc.ws = tokenize(text, sc.ws[:0])
	ws := sc.ws
	out := make([]Entity, 0, 4)
	add := func(t, typ string) {
		if t == "" || len(out) >= MaxEntities || seenEntity(out, t, typ) {
			return
		}
		out = append(out, Entity{Text: t, Type: typ})
	}
	// lower looks s up lower-cased in a reused buffer: m[string(b)] does not copy.
	lower := func(s string) []byte {
		sc.low = appendLower(sc.low[:0], s)
		return sc.low
	}
	capsText := mostlyCaps(ws)
	for i := 0; i < len(ws); i++ {
		w := ws[i]
		// brands, case-insensitive, up to their word count
		if n, ok := x.brandFirst[string(lower(w.text))]; ok {
			matched := false
			for k := min(n, len(ws)-i); k >= 1; k-- {
				b := sc.low[:0]
				for j, v := range ws[i : i+k] {
					if j > 0 {
						b = append(b, ' ')
					}
					b = appendLower(b, v.text)
				}
				sc.low = b
				if c, ok := x.brands[string(b)]; ok {
					add(c, ORG)
					i += k - 1
					matched = true
					break
				}
			}
			if matched {
				continue
			}
		}
		// titles: "M. Dupont", "Mme Anne Hidalgo", "Dr House"
		if titles[w.text] && i+1 < len(ws) && ws[i+1].cap && !stopCaps[ws[i+1].text] {
			j := i + 1
			for j < len(ws) && ws[j].cap && !ws[j].afterPunct && j-i <= 3 {
				j++
			}
			add(joinWords(ws[i+1:j]), PER)
			i = j - 1
			continue
		}
		// organisation prefixes: "Groupe Lactalis", "Laiterie de Saint-Malo"
		if w.cap && orgPrefixes[string(lower(w.text))] && i+1 < len(ws) {
			j := i + 1
			for j < len(ws) && !ws[j].afterPunct && (ws[j].cap || connectors[ws[j].text] && j+1 < len(ws) && ws[j+1].cap) && j-i <= 5 {
				j++
			}
			if j > i+1 {
				add(joinWords(ws[i:j]), ORG)
				i = j - 1
				continue
			}
		}
		// acronyms: SNCF, EDF, RATP
		if w.allCaps && !capsText && len(w.text) >= 2 && len(w.text) <= 6 && !acronymStop[w.text] {
			if _, isPlace := places[string(lower(w.text))]; !isPlace {
				add(w.text, ORG)
				continue
			}
		}
		if !w.cap || capsText {
			continue
		}
		// capitalised sequence
		j := i + 1
		for j < len(ws) && !ws[j].afterPunct && !ws[j].start {
			if ws[j].cap && !stopCaps[ws[j].text] {
				j++
				continue
			}
			if connectors[ws[j].text] && j+1 < len(ws) && ws[j+1].cap && !ws[j+1].afterPunct {
				j += 2
				continue
			}
			break
		}
		if stopCaps[w.text] {
			continue // "Le", "Mais"...: the next word starts its own sequence
		}
		seq := ws[i:j]
		name := joinWords(seq)
		typ := classify(seq, name, lower)
		if typ == "" && (w.start && len(seq) == 1) {
			i += len(seq) - 1
			continue
		}
		if typ == "" {
			if len(seq) >= 2 && len(seq) <= 4 {
				typ = PER
			} else {
				typ = guessSingle(name, lower)
			}
		}
		if typ != "" {
			add(name, typ)
		}
		i += len(seq) - 1
	}
	return out
}

// seenEntity reports whether out has t with type typ, case-insensitively
// (strings.ToLower equality; out holds at most MaxEntities).
func seenEntity(out []Entity, t, typ string) bool {
	for _, e := range out {
		if e.Type != typ || len(e.Text) != len(t) && isASCII(e.Text) && isASCII(t) {
			continue
		}
		if isASCII(e.Text) && isASCII(t) {
			if asciiEqualLower(e.Text, t) {
				return true
			}
			continue
		}
		var ba, bb [128]byte
		if bytes.Equal(appendLower(ba[:0], e.Text), appendLower(bb[:0], t)) {
			return true
		}
	}
	return false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func asciiEqualLower(a, b string) bool {
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// appendLower appends strings.ToLower(s) to b.
func appendLower(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf {
			for _, r := range s[i:] {
				b = utf8.AppendRune(b, unicode.ToLower(r))
			}
			return b
		} else if 'A' <= c && c <= 'Z' {
			b = append(b, c+'a'-'A')
		} else {
			b = append(b, c)
		}
	}
	return b
}

func mostlyCaps(ws []word) bool {
	caps := 0
	for _, w := range ws {
		if w.allCaps {
			caps++
		}
	}
	return len(ws) >= 3 && caps*2 > len(ws)
}

func classify(seq []word, name string, lower func(string) []byte) string {
	if _, ok := places[string(lower(name))]; ok {
		return LOC
	}
	last := seq[len(seq)-1].text
	if orgSuffixes[last] && len(seq) > 1 {
		return ORG
	}
	if firstNames[string(lower(seq[0].text))] && len(seq) >= 2 {
		return PER
	}
	return ""
}

// guessSingle types a lone capitalised word inside a sentence: places from
// the gazetteer; other single words are too ambiguous and are dropped.
func guessSingle(name string, lower func(string) []byte) string {
	if _, ok := places[string(lower(name))]; ok {
		return LOC
	}
	return ""
}

func joinWords(ws []word) string {
	switch len(ws) {
	case 0:
		return ""
	case 1:
		return ws[0].text // what Join and ReplaceAll return for one word
	}
	n := len(ws) - 1
	for _, w := range ws {
		n += len(w.text)
	}
	var b strings.Builder
	b.Grow(n)
	for i, w := range ws {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w.text)
	}
	s := b.String()
	s = strings.ReplaceAll(s, " d ", " d'")
	s = strings.ReplaceAll(s, " l ", " l'")
	return s
}

// Types lists the entity types in a stable order (for tests and docs).
func Types() []string {
	t := []string{PER, ORG, LOC}
	sort.Strings(t)
	return t
}
