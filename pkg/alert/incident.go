package alert

import (
	"math"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/veille-oss/veille/pkg/platform/mention"
)

// Kind is what happened to an incident.
type Kind string

// Event kinds.
const (
	Opened    Kind = "opened"
	Updated   Kind = "updated"   // new counts / top mentions, throttled
	Escalated Kind = "escalated" // severity rose; never throttled
	Resolved  Kind = "resolved"
)

// Event is one thing to tell people about an incident. Incident is a copy.
type Event struct {
	Kind     Kind     `json:"kind"`
	Incident Incident `json:"incident"`
}

// Key is the idempotency key of the event on a channel:
// <incident_id>:<seq>:<channel>.
func (e Event) Key(channel string) string {
	return e.Incident.ID + ":" + itoa(e.Incident.Seq) + ":" + channel
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// Counts are the mentions an incident gathered, by class. A mention can be
// both influencer and toxic; neg+neu+pos == total.
type Counts struct {
	Total      int `json:"total"`
	Neg        int `json:"neg"`
	Neu        int `json:"neu"`
	Pos        int `json:"pos"`
	Influencer int `json:"influencer"`
	Toxic      int `json:"toxic"`
}

func (c *Counts) add(m *mention.Mention) {
	c.Total++
	switch label(m) {
	case "neg":
		c.Neg++
	case "pos":
		c.Pos++
	default:
		c.Neu++
	}
	if isInfluencer(m) {
		c.Influencer++
	}
	if isToxic(m) {
		c.Toxic++
	}
}

// TopMention is one mention shown with an incident.
type TopMention struct {
	ID          string    `json:"id"`
	URL         string    `json:"url"`
	Author      string    `json:"author,omitempty"`
	Snippet     string    `json:"snippet"`
	Sentiment   string    `json:"sentiment"`
	Score       float64   `json:"score"`
	Influence   float64   `json:"influence"`
	Influencer  bool      `json:"influencer,omitempty"`
	Toxic       bool      `json:"toxic,omitempty"`
	Terms       []string  `json:"terms,omitempty"` // crisis terms found
	PublishedAt time.Time `json:"published_at,omitzero"`
	// Rank orders top mentions: influence first, then negativity; see rank().
	Rank float64 `json:"rank"`
}

// MaxTop is how many top mentions an incident keeps.
const MaxTop = 10

// MaxSnippet is the snippet length in characters.
const MaxSnippet = 280

// Incident is the state of one alert for one (brand, cause).
type Incident struct {
	ID         string       `json:"incident_id"`
	Brand      string       `json:"brand"`
	Cause      string       `json:"rule"`
	Severity   int          `json:"severity"`
	Seq        int          `json:"seq"` // event number, 1 for opened
	OpenedAt   time.Time    `json:"opened_at"`
	UpdatedAt  time.Time    `json:"updated_at"`
	ResolvedAt time.Time    `json:"resolved_at,omitzero"`
	Window     Window       `json:"window"`
	Counts     Counts       `json:"counts"`
	Top        []TopMention `json:"top_mentions"`
	Reopens    int          `json:"reopens,omitempty"`
	// Detail explains the detector's reading, e.g. "42 negative in 5m0s,
	// expected 1.3".
	Detail string `json:"detail"`
	// Strength is the detector's peak strength in [0, 1], an input of Severity.
	Strength float64 `json:"strength"`
	// Expected is the baseline's expected negative count in the window at
	// the peak (volume / sentiment causes).
	Expected float64 `json:"expected,omitempty"`
	// Peak is the highest negative count seen in one window.
	Peak int    `json:"peak,omitempty"`
	Link string `json:"link,omitempty"`
	// ResolvedBy is the person who resolved the incident (empty when the
	// detector did, after resolve_after of quiet).
	ResolvedBy string `json:"resolved_by,omitempty"`
	// Previous is the incident a person resolved before the crisis grew
	// again and this one opened; Regrowth says by how much.
	Previous string    `json:"previous_incident,omitempty"`
	Regrowth *Regrowth `json:"regrowth,omitempty"`
}

// Window is the detection window of the incident.
type Window struct {
	Start    time.Time     `json:"start"`
	End      time.Time     `json:"end"`
	Duration time.Duration `json:"duration_ns"`
}

// Open reports whether the incident is not resolved.
func (i *Incident) Open() bool { return i.ResolvedAt.IsZero() }

// baseSeverity is the starting severity of each cause (see README).
var baseSeverity = map[string]float64{
	CauseVolume:     3,
	CauseSentiment:  3,
	CauseInfluencer: 3,
	CauseToxic:      2,
	CauseCrisis:     4,
	CauseCampaign:   4,
}

// severity computes the 1..10 severity:
//
//	base(cause) + 3·strength + min(2, log10(1+total)/1.5)
//	+ min(2, influencers) + (1 if toxic ≥ 20% of total)
//
// rounded down and clamped to [1, 10]. Every input only grows during an
// incident, so severity never falls and escalations are real.
func severity(cause string, strength float64, c Counts) int {
	s := baseSeverity[cause] + 3*math.Min(1, math.Max(0, strength))
	s += math.Min(2, math.Log10(1+float64(c.Total))/1.5)
	s += math.Min(2, float64(c.Influencer))
	if c.Total > 0 && float64(c.Toxic) >= 0.2*float64(c.Total) {
		s++
	}
	return int(math.Max(1, math.Min(10, math.Floor(s))))
}

func label(m *mention.Mention) string {
	if m.Enrichment == nil {
		return "neu"
	}
	return m.Enrichment.Sentiment.Label
}

func isInfluencer(m *mention.Mention) bool {
	return m.Enrichment != nil && m.Enrichment.IsInfluencer
}

func isToxic(m *mention.Mention) bool {
	return m.Enrichment != nil && (m.Enrichment.Toxic || len(m.Enrichment.Toxicity) > 0)
}

// rank orders mentions for the top list: influence score (0..100), plus 50
// for full negativity, 25 for an influencer, 10 for toxic content.
func rank(m *mention.Mention) float64 {
	e := m.Enrichment
	if e == nil {
		return 0
	}
	neg := math.Max(0, -e.Sentiment.Score)
	if e.Sentiment.Label == "neg" && neg == 0 {
		neg = 0.5
	}
	r := e.InfluenceScore + 50*neg
	if e.IsInfluencer {
		r += 25
	}
	if isToxic(m) {
		r += 10
	}
	return r
}

func topOf(m *mention.Mention, terms []string) TopMention {
	t := TopMention{
		ID:          m.ID,
		URL:         m.URL,
		Author:      m.Author.Name,
		Snippet:     snippet(m.Text, m.Title),
		Sentiment:   label(m),
		Influencer:  isInfluencer(m),
		Toxic:       isToxic(m),
		Terms:       terms,
		PublishedAt: m.PublishedAt,
		Rank:        rank(m),
	}
	if m.Enrichment != nil {
		t.Score = m.Enrichment.Sentiment.Score
		t.Influence = m.Enrichment.InfluenceScore
	}
	return t
}

// pushTop inserts t into top (sorted by rank, descending), bounded by MaxTop
// and unique by mention id. It reports whether the list changed.
func pushTop(top []TopMention, t TopMention) ([]TopMention, bool) {
	for _, x := range top {
		if x.ID == t.ID {
			return top, false
		}
	}
	if len(top) >= MaxTop && t.Rank <= top[len(top)-1].Rank {
		return top, false
	}
	i, _ := slices.BinarySearchFunc(top, t.Rank, func(x TopMention, r float64) int {
		// descending: x before r when x.Rank >= r
		if x.Rank >= r {
			return -1
		}
		return 1
	})
	top = slices.Insert(top, i, t)
	if len(top) > MaxTop {
		top = top[:MaxTop]
	}
	return top, true
}

// snippet collapses whitespace and cuts text to MaxSnippet characters,
// ending a cut text with "…". It reads no more of the text than it needs.
func snippet(text, title string) string {
	if strings.TrimSpace(text) == "" {
		text = title
	}
	var b strings.Builder
	b.Grow(min(len(text), utf8.UTFMax*MaxSnippet)) // one allocation, not a doubling series
	n, space := 0, false
	for _, r := range text {
		if unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			n++
			space = false
		}
		if n >= MaxSnippet-1 {
			// the 280th character and more follow: mark the cut
			s := b.String()
			return strings.TrimRight(s, " ") + "…"
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}
