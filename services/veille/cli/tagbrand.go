package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/veille-oss/veille/pkg/enrich"
)

// brandList is the repeatable --brand flag of `veille tag`.
type brandList []string

func (b *brandList) String() string { return strings.Join(*b, ",") }

func (b *brandList) Set(v string) error {
	v = strings.TrimSpace(v)
	if v == "" {
		return errors.New("empty brand name")
	}
	*b = append(*b, v)
	return nil
}

// tagBrands is `veille tag --brand`: each output line also lists the
// sentiment about each brand, with the brands' aliases and queries taken
// from the configuration when one is given.
func tagBrands(ctx context.Context, s stdio, jsonl bool, brands []string, cfgPath string) int {
	var targets []enrich.Target
	var names []string
	if cfgPath != "" {
		cfg, ok := loadConfig(cfgPath, s)
		if !ok {
			return 2
		}
		for _, b := range cfg.Brands {
			targets = append(targets, enrich.Target{Name: b.Name, Aliases: b.Aliases, Query: b.Query})
			names = append(names, b.Name)
			names = append(names, b.Aliases...)
		}
		if len(brands) == 0 {
			for _, b := range cfg.Brands {
				brands = append(brands, b.Name)
			}
		}
	}
	if len(brands) == 0 {
		fmt.Fprintln(s.err, "veille tag: --config FILE has no brands; name them with --brand")
		return 2
	}
	// a brand named on the command line only is a target too: it is masked
	// in every text, whichever brand is being scored.
	for _, b := range brands {
		known := false
		for _, t := range targets {
			known = known || strings.EqualFold(t.Name, b)
		}
		if !known {
			targets = append(targets, enrich.Target{Name: b})
			names = append(names, b)
		}
	}
	t, err := enrich.New(enrich.Options{Brands: names, Targets: targets})
	if err != nil {
		fmt.Fprintln(s.err, "veille tag:", err)
		return 1
	}
	if err := t.TagLinesBrands(ctx, s.in, s.out, jsonl, brands); err != nil {
		fmt.Fprintln(s.err, "veille tag:", err)
		return 1
	}
	return 0
}
