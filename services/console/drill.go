package console

import (
	"context"
	"net/url"
	"time"

	"github.com/veille-oss/veille/pkg/store"
	"github.com/veille-oss/veille/pkg/store/analytics"
)

// Comparison is a dashboard figure set over the period just before the
// dashboard's one, of the same length.
type Comparison struct {
	From      time.Time           `json:"from"`
	To        time.Time           `json:"to"`
	Sentiment analytics.Sentiment `json:"sentiment"`
}

// drillQuery is the dashboard's filter as a search query with the exact
// instants it covered (period=custom, RFC 3339), so that a figure's link
// counts the very mentions the figure counted, not those of a later "now".
func drillQuery(f analytics.Filter) url.Values {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("brand", f.Brand)
	set("kind", f.Kind)
	set("lang", f.Lang)
	if !f.From.IsZero() || !f.To.IsZero() {
		q.Set("period", "custom")
	}
	if !f.From.IsZero() {
		q.Set("from", f.From.UTC().Format(time.RFC3339))
	}
	if !f.To.IsZero() {
		q.Set("to", f.To.UTC().Format(time.RFC3339))
	}
	return q
}

// drill returns the search URL of the dashboard's filter narrowed by the
// key/value pairs (an empty value removes the key).
func drill(base url.Values, kv ...string) string {
	q := url.Values{}
	for k, v := range base {
		q[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			q.Del(kv[i])
		} else {
			q.Set(kv[i], kv[i+1])
		}
	}
	return "/search?" + q.Encode()
}

// previous computes the figures of the period before f's.
func (s *Server) previous(ctx context.Context, st *store.Store, f analytics.Filter) (*Comparison, error) {
	if f.From.IsZero() || f.To.IsZero() {
		return nil, nil
	}
	p := f
	p.To, p.From = f.From, f.From.Add(-f.To.Sub(f.From))
	sent, err := timed(s, "net_sentiment_previous", func() (analytics.Sentiment, error) { return analytics.NetSentiment(ctx, st.Conn, st.DB, p) })
	if err != nil {
		return nil, err
	}
	return &Comparison{From: p.From, To: p.To, Sentiment: sent}, nil
}

// change is "+12,5 %" (relative change of a count) or "" without a base.
func change(now, before uint64, lang string) string {
	if before == 0 {
		return ""
	}
	return fmtPct((float64(now)-float64(before))/float64(before)*100, lang, true)
}

// points is the difference of two percentages in points: "−12,0 pts".
func points(now, before float64, lang string) string {
	unit := nnbsp + "pts"
	if lang == "en" {
		unit = " pts"
	}
	return fmtDec(now-before, lang, true) + unit
}
