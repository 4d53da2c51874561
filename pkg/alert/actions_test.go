package alert

import (
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/platform/mention"
)

// feedNeg sends one negative Duval mention every gap from clk.now for d,
// ticking every 10 s as the alerter does, and returns the events.
func feedNeg(e *Engine, clk *simClock, g *gen, d, gap time.Duration) []Event {
	var evs []Event
	end := clk.now.Add(d)
	nextTick := clk.now
	for at := clk.now; at.Before(end); at = at.Add(gap) {
		for !nextTick.After(at) {
			clk.now = nextTick
			evs = append(evs, e.Tick(nextTick)...)
			nextTick = nextTick.Add(10 * time.Second)
		}
		clk.now = at
		evs = append(evs, e.Observe(g.mention("Duval", "neg", at, "Duval, yaourts avariés, très déçu"))...)
	}
	clk.now = end
	return evs
}

func heldEngine(t *testing.T) (*Engine, *simClock, *gen, string) {
	t.Helper()
	e, clk := testEngine(t, Config{Defaults: Rules{Window: time.Minute, ColdMinCount: 8, UpdateEvery: 10 * time.Second,
		ResolveAfter: 5 * time.Minute, Disable: []string{CauseInfluencer, CauseToxic, CauseCrisis}}})
	g := &gen{}
	evs := feedNeg(e, clk, g, 2*time.Minute, 2*time.Second) // steady: 30 negatives a minute
	if len(evs) == 0 || evs[0].Kind != Opened {
		t.Fatalf("the steady crisis opened nothing: %v", kinds(evs))
	}
	return e, clk, g, evs[0].Incident.ID
}

func TestManualResolveHoldsThroughDetectorUpdates(t *testing.T) {
	e, clk, g, id := heldEngine(t)
	evs := e.Apply(HumanAction{IncidentID: id, Brand: "Duval", Action: ActionResolved, By: "alice", At: clk.now})
	if len(evs) != 1 || evs[0].Kind != Resolved || evs[0].Incident.ResolvedBy != "alice" || evs[0].Incident.Open() {
		t.Fatalf("resolve: %+v", evs)
	}
	// The same action again (a restart re-reads the bucket) changes nothing.
	if again := e.Apply(HumanAction{IncidentID: id, Brand: "Duval", Action: ActionResolved, By: "alice", At: clk.now}); len(again) != 0 {
		t.Fatalf("re-applied resolution emitted %v", kinds(again))
	}
	// Ten more minutes at the same level (past resolve_after, within the
	// cooldown): nothing reopens, nothing is announced.
	if evs := feedNeg(e, clk, g, 10*time.Minute, 2*time.Second); len(evs) != 0 {
		t.Fatalf("the detector undid the manual resolution: %v (first %+v)", kinds(evs), evs[0].Incident)
	}
	// A snapshot keeps the hold.
	snap, err := e.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	e2 := NewEngine(e.cfg, clk.Now)
	if err := e2.Restore(snap); err != nil {
		t.Fatal(err)
	}
	if evs := feedNeg(e2, clk, g, time.Minute, 2*time.Second); len(evs) != 0 {
		t.Fatalf("after a restore the detector undid the resolution: %v", kinds(evs))
	}
	// The crisis truly grows: 4x the rate. A new incident opens, linked.
	evs = feedNeg(e2, clk, g, time.Minute, 500*time.Millisecond)
	if len(evs) == 0 || evs[0].Kind != Opened {
		t.Fatalf("a doubled crisis opened nothing: %v", kinds(evs))
	}
	n := evs[0].Incident
	if n.ID == id || n.Previous != id || n.Regrowth == nil {
		t.Fatalf("new incident %s previous %q regrowth %+v, want a new id linked to %s", n.ID, n.Previous, n.Regrowth, id)
	}
	r := n.Regrowth
	if r.Measure != "neg" || r.AtResolution < 25 || r.AtResolution > 31 || r.Held != 2*r.AtResolution || r.Now < r.Held || r.ResolvedBy != "alice" {
		t.Fatalf("regrowth %+v: want ~30 negatives at resolution, held at twice that, now above", r)
	}
	for _, ev := range evs {
		if ev.Incident.ID != n.ID {
			t.Fatalf("event on %s after the new incident opened", ev.Incident.ID)
		}
	}
}

func TestManualReopen(t *testing.T) {
	e, clk, g, id := heldEngine(t)
	e.Apply(HumanAction{IncidentID: id, Action: ActionResolved, By: "alice", At: clk.now})
	clk.now = clk.now.Add(time.Second)
	evs := e.Apply(HumanAction{IncidentID: id, Action: ActionReopened, By: "bob", At: clk.now})
	if len(evs) != 1 || evs[0].Kind != Updated || !evs[0].Incident.Open() || evs[0].Incident.ID != id {
		t.Fatalf("reopen: %+v", evs)
	}
	// An older action arriving late is ignored.
	if late := e.Apply(HumanAction{IncidentID: id, Action: ActionResolved, By: "alice", At: clk.now.Add(-time.Hour)}); len(late) != 0 {
		t.Fatalf("a stale action applied: %v", kinds(late))
	}
	// Reopened, the incident takes the detector's updates again.
	evs = feedNeg(e, clk, g, 30*time.Second, 2*time.Second)
	if k := kinds(evs); k[Updated]+k[Escalated] == 0 || k[Opened] != 0 {
		t.Fatalf("reopened incident not fed: %v", k)
	}
	if bad := (HumanAction{IncidentID: id, Action: "delete", At: clk.now}).Validate(); bad == nil {
		t.Fatal("an unknown action validated")
	}
}

func TestNames(t *testing.T) {
	for sev, want := range map[int]string{1: "sévérité 1/4 — faible", 3: "sévérité 1/4 — faible", 4: "sévérité 2/4 — modérée", 6: "sévérité 3/4 — élevée", 7: "sévérité 3/4 — élevée", 8: "sévérité 4/4 — critique", 10: "sévérité 4/4 — critique"} {
		if got := SeverityText("fr", sev); got != want {
			t.Errorf("severity %d: %q, want %q", sev, got, want)
		}
	}
	if got := SeverityText("en", 6); got != "severity 3/4 — high" {
		t.Errorf("en: %q", got)
	}
	if got := IncidentTitle("fr", CauseVolume, "Duval"); got != "Pic de volume négatif — Duval" {
		t.Errorf("title %q", got)
	}
	if RuleName("fr", "neg_spike") != "neg_spike" || RuleName("de", CauseToxic) != "Contenus toxiques" {
		t.Error("fallbacks")
	}
	for _, c := range causes {
		if RuleName("fr", c) == c || RuleName("en", c) == c {
			t.Errorf("rule %s has no name", c)
		}
	}
}

func TestDetailText(t *testing.T) {
	for in, want := range map[string]string{
		"52 negative mentions in 5m0s, baseline expects 1.3 (z=9.1)":              "52 mentions négatives en 5 min, alors que 1,3 sont attendues d'habitude (écart z = 9,1)",
		"40 negative mentions in 4s (baseline still learning, cold threshold 20)": "40 mentions négatives en 4 s (référence encore en apprentissage : seuil de départ 20)",
		"negative share 62% in 5m0s vs 8% usual; net sentiment drop 0.85":         "part des mentions négatives : 62 % en 5 min, contre 8 % d'habitude ; sentiment net en baisse de 0,85",
		`negative mention by influencer "Titou75" (influence 82)`:                 "mention négative de l'influenceur « Titou75 » (influence 82)",
		"3 toxic mentions in 1h30m0s":                                             "3 mentions toxiques en 1 h 30 min",
		"2 mentions with crisis terms in 5m0s (boycott, arnaque)":                 "2 mentions avec des termes de crise en 5 min (boycott, arnaque)",
		"something new": "something new",
	} {
		if got := DetailText("fr", in); got != want {
			t.Errorf("%q:\n got %q\nwant %q", in, got, want)
		}
	}
	if got := DetailText("en", "3 toxic mentions in 5m0s"); got != "3 toxic mentions in 5m0s" {
		t.Errorf("en: %q", got)
	}
}

// TestManualResolveHoldsToxic: the hold works for a per-mention rule too;
// its measure is the window's toxic mentions.
func TestManualResolveHoldsToxic(t *testing.T) {
	e, clk := testEngine(t, Config{Defaults: Rules{Window: time.Minute, UpdateEvery: 10 * time.Second,
		Disable: []string{CauseVolume, CauseSentiment, CauseInfluencer, CauseCrisis}}})
	g := &gen{}
	toxic := func(d, gap time.Duration) []Event {
		var evs []Event
		end := clk.now.Add(d)
		for at := clk.now; at.Before(end); at = at.Add(gap) {
			clk.now = at
			m := g.mention("Duval", "neg", at, "Duval, bande d'escrocs")
			m.Enrichment.Toxic = true
			m.Enrichment.Toxicity = []mention.ToxicFlag{{Category: "insult"}}
			evs = append(evs, e.Observe(m)...)
			evs = append(evs, e.Tick(at)...)
		}
		clk.now = end
		return evs
	}
	evs := toxic(2*time.Minute, 10*time.Second) // 6 toxic a minute
	if len(evs) == 0 || evs[0].Kind != Opened || evs[0].Incident.Cause != CauseToxic {
		t.Fatalf("toxic: %v", kinds(evs))
	}
	id := evs[0].Incident.ID
	if r := e.Apply(HumanAction{IncidentID: id, Action: ActionResolved, By: "alice", At: clk.now}); len(r) != 1 || r[0].Kind != Resolved {
		t.Fatalf("resolve: %+v", r)
	}
	if evs := toxic(5*time.Minute, 10*time.Second); len(evs) != 0 {
		t.Fatalf("toxic at the same rate undid the resolution: %v", kinds(evs))
	}
	evs = toxic(time.Minute, 2*time.Second) // 30 a minute
	if len(evs) == 0 || evs[0].Kind != Opened || evs[0].Incident.Previous != id || evs[0].Incident.Regrowth.Measure != "toxic" {
		t.Fatalf("regrowth: %+v", evs)
	}
}
