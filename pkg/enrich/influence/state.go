package influence

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
)

// Bounds of one author's persisted state, so a KV value stays small.
const (
	maxBrands = 64 // brands tracked per author; later ones are ignored
	maxOwned  = 4  // sites an author publishes as document author
	maxName   = 256
)

// Event kinds.
const (
	evMention uint8 = iota + 1
	evQuote
)

// Sentiment of an event.
const (
	sentUnknown int8 = iota
	sentNeg
	sentNeu
	sentPos
)

// event is one observation as it applies to one author. Author state is a
// pure fold of events, so a flush that meets a concurrent writer re-applies
// its pending events on the other writer's state (see Tracker).
type event struct {
	Kind       uint8
	Sent       int8
	Feed       bool
	Owner      bool   // document author of a web/rss page: the page's host is theirs
	ID         uint64 // mention id (quote events: salted)
	Hash       uint64 // content hash: a new hash under a known id is an edit
	Post       uint64 // the post (url + anchor): engagement is counted per post
	At         int64  // event time, unix seconds
	Likes      int32
	Replies    int32
	PostCount  int32
	Reputation int32
	Followers  int32
	Brand      string
	Host       string
	Name       string
	Profile    string
}

// seen is a recent event id, for idempotency.
type seen struct {
	ID   uint64 `json:"i"`
	Hash uint64 `json:"h"`
	Feed bool   `json:"f,omitempty"`
}

// postSeen is the engagement last counted for a post.
type postSeen struct {
	Post    uint64 `json:"p"`
	Likes   int32  `json:"l,omitempty"`
	Replies int32  `json:"r,omitempty"`
}

// brandStat counts an author's mentions of one brand by sentiment.
type brandStat struct {
	Brand string `json:"b"`
	N     int64  `json:"n"`
	Pos   int64  `json:"pos,omitempty"`
	Neg   int64  `json:"neg,omitempty"`
	Neu   int64  `json:"neu,omitempty"`
}

// authorState is what the KV bucket holds per author (JSON).
type authorState struct {
	V          int         `json:"v"`
	Key        string      `json:"key"`
	Name       string      `json:"name,omitempty"`
	Profile    string      `json:"profile,omitempty"`
	Site       string      `json:"site,omitempty"`
	Owned      []string    `json:"owned,omitempty"`
	First      int64       `json:"first,omitempty"`
	Last       int64       `json:"last,omitempty"`
	NameAt     int64       `json:"name_at,omitempty"`
	Mentions   int64       `json:"mentions"`
	Decayed    float64     `json:"decayed"`
	DecayAt    int64       `json:"decay_at,omitempty"`
	Feed       int64       `json:"feed,omitempty"`
	Likes      int64       `json:"likes,omitempty"`
	Replies    int64       `json:"replies,omitempty"`
	Quotes     int64       `json:"quotes,omitempty"`
	PostCount  int64       `json:"post_count,omitempty"`
	Reputation int64       `json:"reputation,omitempty"`
	Followers  int64       `json:"followers,omitempty"`
	Days       []int32     `json:"days,omitempty"` // sorted active days (unix days) in the window
	Brands     []brandStat `json:"brands,omitempty"`
	Seen       []seen      `json:"seen,omitempty"`  // FIFO, oldest first
	Posts      []postSeen  `json:"posts,omitempty"` // FIFO, oldest first
}

const stateVersion = 1

// params are the config values apply needs.
type params struct {
	halfLife   float64 // seconds
	windowDays int32
	recent     int
}

func (c Config) params() params {
	return params{halfLife: c.HalfLife.Seconds(), windowDays: int32(c.ActivityWindow.Hours() / 24), recent: c.RecentIDs}
}

// apply folds one event into the state. It returns false when the event
// changed nothing: a redelivery (same id and content hash) is a no-op,
// because counts only grow for a new id and everything else is a maximum
// (engagement per post, forum stats) or a set (feed presence, owned sites).
// That also makes the fold order-independent, which the flush merge of two
// trackers relies on.
func (s *authorState) apply(e *event, p params) bool {
	newID, edited, seenFeed := true, false, false
	var slot *seen
	for i := range s.Seen {
		if s.Seen[i].ID == e.ID {
			newID, slot, seenFeed = false, &s.Seen[i], s.Seen[i].Feed
			if slot.Hash != e.Hash {
				slot.Hash, edited = e.Hash, true
			}
			break
		}
	}
	if newID {
		s.Seen = append(s.Seen, seen{ID: e.ID, Hash: e.Hash})
		if over := len(s.Seen) - p.recent; over > 0 {
			s.Seen = append(s.Seen[:0], s.Seen[over:]...)
		}
		slot = &s.Seen[len(s.Seen)-1]
	}
	if e.Kind == evQuote {
		if newID {
			s.Quotes++
		}
		return newID
	}
	changed := newID || edited
	if e.Name != "" && (s.Name == "" || e.At > s.NameAt || (e.At == s.NameAt && e.Name < s.Name)) {
		changed = changed || s.Name != e.Name
		s.Name, s.NameAt, s.Site = e.Name, e.At, e.Host
		if e.Profile != "" {
			s.Profile = e.Profile
		}
	}
	if s.First == 0 || e.At < s.First {
		s.First = e.At
	}
	s.Last = max(s.Last, e.At)
	if e.Feed && !seenFeed {
		slot.Feed = true
		s.Feed++
		changed = true
	}
	if newID {
		s.Mentions++
		s.addDecayed(e.At, p.halfLife)
		s.addDay(int32(e.At/86400), p.windowDays)
		s.addBrand(e.Brand, e.Sent)
	}
	if s.addEngagement(e, p.recent) {
		changed = true
	}
	if int64(e.PostCount) > s.PostCount || int64(e.Reputation) > s.Reputation || int64(e.Followers) > s.Followers {
		s.PostCount = max(s.PostCount, int64(e.PostCount))
		s.Reputation = max(s.Reputation, int64(e.Reputation))
		s.Followers = max(s.Followers, int64(e.Followers))
		changed = true
	}
	if e.Owner && e.Host != "" && len(s.Owned) < maxOwned {
		found := false
		for _, h := range s.Owned {
			found = found || h == e.Host
		}
		if !found {
			s.Owned = append(s.Owned, e.Host)
			sort.Strings(s.Owned)
			changed = true
		}
	}
	return changed
}

// addDecayed adds one mention at t to an exponentially decayed count kept
// as its value at DecayAt. Adding in any order gives the same result (up to
// rounding), which the flush merge relies on.
func (s *authorState) addDecayed(t int64, halfLife float64) {
	k := math.Ln2 / halfLife
	switch {
	case s.DecayAt == 0:
		s.Decayed, s.DecayAt = 1, t
	case t >= s.DecayAt:
		s.Decayed = s.Decayed*math.Exp(-k*float64(t-s.DecayAt)) + 1
		s.DecayAt = t
	default:
		s.Decayed += math.Exp(-k * float64(s.DecayAt-t))
	}
}

// decayedAt is the decayed count seen from time now.
func (s *authorState) decayedAt(now int64, halfLife float64) float64 {
	if now <= s.DecayAt {
		return s.Decayed
	}
	return s.Decayed * math.Exp(-math.Ln2/halfLife*float64(now-s.DecayAt))
}

func (s *authorState) addDay(d, window int32) {
	i := sort.Search(len(s.Days), func(i int) bool { return s.Days[i] >= d })
	if i < len(s.Days) && s.Days[i] == d {
		return
	}
	latest := d
	if n := len(s.Days); n > 0 {
		latest = max(latest, s.Days[n-1])
	}
	if d <= latest-window {
		return
	}
	s.Days = append(s.Days, 0)
	copy(s.Days[i+1:], s.Days[i:])
	s.Days[i] = d
	cut := 0
	for cut < len(s.Days) && s.Days[cut] <= latest-window {
		cut++
	}
	if cut > 0 {
		s.Days = append(s.Days[:0], s.Days[cut:]...)
	}
}

// activeDays counts the active days in the window ending at now.
func (s *authorState) activeDays(now int64, window int32) int {
	today := int32(now / 86400)
	n := 0
	for _, d := range s.Days {
		if d > today-window && d <= today {
			n++
		}
	}
	return n
}

func (s *authorState) addBrand(brand string, sent int8) {
	if brand == "" {
		return
	}
	var b *brandStat
	for i := range s.Brands {
		if s.Brands[i].Brand == brand {
			b = &s.Brands[i]
			break
		}
	}
	if b == nil {
		if len(s.Brands) >= maxBrands {
			return
		}
		s.Brands = append(s.Brands, brandStat{Brand: brand})
		b = &s.Brands[len(s.Brands)-1]
	}
	b.N++
	switch sent {
	case sentPos:
		b.Pos++
	case sentNeg:
		b.Neg++
	case sentNeu:
		b.Neu++
	}
}

// addEngagement counts the growth of a post's likes and replies since the
// post was last seen: a post seen again (another brand, a re-crawl, an
// edit) adds only what is new.
func (s *authorState) addEngagement(e *event, recent int) bool {
	if e.Likes <= 0 && e.Replies <= 0 {
		return false
	}
	for i := range s.Posts {
		p := &s.Posts[i]
		if p.Post == e.Post {
			grew := false
			if e.Likes > p.Likes {
				s.Likes += int64(e.Likes - p.Likes)
				p.Likes, grew = e.Likes, true
			}
			if e.Replies > p.Replies {
				s.Replies += int64(e.Replies - p.Replies)
				p.Replies, grew = e.Replies, true
			}
			return grew
		}
	}
	s.Likes += int64(max(e.Likes, 0))
	s.Replies += int64(max(e.Replies, 0))
	s.Posts = append(s.Posts, postSeen{Post: e.Post, Likes: max(e.Likes, 0), Replies: max(e.Replies, 0)})
	if over := len(s.Posts) - recent; over > 0 {
		s.Posts = append(s.Posts[:0], s.Posts[over:]...)
	}
	return true
}

func (s *authorState) brand(name string) *brandStat {
	for i := range s.Brands {
		if s.Brands[i].Brand == name {
			return &s.Brands[i]
		}
	}
	return nil
}

func (s *authorState) encode() ([]byte, error) {
	s.V = stateVersion
	return json.Marshal(s)
}

func decodeState(key string, data []byte) (*authorState, error) {
	var s authorState
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("%w: author %s: %w", ErrState, key, err)
	}
	if s.V != stateVersion {
		return nil, fmt.Errorf("%w: author %s: state version %d, want %d", ErrState, key, s.V, stateVersion)
	}
	return &s, nil
}

// clone deep-copies the state (the flush encodes a copy outside the lock).
func (s *authorState) clone() *authorState {
	c := *s
	c.Owned = append([]string(nil), s.Owned...)
	c.Days = append([]int32(nil), s.Days...)
	c.Brands = append([]brandStat(nil), s.Brands...)
	c.Seen = append([]seen(nil), s.Seen...)
	c.Posts = append([]postSeen(nil), s.Posts...)
	return &c
}
