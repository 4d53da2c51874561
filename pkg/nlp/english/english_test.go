package english

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/veille-oss/veille/pkg/nlp/entities"
)

func TestLoad(t *testing.T) {
	if err := Load(); err != nil {
		t.Fatal(err)
	}
}

func TestSentences(t *testing.T) {
	cases := []struct {
		text string
		want []string
	}{
		{"Mr. Smith loves Duval. But the Blanchard app is awful!", []string{"Mr. Smith loves Duval.", "But the Blanchard app is awful!"}},
		{"U.S. sales of Voltéo rose 5% in Q3. Analysts expected more. Really?", []string{"U.S. sales of Voltéo rose 5% in Q3.", "Analysts expected more.", "Really?"}},
		{"Is Duval down? I can't log in", []string{"Is Duval down?", "I can't log in"}},
		{"one sentence without a stop", []string{"one sentence without a stop"}},
		{"", []string{}},
		{"   \n ", []string{}},
	}
	for _, c := range cases {
		if got := Sentences(c.text); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Sentences(%q) = %q, want %q", c.text, got, c.want)
		}
	}
}

// Sentences plugs in where a func(string) []string is expected.
var _ func(string) []string = Sentences

func TestSentencesBounded(t *testing.T) {
	text := strings.Repeat("Duval is great. ", MaxSegmentBytes/16+100)
	got := Sentences(text)
	if len(got) < MaxSegmentBytes/16 {
		t.Fatalf("%d sentences", len(got))
	}
	if n := len(strings.Join(got, "")); n < len(strings.ReplaceAll(text, " ", ""))-10 {
		t.Errorf("sentences hold %d bytes of a %d-byte text: text lost past the bound", n, len(text))
	}
}

func TestCut(t *testing.T) {
	for _, c := range []struct {
		s          string
		max        int
		head, tail string
	}{
		{"short", 10, "short", ""},
		{"two words here", 9, "two words", " here"},
		{"two words here", 8, "two", " words here"},
		{"ééééé", 5, "éé", "ééé"}, // no space: a rune boundary
	} {
		h, tl := cut(c.s, c.max)
		if h != c.head || tl != c.tail || !utf8.ValidString(h) {
			t.Errorf("cut(%q, %d) = %q, %q; want %q, %q", c.s, c.max, h, tl, c.head, c.tail)
		}
	}
}

func TestTagsProperNounOrWord(t *testing.T) {
	cases := []struct {
		text, word, want string
	}{
		{"We switched from Orange to another operator after the outage.", "Orange", "NNP"},
		{"I got a vague reply from the seller.", "vague", "JJ"},
		{"Free shipping on every order this weekend only.", "Free", "JJ"},
	}
	for _, c := range cases {
		got := ""
		for _, tk := range Tags(c.text) {
			if tk.Text == c.word {
				got = tk.Tag
			}
		}
		if got != c.want {
			t.Errorf("%q: %s tagged %q, want %q (%v)", c.text, c.word, got, c.want, Tags(c.text))
		}
	}
}

func TestExtractBrandWords(t *testing.T) {
	x := NewExtractor(entities.New([]string{"Vague", "Free", "Orange", "Duval"}), Options{})
	cases := []struct {
		text string
		want []entities.Entity
	}{
		{"The answer from support was vague and unhelpful.", nil},
		{"Free shipping on every order this weekend only.", nil},
		{"Worst experience ever with Vague, never buying again.", []entities.Entity{{Text: "Vague", Type: entities.ORG}}},
		{"Nothing but problems since I moved to Free, the box reboots.", []entities.Entity{{Text: "Free", Type: entities.ORG}}},
		{"love my duval blender", []entities.Entity{{Text: "Duval", Type: entities.ORG}}}, // lower-case noun: kept
	}
	for _, c := range cases {
		if got := x.Extract(c.text); !reflect.DeepEqual(got, c.want) && !(len(got) == 0 && len(c.want) == 0) {
			t.Errorf("%q: got %v, want %v", c.text, got, c.want)
		}
	}
}

func TestExtractWithNER(t *testing.T) {
	x := NewExtractor(entities.New([]string{"Voltéo"}), Options{NER: true})
	// "Satya Nadella" leads with no known first name and sits after "met":
	// the rules type it PER too; prose's NER must agree and add nothing wrong.
	got := x.Extract("Yesterday I met Satya Nadella from the Voltéo team near Wellington, he was kind.")
	for _, w := range []entities.Entity{{Text: "Satya Nadella", Type: entities.PER}, {Text: "Voltéo", Type: entities.ORG}, {Text: "Wellington", Type: entities.LOC}} {
		if !contains(got, w) {
			t.Errorf("missing %v in %v", w, got)
		}
	}
	if len(got) != 3 {
		t.Errorf("got %v, want 3 entities", got)
	}
	// prose alone finds the person and the place
	ner := Entities("Yesterday I met Satya Nadella near Wellington, he was kind.")
	if !contains(ner, entities.Entity{Text: "Satya Nadella", Type: entities.PER}) || !contains(ner, entities.Entity{Text: "Wellington", Type: entities.LOC}) {
		t.Errorf("prose NER: %v", ner)
	}
	// Shouting: capitals say nothing, prose is not asked.
	if got := x.Extract("NOT BAD, LOVE IT, NEVER AGAIN, I DON'T LIKE IT"); len(got) != 0 {
		t.Errorf("shouting: got %v", got)
	}
}

func TestPlacesAfterPrepositions(t *testing.T) {
	x := NewExtractor(entities.New([]string{"Duval"}), Options{})
	for text, want := range map[string][]entities.Entity{
		"Duval opened a shop in Seattle last week.":         {{Text: "Duval", Type: entities.ORG}, {Text: "Seattle", Type: entities.LOC}},
		"Huge queues at the Duval store in Los Angeles":     {{Text: "Duval", Type: entities.ORG}, {Text: "Los Angeles", Type: entities.LOC}}, // gazetteer
		"We flew from Dublin to Madrid, then in March home": {{Text: "Dublin", Type: entities.LOC}, {Text: "Madrid", Type: entities.LOC}},
		"Sales in Q3 were up in USA":                        {{Text: "USA", Type: entities.LOC}}, // acronyms are the rules' job
		"It was delivered in time, in a box.":               nil,
	} {
		got := x.Extract(text)
		if len(got) != len(want) {
			t.Errorf("%q: got %v, want %v", text, got, want)
			continue
		}
		for _, w := range want {
			if !contains(got, w) {
				t.Errorf("%q: got %v, want %v", text, got, want)
			}
		}
	}
}

func TestHasUnnamedCaps(t *testing.T) {
	known := []entities.Entity{{Text: "Duval", Type: entities.ORG}, {Text: "Brussels", Type: entities.LOC}}
	for text, want := range map[string]bool{
		"Duval is opening a new store in Brussels next month.": false, // all named already
		"Really love the new Duval range!":                     false,
		"Worst experience ever. I'm done.":                     false, // sentence starts and I
		"I met Satya Nadella at the Duval booth.":              true,
		"Mot Mot Mot Mot Mot Mot":                              false, // Title Case
	} {
		if got := hasUnnamedCaps(text, known); got != want {
			t.Errorf("hasUnnamedCaps(%q) = %v, want %v", text, got, want)
		}
	}
}

// TestConcurrentSameOutputs runs the shared models from several goroutines
// (go test -race checks that prose's models are only read).
func TestConcurrentSameOutputs(t *testing.T) {
	cases := readDev(t)
	x := NewExtractor(entities.New(devBrands), Options{NER: true})
	want := make([]string, len(cases))
	for i, c := range cases {
		want[i] = fmt.Sprint(x.Extract(c.text), Sentences(c.text), Tags(c.text))
	}
	var wg sync.WaitGroup
	errs := make(chan string, 4)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range cases {
				i := (k*7 + w*13) % len(cases)
				if got := fmt.Sprint(x.Extract(cases[i].text), Sentences(cases[i].text), Tags(cases[i].text)); got != want[i] {
					errs <- fmt.Sprintf("case %d: concurrent %s, sequential %s", i, got, want[i])
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestBrandWordsLongText(t *testing.T) {
	x := NewExtractor(entities.New([]string{"Free"}), Options{})
	// ten sentences start with "Free" as an adjective: the first
	// maxTaggedSentences are tagged and the brand is dropped.
	long := strings.Repeat("Free shipping on every order this weekend. ", 10)
	if got := x.Extract(long); len(got) != 0 {
		t.Errorf("adjective only: %v", got)
	}
	if got := x.Extract("Free shipping this weekend. I moved to Free last year."); len(got) != 1 {
		t.Errorf("adjective then brand: %v, want Free", got)
	}
}

func TestUsedAsWord(t *testing.T) {
	for _, c := range []struct {
		text, name string
		want       bool
	}{
		{"I got a vague reply from the seller.", "Vague", true},
		{"Orange juice prices went up again.", "Orange", true},
		{"Worst experience ever with Vague, never again.", "Vague", false}, // capitalised inside: the name
		{"We switched from Orange to another operator.", "Orange", false},
		{"switched to orange last year", "Orange", false}, // lower-case noun: may be the brand
		{"Nothing about the brand here.", "Free", false},  // not used
	} {
		if got := UsedAsWord(c.text, c.name); got != c.want {
			t.Errorf("UsedAsWord(%q, %q) = %v, want %v (%v)", c.text, c.name, got, c.want, Tags(c.text))
		}
	}
}
