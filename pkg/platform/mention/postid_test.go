package mention_test

import (
	"testing"

	"github.com/veille-oss/veille/pkg/platform/mention"
)

// A forum post's URL opens the post (its page + #anchor) while its id stays
// the thread's + anchor's: the same as when the URL was the thread's, and
// the same whichever page the post was read on.
func TestPostIDKeyedByThreadNotURL(t *testing.T) {
	thread := "https://forum.test/viewtopic.php?t=12"
	before := mention.ID(thread, "p1054", "Duval")
	for _, u := range []string{thread + "#p1054", "https://forum.test/viewtopic.php?start=15&t=12#p1054"} {
		m := &mention.Mention{URL: u, Anchor: "p1054", ThreadURL: thread, Brand: "Duval"}
		m.SetID()
		if m.ID != before {
			t.Fatalf("url %s: id %s, want the thread+anchor id %s", u, m.ID, before)
		}
	}
	other := &mention.Mention{URL: thread + "#p1055", Anchor: "p1055", ThreadURL: thread, Brand: "Duval"}
	other.SetID()
	if other.ID == before {
		t.Fatal("two posts of a thread share an id")
	}
	doc := &mention.Mention{URL: thread, Brand: "Duval"}
	doc.SetID()
	if doc.ID != mention.ID(thread, "", "Duval") || doc.ID == before {
		t.Fatalf("a document's id must stay its URL's: %s", doc.ID)
	}
}
