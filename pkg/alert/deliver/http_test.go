package deliver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/veille-oss/veille/pkg/alert"
)

func isPermanent(err error) bool { return errors.Is(err, ErrPermanent) }

const testSecret = "whsec-0123456789abcdef-TOPSECRET"

// receiver is a local webhook endpoint that verifies signatures the way a
// customer would, and records deliveries by idempotency key.
type receiver struct {
	t      testing.TB
	secret string
	mu     sync.Mutex
	fail   int // answer 503 to this many requests first
	calls  int
	byKey  map[string]int
	order  []string
	bodies []Payload
	notify chan string
}

func newReceiver(t testing.TB, secret string, fail int) (*receiver, *httptest.Server) {
	r := &receiver{t: t, secret: secret, fail: fail, byKey: map[string]int{}, notify: make(chan string, 1024)}
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return r, srv
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	if err != nil {
		w.WriteHeader(400)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if r.fail > 0 {
		r.fail--
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	// 1. signature over the raw body
	if !Verify([]byte(r.secret), body, req.Header.Get("X-Veille-Signature")) {
		r.t.Errorf("bad signature for %s", req.Header.Get("X-Veille-Delivery"))
		w.WriteHeader(401)
		return
	}
	// 2. timestamp recent and equal to the signed sent_at
	ts, err := strconv.ParseInt(req.Header.Get("X-Veille-Timestamp"), 10, 64)
	var p Payload
	if err != nil || json.Unmarshal(body, &p) != nil || p.SentAt.Unix() != ts || time.Since(time.Unix(ts, 0)) > 5*time.Minute {
		r.t.Errorf("bad timestamp %q / sent_at %v", req.Header.Get("X-Veille-Timestamp"), p.SentAt)
		w.WriteHeader(400)
		return
	}
	// 3. dedupe on the delivery id
	key := req.Header.Get("X-Veille-Delivery")
	if key != p.DeliveryID {
		r.t.Errorf("header key %q != body key %q", key, p.DeliveryID)
	}
	r.byKey[key]++
	if r.byKey[key] == 1 {
		r.order = append(r.order, key)
		r.bodies = append(r.bodies, p)
	}
	w.WriteHeader(http.StatusNoContent)
	r.notify <- key
}

func webhookCfg(url string, allowPrivate bool) ChannelConfig {
	c := Config{Channels: []ChannelConfig{{Name: "hook", Type: TypeWebhook, URL: url, Secret: testSecret, AllowPrivate: allowPrivate, Timeout: 2 * time.Second}}}.Resolve(nil)
	return c.Channels[0]
}

func TestWebhookSignedDelivery(t *testing.T) {
	rcv, srv := newReceiver(t, testSecret, 0)
	ch := NewWebhook(webhookCfg(srv.URL+"/hook", true))
	ev := sampleEvent(alert.Opened, 1, 6)
	if err := ch.Send(context.Background(), Message{Key: ev.Key("hook"), Event: ev, Attempt: 1, SentAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	if len(rcv.bodies) != 1 || rcv.bodies[0].Incident.ID != ev.Incident.ID || rcv.bodies[0].Event != alert.Opened ||
		rcv.bodies[0].Schema != SchemaV1 || len(rcv.bodies[0].Incident.Top) != 2 {
		t.Fatalf("received %+v", rcv.bodies)
	}
	// a receiver with the wrong secret rejects it: the signature is real
	if Verify([]byte("another-secret-0000"), []byte(`{}`), Signature([]byte(testSecret), []byte(`{}`))) {
		t.Fatal("signature verified with the wrong secret")
	}
}

func TestWebhookStatusClassification(t *testing.T) {
	for _, c := range []struct {
		code      int
		permanent bool
		retryIn   time.Duration
	}{{400, true, 0}, {404, true, 0}, {302, true, 0}, {500, false, 0}, {503, false, 0}, {429, false, 7 * time.Second}} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			if c.retryIn > 0 {
				w.Header().Set("Retry-After", "7")
			}
			w.Header().Set("Location", "http://169.254.169.254/")
			w.WriteHeader(c.code)
		}))
		ch := NewWebhook(webhookCfg(srv.URL, true))
		ev := sampleEvent(alert.Opened, 1, 6)
		err := ch.Send(context.Background(), Message{Key: "k", Event: ev, Attempt: 1, SentAt: time.Now()})
		srv.Close()
		if err == nil || isPermanent(err) != c.permanent {
			t.Errorf("HTTP %d: err %v, permanent want %v", c.code, err, c.permanent)
		}
		var ra *RetryAfterError
		if c.retryIn > 0 && (!errors.As(err, &ra) || ra.Delay != c.retryIn) {
			t.Errorf("HTTP %d: want retry after %v, got %v", c.code, c.retryIn, err)
		}
	}
}

func TestSSRFGuard(t *testing.T) {
	for _, c := range []struct {
		ip        string
		forbidden bool
	}{
		{"127.0.0.1", true}, {"10.1.2.3", true}, {"172.16.0.1", true}, {"192.168.1.1", true},
		{"169.254.169.254", true}, {"100.64.0.1", true}, {"0.0.0.0", true}, {"::1", true},
		{"fe80::1", true}, {"fd00::1", true}, {"::ffff:127.0.0.1", true}, {"224.0.0.1", true},
		{"93.184.216.34", false}, {"2606:4700::1111", false}, {"1.1.1.1", false},
	} {
		if got := Forbidden(netip.MustParseAddr(c.ip)); got != c.forbidden {
			t.Errorf("Forbidden(%s) = %v", c.ip, got)
		}
	}
	// at dial time: localhost resolves to loopback and is refused
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits++ }))
	defer srv.Close()
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	for _, u := range []string{srv.URL, "http://localhost:" + strconv.Itoa(port)} {
		ch := NewWebhook(webhookCfg(u, false))
		ev := sampleEvent(alert.Opened, 1, 6)
		err := ch.Send(context.Background(), Message{Key: "k", Event: ev, Attempt: 1, SentAt: time.Now()})
		if !errors.Is(err, ErrPermanent) || !strings.Contains(err.Error(), "not a public address") {
			t.Errorf("%s: err = %v, want a permanent refusal", u, err)
		}
	}
	if hits != 0 {
		t.Fatalf("the private target was reached %d times", hits)
	}
}

func TestSlackAndTeamsPayloads(t *testing.T) {
	var got [][]byte
	var hdr []http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = append(got, b)
		hdr = append(hdr, r.Header.Clone())
	}))
	defer srv.Close()
	cfg := Config{Channels: []ChannelConfig{
		{Name: "cm-slack", Type: TypeSlack, URL: srv.URL + "/services/T000/B000/XXXX", AllowPrivate: true},
		{Name: "cm-teams", Type: TypeTeams, URL: srv.URL + "/workflows/abc", AllowPrivate: true},
	}}.Resolve(nil)
	ev := sampleEvent(alert.Escalated, 4, 8)
	for _, c := range []Channel{NewSlack(cfg.Channels[0]), NewTeams(cfg.Channels[1])} {
		if err := c.Send(context.Background(), Message{Key: ev.Key(c.Name()), Event: ev, Attempt: 1, SentAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	var slack struct {
		Text   string `json:"text"`
		Blocks []struct {
			Type string `json:"type"`
			Text *struct {
				Text string `json:"text"`
			} `json:"text"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal(got[0], &slack); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(slack.Text, "Incident aggravé — Duval") || len(slack.Blocks) < 4 || slack.Blocks[0].Type != "header" {
		t.Fatalf("slack payload: %s", got[0])
	}
	if !bytes.Contains(got[0], []byte(`&lt;Duval&gt; &amp; le goût`)) || !bytes.Contains(got[0], []byte(`<https://console.example/incidents/inc-0123456789abcdef0123|Ouvrir dans la console>`)) {
		t.Fatalf("slack escaping / console link: %s", got[0])
	}
	if hdr[0].Get("X-Veille-Delivery") != ev.Key("cm-slack") {
		t.Fatalf("slack idempotency header %q", hdr[0].Get("X-Veille-Delivery"))
	}
	var teams struct {
		Type        string `json:"type"`
		Attachments []struct {
			ContentType string `json:"contentType"`
			Content     struct {
				Type    string           `json:"type"`
				Version string           `json:"version"`
				Body    []map[string]any `json:"body"`
				Actions []map[string]any `json:"actions"`
			} `json:"content"`
		} `json:"attachments"`
	}
	if err := json.Unmarshal(got[1], &teams); err != nil {
		t.Fatal(err)
	}
	a := teams.Attachments
	if teams.Type != "message" || len(a) != 1 || a[0].ContentType != "application/vnd.microsoft.card.adaptive" ||
		a[0].Content.Type != "AdaptiveCard" || len(a[0].Content.Actions) != 1 || a[0].Content.Actions[0]["url"] != ev.Incident.Link {
		t.Fatalf("teams payload: %s", got[1])
	}
}

func TestSecretsNeverLogged(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	// a closed port: connection refused; the URL itself is the Slack secret
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := ln.Addr().String()
	ln.Close()
	slackURL := "http://" + dead + "/services/T0/B0/SLACKTOKEN-abcdef123456"
	srv503 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(503) }))
	defer srv503.Close()
	cfg := Config{Channels: []ChannelConfig{
		{Name: "cm-slack", Type: TypeSlack, URL: slackURL, AllowPrivate: true, Timeout: time.Second},
		{Name: "hook", Type: TypeWebhook, URL: srv503.URL + "/?token=QUERYTOKEN-987654", Secret: testSecret, AllowPrivate: true, Timeout: time.Second},
		{Name: "blocked", Type: TypeTeams, URL: "http://" + dead + "/workflows/TEAMSTOKEN-777", Timeout: time.Second},
	}}.Resolve(nil)
	chans, err := Build(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	ev := sampleEvent(alert.Opened, 1, 6)
	var errs []string
	for _, cc := range cfg.Channels {
		err := chans[cc.Name].Send(context.Background(), Message{Key: ev.Key(cc.Name), Event: ev, Attempt: 1, SentAt: time.Now()})
		if err == nil {
			t.Fatalf("%s: expected a failure", cc.Name)
		}
		errs = append(errs, err.Error())
		log.Error("delivery failed", "channel", cc, "err", err)
	}
	// bad config errors must not quote secrets either
	bad := Config{Channels: []ChannelConfig{{Name: "hook", Type: TypeWebhook, URL: "ftp://x/SLACKTOKEN-abcdef123456", Secret: "short"}}}.Resolve(nil)
	errs = append(errs, bad.Validate().Error())
	all := logs.String() + strings.Join(errs, "\n") + slog.AnyValue(cfg.Channels[1]).String()
	for _, s := range []string{"SLACKTOKEN", "QUERYTOKEN", "TEAMSTOKEN", testSecret, "/services/"} {
		if strings.Contains(all, s) {
			t.Errorf("secret %q leaked:\n%s", s, all)
		}
	}
	if !strings.Contains(all, "connection refused") || !strings.Contains(all, "HTTP 503") || !strings.Contains(all, "not a public address") {
		t.Fatalf("errors lost their useful part:\n%s", all)
	}
}

func TestConfigAndRouting(t *testing.T) {
	const doc = `
channels:
  - name: cm-slack
    type: slack
    url_env: SLACK_URL
  - name: ops-mail
    type: email
    smtp_host: smtp.example.org
    username: veille
    password_env: SMTP_PASSWORD
    from: veille@example.org
    to: [ops@example.org]
  - name: partner-hook
    type: webhook
    url: https://hooks.partner.example/veille
    secret_env: HOOK_SECRET
    rate_per_minute: 10
  - name: bus
    type: nats
routes:
  - brands: [Duval]
    min_severity: 5
    channels: [cm-slack, ops-mail]
  - min_severity: 8
    channels: [partner-hook]
  - channels: [bus]
`
	var c Config
	if err := yaml.Unmarshal([]byte(doc), &c); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"SLACK_URL": "https://hooks.slack.com/services/T/B/x", "SMTP_PASSWORD": "pw", "HOOK_SECRET": "0123456789abcdef0123"}
	c = c.Resolve(func(k string) string { return env[k] })
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Channels[1].SMTPPort != 587 || c.Channels[2].RatePerMinute != 10 || c.Channels[3].SubjectPrefix != "alerts" {
		t.Fatalf("defaults: %+v", c.Channels)
	}
	r := NewRouter(c.Routes)
	ev := sampleEvent(alert.Opened, 1, 4)
	if got := strings.Join(r.Channels(ev), ","); got != "bus" {
		t.Fatalf("sev 4: %s", got)
	}
	ev.Incident.Severity = 6
	ev.Incident.Brand = "duval "
	if got := strings.Join(r.Channels(ev), ","); got != "bus,cm-slack,ops-mail" {
		t.Fatalf("sev 6 Duval: %s", got)
	}
	ev.Incident.Brand = "Autre"
	ev.Incident.Severity = 9
	if got := strings.Join(r.Channels(ev), ","); got != "bus,partner-hook" {
		t.Fatalf("sev 9 Autre: %s", got)
	}
	for _, bad := range []struct {
		mutate func(*Config)
		key    string
	}{
		{func(c *Config) { c.Channels[0].Name = "CM Slack" }, "channels[0].name"},
		{func(c *Config) { c.Channels[2].Secret = "short" }, "channels.partner-hook.secret"},
		{func(c *Config) { c.Channels[1].To = nil }, "channels.ops-mail.to"},
		{func(c *Config) { c.Channels[0].Type = "pigeon" }, "channels.cm-slack.type"},
		{func(c *Config) { c.Routes[0].Channels = []string{"nope"} }, "routes[0].channels[0]"},
		{func(c *Config) { c.Routes[1].MinSeverity = 11 }, "routes[1].min_severity"},
		{func(c *Config) { c.Channels[1].InsecurePlaintext = true }, "channels.ops-mail.username"},
	} {
		cc := c
		cc.Channels = append([]ChannelConfig(nil), c.Channels...)
		cc.Routes = append([]Route(nil), c.Routes...)
		for i := range cc.Routes {
			cc.Routes[i].Channels = append([]string(nil), c.Routes[i].Channels...)
		}
		bad.mutate(&cc)
		err := cc.Validate()
		if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), bad.key) {
			t.Errorf("want error naming %s, got %v", bad.key, err)
		}
	}
}
