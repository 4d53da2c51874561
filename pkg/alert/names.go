package alert

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ruleNames are the rules as people call them (console, reports, French first).
var ruleNames = map[string]map[string]string{
	"fr": {CauseVolume: "Pic de volume négatif", CauseSentiment: "Chute du sentiment", CauseInfluencer: "Critique d'un influenceur",
		CauseToxic: "Contenus toxiques", CauseCrisis: "Vocabulaire de crise", CauseCampaign: "Campagne coordonnée"},
	"en": {CauseVolume: "Negative volume spike", CauseSentiment: "Sentiment drop", CauseInfluencer: "Influencer criticism",
		CauseToxic: "Toxic content", CauseCrisis: "Crisis vocabulary", CauseCampaign: "Coordinated campaign"},
}

// RuleName is the human name of a rule in lang (fr or en; French for
// another language), or the rule id when it is not one of ours.
func RuleName(lang, rule string) string {
	names, ok := ruleNames[lang]
	if !ok {
		names = ruleNames["fr"]
	}
	if n, ok := names[rule]; ok {
		return n
	}
	return rule
}

// IncidentTitle is "<rule name> — <brand>", e.g. "Pic de volume négatif — Duval".
func IncidentTitle(lang, rule, brand string) string { return RuleName(lang, rule) + " — " + brand }

// SeverityLevel maps the 1–10 severity to the four levels people read at a
// glance: 1–3 low, 4–5 moderate, 6–7 high, 8–10 critical.
func SeverityLevel(sev int) int {
	switch {
	case sev >= 8:
		return 4
	case sev >= 6:
		return 3
	case sev >= 4:
		return 2
	}
	return 1
}

var severityWords = map[string][4]string{
	"fr": {"faible", "modérée", "élevée", "critique"},
	"en": {"low", "moderate", "high", "critical"},
}

// SeverityText is "sévérité 3/4 — élevée" (or "severity 3/4 — high").
func SeverityText(lang string, sev int) string {
	l := SeverityLevel(sev)
	if lang == "en" {
		return fmt.Sprintf("severity %d/4 — %s", l, severityWords["en"][l-1])
	}
	return fmt.Sprintf("sévérité %d/4 — %s", l, severityWords["fr"][l-1])
}

// DurationText writes a detection window as people say it: "5 min",
// "10 s", "1 h 30 min".
func DurationText(d time.Duration) string {
	switch {
	case d <= 0:
		return "0 s"
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d/time.Second))
	case d < time.Hour:
		if d%time.Minute != 0 {
			return fmt.Sprintf("%d min %d s", int(d/time.Minute), int(d%time.Minute/time.Second))
		}
		return fmt.Sprintf("%d min", int(d/time.Minute))
	}
	if d%time.Hour != 0 {
		return fmt.Sprintf("%d h %d min", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
	return fmt.Sprintf("%d h", int(d/time.Hour))
}

// detailPatterns are the detector readings pkg/alert writes (English, for
// logs and webhooks) and their French wording.
var detailPatterns = []struct {
	re *regexp.Regexp
	fr string
}{
	{regexp.MustCompile(`^(\d+) negative mentions in (\S+) \(baseline still learning, cold threshold (\d+)\)$`),
		"{1} mentions négatives en {2} (référence encore en apprentissage : seuil de départ {3})"},
	{regexp.MustCompile(`^(\d+) negative mentions in (\S+), baseline expects ([\d.]+) \(z=([-\d.]+)\)$`),
		"{1} mentions négatives en {2}, alors que {3} sont attendues d'habitude (écart z = {4})"},
	{regexp.MustCompile(`^negative share (\d+)% in (\S+) vs (\d+)% usual; net sentiment drop ([-\d.]+)$`),
		"part des mentions négatives : {1} % en {2}, contre {3} % d'habitude ; sentiment net en baisse de {4}"},
	{regexp.MustCompile(`^negative mention by influencer "(.*)" \(influence (\d+)\)$`),
		"mention négative de l'influenceur « {1} » (influence {2})"},
	{regexp.MustCompile(`^(\d+) toxic mentions in (\S+)$`),
		"{1} mentions toxiques en {2}"},
	{regexp.MustCompile(`^(\d+) mentions with crisis terms in (\S+) \((.*)\)$`),
		"{1} mentions avec des termes de crise en {2} ({3})"},
}

var decimalRe = regexp.MustCompile(`^-?\d+\.\d+$`)

// DetailText words the detector's reading in lang: French readings are
// rebuilt from the English ones (durations spelt out, decimal commas);
// an unknown reading is shown as it is.
func DetailText(lang, detail string) string {
	if lang != "fr" {
		return detail
	}
	for _, p := range detailPatterns {
		m := p.re.FindStringSubmatch(detail)
		if m == nil {
			continue
		}
		out := p.fr
		for i := 1; i < len(m); i++ {
			v := m[i]
			if d, err := time.ParseDuration(v); err == nil && strings.ContainsAny(v, "hms") {
				v = DurationText(d)
			} else if decimalRe.MatchString(v) {
				v = strings.Replace(v, ".", ",", 1)
				if strings.HasPrefix(v, "-") {
					v = "−" + v[1:]
				}
			}
			out = strings.ReplaceAll(out, "{"+strconv.Itoa(i)+"}", v)
		}
		return out
	}
	return detail
}
