package bench

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Targets are the project's goals on a 2-core machine (BENCHMARKS.md).
const (
	TargetIngestPerSec = 10000
	TargetP99ms        = 5000
	TargetRSSMB        = 500
	TargetAlertP99ms   = 2000
)

// WriteTable prints r as the table `veille bench` shows.
func (r *Result) WriteTable(w io.Writer) error {
	m := r.Machine
	fmt.Fprintf(w, "veille bench  %s  %d CPUs (GOMAXPROCS %d)  %s  nats-server %s (embedded)  ClickHouse %s\n\n",
		r.Started.Format("2006-01-02 15:04Z"), m.CPUs, m.GoMaxProcs, m.Go, m.NATS, m.ClickHouse)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "measure\tvalue\tceiling / target\tratio")
	row := func(name, value, ceil, ratio string) { fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", name, value, ceil, ratio) }
	c := r.Ceilings
	if c != nil {
		row("JetStream publish (1 KB, Msg-Id, acked)", rate(c.JSPublish, "msg/s"), "raw ceiling", "")
		row("JetStream pull consume + ack", rate(c.JSConsume, "msg/s"), "raw ceiling", "")
		row("JetStream publish+consume, one message", rate(c.JSBoth, "msg/s"), "raw ceiling", "")
		row(fmt.Sprintf("ClickHouse native insert (%dk rows/batch)", c.CHBatchRows/1000), rate(c.CHInsert, "rows/s"), "raw ceiling", "")
	}
	if p := r.Pipeline; p != nil {
		ceil := "-"
		if c != nil {
			ceil = fmt.Sprintf("%s (min of the two above)", rate(min(c.JSBoth, c.CHInsert), "/s"))
		}
		row(fmt.Sprintf("end-to-end ingest (%d mentions, %s)", p.Count, p.Mode), rate(p.PerSec, "mentions/s"), ceil, pct(r.Ratios.IngestVsCeiling))
		row("  target", "", rate(TargetIngestPerSec, "mentions/s"), pct(p.PerSec/TargetIngestPerSec))
		row("  loadgen publish into the backlog", rate(p.PublishPS, "mentions/s"), "", "")
		if p.AlerterPS > 0 {
			row("  alerter read them all at", rate(p.AlerterPS, "mentions/s"), "flood start -> nothing pending for its consumer", "")
		}
		if c != nil {
			row("  vs JetStream publish+consume (2 hops/mention)", "", rate(c.JSBoth/2, "mentions/s"), pct(2*r.Ratios.IngestVsJS))
			row("  vs ClickHouse insert", "", rate(c.CHInsert, "rows/s"), pct(r.Ratios.IngestVsCH))
		}
		if b := r.Ratios.SeriesBound; b > 0 {
			row(fmt.Sprintf("  vs its stages at their ceilings in series (2 pub, %d consume, 1 row, NLP/%d)", r.Ratios.Consumes, r.Machine.CPUs), "",
				fmt.Sprintf("%s; the target is %s of it", rate(b, "mentions/s"), pct(TargetIngestPerSec/b)), pct(r.Ratios.IngestVsBound))
		}
		l := p.Latency
		row(fmt.Sprintf("publish -> queryable p50 (paced %s/s, %d samples)", thousands(l.Rate), l.Samples), ms(l.P50ms), "", "")
		if l.Samples > 0 && l.Missing*100 > l.Samples {
			// More than 1% never seen: the true p99 is beyond what was observed.
			row("publish -> queryable p99", "> "+ms(l.Maxms), fmt.Sprintf("%s target; %d of %d samples not stored 30 s after the last publish", ms(TargetP99ms), l.Missing, l.Samples), "")
		} else {
			row("publish -> queryable p99", ms(l.P99ms), ms(TargetP99ms)+" target", pct(l.P99ms/TargetP99ms))
		}
		row("  paced publish achieved", rate(l.Achieved, "mentions/s"), fmt.Sprintf("max %s, missing %d, poll %s", ms(l.Maxms), l.Missing, ms(l.Pollms)), "")
		verdict := "kept up"
		if !l.KeptUp {
			verdict = "fell behind: not sustained"
		}
		last := ms(l.LastP50ms)
		if l.LastMissing > 0 {
			last = fmt.Sprintf("%d samples never stored", l.LastMissing)
		}
		row("  paced phase stored at", rate(l.StoredPerSec, "mentions/s"), fmt.Sprintf("p50 first / last fifth %s / %s: %s", ms(l.FirstP50ms), last, verdict), "")
		cpuRows(row, "paced phase", l.CPU, m.CPUs)
		if p.RSSNA != "" {
			row("pipeline resident memory", "n/a", p.RSSNA, "")
		} else {
			row(fmt.Sprintf("veille run resident memory, paced %s/s (max)", thousands(l.Rate)), fmt.Sprintf("%.0f MB", p.RSSPacedMaxMB), fmt.Sprintf("%d MB target", TargetRSSMB), pct(p.RSSPacedMaxMB/TargetRSSMB))
			row("  during the flood backlog: max / mean", fmt.Sprintf("%.0f / %.0f MB", p.RSSMaxMB, p.RSSMeanMB), "", "")
			if p.NATSRSSPacedMaxMB > 0 {
				row("nats-server resident memory, paced / flood (max)", fmt.Sprintf("%.0f / %.0f MB", p.NATSRSSPacedMaxMB, p.NATSRSSMaxMB),
					fmt.Sprintf("its own process; with veille run %.0f / %.0f MB", p.NATSRSSPacedMaxMB+p.RSSPacedMaxMB, p.NATSRSSMaxMB+p.RSSMaxMB), "")
			}
		}
		cpuRows(row, "flood", p.CPU, m.CPUs)
		dup := "exactly once"
		if p.Distinct != p.Stored {
			dup = fmt.Sprintf("%d duplicate rows", p.Stored-p.Distinct)
		}
		row("  rows stored / distinct ids", fmt.Sprintf("%d / %d", p.Stored, p.Distinct), dup, "")
		if len(p.Redelivered) > 0 {
			var parts []string
			for _, r := range p.Redelivered {
				parts = append(parts, fmt.Sprintf("%s %d", r.Consumer, r.Messages))
			}
			row("  redelivered messages", strings.Join(parts, ", "), "work done twice (ack after ack_wait)", "")
		}
	}
	if p := r.Pipeline; p != nil && p.Alert != nil {
		a := p.Alert
		row(fmt.Sprintf("alert latency p50 / p99 (%d incidents, raw publish -> webhook)", a.Incidents), ms(a.P50ms)+" / "+ms(a.P99ms),
			fmt.Sprintf("pipeline otherwise idle; %d without alert in 15 s", a.Missing), "")
	} else if r.AlertNA != "" {
		row("alert latency p50/p99", "n/a", r.AlertNA, "")
	}
	if p := r.Pipeline; p != nil && p.AlertLoaded != nil {
		a := p.AlertLoaded
		row(fmt.Sprintf("  under load: %d incidents at once, paced %s/s", a.Incidents, thousands(p.Latency.Rate)), ms(a.P50ms)+" / "+ms(a.P99ms),
			fmt.Sprintf("%s target; %d without alert in 60 s", ms(TargetAlertP99ms), a.Missing), pct(a.P99ms/TargetAlertP99ms))
	}
	switch {
	case r.EnrichPerCore > 0:
		need := ""
		if r.Ratios.EnrichCoresNeeded > 0 {
			need = fmt.Sprintf("%.2f cores for the ingest rate", r.Ratios.EnrichCoresNeeded)
		}
		row(fmt.Sprintf("enrichment, 1 goroutine (%d texts)", r.EnrichTexts), rate(r.EnrichPerCore, "texts/s/core"), need, "")
	case r.EnrichNA != "":
		row("enrichment per core", "n/a", r.EnrichNA, "")
	}
	if r.CrawlPerSec > 0 {
		row(fmt.Sprintf("crawl fetch+extract, local site (%d pages, 8 in flight)", r.CrawlPages), rate(r.CrawlPerSec, "pages/s"), "politeness off", "")
	}
	return tw.Flush()
}

// cpuRows prints a phase's CPU per mention: the pipeline process's, then
// the machine's with its split, against what the measured machine's cpus
// allow at the target.
func cpuRows(row func(name, value, ceil, ratio string), phase string, c CPUSplit, cpus int) {
	busy := fmt.Sprintf("machine CPUs %.0f%% busy", 100*c.Busy)
	if c.Pipeline > 0 {
		row(fmt.Sprintf("  %s: pipeline process CPU per mention", phase), fmt.Sprintf("%.0f µs", c.Pipeline), busy, "")
	} else {
		row(fmt.Sprintf("  %s: machine CPU", phase), "", busy, "")
	}
	if c.Machine <= 0 {
		return
	}
	natsCPU := ""
	if c.NATS > 0 {
		natsCPU = fmt.Sprintf("nats-server %.0f µs, ", c.NATS)
	}
	budget := float64(cpus) * 1e6 / TargetIngestPerSec
	row(fmt.Sprintf("  %s: machine CPU per mention", phase), fmt.Sprintf("%.0f µs", c.Machine),
		fmt.Sprintf("%sClickHouse %.0f µs, load generator and bench %.0f µs; %d CPUs at %s/s allow %.0f µs", natsCPU, c.ClickHouse, c.Bench, cpus, thousands(TargetIngestPerSec), budget), pct(c.Machine/budget))
}

func rate(v float64, unit string) string {
	if v == 0 {
		return "-"
	}
	return thousands(v) + " " + unit
}

func thousands(v float64) string {
	s := fmt.Sprintf("%.0f", v)
	var out []string
	for len(s) > 3 {
		out = append([]string{s[len(s)-3:]}, out...)
		s = s[:len(s)-3]
	}
	return strings.Join(append([]string{s}, out...), ",")
}

func ms(v float64) string {
	if v >= 1000 {
		return fmt.Sprintf("%.2f s", v/1000)
	}
	return fmt.Sprintf("%.0f ms", v)
}

func pct(r float64) string {
	if r == 0 {
		return ""
	}
	return fmt.Sprintf("%.0f%%", 100*r)
}
