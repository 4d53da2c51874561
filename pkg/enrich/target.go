package enrich

import (
	"context"
	"io"
	"strings"
	"unicode"

	"github.com/veille-oss/veille/pkg/nlp/sentiment"
	"github.com/veille-oss/veille/pkg/platform/mention"
)

// BrandSentiment is the sentiment about one brand of a text (`veille tag --brand`).
type BrandSentiment struct {
	Brand string `json:"brand"`
	Sentiment
	// Found is false when the text does not name the brand; the label is
	// then neutral.
	Found bool `json:"found"`
}

// Target is a brand as the target-sentiment layer sees it: its name,
// aliases and watch query (whose words are masked, never sentiment cues).
type Target struct {
	Name    string
	Aliases []string
	Query   string
}

// QueryWords are the words of a watch query without its operators, field
// names and wildcards: "(=Duval OR \"Laiterie Duval\") AND NOT \"rue Duval\""
// gives Duval, Laiterie, Duval, rue, Duval.
func QueryWords(q string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(q, func(r rune) bool {
		return unicode.IsSpace(r) || r == '"' || r == '(' || r == ')' || r == '«' || r == '»'
	}) {
		switch f {
		case "AND", "OR", "NOT":
			continue
		}
		if strings.HasPrefix(f, "NEAR/") || f == "NEAR" {
			continue
		}
		if _, v, ok := strings.Cut(f, ":"); ok {
			f = v // title:x, text:x; site:/url: values are hosts, not words
			if strings.ContainsAny(f, "./") {
				continue
			}
		}
		f = strings.Trim(f, "=+-*")
		if len([]rune(f)) >= 2 {
			out = append(out, f)
		}
	}
	return out
}

func sentimentTargets(ts []Target) []sentiment.Target {
	out := make([]sentiment.Target, 0, len(ts))
	for _, t := range ts {
		out = append(out, sentiment.Target{Name: t.Name, Aliases: t.Aliases, Terms: QueryWords(t.Query)})
	}
	return out
}

func toSentiment(r sentiment.Result) Sentiment {
	s := Sentiment{Label: r.Label, Score: r.Score, Confidence: r.Confidence, Evidence: r.Evidence}
	if s.Evidence == nil {
		s.Evidence = []string{}
	}
	return s
}

// TagBrands is the sentiment about each brand in text; brands not among
// the Tagger's targets are scored as brands without aliases.
func (t *Tagger) TagBrands(text string, brands []string) []BrandSentiment {
	out := make([]BrandSentiment, 0, len(brands))
	for _, b := range brands {
		r := t.target.Analyze(text, b, nil)
		if !r.Found {
			// a text that does not name the brand says nothing about it.
			r.Result = sentiment.Result{Label: "neu", Confidence: 0.5}
		}
		out = append(out, BrandSentiment{Brand: b, Sentiment: toSentiment(r.Result), Found: r.Found})
	}
	return out
}

// brandSentiment is the sentiment of a mention's row: about its brand,
// with the terms the watch query matched as more anchors.
func (t *Tagger) brandSentiment(m *mention.Mention, text string) mention.Sentiment {
	r := t.target.Analyze(text, m.Brand, m.MatchedTerms)
	ev := r.Evidence
	if len(ev) > mention.MaxEvidence {
		ev = ev[:mention.MaxEvidence]
	}
	if len(ev) == 0 {
		ev = nil
	}
	return mention.Sentiment{Label: r.Label, Score: r.Score, Confidence: r.Confidence, Evidence: ev}
}

// BrandsResult is a line of `veille tag --brand`: the text's enrichment and
// the sentiment about each brand.
type BrandsResult struct {
	Result
	Brands []BrandSentiment `json:"brands"`
}

func (t *Tagger) lineResult(text, langHint string, brands []string) any {
	if len(brands) == 0 {
		return t.Tag(text, langHint)
	}
	return BrandsResult{Result: t.Tag(text, langHint), Brands: t.TagBrands(text, brands)}
}

// TagLinesBrands is TagLines where each output object also has "brands":
// the label, score, confidence and evidence about each of brands (aliases
// and queries from the Tagger's Targets).
func (t *Tagger) TagLinesBrands(ctx context.Context, r io.Reader, w io.Writer, jsonl bool, brands []string) error {
	return t.tagLines(ctx, r, w, jsonl, brands)
}
