package console

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/veille-oss/veille/pkg/nlp/toxicity"
	"github.com/veille-oss/veille/pkg/store/analytics"
)

// moderation holds the toxicity detector the queue re-runs on each text to
// show the flagged words (the mentions table stores the categories only).
type moderation struct {
	once sync.Once
	det  *toxicity.Detector
}

func (m *moderation) detector() *toxicity.Detector {
	m.once.Do(func() { m.det = toxicity.New() })
	return m.det
}

// ModFlag is one category raised on a mention with its words.
type ModFlag struct {
	Category string   `json:"category"`
	Words    []string `json:"words"`
}

// ModCard is a mention of the moderation queue.
type ModCard struct {
	Card
	Status string    `json:"status"`
	By     string    `json:"moderated_by,omitempty"`
	At     time.Time `json:"moderated_at,omitzero"`
	Flags  []ModFlag `json:"flags"`
}

// ModerationPage is a page of the queue.
type ModerationPage struct {
	View   string            `json:"view"`
	Counts map[string]uint64 `json:"counts"`
	Items  []ModCard         `json:"items"`
	Paging SearchResult      `json:"paging"`
	Views  []string          `json:"-"`
	Query  string            `json:"-"`
}

// TabURL is the link of one view of the queue, keeping the brand filter.
func (p ModerationPage) TabURL(view string) string {
	u := "/moderation?view=" + url.QueryEscape(view)
	if p.Query != "" {
		u += "&" + p.Query
	}
	return u
}

func (s *Server) moderationRoutes(mux *http.ServeMux) {
	mux.Handle("GET /moderation", s.auth(kindHTML, s.handleModeration))
	mux.Handle("POST /moderation/{id}", s.auth(kindHTML, s.handleModerate))
	mux.Handle("GET /api/moderation", s.auth(kindAPI, s.handleModeration))
	mux.Handle("POST /api/moderation/{id}", s.auth(kindAPI, s.handleModerate))
}

func (s *Server) modCard(it analytics.ModItem) ModCard {
	c := ModCard{Card: cardOfRow(it.Mention), Status: it.Status, By: it.By, At: it.At}
	var words []string
	res := s.mod.detector().Check(it.Title + "\n" + it.Text)
	for _, f := range res.Flags {
		c.Flags = append(c.Flags, ModFlag{Category: f.Category, Words: f.Evidence})
		words = append(words, f.Evidence...)
	}
	if len(c.Flags) == 0 {
		// Flagged by an older lexicon: show the stored categories.
		for _, cat := range it.Toxicity {
			c.Flags = append(c.Flags, ModFlag{Category: cat})
		}
	}
	c.Segments = highlightToxic(it.Text, it.MatchedTerms, words)
	return c
}

func (s *Server) handleModeration(w http.ResponseWriter, r *http.Request) {
	api := strings.HasPrefix(r.URL.Path, "/api/")
	v, f, ok := s.filteredView(w, r, "moderation", "mod.title", "")
	view := r.URL.Query().Get("view")
	if view == "" {
		view = analytics.QueueTodo
	}
	var err error
	if ok {
		if err = searchPage(r, &f); err != nil {
			v.Error, ok = tr(v.Lang, "err.badfilter", filterMessage(v.Lang, err)), false
		}
	}
	if !ok {
		if api {
			_, _, perr := parseFilter(r, s.now(), "")
			if perr == nil {
				perr = err
			}
			s.queryFailed(w, r, perr)
			return
		}
		s.render(w, http.StatusBadRequest, "moderation", v)
		return
	}
	st := s.storeOr503(w, r)
	if st == nil {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), queryTimeout)
	defer cancel()
	p := ModerationPage{View: view, Counts: map[string]uint64{}, Views: []string{analytics.QueueTodo, analytics.QueueHandled, analytics.QueueIgnored, analytics.QueueAll}}
	items, err := timed(s, "moderation_queue", func() ([]analytics.ModItem, error) { return analytics.ModerationQueue(ctx, st.Conn, st.DB, f, view) })
	if err != nil {
		s.queryFailed(w, r, err)
		return
	}
	for _, vw := range p.Views {
		n, err := timed(s, "moderation_count", func() (uint64, error) { return analytics.ModerationCount(ctx, st.Conn, st.DB, f, vw) })
		if err != nil {
			s.queryFailed(w, r, err)
			return
		}
		p.Counts[vw] = n
	}
	p.Items = []ModCard{}
	for _, it := range items {
		p.Items = append(p.Items, s.modCard(it))
	}
	total := p.Counts[view]
	per := f.Limit
	p.Paging = SearchResult{Total: total, PerPage: per, Page: f.Offset/per + 1, Pages: int((total + uint64(per) - 1) / uint64(per))}
	if len(items) > 0 {
		p.Paging.First, p.Paging.Last = f.Offset+1, f.Offset+len(items)
	}
	if api {
		writeJSON(w, http.StatusOK, p)
		return
	}
	q := url.Values{}
	if f.Brand != "" {
		q.Set("brand", f.Brand)
	}
	p.Query = q.Encode()
	page := func(n int) string {
		u := url.Values{}
		for k, vs := range q {
			u[k] = vs
		}
		u.Set("view", view)
		if n > 1 {
			u.Set("page", strconv.Itoa(n))
		}
		return "/moderation?" + u.Encode()
	}
	if p.Paging.Page > 1 {
		p.Paging.PrevURL = page(p.Paging.Page - 1)
	}
	if p.Paging.Page < p.Paging.Pages {
		p.Paging.NextURL = page(p.Paging.Page + 1)
	}
	if done := r.URL.Query().Get("done"); done == analytics.ModHandled || done == analytics.ModIgnored || done == analytics.ModPending {
		v.Flash = v.T("mod.done." + done)
	}
	v.Data = p
	s.render(w, http.StatusOK, "moderation", v)
}

// handleModerate records "traité", "ignoré" or "à traiter" (POST mark=
// handled|ignored|pending; CSRF checked by auth for cookie sessions) and
// returns to the list the form came from.
func (s *Server) handleModerate(w http.ResponseWriter, r *http.Request) {
	st := s.storeOr503(w, r)
	if st == nil {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), queryTimeout)
	defer cancel()
	id, mark := r.PathValue("id"), r.PostFormValue("mark")
	user := identityOf(r).user
	it, err := timed(s, "moderate", func() (analytics.ModItem, error) {
		return analytics.SetModeration(ctx, st.Conn, st.DB, id, mark, user, s.now())
	})
	if err != nil {
		s.queryFailed(w, r, err)
		return
	}
	s.log.Info("console: moderation", "mention", id, "brand", it.Brand, "mark", mark, "user", user)
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, s.modCard(it))
		return
	}
	// Back to the list the form came from, and only to a moderation list:
	// never an open redirect.
	back, err := url.Parse(r.PostFormValue("next"))
	if err != nil || back.Path != "/moderation" || back.Host != "" || back.Scheme != "" {
		back = &url.URL{Path: "/moderation"}
	}
	q := back.Query()
	q.Set("done", mark)
	http.Redirect(w, r, "/moderation?"+q.Encode(), http.StatusSeeOther)
}
