package demo

import (
	"bytes"
	"sort"
	"strings"
	"time"
)

// articleView is an article as shown at this request.
type articleView struct {
	A    *article
	At   time.Time
	Path string
}

// newsView is what the news templates get.
type newsView struct {
	Q         *req
	Title     string
	Section   string
	Articles  []*articleView // visible public articles, newest first
	Popular   []*articleView
	Article   *articleView
	Private   []*articleView
	Briefs    []*articleView // feed-only briefs
	Feed      []*articleView // what the feeds list: articles and briefs, newest first
	Built     time.Time      // latest article shown on the pages
	FeedBuilt time.Time      // latest feed item
	Latin1    bool
}

var newsSections = []struct{ Slug, Name string }{
	{"actualite", "Actualité"}, {"economie", "Économie"}, {"conso", "Conso"}, {"mobilite", "Mobilité"}, {"english", "In English"},
}

// NewsSections is used by the templates for the navigation bar.
func (v *newsView) NewsSections() []struct{ Slug, Name string } { return newsSections }

func (w *Web) newsView(q *req) *newsView {
	v := &newsView{Q: q, Title: "Mon Quotidien Local – l'info de chez vous", Built: w.start.Add(-1000 * time.Hour)}
	for i := range w.c.News.Articles {
		a := &w.c.News.Articles[i]
		if !q.visible(a.At) {
			continue
		}
		av := &articleView{A: a, At: w.wall(a.At.D()), Path: "/" + a.Section + "/" + a.Slug + ".html"}
		switch {
		case a.Private:
			av.Path = "/prive/" + a.Slug + ".html"
			v.Private = append(v.Private, av)
			continue
		case a.Brief:
			av.Path = "/breves/" + a.Slug + ".html"
			v.Briefs = append(v.Briefs, av)
			v.Feed = append(v.Feed, av)
			continue
		}
		v.Articles = append(v.Articles, av)
		v.Feed = append(v.Feed, av)
		if av.At.After(v.Built) {
			v.Built = av.At
		}
	}
	newest := func(avs []*articleView) {
		sort.SliceStable(avs, func(i, j int) bool { return avs[i].At.After(avs[j].At) })
	}
	newest(v.Articles)
	newest(v.Feed)
	v.FeedBuilt = v.Built
	if len(v.Feed) > 0 && v.Feed[0].At.After(v.FeedBuilt) {
		v.FeedBuilt = v.Feed[0].At
	}
	// "Article populaire": the freshest French articles, as the sidebar
	// widget of such sites ranks by recent views.
	for _, av := range v.Articles {
		if av.A.Lang == "" && len(v.Popular) < 4 {
			v.Popular = append(v.Popular, av)
		}
	}
	return v
}

// legacy renders a news page in Windows-1252 (or ISO-8859-1, declared only
// in a <meta>, for the articles written with the old CMS templates).
func (w *Web) legacy(name string, v *newsView, mod time.Time) *page {
	p := w.html(name, v, mod)
	if p.status != 0 {
		return p
	}
	p.body = encodeLegacy(string(p.body), v.Latin1)
	p.contentType = "text/html; charset=windows-1252"
	if v.Latin1 {
		p.contentType = "text/html"
	}
	return p
}

func (w *Web) serveNews(q *req) *page {
	v := w.newsView(q)
	switch q.path {
	case "/":
		return w.legacy("news-home", v, v.Built)
	case "/rss.xml":
		return w.feed("news-rss", v, v.FeedBuilt, "application/rss+xml; charset=windows-1252", true)
	case "/atom.xml":
		return w.feed("news-atom", v, v.FeedBuilt, "application/atom+xml; charset=utf-8", false)
	case "/prive/":
		v.Title = "Espace rédaction"
		return w.legacy("news-private", v, w.start)
	}
	for _, s := range newsSections {
		if q.path == "/"+s.Slug+"/" {
			v.Section = s.Name
			var keep []*articleView
			for _, av := range v.Articles {
				if av.A.Section == s.Slug {
					keep = append(keep, av)
				}
			}
			v.Articles = keep
			v.Title = s.Name + " – Mon Quotidien Local"
			return w.legacy("news-section", v, v.Built)
		}
	}
	for _, av := range append(append(v.Articles, v.Private...), v.Briefs...) {
		if q.path == av.Path {
			v.Article = av
			v.Title = av.A.Title + " – Mon Quotidien Local"
			v.Latin1 = strings.EqualFold(av.A.Charset, "iso-8859-1")
			return w.legacy("news-article", v, av.At)
		}
	}
	return nil
}

// feed renders an XML feed from the text templates.
func (w *Web) feed(name string, data any, mod time.Time, ctype string, cp1252 bool) *page {
	var b bytes.Buffer
	if err := w.feeds.ExecuteTemplate(&b, name, data); err != nil {
		return &page{body: []byte("template error: " + err.Error()), contentType: "text/plain; charset=utf-8", status: 500}
	}
	body := b.Bytes()
	if cp1252 {
		body = encodeLegacy(b.String(), false)
	}
	return &page{body: body, contentType: ctype, modTime: mod}
}

func (w *Web) newsURLs(q *req) []smURL {
	v := w.newsView(q)
	out := []smURL{{"/", v.Built}}
	for _, s := range newsSections {
		out = append(out, smURL{"/" + s.Slug + "/", v.Built})
	}
	for _, av := range v.Articles {
		out = append(out, smURL{av.Path, av.At})
	}
	return out
}
