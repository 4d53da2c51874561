// Command gen derives the compact langid model from lingua-go's n-gram
// probability files (Apache-2.0) found in the Go module cache.
//
//	cd pkg && go run ./langid/internal/gen -out langid/model.bin
//
// It fetches the pinned lingua-go module with `go mod download` when it is
// missing. For each language and n-gram order 1..5 it reads lingua's
// conditional probabilities P(last rune | preceding runes), rebuilds each
// n-gram's joint frequency through the chain rule so that pruning keeps the
// n-grams that actually occur often, keeps the top-K per order, and stores the
// conditional log-probability above a per-order floor as one byte.
package main

import (
	"archive/zip"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/veille-oss/veille/pkg/nlp/langid/internal/model"
)

const linguaModule = "github.com/pemistahl/lingua-go@v1.4.0"

// DefaultLangs is the language set of the shipped model (lingua directory
// names are ISO 639-1 codes).
const DefaultLangs = "fr,en,es,pt,de,it,nl,ar,ca,ro,pl,tr,ru,sw,yo,so"

var orderFiles = []string{"unigrams", "bigrams", "trigrams", "quadrigrams", "fivegrams"}

func main() {
	var (
		out    = flag.String("out", "langid/model.bin", "output model file")
		dir    = flag.String("lingua", "", "lingua-go module directory (default: fetched into the module cache)")
		langs  = flag.String("langs", DefaultLangs, "comma-separated ISO 639-1 codes")
		keep   = flag.String("keep", "0,0,12000,20000,20000", "per order 1..5: n-grams kept per language (0 = all)")
		floors = flag.String("floor", "-9,-9,-9,-9,-9", "per order 1..5: log-probability floor in nats")
		step   = flag.Float64("step", 0.04, "quantisation step in nats")
		weight = flag.String("weight", "1,1,1,1,1", "per order 1..5: weight of the log-probability")
	)
	flag.Parse()
	if err := run(*out, *dir, *langs, *keep, *floors, *weight, *step); err != nil {
		slog.Error("gen failed", "err", err)
		os.Exit(1)
	}
}

func run(out, dir, langList, keepList, floorList, weightList string, step float64) error {
	if dir == "" {
		d, err := fetchLingua()
		if err != nil {
			return err
		}
		dir = d
	}
	keep, err := parseList(keepList)
	if err != nil {
		return fmt.Errorf("-keep: %w", err)
	}
	floor, err := parseList(floorList)
	if err != nil {
		return fmt.Errorf("-floor: %w", err)
	}
	weight, err := parseList(weightList)
	if err != nil {
		return fmt.Errorf("-weight: %w", err)
	}
	langs := strings.Split(langList, ",")
	post := map[string][]model.Posting{}
	for li, l := range langs {
		var joint map[string]float64 // previous order's joint frequencies
		for o := 1; o <= 5; o++ {
			cond, err := readNgrams(filepath.Join(dir, "language-models", l, orderFiles[o-1]+".pb.bin.zip"))
			if err != nil {
				return err
			}
			cur := make(map[string]float64, len(cond))
			type kv struct {
				k string
				f float64
			}
			all := make([]kv, 0, len(cond))
			for g, p := range cond {
				f := p
				if o > 1 {
					rs := []rune(g)
					f = p * joint[string(rs[:len(rs)-1])]
				}
				cur[g] = f
				all = append(all, kv{g, f})
			}
			joint = cur
			sort.Slice(all, func(i, j int) bool {
				if all[i].f != all[j].f {
					return all[i].f > all[j].f
				}
				return all[i].k < all[j].k
			})
			if k := int(keep[o-1]); k > 0 && len(all) > k {
				all = all[:k]
			}
			kept := 0
			for _, e := range all {
				q := math.Round(weight[o-1] * (math.Log(cond[e.k]) - floor[o-1]) / step)
				if q < 1 {
					continue
				}
				post[e.k] = append(post[e.k], model.Posting{Lang: uint8(li), Val: uint8(min(q, 255))})
				kept++
			}
			slog.Info("order", "lang", l, "n", o, "total", len(cond), "kept", kept)
		}
	}
	keys := make([]string, 0, len(post))
	for k := range post {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	entries := make([]model.Entry, len(keys))
	for i, k := range keys {
		entries[i] = model.Entry{Gram: k, Post: post[k]}
	}
	blob, err := model.Encode(langs, float32(step), entries)
	if err != nil {
		return err
	}
	if _, err := model.Decode(blob); err != nil {
		return fmt.Errorf("round trip: %w", err)
	}
	slog.Info("model", "ngrams", len(keys), "bytes", len(blob))
	return os.WriteFile(out, blob, 0o644)
}

func parseList(s string) ([]float64, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 5 {
		return nil, fmt.Errorf("want 5 comma-separated values, got %q", s)
	}
	out := make([]float64, 5)
	for i, p := range parts {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return nil, fmt.Errorf("value %q: %w", p, err)
		}
		out[i] = v
	}
	return out, nil
}

// fetchLingua makes sure the pinned module is in the module cache and
// returns its directory.
func fetchLingua() (string, error) {
	cmd := exec.Command("go", "mod", "download", "-json", linguaModule)
	cmd.Dir = os.TempDir() // outside any module: do not touch go.mod
	cmd.Env = append(os.Environ(), "GOWORK=off", "GO111MODULE=on")
	outb, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go mod download %s: %w", linguaModule, err)
	}
	var info struct{ Dir string }
	if err := json.Unmarshal(outb, &info); err != nil || info.Dir == "" {
		return "", fmt.Errorf("go mod download %s: unexpected output %q", linguaModule, outb)
	}
	return info.Dir, nil
}

// readNgrams decodes one lingua SerializableLanguageModel (protobuf inside a
// zip) into n-gram -> probability. The wire format is decoded by hand to keep
// protobuf out of the module's dependencies.
func readNgrams(path string) (map[string]float64, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	defer zr.Close()
	if len(zr.File) != 1 {
		return nil, fmt.Errorf("%s: want one file in zip, got %d", path, len(zr.File))
	}
	rc, err := zr.File[0].Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, 256<<20))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := map[string]float64{}
	err = fields(b, func(num int, wt int, v uint64, sub []byte) error {
		if num != 4 || wt != 2 {
			return nil
		}
		var prob float64
		var grams []string
		if err := fields(sub, func(n int, w int, v uint64, s []byte) error {
			switch {
			case n == 1 && w == 1:
				prob = math.Float64frombits(v)
			case n == 2 && w == 2:
				grams = append(grams, string(s))
			}
			return nil
		}); err != nil {
			return err
		}
		for _, g := range grams {
			out[g] = prob
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

var errWire = errors.New("malformed protobuf")

func fields(b []byte, fn func(num, wt int, v uint64, sub []byte) error) error {
	for len(b) > 0 {
		key, n := binary.Uvarint(b)
		if n <= 0 {
			return errWire
		}
		b = b[n:]
		num, wt := int(key>>3), int(key&7)
		var v uint64
		var sub []byte
		switch wt {
		case 0:
			v, n = binary.Uvarint(b)
			if n <= 0 {
				return errWire
			}
			b = b[n:]
		case 1:
			if len(b) < 8 {
				return errWire
			}
			v = binary.LittleEndian.Uint64(b)
			b = b[8:]
		case 2:
			l, n := binary.Uvarint(b)
			if n <= 0 || l > uint64(len(b)-n) {
				return errWire
			}
			sub = b[n : n+int(l)]
			b = b[n+int(l):]
		case 5:
			if len(b) < 4 {
				return errWire
			}
			v = uint64(binary.LittleEndian.Uint32(b))
			b = b[4:]
		default:
			return fmt.Errorf("%w: wire type %d", errWire, wt)
		}
		if err := fn(num, wt, v, sub); err != nil {
			return err
		}
	}
	return nil
}
