package forum

import "testing"

// A version-0 state whose hashes were full had dropped its oldest posts:
// the lowest id it still holds becomes the horizon, so older posts met
// again are not taken for new ones; newer unknown ones are.
func TestMigrateFullHighWaterMarkState(t *testing.T) {
	c := NewCrawler(nil, nil, nil)
	c.MaxHashes = 3
	st := ThreadState{LastID: 12, Hashes: map[string]string{"p10": "a", "p11": "b", "p12": "c"}, Order: []string{"p10", "p11", "p12"}}
	c.migrateState(&st)
	if st.Version != stateVersion || st.EvictedID != 9 {
		t.Fatalf("migrated: version %d, evicted id %d; want %d, 9", st.Version, st.EvictedID, stateVersion)
	}
	if !st.forgotten("p5", 5, 0) || st.forgotten("p13", 13, 0) {
		t.Fatal("p5 must be old (below the horizon), p13 new")
	}
	// Not full: nothing was dropped, every unknown post is new.
	small := ThreadState{LastID: 12, Hashes: map[string]string{"p12": "c"}, Order: []string{"p12"}}
	c.migrateState(&small)
	if small.EvictedID != 0 || small.forgotten("p5", 5, 0) {
		t.Fatalf("a state that dropped nothing got horizon %d", small.EvictedID)
	}
	// Evicting from the seen set moves the horizon.
	c.remember(&small, "p13", "d")
	c.remember(&small, "p14", "e")
	c.remember(&small, "p15", "f")
	if small.EvictedID != 12 || len(small.Hashes) != 3 {
		t.Fatalf("after evicting p12: horizon %d, %d held", small.EvictedID, len(small.Hashes))
	}
	// Position-made anchors and Discourse post numbers move the position horizon.
	pos := ThreadState{Hashes: map[string]string{}}
	for _, a := range []string{"post_1", "post_2", "post_3", "post_4"} {
		c.remember(&pos, a, "h")
	}
	if pos.EvictedPosition != 1 || !pos.forgotten("post_1", 0, 1) || pos.forgotten("post_5", 0, 5) {
		t.Fatalf("position horizon %d", pos.EvictedPosition)
	}
}
