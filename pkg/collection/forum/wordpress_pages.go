package forum

import (
	"net/url"
	"sort"
	"strconv"

	"github.com/PuerkitoBio/goquery"
)

// WordPress comment pagination has its own links, apart from the post
// navigation: .comment-navigation / #comment-nav-above|below (.nav-previous
// "Older comments", .nav-next "Newer comments"), paginate_comments_links()
// (.comments-pagination, .page-numbers) and .nav-links inside #comments.
// The post navigation (.post-navigation .nav-next a, <link rel="next"> of a
// single post) leads to the next ARTICLE and is never followed. A link is a
// comment page only when it says so (comment-page-N, cpage=N) and belongs
// to this article.
const wpCommentNav = ".comment-navigation a, .comments-navigation a, .comments-pagination a, #comment-nav-above a, #comment-nav-below a, .comment-nav a, " +
	"#comments .nav-links a, .comments-area .nav-links a, #comments .navigation a, .comments-area .navigation a, #comments a.page-numbers, .commentlist ~ .navigation a"

// wpCommentPage is the comment page number of a URL: /comment-page-N/ or
// ?cpage=N; 1 otherwise.
func wpCommentPage(raw string) int {
	if m := wpPageRe.FindStringSubmatch(pathOf(raw)); m != nil {
		if n, err := strconv.Atoi(m[1]); err == nil && n > 0 {
			return n
		}
	}
	if n, err := strconv.Atoi(urlParam(raw, "cpage")); err == nil && n > 0 {
		return n
	}
	return 1
}

// wpCurrentCommentPage is the comment page a page shows: its URL's number,
// else the navigation's current number, else one more than the "older
// comments" link when there is no "newer" one (the article URL shows the
// newest page by default).
func wpCurrentCommentPage(d *goquery.Document, pageURL string) int {
	if n := wpCommentPage(pageURL); n > 1 || urlParam(pageURL, "cpage") != "" || wpPageRe.MatchString(pathOf(pageURL)) {
		return n
	}
	nav := d.Find(".comment-navigation, .comments-navigation, .comments-pagination, #comment-nav-above, #comment-nav-below, .comment-nav, #comments .nav-links, .comments-area .nav-links, #comments .navigation").First()
	if n := parseCount(nav.Find(".page-numbers.current, span.current").First().Text()); n > 0 {
		return n
	}
	older := nav.Find(".nav-previous a").First().AttrOr("href", "")
	if older != "" && nav.Find(".nav-next a").Length() == 0 {
		if k := wpCommentPage(older); k >= 1 && (k > 1 || wpPageRe.MatchString(pathOf(older)) || urlParam(older, "cpage") != "") {
			return k + 1
		}
	}
	return 1
}

// wpCommentPages returns the comment pages the navigation lists, other
// than cur, in page order. They are all "more" pages, none "next":
// WordPress shows the newest page first by default, so the pages before it
// are read too, and a page seen twice (under the article URL and its
// comment-page-N URL) is skipped, not a pagination loop.
func wpCommentPages(d *goquery.Document, base *url.URL, articleURL string, cur int) (next string, more []string) {
	pages := map[int]string{}
	d.Find(wpCommentNav).Each(func(_ int, a *goquery.Selection) {
		if a.ParentsFiltered(".post-navigation, .nav-single, nav.navigation.post-navigation").Length() > 0 {
			return
		}
		href := resolve(base, a.AttrOr("href", ""))
		if href == "" {
			return
		}
		n := wpCommentPage(href)
		if n == 1 && wpPageRe.FindStringSubmatch(pathOf(href)) == nil && urlParam(href, "cpage") == "" {
			// Page 1 of the comments is the article itself; anything else
			// without a comment page number is not comment navigation.
			if wpCanonical(href) != articleURL {
				return
			}
		}
		if wpCanonical(href) != articleURL || n == cur {
			return
		}
		if _, ok := pages[n]; !ok {
			pages[n] = dropQuery(href)
		}
	})
	nums := make([]int, 0, len(pages))
	for n := range pages {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	for _, n := range nums {
		more = append(more, pages[n])
	}
	if len(more) > maxLinksPerPage {
		more = more[:maxLinksPerPage]
	}
	return next, more
}
