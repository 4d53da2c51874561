package langid

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"flag"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/veille-oss/veille/pkg/tooling/loadgen"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
)

var update = flag.Bool("update", false, "rewrite testdata/outputs.golden.json from the current detector")

// The outputs golden pins the detector's exact results (language and the
// bits of the confidence) over some twenty thousand texts, so that speed work
// on the scan or the model table cannot change a single output unnoticed.
const outputsGolden = "testdata/outputs.golden.json"

type goldenSet struct {
	Texts   int            `json:"texts"`
	SHA256  string         `json:"sha256"` // over every (hint, lang, confidence bits) in order
	Samples []goldenSample `json:"samples"`
}

type goldenSample struct {
	Text       string  `json:"text"`
	Hint       string  `json:"hint,omitempty"`
	Lang       string  `json:"lang"`
	Confidence float64 `json:"confidence"`
	Bits       string  `json:"bits"` // math.Float64bits of Confidence, hex
}

type hinted struct{ text, hint string }

// goldenInputs returns the texts of one set, each run once without a hint
// and once with a hint, so both paths of the prior are pinned.
func goldenInputs(t *testing.T, set string) []hinted {
	var texts []string
	hintFor := func(i int) string { return [...]string{"fr", "en", "de", "es", "xx"}[i%5] }
	switch set {
	case "loadgen":
		for seed := uint64(1); seed <= 3; seed++ {
			g := loadgen.Generator{Seed: seed}
			for i := range 1500 {
				texts = append(texts, g.Mention(i).Text)
			}
		}
	case "heldout":
		// Single sentences, plus articles of ten consecutive sentences of a
		// language (past the 600-letter cap).
		for _, name := range []string{"sentences.tsv", "pairs.tsv", "words.tsv"} {
			ss := loadSamples(t, name)
			for _, s := range ss {
				texts = append(texts, s.text)
			}
			if name == "sentences.tsv" {
				for i := 0; i+10 <= len(ss); i += 10 {
					var b strings.Builder
					for _, s := range ss[i : i+10] {
						b.WriteString(s.text + " ")
					}
					texts = append(texts, b.String())
				}
			}
		}
	case "shared":
		dir := testenv.SharedData(t, "exact outputs on the shared French texts")
		for _, p := range []string{"sentiment/fr-tweets/train.tsv", "sentiment/fr-tweets/val.tsv", "sentiment/allocine-tv/train.tsv", "sentiment/allocine-tv/dev.tsv"} {
			texts = append(texts, readTSVTexts(t, filepath.Join(dir, p))...)
		}
	case "edge":
		texts = edgeTexts()
	default:
		t.Fatalf("unknown golden set %q", set)
	}
	out := make([]hinted, 0, 2*len(texts))
	for i, x := range texts {
		out = append(out, hinted{x, ""}, hinted{x, hintFor(i)})
	}
	return out
}

func readTSVTexts(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<16), 1<<20)
	for sc.Scan() {
		_, txt, ok := strings.Cut(sc.Text(), "\t")
		if !ok {
			t.Fatalf("%s: line without a tab: %q", path, sc.Text())
		}
		out = append(out, txt)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(out) == 0 {
		t.Fatalf("%s: empty", path)
	}
	return out
}

// edgeTexts are odd inputs: mixed scripts, long tokens, combining marks,
// invalid UTF-8, random runes, and slices of the held-out texts.
func edgeTexts() []string {
	out := []string{
		"", " ", "a", "É", "l'été", "ÀÉÎÕÜ ÇA VA ?", "e\u0301te\u0301 cafe\u0301",
		strings.Repeat("x", 200), strings.Repeat("anticonstitutionnellement", 5),
		strings.Repeat("été ", 400), "\xff\xfe bonjour \xc3", "日本語とEnglish mixed テキスト",
		"Привет мир hello world", "مرحبا hello", "@user http://x.y www.z.fr a@b.c texte",
		"HTTP://EXAMPLE.COM Bonjour", "ﬁn ﬂeur ǅemal", "İstanbul'da ışık", "ΣΊΣΥΦΟΣ",
	}
	r := rand.New(rand.NewPCG(7, 11))
	alphabet := []rune("abcdefghijklmnopqrstuvwxyzàâçéèêëîïôûùüÿœæñßäöøåąćęłńóśźżşğıİабвгдежзийклмнопрстуфхцчшщъыьэюяіїєґابتثجحخدذرسشصضطظعغفقكلمنهويپچژگکی  \t\n.,;!?'-0123456789😀\u0301\u0308")
	for range 2000 {
		n := r.IntN(120)
		var b strings.Builder
		for range n {
			b.WriteRune(alphabet[r.IntN(len(alphabet))])
		}
		out = append(out, b.String())
	}
	return out
}

func TestOutputsGolden(t *testing.T) {
	d := New()
	want := map[string]goldenSet{}
	if !*update {
		raw, err := os.ReadFile(outputsGolden)
		if err != nil {
			t.Fatalf("%v (run with -update to create it)", err)
		}
		if err := json.Unmarshal(raw, &want); err != nil {
			t.Fatalf("%s: %v", outputsGolden, err)
		}
	}
	got := map[string]goldenSet{}
	for _, set := range []string{"loadgen", "heldout", "shared", "edge"} {
		t.Run(set, func(t *testing.T) {
			in := goldenInputs(t, set)
			h := sha256.New()
			gs := goldenSet{Texts: len(in)}
			var buf []byte
			for i, x := range in {
				res := d.DetectWithHint(x.text, x.hint)
				bits := math.Float64bits(res.Confidence)
				buf = buf[:0]
				buf = append(buf, x.hint...)
				buf = append(buf, 0)
				buf = append(buf, res.Lang...)
				buf = append(buf, 0)
				buf = binary.LittleEndian.AppendUint64(buf, bits)
				h.Write(buf)
				// No samples of the shared texts: third-party data stays out of the
				// repository (its hash is fine). JSON would alter invalid UTF-8.
				if set != "shared" && i%97 == 0 && len(gs.Samples) < 200 && utf8.ValidString(x.text) {
					gs.Samples = append(gs.Samples, goldenSample{
						Text: x.text, Hint: x.hint, Lang: res.Lang, Confidence: res.Confidence,
						Bits: strings.ToLower(hex.EncodeToString(binary.BigEndian.AppendUint64(nil, bits))),
					})
				}
			}
			gs.SHA256 = hex.EncodeToString(h.Sum(nil))
			got[set] = gs
			if *update {
				return
			}
			w, ok := want[set]
			if !ok {
				t.Fatalf("set %s missing from %s (run with -update)", set, outputsGolden)
			}
			for _, s := range w.Samples {
				res := d.DetectWithHint(s.Text, s.Hint)
				bits := hex.EncodeToString(binary.BigEndian.AppendUint64(nil, math.Float64bits(res.Confidence)))
				if res.Lang != s.Lang || bits != s.Bits {
					t.Errorf("DetectWithHint(%q, %q) = %s %v (bits %s), golden %s %v (bits %s)",
						s.Text, s.Hint, res.Lang, res.Confidence, bits, s.Lang, s.Confidence, s.Bits)
				}
			}
			if gs.Texts != w.Texts || gs.SHA256 != w.SHA256 {
				t.Errorf("%d runs hash to %s, golden %d runs %s", gs.Texts, gs.SHA256, w.Texts, w.SHA256)
			}
			t.Logf("%d detections identical to the golden", gs.Texts)
		})
	}
	if *update {
		raw, err := json.MarshalIndent(got, "", " ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(outputsGolden, append(raw, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
