package alert

import "fmt"

// ruleNames are the rules as people call them (console, reports, French first).
var ruleNames = map[string]map[string]string{
	"fr": {CauseVolume: "Pic de volume négatif", CauseSentiment: "Chute du sentiment", CauseInfluencer: "Critique d'un influenceur",
		CauseToxic: "Contenus toxiques", CauseCrisis: "Vocabulaire de crise"},
	"en": {CauseVolume: "Negative volume spike", CauseSentiment: "Sentiment drop", CauseInfluencer: "Influencer criticism",
		CauseToxic: "Toxic content", CauseCrisis: "Crisis vocabulary"},
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
