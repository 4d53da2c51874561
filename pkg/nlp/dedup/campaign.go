package dedup

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
)

// Coordinated campaigns: many distinct accounts posting near-identical text
// about a brand within minutes (bought posts, bot networks). Campaigns
// counts, per campaign key, the distinct authors seen in a sliding window.

// CampaignMinWords is the least number of words of a short post with a
// campaign key.
const CampaignMinWords = 5

// CampaignKey is the key of the near-identical texts text belongs to: its
// SimHash cluster when it has one of its own (long texts), else a hash of
// its words once @mentions, links, numbers, hashtag signs, emoji and
// punctuation are dropped and case folded, so "Boycott Duval !! 🤮 @ami"
// and "boycott duval @autre 2" share a key. A text of fewer than
// CampaignMinWords words has no key: "nul" or "Duval bof" from many
// people is a mood, not a script.
func CampaignKey(text, cluster, id string) string {
	if cluster != "" && cluster != id {
		return "c:" + cluster
	}
	var words []string
	for _, w := range strings.Fields(text) {
		if strings.HasPrefix(w, "@") || strings.HasPrefix(w, "http://") || strings.HasPrefix(w, "https://") {
			continue
		}
		w = strings.Map(func(r rune) rune {
			if unicode.IsLetter(r) {
				return unicode.ToLower(r)
			}
			return -1
		}, w)
		if w != "" {
			words = append(words, w)
		}
	}
	if len(words) < CampaignMinWords {
		return ""
	}
	h := sha256.Sum256([]byte(strings.Join(words, " ")))
	return "t:" + hex.EncodeToString(h[:10])
}

// Campaigns counts distinct authors per key in a sliding window. It is
// safe for concurrent use and bounded: at most MaxKeys keys (new keys are
// not tracked beyond it until old ones expire) and MaxAuthors authors per key.
type Campaigns struct {
	mu         sync.Mutex
	keys       map[string]*campaign
	maxKeys    int
	maxAuthors int
	sweptAt    time.Time
}

type campaign struct {
	authors map[string]time.Time // author -> last post time
	last    time.Time
}

// NewCampaigns returns an empty counter; 0 picks the defaults (100,000
// keys, 10,000 authors per key).
func NewCampaigns(maxKeys, maxAuthors int) *Campaigns {
	if maxKeys <= 0 {
		maxKeys = 100_000
	}
	if maxAuthors <= 0 {
		maxAuthors = 10_000
	}
	return &Campaigns{keys: map[string]*campaign{}, maxKeys: maxKeys, maxAuthors: maxAuthors}
}

// Observe records that author posted a text of key at t and returns how
// many distinct authors posted one in the window ending at t. Empty keys
// and authors count nothing (0).
func (c *Campaigns) Observe(key, author string, t time.Time, window time.Duration) int {
	if key == "" || author == "" {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.Sub(c.sweptAt) >= window {
		c.sweep(t, window)
	}
	k := c.keys[key]
	if k == nil {
		if len(c.keys) >= c.maxKeys {
			return 0
		}
		k = &campaign{authors: map[string]time.Time{}}
		c.keys[key] = k
	}
	cut := t.Add(-window)
	for a, at := range k.authors {
		if at.Before(cut) {
			delete(k.authors, a)
		}
	}
	if prev, ok := k.authors[author]; ok || len(k.authors) < c.maxAuthors {
		if t.After(prev) {
			k.authors[author] = t
		}
	}
	if t.After(k.last) {
		k.last = t
	}
	return len(k.authors)
}

// sweep drops the keys quiet for a window.
func (c *Campaigns) sweep(t time.Time, window time.Duration) {
	cut := t.Add(-window)
	for key, k := range c.keys {
		if k.last.Before(cut) {
			delete(c.keys, key)
		}
	}
	c.sweptAt = t
}

// CampaignState is one key of Campaigns as a snapshot keeps it.
type CampaignState struct {
	Key     string               `json:"key"`
	Authors map[string]time.Time `json:"authors"`
}

// State returns the keys and their authors, sorted by key, for a
// snapshot; the maps are copies.
func (c *Campaigns) State() []CampaignState {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]CampaignState, 0, len(c.keys))
	for k, v := range c.keys {
		out = append(out, CampaignState{Key: k, Authors: maps.Clone(v.authors)})
	}
	slices.SortFunc(out, func(a, b CampaignState) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// Restore replaces the content with a snapshot's, within the bounds.
func (c *Campaigns) Restore(st []CampaignState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.keys = map[string]*campaign{}
	for _, s := range st {
		if len(c.keys) >= c.maxKeys || s.Key == "" {
			break
		}
		k := &campaign{authors: map[string]time.Time{}}
		for a, t := range s.Authors {
			if len(k.authors) >= c.maxAuthors {
				break
			}
			k.authors[a] = t
			if t.After(k.last) {
				k.last = t
			}
		}
		c.keys[s.Key] = k
	}
}
