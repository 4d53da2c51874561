package analytics

import (
	"strings"
)

// toneStopWords carry no tone. Rows written before the brand-level
// sentiment hold the text-level model's strongest words as evidence
// ("après", "pot", "fermes", "blanc"); the brand-level evidence holds
// lexicon words and patterns only, but old rows stay in the table.
const toneStopWords = `le la les un une des du de au aux ce cet cette ces il elle ils elles on je tu nous vous me te se
en y a où ou et ni or si ne qu que qui quoi dont ça ca c est était été être avoir ai as avons avez ont suis es sommes êtes sont
mon ma mes ton ta tes son sa ses notre nos votre vos leur leurs lui moi toi soi eux
pour par sur sous dans avec sans chez vers entre contre depuis pendant selon malgré après avant
mais donc car puis alors quand comme comment pourquoi voici voilà ici
fait faire fais vais va vas allons allez vont peut peux pouvez dit dire
tout tous toute toutes rien plus moins aussi encore toujours déjà même très
jour jours mois semaine an ans année heure heures fois matin soir hier demain aujourd'hui
lundi mardi mercredi jeudi vendredi samedi dimanche janvier février mars avril mai juin juillet août septembre octobre novembre décembre
pot pots blanc blanche blancs noir noire rouge fermes ferme fermé prix produit produits magasin boutique client clients commande
the a an of to in on at for with by from and or but is are was were be been it this that my your our their`

// toneWordsCond is the SQL condition on `term` (a lower-cased evidence
// entry of a row, with the row's brand and matched_terms) that keeps tone
// words only: no stop word, no pattern tag ("mieux que→+", "sarcasme:…",
// "actualité"), not the row's brand name nor the terms its watch query
// matched (names and aliases).
func toneWordsCond() string {
	var b strings.Builder
	b.WriteString("lengthUTF8(term) >= 3 AND NOT has([")
	for i, w := range strings.Fields(toneStopWords) {
		if i > 0 {
			b.WriteByte(',')
		}
		// our own constant: letters and apostrophes only.
		b.WriteString("'" + strings.ReplaceAll(w, "'", "\\'") + "'")
	}
	b.WriteString("], term) AND position(term, '→') = 0 AND position(term, ':') = 0 AND term != 'actualité'")
	b.WriteString(" AND term != lowerUTF8(brand) AND NOT has(arrayMap(x -> lowerUTF8(x), matched_terms), term)")
	return b.String()
}
