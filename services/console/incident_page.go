package console

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/veille-oss/veille/pkg/alert"
	"github.com/veille-oss/veille/pkg/store/analytics"
)

// incidentPageSize is the mentions per page of an incident.
const incidentPageSize = 25

// incidentState links the console to people's actions on incidents (the
// KV bucket the alerter watches) and to the alerts stream (banner, badge).
type incidentState struct {
	mu  sync.Mutex
	kv  jetstream.KeyValue
	hub *alertHub
	sub *nats.Subscription
}

// incidentRoutes adds the incident pages and actions, and the alerts
// stream behind the banner and the badge.
func (s *Server) incidentRoutes(mux *http.ServeMux) {
	for _, p := range []string{"", "/api"} {
		mux.Handle("POST "+p+"/incidents/{id}/reopen", s.auth(kindHTML, s.handleIncidentStatus(analytics.StatusOpen)))
		mux.Handle("POST "+p+"/incidents/{id}/assign", s.auth(kindHTML, s.handleIncidentAssign))
		mux.Handle("POST "+p+"/incidents/{id}/note", s.auth(kindHTML, s.handleIncidentNote))
	}
	mux.Handle("GET /api/incidents/{id}", s.auth(kindAPI, s.handleIncident))
	mux.Handle("GET /api/alerts/stream", s.auth(kindAPI, s.handleAlertStream))
}

// actionsKV opens the actions bucket once it is reachable.
func (s *Server) actionsKV(ctx context.Context) (jetstream.KeyValue, error) {
	s.inc.mu.Lock()
	defer s.inc.mu.Unlock()
	if s.inc.kv != nil {
		return s.inc.kv, nil
	}
	if s.env.Bus == nil || s.env.Bus.JS == nil {
		return nil, errors.New("no NATS connection")
	}
	kv, err := alert.OpenActions(ctx, s.env.Bus.JS, s.env.Config.NATS.Replicas)
	if err != nil {
		return nil, err
	}
	s.inc.kv = kv
	return kv, nil
}

// TimelineItem is one line of an incident's timeline.
type TimelineItem struct {
	At     time.Time `json:"at"`
	Source string    `json:"source"` // detector or person
	Kind   string    `json:"kind"`
	Text   string    `json:"text"`
	Actor  string    `json:"actor,omitempty"`
	Note   string    `json:"note,omitempty"`
	Link   string    `json:"link,omitempty"`
}

// IncidentPage is one incident as a CM works from it.
type IncidentPage struct {
	Incident   analytics.Incident `json:"incident"`
	Title      string             `json:"title"`
	RuleName   string             `json:"rule_name"`
	Level      int                `json:"severity_level"`
	Severity   string             `json:"severity_text"`
	Summary    string             `json:"summary"`
	Handling   analytics.Handling `json:"handling"`
	Previous   string             `json:"previous_text,omitempty"`
	Timeline   []TimelineItem     `json:"timeline"`
	Mentions   []Card             `json:"mentions"`
	Total      uint64             `json:"total_mentions"`
	Page       int                `json:"page"`
	Pages      int                `json:"pages"`
	Sort       string             `json:"sort"`
	Sentiment  string             `json:"sentiment,omitempty"`
	Influencer bool               `json:"influencer_only,omitempty"`
	Toxic      bool               `json:"toxic_only,omitempty"`
	PrevURL    string             `json:"-"`
	NextURL    string             `json:"-"`
	Users      []string           `json:"-"`
}

func incidentQuery(r *http.Request) (analytics.IncidentMentionsQuery, int, error) {
	q := r.URL.Query()
	on := func(k string) bool { v := q.Get(k); return v == "1" || v == "on" || v == "true" }
	mq := analytics.IncidentMentionsQuery{Sort: q.Get("sort"), Sentiment: q.Get("sentiment"),
		InfluencerOnly: on("influencer"), ToxicOnly: on("toxic"), Limit: incidentPageSize}
	page := 1
	if p := q.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 10000 {
			return mq, 1, fmt.Errorf("%w: page must be a number from 1 to 10000, got %q", analytics.ErrBadFilter, p)
		}
		page = n
	}
	mq.Offset = (page - 1) * incidentPageSize
	return mq, page, nil
}

func (s *Server) handleIncident(w http.ResponseWriter, r *http.Request) {
	st := s.storeOr503(w, r)
	if st == nil {
		return
	}
	lang := pickLang(r, s.env.Config.Console.Lang)
	mq, page, err := incidentQuery(r)
	if err != nil {
		s.queryFailed(w, r, err)
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
	acts, err := timed(s, "incident_actions", func() ([]analytics.IncidentAction, error) {
		return analytics.IncidentActions(ctx, st.Conn, st.DB, inc.ID)
	})
	if err != nil {
		s.queryFailed(w, r, err)
		return
	}
	evs := analytics.DetectorEvents(acts)
	mp, err := timed(s, "incident_mentions", func() (analytics.MentionPage, error) {
		return analytics.IncidentMentions(ctx, st.Conn, st.DB, inc, mq, s.now())
	})
	if err != nil {
		s.queryFailed(w, r, err)
		return
	}
	p := IncidentPage{
		Incident: inc, Title: incidentTitle(lang, inc.Rule, inc.Brand), RuleName: ruleName(lang, inc.Rule),
		Level: severityLevel(int(inc.Severity)), Severity: severityText(lang, int(inc.Severity)),
		Summary: detailText(lang, inc.Summary), Handling: analytics.HandlingOf(acts),
		Timeline: timeline(lang, evs, acts), Total: mp.Total, Page: page, Sort: mq.Sort,
		Sentiment: mq.Sentiment, Influencer: mq.InfluencerOnly, Toxic: mq.ToxicOnly,
		Pages: max(1, int(math.Ceil(float64(mp.Total)/incidentPageSize))),
	}
	if p.Sort == "" {
		p.Sort = analytics.SortInfluence
	}
	if h := p.Handling; h.Previous != "" {
		why, by := regrowthText(lang, h.PreviousDetail)
		if by != "" {
			p.Previous = tr(lang, "inc.previous", by, why)
		} else {
			p.Previous = tr(lang, "inc.previous.nobody", why)
		}
	}
	for _, m := range mp.Mentions {
		p.Mentions = append(p.Mentions, cardOfRow(m))
	}
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, p)
		return
	}
	pageURL := func(n int) string {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(n))
		return "/incidents/" + urlPathEscape(inc.ID) + "?" + q.Encode() + "#mentions"
	}
	if page > 1 {
		p.PrevURL = pageURL(page - 1)
	}
	if page < p.Pages {
		p.NextURL = pageURL(page + 1)
	}
	for u := range s.users {
		p.Users = append(p.Users, u)
	}
	slices.Sort(p.Users)
	v := s.newView(w, r, "incidents", "inc.title")
	v.Title = p.Title
	switch done := r.URL.Query().Get("done"); done {
	case "acknowledged", "resolved", "reopened", "assigned", "note":
		v.Flash = v.T("inc.done." + done)
	}
	if e := r.URL.Query().Get("err"); e == "note" || e == "assignee" {
		v.Error = v.T("inc.err." + e)
	}
	v.Data = p
	s.render(w, http.StatusOK, "incident", v)
}

// timeline merges the detector's events and people's actions, oldest first.
func timeline(lang string, evs []analytics.DetectorEvent, acts []analytics.IncidentAction) []TimelineItem {
	var out []TimelineItem
	for _, e := range evs {
		it := TimelineItem{At: e.At, Source: "detector", Kind: e.Event}
		switch e.Event {
		case "opened":
			it.Text = tr(lang, "tl.opened", severityText(lang, int(e.Severity)), e.CountTotal, e.CountNeg)
		case "escalated":
			it.Text = tr(lang, "tl.escalated", severityText(lang, int(e.Severity)), e.CountTotal, e.CountNeg)
		case "resolved":
			it.Text = tr(lang, "tl.resolved")
			if e.ResolvedBy != "" {
				it.Text = tr(lang, "tl.resolved.held")
			}
		case "reopened":
			continue // the console's own row; the action says who
		default:
			it.Text = tr(lang, "tl.updated", e.CountTotal, e.CountNeg)
		}
		out = append(out, it)
	}
	for _, a := range acts {
		it := TimelineItem{At: a.At, Source: "person", Kind: a.Action, Actor: a.Actor}
		switch a.Action {
		case analytics.ActionAcknowledged:
			it.Text = tr(lang, "tl.acknowledged")
		case analytics.ActionResolved:
			it.Text = tr(lang, "tl.resolved.human")
		case analytics.ActionReopened:
			it.Text = tr(lang, "tl.reopened.human")
		case analytics.ActionAssigned:
			it.Text = tr(lang, "tl.assigned", a.Assignee)
		case analytics.ActionNote:
			it.Text, it.Note = tr(lang, "tl.note"), a.Note
		case analytics.ActionLinked:
			it.Source, it.Actor = "detector", ""
			it.Text, it.Link = tr(lang, "tl.linked", a.LinkedIncident), "/incidents/"+urlPathEscape(a.LinkedIncident)
			it.Note, _ = regrowthText(lang, a.Detail)
		case analytics.ActionFollowed:
			it.Source, it.Actor = "detector", ""
			it.Text, it.Link = tr(lang, "tl.followed", a.LinkedIncident), "/incidents/"+urlPathEscape(a.LinkedIncident)
		default:
			continue
		}
		out = append(out, it)
	}
	// At the same second a person's action comes first: the detector's
	// event is its consequence (a held resolution).
	slices.SortStableFunc(out, func(a, b TimelineItem) int {
		if c := a.At.Compare(b.At); c != 0 || a.Source == b.Source {
			return c
		}
		if a.Source == "person" {
			return -1
		}
		return 1
	})
	return out
}

// act records a person's action: the KV bucket first for the status
// actions (so the alerter holds a resolution; if NATS is down nothing is
// half done), then veille.alerts (current status) and the timeline row.
func (s *Server) act(ctx context.Context, r *http.Request, id, action, assignee, note string) (analytics.Incident, error) {
	st := s.store()
	if st == nil {
		return analytics.Incident{}, errors.New("clickhouse not connected")
	}
	user := identityOf(r).user
	now := s.now().UTC().Truncate(time.Second)
	inc, err := analytics.IncidentByID(ctx, st.Conn, st.DB, id)
	if err != nil {
		return inc, err
	}
	a := analytics.IncidentAction{IncidentID: inc.ID, Brand: inc.Brand, Action: action, Actor: user, At: now, Assignee: assignee, Note: note}
	if err := a.Validate(); err != nil {
		return inc, err
	}
	status := map[string]string{analytics.ActionAcknowledged: analytics.StatusAcknowledged,
		analytics.ActionResolved: analytics.StatusResolved, analytics.ActionReopened: analytics.StatusOpen}[action]
	if status != "" {
		// Only resolve and reopen change what the alerter does; the bucket
		// keeps one action per incident, so an acknowledgement must not
		// hide a reopening from an alerter that was down.
		if action != analytics.ActionAcknowledged {
			kv, err := s.actionsKV(ctx)
			if err == nil {
				err = alert.PutAction(ctx, kv, alert.HumanAction{IncidentID: inc.ID, Brand: inc.Brand, Action: action, By: user, At: s.now().UTC()})
			}
			if err != nil {
				return inc, fmt.Errorf("incident action not sent to the alerter: %w", err)
			}
		}
		if inc, err = timed(s, "set_incident_status", func() (analytics.Incident, error) {
			return analytics.SetIncidentStatus(ctx, st.Conn, st.DB, inc.ID, status, now)
		}); err != nil {
			return inc, err
		}
	}
	if _, err := timed(s, "insert_incident_action", func() (struct{}, error) {
		return struct{}{}, analytics.InsertIncidentActions(ctx, st.Conn, st.DB, a)
	}); err != nil {
		return inc, err
	}
	s.log.Info("console: incident "+action, "incident", inc.ID, "brand", inc.Brand, "user", user)
	return inc, nil
}

// actionDone answers an action: JSON for the API, else back to the page.
func (s *Server) actionDone(w http.ResponseWriter, r *http.Request, id, done string, inc analytics.Incident, err error) {
	if err != nil {
		if errors.Is(err, analytics.ErrBadFilter) && !wantsJSON(r) && (done == "note" || done == "assigned") {
			e := map[string]string{"note": "note", "assigned": "assignee"}[done]
			http.Redirect(w, r, "/incidents/"+urlPathEscape(id)+"?err="+e, http.StatusSeeOther)
			return
		}
		s.queryFailed(w, r, err)
		return
	}
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, inc)
		return
	}
	http.Redirect(w, r, "/incidents/"+urlPathEscape(id)+"?done="+done, http.StatusSeeOther)
}

// handleIncidentStatus acknowledges, resolves or reopens (status open) an
// incident (POST; CSRF checked by auth for cookie sessions).
func (s *Server) handleIncidentStatus(status string) http.HandlerFunc {
	action := map[string]string{analytics.StatusAcknowledged: analytics.ActionAcknowledged,
		analytics.StatusResolved: analytics.ActionResolved, analytics.StatusOpen: analytics.ActionReopened}[status]
	return func(w http.ResponseWriter, r *http.Request) {
		if s.storeOr503(w, r) == nil {
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), queryTimeout)
		defer cancel()
		id := r.PathValue("id")
		inc, err := s.act(ctx, r, id, action, "", "")
		s.actionDone(w, r, id, action, inc, err)
	}
}

func (s *Server) handleIncidentAssign(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if s.storeOr503(w, r) == nil {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), queryTimeout)
	defer cancel()
	id := r.PathValue("id")
	who := strings.TrimSpace(r.PostFormValue("assignee"))
	var inc analytics.Incident
	err := fmt.Errorf("%w: assignee must be 1-%d bytes", analytics.ErrBadFilter, analytics.MaxAssigneeBytes)
	if who != "" && len(who) <= analytics.MaxAssigneeBytes && utf8.ValidString(who) {
		inc, err = s.act(ctx, r, id, analytics.ActionAssigned, who, "")
	}
	s.actionDone(w, r, id, "assigned", inc, err)
}

func (s *Server) handleIncidentNote(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if s.storeOr503(w, r) == nil {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), queryTimeout)
	defer cancel()
	id := r.PathValue("id")
	note := strings.TrimSpace(strings.ReplaceAll(r.PostFormValue("note"), "\r\n", "\n"))
	inc, err := s.act(ctx, r, id, analytics.ActionNote, "", note)
	s.actionDone(w, r, id, "note", inc, err)
}

// incidentFuncs are the template functions of the incident pages.
var incidentFuncs = template.FuncMap{
	"ruleName": ruleName,
	"sevText":  func(lang string, sev uint8) string { return severityText(lang, int(sev)) },
	"sevLevel": func(sev uint8) int { return severityLevel(int(sev)) },
	"incTitle": incidentTitle,
	"dateUTC": func(t time.Time, lang string) string {
		if t.IsZero() {
			return "—"
		}
		if lang == "fr" {
			return t.UTC().Format("02/01/2006 15:04:05") + " UTC"
		}
		return t.UTC().Format("2006-01-02 15:04:05") + " UTC"
	},
	"sortURL": func(p IncidentPage, key string) string {
		q := url.Values{}
		q.Set("sort", key)
		if p.Sentiment != "" {
			q.Set("sentiment", p.Sentiment)
		}
		return "?" + q.Encode() + "#mentions"
	},
}
