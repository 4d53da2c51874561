package english

import (
	"syscall"
	"testing"
	"time"

	"github.com/jdkato/prose/v2"

	"github.com/veille-oss/veille/pkg/nlp/entities"
)

// BenchmarkEnglish is each entry point on the development set's texts,
// and prose's own document pipeline for comparison (its segmenter rebuilt
// per document, its models per document without UsingModel).
//
//	go test -run '^$' -bench . -benchtime 200x ./english/
func BenchmarkEnglish(b *testing.B) {
	if err := Load(); err != nil {
		b.Fatal(err)
	}
	var texts []string
	for _, c := range readDev(b) {
		texts = append(texts, c.text)
	}
	gaz := entities.New(devBrands)
	x, xner := NewExtractor(gaz, Options{}), NewExtractor(gaz, Options{NER: true})
	for _, c := range []struct {
		name string
		fn   func(string)
	}{
		{"Sentences", func(s string) { Sentences(s) }},
		{"prose-segment-per-document", func(s string) {
			prose.NewDocument(s, prose.WithTokenization(false), prose.WithTagging(false), prose.WithExtraction(false))
		}},
		{"Tags", func(s string) { Tags(s) }},
		{"Entities(prose NER)", func(s string) { Entities(s) }},
		{"rules", func(s string) { gaz.Extract(s) }},
		{"Extractor", func(s string) { x.Extract(s) }},
		{"Extractor+NER", func(s string) { xner.Extract(s) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			cpu0 := processCPU(b)
			for i := 0; i < b.N; i++ {
				c.fn(texts[i%len(texts)])
			}
			cpu := processCPU(b) - cpu0
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "texts/s")
			// per CPU-second (GC included): wall time means little on a shared machine
			b.ReportMetric(float64(b.N)/cpu.Seconds(), "texts/cpu-s")
		})
	}
}

// processCPU is the user+system CPU time of the process so far.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
