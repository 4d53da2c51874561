// Package toxicity flags insults, obscenity, hate speech (racism, sexism,
// homophobia) and threats in French and English text, with the matched
// evidence. Matching is on whole words after normalisation (accents,
// leetspeak, elongations, spelled-out letters), so "conférence",
// "Scunthorpe" or "concombre" are never flagged for the bad word they contain.
package toxicity

import (
	_ "embed"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// Categories.
const (
	Insult    = "insult"
	Obscenity = "obscenity"
	Hate      = "hate"
	Threat    = "threat"
)

// Flag is one category raised, with the text spans that raised it.
type Flag struct {
	Category string   `json:"category"`
	Evidence []string `json:"evidence"`
}

// Result lists the flags of one text.
type Result struct {
	Toxic bool
	Flags []Flag
}

// LDNOOBW French and English lists, filtered (see internal/gen and NOTICE.d/toxicity.md).
//
//go:embed data/obscene.txt
var obsceneTxt string

// Own lists: "category: term, term, ..." — terms are whole words or phrases;
// a trailing * makes a stem (at least 5 letters) match any ending.
const ownLexicon = `
insult: connard*, connasse*, conasse*, enfoiré*, enfoire*, salaud*, salopard*, salope*, pétasse, petasse, pouffiasse*, poufiasse*, grognasse*, pétasses, abruti, abrutis, abrutie, crétin, crétins, cretin, cretins, imbécile, imbéciles, bouffon, bouffons, bâtard*, batard*, ordure, ordures, raclure*, enculé, enculés, enculée, encule, fdp, ntm, tg, fils de pute, fils de chien, sale con, pauvre con, gros con, grosse conne, sale conne, pauvre conne, espèce de con, bande de cons, bande de connards, va te faire foutre, va te faire enculer, ta gueule, ferme ta gueule, ftg, trou du cul, trouduc, lèche cul, tête de noeud, face de rat, boloss*, bolos, cassos, tocard*, sous-merde, sous merde, merdeux, merdeuse, branleur*, branleuse*, petite merde, grosse merde, fils de timp, pute, putes, putain de ta race, nique ta mère, nique ta race, ta mère la pute, moron, asshole, assholes, bastard, bitch, bitches, dickhead, douchebag, jerk, loser, motherfucker, scumbag, son of a bitch, stupid bitch, twat, wanker
obscenity: merde, merdes, merdique, putain, ptn, bordel, chier, chiasse, foutre, enculer, niquer, nique, niqué, bite, bites, bitte, couilles, couille, chatte, nichons, branlette, suceuse, teub, zob, fuck, fucking, fucked, shit, bullshit, dick, cock, pussy, cunt, crap
hate: bougnoul*, bougnoule*, bicot, bicots, négro, negro, négros, negros, nègre, nègres, negre, negres, youpin*, youtre*, chintok*, chinetoque*, bamboula, bamboulas, pédé, pédés, pede, pedes, pd, pds, tarlouze*, tapette, tapettes, tafiole*, gouine, gouines, fiotte*, sale pédale, sale race, race inférieure, sous-race, sous race, nigger, niggers, faggot, faggots, kike, kikes, chink, chinks, tranny, spic, spics, wetback
`

// hateTargets follow "sale" or "mort aux" to make hate speech.
var hateTargets = "arabe|arabes|noir|noirs|noire|noires|juif|juifs|juive|juives|musulman|musulmans|musulmane|musulmanes|" +
	"chinois|chinoise|rebeu|rebeus|renoi|renois|feuj|feujs|negre|negres|blanc|blancs|francais|roumain|roumains|rom|roms|gitan|gitans|" +
	"pd|pede|pedes|gouine|gouines|homo|homos|gay|gays|lesbienne|lesbiennes|trans|femme|femmes|immigre|immigres|migrant|migrants|etranger|etrangers|" +
	"jews|muslims|blacks|arabs|gays|women"

// Threat and hate patterns, matched on the normalised text (lower case, no
// accents, leetspeak decoded, apostrophes turned into spaces).
var patterns = []struct {
	cat      string
	triggers string // the pattern runs only when one of these words is present
	re       *regexp.Regexp
}{
	{Threat, "tuer tue buter bute crever egorger egorge fumer defoncer massacrer planter bruler cramer frapper violer pendre decapiter abattre eclater descendre peau casser exploser saigner",
		regexp.MustCompile(`\b(?:je|j|on|nous|ils?|jvais)\s+(?:vais\s+|va\s+|vas\s+|allons\s+|vont\s+|veux\s+|voudrais\s+|peux\s+|)(?:te|t|vous|le|la|les|lui|leur)\s+(?:tuer|tue|buter|bute|crever|egorger|egorge|fumer|defoncer|massacrer|planter|bruler|cramer|frapper|violer|pendre|decapiter|abattre|eclater|descendre|faire la peau|casser la (?:gueule|tete)|exploser|saigner)\b`)},
	{Threat, "bruler cramer incendier sauter exploser detruire saccager brule attaquer casser",
		regexp.MustCompile(`\b(?:je|j|on|nous|ils?)\s+(?:vais|va|vas|allons|vont|veux)\s+(?:bruler|cramer|incendier|faire sauter|faire exploser|detruire|saccager|brule|attaquer|tout casser dans)\s+(?:ton|ta|tes|vos|votre|leurs?|les|ce|cette|ces|la|le)\b`)},
	{Threat, "mourir crever payer regretter saigner passer mort habites vis bosses peau creve",
		regexp.MustCompile(`\b(?:tu|vous)\s+(?:vas|allez|va)\s+(?:mourir|crever|le payer|payer|le regretter|saigner|y passer)\b|\bt\s+es\s+(?:un\s+)?(?:homme\s+)?mort\b|\bje\s+sais\s+ou\s+tu\s+(?:habites|vis|bosses)\b|\bmort\s+aux?\s+\w+|\bon\s+aura\s+ta\s+peau\b|\bcreve\s+(?:sale|connard|salope)\b`)},
	{Threat, "kill shoot burn stab hurt murder find die",
		regexp.MustCompile(`\b(?:i|we|i\s+am|we\s+are)\s*(?:ll|will|gonna|going\s+to|am\s+going\s+to|are\s+going\s+to)\s+(?:kill|shoot|burn|stab|hurt|murder|find)\s+(?:you|u|your|ya|them|him|her)\b|\byou\s+(?:will|ll|are\s+going\s+to|re\s+gonna)\s+die\b`)},
	{Hate, "sale sales sal mort",
		regexp.MustCompile(`\b(?:sales?|sal)\s+(?:` + hateTargets + `)\b|\bmort\s+aux\s+(?:` + hateTargets + `)\b`)},
	{Hate, "arabes noirs juifs musulmans femmes pedes gays homos immigres migrants",
		regexp.MustCompile(`\b(?:tous\s+)?les\s+(?:arabes|noirs|juifs|musulmans|femmes|pedes|gays|homos|immigres|migrants)\s+(?:sont\s+)?(?:tous\s+|toutes\s+)?(?:des\s+)?(?:voleurs|terroristes|parasites|animaux|singes|chiens|salopes|connes|inferieurs|inferieures|vermine|racailles|a\s+gazer|dehors)\b`)},
	{Hate, "retourne retournez femme femmes",
		regexp.MustCompile(`\b(?:retourne|retournez)\s+(?:a\s+la\s+cuisine|dans\s+ton\s+pays|chez\s+toi\s+sale|dans\s+votre\s+pays)\b|\bfemmes?\s+(?:a|au)\s+la\s+cuisine\b`)},
}

// contextual words are insults only after a determiner or insult cue
// ("sale con", "le con", "t'es con"): alone, "con" is Spanish or "pros and cons".
var contextual = map[string]string{"con": Insult, "cons": Insult, "conne": Insult, "connes": Insult}
var contextCues = map[string]bool{"le": true, "la": true, "un": true, "une": true, "sale": true, "gros": true, "grosse": true, "espece": true,
	"pauvre": true, "bande": true, "quel": true, "quelle": true, "vieux": true, "vieille": true, "es": true, "sont": true, "trop": true, "petit": true,
	"petite": true, "ces": true, "des": true, "mon": true, "ton": true, "ta": true, "ce": true, "vraiment": true, "completement": true, "tous": true}

// exclusions are LDNOOBW entries that are ordinary words in most contexts.
var exclusions = map[string]bool{"baiser": true, "bander": true, "folle": true, "grande folle": true, "meuf": true, "gueule": true, "jouir": true,
	"peter": true, "pipi": true, "menage a trois": true, "tanche": true, "bourre": true, "bourree": true, "gerbe": true, "gerber": true,
	"caca": true, "ramoner": true, "trique": true, "con": true, "cul": true, "deconne": true, "deconner": true, "emmerdant": true,
	"emmerder": true, "pedale": true, "suce": true, "sucer": true, "pipe": true, "baise": true, "malpt": true, "teuch": false, "conne": true, "palucher": false,
	// English list: ordinary or medical words
	"anal": true, "anus": true, "ass": false, "balls": true, "bareback": true, "beaver": true, "bondage": true, "booty": true, "cocks": false,
	"camel toe": true, "escort": true, "fingering": true, "hardcore": true, "hooker": false, "nude": true, "nudity": true, "nipple": true,
	"nipples": true, "sex": true, "sexy": true, "sexual": true, "sexuality": true, "erotic": true, "penis": true, "vagina": true, "swastika": false,
	"lolita": true, "bunny fucker": false, "strip club": true, "tits": false, "twink": true, "yaoi": true, "hentai": true, "genitals": true,
	"orgasm": true, "porn": false, "threesome": true, "vulva": true, "urophilia": true, "xx": true, "xxx": true, "spooge": false, "snatch": true,
	"scat": true, "tushy": true, "tight white": true, "white power": false, "bi curious": true, "bisexual": true, "homoerotic": true, "lesbian": true,
	"gay sex": false, "domination": true, "dominatrix": true, "shaved beaver": false, "jail bait": false, "juggs": false, "kinky": true, "kinbaku": true,
	"pegging": true, "ponyplay": true, "pubes": true, "shota": true, "bbw": true, "bdsm": true, "blow job": false, "cum": false, "dildo": false,
	"ecchi": true, "fetish": true, "figging": true, "futanari": true, "goatse": false, "handjob": false, "intercourse": true, "jigaboo": false,
	"masturbate": false, "milf": false, "negro": false, "omorashi": true, "panties": true, "panty": true, "pedobear": false, "pedophile": false,
	"raping": false, "rimjob": false, "sadism": true, "shibari": true, "smut": true, "spread legs": true, "sodomy": false, "suck": true, "sucks": true,
	"topless": true, "undressing": true, "upskirt": false, "voyeur": true, "wank": false, "whore": false, "big breasts": true, "breasts": true,
	"boob": true, "boobs": true, "booty call": true, "clit": false, "dog style": true, "doggy style": true, "doggiestyle": true, "doggystyle": true,
	"ejaculation": true, "muff diver": false, "two girls one cup": false,
}

type entry struct {
	cat  string
	stem bool
}

// Detector flags toxic content. It is immutable and safe for concurrent use.
type Detector struct {
	words    map[string]entry // normalised phrase -> entry
	skels    map[string]entry // skeleton of single words (≥ 4 letters) -> entry
	first    map[string]bool  // first skeleton of multi-word phrases
	stems    []stem
	stemsBy  [256][]int // indices of stems by first byte, in order
	maxLen   int
	trigMask map[string]uint32 // trigger word -> bit i set for pattern i
	pool     sync.Pool         // *scratch
}

type stem struct {
	prefix string
	cat    string
}

// New builds a Detector from the embedded lists.
func New() *Detector {
	d := &Detector{words: map[string]entry{}, skels: map[string]entry{}, first: map[string]bool{}}
	for _, line := range strings.Split(obsceneTxt, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key := normPhrase(line)
		if key == "" || exclusions[key] {
			continue
		}
		d.add(key, entry{cat: Obscenity})
	}
	for _, line := range strings.Split(ownLexicon, "\n") {
		cat, list, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		cat = strings.TrimSpace(cat)
		for _, term := range strings.Split(list, ",") {
			term = strings.TrimSpace(term)
			if strings.HasSuffix(term, "*") {
				p := skelPhrase(strings.TrimSuffix(term, "*"))
				if len(p) >= 5 {
					d.stems = append(d.stems, stem{p, cat})
				}
				continue
			}
			if key := normPhrase(term); key != "" {
				d.add(key, entry{cat: cat}) // own categories override LDNOOBW's obscenity
			}
		}
	}
	d.trigMask = map[string]uint32{}
	for pi, p := range patterns {
		for _, w := range strings.Fields(p.triggers) {
			d.trigMask[w] |= 1 << pi
		}
	}
	for i, st := range d.stems {
		d.stemsBy[st.prefix[0]] = append(d.stemsBy[st.prefix[0]], i)
	}
	d.pool.New = func() any { return &scratch{} }
	// own stems override LDNOOBW's category too ("connard" is an insult).
	for k, e := range d.words {
		for _, st := range d.stems {
			if strings.HasPrefix(squeeze(k, 1), st.prefix) {
				e.cat = st.cat
				d.words[k] = e
			}
		}
	}
	for k, e := range d.words {
		if !strings.Contains(k, " ") {
			// short skeletons only for words without double letters: "coons"
			// must not reach "cons", "puuute" may reach "pute".
			if sk := squeeze(k, 1); len(sk) >= 5 || len(sk) == 4 && sk == k {
				d.skels[sk] = e
			}
		}
	}
	return d
}

func (d *Detector) add(key string, e entry) {
	d.words[key] = e
	n := strings.Count(key, " ") + 1
	if n > 1 {
		first, _, _ := strings.Cut(key, " ")
		d.first[first] = true
	}
	if n > d.maxLen {
		d.maxLen = n
	}
}

func skelPhrase(s string) string {
	toks := tokenize(s)
	parts := make([]string, len(toks))
	for i, t := range toks {
		parts[i] = string(t.skel)
	}
	return strings.Join(parts, " ")
}

func normPhrase(s string) string {
	toks := tokenize(s)
	parts := make([]string, len(toks))
	for i, t := range toks {
		parts[i] = string(t.norm)
	}
	return strings.Join(parts, " ")
}

// catIndex orders the categories as Check reports them.
func catIndex(cat string) int {
	switch cat {
	case Threat:
		return 0
	case Hate:
		return 1
	case Insult:
		return 2
	case Obscenity:
		return 3
	}
	return -1
}

var catOrder = [4]string{Threat, Hate, Insult, Obscenity}

// maxEvidence bounds the evidence per category.
const maxEvidence = 5

// Check flags text.
func (d *Detector) Check(text string) Result {
	s := d.pool.Get().(*scratch)
	defer d.pool.Put(s) // tokens point into s.arena only, never into text
	s.tokenize(text)
	toks := s.toks
	var found [4][]string // by catIndex
	add := func(cat, ev string) {
		c := catIndex(cat)
		if c < 0 {
			return // not reported
		}
		for _, e := range found[c] {
			if strings.EqualFold(e, ev) {
				return
			}
		}
		if len(found[c]) < maxEvidence {
			found[c] = append(found[c], ev)
		}
	}
	for i := 0; i < len(toks); i++ {
		t := &toks[i]
		// phrases, longest first
		if d.first[string(t.norm)] {
			matched := false
			for n := min(d.maxLen, len(toks)-i); n >= 2; n-- {
				key := s.key[:0]
				for k := i; k < i+n; k++ {
					if k > i {
						key = append(key, ' ')
					}
					key = append(key, toks[k].norm...)
				}
				s.key = key
				if e, ok := d.words[string(key)]; ok {
					add(e.cat, text[t.start:toks[i+n-1].end])
					i += n - 1
					matched = true
					break
				}
			}
			if matched {
				continue
			}
		}
		if e, ok := d.words[string(t.norm)]; ok {
			add(e.cat, text[t.start:t.end])
			continue
		}
		if e, ok := d.skels[string(t.skel)]; ok && len(t.skel) >= 4 {
			add(e.cat, text[t.start:t.end])
			continue
		}
		if cat, ok := contextual[string(t.norm)]; ok && i > 0 && contextCues[string(toks[i-1].norm)] {
			add(cat, text[toks[i-1].start:t.end])
			continue
		}
		if len(t.skel) > 0 {
			for _, si := range d.stemsBy[t.skel[0]] {
				st := &d.stems[si]
				if len(t.skel) >= len(st.prefix) && string(t.skel[:len(st.prefix)]) == st.prefix {
					add(st.cat, text[t.start:t.end])
					break
				}
			}
		}
	}
	// patterns on the normalised text, mapped back to the original spans;
	// a pattern runs only if one of its trigger words is present (speed).
	var mask uint32
	for i := range toks {
		mask |= d.trigMask[string(toks[i].norm)]
	}
	if mask == 0 {
		return result(&found)
	}
	nb := s.nb[:0]
	offs := s.offs[:0] // start of each token in nb
	for i, t := range toks {
		if i > 0 {
			nb = append(nb, ' ')
		}
		offs = append(offs, len(nb))
		nb = append(nb, t.norm...)
	}
	s.nb, s.offs = nb, offs
	for pi := range patterns {
		if mask&(1<<pi) == 0 {
			continue
		}
		p := patterns[pi]
		for _, m := range p.re.FindAllIndex(nb, maxEvidence) {
			a := sort.SearchInts(offs, m[0]+1) - 1
			b := sort.SearchInts(offs, m[1]) - 1
			if a < 0 || b < a {
				continue
			}
			add(p.cat, text[toks[a].start:toks[b].end])
		}
	}
	return result(&found)
}

func result(found *[4][]string) Result {
	var res Result
	for c, ev := range found {
		if len(ev) > 0 {
			res.Flags = append(res.Flags, Flag{Category: catOrder[c], Evidence: ev})
		}
	}
	res.Toxic = len(res.Flags) > 0
	return res
}
