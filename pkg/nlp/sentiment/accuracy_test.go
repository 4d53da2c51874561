package sentiment

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/veille-oss/veille/pkg/tooling/testenv"
)

func readTSV(t *testing.T, path string) (labels, texts []string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		l, x, ok := strings.Cut(sc.Text(), "\t")
		if !ok {
			t.Fatalf("%s: line without tab", path)
		}
		labels, texts = append(labels, l), append(texts, x)
	}
	return labels, texts
}

// TestAccuracyFloor scores the validation splits (never trained on).
func TestAccuracyFloor(t *testing.T) {
	data := testenv.SharedData(t, "accuracy floors")
	a := newAnalyzer(t)
	labels, texts := readTSV(t, filepath.Join(data, "sentiment/fr-tweets/val.tsv"))
	var tp, fp, fn [3]float64
	idx := map[string]int{"neg": 0, "neu": 1, "pos": 2}
	for i, x := range texts {
		p, g := idx[a.Analyze(x).Label], idx[labels[i]]
		if p == g {
			tp[p]++
		} else {
			fp[p]++
			fn[g]++
		}
	}
	f1 := 0.0
	for c := range tp {
		if tp[c] > 0 {
			pr, rc := tp[c]/(tp[c]+fp[c]), tp[c]/(tp[c]+fn[c])
			f1 += 2 * pr * rc / (pr + rc) / 3
		}
	}
	t.Logf("fr-tweets val macro-F1 %.1f (n=%d)", 100*f1, len(texts))
	if f1 < 0.60 {
		t.Errorf("fr-tweets val macro-F1 %.3f below floor 0.60", f1)
	}
	labels, texts = readTSV(t, filepath.Join(data, "sentiment/allocine-tv/dev.tsv"))
	ok := 0
	for i, x := range texts {
		if (a.Analyze(x).Score > 0) == (labels[i] == "pos") {
			ok++
		}
	}
	acc := float64(ok) / float64(len(texts))
	t.Logf("allocine-tv dev accuracy %.1f (n=%d)", 100*acc, len(texts))
	if acc < 0.85 {
		t.Errorf("allocine-tv dev accuracy %.3f below floor 0.85", acc)
	}
}
