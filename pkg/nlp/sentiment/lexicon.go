package sentiment

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"
)

// handLexicon is the hand-built French/English polarity list: verbs, nouns,
// slang and adjectives the Pattern lexicon (adjectives only) misses or gets
// wrong for social media. Keys are folded (see Fold). It overrides Pattern.
const handLexicon = `
adorer 0.9 adore 0.9 adores 0.9 adorent 0.9 adoré 0.9 adorée 0.9 adorable 0.8 aimer 0.6 aime 0.6 aimes 0.6 aiment 0.6 aimé 0.6 aimée 0.6
kiffe 0.8 kiffes 0.8 kiffé 0.8 kiffer 0.8 ouf 0.6 top 0.8 génial 0.9 géniale 0.9 géniaux 0.9 génialissime 1 excellent 0.9 excellente 0.9 parfait 0.8 parfaite 0.8
super 0.7 cool 0.6 chouette 0.6 sympa 0.6 sympathique 0.5 bravo 0.8 merci 0.5 félicitations 0.8 magnifique 0.9 sublime 0.9 superbe 0.9 splendide 0.9
formidable 0.8 fantastique 0.8 extraordinaire 0.8 incroyable 0.5 exceptionnel 0.8 exceptionnelle 0.8 remarquable 0.7 merveilleux 0.9 merveilleuse 0.9 merveille 0.8
bien 0.4 bon 0.5 bonne 0.5 bons 0.5 bonnes 0.5 meilleur 0.6 meilleure 0.6 meilleurs 0.6 meilleures 0.6 mieux 0.4 beau 0.6 belle 0.6 beaux 0.6 belles 0.6 joli 0.5 jolie 0.5
heureux 0.7 heureuse 0.7 content 0.6 contente 0.6 ravi 0.8 ravie 0.8 satisfait 0.6 satisfaite 0.6 fier 0.5 fière 0.5 enchanté 0.6 plaisir 0.6 bonheur 0.8 joie 0.7
drôle 0.5 marrant 0.5 hilarant 0.6 efficace 0.5 rapide 0.3 pratique 0.3 fiable 0.5 agréable 0.6 intéressant 0.5 intéressante 0.5 instructif 0.5 passionnant 0.7 captivant 0.7
addictif 0.6 addictive 0.6 culte 0.6 chef-d'oeuvre 0.9 chef 0.1 réussi 0.6 réussie 0.6 réussite 0.6 recommande 0.7 recommander 0.6 conseille 0.5 bluffant 0.7 impressionnant 0.6
mdr 0.3 haha 0.4 hahaha 0.4 wow 0.5 waouh 0.6 youpi 0.7 yes 0.4 enfin 0.2 bienvenue 0.4 espoir 0.4 bravo 0.8 champion 0.6 qualité 0.4 gagné 0.5 gagner 0.3 victoire 0.6
propre 0.3 innovant 0.5 innovante 0.5 prometteur 0.5 bénéfique 0.5 progrès 0.4 solution 0.3 soutien 0.4 soutenir 0.3 protéger 0.3 sauver 0.4 vert 0.1 durable 0.2
nul -0.8 nulle -0.8 nuls -0.8 nulles -0.8 naze -0.8 nase -0.8 pourri -0.8 pourrie -0.8 pourris -0.8 bof -0.4 mauvais -0.7 mauvaise -0.7 mal -0.5 pire -0.8 pires -0.8
horrible -0.9 affreux -0.8 affreuse -0.8 atroce -0.9 lamentable -0.9 pitoyable -0.9 pathétique -0.8 ridicule -0.7 minable -0.8 médiocre -0.7 décevant -0.8 décevante -0.8
déçu -0.8 déçue -0.8 déçus -0.8 déception -0.8 décevoir -0.6 ennuyeux -0.7 ennuyeuse -0.7 ennui -0.6 chiant -0.8 chiante -0.8 chiants -0.8 débile -0.7 stupide -0.7 idiot -0.6
déteste -0.9 détester -0.9 détesté -0.8 haine -0.8 hais -0.9 marre -0.7 honte -0.8 honteux -0.8 honteuse -0.8 scandale -0.8 scandaleux -0.8 scandaleuse -0.8 inadmissible -0.9
inacceptable -0.9 arnaque -0.9 arnaquer -0.8 escroc -0.9 escroquerie -0.9 voleur -0.8 voleurs -0.8 mensonge -0.7 menteur -0.8 menteurs -0.8 catastrophe -0.8 catastrophique -0.9
désastre -0.8 désastreux -0.9 galère -0.6 galérer -0.6 problème -0.4 problèmes -0.4 panne -0.6 bug -0.5 bugs -0.5 bugué -0.6 lent -0.4 lente -0.4 cher -0.3 chère -0.3 trop_cher -0.6
triste -0.6 tristesse -0.6 colère -0.7 énervé -0.7 énervée -0.7 furieux -0.8 dégoûté -0.8 dégoûtée -0.8 dégoût -0.7 dégueulasse -0.9 dégueu -0.8 immonde -0.9 infâme -0.9
inutile -0.6 inutiles -0.6 raté -0.7 ratée -0.7 échec -0.7 fail -0.7 merde -0.8 merdique -0.9 craint -0.6 craignos -0.7 grave 0 bizarre -0.3 lourd -0.3 relou -0.5 pénible -0.7
mort -0.5 morts -0.5 tué -0.6 tuer -0.6 danger -0.6 dangereux -0.6 dangereuse -0.6 menace -0.5 menacé -0.5 menacée -0.5 risque -0.3 risques -0.3 pollution -0.5 polluant -0.5
polluée -0.5 pollué -0.5 toxique -0.6 crise -0.5 victime -0.5 victimes -0.5 peur -0.5 inquiétant -0.6 inquiétante -0.6 grave 0 alarmant -0.6 dramatique -0.7 drame -0.6
contre -0.2 fin -0.1 perte -0.4 pertes -0.4 hausse -0.1 baisse -0.2 destruction -0.6 détruit -0.6 détruire -0.6 disparition -0.5 disparaître -0.4 fermeture -0.4 ferme 0
sans 0 aucun 0 rembourser -0.3 remboursement -0.2 plainte -0.5 retard -0.5 retards -0.5 attente -0.3 injoignable -0.7 incompétent -0.8 incompétents -0.8 incompétence -0.8
terrible -0.6 mauvaise_foi -0.7 insupportable -0.9 inadmissible -0.9 agaçant -0.6 déplorable -0.8 regrette -0.6 regret -0.5 dommage -0.5 hélas -0.5 malheureusement -0.5
abusé -0.6 abuse -0.5 abusent -0.6 foutage -0.8 honte -0.8 wtf -0.5 beurk -0.8 berk -0.8 ptn -0.4 putain -0.4 argh -0.5 pfff -0.5 pff -0.5 ouin -0.3 rip -0.4
love 0.8 loved 0.8 loves 0.8 like 0.3 liked 0.4 great 0.8 good 0.6 nice 0.6 awesome 0.9 amazing 0.9 excellent 0.9 perfect 0.8 best 0.7 better 0.4 happy 0.7 beautiful 0.8 fun 0.5
wonderful 0.9 fantastic 0.9 brilliant 0.8 thanks 0.5 thank 0.5 recommend 0.6 enjoy 0.6 enjoyed 0.6 cute 0.6 lovely 0.8 glad 0.6 win 0.5 wins 0.5 well 0.2 fine 0.3 works 0.3
bad -0.7 terrible -0.8 awful -0.9 horrible -0.9 worst -0.9 worse -0.7 hate -0.9 hated -0.8 hates -0.8 sucks -0.8 suck -0.7 boring -0.7 poor -0.6 sad -0.6 angry -0.7
disappointing -0.8 disappointed -0.8 disappointment -0.8 useless -0.7 broken -0.6 fails -0.6 failed -0.6 scam -0.9 fraud -0.9 shame -0.7 crap -0.8 shit -0.7 stupid -0.7 ugly -0.7
annoying -0.7 slow -0.4 expensive -0.3 problem -0.4 issue -0.3 issues -0.3 wrong -0.5 lame -0.6 meh -0.4 trash -0.8 garbage -0.8 pathetic -0.8 ridiculous -0.7 mess -0.6 damn -0.4
`

// Word classes of the rule layer (folded forms).
var (
	negators = map[string]bool{"pas": true, "jamais": true, "rien": true, "personne": true, "guere": true,
		"aucun": true, "aucune": true, "sans": true, "ni": true, "nullement": true, "point": false,
		"not": true, "never": true, "no": true, "nothing": true, "don't": true, "doesn't": true, "didn't": true,
		"isn't": true, "wasn't": true, "aren't": true, "won't": true, "can't": true, "cannot": true, "nobody": true, "without": true,
		"neither": true, "nor": true, "hardly": true}
	intensifiers = map[string]float64{"tres": 1.6, "trop": 1.6, "vraiment": 1.5, "grave": 1.6, "super": 1.6,
		"hyper": 1.7, "tellement": 1.6, "si": 1.3, "extremement": 1.8, "absolument": 1.6, "totalement": 1.6,
		"completement": 1.6, "vachement": 1.6, "carrement": 1.5, "ultra": 1.7, "archi": 1.7, "franchement": 1.3,
		"particulierement": 1.4, "really": 1.5, "very": 1.5, "so": 1.4, "too": 1.4, "totally": 1.6, "extremely": 1.8,
		"super-": 1.6, "tout": 1.2, "plus": 1.2, "encore": 1.2, "bien": 1.3, "fort": 1.3, "sacrement": 1.5,
		"terriblement": 1.6, "incroyablement": 1.7, "bcp": 1.3, "beaucoup": 1.3, "most": 1.3, "much": 1.3}
	diminishers = map[string]float64{"peu": 0.5, "assez": 0.7, "plutot": 0.7, "moyennement": 0.4, "legerement": 0.5,
		"relativement": 0.6, "presque": 0.6, "quelque": 0.7, "un_peu": 0.5, "slightly": 0.5, "somewhat": 0.6,
		"kinda": 0.6, "quite": 0.8, "pretty": 0.8, "fairly": 0.7, "moins": 0.5}
	contrasts = map[string]bool{"mais": true, "cependant": true, "pourtant": true, "neanmoins": true, "toutefois": true,
		"but": true, "however": true, "yet": false, "sauf": true, "quoique": false}
	clauseBreaks = map[string]bool{".": true, ",": true, ";": true, "!": true, "?": true, ":": true, "et": false,
		"car": true, "parce": true, "because": true, "(": true, ")": true}
)

// fixedPhrases are negated or idiomatic forms whose polarity is not the
// composition of their parts ("pas mal" is praise, "pas terrible" a
// complaint). Keys are folded, space-separated.
var fixedPhrases = map[string]float64{
	"pas mal": 0.5, "pas terrible": -0.6, "pas top": -0.6, "pas ouf": -0.5, "pas fou": -0.4, "pas genial": -0.5,
	"pas fameux": -0.5, "pas folichon": -0.5, "pas glorieux": -0.5, "pas de souci": 0.3, "pas de soucis": 0.3,
	"pas de probleme": 0.3, "sans probleme": 0.4, "sans souci": 0.4, "aucun probleme": 0.4, "aucun souci": 0.4,
	"rien a redire": 0.7, "rien a dire": 0.3, "pas decu": 0.6, "pas decue": 0.6, "jamais decu": 0.7, "jamais decue": 0.7,
	"sans interet": -0.7, "aucun interet": -0.8, "pas terrible du tout": -0.8, "a eviter": -0.8, "a fuir": -0.9,
	"a voir": 0.5, "a ne pas manquer": 0.8, "ne pas manquer": 0.8, "vaut le coup": 0.7, "vaut pas le coup": -0.6, "ne vaut pas le coup": -0.6,
	"mauvaise foi": -0.7, "foutage de gueule": -0.9, "se fout de": -0.7, "se foutent de": -0.7, "en a marre": -0.7, "ras le bol": -0.8,
	"not bad": 0.5, "love it": 0.9, "not good": -0.6, "not great": -0.5, "no problem": 0.3, "no way": -0.4,
	"de merde": -0.9, "au top": 0.8, "trop bien": 0.8, "trop cher": -0.6, "coup de coeur": 0.8, "chef de oeuvre": 0.9,
	"chef-de oeuvre": 0.9, "je recommande": 0.7, "bien joue": 0.8, "ne importe quoi": -0.7, "nimporte quoi": -0.7,
	"dommage que": -0.5,
	// complaints about deliveries and service: "never" here is the grievance
	"plus jamais": -0.7, "jamais livre": -0.7, "jamais livree": -0.7, "jamais recu": -0.7, "jamais recue": -0.7,
	"toujours pas recu": -0.7, "toujours pas recue": -0.7, "toujours pas livre": -0.7, "toujours pas livree": -0.7,
	"never again": -0.7, "never arrived": -0.7, "never received": -0.7,
}

// Lexicon maps folded word forms to polarity in [-1, 1].
type Lexicon map[string]float64

// ParseLexicon reads "form<TAB>polarity" lines (the compiled Pattern lexicon).
func ParseLexicon(data []byte) (Lexicon, error) {
	lex := Lexicon{}
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		form, pol, ok := strings.Cut(line, "\t")
		if !ok {
			return nil, fmt.Errorf("%w: lexicon line %d: no tab", ErrBadModel, n)
		}
		p, err := strconv.ParseFloat(pol, 64)
		if err != nil {
			return nil, fmt.Errorf("%w: lexicon line %d: %w", ErrBadModel, n, err)
		}
		lex[Fold(form)] = p
	}
	return lex, sc.Err()
}

// withHand overlays the hand lexicon.
func (l Lexicon) withHand() Lexicon {
	out := make(Lexicon, len(l)+400)
	for k, v := range l {
		out[k] = v
	}
	f := strings.Fields(handLexicon)
	for i := 0; i+1 < len(f); i += 2 {
		p, err := strconv.ParseFloat(f[i+1], 64)
		if err != nil {
			continue // the constant is ours; a typo shows up in tests
		}
		out[Fold(f[i])] = p
	}
	// function words and news adjectives that Pattern scores but that carry
	// no opinion in posts and articles; "sur" is "sûr" folded, which would
	// score the preposition "sur" (on) as praise.
	for _, w := range strings.Fields("sur plus tout tous toute toutes autre autres seul seule dernier derniere premier premiere nouveau nouvelle nouveaux nouvelles petit petite grand grande vrai vraie gros grosse long longue haut haute public publique general generale national nationale politique actuel actuelle") {
		delete(out, w)
	}
	return out
}
