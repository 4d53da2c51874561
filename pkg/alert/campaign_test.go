package alert

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/platform/mention"
)

func campaignPost(g *gen, i int, lbl string, at time.Time, text string) *mention.Mention {
	m := g.mention("Duval", lbl, at, text)
	m.SourceKind = mention.KindBluesky
	m.Author = mention.Author{Name: fmt.Sprintf("Compte %d", i), URL: fmt.Sprintf("https://bsky.app/profile/did:plc:c%03d", i)}
	return m
}

// TestCoordinatedCampaignRaisesOneIncident: the scripted campaign of issue
// 20, 30 accounts posting near-identical text about Duval in 5 minutes,
// raises exactly one coordinated_campaign incident (opened when the 10th
// account posts, fed by the other 20), and nothing else; the same 30
// accounts writing their own words raise nothing.
func TestCoordinatedCampaignRaisesOneIncident(t *testing.T) {
	e, clk := testEngine(t, Config{})
	g := &gen{}
	var evs []Event
	emojis := []string{"😍", "!!", "👍", "", "!!!"}
	for i := range 30 {
		at := t0.Add(time.Duration(i) * 10 * time.Second) // 30 posts in 4 min 50 s
		clk.now = at
		text := fmt.Sprintf("Les yaourts Duval sont les meilleurs, foncez %s @ami%d", emojis[i%len(emojis)], i)
		got := e.Observe(campaignPost(g, i, "pos", at, text))
		if i+1 == 10 && (len(got) != 1 || got[0].Kind != Opened) {
			t.Fatalf("10th account: events %+v, want the campaign opened", got)
		}
		evs = append(evs, got...)
		evs = append(evs, e.Tick(at)...)
	}
	opened := map[string]int{}
	ids := map[string]bool{}
	for _, ev := range evs {
		ids[ev.Incident.ID] = true
		if ev.Kind == Opened {
			opened[ev.Incident.Cause]++
		}
	}
	if len(ids) != 1 || opened[CauseCampaign] != 1 {
		t.Fatalf("incidents %v opened %v, want one coordinated_campaign", ids, opened)
	}
	inc := e.Incidents()[0]
	if inc.Counts.Total != 21 || inc.Severity < 5 {
		t.Fatalf("incident counts %+v severity %d (want the 21 posts from the 10th on)", inc.Counts, inc.Severity)
	}
	// it resolves once the campaign stops
	clk.now = t0.Add(time.Hour)
	res := e.Tick(clk.now)
	if len(res) != 1 || res[0].Kind != Resolved {
		t.Fatalf("resolution %+v", res)
	}

	e2, clk2 := testEngine(t, Config{})
	for i := range 30 {
		at := t0.Add(time.Duration(i) * 10 * time.Second)
		clk2.now = at
		text := fmt.Sprintf("Mon avis numéro %d sur Duval : %s", i, []string{"correct", "bon", "cher", "moyen", "top", "bof"}[i%6]+" "+string(rune('a'+i)))
		if evs := e2.Observe(campaignPost(g, i, "pos", at, text)); len(evs) != 0 {
			t.Fatalf("ordinary posts raised %+v", evs)
		}
	}
}

func TestCampaignRuleConfig(t *testing.T) {
	r := DefaultRules()
	if r.CampaignMinAccounts != 10 || r.CampaignWindow != 5*time.Minute {
		t.Fatalf("defaults %d %v", r.CampaignMinAccounts, r.CampaignWindow)
	}
	r.CampaignMinAccounts = 1
	if err := r.resolved().validate("alerting.defaults."); err == nil || !strings.Contains(err.Error(), "alerting.defaults.campaign_min_accounts") {
		t.Fatalf("err %v", err)
	}
}

// TestCampaignSurvivesRestore: an alerter restarted in the middle of a
// campaign (snapshot, restore into a new engine) still counts the accounts
// seen before: the 10th account opens the incident.
func TestCampaignSurvivesRestore(t *testing.T) {
	e, clk := testEngine(t, Config{})
	g := &gen{}
	text := "Les yaourts Duval sont les meilleurs, foncez"
	for i := range 6 {
		clk.now = t0.Add(time.Duration(i) * 10 * time.Second)
		if evs := e.Observe(campaignPost(g, i, "pos", clk.now, text)); len(evs) != 0 {
			t.Fatalf("early events %+v", evs)
		}
	}
	snap, err := e.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	e2, clk2 := testEngine(t, Config{})
	if err := e2.Restore(snap); err != nil {
		t.Fatal(err)
	}
	var opened int
	for i := 6; i < 10; i++ {
		clk2.now = t0.Add(time.Duration(i) * 10 * time.Second)
		for _, ev := range e2.Observe(campaignPost(g, i, "pos", clk2.now, text)) {
			if ev.Kind == Opened && ev.Incident.Cause == CauseCampaign {
				opened = i + 1
			}
		}
	}
	if opened != 10 {
		t.Fatalf("campaign opened at account %d after the restore, want 10", opened)
	}
}
