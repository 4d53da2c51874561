package demo

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Posts per page, as configured on the two demo boards (phpBB's default is
// 10 and XenForo's 20; the demo uses smaller pages so threads paginate).
const (
	phpbbPerPage = 15
	xfPerPage    = 10
)

// fpostView is a forum post as shown at this request.
type fpostView struct {
	P        *fpost
	N        int // 1-based position in the thread
	At       time.Time
	M        *member
	MPosts   int // member post count including the story posts out so far
	Quote    *fpostView
	QuoteTxt string
	Likes    int
	LikedBy  []string
	Bg       int // 1 or 2, alternating row class
}

type topicView struct {
	F     *forum
	T     *topic
	Posts []*fpostView // all visible posts
	Last  *fpostView
	Mod   time.Time
	Pages int
	Views int
}

// forumView is what the forum templates get.
type forumView struct {
	Q      *req
	Title  string
	Forums []*forumListView
	Forum  *forumListView
	Topic  *topicView
	Page   int // 1-based
	Shown  []*fpostView
	PageNs []int
	Member *member
	MPosts int
	Built  time.Time
}

type forumListView struct {
	F      *forum
	Topics []*topicView // visible, latest activity first
	NPosts int
	Last   *fpostView
}

func (v *forumView) PrevPage() int { return v.Page - 1 }
func (v *forumView) NextPage() int {
	if v.Page < v.Topic.Pages {
		return v.Page + 1
	}
	return 0
}

// Start is phpBB's start= offset of a 1-based page.
func (v *forumView) Start(page int) int { return (page - 1) * phpbbPerPage }

// memberPosts is the count a profile shows: the member's base count plus
// the story posts out at this request.
func (w *Web) memberPosts(q *req, m *member) int {
	n := m.Posts
	for _, bd := range []*board{&w.c.PhpBB, &w.c.XF} {
		for fi := range bd.Forums {
			for ti := range bd.Forums[fi].Topics {
				for _, p := range bd.Forums[fi].Topics[ti].Posts {
					if p.Author == m.Name && p.At > 0 && q.visible(p.At) {
						n++
					}
				}
			}
		}
	}
	return n
}

func (w *Web) topicView(q *req, f *forum, t *topic) *topicView {
	if len(t.Posts) == 0 || !q.visible(t.Posts[0].At) {
		return nil
	}
	tv := &topicView{F: f, T: t, Views: t.Views}
	names := w.memberNames()
	for i := range t.Posts {
		p := &t.Posts[i]
		if !q.visible(p.At) {
			break // posts are in time order
		}
		pv := &fpostView{P: p, N: i + 1, At: w.wall(p.At.D()), M: w.c.Members[p.Author], Bg: 2 - i%2}
		pv.MPosts = w.memberPosts(q, pv.M)
		pv.Likes = p.Likes
		for _, r := range p.Reactions {
			if q.visible(r.At) {
				pv.Likes = r.N
			}
		}
		for _, n := range names {
			if len(pv.LikedBy) == 2 || len(pv.LikedBy) == pv.Likes {
				break
			}
			if n != p.Author && (pv.N+len(n))%3 != 0 {
				pv.LikedBy = append(pv.LikedBy, n)
			}
		}
		if p.Quote != nil {
			pv.Quote = tv.Posts[p.Quote.Ref-1]
			pv.QuoteTxt = p.Quote.Text
		}
		tv.Posts = append(tv.Posts, pv)
		tv.Mod = latest(tv.Mod, pv.At, w.wall(lastReaction(q, p)))
		// Views grow with the thread, as they would on a busy board.
		tv.Views += 37 * i
	}
	tv.Last = tv.Posts[len(tv.Posts)-1]
	per := phpbbPerPage
	if w.isXF(f) {
		per = xfPerPage
	}
	tv.Pages = (len(tv.Posts) + per - 1) / per
	return tv
}

func lastReaction(q *req, p *fpost) time.Duration {
	d := p.At.D()
	for _, r := range p.Reactions {
		if q.visible(r.At) && r.At.D() > d {
			d = r.At.D()
		}
	}
	return d
}

func (w *Web) isXF(f *forum) bool {
	for i := range w.c.XF.Forums {
		if &w.c.XF.Forums[i] == f {
			return true
		}
	}
	return false
}

func (w *Web) memberNames() []string {
	out := make([]string, 0, len(w.c.Members))
	for n := range w.c.Members {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func (w *Web) forumView(q *req, bd *board) *forumView {
	v := &forumView{Q: q, Built: w.start.Add(-1000 * time.Hour)}
	for fi := range bd.Forums {
		f := &bd.Forums[fi]
		fl := &forumListView{F: f}
		for ti := range f.Topics {
			tv := w.topicView(q, f, &f.Topics[ti])
			if tv == nil {
				continue
			}
			fl.Topics = append(fl.Topics, tv)
			fl.NPosts += len(tv.Posts)
			if fl.Last == nil || tv.Last.At.After(fl.Last.At) {
				fl.Last = tv.Last
			}
			v.Built = latest(v.Built, v.Built, tv.Mod)
		}
		sort.SliceStable(fl.Topics, func(i, j int) bool { return fl.Topics[i].Last.At.After(fl.Topics[j].Last.At) })
		v.Forums = append(v.Forums, fl)
	}
	return v
}

func (w *Web) serveForum(q *req) *page {
	switch {
	case q.path == "/":
		v := w.forumView(q, &w.c.PhpBB)
		v.Title = "Forum Conso – entraide entre consommateurs"
		return w.html("forum-portal", v, v.Built)
	case strings.HasPrefix(q.path, "/phpbb/"):
		return w.servePhpBB(q)
	}
	return w.serveXF(q)
}

func (w *Web) servePhpBB(q *req) *page {
	v := w.forumView(q, &w.c.PhpBB)
	qs := q.r.URL.Query()
	num := func(k string) int { n, _ := strconv.Atoi(qs.Get(k)); return n }
	switch q.path {
	case "/phpbb/", "/phpbb/index.php":
		v.Title = "Forum Conso - Index du forum"
		return w.html("phpbb-index", v, v.Built)
	case "/phpbb/viewforum.php":
		for _, fl := range v.Forums {
			if fl.F.ID == num("f") {
				v.Forum = fl
				v.Title = fl.F.Name + " - Forum Conso"
				return w.html("phpbb-viewforum", v, v.Built)
			}
		}
	case "/phpbb/viewtopic.php":
		if p := num("p"); p > 0 {
			for _, fl := range v.Forums {
				for _, tv := range fl.Topics {
					for _, pv := range tv.Posts {
						if pv.P.ID == p {
							start := ((pv.N - 1) / phpbbPerPage) * phpbbPerPage
							return &page{redirect: fmt.Sprintf("./viewtopic.php?t=%d&start=%d#p%d", tv.T.ID, start, p), status: 302}
						}
					}
				}
			}
			return nil
		}
		for _, fl := range v.Forums {
			for _, tv := range fl.Topics {
				if tv.T.ID != num("t") {
					continue
				}
				start := num("start")
				if start < 0 || start%phpbbPerPage != 0 || start >= len(tv.Posts) {
					return nil
				}
				v.Forum, v.Topic = fl, tv
				v.Page = start/phpbbPerPage + 1
				v.Shown = tv.Posts[start:min(start+phpbbPerPage, len(tv.Posts))]
				v.PageNs = pages(tv.Pages)
				v.Title = tv.T.Title + " - Forum Conso"
				mod := v.Shown[len(v.Shown)-1].At
				return w.html("phpbb-viewtopic", v, latest(mod, mod, tv.Mod))
			}
		}
	case "/phpbb/memberlist.php":
		if qs.Get("mode") != "viewprofile" {
			return nil
		}
		return w.memberPage(q, v, num("u"), "phpbb-profile")
	}
	return nil
}

func (w *Web) memberPage(q *req, v *forumView, id int, tmpl string) *page {
	for _, m := range w.c.Members {
		if m.ID == id {
			v.Member, v.MPosts = m, w.memberPosts(q, m)
			v.Title = "Profil de " + m.Name
			return w.html(tmpl, v, v.Built)
		}
	}
	return nil
}

func pages(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i + 1
	}
	return out
}

var (
	xfForumPath  = regexp.MustCompile(`^/forums/([a-z0-9-]+)\.(\d+)/$`)
	xfThreadPath = regexp.MustCompile(`^/threads/([a-z0-9-]+)\.(\d+)/(?:page-(\d+)|post-(\d+))?$`)
	xfMemberPath = regexp.MustCompile(`^/members/([a-z0-9-]+)\.(\d+)/$`)
	xfReactPath  = regexp.MustCompile(`^/posts/(\d+)/reactions$`)
)

// threadURL is the XenForo path of a thread page.
func threadURL(t *topic, page int) string {
	if page > 1 {
		return fmt.Sprintf("/threads/%s.%d/page-%d", t.Slug, t.ID, page)
	}
	return fmt.Sprintf("/threads/%s.%d/", t.Slug, t.ID)
}

// slugFold romanises the accented letters of member names, as XenForo's
// URL romanisation does.
var slugFold = map[rune]rune{'é': 'e', 'è': 'e', 'ê': 'e', 'ë': 'e', 'à': 'a', 'â': 'a', 'ï': 'i', 'î': 'i', 'ô': 'o', 'ù': 'u', 'û': 'u', 'ç': 'c'}

// memberSlug is the URL slug XenForo derives from a user name.
func memberSlug(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if f, ok := slugFold[r]; ok {
			r = f
		}
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	return strings.Trim(b.String(), "-")
}

func (w *Web) serveXF(q *req) *page {
	v := w.forumView(q, &w.c.XF)
	findPost := func(id int) (*topicView, *fpostView) {
		for _, fl := range v.Forums {
			for _, tv := range fl.Topics {
				for _, pv := range tv.Posts {
					if pv.P.ID == id {
						return tv, pv
					}
				}
			}
		}
		return nil, nil
	}
	postURL := func(tv *topicView, pv *fpostView) string {
		return q.Local(threadURL(tv.T, (pv.N-1)/xfPerPage+1)) + "#post-" + strconv.Itoa(pv.P.ID)
	}
	if q.path == "/forums/" {
		v.Title = "Forums | Forum Conso"
		return w.html("xf-index", v, v.Built)
	}
	if q.path == "/goto/post" {
		id, _ := strconv.Atoi(q.r.URL.Query().Get("id"))
		if tv, pv := findPost(id); pv != nil {
			return &page{redirect: postURL(tv, pv), status: 302}
		}
		return nil
	}
	if m := xfForumPath.FindStringSubmatch(q.path); m != nil {
		for _, fl := range v.Forums {
			if strconv.Itoa(fl.F.ID) == m[2] && fl.F.Slug == m[1] {
				v.Forum = fl
				v.Title = fl.F.Name + " | Forum Conso"
				return w.html("xf-forum", v, v.Built)
			}
		}
		return nil
	}
	if m := xfThreadPath.FindStringSubmatch(q.path); m != nil {
		for _, fl := range v.Forums {
			for _, tv := range fl.Topics {
				if strconv.Itoa(tv.T.ID) != m[2] || tv.T.Slug != m[1] {
					continue
				}
				if m[4] != "" {
					id, _ := strconv.Atoi(m[4])
					if t2, pv := findPost(id); pv != nil && t2 == tv {
						return &page{redirect: postURL(tv, pv), status: 302}
					}
					return nil
				}
				pg := 1
				if m[3] != "" {
					pg, _ = strconv.Atoi(m[3])
					if pg < 2 {
						return nil
					}
				}
				if pg > tv.Pages {
					return nil
				}
				v.Forum, v.Topic, v.Page = fl, tv, pg
				v.Shown = tv.Posts[(pg-1)*xfPerPage : min(pg*xfPerPage, len(tv.Posts))]
				v.PageNs = pages(tv.Pages)
				v.Title = tv.T.Title
				if pg > 1 {
					v.Title += fmt.Sprintf(" | Page %d", pg)
				}
				v.Title += " | Forum Conso"
				return w.html("xf-thread", v, tv.Mod)
			}
		}
		return nil
	}
	if m := xfMemberPath.FindStringSubmatch(q.path); m != nil {
		id, _ := strconv.Atoi(m[2])
		return w.memberPage(q, v, id, "xf-member")
	}
	if m := xfReactPath.FindStringSubmatch(q.path); m != nil {
		id, _ := strconv.Atoi(m[1])
		if _, pv := findPost(id); pv != nil {
			v.Shown = []*fpostView{pv}
			v.Title = "Réactions | Forum Conso"
			return w.html("xf-reactions", v, v.Built)
		}
	}
	return nil
}

func (w *Web) forumURLs(q *req) []smURL {
	out := []smURL{}
	pv := w.forumView(q, &w.c.PhpBB)
	out = append(out, smURL{"/", pv.Built}, smURL{"/phpbb/index.php", pv.Built})
	for _, fl := range pv.Forums {
		out = append(out, smURL{"/phpbb/viewforum.php?f=" + strconv.Itoa(fl.F.ID), pv.Built})
		for _, tv := range fl.Topics {
			for p := 1; p <= tv.Pages; p++ {
				u := "/phpbb/viewtopic.php?t=" + strconv.Itoa(tv.T.ID)
				if p > 1 {
					u += "&start=" + strconv.Itoa((p-1)*phpbbPerPage)
				}
				out = append(out, smURL{u, tv.Mod})
			}
		}
	}
	xv := w.forumView(q, &w.c.XF)
	out = append(out, smURL{"/forums/", xv.Built})
	for _, fl := range xv.Forums {
		out = append(out, smURL{fmt.Sprintf("/forums/%s.%d/", fl.F.Slug, fl.F.ID), xv.Built})
		for _, tv := range fl.Topics {
			for p := 1; p <= tv.Pages; p++ {
				out = append(out, smURL{threadURL(tv.T, p), tv.Mod})
			}
		}
	}
	return out
}
