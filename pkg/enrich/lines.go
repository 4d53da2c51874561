package enrich

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/veille-oss/veille/pkg/nlp/sentiment"
	"github.com/veille-oss/veille/pkg/platform/mention"
)

// MaxLineBytes bounds one input line of TagLines and Eval.
const MaxLineBytes = 2 * mention.MaxTextBytes

// ErrLineTooLong is reported (per line) for input lines over MaxLineBytes.
var ErrLineTooLong = errors.New("line too long")

// errBadEval is wrapped by Eval errors on malformed labelled input.
var errBadEval = errors.New("enrich: bad evaluation input")

// readLine reads one line without its newline, at most MaxLineBytes; a
// longer line is consumed and reported with ErrLineTooLong.
func readLine(br *bufio.Reader) (string, error) {
	var b []byte
	tooLong := false
	for {
		frag, err := br.ReadSlice('\n')
		if !tooLong {
			if len(b)+len(frag) > MaxLineBytes+1 {
				tooLong = true
				b = nil
			} else {
				b = append(b, frag...)
			}
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil && (err != io.EOF || len(b) == 0 && !tooLong) {
			return "", err
		}
		if tooLong {
			return "", ErrLineTooLong
		}
		s := strings.TrimRight(string(b), "\r\n")
		return s, nil
	}
}

type lineInput struct {
	Text     *string `json:"text"`
	LangHint string  `json:"lang_hint"`
}

// TagLines tags one text per input line (or, when jsonl, one JSON object
// with a "text" field and an optional "lang_hint" per line) and writes one
// JSON object per input line, in order. A bad line yields {"error": "..."}
// and processing goes on.
func (t *Tagger) TagLines(ctx context.Context, r io.Reader, w io.Writer, jsonl bool) error {
	return t.tagLines(ctx, r, w, jsonl, nil)
}

// tagLines is TagLines; with brands, each line's object also lists the
// sentiment about each brand (TagLinesBrands).
func (t *Tagger) tagLines(ctx context.Context, r io.Reader, w io.Writer, jsonl bool, brands []string) error {
	br := bufio.NewReaderSize(r, 64<<10)
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for n := 1; ; n++ {
		if err := ctx.Err(); err != nil {
			bw.Flush()
			return err
		}
		line, err := readLine(br)
		if err == io.EOF {
			break
		}
		var out any
		switch {
		case errors.Is(err, ErrLineTooLong):
			out = map[string]string{"error": fmt.Sprintf("line %d: %v (max %d bytes)", n, err, MaxLineBytes)}
		case err != nil:
			bw.Flush()
			return fmt.Errorf("enrich: read line %d: %w", n, err)
		case jsonl:
			var in lineInput
			if jerr := json.Unmarshal([]byte(line), &in); jerr != nil {
				out = map[string]string{"error": fmt.Sprintf("line %d: invalid JSON: %v", n, jerr)}
			} else if in.Text == nil {
				out = map[string]string{"error": fmt.Sprintf("line %d: missing \"text\" field", n)}
			} else {
				out = t.lineResult(*in.Text, in.LangHint, brands)
			}
		default:
			out = t.lineResult(line, "", brands)
		}
		if err := enc.Encode(out); err != nil {
			return fmt.Errorf("enrich: write line %d: %w", n, err)
		}
	}
	return bw.Flush()
}

// TagLines is Tagger.TagLines with a Tagger built from default options.
func TagLines(ctx context.Context, r io.Reader, w io.Writer, jsonl bool) error {
	t, err := New(Options{})
	if err != nil {
		return err
	}
	return t.TagLines(ctx, r, w, jsonl)
}

// Report is the outcome of Eval.
type Report struct {
	N         int       `json:"n"`
	TwoClass  bool      `json:"two_class"`
	Accuracy  float64   `json:"accuracy"`
	MacroF1   float64   `json:"macro_f1"`
	Labels    []string  `json:"labels"`
	Confusion [][]int   `json:"confusion"` // [gold][predicted], in Labels order
	F1        []float64 `json:"f1"`        // per label
}

// Eval scores sentiment on a labelled TSV (label<TAB>text, labels neg/neu/pos)
// and prints accuracy, macro-F1 and the confusion matrix to w. When only neg
// and pos labels are present, the sign of the score decides (> 0 is pos).
func Eval(r io.Reader, w io.Writer) (Report, error) {
	a, err := sentiment.New()
	if err != nil {
		return Report{}, fmt.Errorf("enrich: %w", err)
	}
	idx := map[string]int{"neg": 0, "neu": 1, "pos": 2}
	var gold []int
	var texts []string
	br := bufio.NewReaderSize(r, 64<<10)
	for n := 1; ; n++ {
		line, err := readLine(br)
		if err == io.EOF {
			break
		}
		if err != nil {
			return Report{}, fmt.Errorf("%w: line %d: %w", errBadEval, n, err)
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		lab, text, ok := strings.Cut(line, "\t")
		if !ok {
			return Report{}, fmt.Errorf("%w: line %d: no tab between label and text", errBadEval, n)
		}
		g, ok := idx[strings.TrimSpace(lab)]
		if !ok {
			return Report{}, fmt.Errorf("%w: line %d: label %q is not neg, neu or pos", errBadEval, n, lab)
		}
		gold, texts = append(gold, g), append(texts, text)
	}
	if len(gold) == 0 {
		return Report{}, fmt.Errorf("%w: no labelled lines", errBadEval)
	}
	two := true
	for _, g := range gold {
		if g == 1 {
			two = false
		}
	}
	rep := Report{N: len(gold), TwoClass: two, Labels: []string{"neg", "neu", "pos"}}
	cls := []int{0, 1, 2}
	if two {
		rep.Labels = []string{"neg", "pos"}
		cls = []int{0, 2}
	}
	k := len(cls)
	pos := map[int]int{}
	for i, c := range cls {
		pos[c] = i
	}
	rep.Confusion = make([][]int, k)
	for i := range rep.Confusion {
		rep.Confusion[i] = make([]int, k)
	}
	correct := 0
	for i, text := range texts {
		res := a.Analyze(text)
		p := idx[res.Label]
		if two {
			p = 0
			if res.Score > 0 {
				p = 2
			}
		}
		if p == gold[i] {
			correct++
		}
		rep.Confusion[pos[gold[i]]][pos[p]]++
	}
	rep.Accuracy = float64(correct) / float64(len(gold))
	rep.F1 = make([]float64, k)
	for c := 0; c < k; c++ {
		tp := float64(rep.Confusion[c][c])
		var fp, fn float64
		for o := 0; o < k; o++ {
			if o != c {
				fp += float64(rep.Confusion[o][c])
				fn += float64(rep.Confusion[c][o])
			}
		}
		if tp > 0 {
			pr, rc := tp/(tp+fp), tp/(tp+fn)
			rep.F1[c] = 2 * pr * rc / (pr + rc)
		}
		rep.MacroF1 += rep.F1[c] / float64(k)
	}
	fmt.Fprintf(w, "examples: %d (%d classes)\naccuracy: %.1f%%\nmacro-F1: %.1f\n", rep.N, k, 100*rep.Accuracy, 100*rep.MacroF1)
	fmt.Fprintf(w, "confusion (rows gold, columns predicted):\n%8s", "")
	for _, l := range rep.Labels {
		fmt.Fprintf(w, "%8s", l)
	}
	fmt.Fprintln(w)
	for i, row := range rep.Confusion {
		fmt.Fprintf(w, "%8s", rep.Labels[i])
		for _, v := range row {
			fmt.Fprintf(w, "%8d", v)
		}
		fmt.Fprintf(w, "   F1 %.1f\n", 100*rep.F1[i])
	}
	return rep, nil
}
