package demo

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"html/template"
	"log/slog"
	"sort"
	"strings"
	texttemplate "text/template"
	"time"
)

var tmplFuncs = template.FuncMap{
	"wpPostDate":    wpPostDate,
	"wpCommentDate": wpCommentDate,
	"phpbbDate":     phpbbDate,
	"phpbbOldDate":  phpbbOldDate,
	"xfDateString":  xfDateString,
	"xfShown":       xfShown,
	"newsDate":      newsDate,
	"longDate":      longDate,
	"isoDate":       isoDate,
	// dt writes a whole datetime attribute: html/template would escape
	// the "+" of the offset inside a value, which real engines don't.
	"dt": func(t time.Time) template.HTMLAttr { return template.HTMLAttr(`datetime="` + isoDate(t) + `"`) },
	"dtXF": func(t time.Time) template.HTMLAttr {
		return template.HTMLAttr(`datetime="` + t.In(paris).Format("2006-01-02T15:04:05-0700") + `"`)
	},
	"dtUTC": func(t time.Time) template.HTMLAttr {
		return template.HTMLAttr(`datetime="` + t.UTC().Format("2006-01-02T15:04:05-07:00") + `"`)
	},
	"unix":      func(t time.Time) int64 { return t.Unix() },
	"plain":     plain,
	"add":       func(a, b int) int { return a + b },
	"thousands": thousands,
	"threadURL": threadURL,
	"pages":     pages,
	"neg":       func(i int) int { return -i },
	"tm": func(t, now time.Time) any {
		return struct {
			T, Now time.Time
			HM     string
		}{t, now, t.In(paris).Format("15:04")}
	},
	"um": func(q *req, m *member) any {
		return struct {
			Q *req
			M *member
		}{q, m}
	},
	"even":       func(i int) bool { return i%2 == 0 },
	"joined":     func(m *member) time.Time { t, _ := time.Parse(time.RFC3339, m.Joined); return t },
	"memberSlug": memberSlug,
	"pv": func(q *req, p *postView) any {
		return struct {
			Q  *req
			PV *postView
		}{q, p}
	},
	"cn": func(q *req, n *cnode) any {
		return struct {
			Q *req
			N *cnode
		}{q, n}
	},
}

// mustTemplates parses the embedded templates; like the content they ship
// with the binary and the tests render every one of them.
func mustTemplates() *template.Template {
	t, err := template.New("demo").Funcs(tmplFuncs).ParseFS(siteFS, "site/templates/*.html")
	if err != nil {
		panic("demo: embedded templates: " + err.Error())
	}
	return t
}

var feedFuncs = texttemplate.FuncMap{
	"x":       xmlText,
	"plain":   plain,
	"rfc822":  func(t time.Time) string { return t.UTC().Format(time.RFC1123Z) },
	"rfc3339": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
}

// mustFeeds parses the embedded feed templates (text/template: feeds are XML,
// escaped explicitly with x).
func mustFeeds() *texttemplate.Template {
	t, err := texttemplate.New("feeds").Funcs(feedFuncs).ParseFS(siteFS, "site/feeds/*.xml")
	if err != nil {
		panic("demo: embedded feed templates: " + err.Error())
	}
	return t
}

// thousands writes 4812 as "4 812", the French way XenForo shows counts.
func thousands(n int) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteRune('\u00a0')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// html renders template name as a UTF-8 page.
func (w *Web) html(name string, data any, mod time.Time) *page {
	var b bytes.Buffer
	if err := w.tmpl.ExecuteTemplate(&b, name, data); err != nil {
		slog.Error("demo: render", "template", name, "err", err)
		return &page{body: []byte("template error"), contentType: "text/plain; charset=utf-8", status: 500, modTime: mod}
	}
	return &page{body: b.Bytes(), contentType: "text/html; charset=utf-8", modTime: mod}
}

// latest returns the latest of ts, or fallback when there is none.
func latest(fallback time.Time, ts ...time.Time) time.Time {
	m := time.Time{}
	for _, t := range ts {
		if t.After(m) {
			m = t
		}
	}
	if m.IsZero() {
		return fallback
	}
	return m
}

// smURL is one sitemap entry.
type smURL struct {
	path string
	mod  time.Time
}

func (w *Web) robots(q *req) *page {
	var b strings.Builder
	b.WriteString("User-agent: *\n")
	switch q.host {
	case HostCamille:
		b.WriteString("Disallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n")
	case HostNews:
		// The private area is linked from the footer on purpose: a crawler
		// that ignores robots.txt will fetch it, and the tests can tell.
		b.WriteString("Disallow: /prive/\nCrawl-delay: 1\n")
	case HostForum:
		b.WriteString("Disallow: /phpbb/ucp.php\nDisallow: /phpbb/posting.php\nDisallow: /phpbb/search.php\nDisallow: /login/\nDisallow: /search/\n")
	default:
		b.WriteString("Disallow:\n")
	}
	b.WriteString("\nSitemap: " + q.Here("/sitemap.xml") + "\n")
	return &page{body: []byte(b.String()), contentType: "text/plain; charset=utf-8", modTime: w.start}
}

func (w *Web) sitemap(q *req) *page {
	var urls []smURL
	switch q.host {
	case HostCamille:
		urls = w.camilleURLs(q)
	case HostNews:
		urls = w.newsURLs(q)
	case HostForum:
		urls = w.forumURLs(q)
	case HostVelo:
		urls = w.smallBlogURLs(q, w.c.Velo)
	case HostSurf:
		urls = w.smallBlogURLs(q, w.c.Surf)
	}
	sort.SliceStable(urls, func(i, j int) bool { return urls[i].path < urls[j].path })
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString(`<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` + "\n")
	mod := w.start.Add(-1000 * time.Hour)
	for _, u := range urls {
		b.WriteString("  <url><loc>")
		_ = xml.EscapeText(&b, []byte(q.Here(u.path)))
		b.WriteString("</loc><lastmod>" + u.mod.UTC().Format(time.RFC3339) + "</lastmod></url>\n")
		if u.mod.After(mod) {
			mod = u.mod
		}
	}
	b.WriteString("</urlset>\n")
	return &page{body: b.Bytes(), contentType: "application/xml; charset=utf-8", modTime: mod}
}

// xmlText escapes s for XML character data.
func xmlText(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
