package reports

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/veille-oss/veille/pkg/alert"
	"github.com/veille-oss/veille/pkg/store/analytics"
)

//go:embed report.html.tmpl
var pageTemplate string

// RenderHTML writes the report as one self-contained HTML page (inline CSS
// and SVG, no script, no external resource).
func RenderHTML(w io.Writer, d *Data) error {
	l := localeFor(d.Lang)
	funcs := template.FuncMap{
		"t":      func(key string) string { return l.msg(key) },
		"num":    l.num,
		"pct":    l.pct,
		"signed": l.signed,
		"share":  func(part, total uint64) string { return l.pct(ratio(part, total)) },
		// width is a CSS percentage: always a decimal point.
		"width": func(part, total uint64) template.CSS {
			return template.CSS(strconv.FormatFloat(ratio(part, total), 'f', 1, 64) + "%")
		},
		"date":     func(t time.Time) string { return l.date(t.In(d.Location)) },
		"stamp":    func(t time.Time) string { return l.stamp(t.In(d.Location)) },
		"senti":    func(s string) string { return l.msg("senti." + s) },
		"kind":     func(s string) string { return l.msg("kind." + s) },
		"status":   func(s string) string { return l.msg("status." + s) },
		"delta":    l.delta,
		"incTitle": func(rule, brand string) string { return alert.IncidentTitle(l.code, rule, brand) },
		"sevText":  func(sev uint8) string { return alert.SeverityText(l.code, int(sev)) },
		"detail":   func(d string) string { return alert.DetailText(l.code, d) },
		"handling": func(id string) analytics.Handling { return d.Handling[id] },
		"netClass": func(v float64) string {
			switch {
			case v > 5:
				return "pos"
			case v < -5:
				return "neg"
			}
			return "neu"
		},
	}
	t, err := template.New("report").Funcs(funcs).Parse(pageTemplate)
	if err != nil {
		return fmt.Errorf("report template: %w", err)
	}
	view := struct {
		*Data
		Lang    string
		Title   string
		Span    string
		Chart   chart
		IsDaily bool
		Zone    string
	}{Data: d, Lang: l.code, Title: l.msg("title") + " — " + d.Brand, Span: l.span(d.From.In(d.Location), d.To.In(d.Location), d.Period),
		Chart: buildChart(d, l), IsDaily: d.Period <= 24*time.Hour, Zone: zoneLabel(d.Location, d.To)}
	return t.Execute(w, view)
}

func ratio(part, total uint64) float64 {
	if total == 0 {
		return 0
	}
	return math.Round(float64(part)/float64(total)*1000) / 10
}

type locale struct {
	code     string
	messages map[string]string
	months   []string
	decimal  string
	thousand string
}

func localeFor(lang string) locale {
	if lang == LangEN {
		return locale{code: "en", messages: messagesEN, months: monthsEN, decimal: ".", thousand: ","}
	}
	// French typography: decimal comma, a no-break space between thousands
	// and before %.
	return locale{code: "fr", messages: messagesFR, months: monthsFR, decimal: ",", thousand: "\u00a0"}
}

func (l locale) msg(key string) string {
	if s, ok := l.messages[key]; ok {
		return s
	}
	return key
}

func (l locale) num(v any) string {
	var n uint64
	switch x := v.(type) {
	case uint64:
		n = x
	case uint32:
		n = uint64(x)
	case int:
		if x < 0 {
			return "-" + l.num(-x)
		}
		n = uint64(x)
	case float64:
		return l.dec(x)
	default:
		return fmt.Sprint(v)
	}
	s := strconv.FormatUint(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(l.thousand)
		}
		b.WriteRune(c)
	}
	return b.String()
}

// dec formats with at most one decimal.
func (l locale) dec(v float64) string {
	s := strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
	return strings.Replace(s, ".", l.decimal, 1)
}

func (l locale) pct(v float64) string {
	if l.code == "fr" {
		return l.dec(v) + "\u00a0%"
	}
	return l.dec(v) + "%"
}

// signed shows the net sentiment with its sign: +12,5 or -40.
func (l locale) signed(v float64) string {
	if v > 0 {
		return "+" + l.dec(v)
	}
	return l.dec(v)
}

// delta compares a count with the previous period's.
func (l locale) delta(now, before uint64) string {
	if before == 0 {
		if now == 0 {
			return "="
		}
		return l.msg("new")
	}
	p := (float64(now) - float64(before)) / float64(before) * 100
	return l.signed(math.Round(p*10)/10) + map[string]string{"fr": "\u00a0%", "en": "%"}[l.code]
}

func (l locale) date(t time.Time) string {
	if l.code == "fr" {
		return fmt.Sprintf("%d %s %d", t.Day(), l.months[t.Month()-1], t.Year())
	}
	return fmt.Sprintf("%d %s %d", t.Day(), l.months[t.Month()-1], t.Year())
}

func (l locale) stamp(t time.Time) string {
	if l.code == "fr" {
		return fmt.Sprintf("%s à %02dh%02d", l.date(t), t.Hour(), t.Minute())
	}
	return fmt.Sprintf("%s at %02d:%02d", l.date(t), t.Hour(), t.Minute())
}

// span describes the period: a whole day, a range of days, or hours.
func (l locale) span(from, to time.Time, period time.Duration) string {
	midnight := from.Hour() == 0 && from.Minute() == 0 && to.Hour() == 0 && to.Minute() == 0
	days := int(period / (24 * time.Hour))
	switch {
	case midnight && period == 24*time.Hour:
		return l.date(from)
	case midnight && period%(24*time.Hour) == 0:
		last := to.Add(-time.Second)
		if l.code == "fr" {
			return fmt.Sprintf("du %s au %s (%d jours)", l.date(from), l.date(last), days)
		}
		return fmt.Sprintf("%s to %s (%d days)", l.date(from), l.date(last), days)
	default:
		if l.code == "fr" {
			return fmt.Sprintf("du %s au %s", l.stamp(from), l.stamp(to))
		}
		return fmt.Sprintf("%s to %s", l.stamp(from), l.stamp(to))
	}
}

var (
	monthsFR = []string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"}
	monthsEN = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
)

var messagesFR = map[string]string{
	"title": "Rapport de veille", "daily": "Rapport quotidien", "periodic": "Rapport de période", "group": "Groupe",
	"mentions": "Mentions", "reach": "Audience potentielle", "reach.note": "somme des abonnés affichés des auteurs distincts",
	"net": "Tonalité nette", "net.note": "(positives − négatives) / total", "authors": "Auteurs distincts", "author": "Auteur", "toxic": "Mentions toxiques",
	"incidents": "Incidents", "vs": "vs période précédente", "new": "nouveau",
	"sentiment": "Tonalité", "senti.neg": "négatif", "senti.neu": "neutre", "senti.pos": "positif", "senti.": "non analysé",
	"volume": "Volume par tonalité", "share": "Part de voix", "brand": "Marque", "share.col": "Part", "share.alone": "Cette marque n'a pas de concurrent déclaré dans son groupe.",
	"top": "Mentions les plus visibles", "influencers": "Influenceurs", "influence": "Influence", "followers": "Abonnés",
	"sources": "Sources", "source": "Source", "kind": "Type", "kind.web": "web", "kind.rss": "flux RSS", "kind.forum": "forum", "kind.bluesky": "Bluesky", "kind.mastodon": "Mastodon", "kind.reddit": "Reddit", "kind.youtube": "YouTube", "kind.facebook": "Facebook", "kind.instagram": "Instagram", "kind.x": "X",
	"languages": "Langues", "lang": "Langue", "words": "Mots porteurs de tonalité", "word": "Mot", "terms": "Termes détectés", "term": "Terme",
	"incident": "Incident", "severity": "Gravité", "status": "Statut", "opened": "Ouvert", "status.open": "ouvert", "status.acknowledged": "pris en charge", "status.resolved": "résolu",
	"no.incident": "Aucun incident sur la période.", "no.influencer": "Aucun influenceur n'a parlé de la marque sur la période.", "no.mention": "Aucune mention sur la période.",
	"likes": "j'aime", "replies": "réponses", "by": "par", "generated": "généré par veille le", "neg": "nég.", "pos": "pos.", "count": "Nb",
	"zone": "Heures locales :", "mentions.lc": "mentions", "neg.pl": "négatives", "assignee": "Responsable", "nobody": "personne", "resolved.auto": "calme revenu",
	"follows": "fait suite à un incident résolu, la crise ayant repris", "followed": "la crise a repris après sa résolution : nouvel incident",
}

var messagesEN = map[string]string{
	"title": "Brand monitoring report", "daily": "Daily report", "periodic": "Period report", "group": "Group",
	"mentions": "Mentions", "reach": "Potential reach", "reach.note": "sum of the followers shown for distinct authors",
	"net": "Net sentiment", "net.note": "(positive − negative) / total", "authors": "Distinct authors", "author": "Author", "toxic": "Toxic mentions",
	"incidents": "Incidents", "vs": "vs previous period", "new": "new",
	"sentiment": "Sentiment", "senti.neg": "negative", "senti.neu": "neutral", "senti.pos": "positive", "senti.": "not analysed",
	"volume": "Volume by sentiment", "share": "Share of voice", "brand": "Brand", "share.col": "Share", "share.alone": "This brand has no declared competitor in its group.",
	"top": "Most visible mentions", "influencers": "Influencers", "influence": "Influence", "followers": "Followers",
	"sources": "Sources", "source": "Source", "kind": "Kind", "kind.web": "web", "kind.rss": "RSS feed", "kind.forum": "forum", "kind.bluesky": "Bluesky", "kind.mastodon": "Mastodon", "kind.reddit": "Reddit", "kind.youtube": "YouTube", "kind.facebook": "Facebook", "kind.instagram": "Instagram", "kind.x": "X",
	"languages": "Languages", "lang": "Language", "words": "Sentiment words", "word": "Word", "terms": "Matched terms", "term": "Term",
	"incident": "Incident", "severity": "Severity", "status": "Status", "opened": "Opened", "status.open": "open", "status.acknowledged": "acknowledged", "status.resolved": "resolved",
	"no.incident": "No incident in the period.", "no.influencer": "No influencer mentioned the brand in the period.", "no.mention": "No mention in the period.",
	"likes": "likes", "replies": "replies", "by": "by", "generated": "generated by veille on", "neg": "neg.", "pos": "pos.", "count": "Count",
	"zone": "Local times:", "mentions.lc": "mentions", "neg.pl": "negative", "assignee": "Assignee", "nobody": "nobody", "resolved.auto": "quiet again",
	"follows": "follows a resolved incident, the crisis having grown again", "followed": "the crisis grew again after its resolution: new incident",
}

// chart is the volume series as stacked SVG bars (negative at the bottom).
type chart struct {
	Width, Height, Top float64
	Bars               []bar
	Ticks              []tick
	Max                uint64
	MaxLabel           string
}

type bar struct {
	X, W  float64
	Segs  []seg
	Title string
}

type seg struct {
	Y, H  float64
	Class string
}

type tick struct {
	X     float64
	Label string
}

func buildChart(d *Data, l locale) chart {
	c := chart{Width: 700, Height: 180, Top: 12}
	pts := d.Volume.Points
	if len(pts) == 0 {
		return c
	}
	for _, p := range pts {
		c.Max = max(c.Max, p.Total)
	}
	c.MaxLabel = l.num(c.Max)
	plot := c.Height - 22 - c.Top
	slot := c.Width / float64(len(pts))
	every := max(1, len(pts)/8)
	for i, p := range pts {
		b := bar{X: float64(i)*slot + slot*0.1, W: slot * 0.8}
		y := c.Top + plot
		other := p.Total - p.Neg - p.Neu - p.Pos
		for _, s := range []struct {
			n     uint64
			class string
		}{{p.Neg, "neg"}, {p.Neu, "neu"}, {p.Pos, "pos"}, {other, "und"}} {
			if s.n == 0 || c.Max == 0 {
				continue
			}
			h := plot * float64(s.n) / float64(c.Max)
			y -= h
			b.Segs = append(b.Segs, seg{Y: y, H: h, Class: s.class})
		}
		t := p.Start.In(d.Location)
		label := fmt.Sprintf("%02dh", t.Hour())
		if d.Volume.Step >= 24*time.Hour {
			label = fmt.Sprintf("%02d/%02d", t.Day(), t.Month())
			if l.code == "en" {
				label = fmt.Sprintf("%02d/%02d", t.Month(), t.Day())
			}
		}
		b.Title = fmt.Sprintf("%s: %s", label, l.num(p.Total))
		c.Bars = append(c.Bars, b)
		if i%every == 0 {
			c.Ticks = append(c.Ticks, tick{X: b.X + b.W/2, Label: label})
		}
	}
	return c
}
