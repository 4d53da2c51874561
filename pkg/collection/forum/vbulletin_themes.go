package forum

import (
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"
)

// vBulletin 3, customised vBulletin 4 themes and older pagination.

var vb3PostIDRe = regexp.MustCompile(`^post\d+$`)

// vbNext is the next page of a thread or list: rel=next (vB 3.8+, 4, 5),
// vB5's next button, else vB3's pagenav arrow ("Next Page - Results 11 to
// 20", "Page suivante", "Nächste Seite"). Only a.[rel=next] or a link in the
// page navigation: vBulletin has no "next article".
func vbNext(d *goquery.Document, base *url.URL) string {
	if href := resolve(base, d.Find("a[rel=next], link[rel=next], a.js-pagenav-next-button").First().AttrOr("href", "")); href != "" {
		return href
	}
	var next string
	d.Find(".pagenav a[title], .pagination a[title], .pagenav a").EachWithBreak(func(_ int, a *goquery.Selection) bool {
		t := strings.ToLower(a.AttrOr("title", "") + " " + clean(a.Text()))
		if strings.Contains(t, "next page") || strings.Contains(t, "page suivante") || strings.Contains(t, "nächste seite") || strings.TrimSpace(clean(a.Text())) == ">" {
			next = resolve(base, a.AttrOr("href", ""))
			return next == ""
		}
		return true
	})
	return next
}

// vb3Post reads a vBulletin 3 postbit: table#postN, the date in its first
// thead cell, a.bigusername, div#post_message_N, "Join Date"/"Posts" lines.
func vb3Post(s *goquery.Selection, base *url.URL, dc dateCtx, pos int) Post {
	var q Post
	q.Position = pos
	q.Anchor = s.AttrOr("id", "")
	user := s.Find("a.bigusername, .bigusername").First()
	q.Author.Name = clean(user.Text())
	q.Author.URL = dropQuery(resolve(base, user.AttrOr("href", "")), "s")
	s.Find("td.alt2 div.smallfont, .userinfo div.smallfont").Each(func(_ int, div *goquery.Selection) {
		statsFromLines(&q.Author, nodeText(div))
	})
	head := s.Find("td.thead").First().Clone()
	head.Find("a[id^='postcount'], a[name^='postcount'], div").Remove()
	q.Published = dc.first(head.Text())
	counter := s.Find("a[id^='postcount']").First()
	if n := parseCount(counter.Text()); n > 0 {
		q.Position = n
	}
	if href := resolve(base, counter.AttrOr("href", "")); href != "" {
		q.Permalink = dropQuery(href, "s")
	}
	body := s.Find("[id^='post_message_']").First()
	if bq := body.Find("div > table td.alt2").First(); bq.Length() > 0 {
		if a := bq.Find("a[href*='#post']").First(); a.Length() > 0 {
			href := a.AttrOr("href", "")
			q.QuotedRef = href[strings.LastIndex(href, "#")+1:]
		} else if who := clean(bq.Find("strong").First().Text()); who != "" {
			q.QuotedRef = who
		}
		bq.ParentsFiltered("div").First().Remove()
	}
	body.Find(".bbcode_container, .bbcode_quote, .signature").Remove()
	q.Text = nodeText(body)
	return q
}

// vbStatsDate reads the post date that customised vBulletin 4 themes move
// into the user info block (.userinfo_extra dl.userstats dd): the dd whose
// dt names a date ("Date", "Posté le", "Posted"), else a dd that is not a
// known stat (join date, posts) and reads as a date with a time.
func vbStatsDate(s *goquery.Selection, dc dateCtx) (t time.Time) {
	var loose []string
	s.Find(".userinfo_extra dl.userstats dd, dl.userinfo_extra dd, .userinfo_extra dd").Each(func(_ int, dd *goquery.Selection) {
		label := ""
		if dt := dd.Prev(); dt.Is("dt") {
			label = strings.ToLower(strings.Trim(clean(dt.Text()), " :"))
		}
		val := clean(dd.Text())
		switch {
		case val == "":
		case label == "date" || strings.HasPrefix(label, "posté") || strings.HasPrefix(label, "posted") ||
			strings.HasPrefix(label, "datum") || strings.HasPrefix(label, "envoyé") || strings.HasPrefix(label, "publié"):
			if t.IsZero() {
				t = dc.parse(val)
			}
		case statLabel(label) == "" && timeOfDayRe.MatchString(val):
			loose = append(loose, val)
		}
	})
	if t.IsZero() {
		t = dc.first(loose...)
	}
	return t
}

var timeOfDayRe = regexp.MustCompile(`\d{1,2}\s*[:h]\s*\d{2}`)
