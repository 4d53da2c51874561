package mention_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/schemas"
)

func compile(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemas.MentionV1))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("mention.v1.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("mention.v1.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func full() *mention.Mention {
	m := &mention.Mention{
		Brand:        "Duval",
		MatchedTerms: []string{"Duval", "yaourts Duval"},
		SourceKind:   mention.KindForum,
		SourceName:   "forum-conso",
		SourceURL:    "http://forum-conso.test/",
		URL:          "http://forum-conso.test/viewtopic.php?t=12",
		Anchor:       "p1234",
		Title:        "Intoxication après des yaourts Duval ?",
		Text:         "Mon fils a été malade après un yaourt Duval, c'est un scandale.",
		Author:       mention.Author{Name: "Titou75", URL: "http://forum-conso.test/memberlist.php?u=7", PostCount: 1234, JoinedAt: "2019-03-01"},
		PublishedAt:  time.Date(2026, 3, 14, 10, 59, 0, 0, time.UTC),
		CollectedAt:  time.Date(2026, 3, 14, 11, 0, 0, 0, time.UTC),
		LangHint:     "fr",
		ThreadURL:    "http://forum-conso.test/viewtopic.php?t=12",
		ThreadTitle:  "Intoxication après des yaourts Duval ?",
		Position:     3,
		QuotedRef:    "p1230",
		Likes:        4,
		OutLinks:     []string{"http://monquotidien.test/rappel"},
		ContentHash:  "ab12",
		Enrichment: &mention.Enrichment{
			Lang: "fr", LangConfidence: 0.98,
			Sentiment:      mention.Sentiment{Label: "neg", Score: -0.7, Confidence: 0.8, Evidence: []string{"scandale"}},
			Toxic:          false,
			Toxicity:       []mention.ToxicFlag{{Category: "insult", Evidence: []string{"x"}}},
			Entities:       []mention.Entity{{Text: "Duval", Type: "ORG"}},
			InfluenceScore: 71.5, IsInfluencer: true, AuthorKey: "forum-conso.test/u/7", DupCluster: "00ff",
			EnrichedAt: time.Date(2026, 3, 14, 11, 0, 1, 0, time.UTC),
		},
	}
	m.SetID()
	return m
}

func TestEncoderOutputValidatesAgainstSchema(t *testing.T) {
	s := compile(t)
	minimal := &mention.Mention{Brand: "Vague", SourceKind: "web", SourceName: "s", URL: "https://mode-surf.test/a", CollectedAt: time.Now()}
	minimal.SetID()
	for name, m := range map[string]*mention.Mention{"full": full(), "minimal": minimal} {
		data, err := mention.Encode(m)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Validate(doc); err != nil {
			t.Fatalf("%s: encoder output does not validate: %v\n%s", name, err, data)
		}
		back, err := mention.Decode(data)
		if err != nil {
			t.Fatalf("%s: decode: %v", name, err)
		}
		again, _ := json.Marshal(back)
		if !bytes.Equal(again, data) {
			t.Fatalf("%s: round trip differs:\n%s\n%s", name, data, again)
		}
	}
}

func TestSchemaRejectsBrokenMessages(t *testing.T) {
	s := compile(t)
	good, _ := mention.Encode(full())
	cases := map[string]func(map[string]any){
		"missing id":         func(m map[string]any) { delete(m, "id") },
		"bad id":             func(m map[string]any) { m["id"] = "XYZ" },
		"bad source kind":    func(m map[string]any) { m["source_kind"] = "tv" },
		"empty brand":        func(m map[string]any) { m["brand"] = "" },
		"url not http":       func(m map[string]any) { m["url"] = "ftp://x/y" },
		"unknown field":      func(m map[string]any) { m["surprise"] = 1 },
		"score out of range": func(m map[string]any) { m["enrichment"].(map[string]any)["sentiment"].(map[string]any)["score"] = 3.0 },
		"bad sentiment label": func(m map[string]any) {
			m["enrichment"].(map[string]any)["sentiment"].(map[string]any)["label"] = "meh"
		},
		"bad date":               func(m map[string]any) { m["collected_at"] = "yesterday" },
		"wrong schema version":   func(m map[string]any) { m["schema"] = "veille.mention.v2" },
		"text not string":        func(m map[string]any) { m["text"] = 42 },
		"negative likes":         func(m map[string]any) { m["likes"] = -1 },
		"influence out of 0-100": func(m map[string]any) { m["enrichment"].(map[string]any)["influence_score"] = 101.0 },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			var m map[string]any
			if err := json.Unmarshal(good, &m); err != nil {
				t.Fatal(err)
			}
			mutate(m)
			data, _ := json.Marshal(m)
			doc, _ := jsonschema.UnmarshalJSON(bytes.NewReader(data))
			if err := s.Validate(doc); err == nil {
				t.Fatalf("schema accepted a broken message: %s", data)
			}
		})
	}
}

func TestValidateNamesTheField(t *testing.T) {
	cases := []struct {
		field  string
		mutate func(*mention.Mention)
	}{
		{"schema", func(m *mention.Mention) { m.Schema = "x" }},
		{"id", func(m *mention.Mention) { m.ID = "nothex" }},
		{"brand", func(m *mention.Mention) { m.Brand = " " }},
		{"source_kind", func(m *mention.Mention) { m.SourceKind = "tv" }},
		{"source_name", func(m *mention.Mention) { m.SourceName = "" }},
		{"url", func(m *mention.Mention) { m.URL = "javascript:alert(1)" }},
		{"author.url", func(m *mention.Mention) { m.Author.URL = "mailto:x@y" }},
		{"text", func(m *mention.Mention) { m.Text = strings.Repeat("a", mention.MaxTextBytes+1) }},
		{"text", func(m *mention.Mention) { m.Text = "\xff\xfe" }},
		{"collected_at", func(m *mention.Mention) { m.CollectedAt = time.Time{} }},
		{"enrichment.sentiment.label", func(m *mention.Mention) { m.Enrichment.Sentiment.Label = "" }},
		{"enrichment.sentiment.score", func(m *mention.Mention) { m.Enrichment.Sentiment.Score = -2 }},
		{"enrichment.influence_score", func(m *mention.Mention) { m.Enrichment.InfluenceScore = 250 }},
	}
	for _, c := range cases {
		m := full()
		c.mutate(m)
		err := m.Validate()
		if !errors.Is(err, mention.ErrInvalid) || !strings.Contains(err.Error(), ": "+c.field+": ") {
			t.Errorf("%s: got %v", c.field, err)
		}
	}
	if err := full().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestIDStableAndDistinct(t *testing.T) {
	a := mention.ID("http://x.test/a", "c1", "Duval")
	if a != mention.ID("http://x.test/a", "c1", " duval ") {
		t.Fatal("brand case/space must not change the id")
	}
	if len(a) != 32 {
		t.Fatalf("id %q", a)
	}
	seen := map[string]bool{a: true}
	for _, other := range []string{
		mention.ID("http://x.test/a", "c2", "Duval"),
		mention.ID("http://x.test/a", "", "Duval"),
		mention.ID("http://x.test/a", "c1", "Blanchard"),
		mention.ID("http://x.test/ac", "1", "Duval"), // no ambiguity across the separator
	} {
		if seen[other] {
			t.Fatalf("collision: %s", other)
		}
		seen[other] = true
	}
}

func TestTruncateKeepsUTF8(t *testing.T) {
	m := full()
	m.Text = strings.Repeat("é", mention.MaxTextBytes) // 2 bytes each
	m.Truncate()
	if len(m.Text) > mention.MaxTextBytes || m.Validate() != nil {
		t.Fatalf("len %d, err %v", len(m.Text), m.Validate())
	}
}

func FuzzDecode(f *testing.F) {
	good, _ := mention.Encode(full())
	f.Add(good)
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"schema":"veille.mention.v1","id":"00000000000000000000000000000000"}`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := mention.Decode(data)
		if err != nil {
			return
		}
		// Anything Decode accepts must re-encode and decode again.
		out, err := mention.Encode(m)
		if err != nil {
			t.Fatalf("decoded mention does not re-encode: %v", err)
		}
		if _, err := mention.Decode(out); err != nil {
			t.Fatalf("re-encoded mention does not decode: %v", err)
		}
	})
}

// FuzzDecodeMatchesStdlib checks the codec Decode uses against
// encoding/json on the mention type: same acceptance, same value.
func FuzzDecodeMatchesStdlib(f *testing.F) {
	good, _ := mention.Encode(full())
	f.Add(good)
	f.Add([]byte(`{"schema":"veille.mention.v1","ID":"x","text":"\u00e9\ud800","author":{"NAME":1}}`))
	f.Add([]byte("{\"text\":\"\xff\xfe\",\"title\":\"a\\u0000b\"}"))
	f.Add([]byte(`{"likes":1.5,"matched_terms":null,"enrichment":null}`))
	f.Add([]byte(`{"published_at":"2026-13-01T00:00:00Z"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var std mention.Mention
		stdErr := json.Unmarshal(data, &std)
		m, err := mention.Decode(data)
		if stdErr != nil {
			if err == nil {
				t.Fatalf("Decode accepted what encoding/json rejects (%v)", stdErr)
			}
			return
		}
		if std.Validate() != nil {
			if err == nil {
				t.Fatalf("Decode accepted an invalid mention")
			}
			return
		}
		if err != nil {
			t.Fatalf("Decode rejected a valid mention: %v", err)
		}
		if !reflect.DeepEqual(*m, std) {
			t.Fatalf("Decode and encoding/json differ:\n%+v\n%+v", *m, std)
		}
		a, _ := mention.Encode(m)
		b, _ := json.Marshal(&std)
		if !bytes.Equal(a, b) && std.MatchedTerms != nil {
			t.Fatalf("Encode and encoding/json differ:\n%s\n%s", a, b)
		}
	})
}

// BenchmarkCodec measures Decode and Encode of a full enriched mention
// against encoding/json on the same bytes.
func BenchmarkCodec(b *testing.B) {
	data, err := mention.Encode(full())
	if err != nil {
		b.Fatal(err)
	}
	cases := []struct {
		name string
		fn   func() error
	}{
		{"Decode", func() error { _, err := mention.Decode(data); return err }},
		{"Decode/encoding-json", func() error {
			var m mention.Mention
			if err := json.Unmarshal(data, &m); err != nil {
				return err
			}
			return m.Validate()
		}},
		{"Encode", func() error { _, err := mention.Encode(full()); return err }},
		{"Encode/encoding-json", func() error { _, err := json.Marshal(full()); return err }},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if err := c.fn(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
