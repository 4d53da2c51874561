package sentiment

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
)

var showTargetErrors = flag.Bool("target.errors", false, "print the development split's wrong labels")

type targetCase struct {
	label, brand, text string
}

// readTargetSet reads a target_*.tsv file: "#brand<TAB>Name<TAB>a|b" lines
// declare the configured brands, then label<TAB>brand<TAB>text.
func readTargetSet(t *testing.T, path string) ([]Target, []targetCase) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var targets []Target
	var cases []targetCase
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "#brand\t"):
			f := strings.Split(line, "\t")
			tg := Target{Name: f[1]}
			if len(f) > 2 && f[2] != "" {
				tg.Aliases = strings.Split(f[2], "|")
			}
			targets = append(targets, tg)
		case line == "" || line[0] == '#':
		default:
			f := strings.SplitN(line, "\t", 3)
			if len(f) != 3 || (f[0] != "neg" && f[0] != "neu" && f[0] != "pos") {
				t.Fatalf("%s:%d: want label<TAB>brand<TAB>text, got %q", path, n, line)
			}
			cases = append(cases, targetCase{f[0], f[1], f[2]})
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return targets, cases
}

// scoreLabels returns accuracy and macro-F1 (neg, neu, pos) of pred against gold.
func scoreLabels(gold, pred []string) (acc, f1 float64) {
	idx := map[string]int{"neg": 0, "neu": 1, "pos": 2}
	var tp, fp, fn [3]float64
	for i := range gold {
		g, p := idx[gold[i]], idx[pred[i]]
		if g == p {
			tp[g]++
		} else {
			fp[p]++
			fn[g]++
		}
	}
	ok := tp[0] + tp[1] + tp[2]
	for c := range tp {
		if tp[c] > 0 {
			pr, rc := tp[c]/(tp[c]+fp[c]), tp[c]/(tp[c]+fn[c])
			f1 += 2 * pr * rc / (pr + rc) / 3
		}
	}
	return ok / float64(len(gold)), f1
}

// TestTargetSentiment scores the target-sentiment sets written for veille
// (testdata/target_dev.tsv, tuned on; target_holdout.tsv, only measured)
// with the document-level label as the "before" figure, and fails below
// the floors.
func TestTargetSentiment(t *testing.T) {
	a := newAnalyzer(t)
	for _, c := range []struct {
		file             string
		floorAcc, floorF float64
	}{
		{"testdata/target_dev.tsv", 0.95, 0.95},
		{"testdata/target_holdout.tsv", 0.88, 0.88},
	} {
		targets, cases := readTargetSet(t, c.file)
		sc := NewTargetScorer(a, targets, nil)
		var gold, before, after []string
		for _, k := range cases {
			gold = append(gold, k.label)
			before = append(before, a.Analyze(k.text).Label)
			r := sc.Analyze(k.text, k.brand, nil).Result
			after = append(after, r.Label)
			if *showTargetErrors && r.Label != k.label && strings.Contains(c.file, "dev") {
				fmt.Printf("want %s got %s %-12s %q %v\n", k.label, r.Label, k.brand, k.text, r.Evidence)
			}
		}
		accB, f1B := scoreLabels(gold, before)
		accA, f1A := scoreLabels(gold, after)
		t.Logf("%s (n=%d): document-level accuracy %.1f%% macro-F1 %.1f; target-level accuracy %.1f%% macro-F1 %.1f",
			c.file, len(cases), 100*accB, 100*f1B, 100*accA, 100*f1A)
		if accA < c.floorAcc || f1A < c.floorF {
			t.Errorf("%s: accuracy %.3f, macro-F1 %.3f below floors %.2f, %.2f", c.file, accA, f1A, c.floorAcc, c.floorF)
		}
	}
}

func TestTargetLexicon(t *testing.T) {
	f := strings.Fields(targetLexicon)
	if len(f)%2 != 0 {
		t.Fatalf("targetLexicon: odd number of fields")
	}
	for i := 0; i < len(f); i += 2 {
		if _, err := strconv.ParseFloat(f[i+1], 64); err != nil {
			t.Errorf("targetLexicon %q: %v", f[i], err)
		}
	}
}

// TestTargetPatterns pins each pattern of the target layer on the issue's
// own examples: the label of each brand and the evidence that decided it.
func TestTargetPatterns(t *testing.T) {
	a := newAnalyzer(t)
	sc := NewTargetScorer(a, []Target{
		{Name: "Vague"}, {Name: "Free", Aliases: []string{"Freebox"}}, {Name: "Bouygues"}, {Name: "Duval"},
		{Name: "Lumio"}, {Name: "Fibrea"}, {Name: "Orange"}, {Name: "SFR"}, {Name: "Bonne Maman"},
		{Name: "Total", Terms: []string{"carburant"}},
	}, nil)
	for _, c := range []struct{ text, brand, want, evidence string }{
		{"Vague ouvre une boutique à Nantes", "Vague", "neu", "actualité"},
		{"Vague is opening a new store in Lyon", "Vague", "neu", "actualité"},
		{"Free est bien mieux que Bouygues pour la fibre", "Free", "pos", "mieux que→+"},
		{"Free est bien mieux que Bouygues pour la fibre", "Bouygues", "neg", "mieux que→-"},
		{"Orange est plus cher que Free", "Orange", "neg", "plus cher que→-"},
		{"Orange est plus cher que Free", "Free", "pos", "plus cher que→+"},
		{"Contrairement à Bouygues, Free m'a installé la fibre en une semaine", "Bouygues", "neg", "contrairement à→-"},
		{"J'ai quitté SFR pour Free", "SFR", "neg", "quitté…→-"},
		{"J'ai quitté SFR pour Free", "Free", "pos", "quitté…pour→+"},
		{"Quel week-end horrible, pluie et bouchons. Heureusement le fromage Duval était délicieux", "Duval", "pos", "délicieux"},
		{"Je ne dirais pas que c'est une arnaque, mais la communication de Lumio est nulle", "Lumio", "neg", "nulle"},
		{"Merci Fibrea pour ces trois jours sans internet 👏", "Fibrea", "neg", "sarcasme:merci…sans internet"},
		{"Bravo Lumio, encore une panne", "Lumio", "neg", "sarcasme:bravo…encore"},
		{"Merci Orange pour le geste commercial, problème réglé en une heure", "Orange", "pos", "Merci"},
		{"Certes Lumio n'est pas le moins cher, mais le service est excellent", "Lumio", "pos", "excellent"},
		{"Au début tout allait bien avec Fibrea, finalement c'est la galère", "Fibrea", "neg", "galère"},
		{"Le carburant chez Total n'est pas donné", "Total", "neg", "pas donné"},
		{"Jamais déçu par Duval", "Duval", "pos", "Jamais déçu"},
		{"Les crêpes Bonne Maman, pas mal du tout", "Bonne Maman", "pos", "pas mal"},
		{"Aucun problème avec la Freebox depuis deux ans", "Free", "pos", "Aucun problème"},
		{"Le pain de Bouygues, pas terrible", "Bouygues", "neg", "pas terrible"},
		{"Switched from Orange to Free, best decision this year", "Orange", "neg", "Switched…→-"},
	} {
		r := sc.Analyze(c.text, c.brand, nil)
		if r.Label != c.want || !slicesContains(r.Evidence, c.evidence) || !r.Found {
			t.Errorf("%s in %q: %s %v (found %v), want %s with evidence %q", c.brand, c.text, r.Label, r.Evidence, r.Found, c.want, c.evidence)
		}
		for _, e := range r.Evidence {
			if strings.Contains(strings.ToLower(e), strings.ToLower(c.brand)) {
				t.Errorf("%s in %q: brand name in evidence %v", c.brand, c.text, r.Evidence)
			}
		}
	}
	// no brand named at all (matched through the title or a query word):
	// the whole text is about the mention's brand.
	if r := sc.Analyze("Quel week-end horrible", "Duval", nil); r.Found || r.Label != "neg" {
		t.Errorf("no brand named: %+v", r)
	}
	// another brand named: nothing said about this one.
	if r := sc.Analyze("Quel week-end horrible chez Lumio", "Duval", nil); r.Found || r.Label != "neu" {
		t.Errorf("only another brand named: %+v", r)
	}
	// matched terms anchor the brand for one text.
	if r := sc.Analyze("La laiterie du coin est une arnaque", "Duval", []string{"laiterie du coin"}); r.Label != "neg" || !r.Found {
		t.Errorf("matched terms as anchors: %+v", r)
	}
}

func slicesContains(ev []string, want string) bool {
	for _, e := range ev {
		if e == want {
			return true
		}
	}
	return false
}

func TestSplitSentences(t *testing.T) {
	got := SplitSentences("M. Dupont a payé 3.5 €. Vraiment nul !!! 😡 Et toi ?\nFin")
	want := []string{"M. Dupont a payé 3.5 €.", "Vraiment nul !!! 😡", "Et toi ?", "Fin"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("SplitSentences = %q, want %q", got, want)
	}
}

// TestTargetSplitterPluggable: another SentenceSplitter (an English one,
// later) is used as given.
func TestTargetSplitterPluggable(t *testing.T) {
	calls := 0
	split := func(s string) []string { calls++; return []string{s} }
	sc := NewTargetScorer(newAnalyzer(t), []Target{{Name: "Free"}}, split)
	if r := sc.Analyze("Free is great", "Free", nil); r.Label != "pos" || calls != 1 {
		t.Errorf("custom splitter: %+v, %d calls", r, calls)
	}
}

func BenchmarkTarget(b *testing.B) {
	sc := NewTargetScorer(newAnalyzer(b), []Target{{Name: "Free"}, {Name: "Bouygues"}, {Name: "Orange"}}, nil)
	text := "Franchement le nouveau forfait Orange c pas terrible, service client injoignable depuis 3 jours 😡 mais Free est bien mieux que Bouygues pour la fibre"
	for i := 0; i < b.N; i++ {
		sc.Analyze(text, "Free", nil)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "texts/s")
}

// TestTargetManyBrands: more configured brands than one text tells apart
// (64) are all masked and each can be scored.
func TestTargetManyBrands(t *testing.T) {
	var ts []Target
	for i := 0; i < 100; i++ {
		ts = append(ts, Target{Name: fmt.Sprintf("Marque%d", i)})
	}
	ts = append(ts, Target{Name: "Sublime"})
	sc := NewTargetScorer(newAnalyzer(t), ts, nil)
	if r := sc.Analyze("Marque90 est nulle, Sublime aussi", "Sublime", nil); r.Label != "neu" && r.Label != "neg" || slicesContains(r.Evidence, "Sublime") {
		t.Errorf("Sublime: %+v", r)
	}
	if r := sc.Analyze("Marque90 est nulle", "Marque90", nil); r.Label != "neg" || !r.Found {
		t.Errorf("Marque90: %+v", r)
	}
	if r := sc.Analyze("Sublime", "Sublime", nil); r.Label != "neu" {
		t.Errorf("a brand named sublime is not praise: %+v", r)
	}
}

func TestTargetAccounts(t *testing.T) {
	sc := NewTargetScorer(newAnalyzer(t), []Target{{Name: "Orange"}, {Name: "Free"}}, nil)
	if r := sc.Analyze("@Orange merci pour rien, toujours pas de réseau 😡", "Orange", nil); r.Label != "neg" || !r.Found {
		t.Errorf("@Orange: %+v", r)
	}
	if r := sc.Analyze("@free service au top, ligne rétablie en 1h", "Free", nil); r.Label != "pos" || !r.Found {
		t.Errorf("@free: %+v", r)
	}
}

// TestTargetListsAndHypotheses: a list of names shares what follows it; a
// clause opened by "si" is a hypothesis, not an opinion.
func TestTargetListsAndHypotheses(t *testing.T) {
	sc := NewTargetScorer(newAnalyzer(t), []Target{{Name: "Free"}, {Name: "Orange"}, {Name: "SFR"}, {Name: "Lumio"}, {Name: "SNCF"}}, nil)
	for _, b := range []string{"Free", "Orange", "SFR"} {
		if r := sc.Analyze("Free, Orange, SFR : tous pareils, des voleurs", b, nil); r.Label != "neg" {
			t.Errorf("%s in a list: %+v", b, r)
		}
	}
	if r := sc.Analyze("Si vous cherchez une box fiable, évitez Lumio", "Lumio", nil); r.Label != "neg" {
		t.Errorf("hypothesis: %+v", r)
	}
	if r := sc.Analyze("@SNCF_Voyageurs train annulé sans explication, merci hein", "SNCF", nil); r.Label != "neg" || !r.Found {
		t.Errorf("@SNCF_Voyageurs: %+v", r)
	}
}

// TestTargetConcurrent: the pooled scratch gives each concurrent call the
// result of a sequential one (go test -race checks the sharing too).
func TestTargetConcurrent(t *testing.T) {
	targets, cases := readTargetSet(t, "testdata/target_dev.tsv")
	sc := NewTargetScorer(newAnalyzer(t), targets, nil)
	want := make([]TargetResult, len(cases))
	for i, c := range cases {
		want[i] = sc.Analyze(c.text, c.brand, nil)
	}
	errs := make(chan string, 4)
	for w := 0; w < 4; w++ {
		go func() {
			bad := ""
			for k := range cases {
				i := (k*7 + w*31) % len(cases)
				got := sc.Analyze(cases[i].text, cases[i].brand, nil)
				if fmt.Sprint(got) != fmt.Sprint(want[i]) && bad == "" {
					bad = fmt.Sprintf("%q: concurrent %+v, sequential %+v", cases[i].text, got, want[i])
				}
			}
			errs <- bad
		}()
	}
	for w := 0; w < 4; w++ {
		if e := <-errs; e != "" {
			t.Error(e)
		}
	}
}
