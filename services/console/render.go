package console

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/veille-oss/veille/pkg/store/analytics"
)

//go:embed templates/*.html
var templateFS embed.FS

type pages struct {
	byName map[string]*template.Template
}

var funcs = template.FuncMap{
	"date": func(t time.Time, lang string) string {
		if t.IsZero() {
			return "—"
		}
		// UTC named; app.js rewrites every <time> in the viewer's zone.
		if lang == "fr" {
			return t.UTC().Format("02/01/2006 15:04") + " UTC"
		}
		return t.UTC().Format("2006-01-02 15:04") + " UTC"
	},
	"iso":    func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"pct":    func(f float64, lang string) string { return fmtDec(f, lang, false) },
	"signed": func(f float64, lang string) string { return fmtPct(f, lang, true) },
	"num":    func(n uint64, lang string) string { return fmtInt(n, lang) },
	"change": change,
	"u64":    func(n int) uint64 { return uint64(max(n, 0)) },
	"points": points,
	"join":   strings.Join,
	"list":   func(s ...string) []string { return s },
}

func parsePages() (*pages, error) {
	p := &pages{byName: map[string]*template.Template{}}
	base, err := template.New("layout").Funcs(funcs).Funcs(incidentFuncs).ParseFS(templateFS, "templates/layout.html", "templates/card.html")
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	for _, name := range []string{"login", "live", "dashboard", "incidents", "incident", "sources", "search", "error", "moderation"} {
		t, err := template.Must(base.Clone()).ParseFS(templateFS, "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		p.byName[name] = t
	}
	return p, nil
}

// view is what every page template receives.
type view struct {
	Lang   string
	Langs  []string
	User   string
	CSRF   string
	Title  string
	Nav    string
	Path   string
	Brands []string
	Filter analytics.Filter
	Period string
	From   string
	To     string
	Query  string // the filter as a query string
	// ExportURL and StreamURL keep the filters (whole URLs, so that the
	// template does not escape the query's = and &).
	ExportURL string
	StreamURL string
	Error     string
	Flash     string
	Data      any
	BaseURL   string
}

// T translates a key in the page's language.
func (v *view) T(key string, args ...any) string { return tr(v.Lang, key, args...) }

// cardView is what the card template receives.
type cardView struct {
	V *view
	C Card
}

// Card pairs a mention card with the page (for translations).
func (v *view) Card(c Card) cardView { return cardView{V: v, C: c} }

// I18N returns the translations of keys as a JSON object for the page's
// scripts (safe inside <script type="application/json">).
func (v *view) I18N(keys ...string) template.JS {
	m := make(map[string]string, len(keys))
	for _, k := range keys {
		m[k] = v.T(k)
	}
	b, _ := json.Marshal(m)
	return template.JS(b)
}

func (s *Server) newView(w http.ResponseWriter, r *http.Request, nav, titleKey string) *view {
	v := &view{
		Lang: pickLang(r, s.env.Config.Console.Lang), Langs: languages, Nav: nav,
		Path: r.URL.RequestURI(), BaseURL: s.env.Config.Console.BaseURL,
	}
	v.Title = tr(v.Lang, titleKey)
	id := identityOf(r)
	if id.sess != nil {
		v.User, v.CSRF = id.user, id.sess.csrf
	} else {
		v.CSRF = s.anonCSRF(w, r)
	}
	for _, b := range s.env.Config.Brands {
		v.Brands = append(v.Brands, b.Name)
	}
	return v
}

func (s *Server) render(w http.ResponseWriter, status int, name string, v *view) {
	var buf bytes.Buffer
	if err := s.pages.byName[name].ExecuteTemplate(&buf, "layout", v); err != nil {
		s.log.Error("console: render", "page", name, "err", err)
		http.Error(w, "template error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func (s *Server) renderError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	if wantsJSON(r) {
		writeJSON(w, status, map[string]string{"error": msg})
		return
	}
	v := s.newView(w, r, "", "err.title")
	v.Error = msg
	s.render(w, status, "error", v)
}

func wantsJSON(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, "/api/") || strings.Contains(r.Header.Get("Accept"), "application/json")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// periods offered by the period pickers.
var periods = map[string]time.Duration{
	"24h": 24 * time.Hour, "7d": 7 * 24 * time.Hour, "30d": 30 * 24 * time.Hour, "90d": 90 * 24 * time.Hour,
}

// periodInfo is the period picker's state.
type periodInfo struct {
	Period, From, To string
}

func parseDate(s string, endOfDay bool) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return time.Time{}, err
	}
	if endOfDay {
		t = t.Add(24 * time.Hour)
	}
	return t, nil
}

// parseFilter reads the filter fields shared by every list, the live
// stream, the dashboard and the CSV export from the query string.
func parseFilter(r *http.Request, now time.Time, defPeriod string) (analytics.Filter, periodInfo, error) {
	q := r.URL.Query()
	on := func(k string) bool { v := q.Get(k); return v == "1" || v == "on" || v == "true" }
	f := analytics.Filter{
		Brand: strings.TrimSpace(q.Get("brand")), Group: strings.TrimSpace(q.Get("group")),
		Sentiment: q.Get("sentiment"), Kind: q.Get("kind"), Lang: strings.TrimSpace(q.Get("lang")),
		InfluencerOnly: on("influencer"), ToxicOnly: on("toxic"), Query: strings.TrimSpace(q.Get("q")),
		Source: q.Get("source"), Author: q.Get("author"), Term: q.Get("term"), Evidence: q.Get("evidence"),
		SuspiciousOnly: on("suspicious"),
	}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil {
			return f, periodInfo{}, &analytics.FieldError{Field: "limit", Got: l, Want: "a number"}
		}
		f.Limit = n
	}
	p := periodInfo{Period: q.Get("period"), From: q.Get("from"), To: q.Get("to")}
	if p.Period == "" {
		if p.From != "" || p.To != "" {
			p.Period = "custom"
		} else {
			p.Period = defPeriod
		}
	}
	switch p.Period {
	case "", "all":
		p.Period = "all"
	case "custom":
		if p.From != "" {
			t, err := parseDate(p.From, false)
			if err != nil {
				return f, p, &analytics.FieldError{Field: "from", Got: p.From, Want: "a date (YYYY-MM-DD)"}
			}
			f.From = t
		}
		if p.To != "" {
			t, err := parseDate(p.To, true)
			if err != nil {
				return f, p, &analytics.FieldError{Field: "to", Got: p.To, Want: "a date (YYYY-MM-DD)"}
			}
			f.To = t
		}
	default:
		d, ok := periods[p.Period]
		if !ok {
			return f, p, &analytics.FieldError{Field: "period", Got: p.Period, Want: "24h, 7d, 30d, 90d, all or custom"}
		}
		f.From, f.To = now.Add(-d).UTC(), now.UTC()
	}
	return f, p, f.Validate()
}

// filterQuery is the filter as a query string (links keep the filters).
func filterQuery(f analytics.Filter, p periodInfo) string {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("brand", f.Brand)
	set("group", f.Group)
	set("sentiment", f.Sentiment)
	set("kind", f.Kind)
	set("lang", f.Lang)
	set("q", f.Query)
	set("source", f.Source)
	set("author", f.Author)
	set("term", f.Term)
	set("evidence", f.Evidence)
	if f.InfluencerOnly {
		q.Set("influencer", "1")
	}
	if f.ToxicOnly {
		q.Set("toxic", "1")
	}
	if f.SuspiciousOnly {
		q.Set("suspicious", "1")
	}
	if p.Period != "" && p.Period != "all" {
		q.Set("period", p.Period)
	}
	if p.Period == "custom" {
		set("from", p.From)
		set("to", p.To)
	}
	return q.Encode()
}

func (s *Server) filteredView(w http.ResponseWriter, r *http.Request, nav, title, defPeriod string) (*view, analytics.Filter, bool) {
	v := s.newView(w, r, nav, title)
	f, p, err := parseFilter(r, s.now(), defPeriod)
	v.Filter, v.Period, v.From, v.To = f, p.Period, p.From, p.To
	v.Query = filterQuery(f, p)
	v.ExportURL, v.StreamURL = "/export.csv?"+v.Query, "/api/stream?"+v.Query
	if err != nil {
		v.Error = tr(v.Lang, "err.badfilter", filterMessage(v.Lang, err))
		return v, f, false
	}
	return v, f, true
}
