package enrich

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
)

var update = flag.Bool("update", false, "rewrite golden files")

func newTagger(t testing.TB) *Tagger {
	t.Helper()
	tg, err := New(Options{Brands: []string{"Orange", "SNCF"}, Now: func() time.Time { return time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

func golden(t *testing.T, input, goldenName string, jsonl bool) {
	in, err := os.ReadFile(filepath.Join("testdata", input))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := newTagger(t).TagLines(context.Background(), bytes.NewReader(in), &out, jsonl); err != nil {
		t.Fatal(err)
	}
	gp := filepath.Join("testdata", goldenName)
	if *update {
		if err := os.WriteFile(gp, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(gp)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), want) {
		t.Errorf("%s differs from %s (run with -update after checking):\n%s", input, gp, out.String())
	}
	if got, wantN := strings.Count(out.String(), "\n"), strings.Count(string(in), "\n"); got != wantN {
		t.Errorf("%d output lines for %d input lines", got, wantN)
	}
}

func TestTagLinesGolden(t *testing.T) { golden(t, "tag.input.txt", "tag.golden.jsonl", false) }
func TestTagLinesJSONLGolden(t *testing.T) {
	golden(t, "tag_jsonl.input.jsonl", "tag_jsonl.golden.jsonl", true)
}

func TestTagShape(t *testing.T) {
	r := newTagger(t).Tag("Le nouveau menu, franchement pas terrible", "fr")
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"lang", "lang_confidence", "sentiment", "toxic", "toxicity", "entities"} {
		if _, ok := m[k]; !ok {
			t.Errorf("missing key %q in %s", k, b)
		}
	}
	if len(m) != 6 {
		t.Errorf("unexpected keys in %s", b)
	}
	s := m["sentiment"].(map[string]any)
	for _, k := range []string{"label", "score", "confidence", "evidence"} {
		if _, ok := s[k]; !ok {
			t.Errorf("missing sentiment.%s in %s", k, b)
		}
	}
	if r.Sentiment.Label != "neg" || !strings.Contains(strings.Join(r.Sentiment.Evidence, "|"), "pas terrible") {
		t.Errorf("sentiment %+v", r.Sentiment)
	}
}

func TestTagLinesErrorsGoOn(t *testing.T) {
	in := "{\"text\": \"top\"}\n{bad\n" + `{"text": "` + strings.Repeat("a", MaxLineBytes+10) + "\"}\n{\"text\": \"nul\"}\n"
	var out bytes.Buffer
	if err := newTagger(t).TagLines(context.Background(), strings.NewReader(in), &out, true); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d output lines, want 4:\n%s", len(lines), out.String())
	}
	for i, wantErr := range []bool{false, true, true, false} {
		if got := strings.HasPrefix(lines[i], `{"error":`); got != wantErr {
			t.Errorf("line %d: %s (want error: %v)", i+1, lines[i][:min(80, len(lines[i]))], wantErr)
		}
	}
}

func TestTagLinesCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := newTagger(t).TagLines(ctx, strings.NewReader("a\nb\n"), &bytes.Buffer{}, false); err == nil {
		t.Error("cancelled context: no error")
	}
}

func TestEnrich(t *testing.T) {
	tg := newTagger(t)
	body := read(t, "../nlp/dedup/testdata/article_a.txt")
	m := &mention.Mention{ID: "0123456789abcdef0123456789abcdef", Title: "Saint-Malo: colère après l'annonce", Text: body, LangHint: "fr",
		Enrichment: &mention.Enrichment{InfluenceScore: 0.7, IsInfluencer: true, AuthorKey: "k"}}
	tg.Enrich(m)
	e := m.Enrichment
	if e.InfluenceScore != 0.7 || !e.IsInfluencer || e.AuthorKey != "k" {
		t.Errorf("influence fields changed: %+v", e)
	}
	if e.Lang == "" || e.Sentiment.Label == "" || e.EnrichedAt.IsZero() || e.DupCluster != m.ID {
		t.Errorf("enrichment incomplete: %+v", e)
	}
	found := false
	for _, en := range e.Entities {
		if en.Text == "Saint-Malo" && en.Type == "LOC" {
			found = true
		}
	}
	if !found {
		t.Errorf("entities %+v lack Saint-Malo", e.Entities)
	}
	// a copy elsewhere joins the first one's cluster.
	c := &mention.Mention{ID: "ffffffffffffffffffffffffffffffff", Text: "Publié par la rédaction. " + body + " Partager sur Facebook."}
	tg.Enrich(c)
	if c.Enrichment.DupCluster != m.ID {
		t.Errorf("copy cluster %q, want %q", c.Enrichment.DupCluster, m.ID)
	}
	// toxic mention
	x := &mention.Mention{ID: "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee", Text: "on va brûler vos magasins"}
	tg.Enrich(x)
	if !x.Enrichment.Toxic || x.Enrichment.Toxicity[0].Category != "threat" {
		t.Errorf("toxicity %+v", x.Enrichment)
	}
}

func read(t testing.TB, p string) string {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestEvalTwoAndThreeClass(t *testing.T) {
	var out bytes.Buffer
	rep, err := Eval(strings.NewReader("pos\tsuper produit, je recommande\nneg\tnul, à éviter\nneg\tpas terrible\n"), &out)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.TwoClass || rep.N != 3 || rep.Accuracy != 1 || len(rep.Confusion) != 2 {
		t.Errorf("two-class report %+v\n%s", rep, out.String())
	}
	if !strings.Contains(out.String(), "macro-F1") || !strings.Contains(out.String(), "confusion") {
		t.Errorf("printout:\n%s", out.String())
	}
	rep, err = Eval(strings.NewReader("neu\tLe conseil municipal se réunit jeudi à 18h\npos\tgénial 😍\nneg\tnul 😡\n"), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.TwoClass || len(rep.Confusion) != 3 {
		t.Errorf("three-class report %+v", rep)
	}
	for _, bad := range []string{"pos super\n", "bon\ttexte\n", ""} {
		if _, err := Eval(strings.NewReader(bad), &bytes.Buffer{}); err == nil {
			t.Errorf("Eval(%q): no error", bad)
		}
	}
}

// TestAccuracyFloor evaluates the validation splits (never trained on).
func TestAccuracyFloor(t *testing.T) {
	data := testenv.SharedData(t, "accuracy floors")
	for _, c := range []struct {
		file  string
		floor float64
		macro bool
	}{
		{"sentiment/fr-tweets/val.tsv", 0.60, true},
		{"sentiment/allocine-tv/dev.tsv", 0.85, false},
	} {
		f, err := os.Open(filepath.Join(data, c.file))
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		rep, err := Eval(f, &out)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s:\n%s", c.file, out.String())
		got := rep.Accuracy
		if c.macro {
			got = rep.MacroF1
		}
		if got < c.floor {
			t.Errorf("%s: %.3f below floor %.2f", c.file, got, c.floor)
		}
	}
}
