package cli

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/veille-oss/veille/pkg/store"
	"github.com/veille-oss/veille/services/reports"
)

// cmdReport writes one brand report, as HTML or PDF by the file's extension.
func cmdReport(ctx context.Context, args []string, s stdio) int {
	fs := flags("report", "--brand X [--period 7d] --out FILE.(html|pdf)", s)
	cfgPath := fs.String("config", "", "YAML configuration (clickhouse.* keys are used)")
	brand := fs.String("brand", "", "brand name, as configured")
	period := fs.String("period", "7d", "period ending now: 24h, 1d, 7d, 30d…")
	out := fs.String("out", "", "output file; .pdf prints with headless Chromium, .html otherwise")
	lang := fs.String("lang", "fr", "fr or en")
	end := fs.String("end", "", "end of the period (RFC 3339); default now, to the second, so a crisis of the last minutes is in it")
	tz := fs.String("tz", reports.DefaultZone, "time zone of the report's times, named on it (IANA name: Europe/Paris, Africa/Abidjan, UTC…)")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if *brand == "" || *out == "" {
		fmt.Fprintln(s.err, "veille report: --brand and --out are required")
		fs.Usage()
		return 2
	}
	cfg, ok := loadConfig(*cfgPath, s)
	if !ok {
		return 2
	}
	p, err := reports.ParsePeriod(*period)
	if err != nil {
		fmt.Fprintln(s.err, "veille report: --period:", err)
		return 2
	}
	format, err := reports.FormatFromPath(*out)
	if err != nil {
		fmt.Fprintln(s.err, "veille report: --out:", err)
		return 2
	}
	loc, err := reports.LoadZone(*tz)
	if err != nil {
		fmt.Fprintln(s.err, "veille report: --tz:", err)
		return 2
	}
	opt := reports.Options{Brand: *brand, Period: p, Lang: *lang, Format: format, Location: loc}
	if *end != "" {
		if opt.End, err = time.Parse(time.RFC3339, *end); err != nil {
			fmt.Fprintln(s.err, "veille report: --end:", err)
			return 2
		}
	}
	st, err := store.Open(ctx, cfg.ClickHouse, nil)
	if err != nil {
		fmt.Fprintln(s.err, "veille report:", err)
		return 1
	}
	defer st.Close()
	tmp := *out + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		fmt.Fprintln(s.err, "veille report:", err)
		return 1
	}
	err = reports.Generate(ctx, st.Conn, st.DB, opt, f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, *out)
	}
	if err != nil {
		os.Remove(tmp)
		fmt.Fprintln(s.err, "veille report:", err)
		return 1
	}
	fmt.Fprintf(s.out, "wrote %s (%s, %s, %s)\n", *out, *brand, *period, format)
	return 0
}
