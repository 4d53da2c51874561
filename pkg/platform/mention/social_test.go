package mention_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/veille-oss/veille/pkg/platform/mention"
)

// social is a Bluesky reply with every social field filled.
func social() *mention.Mention {
	m := &mention.Mention{
		Brand: "Duval", MatchedTerms: []string{"Duval"}, SourceKind: mention.KindBluesky, SourceName: "bluesky",
		URL:       "https://bsky.app/profile/marie.bsky.social/post/3kxyz",
		Text:      "Encore un rappel de yaourts Duval ?",
		Author:    mention.Author{Name: "Marie", URL: "https://bsky.app/profile/marie.bsky.social", Handle: "@marie.bsky.social", Followers: 1200, Following: 300, PostCount: 4000, Verified: true, JoinedAt: "2023-05-01T00:00:00Z"},
		ParentURL: "https://bsky.app/profile/laiterieduval.fr/post/3kabc",
		Likes:     12, Replies: 3, Reposts: 5, Quotes: 1, Views: 9000,
		CollectedAt: time.Date(2026, 3, 14, 11, 0, 0, 0, time.UTC),
		Enrichment: &mention.Enrichment{
			Lang: "fr", LangConfidence: 0.9, Sentiment: mention.Sentiment{Label: "neg", Score: -0.4, Confidence: 0.7},
			Suspicious: []string{mention.SuspiciousCoordinated, mention.SuspiciousFollowRatio},
			EnrichedAt: time.Date(2026, 3, 14, 11, 0, 1, 0, time.UTC),
		},
	}
	m.SetID()
	return m
}

func TestSocialFieldsValidateAgainstSchema(t *testing.T) {
	s := compile(t)
	for _, kind := range mention.SocialKinds {
		m := social()
		m.SourceKind = kind
		data, err := mention.Encode(m)
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		for _, field := range []string{`"reposts":5`, `"quotes":1`, `"views":9000`, `"parent_url":`, `"handle":`, `"following":300`, `"suspicious":["coordinated","follow_ratio"]`} {
			if !bytes.Contains(data, []byte(field)) {
				t.Fatalf("%s: %s missing from %s", kind, field, data)
			}
		}
		doc, _ := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err := s.Validate(doc); err != nil {
			t.Fatalf("%s: %v\n%s", kind, err, data)
		}
		back, err := mention.Decode(data)
		if err != nil || back.Views != 9000 || back.Author.Following != 300 || !back.Author.Verified || back.ParentURL != m.ParentURL {
			t.Fatalf("%s: round trip %+v %v", kind, back, err)
		}
	}
	d := social()
	d.Deleted, d.Text = true, ""
	data, err := mention.Encode(d)
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err := s.Validate(doc); err != nil || !bytes.Contains(data, []byte(`"deleted":true`)) {
		t.Fatalf("deleted mention: %v %s", err, data)
	}
}

// TestSocialSchemaAndValidateAgree: what Validate refuses, the schema refuses too.
func TestSocialSchemaAndValidateAgree(t *testing.T) {
	s := compile(t)
	cases := []struct {
		field  string
		mutate func(*mention.Mention)
	}{
		{"reposts", func(m *mention.Mention) { m.Reposts = -1 }},
		{"quotes", func(m *mention.Mention) { m.Quotes = -2 }},
		{"views", func(m *mention.Mention) { m.Views = -3 }},
		{"author.following", func(m *mention.Mention) { m.Author.Following = -1 }},
		{"parent_url", func(m *mention.Mention) { m.ParentURL = "at://did:plc:abc/app.bsky.feed.post/1" }},
		{"enrichment.suspicious", func(m *mention.Mention) { m.Enrichment.Suspicious = []string{"bought"} }},
		{"source_kind", func(m *mention.Mention) { m.SourceKind = "tiktok" }},
	}
	for _, c := range cases {
		m := social()
		c.mutate(m)
		err := m.Validate()
		if !errors.Is(err, mention.ErrInvalid) || !strings.Contains(err.Error(), ": "+c.field+": ") {
			t.Errorf("%s: Validate: %v", c.field, err)
		}
		data, _ := jsonMarshal(m)
		doc, _ := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if s.Validate(doc) == nil {
			t.Errorf("%s: the schema accepted %s", c.field, data)
		}
	}
}

func TestIsSocial(t *testing.T) {
	for _, k := range mention.SocialKinds {
		if !mention.IsSocial(k) {
			t.Errorf("%s not social", k)
		}
	}
	for _, k := range []string{mention.KindWeb, mention.KindRSS, mention.KindForum, "", "tiktok"} {
		if mention.IsSocial(k) {
			t.Errorf("%q social", k)
		}
	}
}

// jsonMarshal encodes without Validate, to show the schema broken messages.
func jsonMarshal(m *mention.Mention) ([]byte, error) { return json.Marshal(m) }
