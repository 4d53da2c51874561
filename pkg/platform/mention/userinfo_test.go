package mention_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/platform/mention"
)

func TestStripUserinfo(t *testing.T) {
	for in, want := range map[string]string{
		"http://user:pass@host/feed.xml":     "http://host/feed.xml",
		"https://user@host:8443/a?x=1@2#f@g": "https://host:8443/a?x=1@2#f@g",
		"http://u:p@ss@host/":                "http://host/",
		"http://host/path@x":                 "http://host/path@x",
		"http://host":                        "http://host",
		"http://u:p@host":                    "http://host",
		"http://u:p@host\\evil":              "http://host\\evil",
		"mailto:someone@example.fr":          "mailto:someone@example.fr",
		"":                                   "",
	} {
		if got := mention.StripUserinfo(in); got != want {
			t.Errorf("StripUserinfo(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestMentionNeverCarriesCredentials: a collector's mention built from a
// source URL with a password is stripped by SetID (same id as without), a
// decoded one by Decode, and Validate refuses one that skipped both.
func TestMentionNeverCarriesCredentials(t *testing.T) {
	mk := func(u string) *mention.Mention {
		return &mention.Mention{
			Brand: "Duval", SourceKind: mention.KindRSS, SourceName: "feed", SourceURL: "http://bob:hunter2@news.example.fr/feed.xml",
			URL: u, ThreadURL: u, Author: mention.Author{URL: u}, OutLinks: []string{u}, Text: "Duval", CollectedAt: time.Now().UTC(),
		}
	}
	m := mk("http://bob:hunter2@news.example.fr/a/1")
	m.SetID()
	clean := mk("http://news.example.fr/a/1")
	clean.SetID()
	if m.ID != clean.ID {
		t.Errorf("id with credentials %s != id without %s", m.ID, clean.ID)
	}
	b, err := mention.Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "hunter2") || strings.Contains(string(b), "bob") {
		t.Fatalf("encoded mention keeps credentials: %s", b)
	}
	// A message published by an older producer.
	old := strings.ReplaceAll(string(b), "http://news.example.fr", "http://bob:hunter2@news.example.fr")
	d, err := mention.Decode([]byte(old))
	if err != nil {
		t.Fatal(err)
	}
	if d.URL != "http://news.example.fr/a/1" || d.SourceURL != "http://news.example.fr/feed.xml" || d.Author.URL != d.URL || d.OutLinks[0] != d.URL {
		t.Fatalf("decoded mention keeps credentials: %+v", d)
	}
	// A producer that skipped SetID.
	raw := mk("http://bob:hunter2@news.example.fr/a/1")
	raw.Schema, raw.ID = clean.Schema, clean.ID
	if err := raw.Validate(); !errors.Is(err, mention.ErrInvalid) || !strings.Contains(err.Error(), "url") || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("Validate with credentials: %v, want ErrInvalid naming url (without the password)", err)
	}
}
