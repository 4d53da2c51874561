package sentiment

import (
	"math"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Target is one brand whose sentiment is wanted: its name and aliases are
// anchors (they say which clauses speak of it) and, with Terms (the words
// of its watch query), are never read as sentiment cues.
type Target struct {
	Name    string
	Aliases []string
	Terms   []string
}

// SentenceSplitter cuts a text into its sentences, in order. The default,
// SplitSentences, knows French and English punctuation; a language-aware
// splitter (English NER/segmentation) can be plugged in instead.
type SentenceSplitter func(text string) []string

// TargetResult is the sentiment expressed about one target.
type TargetResult struct {
	Brand string `json:"brand"`
	Result
	// Found reports that the target is named in the text.
	Found bool `json:"found"`
}

// TargetScorer scores the sentiment about each of a fixed set of targets.
// It is immutable and safe for concurrent use.
type TargetScorer struct {
	a       *Analyzer
	split   SentenceSplitter
	targets []compiledTarget
	// index maps the first norm of every name, alias and query word to
	// them, so marking costs one lookup per token whatever the brand count.
	index map[string][]anchorRef
	pool  sync.Pool // *targetScratch
}

// targetScratch is the per-call working memory of score, pooled: the
// text's tokens, their anchors and rule hits are only read while it runs.
type targetScratch struct {
	toks  []Token
	spans [][2]int // each sentence's tokens
	anc   []int
	hits  []Hit
	slot  []int
}

// release returns sc to the pool without the strings it points to.
func (s *TargetScorer) release(sc *targetScratch) {
	clear(sc.toks)
	clear(sc.hits)
	sc.hits = sc.hits[:0]
	s.pool.Put(sc)
}

// anchorRef is one name, alias or query word of target t.
type anchorRef struct {
	t     int
	norms []string
	cased bool // see anchor
	mask  bool // a query word: masked, not an anchor
}

type compiledTarget struct {
	name    string
	anchors []anchor
	masks   [][]string // query words: masked, not anchors
}

// anchor is a name or alias as folded token norms. cased: the name is an
// ordinary word ("Vague", "Orange"), so only a capitalised occurrence
// anchors the brand (every occurrence is masked all the same).
type anchor struct {
	norms []string
	cased bool
}

// maxTargets bounds the brands named in one text that the layer tells
// apart (a bit mask per clause); more are masked all the same.
const maxTargets = 64

// NewTargetScorer compiles targets; a nil split uses SplitSentences.
func NewTargetScorer(a *Analyzer, targets []Target, split SentenceSplitter) *TargetScorer {
	if split == nil {
		split = SplitSentences
	}
	s := &TargetScorer{a: newTargetAnalyzer(a), split: split, index: map[string][]anchorRef{}}
	s.pool.New = func() any { return &targetScratch{} }
	for _, t := range targets {
		c := s.compile(t)
		k := len(s.targets)
		s.targets = append(s.targets, c)
		for _, r := range c.refs(k) {
			s.index[r.norms[0]] = append(s.index[r.norms[0]], r)
		}
	}
	return s
}

func (c *compiledTarget) refs(k int) []anchorRef {
	var out []anchorRef
	for _, a := range c.anchors {
		out = append(out, anchorRef{t: k, norms: a.norms, cased: a.cased})
	}
	for _, m := range c.masks {
		out = append(out, anchorRef{t: k, norms: m, mask: true})
	}
	return out
}

func (s *TargetScorer) compile(t Target) compiledTarget {
	c := compiledTarget{name: t.Name}
	for _, n := range append([]string{t.Name}, t.Aliases...) {
		if norms := normsOf(n); len(norms) > 0 {
			c.anchors = append(c.anchors, anchor{norms: norms, cased: s.ordinary(norms)})
		}
	}
	for _, w := range t.Terms {
		if norms := normsOf(w); len(norms) > 0 {
			c.masks = append(c.masks, norms)
		}
	}
	return c
}

// ordinary reports a one-word name that is also a French or English word.
func (s *TargetScorer) ordinary(norms []string) bool {
	if len(norms) != 1 {
		return false
	}
	_, lex := s.a.lex[norms[0]]
	_, common := s.a.intern[norms[0]]
	return lex || common
}

func normsOf(s string) []string {
	toks := tokenizeInto(nil, s, nil)
	out := make([]string, 0, len(toks))
	for _, t := range toks {
		out = append(out, t.Norm)
	}
	return out
}

// Analyze is the sentiment about brand in text. brand need not be one of
// the scorer's targets; extra are more words that name it in this text
// (the terms the watch query matched).
func (s *TargetScorer) Analyze(text, brand string, extra []string) TargetResult {
	k := -1
	for i := range s.targets {
		if strings.EqualFold(s.targets[i].name, brand) {
			k = i
			break
		}
	}
	var more []anchorRef
	name := brand
	if k < 0 {
		c := s.compile(Target{Name: brand})
		k = len(s.targets) // an ad hoc target after the configured ones
		more = c.refs(k)
	} else {
		name = s.targets[k].name
	}
	for _, w := range extra {
		if norms := normsOf(w); len(norms) > 0 {
			more = append(more, anchorRef{t: k, norms: norms, cased: s.ordinary(norms)})
		}
	}
	return s.score(text, k, name, more)
}

// AnalyzeAll is the sentiment about every target, in the scorer's order.
func (s *TargetScorer) AnalyzeAll(text string) []TargetResult {
	out := make([]TargetResult, len(s.targets))
	for k := range s.targets {
		out[k] = s.score(text, k, s.targets[k].name, nil)
	}
	return out
}

// Word classes of the target layer (folded forms).
var (
	// clauseLeads open a clause that outweighs the ones before it.
	clauseLeads = wordSet("mais cependant pourtant toutefois neanmoins heureusement malheureusement finalement " +
		"maintenant desormais sauf but however although though whereas luckily unfortunately eventually now")
	// concessive marks make their clause a concession: "certes", "au début", "je ne dirais pas".
	concessives    = wordSet("certes debut dirais dirai avoue admettons evidemment bien_sur admittedly sure first")
	sarcasmOpeners = wordSet("merci bravo felicitations chapeau genial super thanks thank congrats congratulations " +
		"champions champion")
	ironicEmoji   = map[string]bool{"👏": true, "🙃": true, "🙄": true, "😒": true}
	complaintCues = wordSet("panne pannes coupure coupe coupee coupes plante perdu perdue perdus ecrase ecrasee " +
		"retard retards attente injoignable annule annulee annules supprime supprimee bloque bloquee manque manquee " +
		"fausse faux redemarre outage outages delay delays fee fees lost broken cancelled down")
	complaintAfterSans = wordSet("internet reseau telephone connexion reponse nouvelles ligne electricite eau " +
		"chauffage tele tv service wifi signal")
	newsCues = wordSet("annonce annoncent annonce annonce ouvre ouvrira ouvrent inaugure inaugurera publie publiera " +
		"publient presente presentera presentent lance lancera lancent nomme nommera demenage demenagera installe " +
		"implante recrute recrutera rachete rachetera organise organisera tiendra tient investit investira rappelle " +
		"signe signera partenariat resultats resultat chiffre trimestre trimestriel trimestriels semestriel annuel annuels " +
		"conference rebaptise sponsorise deploie teste ouverture fermeture selon change appartient " +
		"opening opens announces announced publishes results quarterly appointed launches launching moves hold holds " +
		"press conference talks investor")
	opinionCues = wordSet("je j me moi mon ma mes i my me nous")
	// comparators: "mieux que" (+), "pire que" (-); "plus/moins ADJ que" takes ADJ's sign.
	compWords = map[string]float64{"mieux": 1, "meilleur": 1, "meilleure": 1, "meilleurs": 1, "meilleures": 1,
		"superieur": 1, "superieure": 1, "better": 1, "cheaper": 1, "faster": 1, "pire": -1, "pires": -1,
		"inferieur": -1, "inferieure": -1, "worse": -1, "slower": -1, "pricier": -1}
	compThan   = wordSet("que qu than a au aux celui celle ceux")
	switchFrom = wordSet("quitte quitter quittee resilie left leave switched switch abandonne lache")
	switchTo   = wordSet("pour for to chez vers")
	preferVerb = wordSet("prefere preferer preferons preferez prefer prefers preferred")
	preferOver = wordSet("a au aux over to than que")
	unlikeMark = wordSet("contrairement unlike difference")
	beforeMark = wordSet("avant before ancien ancienne previously")
)

func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// tclause is one clause of a sentence: a token span, its rule-layer sum
// and the targets it names.
type tclause struct {
	from, to int
	sum      float64
	hits     []Hit
	targets  uint64
	weight   float64 // concession weight (1, or less when a later clause overrules it)
	owners   uint64  // targets an unnamed clause speaks of (0: the whole sentence's)
	compIdx  int     // token index of a comparator's "que"/"than", -1 if none
	compSign float64
	compEv   string
}

// targetAcc accumulates the weighted evidence about one target.
type targetAcc struct {
	sum   float64
	found bool
	ev    []scored
}

type scored struct {
	phrase string
	v      float64
}

func (acc *targetAcc) add(phrase string, v float64) {
	acc.sum += v
	if phrase != "" && v != 0 {
		acc.ev = append(acc.ev, scored{phrase, v})
	}
}

// sentInfo is one sentence prepared for the target layer.
type sentInfo struct {
	toks    []Token
	anchor  []int // target named at each token, -1 elsewhere
	clauses []tclause
	targets uint64
	lead    bool // opens with "heureusement", "mais"…: the sentences before weigh less
	news    bool // an announcement verb or noun ("ouvre", "résultats")
	opinion bool // a first-person mark ("je", "mon", "I")
	sarcasm string
	// sarcasmFrom is the first clause the irony reaches (the opener's).
	sarcasmFrom int
}

// score runs the target layer over text and returns the result for target
// want (named name); more are anchors of this text only.
func (s *TargetScorer) score(text string, want int, name string, more []anchorRef) TargetResult {
	// mark every sentence with global target ids, then give the targets
	// named a slot each: want first, the others in order of appearance.
	sc := s.pool.Get().(*targetScratch)
	defer s.release(sc)
	toks, spans := sc.toks[:0], sc.spans[:0]
	for _, st := range s.split(text) {
		n := len(toks)
		toks = tokenizeInto(toks, st, s.a.intern)
		if len(toks) > n {
			spans = append(spans, [2]int{n, len(toks)})
		}
	}
	sc.toks, sc.spans = toks, spans
	if cap(sc.anc) < len(toks) {
		sc.anc = make([]int, len(toks))
	}
	anc := sc.anc[:len(toks)]
	for _, sp := range spans {
		s.markAnchors(toks[sp[0]:sp[1]], anc[sp[0]:sp[1]], more)
	}
	slot := append(sc.slot[:0], want) // slot k holds global target slot[k]
	for i, t := range anc {
		if t < 0 {
			continue
		}
		k := slices.Index(slot, t)
		if k < 0 && len(slot) < maxTargets {
			k = len(slot)
			slot = append(slot, t)
		}
		anc[i] = k // -1 beyond maxTargets brands: masked, not told apart
	}
	sc.slot = slot
	n := len(slot)
	accs := make([]targetAcc, n)
	infos := make([]sentInfo, 0, len(spans))
	all := uint64(0)
	for _, sp := range spans {
		si := s.sentence(toks[sp[0]:sp[1]], anc[sp[0]:sp[1]], &sc.hits)
		all |= si.targets
		infos = append(infos, si)
	}
	for k := range infos {
		if infos[k].lead {
			for j := 0; j < k; j++ {
				for c := range infos[j].clauses {
					infos[j].clauses[c].weight *= 0.35
				}
			}
		}
	}
	single := bits(all) == 1
	prev := uint64(0)
	for k := range infos {
		si := &infos[k]
		about := si.targets
		if about == 0 {
			// no brand named: the sentence goes on about the previous
			// sentence's brand (or, first, the next one's).
			about = prev
			if about == 0 {
				for j := k + 1; j < len(infos) && about == 0; j++ {
					about = infos[j].targets
				}
			}
			if !single && bits(about) != 1 {
				about = 0
			}
			if all == 0 {
				// no brand named anywhere (matched through the title or a
				// query word): the whole text is about the wanted brand.
				about = 1
			}
		}
		for t := 0; t < n; t++ {
			bit := uint64(1) << t
			if about&bit == 0 {
				continue
			}
			ironyW := 0.0
			for c := range si.clauses {
				cl := &si.clauses[c]
				var w float64
				switch {
				case si.targets == 0 && all == 0:
					w = 1
				case si.targets == 0:
					w = 0.5
				case cl.targets&bit != 0:
					w = 1
					accs[t].found = true
				case cl.targets != 0:
					w = 0
				case si.targets == bit:
					w = 1
				case cl.owners&bit != 0:
					w = 0.8
				}
				w *= cl.weight
				if w == 0 {
					continue
				}
				if c >= si.sarcasmFrom {
					ironyW = max(ironyW, w)
				}
				s.addClause(&accs[t], si.anchor, cl, t, w)
			}
			if si.sarcasm != "" && ironyW > 0 {
				accs[t].add("sarcasme:"+si.sarcasm, -0.8*ironyW)
			}
		}
		s.relations(si, accs, n, !single && all != 0)
		if si.targets != 0 {
			prev = si.targets
		}
	}
	news, opinion := false, false
	for k := range infos {
		if infos[k].targets&1 != 0 { // slot 0: the wanted brand
			news = news || infos[k].news
			opinion = opinion || infos[k].opinion
		}
	}
	return TargetResult{Brand: name, Found: accs[0].found, Result: finish(&accs[0], news && !opinion)}
}

func bits(m uint64) int {
	n := 0
	for ; m != 0; m &= m - 1 {
		n++
	}
	return n
}

// sentence cuts one marked sentence (anc: the slot named at each token)
// into clauses and scores each with the rule layer.
func (s *TargetScorer) sentence(toks []Token, anc []int, hits *[]Hit) sentInfo {
	si := sentInfo{toks: toks, anchor: anc}
	si.clauses = s.clauses(toks, si.anchor, hits)
	for _, c := range si.clauses {
		si.targets |= c.targets
	}
	first := true
	for i := range toks {
		t := &toks[i]
		if t.Kind != KWord || si.anchor[i] >= 0 || t.Norm == maskNorm {
			continue
		}
		if first {
			si.lead = clauseLeads[t.Norm] || t.Norm == "par" && i+1 < len(toks) && toks[i+1].Norm == "contre"
			first = false
		}
		si.news = si.news || newsCues[t.Norm]
		si.opinion = si.opinion || opinionCues[t.Norm]
	}
	for _, t := range toks {
		if t.Kind == KEmoji {
			si.opinion = true
		}
	}
	si.sarcasm, si.sarcasmFrom = s.sarcasm(toks, si.anchor, si.clauses)
	if si.sarcasm != "" {
		// the praise is the irony: "merci X pour ces trois jours sans internet".
		for c := si.sarcasmFrom; c < len(si.clauses); c++ {
			cl := &si.clauses[c]
			cl.sum = 0
			for h := range cl.hits {
				if cl.hits[h].Value > 0 {
					cl.hits[h].Value *= -0.8
					cl.hits[h].Phrase = "" // the sarcasm tag says it
				}
				cl.sum += cl.hits[h].Value
			}
		}
	}
	return si
}

// maskNorm replaces the norm of brand and query words: no lexicon entry,
// no model feature learnt from it.
const maskNorm = "<brand>"

// markAnchors sets, per token, the target it names (-1), and masks every
// brand, alias and query word in toks; more are this text's own anchors.
func (s *TargetScorer) markAnchors(toks []Token, anc []int, more []anchorRef) {
	for i := range anc {
		anc[i] = -1
	}
	for i := 0; i < len(toks); i++ {
		best, bestN, bestAnchor := -1, 0, false
		try := func(r *anchorRef) {
			if len(r.norms) > bestN && matchNorms(toks, i, r.norms) {
				best, bestN = r.t, len(r.norms)
				bestAnchor = !r.mask && (!r.cased || startsUpper(toks[i].Raw))
			}
		}
		key := toks[i].Norm
		if toks[i].Kind == KUser {
			// "@Orange", "@free": the account names the brand.
			key = Fold(strings.TrimPrefix(toks[i].Raw, "@"))
			if k := strings.IndexByte(key, '_'); k > 0 {
				key = key[:k] // "@SNCF_Voyageurs"
			}
			for _, r := range s.index[key] {
				if len(r.norms) == 1 && len(r.norms[0]) == len(key) {
					best, bestN, bestAnchor = r.t, 1, !r.mask
				}
			}
			if best < 0 {
				continue
			}
		}
		for _, r := range s.index[key] {
			try(&r)
		}
		for k := range more {
			try(&more[k])
		}
		if best < 0 {
			continue
		}
		for j := i; j < i+bestN; j++ {
			if bestAnchor {
				anc[j] = best
			}
			if toks[j].Kind == KWord {
				toks[j].Norm = maskNorm
			}
		}
		i += bestN - 1
	}
}

func matchNorms(toks []Token, i int, norms []string) bool {
	if i+len(norms) > len(toks) {
		return false
	}
	for k, n := range norms {
		if toks[i+k].Norm != n {
			return false
		}
	}
	return true
}

func startsUpper(s string) bool {
	r, _ := utf8.DecodeRuneInString(strings.TrimLeft(s, "#@"))
	return unicode.IsUpper(r)
}

// clauses cuts a sentence at commas, semicolons, colons, brackets and
// contrast words, and scores each clause with the rule layer.
func (s *TargetScorer) clauses(toks []Token, anc []int, hits *[]Hit) []tclause {
	var out []tclause
	start := 0
	lead := false
	leadLen := 1
	flush := func(end int, nextLead bool) {
		if end > start {
			from := start
			if lead {
				from += leadLen // the contrast word itself is no evidence
			}
			c := tclause{from: start, to: end, weight: 1, compIdx: -1}
			if from < end {
				// the hits go after the text's earlier ones in the pooled
				// buffer; a clause that outgrows it keeps its own copy.
				hb := *hits
				r := s.a.analyseInto(toks[from:end], nil, hb[len(hb):])
				c.hits = r.Hits
				*hits = append(hb, r.Hits...)
				for _, h := range r.Hits {
					c.sum += h.Value
				}
			}
			for j := start; j < end; j++ {
				if anc[j] >= 0 {
					c.targets |= 1 << anc[j]
				}
			}
			s.comparator(toks, &c)
			if from < end && (toks[from].Norm == "si" || toks[from].Norm == "if") && !s.a.sentimentAhead(toks, from) {
				c.weight = 0.3 // "si vous cherchez une box fiable, évitez X": a hypothesis
			}
			if lead {
				// "certes…, mais", "au début…, finalement": the clause that
				// follows overrules the ones before it, unless they are
				// about another brand ("X était tourné, heureusement Y…").
				for k := range out {
					if c.targets != 0 && out[k].targets != 0 && out[k].targets&c.targets == 0 {
						continue
					}
					out[k].weight *= 0.35
					if hasWord(toks, out[k].from, out[k].to, concessives) {
						out[k].weight *= 0.4
					}
				}
			}
			out = append(out, c)
		}
		start, lead = end, nextLead
	}
	for i := 0; i < len(toks); i++ {
		t := &toks[i]
		switch {
		case t.Kind == KPunct && (t.Norm == "," || t.Norm == ";" || t.Norm == ":" || t.Norm == "(" || t.Norm == ")" || t.Norm == "—" || t.Norm == "!" || t.Norm == "?"):
			flush(i, false)
			start = i + 1
		case t.Kind == KWord && anc[i] < 0 && i > start && clauseLeads[t.Norm] && t.Norm != "sauf":
			flush(i, true)
			leadLen = 1
		case t.Kind == KWord && anc[i] < 0 && ((t.Norm == "par" || t.Norm == "en") && i+1 < len(toks) && (toks[i+1].Norm == "contre" || toks[i+1].Norm == "revanche") ||
			(t.Norm == "alors" || t.Norm == "tandis") && i+1 < len(toks) && toks[i+1].Norm == "que"):
			if i > start {
				flush(i, true)
			} else {
				lead = true
			}
			leadLen = 2
		case t.Kind == KWord && anc[i] < 0 && i == start && clauseLeads[t.Norm]:
			lead, leadLen = true, 1
		}
	}
	flush(len(toks), false)
	// an unnamed clause speaks of the brand of the clause before it (or
	// after); a list of names ("Free, Orange, SFR : tous pareils") of all.
	brandOnly := func(c tclause) bool {
		for j := c.from; j < c.to; j++ {
			if toks[j].Kind == KWord && anc[j] < 0 && !listWords[toks[j].Norm] {
				return false
			}
		}
		return true
	}
	for k := range out {
		if out[k].targets != 0 {
			continue
		}
		for j := k - 1; j >= 0; j-- {
			if out[j].targets == 0 {
				continue
			}
			out[k].owners |= out[j].targets
			if !brandOnly(out[j]) {
				break
			}
		}
		if out[k].owners == 0 {
			for j := k + 1; j < len(out); j++ {
				if out[j].targets != 0 {
					out[k].owners = out[j].targets
					break
				}
			}
		}
	}
	return out
}

// listWords may join brand names in a list without saying anything.
var listWords = wordSet("le la les l chez et ou ni de du des d and or")

func lowBit(m uint64) int {
	for i := 0; i < 64; i++ {
		if m&(1<<i) != 0 {
			return i
		}
	}
	return -1
}

func hasWord(toks []Token, from, to int, set map[string]bool) bool {
	for j := from; j < to; j++ {
		if toks[j].Kind == KWord && set[toks[j].Norm] {
			return true
		}
	}
	return false
}

// comparator finds "X mieux que Y", "plus cher que", "moins bien que",
// "better than" in a clause: the brand before it takes the comparison's
// sign, the brand after "que" the opposite.
func (s *TargetScorer) comparator(toks []Token, c *tclause) {
	for i := c.from; i < c.to; i++ {
		t := &toks[i]
		if t.Kind != KWord || t.Norm == maskNorm {
			continue
		}
		sign, word := 0.0, i
		if v, ok := compWords[t.Norm]; ok {
			sign = v
		} else if t.Norm == "plus" || t.Norm == "moins" || t.Norm == "more" || t.Norm == "less" {
			for j := i + 1; j < c.to && j <= i+2; j++ {
				if v, ok := s.a.lookup(toks[j].Norm); ok && v != 0 {
					sign, word = math.Copysign(1, v), j
					if t.Norm == "moins" || t.Norm == "less" {
						sign = -sign
					}
					break
				}
			}
		}
		if sign == 0 {
			continue
		}
		for j := word + 1; j < c.to && j <= word+4; j++ {
			n := toks[j].Norm
			if n == "que" || n == "than" || (n == "a" || n == "au" || n == "aux") && strings.HasPrefix(toks[word].Norm, "superieur") ||
				(n == "a" || n == "au" || n == "aux") && strings.HasPrefix(toks[word].Norm, "inferieur") {
				c.compIdx, c.compSign = j, sign
				c.compEv = joinRaw(toks, i, j)
				return
			}
		}
	}
}

// addClause adds a clause's evidence to the target t at weight w.
func (s *TargetScorer) addClause(acc *targetAcc, anc []int, c *tclause, t int, w float64) {
	if c.compIdx >= 0 && c.targets&(1<<t) != 0 {
		first := -1
		for j := c.from; j < c.to; j++ {
			if anc[j] == t {
				first = j
				break
			}
		}
		if first > c.compIdx {
			acc.add(c.compEv+"→"+signMark(-c.compSign), -0.9*c.compSign*w)
			return
		}
		acc.add(c.compEv+"→"+signMark(c.compSign), 0.9*c.compSign*w)
	}
	for _, h := range c.hits {
		acc.add(h.Phrase, h.Value*w)
	}
}

func signMark(v float64) string {
	if v < 0 {
		return "-"
	}
	return "+"
}

// sarcasm returns "merci…panne" when praise ("merci X", "bravo X", 👏, 🙃)
// meets a complaint in one sentence, "" otherwise, and the clause from
// which the irony reaches (the opener's; the complaint's for an emoji).
func (s *TargetScorer) sarcasm(toks []Token, anc []int, clauses []tclause) (string, int) {
	overruled := func(i int) bool { // in a clause a later "mais" outweighs
		for _, c := range clauses {
			if i >= c.from && i < c.to {
				return c.weight < 1
			}
		}
		return false
	}
	opener, complaint := "", ""
	openAt, complaintAt := -1, -1
	resolved := false
	for i := range toks {
		t := &toks[i]
		switch t.Kind {
		case KEmoji:
			if ironicEmoji[t.Norm] && opener == "" {
				opener = t.Raw
			}
			continue
		case KWord:
		default:
			continue
		}
		if anc[i] >= 0 || t.Norm == maskNorm {
			continue
		}
		n := t.Norm
		switch {
		case sarcasmOpeners[n] && openAt < 0 && !s.a.sentimentAhead(toks, i):
			// "super réactif" is praise: an intensifier is no opener.
			opener, openAt = t.Raw, i
		case complaint != "" || overruled(i):
		case n == "well" && i+1 < len(toks) && toks[i+1].Norm == "done" && openAt < 0:
			opener, openAt = "well done", i
		case complaintCues[n]:
			complaint, complaintAt = t.Raw, i
		case (n == "sans" || n == "without" || n == "no") && i+1 < len(toks) && nextWordIn(toks, i+1, 3, complaintAfterSans):
			complaint, complaintAt = t.Raw+" "+toks[i+1].Raw, i
		case (n == "encore" || n == "another" || n == "again") && i+1 < len(toks) && (toks[i+1].Kind == KNumber ||
			wordSet1(toks[i+1].Norm, "un", "une", "des", "le", "la", "mon", "ma", "week", "hour", "day")):
			complaint, complaintAt = t.Raw, i
		case n == "toujours" && i+1 < len(toks) && toks[i+1].Norm == "pas":
			complaint, complaintAt = "toujours pas", i
		}
		if wordSet1(n, "regle", "reglee", "resolu", "resolue", "retabli", "retablie", "repare", "reparee", "fixed", "solved", "depanne", "rembourse") {
			resolved = true
		}
	}
	if opener == "" || resolved {
		return "", 0
	}
	if complaint == "" {
		// a plain negative word in the sentence is a complaint too.
		for _, c := range clauses {
			for _, h := range c.hits {
				if h.Value < -0.3 && !h.Negated && complaint == "" && c.weight >= 1 {
					complaint, complaintAt = h.Phrase, c.from
				}
			}
		}
	}
	if complaint == "" {
		return "", 0
	}
	at := openAt
	if at < 0 {
		at = complaintAt
	}
	from := 0
	for k, c := range clauses {
		if c.from <= at {
			from = k
		}
	}
	return strings.ToLower(opener) + "…" + strings.ToLower(complaint), from
}

func wordSet1(w string, set ...string) bool { return slices.Contains(set, w) }

func nextWordIn(toks []Token, from, n int, set map[string]bool) bool {
	for j := from; j < len(toks) && j < from+n; j++ {
		if set[toks[j].Norm] {
			return true
		}
	}
	return false
}

// relations applies the patterns that tie two brands of a sentence: "j'ai
// quitté X pour Y", "je préfère X à Y", "contrairement à X, Y…", "avant chez X".
func (s *TargetScorer) relations(si *sentInfo, accs []targetAcc, n int, multi bool) {
	toks, anc := si.toks, si.anchor
	next := func(from, within int) (int, int) { // the next anchor after from: token, target
		for j := from; j < len(toks) && j <= from+within; j++ {
			if anc[j] >= 0 {
				return j, anc[j]
			}
		}
		return -1, -1
	}
	endOf := func(j int) int {
		for j+1 < len(toks) && anc[j+1] == anc[j] {
			j++
		}
		return j
	}
	for i := range toks {
		t := &toks[i]
		if t.Kind != KWord || anc[i] >= 0 {
			continue
		}
		switch {
		case switchFrom[t.Norm] || t.Norm == "passe" && i+1 < len(toks) && toks[i+1].Norm == "de":
			j, x := next(i+1, 3)
			if x < 0 {
				continue
			}
			accs[x].add(t.Raw+"…→-", -0.9)
			for k := endOf(j) + 1; k < len(toks) && k <= endOf(j)+3; k++ {
				if switchTo[toks[k].Norm] || toks[k].Norm == "a" {
					if _, y := next(k+1, 3); y >= 0 && y != x {
						accs[y].add(t.Raw+"…"+toks[k].Raw+"→+", 0.9)
					}
					break
				}
			}
		case preferVerb[t.Norm]:
			j, x := next(i+1, 4)
			if x < 0 {
				continue
			}
			accs[x].add(t.Raw+"→+", 0.8)
			for k := endOf(j) + 1; k < len(toks) && k <= endOf(j)+4; k++ {
				if preferOver[toks[k].Norm] {
					if _, y := next(k+1, 3); y >= 0 && y != x {
						accs[y].add(t.Raw+"…"+toks[k].Raw+"→-", -0.8)
					}
					break
				}
			}
		case unlikeMark[t.Norm]:
			j, x := next(i+1, 4)
			if x < 0 {
				continue
			}
			// the main clause says what X is not: its sign, reversed.
			main, ys := 0.0, uint64(0)
			for _, c := range si.clauses {
				if c.from > j {
					main += c.sum
					ys |= c.targets
				}
			}
			sign := 1.0
			if main < 0 {
				sign = -1
			}
			ev := "contrairement à"
			if t.Norm == "unlike" {
				ev = "unlike"
			}
			accs[x].add(ev+"→"+signMark(-sign), -0.9*sign)
			for y := 0; y < n; y++ {
				if ys&(1<<y) != 0 && y != x {
					accs[y].add(ev+"→"+signMark(sign), 0.5*sign)
				}
			}
		case multi && beforeMark[t.Norm] && !(i+1 < len(toks) && wordSet1(toks[i+1].Norm, "de", "d", "hier")):
			// "avant j'étais chez X", "j'étais chez X avant": the brand left behind.
			for _, c := range si.clauses {
				if i >= c.from && i < c.to && bits(c.targets) == 1 {
					accs[lowBit(c.targets)].add(t.Raw+"…→-", -0.6)
				}
			}
		}
	}
}

// finish turns the accumulated evidence into a Result; newsLike: the
// target's sentences read as news, so weak evidence stays neutral.
func finish(acc *targetAcc, newsLike bool) Result {
	sum := acc.sum
	if newsLike && math.Abs(sum) < 0.75 {
		sum = 0
	}
	score := math.Tanh(sum)
	res := Result{Score: round3(score), Confidence: round3(0.5 + math.Abs(score)/2), Label: "neu"}
	switch {
	case score > targetThreshold:
		res.Label = "pos"
	case score < -targetThreshold:
		res.Label = "neg"
	}
	slices.SortStableFunc(acc.ev, func(x, y scored) int {
		switch ax, ay := math.Abs(x.v), math.Abs(y.v); {
		case ax > ay:
			return -1
		case ax < ay:
			return 1
		}
		return 0
	})
	ev := make([]string, 0, MaxEvidence)
	if newsLike && sum == 0 {
		ev = append(ev, "actualité")
	}
	for _, e := range acc.ev {
		if len(ev) >= MaxEvidence || res.Label == "neu" && len(ev) >= 3 {
			break
		}
		if res.Label == "pos" && e.v <= 0 || res.Label == "neg" && e.v >= 0 {
			continue
		}
		ev = addEvidence(ev, e.phrase)
	}
	res.Evidence = ev
	return res
}

// targetThreshold is the |score| from which a brand's label is pos or neg.
const targetThreshold = 0.2

// SplitSentences is the default SentenceSplitter: it cuts after ".", "!",
// "?", "…" and at line breaks, not after an initial ("M.", "J.") or a
// common abbreviation, nor inside a number ("3.5"). Emoji after the
// punctuation stay with their sentence.
func SplitSentences(text string) []string {
	var out []string
	start := 0
	emit := func(end int) {
		if s := strings.TrimSpace(text[start:end]); s != "" {
			out = append(out, s)
		}
		start = end
	}
	for i := 0; i < len(text); {
		r, sz := utf8.DecodeRuneInString(text[i:])
		switch {
		case r == '\n':
			emit(i)
			i += sz
			start = i
			continue
		case r == '.' || r == '!' || r == '?' || r == '…':
			j := i + sz
			for j < len(text) {
				r2, s2 := utf8.DecodeRuneInString(text[j:])
				if r2 != '.' && r2 != '!' && r2 != '?' && r2 != '…' && r2 != '"' && r2 != '»' && r2 != ')' {
					break
				}
				j += s2
			}
			if r == '.' && j == i+1 && abbreviation(text[start:i]) {
				i = j
				continue
			}
			if j < len(text) {
				r2, _ := utf8.DecodeRuneInString(text[j:])
				if !unicode.IsSpace(r2) {
					i = j // "3.5", "www.x.fr", "?!x"
					continue
				}
			}
			// emoji and spaces that close the sentence belong to it.
			k := j
			for k < len(text) {
				r2, s2 := utf8.DecodeRuneInString(text[k:])
				if r2 == '\n' || !unicode.IsSpace(r2) && !isEmojiRune(r2) && r2 != 0xFE0F && r2 != 0x200D {
					break
				}
				k += s2
			}
			emit(k)
			i = k
			continue
		}
		i += sz
	}
	emit(len(text))
	return out
}

// abbreviation reports whether the word before a period is an initial or
// a common abbreviation.
func abbreviation(before string) bool {
	k := strings.LastIndexFunc(before, func(r rune) bool { return !unicode.IsLetter(r) })
	w := before[k+1:]
	if utf8.RuneCountInString(w) == 1 {
		return true
	}
	switch strings.ToLower(w) {
	case "mme", "mlle", "dr", "st", "ste", "etc", "cf", "ex", "vs", "av", "bd", "mr", "mrs", "ms", "no", "p":
		return true
	}
	return false
}
