package deliver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/veille-oss/veille/pkg/alert"
)

// SchemaV1 names the webhook body layout.
const SchemaV1 = "veille.alert.v1"

// Payload is the JSON body of webhooks and NATS messages.
type Payload struct {
	Schema     string         `json:"schema"`
	DeliveryID string         `json:"delivery_id"`
	SentAt     time.Time      `json:"sent_at"`
	Event      alert.Kind     `json:"event"`
	Incident   alert.Incident `json:"incident"`
}

func payload(m Message) ([]byte, error) {
	return marshal(Payload{Schema: SchemaV1, DeliveryID: m.Key, SentAt: m.SentAt.UTC().Truncate(time.Second),
		Event: m.Event.Kind, Incident: m.Event.Incident})
}

var kindFR = map[alert.Kind]string{
	alert.Opened:    "Nouvel incident",
	alert.Updated:   "Incident mis à jour",
	alert.Escalated: "Incident aggravé",
	alert.Resolved:  "Incident résolu",
}

var causeFR = map[string]string{
	alert.CauseVolume:     "pic de mentions négatives",
	alert.CauseSentiment:  "chute du sentiment",
	alert.CauseInfluencer: "critique d'un influenceur",
	alert.CauseToxic:      "contenu toxique",
	alert.CauseCrisis:     "vocabulaire de crise",
	alert.CauseCampaign:   "campagne coordonnée",
}

// title is the one-line summary used as subject, Slack text and card title.
func title(ev alert.Event) string {
	inc := ev.Incident
	c := causeFR[inc.Cause]
	if c == "" {
		c = inc.Cause
	}
	return fmt.Sprintf("[veille] %s — %s : %s (gravité %d/10)", kindFR[ev.Kind], inc.Brand, c, inc.Severity)
}

func countsLine(c alert.Counts) string {
	return fmt.Sprintf("%d mentions : %d négatives, %d neutres, %d positives ; %d influenceurs, %d toxiques",
		c.Total, c.Neg, c.Neu, c.Pos, c.Influencer, c.Toxic)
}

// slackEscape escapes Slack mrkdwn control characters.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func slackBody(ev alert.Event) ([]byte, error) {
	inc := ev.Incident
	type text struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	type block struct {
		Type     string `json:"type"`
		Text     *text  `json:"text,omitempty"`
		Fields   []text `json:"fields,omitempty"`
		Elements []text `json:"elements,omitempty"`
	}
	head := title(ev)
	blocks := []block{
		{Type: "header", Text: &text{Type: "plain_text", Text: truncate(head, 150)}},
		{Type: "section", Text: &text{Type: "mrkdwn", Text: slackEscape(inc.Detail)}},
		{Type: "section", Fields: []text{
			{Type: "mrkdwn", Text: "*Marque*\n" + slackEscape(inc.Brand)},
			{Type: "mrkdwn", Text: fmt.Sprintf("*Gravité*\n%d/10", inc.Severity)},
			{Type: "mrkdwn", Text: "*Mentions*\n" + slackEscape(countsLine(inc.Counts))},
			{Type: "mrkdwn", Text: "*Ouvert*\n" + inc.OpenedAt.UTC().Format("2006-01-02 15:04:05 UTC")},
		}},
	}
	var tops []string
	for i, t := range inc.Top {
		if i == 5 {
			break
		}
		tops = append(tops, fmt.Sprintf("• <%s|%s> (%s) : %s", slackEscape(t.URL), slackEscape(orDash(t.Author)), t.Sentiment, slackEscape(t.Snippet)))
	}
	if len(tops) > 0 {
		blocks = append(blocks, block{Type: "section", Text: &text{Type: "mrkdwn", Text: truncate(strings.Join(tops, "\n"), 2900)}})
	}
	if inc.Link != "" {
		blocks = append(blocks, block{Type: "context", Elements: []text{{Type: "mrkdwn", Text: "<" + slackEscape(inc.Link) + "|Ouvrir dans la console> · " + inc.ID}}})
	}
	return marshal(map[string]any{"text": head, "blocks": blocks})
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// teamsBody is an Adaptive Card in a message envelope, the format Teams
// Workflows (and the legacy incoming webhooks) accept.
func teamsBody(ev alert.Event) ([]byte, error) {
	inc := ev.Incident
	body := []any{
		map[string]any{"type": "TextBlock", "size": "Large", "weight": "Bolder", "wrap": true, "text": title(ev),
			"color": map[bool]string{true: "Attention", false: "Warning"}[inc.Severity >= 7]},
		map[string]any{"type": "TextBlock", "wrap": true, "text": inc.Detail},
		map[string]any{"type": "FactSet", "facts": []map[string]string{
			{"title": "Marque", "value": inc.Brand},
			{"title": "Gravité", "value": fmt.Sprintf("%d/10", inc.Severity)},
			{"title": "Mentions", "value": countsLine(inc.Counts)},
			{"title": "Ouvert", "value": inc.OpenedAt.UTC().Format("2006-01-02 15:04:05 UTC")},
			{"title": "Incident", "value": inc.ID},
		}},
	}
	for i, t := range inc.Top {
		if i == 5 {
			break
		}
		body = append(body, map[string]any{"type": "TextBlock", "wrap": true, "spacing": "Small",
			"text": fmt.Sprintf("[%s](%s) (%s) : %s", orDash(t.Author), t.URL, t.Sentiment, t.Snippet)})
	}
	card := map[string]any{
		"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
		"type":    "AdaptiveCard",
		"version": "1.4",
		"body":    body,
	}
	if inc.Link != "" {
		card["actions"] = []any{map[string]any{"type": "Action.OpenUrl", "title": "Ouvrir dans la console", "url": inc.Link}}
	}
	return marshal(map[string]any{
		"type": "message",
		"attachments": []any{map[string]any{
			"contentType": "application/vnd.microsoft.card.adaptive",
			"content":     card,
		}},
	})
}

func plainText(ev alert.Event) string {
	inc := ev.Incident
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n%s\n%s\n", title(ev), inc.Detail, countsLine(inc.Counts))
	fmt.Fprintf(&b, "Ouvert : %s — Incident : %s\n", inc.OpenedAt.UTC().Format("2006-01-02 15:04:05 UTC"), inc.ID)
	if inc.Link != "" {
		fmt.Fprintf(&b, "Console : %s\n", inc.Link)
	}
	if len(inc.Top) > 0 {
		b.WriteString("\nMentions principales :\n")
	}
	for _, t := range inc.Top {
		fmt.Fprintf(&b, "- %s (%s, %s)\n  %s\n", t.Snippet, orDash(t.Author), t.Sentiment, t.URL)
	}
	return b.String()
}

var htmlTmpl = template.Must(template.New("mail").Parse(`<!doctype html>
<html lang="fr"><body style="font-family:sans-serif">
<h2>{{.Title}}</h2>
<p>{{.Inc.Detail}}</p>
<p>{{.Counts}}</p>
<p>Ouvert : {{.Opened}} — Incident : <code>{{.Inc.ID}}</code></p>
{{if .Inc.Link}}<p><a href="{{.Inc.Link}}">Ouvrir dans la console</a></p>{{end}}
{{if .Inc.Top}}<h3>Mentions principales</h3><ul>
{{range .Inc.Top}}<li><a href="{{.URL}}">{{if .Author}}{{.Author}}{{else}}—{{end}}</a> ({{.Sentiment}}) : {{.Snippet}}</li>
{{end}}</ul>{{end}}
</body></html>
`))

func htmlText(ev alert.Event) (string, error) {
	var b bytes.Buffer
	err := htmlTmpl.Execute(&b, map[string]any{
		"Title": title(ev), "Inc": ev.Incident, "Counts": countsLine(ev.Incident.Counts),
		"Opened": ev.Incident.OpenedAt.UTC().Format("2006-01-02 15:04:05 UTC"),
	})
	return b.String(), err
}

// marshal encodes JSON without HTML escaping: these bodies go to chat
// APIs, not into HTML, and "<url|text>" is Slack's link syntax.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}
