package entities

import "strings"

// IsBrand reports whether name is one of the brands the Extractor was
// built with, compared as Extract matches them (case-insensitive, by words).
// The English path asks it before dropping a brand that is also an English
// word ("Vague", "Free").
func (x *Extractor) IsBrand(name string) bool {
	_, ok := x.brands[strings.ToLower(strings.Join(splitWords(name), " "))]
	return ok
}
