package model

import (
	"bytes"
	"errors"
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
