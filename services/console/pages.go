package console

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/veille-oss/veille/pkg/collection/collect"
	"github.com/veille-oss/veille/pkg/platform/bus"
	"github.com/veille-oss/veille/pkg/store"
	"github.com/veille-oss/veille/pkg/store/analytics"
)

const queryTimeout = 30 * time.Second

// timed runs one ClickHouse query and records its latency.
func timed[T any](s *Server, name string, fn func() (T, error)) (T, error) {
	start := time.Now()
	v, err := fn()
	s.queryDur.WithLabelValues(name).Observe(time.Since(start).Seconds())
	return v, err
}

// queryFailed answers a failed query: 400 for a bad filter, 503 otherwise.
func (s *Server) queryFailed(w http.ResponseWriter, r *http.Request, err error) {
	lang := pickLang(r, s.env.Config.Console.Lang)
	if errors.Is(err, analytics.ErrBadFilter) {
		s.renderError(w, r, http.StatusBadRequest, tr(lang, "err.badfilter", filterMessage(lang, err)))
		return
	}
	if errors.Is(err, analytics.ErrNotFound) {
		s.renderError(w, r, http.StatusNotFound, tr(lang, "err.notfound"))
		return
	}
	s.log.Error("console: query", "path", r.URL.Path, "err", err)
	s.renderError(w, r, http.StatusServiceUnavailable, tr(lang, "err.unavailable"))
}

// storeOr503 returns the ClickHouse store, or answers 503 while it is not connected.
func (s *Server) storeOr503(w http.ResponseWriter, r *http.Request) *store.Store {
	st := s.store()
	if st == nil {
		s.renderError(w, r, http.StatusServiceUnavailable, tr(pickLang(r, s.env.Config.Console.Lang), "err.unavailable"))
	}
	return st
}

func (s *Server) handleLive(w http.ResponseWriter, r *http.Request) {
	v, _, ok := s.filteredView(w, r, "live", "live.title", "")
	status := http.StatusOK
	if !ok {
		status = http.StatusBadRequest
	}
	s.render(w, status, "live", v)
}

// Dashboard is the brand dashboard's data (also /api/dashboard).
type Dashboard struct {
	Brand       string                  `json:"brand"`
	Group       string                  `json:"group"`
	From        time.Time               `json:"from"`
	To          time.Time               `json:"to"`
	Sentiment   analytics.Sentiment     `json:"sentiment"`
	Volume      analytics.Volume        `json:"volume"`
	Share       []analytics.BrandShare  `json:"share_of_voice"`
	Sources     []analytics.SourceCount `json:"top_sources"`
	Authors     []analytics.AuthorCount `json:"top_authors"`
	Influencers []analytics.AuthorCount `json:"influencers"`
	Terms       analytics.Terms         `json:"terms"`
	Langs       []analytics.LangCount   `json:"languages"`
	// Previous is the same figures over the period just before (nil for
	// an open-ended period).
	Previous   *Comparison `json:"previous,omitempty"`
	Charts     template.JS `json:"-"`
	chartsData map[string]any
	// search is the filter every figure's link narrows.
	search url.Values
}

// Search is the search URL of the dashboard's mentions narrowed by
// key/value pairs: every figure links to the mentions it counts.
func (d *Dashboard) Search(kv ...string) string { return drill(d.search, kv...) }

func (s *Server) dashboard(ctx context.Context, st *store.Store, f analytics.Filter, lang string) (*Dashboard, error) {
	ctx, cancel := context.WithTimeout(ctx, queryTimeout)
	defer cancel()
	conn, db := st.Conn, st.DB
	d := &Dashboard{Brand: f.Brand, search: drillQuery(f)}
	for _, b := range s.env.Config.Brands {
		if b.Name == f.Brand {
			d.Group = b.Group // "" lets ShareOfVoice use the stored group
		}
	}
	var err error
	top := f
	top.Limit = 10
	if d.Volume, err = timed(s, "volume", func() (analytics.Volume, error) { return analytics.VolumeSeries(ctx, conn, db, f, 0) }); err != nil {
		return nil, err
	}
	if n := len(d.Volume.Points); n > 0 {
		d.From, d.To = d.Volume.Points[0].Start, d.Volume.Points[n-1].Start.Add(d.Volume.Step)
	}
	if d.Sentiment, err = timed(s, "net_sentiment", func() (analytics.Sentiment, error) { return analytics.NetSentiment(ctx, conn, db, f) }); err != nil {
		return nil, err
	}
	sov := top
	sov.Group = d.Group
	if d.Share, err = timed(s, "share_of_voice", func() ([]analytics.BrandShare, error) { return analytics.ShareOfVoice(ctx, conn, db, sov) }); err != nil {
		return nil, err
	}
	if d.Sources, err = timed(s, "top_sources", func() ([]analytics.SourceCount, error) { return analytics.TopSources(ctx, conn, db, top) }); err != nil {
		return nil, err
	}
	if d.Authors, err = timed(s, "top_authors", func() ([]analytics.AuthorCount, error) { return analytics.TopAuthors(ctx, conn, db, top) }); err != nil {
		return nil, err
	}
	infl := top
	infl.InfluencerOnly = true
	if d.Influencers, err = timed(s, "top_influencers", func() ([]analytics.AuthorCount, error) { return analytics.TopAuthors(ctx, conn, db, infl) }); err != nil {
		return nil, err
	}
	if d.Terms, err = timed(s, "top_terms", func() (analytics.Terms, error) { return analytics.TopTerms(ctx, conn, db, top) }); err != nil {
		return nil, err
	}
	if d.Langs, err = timed(s, "language_split", func() ([]analytics.LangCount, error) { return analytics.LanguageSplit(ctx, conn, db, top) }); err != nil {
		return nil, err
	}
	if d.Previous, err = s.previous(ctx, st, f); err != nil {
		return nil, err
	}
	d.charts(lang, f)
	return d, nil
}

// charts prepares the Chart.js data, embedded in the page as JSON. Bucket
// starts go as instants (app.js labels them in the viewer's zone) with the
// search each bar opens, clamped to the dashboard's period.
func (d *Dashboard) charts(lang string, f analytics.Filter) {
	var starts, links []string
	var neg, neu, pos []uint64
	for _, p := range d.Volume.Points {
		starts = append(starts, p.Start.Format(time.RFC3339))
		from, to := p.Start, p.Start.Add(d.Volume.Step)
		if !f.From.IsZero() && from.Before(f.From) {
			from = f.From
		}
		if !f.To.IsZero() && to.After(f.To) {
			to = f.To
		}
		links = append(links, d.Search("period", "custom", "from", from.UTC().Format(time.RFC3339), "to", to.UTC().Format(time.RFC3339)))
		neg, neu, pos = append(neg, p.Neg), append(neu, p.Neu), append(pos, p.Pos)
	}
	var sovL, langL []string
	var sovD, langD []uint64
	var sovU, langU []string
	for _, b := range d.Share {
		sovL, sovD, sovU = append(sovL, b.Brand), append(sovD, b.Mentions), append(sovU, d.Search("brand", b.Brand))
	}
	for _, l := range d.Langs {
		langL, langD, langU = append(langL, l.Lang), append(langD, l.Mentions), append(langU, d.Search("lang", l.Lang))
	}
	d.chartsData = map[string]any{
		"volume": map[string]any{"starts": starts, "step": int64(d.Volume.Step / time.Second), "links": links, "neg": neg, "neu": neu, "pos": pos},
		"sov":    map[string]any{"labels": sovL, "data": sovD, "links": sovU},
		"langs":  map[string]any{"labels": langL, "data": langD, "links": langU},
		"names":  map[string]string{"neg": tr(lang, "sent.neg"), "neu": tr(lang, "sent.neu"), "pos": tr(lang, "sent.pos"), "mentions": tr(lang, "col.mentions")},
	}
	b, _ := json.Marshal(d.chartsData)
	// Safe inside <script type="application/json">: json.Marshal escapes <, > and &.
	d.Charts = template.JS(b)
}

func (s *Server) dashboardBrand(f *analytics.Filter) {
	if f.Brand == "" && len(s.env.Config.Brands) > 0 {
		f.Brand = s.env.Config.Brands[0].Name
	}
}

func (s *Server) handleDashboard(w http.ResponseWriter, r *http.Request) {
	v, f, ok := s.filteredView(w, r, "dashboard", "dash.title", "7d")
	if !ok {
		s.render(w, http.StatusBadRequest, "dashboard", v)
		return
	}
	s.dashboardBrand(&f)
	v.Filter.Brand = f.Brand
	st := s.storeOr503(w, r)
	if st == nil {
		return
	}
	if f.Brand != "" {
		d, err := s.dashboard(r.Context(), st, f, v.Lang)
		if err != nil {
			s.queryFailed(w, r, err)
			return
		}
		v.Data = d
	}
	s.render(w, http.StatusOK, "dashboard", v)
}

func (s *Server) handleDashboardAPI(w http.ResponseWriter, r *http.Request) {
	f, _, err := parseFilter(r, s.now(), "7d")
	if err != nil {
		s.queryFailed(w, r, err)
		return
	}
	s.dashboardBrand(&f)
	if f.Brand == "" {
		s.queryFailed(w, r, &analytics.FieldError{Field: "brand", Want: "required"})
		return
	}
	st := s.storeOr503(w, r)
	if st == nil {
		return
	}
	d, err := s.dashboard(r.Context(), st, f, pickLang(r, s.env.Config.Console.Lang))
	if err != nil {
		s.queryFailed(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

func incidentFilter(r *http.Request) analytics.Filter {
	f := analytics.Filter{Brand: r.URL.Query().Get("brand"), Status: "active", Limit: 200}
	switch st := r.URL.Query().Get("status"); st {
	case "all":
		f.Status = ""
	case "open", "acknowledged", "resolved":
		f.Status = st
	}
	return f
}

func (s *Server) incidents(r *http.Request, f analytics.Filter) ([]analytics.Incident, error) {
	st := s.store()
	if st == nil {
		return nil, errors.New("clickhouse not connected")
	}
	ctx, cancel := context.WithTimeout(r.Context(), queryTimeout)
	defer cancel()
	return timed(s, "incidents", func() ([]analytics.Incident, error) { return analytics.Incidents(ctx, st.Conn, st.DB, f) })
}

func (s *Server) handleIncidents(w http.ResponseWriter, r *http.Request) {
	v := s.newView(w, r, "incidents", "inc.title")
	f := incidentFilter(r)
	v.Filter = f
	list, err := s.incidents(r, f)
	if err != nil {
		s.queryFailed(w, r, err)
		return
	}
	v.Data = list
	s.render(w, http.StatusOK, "incidents", v)
}

func (s *Server) handleIncidentsAPI(w http.ResponseWriter, r *http.Request) {
	list, err := s.incidents(r, incidentFilter(r))
	if err != nil {
		s.queryFailed(w, r, err)
		return
	}
	if list == nil {
		list = []analytics.Incident{}
	}
	writeJSON(w, http.StatusOK, list)
}

func urlPathEscape(s string) string {
	return strings.ReplaceAll(urlQueryEscape(s), "+", "%20")
}

// SourceHealth is a configured (or formerly configured) source's state.
type SourceHealth struct {
	collect.Health
	// State is ok, error, never (no record yet) or unconfigured.
	State string `json:"state"`
}

func (s *Server) sourcesKV(ctx context.Context) (jetstream.KeyValue, error) {
	kv, err := s.env.Bus.JS.KeyValue(ctx, collect.BucketSources)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		r := s.env.Config.NATS.Replicas
		if r == 0 {
			r = 1
		}
		// Same settings as the collectors, who write it.
		kv, err = s.env.Bus.JS.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: collect.BucketSources, History: 1, Storage: jetstream.FileStorage, Replicas: r})
	}
	if err != nil {
		return nil, fmt.Errorf("kv bucket %s: %w", collect.BucketSources, err)
	}
	return kv, nil
}

func (s *Server) sources(ctx context.Context) ([]SourceHealth, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	kv, err := s.sourcesKV(ctx)
	if err != nil {
		return nil, err
	}
	var out []SourceHealth
	seen := map[string]bool{}
	for _, src := range s.env.Config.Sources {
		key := bus.Token(src.Name)
		seen[key] = true
		h := SourceHealth{Health: collect.Health{Name: src.Name, Kind: src.Kind, URL: src.URL}, State: "never"}
		if h.URL == "" && len(src.Seeds) > 0 {
			h.URL = src.Seeds[0]
		}
		if e, err := kv.Get(ctx, key); err == nil {
			if json.Unmarshal(e.Value(), &h.Health) == nil {
				h.State = healthState(h.Health)
			}
		} else if !errors.Is(err, jetstream.ErrKeyNotFound) {
			return nil, fmt.Errorf("kv %s: %w", key, err)
		}
		h.Name, h.Kind = src.Name, src.Kind
		out = append(out, h.withoutCredentials())
	}
	keys, err := kv.Keys(ctx)
	if err != nil && !errors.Is(err, jetstream.ErrNoKeysFound) {
		return nil, fmt.Errorf("kv keys: %w", err)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if seen[k] {
			continue
		}
		e, err := kv.Get(ctx, k)
		if err != nil {
			continue
		}
		var h SourceHealth
		if json.Unmarshal(e.Value(), &h.Health) != nil {
			continue
		}
		h.State = "unconfigured"
		out = append(out, h.withoutCredentials())
	}
	return out, nil
}

func healthState(h collect.Health) string {
	switch {
	case h.LastError != "" && !h.LastErrorAt.Before(h.LastSuccess):
		return "error"
	case !h.LastSuccess.IsZero():
		return "ok"
	default:
		return "never"
	}
}

func (s *Server) handleSources(w http.ResponseWriter, r *http.Request) {
	v := s.newView(w, r, "sources", "src.title")
	list, err := s.sources(r.Context())
	if err != nil {
		s.log.Error("console: sources", "err", err)
		s.renderError(w, r, http.StatusServiceUnavailable, err.Error())
		return
	}
	v.Data = list
	s.render(w, http.StatusOK, "sources", v)
}

func (s *Server) handleSourcesAPI(w http.ResponseWriter, r *http.Request) {
	list, err := s.sources(r.Context())
	if err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": err.Error()})
		return
	}
	if list == nil {
		list = []SourceHealth{}
	}
	writeJSON(w, http.StatusOK, list)
}

// SearchResult is a page of stored mentions.
type SearchResult struct {
	Total    uint64 `json:"total"`
	Mentions []Card `json:"mentions"`
	// Page (from 1) of Pages, PerPage mentions each; First and Last number
	// the mentions shown (1-based).
	Page    int    `json:"page"`
	Pages   int    `json:"pages"`
	PerPage int    `json:"per_page"`
	First   int    `json:"first"`
	Last    int    `json:"last"`
	PrevURL string `json:"-"`
	NextURL string `json:"-"`
}

// searchPerPage is a search page's size (limit= changes it).
const searchPerPage = 50

// searchPage reads page= (1-based) into the filter's offset.
func searchPage(r *http.Request, f *analytics.Filter) error {
	if f.Limit == 0 {
		f.Limit = searchPerPage
	}
	if p := r.URL.Query().Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || (n-1)*f.Limit > analytics.MaxOffset {
			return &analytics.FieldError{Field: "page", Got: p, Want: "a page number", Max: analytics.MaxOffset/f.Limit + 1}
		}
		f.Offset = (n - 1) * f.Limit
	}
	return nil
}

func (s *Server) search(ctx context.Context, st *store.Store, f analytics.Filter) (SearchResult, error) {
	ctx, cancel := context.WithTimeout(ctx, queryTimeout)
	defer cancel()
	var res SearchResult
	rows, err := timed(s, "search", func() ([]analytics.Mention, error) { return analytics.Search(ctx, st.Conn, st.DB, f) })
	if err != nil {
		return res, err
	}
	if res.Total, err = timed(s, "count", func() (uint64, error) { return analytics.Count(ctx, st.Conn, st.DB, f) }); err != nil {
		return res, err
	}
	res.Mentions = []Card{}
	for _, m := range rows {
		c := cardOfRow(m)
		if f.Query != "" {
			c.Segments = highlightQuery(m.Text, m.MatchedTerms, m.Evidence, m.Sentiment, f.Query)
			c.TitleSegments = highlightQuery(m.Title, nil, nil, "", f.Query)
		}
		res.Mentions = append(res.Mentions, c)
	}
	per := f.Limit
	if per <= 0 {
		per = analytics.DefaultLimit
	}
	res.PerPage, res.Page = per, f.Offset/per+1
	res.Pages = int((res.Total + uint64(per) - 1) / uint64(per))
	if len(rows) > 0 {
		res.First, res.Last = f.Offset+1, f.Offset+len(rows)
	}
	return res, nil
}

func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request) {
	v, f, ok := s.filteredView(w, r, "search", "search.title", "")
	if ok {
		if err := searchPage(r, &f); err != nil {
			v.Error, ok = tr(v.Lang, "err.badfilter", filterMessage(v.Lang, err)), false
		}
	}
	if !ok {
		s.render(w, http.StatusBadRequest, "search", v)
		return
	}
	st := s.storeOr503(w, r)
	if st == nil {
		return
	}
	res, err := s.search(r.Context(), st, f)
	if err != nil {
		s.queryFailed(w, r, err)
		return
	}
	pageURL := func(n int) string {
		q := v.Query
		if n > 1 {
			if q != "" {
				q += "&"
			}
			q += "page=" + strconv.Itoa(n)
		}
		if r.URL.Query().Get("limit") != "" {
			q += "&limit=" + strconv.Itoa(f.Limit)
		}
		return "/search?" + strings.TrimPrefix(q, "&")
	}
	if res.Page > 1 {
		res.PrevURL = pageURL(res.Page - 1)
	}
	if res.Page < res.Pages {
		res.NextURL = pageURL(res.Page + 1)
	}
	v.Data = res
	s.render(w, http.StatusOK, "search", v)
}

func (s *Server) handleSearchAPI(w http.ResponseWriter, r *http.Request) {
	f, _, err := parseFilter(r, s.now(), "")
	if err == nil {
		err = searchPage(r, &f)
	}
	if err == nil && r.URL.Query().Get("offset") != "" {
		f.Offset, err = strconv.Atoi(r.URL.Query().Get("offset"))
		if err != nil {
			err = &analytics.FieldError{Field: "offset", Got: r.URL.Query().Get("offset"), Want: "a number"}
		}
	}
	if err != nil {
		s.queryFailed(w, r, err)
		return
	}
	st := s.storeOr503(w, r)
	if st == nil {
		return
	}
	res, err := s.search(r.Context(), st, f)
	if err != nil {
		s.queryFailed(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// csvCell neutralises spreadsheet formulas in free text (CSV injection).
func csvCell(s string) string {
	if formulaLead(s) {
		return "'" + s
	}
	return s
}

// csvTimeout bounds one export: long enough to stream millions of rows.
const csvTimeout = 10 * time.Minute

func (s *Server) handleCSV(w http.ResponseWriter, r *http.Request) {
	lang := pickLang(r, s.env.Config.Console.Lang)
	f, _, err := parseFilter(r, s.now(), "")
	if err != nil {
		s.queryFailed(w, r, err)
		return
	}
	// French spreadsheets split on ";" and read "0,5"; fr is the default
	// of a French page, intl (",", "0.5") of the others.
	format := r.URL.Query().Get("format")
	if format == "" {
		format = map[bool]string{true: "fr", false: "intl"}[lang == "fr"]
	}
	if format != "fr" && format != "intl" {
		s.queryFailed(w, r, &analytics.FieldError{Field: "format", Got: format, Want: "fr or intl"})
		return
	}
	st := s.storeOr503(w, r)
	if st == nil {
		return
	}
	loc := viewerZone(r)
	ctx, cancel := context.WithTimeout(r.Context(), csvTimeout)
	defer cancel()
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="veille-mentions-%s.csv"`, s.now().In(loc).Format("20060102-1504")))
	h.Set("Cache-Control", "no-store")
	// A BOM so that spreadsheet software reads the accents as UTF-8.
	cw := csv.NewWriter(w)
	score := func(f float64) string { return strconv.FormatFloat(f, 'f', 3, 64) }
	if format == "fr" {
		cw.Comma = ';'
		score = func(f float64) string { return strings.Replace(strconv.FormatFloat(f, 'f', 3, 64), ".", ",", 1) }
	}
	b := func(v bool) string {
		if v {
			return "1"
		}
		return "0"
	}
	rc := http.NewResponseController(w)
	started, n := false, 0
	start := time.Now()
	err = analytics.Each(ctx, st.Conn, st.DB, f, func(m *analytics.Mention) error {
		if !started {
			started = true
			if _, err := w.Write([]byte("\ufeff")); err != nil {
				return err
			}
			if err := cw.Write(csvHeader); err != nil {
				return err
			}
		}
		n++
		if err := cw.Write([]string{m.ID, m.PublishedAt.In(loc).Format(time.RFC3339), csvCell(m.Brand), m.SourceKind, csvCell(m.SourceName), csvCell(m.URL),
			csvCell(m.AuthorName), b(m.IsInfluencer), m.Lang, m.Sentiment, score(m.SentimentScore), b(m.Toxic),
			csvCell(strings.Join(m.MatchedTerms, "|")), csvCell(strings.Join(m.Evidence, "|")), csvCell(m.Title), csvCell(m.Text)}); err != nil {
			return err
		}
		// Rows go out as they come: memory stays flat whatever the count.
		if n%1000 == 0 {
			cw.Flush()
			if err := cw.Error(); err != nil {
				return err
			}
			_ = rc.Flush()
		}
		return nil
	})
	s.queryDur.WithLabelValues("export").Observe(time.Since(start).Seconds())
	if err != nil && !started {
		s.queryFailed(w, r, err)
		return
	}
	if err != nil {
		// Headers are gone: abort the response so that the browser reports
		// a failed download instead of saving a silently truncated file.
		s.log.Error("console: export interrupted", "rows", n, "err", err)
		panic(http.ErrAbortHandler)
	}
	if !started {
		_, _ = w.Write([]byte("\ufeff"))
		_ = cw.Write(csvHeader)
	}
	cw.Flush()
}

var csvHeader = []string{"id", "published_at", "brand", "source_kind", "source_name", "url", "author", "influencer",
	"lang", "sentiment", "sentiment_score", "toxic", "matched_terms", "sentiment_evidence", "title", "text"}

// viewerZone is the browser's time zone (the veille_tz cookie app.js sets
// from Intl), UTC when unknown or invalid.
func viewerZone(r *http.Request) *time.Location {
	c, err := r.Cookie(cookieTZ)
	if err != nil || c.Value == "" || len(c.Value) > 64 {
		return time.UTC
	}
	name, err := url.QueryUnescape(c.Value)
	if err != nil {
		return time.UTC
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	return loc
}

// cookieTZ carries the browser's IANA time zone (not a secret: a display
// preference, readable by the page's script).
const cookieTZ = "veille_tz"
