package langid

import (
	"bufio"
	"os"
	"sort"
	"strings"
	"testing"
)

type sample struct{ lang, text string }

func loadSamples(t testing.TB, name string) []sample {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []sample
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l, txt, ok := strings.Cut(sc.Text(), "\t")
		if !ok {
			t.Fatalf("%s: bad line %q", name, sc.Text())
		}
		out = append(out, sample{l, txt})
	}
	if len(out) == 0 {
		t.Fatalf("%s: empty", name)
	}
	return out
}

// accuracy returns the mean of per-language accuracies (each language
// weighs the same, as in lingua's reports) and the per-language values.
func accuracy(d *Detector, ss []sample) (float64, map[string]float64, map[string]map[string]int) {
	ok, tot := map[string]int{}, map[string]int{}
	conf := map[string]map[string]int{}
	for _, s := range ss {
		got := d.Detect(s.text).Lang
		tot[s.lang]++
		if got == s.lang {
			ok[s.lang]++
		} else {
			if conf[s.lang] == nil {
				conf[s.lang] = map[string]int{}
			}
			conf[s.lang][got]++
		}
	}
	per := map[string]float64{}
	var sum float64
	for l, n := range tot {
		per[l] = float64(ok[l]) / float64(n)
		sum += per[l]
	}
	return sum / float64(len(tot)), per, conf
}

// perLang formats per-language accuracies in a stable order.
func perLang(per map[string]float64) string {
	langs := make([]string, 0, len(per))
	for l := range per {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	var b strings.Builder
	for _, l := range langs {
		b.WriteString(l + "=" + ftoa(per[l]*100) + " ")
	}
	return b.String()
}
