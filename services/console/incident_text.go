package console

import (
	"encoding/json"
	"time"

	"github.com/veille-oss/veille/pkg/alert"
)

// incidentCatalogue holds the messages of the incident pages, the nav
// badge and the banner (tr looks here after the main catalogue).
var incidentCatalogue = map[string]map[string]string{
	"fr": {
		"sev.raw":              "indice %d/10",
		"inc.assignee":         "Responsable",
		"inc.assignee.none":    "personne",
		"inc.assign":           "Attribuer",
		"inc.assign.to":        "Attribuer à",
		"inc.note":             "Ajouter une note",
		"inc.note.label":       "Note (visible par l'équipe)",
		"inc.reopen":           "Rouvrir",
		"inc.handling":         "Prise en charge",
		"inc.timeline":         "Chronologie",
		"inc.summary":          "Lecture du détecteur",
		"inc.by":               "par %s",
		"inc.previous":         "Fait suite à un incident résolu par %s : %s.",
		"inc.previous.nobody":  "Fait suite à un incident résolu : %s.",
		"inc.previous.link":    "Voir l'incident précédent",
		"inc.next":             "La crise a repris après la résolution : un nouvel incident a été ouvert.",
		"inc.next.link":        "Voir le nouvel incident",
		"inc.regrowth":         "%s est passé de %d à %d en %s depuis la résolution (seuil de réouverture : %d)",
		"measure.neg":          "le nombre de mentions négatives",
		"measure.influencer":   "le nombre de critiques d'influenceurs",
		"measure.toxic":        "le nombre de mentions toxiques",
		"measure.crisis":       "le nombre de mentions avec des termes de crise",
		"tl.opened":            "Ouverture par le détecteur (%s, %d mentions dont %d négatives)",
		"tl.updated":           "Mise à jour du détecteur : %d mentions dont %d négatives",
		"tl.escalated":         "Aggravation : %s, %d mentions dont %d négatives",
		"tl.resolved":          "Résolution par le détecteur (calme revenu)",
		"tl.resolved.held":     "Résolution prise en compte par l'alerteur",
		"tl.reopened":          "Réouverture",
		"tl.acknowledged":      "Prise en charge",
		"tl.resolved.human":    "Résolution",
		"tl.reopened.human":    "Réouverture",
		"tl.assigned":          "Attribué à %s",
		"tl.note":              "Note",
		"tl.linked":            "Ouvert à la suite de l'incident %s",
		"tl.followed":          "Le nouvel incident %s a suivi",
		"tl.system":            "veille",
		"inc.sort":             "Trier par",
		"inc.sort.influence":   "influence",
		"inc.sort.negativity":  "négativité",
		"inc.sort.recent":      "date de publication",
		"inc.filter.sentiment": "Tonalité",
		"inc.filter.all":       "toutes",
		"inc.filter.apply":     "Afficher",
		"inc.count":            "%d mentions, page %d sur %d",
		"page.prev":            "← Page précédente",
		"page.next":            "Page suivante →",
		"inc.done.reopened":    "Incident rouvert.",
		"inc.done.assigned":    "Responsable enregistré.",
		"inc.done.note":        "Note ajoutée.",
		"inc.err.note":         "La note est vide ou dépasse 2 000 caractères.",
		"inc.err.assignee":     "Le nom du responsable est vide ou trop long (200 caractères au plus).",
		"inc.times":            "Heures en UTC.",
		"banner.opened":        "Nouvel incident",
		"banner.escalated":     "Incident aggravé",
		"banner.active":        "Incident en cours",
		"banner.more":          "et %d autre(s) incident(s) en cours",
		"banner.open":          "Voir l'incident",
		"banner.close":         "Masquer",
		"banner.notify":        "Activer les notifications",
		"nav.badge":            "incidents en cours",
		"inc.notify":           "Recevoir les nouveaux incidents en notification du navigateur",
	},
	"en": {
		"sev.raw":              "score %d/10",
		"inc.assignee":         "Assignee",
		"inc.assignee.none":    "nobody",
		"inc.assign":           "Assign",
		"inc.assign.to":        "Assign to",
		"inc.note":             "Add a note",
		"inc.note.label":       "Note (seen by the team)",
		"inc.reopen":           "Reopen",
		"inc.handling":         "Handling",
		"inc.timeline":         "Timeline",
		"inc.summary":          "Detector reading",
		"inc.by":               "by %s",
		"inc.previous":         "Follows an incident resolved by %s: %s.",
		"inc.previous.nobody":  "Follows a resolved incident: %s.",
		"inc.previous.link":    "Open the previous incident",
		"inc.next":             "The crisis grew again after the resolution: a new incident opened.",
		"inc.next.link":        "Open the new incident",
		"inc.regrowth":         "%s went from %d to %d in %s since the resolution (reopening threshold: %d)",
		"measure.neg":          "the number of negative mentions",
		"measure.influencer":   "the number of influencer criticisms",
		"measure.toxic":        "the number of toxic mentions",
		"measure.crisis":       "the number of mentions with crisis terms",
		"tl.opened":            "Opened by the detector (%s, %d mentions, %d negative)",
		"tl.updated":           "Detector update: %d mentions, %d negative",
		"tl.escalated":         "Escalated: %s, %d mentions, %d negative",
		"tl.resolved":          "Resolved by the detector (quiet again)",
		"tl.resolved.held":     "Resolution taken into account by the alerter",
		"tl.reopened":          "Reopened",
		"tl.acknowledged":      "Acknowledged",
		"tl.resolved.human":    "Resolved",
		"tl.reopened.human":    "Reopened",
		"tl.assigned":          "Assigned to %s",
		"tl.note":              "Note",
		"tl.linked":            "Opened after incident %s",
		"tl.followed":          "New incident %s followed",
		"tl.system":            "veille",
		"inc.sort":             "Sort by",
		"inc.sort.influence":   "influence",
		"inc.sort.negativity":  "negativity",
		"inc.sort.recent":      "publication date",
		"inc.filter.sentiment": "Sentiment",
		"inc.filter.all":       "all",
		"inc.filter.apply":     "Show",
		"inc.count":            "%d mentions, page %d of %d",
		"page.prev":            "← Previous page",
		"page.next":            "Next page →",
		"inc.done.reopened":    "Incident reopened.",
		"inc.done.assigned":    "Assignee saved.",
		"inc.done.note":        "Note added.",
		"inc.err.note":         "The note is empty or longer than 2,000 characters.",
		"inc.err.assignee":     "The assignee is empty or too long (at most 200 characters).",
		"inc.times":            "Times in UTC.",
		"banner.opened":        "New incident",
		"banner.escalated":     "Incident escalated",
		"banner.active":        "Incident in progress",
		"banner.more":          "and %d more incident(s) in progress",
		"banner.open":          "Open the incident",
		"banner.close":         "Hide",
		"banner.notify":        "Turn on notifications",
		"nav.badge":            "incidents in progress",
		"inc.notify":           "Get new incidents as browser notifications",
	},
}

// ruleName, incidentTitle, severityLevel and severityText are shared
// with the reports (pkg/alert/names.go).
func ruleName(lang, rule string) string             { return alert.RuleName(lang, rule) }
func incidentTitle(lang, rule, brand string) string { return alert.IncidentTitle(lang, rule, brand) }
func severityLevel(sev int) int                     { return alert.SeverityLevel(sev) }
func severityText(lang string, sev int) string      { return alert.SeverityText(lang, sev) }

// durationText writes a window as people say it (pkg/alert/names.go).
func durationText(d time.Duration) string { return alert.DurationText(d) }

// detailText words the detector's reading in lang (pkg/alert/names.go).
func detailText(lang, detail string) string { return alert.DetailText(lang, detail) }

// regrowth is the alerter's link detail (pkg/alert.Regrowth as JSON).
type regrowth struct {
	Measure      string        `json:"measure"`
	AtResolution int           `json:"at_resolution"`
	Held         int           `json:"held"`
	Now          int           `json:"now"`
	Window       time.Duration `json:"window_ns"`
	ResolvedBy   string        `json:"resolved_by"`
}

// regrowthText says why a new incident followed a resolved one.
func regrowthText(lang, detail string) (text, resolvedBy string) {
	var g regrowth
	if detail == "" || json.Unmarshal([]byte(detail), &g) != nil {
		return "", ""
	}
	return tr(lang, "inc.regrowth", tr(lang, "measure."+g.Measure), g.AtResolution, g.Now, durationText(g.Window), g.Held), g.ResolvedBy
}
