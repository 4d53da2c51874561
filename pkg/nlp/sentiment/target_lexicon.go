package sentiment

import (
	"maps"
	"strconv"
	"strings"
)

// targetLexicon adds, for the target layer only, the words of complaints
// and praise about a company's products and service that the tweet- and
// review-trained text layer lacks (its model was trained with the older
// lexicon, so the text layer keeps it). Keys are folded after parsing.
const targetLexicon = `
coupé -0.5 coupée -0.5 coupés -0.5 raccroché -0.6 poireauter -0.6 poireauté -0.6 résilie -0.6 résilier -0.5 résilié -0.5
déteint -0.6 troué -0.6 trouée -0.6 déchiré -0.6 déchirée -0.6 craqué -0.5 cassé -0.6 cassée -0.6 abîmé -0.6 abîmée -0.6
périmé -0.7 périmée -0.7 rance -0.7 moisi -0.7 moisie -0.7 moisissure -0.8 avarié -0.8 avariée -0.8 tourné -0.3 écaille -0.5
gâché -0.7 gâchée -0.7 gâcher -0.6 égaré -0.6 égarée -0.6 perdu -0.4 perdue -0.4 remboursé 0.3 remboursée 0.3
facturé -0.3 surfacturé -0.7 prélevé -0.3 méprisant -0.8 méprisante -0.8 désagréable -0.7 impoli -0.7 sale -0.5 sales -0.5
grasse -0.3 pique -0.3 boulochent -0.6 file -0.2 coule -0.3 fragile -0.4 fragiles -0.4 paquets -0.3
réactif 0.6 réactive 0.6 réactivité 0.6 nickel 0.7 impeccable 0.7 impeccables 0.7 régal 0.8 imbattable 0.7 conquis 0.7 conquise 0.7
consolé 0.5 sauvé 0.5 sauve 0.4 compétent 0.6 compétente 0.6 aimable 0.6 souriant 0.6 souriante 0.6 doux 0.4 douce 0.4 chic 0.5
solide 0.5 solides 0.5 fiable 0.6 ponctuel 0.6 ponctuelle 0.6 stable 0.4 rapide 0.5 rapides 0.5 merveille 0.8 dépannée 0.4 dépanné 0.4
gorgeous 0.8 outrageous -0.8 rash -0.6 ripped -0.6 disappoints -0.7 impressive 0.7 lovely 0.8 useless -0.8 outstanding 0.9
déçoit -0.7 déçoivent -0.7 décevra -0.6 évitez -0.7 éviter -0.6 évite -0.6 fuyez -0.8 annulé -0.5 annulée -0.5 annulés -0.5
supprimé -0.4 condamné -0.6 condamnée -0.6 greenwashing -0.6 vomir -0.7 honteuse -0.8 chapeau 0.5 coupure -0.5 coupures -0.5 détendu 0.5 détendue 0.5 stressant -0.5 stressante -0.5
annoying -0.7 drops -0.4 regrets -0.3 charged -0.3 overcharged -0.7 refund 0.2 solid 0.5 cheaper 0.3 pricey -0.4
`

// targetPhrases are idioms of complaints and praise for the target layer,
// on top of fixedPhrases (folded, space-separated).
var targetPhrases = map[string]float64{
	"pas donne": -0.5, "pas donnee": -0.5, "pas donnes": -0.5, "pas donnees": -0.5,
	"pas a la hauteur": -0.7, "a la hauteur": 0.5, "vaut vraiment le coup": 0.8,
	"probleme regle": 0.5, "probleme resolu": 0.5, "souci regle": 0.5,
	"ne repond pas": -0.6, "ne repond plus": -0.6, "ne repondent pas": -0.6, "personne ne repond": -0.7,
	"aucune reponse": -0.6, "toujours pas": -0.5, "toujours rien": -0.6,
	"pas une seule coupure": 0.6, "pas une seule panne": 0.6, "aucune coupure": 0.6, "aucune panne": 0.6, "sans discuter": 0.5,
	"fait attendre": -0.6, "trop petit": -0.5, "trop petite": -0.5, "trop petits": -0.5, "trop petites": -0.5,
	"trop grand": -0.4, "trop grande": -0.4, "trop grands": -0.4, "trop grandes": -0.4,
	"pas de mauvaise surprise": 0.6, "aucune mauvaise surprise": 0.6, "jour et la nuit": 0.3,
	"ne sert a rien": -0.7, "sert a rien": -0.7, "du tonnerre": 0.7, "ne regrette pas": 0.6, "no regrets": 0.6,
	"en panne": -0.6, "a vomir": -0.9, "sans explication": -0.5, "sans explications": -0.5, "en chute libre": -0.6, "n importe quoi": -0.7, "plus ce que": -0.5,
}

// newTargetAnalyzer is a's rule layer with the target lexicon and phrases.
func newTargetAnalyzer(a *Analyzer) *Analyzer {
	lex := maps.Clone(a.lex)
	f := strings.Fields(targetLexicon)
	for i := 0; i+1 < len(f); i += 2 {
		p, err := strconv.ParseFloat(f[i+1], 64)
		if err != nil {
			continue // the constant is ours; TestTargetLexicon catches a typo
		}
		lex[Fold(f[i])] = p
	}
	phrases := maps.Clone(a.phrases)
	maps.Copy(phrases, targetPhrases)
	t := &Analyzer{lex: lex, phrases: phrases, phraseFirst: map[string]bool{}, model: a.model, intern: a.intern}
	for k := range phrases {
		first, _, _ := strings.Cut(k, " ")
		t.phraseFirst[first] = true
	}
	t.pool.New = func() any { return &scratch{} }
	return t
}
