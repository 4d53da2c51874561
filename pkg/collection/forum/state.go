package forum

import (
	"strconv"
	"strings"
)

// Markers stored in ThreadState.Hashes in place of a content hash.
const (
	// deletedHash: the post is a deleted placeholder.
	deletedHash = "deleted"
	// skippedHash: the post was seen but not emitted (empty or quote-only);
	// if it gets text later it is emitted as new.
	skippedHash = "skipped"
)

// migrateState brings a stored ThreadState to the current format.
//
// Version 0 decided "new" by a high-water mark (id > LastID), so its
// Hashes hold the posts it emitted, not every post it saw, and it dropped
// the threaded replies that came after a higher id. Reading it as a seen
// set recovers those replies; posts it skipped (empty, quote-only, deleted)
// are skipped again, never emitted. When its Hashes were full (older
// entries evicted), the lowest id or position still held becomes the
// horizon below which unknown posts are old, as the eviction would have set.
func (c *Crawler) migrateState(st *ThreadState) {
	if st.Hashes == nil {
		st.Hashes = map[string]string{}
	}
	if st.Version >= stateVersion {
		return
	}
	limit := c.MaxHashes
	if limit <= 0 {
		limit = DefaultMaxHashes
	}
	if len(st.Order) >= limit {
		var minID int64
		minPos := 0
		for _, a := range st.Order {
			if seq := anchorSeq(a); seq > 0 && (minID == 0 || seq < minID) {
				minID = seq
			} else if pos := anchorPosition(a); pos > 0 && (minPos == 0 || pos < minPos) {
				minPos = pos
			}
		}
		if minID > 1 {
			st.EvictedID = max(st.EvictedID, minID-1)
		}
		if minPos > 1 {
			st.EvictedPosition = max(st.EvictedPosition, minPos-1)
		}
	}
	st.Version = stateVersion
}

// forgotten reports whether a post unknown to the seen set is at or below
// what the set has evicted: an old post, not a new one.
func (st *ThreadState) forgotten(anchor string, seq int64, position int) bool {
	if seq > 0 {
		return st.EvictedID > 0 && seq <= st.EvictedID
	}
	if pos := anchorPosition(anchor); pos > 0 {
		position = pos
	}
	return st.EvictedPosition > 0 && position > 0 && position <= st.EvictedPosition
}

// anchorPosition is the position in a position-made anchor ("pos12") or a
// Discourse post number ("post_12"); 0 otherwise.
func anchorPosition(a string) int {
	var rest string
	switch {
	case strings.HasPrefix(a, "post_"):
		rest = a[len("post_"):]
	case strings.HasPrefix(a, "pos") && !strings.HasPrefix(a, "post"):
		rest = a[len("pos"):]
	default:
		return 0
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// postURL is the URL that opens the post itself ("Voir l'original"): the
// page it was read on, without session parameters, with the post's anchor.
// Discourse's pages are JSON: its posts have their own URLs (/t/slug/812/3).
// A position-made anchor is not on the page, so the page alone is given.
func postURL(engine, pageURL string, q Post) string {
	if engine == Discourse && q.Permalink != "" {
		return q.Permalink
	}
	u := dropQuery(pageURL, "sid", "s", "hilit", "highlight", "sessionid", "PHPSESSID")
	if q.Anchor == "" || strings.HasPrefix(q.Anchor, "pos") && anchorPosition(q.Anchor) > 0 && !strings.HasPrefix(q.Anchor, "post") {
		return u
	}
	return u + "#" + q.Anchor
}
