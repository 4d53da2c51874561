package forum

import (
	"time"

	"github.com/PuerkitoBio/goquery"
)

// dateFallback reads a post's date from the machine-readable forms themes
// keep when they move or restyle the engine's own date element: an ISO
// time[datetime], an epoch data-time / data-timestamp, schema.org's
// datePublished, a microformat abbr.published[title]. Quoted posts are not
// searched: their dates are another post's.
func dateFallback(s *goquery.Selection, dc dateCtx) time.Time {
	own := s.Clone()
	own.Find("blockquote, .bbcode_quote, .bbCodeBlock--quote, .bbCodeQuote, .ipsQuote, aside.quote, ol.children, ul.children").Remove()
	for _, f := range []struct{ css, attr string }{
		{"time[datetime]", "datetime"},
		{"[data-time]", "data-time"},
		{"[data-timestamp]", "data-timestamp"},
		{"[itemprop=datePublished][datetime]", "datetime"},
		{"[itemprop=datePublished][content]", "content"},
		{"[itemprop=dateCreated][content]", "content"},
		{"abbr.published[title]", "title"},
	} {
		if t := dc.parse(own.Find(f.css).First().AttrOr(f.attr, "")); !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}
