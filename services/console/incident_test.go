package console_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/alert"
	"github.com/veille-oss/veille/pkg/store/analytics"
)

// TestIncidentHandling: a CM assigns, notes, resolves and reopens; each
// action is in the timeline with who, the status in veille.alerts, and the
// status actions in the KV bucket the alerter watches.
func TestIncidentHandling(t *testing.T) {
	h := setup(t)
	ms := fixtures()
	h.insert(ms)
	h.insertIncident("inc-9", "Duval", "open", 1_000_000, []string{ms[0].ID})
	// the alerter's recorder writes the detector's events to the timeline
	if err := analytics.InsertIncidentActions(context.Background(), h.st.Conn, h.st.DB, analytics.DetectorAction("inc-9", "Duval",
		analytics.DetectorEvent{Seq: 1, Event: "opened", Severity: 8, At: base, CountTotal: 2, CountNeg: 2})); err != nil {
		t.Fatal(err)
	}
	c, tok := h.login()
	_, page := h.get(c, "/incidents/inc-9")
	// neg_spike is no rule of ours: its id shows; severity 8 is 4/4.
	if !strings.Contains(page, "sévérité 4/4 — critique") || !strings.Contains(page, "<title>neg_spike — Duval · veille</title>") {
		t.Fatalf("incident page head:\n%.3000s", page)
	}
	post := func(path string, form url.Values) {
		t.Helper()
		form.Set("csrf_token", tok)
		resp, _ := h.post(c, path, form)
		if resp.StatusCode != http.StatusSeeOther || strings.Contains(resp.Header.Get("Location"), "err=") {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, resp.Header.Get("Location"))
		}
		h.clock.Add(time.Minute) // distinct times, as people act
	}
	post("/incidents/inc-9/assign", url.Values{"assignee": {"bob"}})
	post("/incidents/inc-9/note", url.Values{"note": {"Réponse publiée sur le forum.\nRappel du lot 42 confirmé."}})
	post("/incidents/inc-9/resolve", url.Values{})

	kv, err := h.bus.JS.KeyValue(context.Background(), alert.ActionsBucket)
	if err != nil {
		t.Fatal(err)
	}
	e, err := kv.Get(context.Background(), "inc-9")
	if err != nil {
		t.Fatal(err)
	}
	var ha alert.HumanAction
	if err := json.Unmarshal(e.Value(), &ha); err != nil || ha.Action != "resolved" || ha.By != testUser {
		t.Fatalf("alerter's action %s %v", e.Value(), err)
	}

	_, body := h.get(c, "/api/incidents/inc-9?sort=negativity&sentiment=neg", bearer()...)
	var p struct {
		Incident struct{ Status string } `json:"incident"`
		Handling struct {
			Assignee   string `json:"assignee"`
			ResolvedBy string `json:"resolved_by"`
		} `json:"handling"`
		Timeline []struct{ Kind, Actor, Note, Source string } `json:"timeline"`
		Mentions []struct{ Sentiment string }                 `json:"mentions"`
		Total    int                                          `json:"total_mentions"`
	}
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	if p.Incident.Status != "resolved" || p.Handling.Assignee != "bob" || p.Handling.ResolvedBy != testUser || p.Total != 3 || len(p.Mentions) != 3 || p.Mentions[0].Sentiment != "neg" {
		t.Fatalf("after handling: %+v", p)
	}
	var kinds []string
	for _, it := range p.Timeline {
		kinds = append(kinds, it.Source+":"+it.Kind+":"+it.Actor)
	}
	want := "detector:opened:,person:assigned:alice,person:note:alice,person:resolved:alice"
	if strings.Join(kinds, ",") != want {
		t.Fatalf("timeline %v, want %s", kinds, want)
	}
	_, page = h.get(c, "/incidents/inc-9")
	if !strings.Contains(page, `id="reopen"`) || strings.Contains(page, `id="resolve"`) || !strings.Contains(page, "Rappel du lot 42 confirmé.") || !strings.Contains(page, "Attribué à bob") {
		t.Fatalf("resolved page:\n%s", page)
	}
	post("/incidents/inc-9/reopen", url.Values{})
	if _, page = h.get(c, "/incidents/inc-9?done=reopened"); !strings.Contains(page, `data-status="open"`) || !strings.Contains(page, "Incident rouvert.") {
		t.Fatalf("reopened page:\n%.2000s", page)
	}

	// Bad input is refused with a French message naming what was wrong.
	form := url.Values{"csrf_token": {tok}, "note": {strings.Repeat("é", 2001)}}
	if resp, _ := h.post(c, "/incidents/inc-9/note", form); resp.Header.Get("Location") != "/incidents/inc-9?err=note" {
		t.Fatalf("long note: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, page = h.get(c, "/incidents/inc-9?err=note"); !strings.Contains(page, "La note est vide ou dépasse 2 000 caractères.") {
		t.Fatal("no French error for a long note")
	}
	if resp, _ := h.get(c, "/incidents/inc-9?page=0"); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("page=0: %d", resp.StatusCode)
	}
}
