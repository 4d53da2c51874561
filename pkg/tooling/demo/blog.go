package demo

import (
	"sort"
	"strconv"
	"strings"
	"time"
)

// cnode is a comment with its visible replies.
type cnode struct {
	C        *comment
	Post     *blogPost
	At       time.Time
	Depth    int
	Odd      bool
	Children []*cnode
}

// postView is a post as shown at this request.
type postView struct {
	P        *blogPost
	At       time.Time
	Comments []*cnode // top-level
	NComm    int
	Mod      time.Time
}

// blogView is what every blog template gets.
type blogView struct {
	Q         *req
	B         *blog
	Title     string
	Posts     []*postView // visible posts, newest first
	Post      *postView   // the post of a single-post page
	Recent    []*cnode    // recent comments widget
	Canonical string
	Built     time.Time
}

func (w *Web) postView(q *req, p *blogPost) *postView {
	pv := &postView{P: p, At: w.wall(p.At.D())}
	pv.Mod = pv.At
	nodes := map[int]*cnode{}
	odd := false
	for j := range p.Comments {
		c := &p.Comments[j]
		if !q.visible(c.At) {
			continue
		}
		n := &cnode{C: c, Post: p, At: w.wall(c.At.D())}
		nodes[j+1] = n
		pv.NComm++
		if n.At.After(pv.Mod) {
			pv.Mod = n.At
		}
		if parent, ok := nodes[c.ReplyTo]; ok && c.ReplyTo > 0 {
			n.Depth = parent.Depth + 1
			parent.Children = append(parent.Children, n)
			continue
		}
		n.Depth = 1
		odd = !odd
		n.Odd = odd
		pv.Comments = append(pv.Comments, n)
	}
	return pv
}

// visiblePosts returns the posts out at q, newest first.
func (w *Web) visiblePosts(q *req, b *blog) []*postView {
	var out []*postView
	for i := range b.Posts {
		if q.visible(b.Posts[i].At) {
			out = append(out, w.postView(q, &b.Posts[i]))
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.After(out[j].At) })
	return out
}

func (w *Web) blogView(q *req, b *blog) (*blogView, time.Time) {
	v := &blogView{Q: q, B: b, Title: b.Title, Posts: w.visiblePosts(q, b)}
	mod := w.start.Add(-1000 * time.Hour)
	var all []*cnode
	for _, pv := range v.Posts {
		if pv.Mod.After(mod) {
			mod = pv.Mod
		}
		var walk func(ns []*cnode)
		walk = func(ns []*cnode) {
			for _, n := range ns {
				all = append(all, n)
				walk(n.Children)
			}
		}
		walk(pv.Comments)
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].At.After(all[j].At) })
	if len(all) > 5 {
		all = all[:5]
	}
	v.Recent = all
	v.Built = mod
	return v, mod
}

func (w *Web) serveCamille(q *req) *page {
	b := &w.c.Camille
	v, mod := w.blogView(q, b)
	switch {
	case q.path == "/" && q.r.URL.Query().Get("p") != "":
		for _, pv := range v.Posts {
			if q.r.URL.Query().Get("p") == strconv.Itoa(pv.P.ID) {
				return &page{redirect: q.Local("/" + pv.P.Slug + "/"), status: 301}
			}
		}
		return nil
	case q.path == "/":
		v.Canonical = q.Here("/")
		return w.html("wp-home", v, mod)
	case q.path == "/auteur/camille-roux/":
		v.Title = "Camille Roux, auteur de " + b.Title
		v.Canonical = q.Here(q.path)
		return w.html("wp-author", v, mod)
	case q.path == "/feed/":
		return w.blogFeed(q, v, mod)
	case q.path == "/wp-admin/" || strings.HasPrefix(q.path, "/wp-admin/"):
		return nil
	}
	for _, pv := range v.Posts {
		if q.path == "/"+pv.P.Slug+"/" {
			v.Post = pv
			v.Title = pv.P.Title + " – " + b.Title
			v.Canonical = q.Here(q.path)
			return w.html("wp-single", v, pv.Mod)
		}
	}
	return nil
}

// blogFeed is WordPress's /feed/: RSS 2.0 with excerpts.
func (w *Web) blogFeed(q *req, v *blogView, mod time.Time) *page {
	return w.feed("wp-feed", v, mod, "application/rss+xml; charset=UTF-8", false)
}

func (w *Web) camilleURLs(q *req) []smURL {
	v, mod := w.blogView(q, &w.c.Camille)
	out := []smURL{{"/", mod}, {"/auteur/camille-roux/", mod}}
	for _, pv := range v.Posts {
		out = append(out, smURL{"/" + pv.P.Slug + "/", pv.Mod})
	}
	return out
}

// serveSmallBlog serves a small static blog (Hugo-like markup).
func (w *Web) serveSmallBlog(b blog, host string) siteFunc {
	return func(q *req) *page {
		v, mod := w.blogView(q, &b)
		switch q.path {
		case "/":
			v.Canonical = q.Here("/")
			return w.html("sb-home", v, mod)
		case "/index.xml":
			return w.smallBlogFeed(v)
		}
		for _, pv := range v.Posts {
			if q.path == "/posts/"+pv.P.Slug+"/" {
				v.Post = pv
				v.Title = pv.P.Title + " | " + b.Title
				v.Canonical = q.Here(q.path)
				return w.html("sb-single", v, pv.Mod)
			}
		}
		return nil
	}
}

// smallBlogFeed is Hugo's /index.xml: RSS 2.0 with summaries, dated by the
// newest post (Hugo rebuilds the feed when a post is published, not when a
// comment arrives).
func (w *Web) smallBlogFeed(v *blogView) *page {
	mod := w.start.Add(-1000 * time.Hour)
	if len(v.Posts) > 0 {
		mod = v.Posts[0].At
	}
	return w.feed("sb-feed", v, mod, "application/rss+xml; charset=utf-8", false)
}

func (w *Web) smallBlogURLs(q *req, b blog) []smURL {
	v, mod := w.blogView(q, &b)
	out := []smURL{{"/", mod}}
	for _, pv := range v.Posts {
		out = append(out, smURL{"/posts/" + pv.P.Slug + "/", pv.Mod})
	}
	return out
}
