package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/veille-oss/veille/pkg/platform/bus"
	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/pkg/platform/mention"
)

// alertColdMin is the alerting rule's cold_min_count: a brand without
// history opens an incident at this many negative mentions in the window.
const alertColdMin = 20

// hookReceiver is the local webhook the alerter delivers to; it notes when
// the first delivery for each brand arrived.
type hookReceiver struct {
	srv   *httptest.Server
	mu    sync.Mutex
	first map[string]time.Time
	rule  map[string]string // rule and counts of that first delivery, for errors
}

func newHookReceiver() *hookReceiver {
	h := &hookReceiver{first: map[string]time.Time{}, rule: map[string]string{}}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at := time.Now()
		var p struct {
			Incident struct {
				Brand  string `json:"brand"`
				Rule   string `json:"rule"`
				Counts struct {
					Total, Neg int
				} `json:"counts"`
			} `json:"incident"`
		}
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if json.Unmarshal(body, &p) == nil && p.Incident.Brand != "" {
			h.mu.Lock()
			if _, ok := h.first[p.Incident.Brand]; !ok {
				h.first[p.Incident.Brand] = at
				h.rule[p.Incident.Brand] = fmt.Sprintf("rule %s, %d negative of %d", p.Incident.Rule, p.Incident.Counts.Neg, p.Incident.Counts.Total)
			}
			h.mu.Unlock()
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	return h
}

func (h *hookReceiver) firstFor(brand string) (time.Time, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	t, ok := h.first[brand]
	return t, ok
}

// alertingNode is the alerting: section the measured pipeline runs with: the
// alerter's test rules (10 s window, cold start at 20 negatives) and one
// webhook channel to the receiver.
func alertingNode(hookURL string) (yaml.Node, error) {
	secret := make([]byte, 16)
	_, _ = rand.Read(secret)
	src := fmt.Sprintf(`defaults: {window: 10s, bucket: 1s, seasonality: none, cold_min_count: %d, update_every: 1s, resolve_after: 1m}
tick: 200ms
snapshot_every: 500ms
lease_ttl: 3s
ignore_older_than: 0s
channels:
  - {name: bench, type: webhook, url: %q, secret: %q, allow_private: true, rate_per_minute: 60000, burst: 1000}
routes:
  - {min_severity: 1, channels: [bench]}
`, alertColdMin, hookURL, hex.EncodeToString(secret))
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil || len(doc.Content) == 0 {
		return yaml.Node{}, fmt.Errorf("%w: alerting section: %w", errBench, err)
	}
	return *doc.Content[0], nil
}

// negativeTexts vary enough not to be near-duplicates of each other.
// negativeTexts are negative without crisis terms or insults (those open
// incidents on their own, at the first mention), and vary enough not to be
// near-duplicates of each other.
var negativeTexts = []string{
	"Remboursement refusé par %s après %d semaines d'attente, je suis vraiment déçu 😡",
	"Service client %s injoignable depuis %d jours, commande jamais livrée, très mécontent, plus jamais.",
	"Le produit %s ne marche plus au bout de %d jours, qualité décevante, je ne recommande pas.",
	"Encore un colis %s perdu (le %de cette année), personne ne répond, c'est vraiment nul !!!",
	"%s m'a facturé %d fois la même commande et ne veut pas rembourser, très mauvaise expérience.",
}

func alertMention(brand string, i int) *mention.Mention {
	now := time.Now().UTC()
	m := &mention.Mention{
		Brand: brand, MatchedTerms: []string{brand}, SourceKind: mention.KindForum, SourceName: "bench-forum",
		SourceURL: "https://forum.bench.example/", URL: fmt.Sprintf("https://forum.bench.example/t/%s", brand),
		Anchor: fmt.Sprintf("p%d", i), Title: "Avis sur " + brand,
		Text: fmt.Sprintf(negativeTexts[i%len(negativeTexts)], brand, 2+i),
		// One author per mention: an author writing about several brands
		// becomes an influencer (min_mentions 2), whose negative mention
		// opens an incident of its own before the threshold.
		Author: mention.Author{Name: fmt.Sprintf("membre%d-%s", i, strings.ToLower(brand))}, PublishedAt: now.Add(-time.Minute), CollectedAt: now, LangHint: "fr",
	}
	m.SetID()
	return m
}

// measureAlerts opens n incidents, one brand after the other, with the
// pipeline otherwise idle: see openIncidents.
func measureAlerts(ctx context.Context, b *bus.Bus, h *hookReceiver, n int) (AlertLatency, error) {
	res := AlertLatency{Incidents: n}
	var lat []float64
	for i := range n {
		l, missing, err := openIncidents(ctx, b, h, []string{fmt.Sprintf("Benchalerte%02d", i)}, 15*time.Second, true)
		if err != nil {
			return res, err
		}
		lat = append(lat, l...)
		res.Missing += len(missing)
		res.MissingBrands = append(res.MissingBrands, missing...)
	}
	slices.Sort(lat)
	res.P50ms, res.P99ms = percentile(lat, 0.5), percentile(lat, 0.99)
	return res, nil
}

// measureAlertsTogether opens n incidents at once (brands prefix00,
// prefix01…), to run beside a paced load.
func measureAlertsTogether(ctx context.Context, b *bus.Bus, h *hookReceiver, prefix string, n int, wait time.Duration) (AlertLatency, error) {
	res := AlertLatency{Incidents: n}
	names := make([]string, n)
	for i := range n {
		names[i] = fmt.Sprintf("%s%02d", prefix, i)
	}
	// Under load the first mentions may still be in the backlog when the
	// threshold-crossing ones go out: no check for early alerts.
	lat, missing, err := openIncidents(ctx, b, h, names, wait, false)
	if err != nil {
		return res, err
	}
	res.Missing, res.MissingBrands = len(missing), missing
	slices.Sort(lat)
	res.P50ms, res.P99ms = percentile(lat, 0.5), percentile(lat, 0.99)
	return res, nil
}

// openIncidents sends, for every brand, alertColdMin-1 negative raw
// mentions, pauses for the pipeline to take them in, then sends every
// brand's threshold-crossing mention in a row. It returns each latency
// (that mention's publish -> its brand's first webhook, in ms) and the
// brands without an alert within wait. With checkEarly, an alert before the
// threshold is an error naming the rule that opened it.
func openIncidents(ctx context.Context, b *bus.Bus, h *hookReceiver, brands []string, wait time.Duration, checkEarly bool) ([]float64, []string, error) {
	for _, brand := range brands {
		for j := range alertColdMin - 1 {
			if err := b.PublishMention(ctx, bus.RawSubject(mention.KindForum), alertMention(brand, j)); err != nil {
				return nil, nil, fmt.Errorf("%w: alert burst: %w", errBench, err)
			}
		}
	}
	time.Sleep(1500 * time.Millisecond)
	if checkEarly {
		for _, brand := range brands {
			if _, early := h.firstFor(brand); early {
				h.mu.Lock()
				why := h.rule[brand]
				h.mu.Unlock()
				return nil, nil, fmt.Errorf("%w: alert for %s before the threshold (%d mentions): %s", errBench, brand, alertColdMin-1, why)
			}
		}
	}
	t0 := make([]time.Time, len(brands))
	for i, brand := range brands {
		t0[i] = time.Now()
		if err := b.PublishMention(ctx, bus.RawSubject(mention.KindForum), alertMention(brand, alertColdMin)); err != nil {
			return nil, nil, fmt.Errorf("%w: alert trigger: %w", errBench, err)
		}
	}
	var lat []float64
	var missing []string
	deadline := time.Now().Add(wait)
	for i, brand := range brands {
		for {
			if at, ok := h.firstFor(brand); ok {
				lat = append(lat, float64(max(0, at.Sub(t0[i]).Microseconds()))/1000)
				break
			}
			if time.Now().After(deadline) {
				missing = append(missing, brand)
				break
			}
			select {
			case <-ctx.Done():
				return nil, nil, ctx.Err()
			case <-time.After(2 * time.Millisecond):
			}
		}
	}
	return lat, missing, nil
}

// withAlerting returns cfg with the alerting section pointing at h.
func withAlerting(cfg *config.Config, h *hookReceiver) error {
	n, err := alertingNode(h.srv.URL + "/hook")
	if err != nil {
		return err
	}
	cfg.Alerting = n
	return nil
}
