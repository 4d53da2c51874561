// Package english is the English path of veille's NLP, built on prose/v2
// (github.com/jdkato/prose): sentence segmentation (Sentences), part-of-speech
// tags (Tags, UsedAsWord), named entities (Entities) and the entity
// extractor the enricher runs on texts the language detector calls English
// (Extractor). The French path does not use it: prose's models are trained
// on English only. Measurements and choices: pkg/entities/README.md.
//
// prose rebuilds its models for every document unless it is handed one, and
// its sentence segmenter cannot be handed one at all, so this package loads
// them once per process, on first use, and shares them: both are only read
// after loading, so every goroutine uses the same ones.
package english

import (
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/jdkato/prose/v2"
	"gopkg.in/neurosnap/sentences.v1"
	"gopkg.in/neurosnap/sentences.v1/data"
	senten "gopkg.in/neurosnap/sentences.v1/english"
)

// Bounds on the work of one call: prose's tagger costs ~35 µs per token
// and its entity extractor ~250 µs, so these are what keeps one long text
// from stalling a worker.
const (
	// MaxSegmentBytes is how much of a text Sentences segments; the rest
	// is returned as one last sentence.
	MaxSegmentBytes = 64 << 10
	// MaxTagBytes is how much of a text Tags tags.
	MaxTagBytes = 2 << 10
	// MaxNERBytes is how much of a text Entities reads.
	MaxNERBytes = 1 << 10
)

// models are prose's English models, loaded once per process.
type models struct {
	prose *prose.Model
	punkt *sentences.DefaultSentenceTokenizer
}

// shared loads the models on first use: ~0.5 s and ~60 MB, paid only by
// processes that meet an English text.
var shared = sync.OnceValues(func() (m *models, err error) {
	defer func() {
		// prose panics when its embedded models do not decode.
		if r := recover(); r != nil {
			m, err = nil, fmt.Errorf("english: loading prose's models: %v", r)
		}
	}()
	b, err := data.Asset("data/english.json")
	if err != nil {
		return nil, fmt.Errorf("english: punkt model: %w", err)
	}
	st, err := sentences.LoadTraining(b)
	if err != nil {
		return nil, fmt.Errorf("english: punkt model: %w", err)
	}
	// prose adds "mt" (Mt. Everest) to the library's own abbreviations.
	st.AbbrevTypes.Add("mt")
	punkt, err := senten.NewSentenceTokenizer(st)
	if err != nil {
		return nil, fmt.Errorf("english: punkt tokenizer: %w", err)
	}
	return &models{prose: prose.ModelFromData("en"), punkt: punkt}, nil
})

// Load loads the models now (they load on first use otherwise) and reports
// whether they could be: a process may call it at start to fail early.
func Load() error {
	_, err := shared()
	return err
}

// Token is a word or punctuation mark with its Penn Treebank tag
// (NNP proper noun, JJ adjective, NN noun, VB verb...).
type Token struct {
	Text string `json:"text"`
	Tag  string `json:"tag"`
}

// Sentences splits an English text into sentences with prose's Punkt
// model (abbreviations such as "Mr." or "U.S." do not end one). It has the
// shape target-dependent sentiment plugs in: func(text string) []string.
// Sentences are trimmed; empty ones are dropped.
func Sentences(text string) []string {
	head, tail := cut(text, MaxSegmentBytes)
	m, err := shared()
	if err != nil {
		return nonEmpty([]string{text})
	}
	ss := m.punkt.Tokenize(head)
	out := make([]string, 0, len(ss)+1)
	for _, s := range ss {
		if t := strings.TrimSpace(s.Text); t != "" {
			out = append(out, t)
		}
	}
	if t := strings.TrimSpace(tail); t != "" {
		out = append(out, t)
	}
	return out
}

func nonEmpty(ss []string) []string {
	out := ss[:0]
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Tags tokenises and tags the first MaxTagBytes of text.
func Tags(text string) []Token {
	toks, _ := document(text, MaxTagBytes, false)
	out := make([]Token, len(toks))
	for i, t := range toks {
		out[i] = Token{Text: t.Text, Tag: t.Tag}
	}
	return out
}

// document runs prose on the first max bytes of text, without its
// per-document segmenter (rebuilt from JSON on every call, ~19 ms).
func document(text string, max int, ner bool) ([]prose.Token, error) {
	m, err := shared()
	if err != nil {
		return nil, err
	}
	text, _ = cut(text, max)
	doc, err := prose.NewDocument(text, prose.UsingModel(m.prose), prose.WithSegmentation(false), prose.WithExtraction(ner))
	if err != nil {
		return nil, fmt.Errorf("english: prose: %w", err)
	}
	return doc.Tokens(), nil
}

// cut splits s at the last space before max bytes (at a rune boundary
// when there is none), so that no word is cut in two.
func cut(s string, max int) (head, tail string) {
	if len(s) <= max {
		return s, ""
	}
	i := strings.LastIndexAny(s[:max+1], " \t\n")
	if i <= 0 {
		i = max
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
	}
	return s[:i], s[i:]
}

// isProperNoun reports whether a Penn tag is NNP or NNPS.
func isProperNoun(tag string) bool { return tag == "NNP" || tag == "NNPS" }

// startsUpper reports whether s starts with an upper-case letter.
func startsUpper(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsUpper(r)
}
