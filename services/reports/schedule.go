package reports

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"golang.org/x/text/unicode/norm"
)

// ScheduleConfig says which reports Schedule writes, and where. In YAML:
//
//	reports:
//	  dir: .data/veille/reports   # one sub-directory per brand
//	  brands: [Duval, Blanchard]  # the lead fills it with every configured brand when empty
//	  daily: true                 # yesterday, written just after midnight
//	  weekly: true                # last week (Monday to Sunday), written on Monday
//	  formats: [html, pdf]
//	  lang: fr                    # or en
//	  timezone: Europe/Paris      # where days start, and the zone the reports' times are in (default Europe/Paris)
//	  delay: 15m                  # wait after midnight for late mentions
type ScheduleConfig struct {
	Dir      string        `yaml:"dir"`
	Brands   []string      `yaml:"brands"`
	Daily    bool          `yaml:"daily"`
	Weekly   bool          `yaml:"weekly"`
	Formats  []string      `yaml:"formats"`
	Lang     string        `yaml:"lang"`
	Timezone string        `yaml:"timezone"`
	Delay    time.Duration `yaml:"delay"`
	// Chromium is the browser for PDFs; empty searches PATH.
	Chromium string `yaml:"chromium"`
}

func (c *ScheduleConfig) check() (*time.Location, error) {
	if c.Dir == "" {
		return nil, fmt.Errorf("%w: reports.dir must be set", ErrOptions)
	}
	if len(c.Brands) == 0 {
		return nil, fmt.Errorf("%w: reports.brands must name at least one brand", ErrOptions)
	}
	if !c.Daily && !c.Weekly {
		return nil, fmt.Errorf("%w: reports: set daily, weekly or both", ErrOptions)
	}
	if len(c.Formats) == 0 {
		c.Formats = []string{FormatHTML, FormatPDF}
	}
	for i, f := range c.Formats {
		if f != FormatHTML && f != FormatPDF {
			return nil, fmt.Errorf("%w: reports.formats[%d]: must be html or pdf, got %q", ErrOptions, i, f)
		}
	}
	if c.Lang != "" && c.Lang != LangFR && c.Lang != LangEN {
		return nil, fmt.Errorf("%w: reports.lang: must be fr or en, got %q", ErrOptions, c.Lang)
	}
	if c.Delay < 0 || c.Delay > 12*time.Hour {
		return nil, fmt.Errorf("%w: reports.delay: must be between 0 and 12h, got %s", ErrOptions, c.Delay)
	}
	tz := c.Timezone
	if tz == "" {
		tz = DefaultZone
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, fmt.Errorf("%w: reports.timezone: %w", ErrOptions, err)
	}
	return loc, nil
}

// Due is one report a schedule owes.
type Due struct {
	Brand, Kind string // Kind: daily or weekly
	From, To    time.Time
	Path        string // without extension
}

// DueAt lists the reports of the last complete day and week before now
// (minus the delay), in the schedule's time zone.
func (c ScheduleConfig) DueAt(now time.Time) ([]Due, error) {
	loc, err := c.check()
	if err != nil {
		return nil, err
	}
	t := now.Add(-c.Delay).In(loc)
	today := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
	var out []Due
	for _, b := range c.Brands {
		dir := filepath.Join(c.Dir, Slug(b))
		if c.Daily {
			from := today.AddDate(0, 0, -1)
			out = append(out, Due{Brand: b, Kind: "daily", From: from, To: today,
				Path: filepath.Join(dir, fmt.Sprintf("%s-daily-%s", Slug(b), from.Format("2006-01-02")))})
		}
		if c.Weekly {
			monday := today.AddDate(0, 0, -((int(today.Weekday()) + 6) % 7))
			from := monday.AddDate(0, 0, -7)
			out = append(out, Due{Brand: b, Kind: "weekly", From: from, To: monday,
				Path: filepath.Join(dir, fmt.Sprintf("%s-weekly-%s", Slug(b), from.Format("2006-01-02")))})
		}
	}
	return out, nil
}

// RunDue writes the due reports that are not on disk yet and returns the
// files written. A report is written to a temporary file and renamed, so a
// file that exists is complete. It goes on after a failed report and
// returns the errors joined.
func RunDue(ctx context.Context, conn driver.Conn, db string, cfg ScheduleConfig, now time.Time, log *slog.Logger) ([]string, error) {
	if log == nil {
		log = slog.Default()
	}
	due, err := cfg.DueAt(now)
	if err != nil {
		return nil, err
	}
	loc, _ := cfg.check()
	var written []string
	var errs []error
	for _, d := range due {
		for _, format := range cfg.Formats {
			path := d.Path + "." + format
			if _, err := os.Stat(path); err == nil {
				continue
			}
			opt := Options{Brand: d.Brand, Period: d.To.Sub(d.From), End: d.To, Lang: cfg.Lang, Format: format, Location: loc, Chromium: cfg.Chromium}
			var buf bytes.Buffer
			if err := Generate(ctx, conn, db, opt, &buf); err != nil {
				errs = append(errs, fmt.Errorf("%s report of %s: %w", d.Kind, d.Brand, err))
				log.Error("report failed", "brand", d.Brand, "kind", d.Kind, "format", format, "err", err)
				continue
			}
			if err := writeAtomic(path, buf.Bytes()); err != nil {
				errs = append(errs, err)
				continue
			}
			log.Info("report written", "brand", d.Brand, "kind", d.Kind, "path", path)
			written = append(written, path)
		}
	}
	return written, errors.Join(errs...)
}

func writeAtomic(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("report directory: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".report-*")
	if err != nil {
		return fmt.Errorf("report file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// Schedule writes the due reports now, then after every midnight (plus the
// delay) until ctx ends. Failures are logged and retried 10 minutes later.
func Schedule(ctx context.Context, conn driver.Conn, db string, cfg ScheduleConfig, log *slog.Logger) error {
	if log == nil {
		log = slog.Default()
	}
	loc, err := cfg.check()
	if err != nil {
		return err
	}
	for {
		now := time.Now()
		wait := time.Until(nextRun(now, loc, cfg.Delay))
		if _, err := RunDue(ctx, conn, db, cfg, now, log); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			wait = min(wait, 10*time.Minute)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// nextRun is the next midnight in loc plus delay, after now.
func nextRun(now time.Time, loc *time.Location, delay time.Duration) time.Time {
	t := now.In(loc)
	next := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc).Add(delay)
	for !next.After(now) {
		next = time.Date(next.Year(), next.Month(), next.Day()+1, 0, 0, 0, 0, loc).Add(delay)
	}
	return next
}

// Slug makes a brand name a file name: lower case, accents removed,
// anything else than letters and digits turned into dashes.
func Slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(r)
			dash = false
		default:
			if !dash && b.Len() > 0 {
				b.WriteByte('-')
				dash = true
			}
		}
	}
	out := strings.TrimSuffix(b.String(), "-")
	if out == "" {
		return "brand"
	}
	return out
}
