package english

import (
	"bufio"
	"os"
	"strings"
	"testing"

	"github.com/veille-oss/veille/pkg/nlp/entities"
)

// devBrands are the watched brands the development set is scored with.
var devBrands = []string{"Duval", "Blanchard", "Voltéo", "Vague", "Orange", "Free"}

type devCase struct {
	text string
	want []entities.Entity
}

// readDev reads testdata/entities_en.tsv: text<TAB>TYPE:Text;TYPE:Text.
func readDev(t testing.TB) []devCase {
	t.Helper()
	f, err := os.Open("testdata/entities_en.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []devCase
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		text, ents, ok := strings.Cut(line, "\t")
		if !ok {
			t.Fatalf("entities_en.tsv:%d: no tab", n)
		}
		c := devCase{text: text}
		for _, e := range strings.Split(ents, ";") {
			if e == "" {
				continue
			}
			typ, name, ok := strings.Cut(e, ":")
			if !ok || (typ != entities.PER && typ != entities.ORG && typ != entities.LOC) {
				t.Fatalf("entities_en.tsv:%d: bad entity %q", n, e)
			}
			c.want = append(c.want, entities.Entity{Text: name, Type: typ})
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

type prf struct{ tp, fp, fn int }

func (s prf) p() float64  { return ratio(s.tp, s.tp+s.fp) }
func (s prf) r() float64  { return ratio(s.tp, s.tp+s.fn) }
func (s prf) f1() float64 { return ratio(2*s.tp, 2*s.tp+s.fp+s.fn) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// score counts exact matches of text (case-insensitive) and type.
func score(cases []devCase, extract func(string) []entities.Entity, log func(string, ...any)) prf {
	var s prf
	for _, c := range cases {
		got := extract(c.text)
		for _, g := range got {
			if contains(c.want, g) {
				s.tp++
			} else {
				s.fp++
				if log != nil {
					log("FP %s:%s in %q", g.Type, g.Text, c.text)
				}
			}
		}
		for _, w := range c.want {
			if !contains(got, w) {
				s.fn++
				if log != nil {
					log("FN %s:%s in %q", w.Type, w.Text, c.text)
				}
			}
		}
	}
	return s
}

// TestDevSetPrecisionRecall scores the rules alone, prose alone and the
// Extractor on the English development set; prose must raise the F1 of
// the rules without lowering their precision.
func TestDevSetPrecisionRecall(t *testing.T) {
	cases := readDev(t)
	if len(cases) < 80 {
		t.Fatalf("development set: %d cases, want >= 80", len(cases))
	}
	gaz := entities.New(devBrands)
	systems := []struct {
		name string
		fn   func(string) []entities.Entity
	}{
		{"rules (pkg/entities)", gaz.Extract},
		{"prose NER alone", Entities},
		{"rules + prose tags", (&Extractor{gaz: gaz, noPlaces: true}).Extract},
		{"rules + prose NER", (&Extractor{gaz: gaz, noTags: true, noPlaces: true, opts: Options{NER: true}}).Extract},
		{"rules + place rule", (&Extractor{gaz: gaz, noTags: true}).Extract},
		{"Extractor + NER", NewExtractor(gaz, Options{NER: true}).Extract},
		{"Extractor (default)", NewExtractor(gaz, Options{}).Extract},
	}
	res := make([]prf, len(systems))
	for i, sy := range systems {
		var log func(string, ...any)
		if testing.Verbose() && i == len(systems)-1 {
			log = t.Logf
		}
		res[i] = score(cases, sy.fn, log)
		s := res[i]
		t.Logf("%-22s P %.3f  R %.3f  F1 %.3f  (tp %d, fp %d, fn %d)", sy.name, s.p(), s.r(), s.f1(), s.tp, s.fp, s.fn)
	}
	rules, tags, def := res[0], res[2], res[len(res)-1]
	if tags.p() <= rules.p() || tags.r() < rules.r() {
		t.Errorf("prose tags: P %.3f R %.3f, rules alone P %.3f R %.3f: dropping brand words should raise precision at no cost in recall",
			tags.p(), tags.r(), rules.p(), rules.r())
	}
	if def.f1() <= rules.f1()+0.05 || def.p() < rules.p() {
		t.Errorf("Extractor P %.3f F1 %.3f, rules alone P %.3f F1 %.3f: should raise F1 by > 0.05 at no cost in precision",
			def.p(), def.f1(), rules.p(), rules.f1())
	}
}
