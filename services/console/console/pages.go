package console

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/veille-oss/veille/pkg/analytics"
	"github.com/veille-oss/veille/pkg/bus"
	"github.com/veille-oss/veille/pkg/collect"
	"github.com/veille-oss/veille/pkg/store"
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
		s.renderError(w, r, http.StatusBadRequest, tr(lang, "err.badfilter", err.Error()))
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
	Charts      template.JS             `json:"-"`
	chartsData  map[string]any
}

func (s *Server) dashboard(ctx context.Context, st *store.Store, f analytics.Filter, lang string) (*Dashboard, error) {
	ctx, cancel := context.WithTimeout(ctx, queryTimeout)
	defer cancel()
	conn, db := st.Conn, st.DB
	d := &Dashboard{Brand: f.Brand}
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
	d.charts(lang)
	return d, nil
}

// charts prepares the Chart.js data, embedded in the page as JSON.
func (d *Dashboard) charts(lang string) {
	var labels []string
	var neg, neu, pos []uint64
	layout := "02/01 15h"
	if lang == "en" {
		layout = "01-02 15h"
	}
	if d.Volume.Step >= 24*time.Hour {
		layout = layout[:5]
	}
	for _, p := range d.Volume.Points {
		labels = append(labels, p.Start.Format(layout))
		neg, neu, pos = append(neg, p.Neg), append(neu, p.Neu), append(pos, p.Pos)
	}
	var sovL, langL []string
	var sovD, langD []uint64
	for _, b := range d.Share {
		sovL, sovD = append(sovL, b.Brand), append(sovD, b.Mentions)
	}
	for _, l := range d.Langs {
		langL, langD = append(langL, l.Lang), append(langD, l.Mentions)
	}
	d.chartsData = map[string]any{
		"volume": map[string]any{"labels": labels, "neg": neg, "neu": neu, "pos": pos},
		"sov":    map[string]any{"labels": sovL, "data": sovD},
		"langs":  map[string]any{"labels": langL, "data": langD},
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
		s.queryFailed(w, r, fmt.Errorf("%w: brand is required", analytics.ErrBadFilter))
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

// IncidentPage is one incident with the mentions behind it.
type IncidentPage struct {
	Incident analytics.Incident `json:"incident"`
	Mentions []Card             `json:"mentions"`
}

func (s *Server) handleIncident(w http.ResponseWriter, r *http.Request) {
	st := s.storeOr503(w, r)
	if st == nil {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), queryTimeout)
	defer cancel()
	inc, err := timed(s, "incident", func() (analytics.Incident, error) {
		return analytics.IncidentByID(ctx, st.Conn, st.DB, r.PathValue("id"))
	})
	if err != nil {
		s.queryFailed(w, r, err)
		return
	}
	ms, err := timed(s, "mentions_by_id", func() ([]analytics.Mention, error) {
		return analytics.MentionsByID(ctx, st.Conn, st.DB, inc.TopMentionIDs)
	})
	if err != nil {
		s.queryFailed(w, r, err)
		return
	}
	p := IncidentPage{Incident: inc}
	for _, m := range ms {
		p.Mentions = append(p.Mentions, cardOfRow(m))
	}
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, p)
		return
	}
	v := s.newView(w, r, "incidents", "inc.title")
	v.Title = inc.Brand + " — " + inc.Rule
	if done := r.URL.Query().Get("done"); done == "acknowledged" || done == "resolved" {
		v.Flash = v.T("inc.done." + done)
	}
	v.Data = p
	s.render(w, http.StatusOK, "incident", v)
}

// handleIncidentStatus acknowledges or resolves an incident (POST; CSRF
// checked by auth for cookie sessions).
func (s *Server) handleIncidentStatus(status string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		st := s.storeOr503(w, r)
		if st == nil {
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), queryTimeout)
		defer cancel()
		id := r.PathValue("id")
		inc, err := timed(s, "set_incident_status", func() (analytics.Incident, error) {
			return analytics.SetIncidentStatus(ctx, st.Conn, st.DB, id, status, s.now())
		})
		if err != nil {
			s.queryFailed(w, r, err)
			return
		}
		s.log.Info("console: incident "+status, "incident", id, "brand", inc.Brand, "user", identityOf(r).user)
		if wantsJSON(r) {
			writeJSON(w, http.StatusOK, inc)
			return
		}
		http.Redirect(w, r, "/incidents/"+urlPathEscape(id)+"?done="+status, http.StatusSeeOther)
	}
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
		res.Mentions = append(res.Mentions, cardOfRow(m))
	}
	return res, nil
}

func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request) {
	v, f, ok := s.filteredView(w, r, "search", "search.title", "")
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
	v.Data = res
	s.render(w, http.StatusOK, "search", v)
}

func (s *Server) handleSearchAPI(w http.ResponseWriter, r *http.Request) {
	f, _, err := parseFilter(r, s.now(), "")
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

// csvLimit is the default row count of an export (limit= raises it up to
// analytics.MaxLimit).
const csvLimit = 10_000

// csvCell neutralises spreadsheet formulas in free text (CSV injection).
func csvCell(s string) string {
	if formulaLead(s) {
		return "'" + s
	}
	return s
}

func (s *Server) handleCSV(w http.ResponseWriter, r *http.Request) {
	f, _, err := parseFilter(r, s.now(), "")
	if err != nil {
		s.queryFailed(w, r, err)
		return
	}
	if f.Limit == 0 {
		f.Limit = csvLimit
	}
	st := s.storeOr503(w, r)
	if st == nil {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*queryTimeout)
	defer cancel()
	rows, err := timed(s, "export", func() ([]analytics.Mention, error) { return analytics.Search(ctx, st.Conn, st.DB, f) })
	if err != nil {
		s.queryFailed(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="veille-mentions-%s.csv"`, s.now().UTC().Format("20060102-1504")))
	w.Header().Set("Cache-Control", "no-store")
	// A BOM so that spreadsheet software reads the accents as UTF-8.
	_, _ = w.Write([]byte("\ufeff"))
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"id", "published_at", "brand", "source_kind", "source_name", "url", "author", "influencer",
		"lang", "sentiment", "sentiment_score", "toxic", "matched_terms", "sentiment_evidence", "title", "text"})
	b := func(v bool) string {
		if v {
			return "1"
		}
		return "0"
	}
	for _, m := range rows {
		_ = cw.Write([]string{m.ID, m.PublishedAt.Format(time.RFC3339), csvCell(m.Brand), m.SourceKind, csvCell(m.SourceName), csvCell(m.URL),
			csvCell(m.AuthorName), b(m.IsInfluencer), m.Lang, m.Sentiment, strconv.FormatFloat(m.SentimentScore, 'f', 3, 64), b(m.Toxic),
			csvCell(strings.Join(m.MatchedTerms, "|")), csvCell(strings.Join(m.Evidence, "|")), csvCell(m.Title), csvCell(m.Text)})
	}
	cw.Flush()
}
