package english

import (
	"bufio"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/veille-oss/veille/pkg/nlp/sentiment"
)

// naiveSplit cuts after every . ! or ? followed by a space: the splitter
// one writes without a segmenter ("Mr. Brown" and "U.S." end sentences).
var naiveSplit = regexp.MustCompile(`[.!?]+\s+`)

// scoped keeps the sentences of text that name target, joined.
func scoped(sents []string, target string) string {
	var keep []string
	for _, s := range sents {
		if hasWord(s, target) {
			keep = append(keep, s)
		}
	}
	if len(keep) == 0 {
		return strings.Join(sents, " ")
	}
	return strings.Join(keep, " ")
}

// TestTargetSentimentScoping measures what Sentences brings to
// target-dependent sentiment, with today's pkg/sentiment unchanged: the
// label of the whole text, against the label of the sentences that name
// the brand (split by Sentences, and by a naive splitter), on
// testdata/target_sentiment_en.tsv (written for this). Wiring scoping into
// pkg/sentiment is left to its owner; this is the measurement.
func TestTargetSentimentScoping(t *testing.T) {
	sa, err := sentiment.New()
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open("testdata/target_sentiment_en.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var n, whole, punkt, naive, miscut int
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		if sc.Text() == "" || strings.HasPrefix(sc.Text(), "#") {
			continue
		}
		parts := strings.SplitN(sc.Text(), "\t", 3)
		if len(parts) != 3 {
			t.Fatalf("target_sentiment_en.tsv:%d: want label<TAB>brand<TAB>text", line)
		}
		label, target, text := parts[0], parts[1], parts[2]
		n++
		if sa.Analyze(text).Label == label {
			whole++
		}
		got := sa.Analyze(scoped(Sentences(text), target)).Label
		if got == label {
			punkt++
		} else if testing.Verbose() {
			t.Logf("scoped %s, want %s: %s | %q", got, label, target, text)
		}
		if len(naiveSplit.Split(text, -1)) != len(Sentences(text)) {
			miscut++ // every text has two sentences, some with "Mr." or "U.S."
		}
		if sa.Analyze(scoped(naiveSplit.Split(text, -1), target)).Label == label {
			naive++
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	acc := func(k int) float64 { return float64(k) / float64(n) }
	t.Logf("%d brand-target pairs: accuracy whole text %.3f, sentences naming the brand (english.Sentences) %.3f, (naive split) %.3f; the two splitters cut %d texts differently",
		n, acc(whole), acc(punkt), acc(naive), miscut)
	if n < 40 || punkt <= whole {
		t.Errorf("%d pairs: scoped accuracy %.3f not above whole-text %.3f", n, acc(punkt), acc(whole))
	}
}
