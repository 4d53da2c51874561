// Package reports writes a brand's daily or weekly report: volume, reach,
// sentiment and net sentiment against the previous period, share of voice
// in its group, top mentions, influencers, sources, words and the incidents
// of veille.alerts. The report is one self-contained, print-friendly HTML
// page (French first, English available); the PDF is that page printed by
// headless Chromium. Schedule writes the reports of every brand into a
// directory each day and each week.
package reports

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/veille-oss/veille/pkg/store/analytics"
)

// Formats and languages.
const (
	FormatHTML = "html"
	FormatPDF  = "pdf"
	LangFR     = "fr"
	LangEN     = "en"
)

var (
	// ErrOptions is wrapped by every invalid option; the message names it.
	ErrOptions = errors.New("invalid report options")
	// ErrNoChromium is returned when a PDF is asked for and no Chromium
	// (chromium, chromium-browser, google-chrome) can be found.
	ErrNoChromium = errors.New("chromium not found (install the chromium package)")
	// errPrint wraps a failure of Chromium to print the page.
	errPrint = errors.New("pdf printing failed")
)

// Options choose the report.
type Options struct {
	Brand string
	// Period is the span covered, ending at End; 0 means 24h. At most a year.
	Period time.Duration
	// End is exclusive; zero means now (to the second), so a report made
	// right after a crisis contains it.
	End time.Time
	// Lang is fr (default) or en.
	Lang string
	// Format is html (default) or pdf.
	Format string
	// Location is the time zone dates are shown in, named on the report
	// (default Europe/Paris, DefaultZone).
	Location *time.Location
	// Chromium is the browser binary for PDFs; empty searches PATH.
	Chromium string
	// Limit is the length of the top lists (default 10).
	Limit int
}

func (o *Options) normalize(now time.Time) error {
	o.Brand = strings.TrimSpace(o.Brand)
	if o.Brand == "" {
		return fmt.Errorf("%w: brand must not be empty", ErrOptions)
	}
	if len(o.Brand) > 200 {
		return fmt.Errorf("%w: brand longer than 200 bytes", ErrOptions)
	}
	if o.Period == 0 {
		o.Period = 24 * time.Hour
	}
	if o.Period < time.Hour || o.Period > 366*24*time.Hour {
		return fmt.Errorf("%w: period must be between 1h and 366 days, got %s", ErrOptions, o.Period)
	}
	if o.End.IsZero() {
		o.End = now.Truncate(time.Second)
	}
	o.End = o.End.UTC()
	switch o.Lang {
	case "":
		o.Lang = LangFR
	case LangFR, LangEN:
	default:
		return fmt.Errorf("%w: lang must be fr or en, got %q", ErrOptions, o.Lang)
	}
	switch o.Format {
	case "":
		o.Format = FormatHTML
	case FormatHTML, FormatPDF:
	default:
		return fmt.Errorf("%w: format must be html or pdf, got %q", ErrOptions, o.Format)
	}
	if o.Location == nil {
		loc, err := LoadZone(DefaultZone)
		if err != nil {
			return err
		}
		o.Location = loc
	}
	if o.Limit <= 0 {
		o.Limit = 10
	}
	if o.Limit > 100 {
		return fmt.Errorf("%w: limit must be at most 100, got %d", ErrOptions, o.Limit)
	}
	return nil
}

// FormatFromPath picks the format from a file name: .html/.htm or .pdf.
func FormatFromPath(path string) (string, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".html", ".htm":
		return FormatHTML, nil
	case ".pdf":
		return FormatPDF, nil
	}
	return "", fmt.Errorf("%w: %q: the file name must end in .html or .pdf", ErrOptions, path)
}

var periodRe = regexp.MustCompile(`^(\d+)([hdw])$`)

// ParsePeriod reads "24h", "7d", "2w" (or any Go duration such as "36h").
func ParsePeriod(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if m := periodRe.FindStringSubmatch(s); m != nil {
		n, err := strconv.Atoi(m[1])
		if err == nil && n > 0 && n <= 10000 {
			unit := map[string]time.Duration{"h": time.Hour, "d": 24 * time.Hour, "w": 7 * 24 * time.Hour}[m[2]]
			return time.Duration(n) * unit, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%w: period %q: use a number of hours, days or weeks such as 24h, 7d, 2w", ErrOptions, s)
	}
	return d, nil
}

// Generate writes the report of opt.Brand to w, as HTML or PDF.
func Generate(ctx context.Context, conn driver.Conn, db string, opt Options, w io.Writer) error {
	if err := opt.normalize(time.Now()); err != nil {
		return err
	}
	chromium := ""
	if opt.Format == FormatPDF {
		// Look for the browser before querying: a missing one is the likely error.
		var err error
		if chromium, err = FindChromium(opt.Chromium); err != nil {
			return err
		}
	}
	d, err := Build(ctx, conn, db, opt)
	if err != nil {
		return err
	}
	if opt.Format == FormatHTML {
		return RenderHTML(w, d)
	}
	var sb strings.Builder
	if err := RenderHTML(&sb, d); err != nil {
		return err
	}
	return PrintPDF(ctx, chromium, []byte(sb.String()), w)
}

// Data is everything a report shows.
type Data struct {
	Brand       string
	Group       string
	From, To    time.Time
	Period      time.Duration
	Lang        string
	Location    *time.Location
	GeneratedAt time.Time

	Sentiment analytics.Sentiment
	// Previous is the same figures over the period just before.
	Previous analytics.Sentiment
	// Reach is the potential audience: the sum, over the distinct authors
	// of the period, of the largest follower count their pages showed.
	Reach   uint64
	Authors uint64
	Toxic   uint64
	Volume  analytics.Volume
	Share   []analytics.BrandShare

	TopMentions []TopMention
	Influencers []analytics.AuthorCount
	Sources     []analytics.SourceCount
	Languages   []analytics.LangCount
	Terms       analytics.Terms
	Incidents   []analytics.Incident
	// Handling is how people handled each incident (by incident id).
	Handling map[string]analytics.Handling
}

// TopMention is one of the period's most visible mentions.
type TopMention = analytics.TopMention

// Build queries ClickHouse for the report's figures.
func Build(ctx context.Context, conn driver.Conn, db string, opt Options) (*Data, error) {
	if err := opt.normalize(time.Now()); err != nil {
		return nil, err
	}
	from := opt.End.Add(-opt.Period)
	d := &Data{Brand: opt.Brand, From: from, To: opt.End, Period: opt.Period, Lang: opt.Lang, Location: opt.Location, GeneratedAt: time.Now().UTC()}
	f := analytics.Filter{Brand: opt.Brand, From: from, To: opt.End, Limit: opt.Limit}
	var err error
	if d.Sentiment, err = analytics.NetSentiment(ctx, conn, db, f); err != nil {
		return nil, err
	}
	prev := f
	prev.From, prev.To = from.Add(-opt.Period), from
	if d.Previous, err = analytics.NetSentiment(ctx, conn, db, prev); err != nil {
		return nil, err
	}
	step := 24 * time.Hour
	if opt.Period <= 3*24*time.Hour {
		step = time.Hour
	}
	if opt.Period > 120*24*time.Hour {
		step = 7 * 24 * time.Hour
	}
	if d.Volume, err = analytics.VolumeSeries(ctx, conn, db, f, step); err != nil {
		return nil, err
	}
	if d.Share, err = analytics.ShareOfVoice(ctx, conn, db, f); err != nil {
		return nil, err
	}
	inf := f
	inf.InfluencerOnly = true
	if d.Influencers, err = analytics.TopAuthors(ctx, conn, db, inf); err != nil {
		return nil, err
	}
	src := f
	src.Limit = min(opt.Limit, 8)
	if d.Sources, err = analytics.TopSources(ctx, conn, db, src); err != nil {
		return nil, err
	}
	if d.Languages, err = analytics.LanguageSplit(ctx, conn, db, src); err != nil {
		return nil, err
	}
	if d.Terms, err = analytics.TopTerms(ctx, conn, db, src); err != nil {
		return nil, err
	}
	tox := f
	tox.ToxicOnly = true
	if d.Toxic, err = analytics.Count(ctx, conn, db, tox); err != nil {
		return nil, err
	}
	if d.Incidents, err = analytics.Incidents(ctx, conn, db, analytics.Filter{Brand: opt.Brand, From: from, To: opt.End, Limit: opt.Limit}); err != nil {
		return nil, err
	}
	if d.Handling, err = analytics.HandlingByIncident(ctx, conn, db, d.Incidents); err != nil {
		return nil, err
	}
	if d.Authors, d.Reach, err = analytics.Reach(ctx, conn, db, d.Brand, d.From, d.To); err != nil {
		return nil, err
	}
	if d.TopMentions, err = analytics.TopMentions(ctx, conn, db, d.Brand, d.From, d.To, opt.Limit); err != nil {
		return nil, err
	}
	d.Group = analytics.BrandGroup(ctx, conn, db, d.Brand)
	return d, nil
}
