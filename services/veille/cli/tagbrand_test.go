package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestREADMETagBrandExample runs the README's `veille tag --brand` example
// and compares its "brands" with the output the README shows.
func TestREADMETagBrandExample(t *testing.T) {
	readme, err := os.ReadFile("../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)```sh\n# tag-brand-example\necho (\"[^\n]*\") \\| veille tag ([^\n]*)\n```.*?```json\n(.*?)```").FindSubmatch(readme)
	if m == nil {
		t.Fatal("README: no tag-brand-example block followed by its JSON output")
	}
	text, err := strconv.Unquote(string(m[1]))
	if err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := cmdTag(context.Background(), strings.Fields(string(m[2])), stdio{in: strings.NewReader(text + "\n"), out: &out, err: &errb}); code != 0 {
		t.Fatalf("veille tag %s: exit %d: %s", m[2], code, errb.String())
	}
	var got struct {
		Brands json.RawMessage `json:"brands"`
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	var g, w any
	if err := json.Unmarshal(got.Brands, &g); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(m[3], &w); err != nil {
		t.Fatalf("README's JSON: %v", err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if !bytes.Equal(gb, wb) {
		t.Errorf("README example prints\n%s\nnot, as the README shows,\n%s", got.Brands, m[3])
	}
}

func TestTagBrandFlags(t *testing.T) {
	var out, errb bytes.Buffer
	if code := cmdTag(context.Background(), []string{"--brand", " "}, stdio{in: strings.NewReader("x\n"), out: &out, err: &errb}); code != 2 ||
		!strings.Contains(errb.String(), "empty brand name") {
		t.Errorf("--brand ' ': exit %d, %q", code, errb.String())
	}
	dir := t.TempDir()
	cfg := dir + "/veille.yaml"
	if err := os.WriteFile(cfg, []byte("brands:\n  - name: Free\n    aliases: [Freebox]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if code := cmdTag(context.Background(), []string{"--config", cfg}, stdio{in: strings.NewReader("La Freebox plante encore, nul\n"), out: &out, err: &errb}); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var r struct {
		Brands []struct {
			Brand, Label string
			Found        bool
		} `json:"brands"`
	}
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Brands) != 1 || r.Brands[0].Brand != "Free" || r.Brands[0].Label != "neg" || !r.Brands[0].Found {
		t.Errorf("alias from --config: %s", out.String())
	}
}
