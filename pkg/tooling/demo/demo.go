// Package demo serves the bundled demo web that `veille demo` crawls: a small
// fictional francophone web (a food blog, a local news site in Windows-1252,
// a consumer forum in phpBB and XenForo markup, two small blogs) with a
// bad-buzz storyline about the fictional dairy brand Duval that unfolds over
// the first minute of the run.
//
// Every site lives under its own host name (see Hosts). One handler serves
// them all and picks the site from the Host header, so a crawler can reach it
// through a dialer that maps *.test to the listener, or by using the listener
// as an HTTP proxy (absolute-form requests set the Host). When custom host
// names are not an option, the same pages are served under the path prefix
// /site/<host>/ on any host, with links rewritten to stay inside that prefix.
package demo

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"html/template"
	"net"
	"net/http"
	"strings"
	"sync"
	texttemplate "text/template"
	"time"
)

// Config is the demo pipeline configuration (brands, watch queries, sources).
//
//go:embed demo.yaml
var Config []byte

// Host names of the demo sites. The .test TLD is reserved (RFC 2606), so these
// can never collide with a real site.
const (
	HostCamille  = "blog-camille.test"
	HostNews     = "monquotidien.test"
	HostForum    = "forum-conso.test"
	HostVelo     = "velo-urbain.test"
	HostSurf     = "mode-surf.test"
	prefixMarker = "/site/"
)

// maxHitKeys bounds the distinct paths Requests keeps counts for.
const maxHitKeys = 10000

// StoryEnd is the story offset (in demo time, before speed scaling) after which
// nothing new appears: at start+StoryEnd/speed the storyline is complete.
const StoryEnd = 60 * time.Second

// Hosts returns the demo host names.
func Hosts() []string {
	return []string{HostCamille, HostNews, HostForum, HostVelo, HostSurf}
}

// Web is the demo web: an http.Handler serving every demo host.
type Web struct {
	start time.Time
	speed float64
	c     *corpus
	sites map[string]siteFunc
	tmpl  *template.Template
	feeds *texttemplate.Template

	mu   sync.Mutex
	hits map[string]int // "host/path" -> requests served, for robots tests
}

// NewHandler returns the handler serving all demo hosts; see New.
func NewHandler(start time.Time, speed float64) http.Handler {
	return New(start, speed)
}

// New returns the demo web whose storyline starts at start. speed scales the
// story clock: with speed 10 the minute-long storyline plays in six seconds.
// A speed <= 0 is taken as 1.
func New(start time.Time, speed float64) *Web {
	if speed <= 0 {
		speed = 1
	}
	w := &Web{start: start, speed: speed, c: mustLoadCorpus(), hits: map[string]int{}, tmpl: mustTemplates(), feeds: mustFeeds()}
	w.sites = map[string]siteFunc{
		HostCamille: w.serveCamille,
		HostNews:    w.serveNews,
		HostForum:   w.serveForum,
		HostVelo:    w.serveSmallBlog(w.c.Velo, HostVelo),
		HostSurf:    w.serveSmallBlog(w.c.Surf, HostSurf),
	}
	return w
}

// Complete returns the wall-clock time at which the storyline is complete.
func (w *Web) Complete() time.Time { return w.wall(StoryEnd) }

// Requests returns how many requests were served for host whose path starts
// with pathPrefix (e.g. Requests("monquotidien.test", "/prive/")), whatever
// the status. Tests use it to prove a crawler honoured robots.txt.
func (w *Web) Requests(host, pathPrefix string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for k, v := range w.hits {
		h, p, _ := strings.Cut(k, "/")
		if h == host && strings.HasPrefix("/"+p, pathPrefix) {
			n += v
		}
	}
	return n
}

// elapsed is the story clock at now.
func (w *Web) elapsed(now time.Time) time.Duration {
	return time.Duration(float64(now.Sub(w.start)) * w.speed)
}

// wall maps a story offset to wall-clock time. Past items (offset <= 0) keep
// their real age; future ones are compressed by speed, so a post is dated at
// the moment it appears.
func (w *Web) wall(off time.Duration) time.Time {
	if off <= 0 {
		return w.start.Add(off)
	}
	return w.start.Add(time.Duration(float64(off) / w.speed))
}

// page is one rendered response.
type page struct {
	body        []byte
	contentType string
	modTime     time.Time
	redirect    string // location for a 301/302
	status      int    // 0 means 200
}

// req is what site handlers need to know about one request.
type req struct {
	r       *http.Request
	host    string // demo host being served
	path    string // path inside the site, starting with "/"
	now     time.Time
	elapsed time.Duration
	link    linker
}

type siteFunc func(q *req) *page

// ServeHTTP dispatches on the Host header, then on the /site/<host>/ prefix.
func (w *Web) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	path := r.URL.Path
	lk := linker{}
	if _, ok := w.sites[host]; !ok {
		rest, ok := strings.CutPrefix(path, prefixMarker)
		if !ok && path == "/robots.txt" {
			w.servePrefixRobots(rw, r)
			return
		}
		if !ok {
			w.serveIndex(rw, r)
			return
		}
		h, p, _ := strings.Cut(rest, "/")
		host = strings.ToLower(h)
		path = "/" + p
		lk = linker{prefix: true, self: r.Host}
	}
	site, ok := w.sites[host]
	if !ok {
		http.NotFound(rw, r)
		return
	}
	w.mu.Lock()
	// Bounded: a crawler gone wild must not grow the counters forever.
	if _, ok := w.hits[host+path]; ok || len(w.hits) < maxHitKeys {
		w.hits[host+path]++
	}
	w.mu.Unlock()
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		rw.Header().Set("Allow", "GET, HEAD")
		http.Error(rw, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	now := time.Now()
	lk.host = host
	q := &req{r: r, host: host, path: path, now: now, elapsed: w.elapsed(now), link: lk}
	var p *page
	switch path {
	case "/robots.txt":
		p = w.robots(q)
	case "/sitemap.xml":
		p = w.sitemap(q)
	default:
		p = site(q)
	}
	if p == nil {
		rw.Header().Set("Content-Type", "text/html; charset=utf-8")
		rw.WriteHeader(http.StatusNotFound)
		_, _ = rw.Write([]byte("<!DOCTYPE html><html lang=\"fr\"><head><title>Page introuvable</title></head><body><h1>404 – Page introuvable</h1></body></html>\n"))
		return
	}
	if p.redirect != "" {
		st := p.status
		if st == 0 {
			st = http.StatusFound
		}
		http.Redirect(rw, r, p.redirect, st)
		return
	}
	sum := sha256.Sum256(p.body)
	rw.Header().Set("Content-Type", p.contentType)
	rw.Header().Set("ETag", `"`+hex.EncodeToString(sum[:10])+`"`)
	rw.Header().Set("Cache-Control", "no-cache")
	http.ServeContent(rw, r, "", p.modTime, bytes.NewReader(p.body))
}

// serveIndex answers requests that name no demo host: a page listing the
// sites under their path prefix, so a person can browse the demo.
func (w *Web) serveIndex(rw http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" {
		http.NotFound(rw, r)
		return
	}
	var b strings.Builder
	b.WriteString("<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>veille demo web</title></head><body><h1>Le web de démonstration de veille</h1><p>Sites fictifs ; toutes les marques, personnes et entreprises sont imaginaires.</p><ul>\n")
	for _, h := range Hosts() {
		b.WriteString(`<li><a href="` + prefixMarker + h + `/">` + h + "</a></li>\n")
	}
	b.WriteString("</ul></body></html>\n")
	rw.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = rw.Write([]byte(b.String()))
}

// servePrefixRobots is the robots.txt of prefix mode: a crawler reads
// robots.txt at the root of the host, so the per-site rules are merged here
// with their /site/<host> prefix.
func (w *Web) servePrefixRobots(rw http.ResponseWriter, r *http.Request) {
	var b strings.Builder
	b.WriteString("User-agent: *\n")
	for _, h := range Hosts() {
		for _, line := range strings.Split(string(w.robots(&req{host: h}).body), "\n") {
			if p, ok := strings.CutPrefix(line, "Disallow: "); ok {
				b.WriteString("Disallow: " + prefixMarker + h + p + "\n")
			}
		}
	}
	b.WriteString("\n")
	for _, h := range Hosts() {
		b.WriteString("Sitemap: http://" + r.Host + prefixMarker + h + "/sitemap.xml\n")
	}
	rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = rw.Write([]byte(b.String()))
}

// linker builds URLs for the current request mode.
type linker struct {
	prefix bool   // serving under /site/<host>/
	self   string // request Host, for absolute URLs in prefix mode
	host   string // demo host being served
}

// URL returns the href for path on host as seen from the current page.
func (l linker) URL(host, path string) string {
	if l.prefix {
		return prefixMarker + host + path
	}
	if host == l.host {
		return path
	}
	return "http://" + host + path
}

// Abs returns the absolute URL (feeds, sitemaps, canonical links).
func (l linker) Abs(host, path string) string {
	if l.prefix {
		return "http://" + l.self + prefixMarker + host + path
	}
	return "http://" + host + path
}

// Local is URL on the current host.
func (l linker) Local(path string) string { return l.URL(l.host, path) }
