package enrich

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/nlp/sentiment"
	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/tooling/loadgen"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
)

// The equivalence test pins every output of the NLP stages over a large,
// varied corpus with one sha256 per corpus, so that speed work on the
// tokenizers and scratch buffers can prove it changed nothing: label,
// score and confidence bits, evidence, toxicity flags, entities, cluster
// ids, plus the sentiment rule layer and model features the trainer uses.
// The language fields are left out: pkg/langid has its own tests and owner.

// eqBrands are the brands of the Tagger under test: loadgen's, plus a
// multi-word one and those of the hand cases.
var eqBrands = []string{"Duval", "Blanchard", "Voltéo", "Vague", "Orange", "SNCF", "Crédit Agricole", "La Poste"}

// eqHand are cases for the rarer paths of the tokenizers: leetspeak,
// capitals, camel-case hashtags, elongations, emoticons, spelled-out
// letters, threats, hate patterns, titles, organisations, places.
var eqHand = []string{
	"t'es qu'un c0nn4rd, je vais te retrouver",
	"C.O.N.N.A.R.D va, sale con, espèce de con, bande de cons",
	"s@l0pe, pUuUute, PUTAIN de merde, ptn ça craint, f*ck",
	"je vais te tuer, on va brûler vos magasins, tu vas le payer, je sais où tu habites",
	"sale arabe, mort aux juifs, les immigrés sont des voleurs, retourne dans ton pays, femmes à la cuisine",
	"I'm gonna kill you, you will die, we will find them",
	"#JeSuisDégoûté #NulÀChier #trop_bien #Super-Top #2024Paris #",
	"trooop biiiien, nuuuul, cooool, gooood, bonnnne, superrrr, méééga",
	"XD :-) :)) :(( :'( >:( </3 <3 ^_^ -_- =) :p :D xD http://d.example ;-) :/ :s :@",
	"😡😡😡 🤬 ❤️ ❤ 👍🏽 👨‍👩‍👧 ⭐ 🙏 ✨ ☹",
	"M. Dupont et Mme Anne Hidalgo ont rencontré le Dr House à Saint-Malo, puis Jean-Pierre Raffarin.",
	"Groupe Lactalis, Laiterie de Saint-Malo, Société Générale SA, Crédit Agricole et La Poste; la SNCF et EDF, RATP",
	"CE PRODUIT EST VRAIMENT NUL, JE NE RECOMMANDE PAS DU TOUT !!! SAV INJOIGNABLE",
	"Charles de Gaulle, Côte d'Ivoire, Provence-Alpes-Côte d'Azur, New York, Le Caire, États-Unis",
	"je n'aime pas, j'aime pas, c'est pas mal, pas terrible du tout, ne vaut pas le coup, ne ... que du bon",
	"aujourd'hui c pas top, jsp pk, chui dég, tkt, stp, mdrrr, ptdr, jtm, y'a pas moyen, dont't, isnt it",
	"Pas de souci, rien à redire, à éviter, à fuir, foutage de gueule, ras le bol, coup de cœur, chef-d'œuvre",
	"not bad, love it, not good, never again, never received, I don't like it but it's awesome",
	"mais cependant pourtant, très très bien, un peu décevant, plutôt bon, assez moyen, hyper génial",
	"Prix: 12,50 € TTC — 3x plus cher!!! ??? !?! 100% remboursé... 2024-01-02 10h30",
	"L’Œuvre d’Ève à Zürich: ÆSIR, ÿ, ñ, ß, İstanbul, ǅ, Ⅻ, ﬁn, ＡＢＣ",
	"@Orange @SNCF_Direct @ @@ #Orange #SNCF rt @user: encore en retard",
	"https://example.org/a?b=c http://t.co/x www.example.com mail@example.org",
	"A B C D E F G H I J K L M N O P Q R S T U V W X Y Z",
	"c o n n a r d  p-u-t-e  s_a_l_o_p_e  m/e/r/d/e",
	"nique ta mère, ta gueule, fils de pute, va te faire foutre, ntm, fdp, tg",
	"",
	"   ",
	"a",
	"\xff\xfe invalid utf-8 \xc3 ending",
	strings.Repeat("mot ", 6000),
	strings.Repeat("Le service client de Duval est nul. ", 300),
}

// eqVariants derives harder variants of a text: upper case, every word
// capitalised, and a tweet-styled one.
func eqVariants(s string) []string {
	words := strings.Fields(s)
	for i, w := range words {
		if w != "" {
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
	}
	return []string{s, strings.ToUpper(s), strings.Join(words, " "), "@fan #JeSuisDégoûté " + s + " !!! 😡 :-) http://t.co/x"}
}

type eqHasher struct {
	h hash.Hash
	n int
}

func (e *eqHasher) str(s string) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(len(s)))
	e.h.Write(b[:])
	e.h.Write([]byte(s))
}

func (e *eqHasher) u64(v uint64) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], v)
	e.h.Write(b[:])
}

func (e *eqHasher) f64(v float64) { e.u64(math.Float64bits(v)) }

func (e *eqHasher) strs(ss []string) {
	if ss == nil {
		e.u64(math.MaxUint64) // nil and empty differ in the JSON
	} else {
		e.u64(uint64(len(ss)))
	}
	for _, s := range ss {
		e.str(s)
	}
}

func (e *eqHasher) bool(b bool) {
	if b {
		e.u64(1)
	} else {
		e.u64(0)
	}
}

// mention hashes everything Enrich outputs but the language.
func (e *eqHasher) mention(m *mention.Mention) {
	x := m.Enrichment
	e.str(x.Sentiment.Label)
	e.f64(x.Sentiment.Score)
	e.f64(x.Sentiment.Confidence)
	e.strs(x.Sentiment.Evidence)
	e.bool(x.Toxic)
	e.bool(x.Toxicity == nil)
	e.u64(uint64(len(x.Toxicity)))
	for _, f := range x.Toxicity {
		e.str(f.Category)
		e.strs(f.Evidence)
	}
	e.bool(x.Entities == nil)
	e.u64(uint64(len(x.Entities)))
	for _, en := range x.Entities {
		e.str(en.Text)
		e.str(en.Type)
	}
	e.str(x.DupCluster)
	e.u64(uint64(x.EnrichedAt.UnixNano()))
	e.f64(x.InfluenceScore)
	e.n++
}

// text hashes Tag (with the Toxicity/Entities/Evidence as Tag returns them)
// and the sentiment rule layer and features.
func (e *eqHasher) text(tg *Tagger, a *sentiment.Analyzer, s string) {
	r := tg.Tag(s, "")
	e.str(r.Sentiment.Label)
	e.f64(r.Sentiment.Score)
	e.f64(r.Sentiment.Confidence)
	e.strs(r.Sentiment.Evidence)
	e.bool(r.Toxic)
	for _, f := range r.Toxicity {
		e.str(f.Category)
		e.strs(f.Evidence)
	}
	for _, en := range r.Entities {
		e.str(en.Text)
		e.str(en.Type)
	}
	ru := a.Rules(s)
	e.f64(ru.Score)
	e.f64(ru.PosSum)
	e.f64(ru.NegSum)
	for _, v := range []int{ru.Excl, ru.Quest, ru.Caps, ru.PosEmo, ru.NegEmo, ru.Negs, ru.Words, len(ru.Hits)} {
		e.u64(uint64(v))
	}
	for _, h := range ru.Hits {
		e.str(h.Phrase)
		e.f64(h.Value)
		e.bool(h.Negated)
	}
	for _, f := range a.Features(s, sentiment.DefaultFeatureOptions, 18) {
		e.u64(uint64(f.Index))
		e.u64(uint64(math.Float32bits(f.Value)))
	}
	for _, t := range sentiment.Tokenize(s) {
		e.str(t.Norm)
		e.str(t.Raw)
		e.u64(uint64(t.Kind))
		e.bool(t.Caps)
		e.bool(t.Elong)
		e.bool(t.Hashtag)
		e.u64(uint64(t.Excl))
	}
	e.str(sentiment.Fold(s))
	e.n++
}

func (e *eqHasher) sum() string { return hex.EncodeToString(e.h.Sum(nil)) }

func eqTagger(t *testing.T) (*Tagger, *sentiment.Analyzer) {
	t.Helper()
	tg, err := New(Options{Brands: eqBrands, Now: func() time.Time { return time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	a, err := sentiment.New()
	if err != nil {
		t.Fatal(err)
	}
	return tg, a
}

// eqMention wraps a text as a mention with a stable id.
func eqMention(i int, title, text string) *mention.Mention {
	m := &mention.Mention{Title: title, Text: text, SourceKind: mention.KindWeb, URL: "https://eq.example/" + strings.Repeat("x", i%3), Position: i}
	m.SetID()
	return m
}

// eqRepoTexts is the always-present corpus: loadgen mentions and the
// repository's test texts with their variants.
func eqRepoTexts(t *testing.T) (ms []*mention.Mention, texts []string) {
	for seed := uint64(1); seed <= 3; seed++ {
		g := loadgen.Generator{Seed: seed, Now: time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC)}
		for i := 0; i < 2000; i++ {
			ms = append(ms, g.Mention(i))
		}
	}
	var base []string
	base = append(base, eqHand...)
	base = append(base, tweets...)
	for _, f := range []string{"testdata/tag.input.txt", "testdata/tag_jsonl.input.jsonl"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			var in struct {
				Text string `json:"text"`
			}
			if json.Unmarshal([]byte(line), &in) == nil {
				line = in.Text
			}
			base = append(base, line)
		}
	}
	for _, f := range []string{"../nlp/dedup/testdata/article_a.txt", "../nlp/dedup/testdata/article_b.txt"} {
		base = append(base, read(t, f))
	}
	for _, s := range base {
		texts = append(texts, eqVariants(s)...)
	}
	for i, s := range texts {
		ms = append(ms, eqMention(i, "", s), eqMention(i, "Avis sur Duval", s))
	}
	return ms, texts
}

// eqSharedTexts are the evaluation texts of ../shared/data the accuracy
// tests read (nil when it is absent).
func eqSharedTexts(t *testing.T) []string {
	data := testenv.SharedData(t, "equivalence over the evaluation texts")
	var texts []string
	for _, f := range []string{"sentiment/fr-tweets/val.tsv", "sentiment/allocine-tv/dev.tsv"} {
		fh, err := os.Open(filepath.Join(data, f))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			if _, text, ok := strings.Cut(sc.Text(), "\t"); ok {
				texts = append(texts, eqVariants(text)...)
			}
		}
		fh.Close()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return texts
}

func eqHash(t *testing.T, ms []*mention.Mention, texts []string) (string, int) {
	tg, a := eqTagger(t)
	e := &eqHasher{h: sha256.New()}
	for _, m := range ms {
		tg.Enrich(m)
		e.mention(m)
	}
	for _, s := range texts {
		e.text(tg, a, s)
	}
	return e.sum(), e.n
}

type eqGolden struct {
	Repo       string `json:"repo"`
	RepoN      int    `json:"repo_n"`
	Shared     string `json:"shared"`
	SharedN    int    `json:"shared_n"`
	Comment    string `json:"comment"`
	SharedSets string `json:"shared_sets"`
}

// TestOutputsUnchanged fails when any NLP output over the corpora differs
// from testdata/equivalence.golden.json (regenerate with -update only when
// an output change is intended).
func TestOutputsUnchanged(t *testing.T) {
	gp := filepath.Join("testdata", "equivalence.golden.json")
	var want eqGolden
	if !*update {
		b, err := os.ReadFile(gp)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &want); err != nil {
			t.Fatal(err)
		}
	}
	ms, texts := eqRepoTexts(t)
	got := eqGolden{Comment: "sha256 of every non-language NLP output; see equivalence_test.go", SharedSets: "fr-tweets/val.tsv, allocine-tv/dev.tsv"}
	got.Repo, got.RepoN = eqHash(t, ms, texts)
	t.Logf("repo corpus: %d outputs, %s", got.RepoN, got.Repo)
	if !*update && (got.Repo != want.Repo || got.RepoN != want.RepoN) {
		t.Errorf("repo corpus: %d outputs hash to %s, want %d to %s", got.RepoN, got.Repo, want.RepoN, want.Repo)
	}
	t.Run("shared", func(t *testing.T) {
		sh := eqSharedTexts(t)
		var shm []*mention.Mention
		for i, s := range sh {
			shm = append(shm, eqMention(i, "", s))
		}
		got.Shared, got.SharedN = eqHash(t, shm, sh)
		t.Logf("shared corpus: %d outputs, %s", got.SharedN, got.Shared)
		if !*update && (got.Shared != want.Shared || got.SharedN != want.SharedN) {
			t.Errorf("shared corpus: %d outputs hash to %s, want %d to %s", got.SharedN, got.Shared, want.SharedN, want.Shared)
		}
	})
	if *update {
		if got.Shared == "" {
			t.Fatal("-update needs ../shared/data to pin the shared corpus")
		}
		b, err := json.MarshalIndent(got, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(gp, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestConcurrentTagSameOutputs runs Tag from several goroutines at once: the
// stages' pooled scratch buffers must give each call the outputs of a
// sequential run (go test -race checks the sharing too).
func TestConcurrentTagSameOutputs(t *testing.T) {
	tg, _ := eqTagger(t)
	_, texts := eqRepoTexts(t)
	want := make([]Result, len(texts))
	for i, s := range texts {
		want[i] = tg.Tag(s, "")
	}
	const workers = 4
	errs := make(chan string, workers)
	for w := 0; w < workers; w++ {
		go func() {
			bad := ""
			for k := range texts {
				i := (k*7 + w*31) % len(texts) // each worker in its own order
				if got := tg.Tag(texts[i], ""); !reflect.DeepEqual(got, want[i]) && bad == "" {
					bad = fmt.Sprintf("text %d: concurrent %+v, sequential %+v", i, got, want[i])
				}
			}
			errs <- bad
		}()
	}
	for w := 0; w < workers; w++ {
		if e := <-errs; e != "" {
			t.Error(e)
		}
	}
}
