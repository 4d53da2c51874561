// Package mention defines the mention contract: the message every collector
// publishes and every consumer reads. schemas/mention.v1.schema.json is the
// source of truth; this type mirrors it and tests check the two agree.
package mention

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	// goccy/go-json: encoding/json's API and behaviour without its reflection
	// cost; every mention is decoded three times and encoded once on its way
	// through the pipeline, and this made that 5x (decode) and 2x (encode)
	// cheaper. FuzzDecodeMatchesStdlib pins that both agree on our type.
	json "github.com/goccy/go-json"
)

// SchemaV1 is the value of the schema field of version 1 mentions.
const SchemaV1 = "veille.mention.v1"

// Source kinds.
const (
	KindWeb   = "web"
	KindRSS   = "rss"
	KindForum = "forum"
)

// Social network source kinds (issue 20): one per network, so the console,
// the alert rules and analysts can tell a tweet from a forum post.
const (
	KindBluesky   = "bluesky"
	KindMastodon  = "mastodon"
	KindReddit    = "reddit"
	KindYouTube   = "youtube"
	KindFacebook  = "facebook"
	KindInstagram = "instagram"
	KindX         = "x"
)

// SocialKinds lists the social network kinds, in the ClickHouse Enum8 order.
var SocialKinds = []string{KindBluesky, KindMastodon, KindReddit, KindYouTube, KindFacebook, KindInstagram, KindX}

// IsSocial reports whether kind is a social network: posts there belong to
// an account on a shared host, not to the owner of a site.
func IsSocial(kind string) bool {
	switch kind {
	case KindBluesky, KindMastodon, KindReddit, KindYouTube, KindFacebook, KindInstagram, KindX:
		return true
	}
	return false
}

// Suspicious reasons (Enrichment.Suspicious): why a post looks inauthentic.
const (
	// SuspiciousCoordinated: many distinct accounts posted near-identical
	// text about the brand within minutes.
	SuspiciousCoordinated = "coordinated"
	// SuspiciousNewAccountBurst: an account created days ago posting in bursts.
	SuspiciousNewAccountBurst = "new_account_burst"
	// SuspiciousFollowRatio: follows thousands, followed by almost nobody.
	SuspiciousFollowRatio = "follow_ratio"
)

// Bounds on free-text fields: a mention is a message, not a web archive.
const (
	MaxTextBytes  = 32 << 10
	MaxTitleBytes = 1 << 10
	MaxTerms      = 64
	MaxEntities   = 64
	MaxEvidence   = 32
	MaxLinks      = 256
)

// ErrInvalid is wrapped by every validation error; the message names the field.
var ErrInvalid = errors.New("invalid mention")

// Mention is one document or post that matched one brand.
type Mention struct {
	Schema       string    `json:"schema"`
	ID           string    `json:"id"`
	Brand        string    `json:"brand"`
	MatchedTerms []string  `json:"matched_terms"`
	SourceKind   string    `json:"source_kind"`
	SourceName   string    `json:"source_name"`
	SourceURL    string    `json:"source_url,omitempty"`
	URL          string    `json:"url"`
	Anchor       string    `json:"anchor,omitempty"`
	Title        string    `json:"title,omitempty"`
	Text         string    `json:"text"`
	Author       Author    `json:"author"`
	PublishedAt  time.Time `json:"published_at"`
	CollectedAt  time.Time `json:"collected_at"`
	LangHint     string    `json:"lang_hint,omitempty"`
	// Thread context for comments and forum posts.
	ThreadURL   string `json:"thread_url,omitempty"`
	ThreadTitle string `json:"thread_title,omitempty"`
	Position    int    `json:"position,omitempty"`
	QuotedRef   string `json:"quoted_ref,omitempty"`
	// Engagement the page shows.
	Likes   int `json:"likes,omitempty"`
	Replies int `json:"replies,omitempty"`
	// OutLinks are the outgoing links of the document (other domains), for the
	// influence link graph.
	OutLinks []string `json:"out_links,omitempty"`
	// ContentHash lets collectors detect edits; a changed hash re-publishes
	// under the same id.
	ContentHash string `json:"content_hash,omitempty"`
	// DateMissing says the page showed no readable publication date:
	// PublishedAt is then zero, not a guessed time.
	DateMissing bool `json:"date_missing,omitempty"`
	// PublishedClamped says the source gave a publication time more than
	// dates.MaxSkew after CollectedAt: PublishedAt is CollectedAt instead.
	PublishedClamped bool `json:"published_clamped,omitempty"`

	// Social networks (issue 20): engagement beyond likes and replies, the
	// post a reply or comment answers, and posts the network deleted.
	Reposts   int    `json:"reposts,omitempty"`
	Quotes    int    `json:"quotes,omitempty"`
	Views     int64  `json:"views,omitempty"`
	ParentURL string `json:"parent_url,omitempty"`
	// Deleted: the author or the network removed the post; the mention is
	// re-published under its id with the text emptied.
	Deleted bool `json:"deleted,omitempty"`

	Enrichment *Enrichment `json:"enrichment,omitempty"`
}

// Author is who wrote the mention, with the stats the page shows.
type Author struct {
	Name       string `json:"name,omitempty"`
	URL        string `json:"url,omitempty"`
	PostCount  int    `json:"post_count,omitempty"`
	Followers  int    `json:"followers,omitempty"`
	Reputation int    `json:"reputation,omitempty"`
	JoinedAt   string `json:"joined_at,omitempty"`
	// Social networks: the account's handle (@alice.bsky.social,
	// @bob@mastodon.social), how many accounts it follows, and the
	// network's verification badge.
	Handle    string `json:"handle,omitempty"`
	Following int    `json:"following,omitempty"`
	Verified  bool   `json:"verified,omitempty"`
}

// Enrichment is what the enricher adds.
type Enrichment struct {
	Lang           string      `json:"lang"`
	LangConfidence float64     `json:"lang_confidence"`
	Sentiment      Sentiment   `json:"sentiment"`
	Toxic          bool        `json:"toxic"`
	Toxicity       []ToxicFlag `json:"toxicity,omitempty"`
	Entities       []Entity    `json:"entities,omitempty"`
	InfluenceScore float64     `json:"influence_score"`
	IsInfluencer   bool        `json:"is_influencer"`
	AuthorKey      string      `json:"author_key,omitempty"`
	DupCluster     string      `json:"dup_cluster,omitempty"`
	EnrichedAt     time.Time   `json:"enriched_at"`

	// Suspicious holds the reasons the post looks inauthentic (issue 20,
	// Suspicious* constants); empty for ordinary posts.
	Suspicious []string `json:"suspicious,omitempty"`
}

// Sentiment is a label, a score in [-1, 1], a confidence and the evidence.
type Sentiment struct {
	Label      string   `json:"label"` // neg, neu, pos
	Score      float64  `json:"score"`
	Confidence float64  `json:"confidence"`
	Evidence   []string `json:"evidence,omitempty"`
}

// ToxicFlag is one moderation flag with the words that raised it.
type ToxicFlag struct {
	Category string   `json:"category"` // insult, obscenity, hate, threat
	Evidence []string `json:"evidence,omitempty"`
}

// Entity is a person, organisation or place named in the text.
type Entity struct {
	Text string `json:"text"`
	Type string `json:"type"` // PER, ORG, LOC
}

// ID is the stable mention id: a hash of the canonical URL, the post anchor
// and the brand, so the same post about the same brand always has one id.
func ID(canonicalURL, anchor, brand string) string {
	h := sha256.New()
	h.Write([]byte(canonicalURL))
	h.Write([]byte{0})
	h.Write([]byte(anchor))
	h.Write([]byte{0})
	h.Write([]byte(strings.ToLower(strings.TrimSpace(brand))))
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// New fills the schema and id of a mention from its URL, anchor and brand.
// A post's id is keyed by its thread, not by URL: the URL that opens it
// (its page plus #anchor) moves when pages shift, the post does not.
func (m *Mention) SetID() {
	m.Schema = SchemaV1
	m.StripCredentials()
	base := m.URL
	if m.Anchor != "" && m.ThreadURL != "" {
		base = m.ThreadURL
	}
	m.ID = ID(base, m.Anchor, m.Brand)
}

// Truncate bounds the free-text fields on rune boundaries.
func (m *Mention) Truncate() {
	m.Text = truncate(m.Text, MaxTextBytes)
	m.Title = truncate(m.Title, MaxTitleBytes)
	if len(m.MatchedTerms) > MaxTerms {
		m.MatchedTerms = m.MatchedTerms[:MaxTerms]
	}
	if len(m.OutLinks) > MaxLinks {
		m.OutLinks = m.OutLinks[:MaxLinks]
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func invalid(field, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalid, field, fmt.Sprintf(format, args...))
}

// Validate checks the mention against the contract and names the first bad field.
func (m *Mention) Validate() error {
	if m.Schema != SchemaV1 {
		return invalid("schema", "must be %q, got %q", SchemaV1, m.Schema)
	}
	if len(m.ID) != 32 || strings.Trim(m.ID, "0123456789abcdef") != "" {
		return invalid("id", "must be 32 lowercase hex characters, got %q", m.ID)
	}
	if strings.TrimSpace(m.Brand) == "" {
		return invalid("brand", "must not be empty")
	}
	if len(m.MatchedTerms) > MaxTerms {
		return invalid("matched_terms", "at most %d terms, got %d", MaxTerms, len(m.MatchedTerms))
	}
	switch {
	case m.SourceKind == KindWeb, m.SourceKind == KindRSS, m.SourceKind == KindForum, IsSocial(m.SourceKind):
	default:
		return invalid("source_kind", "must be web, rss, forum or a social network (%s), got %q", strings.Join(SocialKinds, ", "), m.SourceKind)
	}
	if m.SourceName == "" {
		return invalid("source_name", "must not be empty")
	}
	if err := checkURL(m.URL); err != nil {
		return invalid("url", "%v", err)
	}
	if m.Author.URL != "" {
		if err := checkURL(m.Author.URL); err != nil {
			return invalid("author.url", "%v", err)
		}
	}
	if err := m.checkNoUserinfo(); err != nil {
		return err
	}
	if len(m.Text) > MaxTextBytes {
		return invalid("text", "longer than %d bytes", MaxTextBytes)
	}
	if !utf8.ValidString(m.Text) {
		return invalid("text", "not valid UTF-8")
	}
	if len(m.Title) > MaxTitleBytes {
		return invalid("title", "longer than %d bytes", MaxTitleBytes)
	}
	if m.CollectedAt.IsZero() {
		return invalid("collected_at", "must be set")
	}
	if len(m.OutLinks) > MaxLinks {
		return invalid("out_links", "at most %d links", MaxLinks)
	}
	for _, c := range [...]struct {
		field string
		n     int64
	}{{"reposts", int64(m.Reposts)}, {"quotes", int64(m.Quotes)}, {"views", m.Views}, {"author.following", int64(m.Author.Following)}} {
		if c.n < 0 {
			return invalid(c.field, "must not be negative, got %d", c.n)
		}
	}
	if m.ParentURL != "" {
		if err := checkURL(m.ParentURL); err != nil {
			return invalid("parent_url", "%v", err)
		}
	}
	if e := m.Enrichment; e != nil {
		switch e.Sentiment.Label {
		case "neg", "neu", "pos":
		default:
			return invalid("enrichment.sentiment.label", "must be neg, neu or pos, got %q", e.Sentiment.Label)
		}
		if e.Sentiment.Score < -1 || e.Sentiment.Score > 1 {
			return invalid("enrichment.sentiment.score", "must be in [-1, 1], got %v", e.Sentiment.Score)
		}
		if e.LangConfidence < 0 || e.LangConfidence > 1 {
			return invalid("enrichment.lang_confidence", "must be in [0, 1], got %v", e.LangConfidence)
		}
		if e.InfluenceScore < 0 || e.InfluenceScore > 100 {
			return invalid("enrichment.influence_score", "must be in [0, 100], got %v", e.InfluenceScore)
		}
		for _, r := range e.Suspicious {
			switch r {
			case SuspiciousCoordinated, SuspiciousNewAccountBurst, SuspiciousFollowRatio:
			default:
				return invalid("enrichment.suspicious", "unknown reason %q", r)
			}
		}
	}
	return nil
}

func checkURL(s string) error {
	if s == "" {
		return errors.New("must not be empty")
	}
	if plainHTTPURL(s) {
		return nil // what url.Parse would accept, without its allocations
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("not a URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("scheme must be http or https, got %q", u.Scheme)
	}
	if u.Host == "" {
		return errors.New("has no host")
	}
	return nil
}

// plainHTTPURL recognises the common case cheaply: http(s)://, a host of
// letters, digits, dots and dashes with an optional numeric port, and a rest
// of printable ASCII without escapes. Every mention is validated four times
// on its way through the pipeline, and url.Parse allocates. Anything else
// goes to url.Parse; TestPlainHTTPURLAgreesWithParse pins the agreement.
func plainHTTPURL(s string) bool {
	rest, ok := strings.CutPrefix(s, "https://")
	if !ok {
		if rest, ok = strings.CutPrefix(s, "http://"); !ok {
			return false
		}
	}
	host := 0
	for host < len(rest) && rest[host] != '/' && rest[host] != '?' && rest[host] != '#' {
		host++
	}
	name, port, hasPort := strings.Cut(rest[:host], ":")
	if name == "" || (hasPort && port == "") {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	for i := 0; i < len(port); i++ {
		if port[i] < '0' || port[i] > '9' {
			return false
		}
	}
	for i := host; i < len(rest); i++ {
		if c := rest[i]; c <= ' ' || c >= 0x7f || c == '%' {
			return false
		}
	}
	return true
}

// Decode parses and validates one JSON-encoded mention.
func Decode(data []byte) (*Mention, error) {
	var m Mention
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%w: not JSON: %w", ErrInvalid, err)
	}
	m.StripCredentials() // messages published before producers stripped them
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

// Encode validates and JSON-encodes a mention.
func Encode(m *Mention) ([]byte, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	if m.MatchedTerms == nil {
		c := *m
		c.MatchedTerms = []string{}
		m = &c
	}
	return json.Marshal(m)
}
