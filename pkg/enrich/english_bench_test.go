package enrich

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/nlp/english"
	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/tooling/loadgen"
)

// processCPU is the user+system CPU time of the process so far.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// englishDevTexts are the texts of pkg/nlp/english's development set: English
// mentions with people, places and organisations, where prose runs most.
func englishDevTexts(b *testing.B) []string {
	var out []string
	for _, line := range strings.Split(read(b, "../english/testdata/entities_en.tsv"), "\n") {
		if text, _, ok := strings.Cut(line, "\t"); ok && !strings.HasPrefix(line, "#") {
			out = append(out, text)
		}
	}
	if len(out) < 80 {
		b.Fatalf("%d English texts", len(out))
	}
	return out
}

// BenchmarkEnglish is the enrichment with the rules of pkg/entities alone
// (rules), with pkg/nlp/english as enrich runs it (english: prose's tagger for
// brand words) and with prose's NER on too (english+ner), on English texts
// and on the loadgen mix (a fifth English), as Tagger.Enrich runs in the
// enricher. prose's models are
// loaded before the clock starts, as they are once per process.
//
//	go test -run '^$' -bench English -benchtime 4000x ./enrich/
func BenchmarkEnglish(b *testing.B) {
	if err := english.Load(); err != nil {
		b.Fatal(err)
	}
	g := loadgen.Generator{Seed: 7, Now: time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC)}
	mix := make([]*mention.Mention, benchPool)
	for i := range mix {
		mix[i] = g.Mention(i)
	}
	dev := englishDevTexts(b)
	en := make([]*mention.Mention, benchPool)
	for i := range en {
		// distinct ids and texts: the dedup index sees new stories
		en[i] = &mention.Mention{ID: fmt.Sprintf("%032x", i), Text: fmt.Sprintf("%s #%d", dev[i%len(dev)], i), LangHint: "en"}
	}
	for _, c := range []struct {
		name string
		ms   []*mention.Mention
	}{{"english", en}, {"loadgen-mix", mix}} {
		for _, path := range []string{"rules", "english", "english+ner"} {
			b.Run(c.name+"/"+path, func(b *testing.B) {
				tg, err := New(Options{Brands: eqBrands})
				if err != nil {
					b.Fatal(err)
				}
				switch path {
				case "rules": // pkg/entities alone, as before pkg/nlp/english
					tg.en = nil
				case "english+ner":
					tg.en = english.NewExtractor(tg.ent, english.Options{NER: true})
				}
				fillIndex(tg.dup)
				ms := make([]*mention.Mention, len(c.ms))
				for i, m := range c.ms {
					cp := *m
					ms[i] = &cp
				}
				b.ReportAllocs()
				b.ResetTimer()
				cpu0 := processCPU(b)
				for i := 0; i < b.N; i++ {
					tg.Enrich(ms[i%len(ms)])
				}
				cpu := processCPU(b) - cpu0
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "texts/s")
				// per CPU-second of the process (GC included): what "per
				// core" means on a shared machine, where wall time is not.
				b.ReportMetric(float64(b.N)/cpu.Seconds(), "texts/cpu-s")
			})
		}
	}
}
