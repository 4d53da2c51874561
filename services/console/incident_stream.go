package console

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/veille-oss/veille/pkg/alert/deliver"
	"github.com/veille-oss/veille/pkg/platform/bus"
	"github.com/veille-oss/veille/pkg/store/analytics"
)

// alertBuffer is the incident events queued per browser before drops.
const alertBuffer = 64

// alertNote is an incident event as the banner, the badge and browser
// notifications need it (its text in the browser's language is added per
// client).
type alertNote struct {
	ID       string `json:"id"`
	Event    string `json:"event"`
	Brand    string `json:"brand"`
	Rule     string `json:"rule"`
	Severity int    `json:"severity"`
	Status   string `json:"status"`
	Neg      int    `json:"neg"`
	Total    int    `json:"total"`
	Previous string `json:"previous,omitempty"`
	// Filled per language:
	Title        string `json:"title"`
	Level        int    `json:"level"`
	SeverityText string `json:"severity_text"`
	Link         string `json:"link"`
}

func (n alertNote) in(lang string) alertNote {
	n.Title = incidentTitle(lang, n.Rule, n.Brand)
	n.Level = severityLevel(n.Severity)
	n.SeverityText = severityText(lang, n.Severity)
	n.Link = "/incidents/" + urlPathEscape(n.ID)
	return n
}

// alertHub fans the alerts stream out to the browsers: one NATS
// subscription whatever their number, as the live hub does for mentions.
type alertHub struct {
	mu      sync.Mutex
	clients map[chan alertNote]struct{}
}

func (h *alertHub) subscribe() (chan alertNote, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.clients) >= maxSSEClients {
		return nil, false
	}
	ch := make(chan alertNote, alertBuffer)
	h.clients[ch] = struct{}{}
	return ch, true
}

func (h *alertHub) unsubscribe(ch chan alertNote) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.clients, ch)
}

func (h *alertHub) publish(n alertNote) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.clients {
		select {
		case ch <- n:
		default: // a slow browser misses an event; its next page load re-reads the state
		}
	}
}

// startAlerts subscribes to alerts.<brand> (core NATS sees the alerter's
// JetStream publishes as they happen; alerts.outbox.<channel> has one
// more token and is not matched).
func (s *Server) startAlerts() error {
	s.inc.hub = &alertHub{clients: map[chan alertNote]struct{}{}}
	if s.env.Bus == nil || s.env.Bus.NC == nil {
		return nil
	}
	sub, err := s.env.Bus.NC.Subscribe(bus.SubjectAlertsPrefix+"*", func(msg *nats.Msg) {
		if len(msg.Data) > 1<<20 {
			return
		}
		var p deliver.Payload
		if err := json.Unmarshal(msg.Data, &p); err != nil || p.Schema != deliver.SchemaV1 || p.Incident.ID == "" {
			return
		}
		inc := p.Incident
		status := analytics.StatusOpen
		if !inc.ResolvedAt.IsZero() {
			status = analytics.StatusResolved
		}
		s.inc.hub.publish(alertNote{ID: inc.ID, Event: string(p.Event), Brand: inc.Brand, Rule: inc.Cause, Severity: inc.Severity,
			Status: status, Neg: inc.Counts.Neg, Total: inc.Counts.Total, Previous: inc.Previous})
	})
	if err != nil {
		return fmt.Errorf("alerts: subscribe: %w", err)
	}
	s.inc.sub = sub
	return nil
}

// activeNotes are the incidents in progress, for a browser that connects.
func (s *Server) activeNotes(ctx context.Context) []alertNote {
	st := s.store()
	out := []alertNote{}
	if st == nil {
		return out
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	list, err := analytics.Incidents(ctx, st.Conn, st.DB, analytics.Filter{Status: "active", Limit: 200})
	if err != nil {
		s.log.Warn("console: active incidents for the banner", "err", err)
		return out
	}
	for _, i := range list {
		out = append(out, alertNote{ID: i.ID, Event: i.Event, Brand: i.Brand, Rule: i.Rule, Severity: int(i.Severity),
			Status: i.Status, Neg: int(i.CountNeg), Total: int(i.CountTotal)})
	}
	return out
}

// handleAlertStream is the server-sent events of the banner and the badge:
// the incidents in progress ("state"), then every incident event.
func (s *Server) handleAlertStream(w http.ResponseWriter, r *http.Request) {
	lang := pickLang(r, s.env.Config.Console.Lang)
	ch, ok := s.inc.hub.subscribe()
	if !ok {
		http.Error(w, "too many live clients", http.StatusServiceUnavailable)
		return
	}
	defer s.inc.hub.unsubscribe(ch)
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	active := s.activeNotes(r.Context())
	for i := range active {
		active[i] = active[i].in(lang)
	}
	state, _ := json.Marshal(map[string]any{"active": active})
	if _, err := fmt.Fprintf(w, "retry: 3000\n\nevent: state\ndata: %s\n\n", state); err != nil || rc.Flush() != nil {
		return
	}
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case n := <-ch:
			data, err := json.Marshal(n.in(lang))
			if err != nil {
				continue
			}
			if _, err := fmt.Fprintf(w, "event: incident\nid: %s:%s\ndata: %s\n\n", n.ID, n.Event, data); err != nil || rc.Flush() != nil {
				return
			}
		case <-tick.C:
			if _, err := fmt.Fprint(w, ": ping\n\n"); err != nil || rc.Flush() != nil {
				return
			}
		}
	}
}
