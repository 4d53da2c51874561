package cli

import (
	"context"
	"fmt"
	"os"

	"github.com/veille-oss/veille/pkg/enrich"
)

func cmdTag(ctx context.Context, args []string, s stdio) int {
	fs := flags("tag", "[--jsonl] [--brand NAME]... [--config FILE] < texts", s)
	jsonl := fs.Bool("jsonl", false, "read JSON lines with a \"text\" field (and optional \"lang\") instead of plain lines")
	var brands brandList
	fs.Var(&brands, "brand", "also print the sentiment about this brand (repeatable)")
	cfgPath := fs.String("config", "", "YAML configuration whose brands give aliases and watch queries (without --brand: all of them)")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if len(brands) > 0 || *cfgPath != "" {
		return tagBrands(ctx, s, *jsonl, brands, *cfgPath)
	}
	if err := enrich.TagLines(ctx, s.in, s.out, *jsonl); err != nil {
		fmt.Fprintln(s.err, "veille tag:", err)
		return 1
	}
	return 0
}

func cmdEval(_ context.Context, args []string, s stdio) int {
	fs := flags("eval", "FILE.tsv  (label<TAB>text per line; labels neg, neu, pos)", s)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		fmt.Fprintln(s.err, "veille eval:", err)
		return 1
	}
	defer f.Close()
	if _, err := enrich.Eval(f, s.out); err != nil {
		fmt.Fprintln(s.err, "veille eval:", err)
		return 1
	}
	return 0
}
