// Command gen writes data/ldnoobw.txt, the French and English LDNOOBW word
// lists (CC BY 4.0) the toxicity package embeds.
//
//	go run ./pkg/nlp/toxicity/internal/gen -data ../shared/data
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

func main() {
	data := flag.String("data", "../shared/data", "shared data directory")
	out := flag.String("out", "pkg/nlp/toxicity/data/ldnoobw.txt", "output file")
	flag.Parse()
	if err := run(*data, *out); err != nil {
		slog.Error("gen", "err", err)
		os.Exit(1)
	}
}

func run(data, out string) error {
	var terms []string
	for _, lang := range []string{"fr", "en"} {
		f, err := os.Open(filepath.Join(data, "lexicons/ldnoobw", lang+".txt"))
		if err != nil {
			return err
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if t := strings.TrimSpace(sc.Text()); t != "" && !strings.ContainsAny(t, "\t#") {
				terms = append(terms, t)
			}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			return err
		}
	}
	sort.Strings(terms)
	var b strings.Builder
	b.WriteString("# From LDNOOBW (List of Dirty, Naughty, Obscene and Otherwise Bad Words), fr and en, CC BY 4.0.\n")
	for _, t := range terms {
		fmt.Fprintln(&b, t)
	}
	return os.WriteFile(out, []byte(b.String()), 0o644)
}
