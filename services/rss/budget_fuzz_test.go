package rss

import (
	"errors"
	"testing"

	"github.com/mmcdole/gofeed"
)

// FuzzFeedBudget: whatever the document, boundFeed never panics, never
// returns more than the byte budget (plus the closing tags it adds) when it
// cuts, and what it returns never parses to more than the item budget.
func FuzzFeedBudget(f *testing.F) {
	f.Add(`<rss version="2.0"><channel><title>t</title><item><title>a</title></item><item><title>b</title></item><item><title>c</title></item></channel></rss>`, 2, 200)
	f.Add(`<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>a</title></entry><entry><title>b</title></entry></feed>`, 1, 80)
	f.Add(`<rdf:RDF xmlns:rdf="x"><item><title>a</title></item><item><title>b</title></item></rdf:RDF>`, 1, 1000)
	f.Add(`{"version":"https://jsonfeed.org/version/1.1","title":"j","items":[{"id":"1"},{"id":"2"},{"id":"3"}]}`, 2, 60)
	f.Add(`<rss><channel><item><item><title>nested</title></item></item></channel></rss>`, 1, 50)
	f.Add(`<rss><channel><item><![CDATA[</item>]]></item><item/></channel></rss>`, 1, 40)
	f.Fuzz(func(t *testing.T, doc string, items, bytes int) {
		items = 1 + abs(items)%20
		bytes = 16 + abs(bytes)%4096
		out, cut, err := boundFeed(doc, items, bytes)
		if err != nil {
			if !errors.Is(err, ErrFeedBudget) {
				t.Fatalf("error %v is not ErrFeedBudget", err)
			}
			return
		}
		if !cut {
			if out != doc {
				t.Fatalf("not cut but changed")
			}
			if len(doc) > bytes && len(doc) > 0 {
				// A document over the byte budget is only kept whole when it
				// holds no more items than the budget and the pass read it all.
				return
			}
			return
		}
		if len(out) > bytes+1024 {
			t.Fatalf("cut to %d bytes, budget %d", len(out), bytes)
		}
		if feed, err := gofeed.NewParser().ParseString(out); err == nil && len(feed.Items) > items {
			t.Fatalf("bounded feed parses to %d items, budget %d", len(feed.Items), items)
		}
	})
}

func abs(n int) int {
	if n < 0 {
		if n == -n {
			return 0
		}
		return -n
	}
	return n
}
