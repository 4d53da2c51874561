package model

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
)

func TestRoundTripAndLookup(t *testing.T) {
	langs := []string{"fr", "en"}
	entries := []Entry{
		{Gram: "a", Post: []Posting{{0, 10}, {1, 12}}},
		{Gram: "ab", Post: []Posting{{1, 3}}},
		{Gram: "abç", Post: []Posting{{0, 200}}},
		{Gram: "ç", Post: []Posting{{0, 255}}},
	}
	blob, err := Encode(langs, 0.04, entries)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Decode(blob)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Langs) != 2 || m.Langs[1] != "en" || m.Step != 0.04 {
		t.Fatalf("header: %v %v", m.Langs, m.Step)
	}
	for _, e := range entries {
		want := make([]byte, len(langs))
		for _, p := range e.Post {
			want[p.Lang] = p.Val
		}
		if got := m.Lookup(Hash(e.Gram)); !bytes.Equal(got, want) {
			t.Errorf("Lookup(%q) = %v, want %v", e.Gram, got, want)
		}
	}
	if got := m.Lookup(Hash("zz")); got != nil {
		t.Errorf("Lookup(absent) = %v", got)
	}
	// Hashing rune by rune must equal hashing the whole n-gram.
	h := Start
	for _, r := range "abç" {
		h = Step(h, r)
	}
	if h != Hash("abç") {
		t.Error("incremental hash differs from Hash")
	}
}

func TestDecodeRejectsBadLanguageIndex(t *testing.T) {
	blob, err := Encode([]string{"fr"}, 0.04, []Entry{{Gram: "a", Post: []Posting{{3, 1}}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Decode(blob); !errors.Is(err, ErrBadModel) {
		t.Fatalf("err = %v, want ErrBadModel", err)
	}
}

// TestAddWordSumsLikeLookup checks the packed accumulation against a plain
// per-language sum of Lookup, for a model of at most 16 languages (the
// register path) and one of more (the general path), with words long
// enough to flush the 16-bit lanes mid-word.
func TestAddWordSumsLikeLookup(t *testing.T) {
	for _, nlang := range []int{3, 16, 21, 64} {
		r := rand.New(rand.NewPCG(uint64(nlang), 1))
		langs := make([]string, nlang)
		for i := range langs {
			langs[i] = fmt.Sprintf("l%d", i)
		}
		alphabet := []rune("abé") // few enough that every n-gram is in the model
		var entries []Entry
		seen := map[string]bool{}
		for range 3000 {
			n := 1 + r.IntN(5)
			g := make([]rune, n)
			for i := range g {
				g[i] = alphabet[r.IntN(len(alphabet))]
			}
			if seen[string(g)] {
				continue
			}
			seen[string(g)] = true
			// Some entries have one or two postings (inline), most have all
			// languages (dense) so that the lanes fill up.
			np := 1 + r.IntN(2)
			if r.IntN(5) != 0 {
				np = nlang
			}
			var post []Posting
			for _, l := range r.Perm(nlang)[:min(np, nlang)] {
				post = append(post, Posting{Lang: uint8(l), Val: uint8(255 - r.IntN(20))})
			}
			entries = append(entries, Entry{Gram: string(g), Post: post})
		}
		m, err := Build(langs, 0.04, entries)
		if err != nil {
			t.Fatal(err)
		}
		var a Acc
		want := make([]int32, nlang)
		wantN, gotN := 0, 0
		for _, wlen := range []int{1, 4, 300, 7, 120, 48} {
			w := make([]rune, wlen)
			for i := range w {
				w[i] = alphabet[r.IntN(len(alphabet))]
			}
			gotN += m.AddWord(&a, w, 5)
			for i := range w {
				h := Start
				for n := 0; n < 5 && i+n < len(w); n++ {
					h = Step(h, w[i+n])
					wantN++
					for l, v := range m.Lookup(h) {
						want[l] += int32(v)
					}
				}
			}
		}
		if gotN != wantN {
			t.Errorf("%d languages: AddWord counted %d n-grams, want %d", nlang, gotN, wantN)
		}
		got := a.Scores()
		for l := range nlang {
			if got[l] != want[l] {
				t.Errorf("%d languages: score[%d] = %d, want %d", nlang, l, got[l], want[l])
			}
		}
		if want[0] < 1<<16 {
			t.Errorf("%d languages: sums too small (%d) to have needed a lane flush", nlang, want[0])
		}
	}
}
