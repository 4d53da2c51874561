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
		{"testdata/target_dev.tsv", 0.94, 0.94},
		{"testdata/target_holdout.tsv", 0.86, 0.86},
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
