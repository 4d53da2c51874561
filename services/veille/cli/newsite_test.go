package cli

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"

	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/pkg/platform/service"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
)

// site is a small French site the collectors have never seen: a UTF-8 blog
// post with comments, a Windows-1252 page, an RSS feed, a robots.txt
// disallow, a page only matching an excluded phrase, and every kind of bad
// response next to them.
func site(t *testing.T) (*httptest.Server, *sync.Map) {
	hits := &sync.Map{}
	cp1252 := func(s string) []byte {
		b, err := charmap.Windows1252.NewEncoder().Bytes([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var srv *httptest.Server
	mux := http.NewServeMux()
	html := func(w http.ResponseWriter, body string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, body)
	}
	mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "User-agent: *\nDisallow: /prive/\n")
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		hits.Store(r.URL.Path, true)
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		html(w, `<html lang="fr"><body><nav><a href="/2026/03/yaourts.html">Yaourts</a> <a href="/ancien.html">Ancien</a>
<a href="/prive/secret.html">Privé</a> <a href="/rue.html">Rue</a> <a href="/casse.html">Cassé</a> <a href="/image.png">img</a>
<a href="/bombe.html">bombe</a> <a href="/boucle">boucle</a> <a href="/enorme.html">énorme</a> <a href="/lent.html">lent</a></nav></body></html>`)
	})
	mux.HandleFunc("/2026/03/yaourts.html", func(w http.ResponseWriter, r *http.Request) {
		html(w, `<!DOCTYPE html><html lang="fr"><head><title>Les yaourts Duval à l’essai | Blog Conso</title>
<meta name="author" content="Élodie Martin"><meta property="article:published_time" content="2026-03-14T10:59:00+01:00"></head>
<body><header><nav><a href="/">Accueil</a></nav></header>
<article class="post"><h1>Les yaourts Duval à l’essai</h1><div class="entry-content">
<p>J’ai goûté toute la gamme de yaourts Duval cette semaine. La texture est crémeuse, le goût est franchement réussi, et le prix reste raisonnable pour une marque de cette qualité.</p>
<p>Seul bémol : l’emballage en plastique, que la laiterie promet de remplacer « d’ici l’été ». Nous verrons bien. En attendant, c’est une très bonne surprise que je recommande.</p>
</div></article>
<div id="comments"><ol class="commentlist">
<li class="comment" id="comment-11"><article class="comment-body"><footer class="comment-meta"><div class="comment-author"><b class="fn">Gérard</b></div>
<div class="comment-metadata"><time datetime="2026-03-14T12:05:00+01:00">14 mars 2026 à 12 h 05 min</time></div></footer>
<div class="comment-content"><p>Les Duval nature sont les meilleurs, je confirme !</p></div></article></li>
<li class="comment" id="comment-12"><article class="comment-body"><footer class="comment-meta"><div class="comment-author"><b class="fn">Inès</b></div>
<div class="comment-metadata"><time datetime="2026-03-15T08:00:00+01:00">15 mars 2026 à 8 h 00 min</time></div></footer>
<div class="comment-content"><p>Moi je préfère ceux des Fermes Blanchard, plus onctueux.</p></div></article></li>
</ol></div><footer>© Blog Conso</footer></body></html>`)
	})
	mux.HandleFunc("/ancien.html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=windows-1252")
		w.Write(cp1252(`<html lang="fr"><head><title>Visite à la ferme</title><meta name="author" content="René Lefèvre">
<meta property="article:published_time" content="2026-02-01T09:00:00Z"></head><body><article><h1>Visite à la ferme</h1>
<p>Reportage chez les Fermes Blanchard : œufs frais, crème épaisse et accueil chaleureux. Les éleveurs nous ont expliqué leur démarche « zéro déchet » avec passion.</p>
<p>Un modèle à suivre pour toute la filière, même si les prix restent élevés pour beaucoup de ménages.</p></article></body></html>`))
	})
	mux.HandleFunc("/prive/secret.html", func(w http.ResponseWriter, r *http.Request) {
		hits.Store("/prive/secret.html", true)
		html(w, `<article><h1>Secret</h1><p>Duval Duval Duval Fermes Blanchard `+strings.Repeat("texte ", 100)+`</p></article>`)
	})
	mux.HandleFunc("/rue.html", func(w http.ResponseWriter, r *http.Request) {
		html(w, `<html><head><title>Travaux rue Duval</title><meta property="article:published_time" content="2026-03-01T09:00:00Z"></head><body><article><h1>Travaux</h1><p>La rue Duval sera fermée pendant les travaux de voirie du 3 au 10 mars. `+strings.Repeat("Déviation par le centre. ", 20)+`</p></article></body></html>`)
	})
	mux.HandleFunc("/casse.html", func(w http.ResponseWriter, r *http.Request) {
		html(w, `<html><head><title>Page cassée<body><article><div><p>Duval <b>mal fermé <i>partout <p>`+strings.Repeat("bla ", 30))
	})
	mux.HandleFunc("/image.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write([]byte("\x89PNG\r\n\x1a\nDuval"))
	})
	mux.HandleFunc("/bombe.html", func(w http.ResponseWriter, r *http.Request) {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write([]byte("<p>Duval</p>"))
		zw.Write(make([]byte, 64<<20))
		zw.Close()
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(b.Bytes())
	})
	mux.HandleFunc("/boucle", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/boucle2", http.StatusFound) })
	mux.HandleFunc("/boucle2", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/boucle", http.StatusFound) })
	mux.HandleFunc("/enorme.html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		chunk := []byte(strings.Repeat("<p>Duval</p>", 1000))
		for i := 0; i < 100000; i++ { // ~1.2 GB if nobody stops reading
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	mux.HandleFunc("/lent.html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(200)
		for i := 0; i < 100; i++ {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(500 * time.Millisecond):
				fmt.Fprint(w, "<p>Duval</p>")
				w.(http.Flusher).Flush()
			}
		}
	})
	mux.HandleFunc("/feed.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml; charset=windows-1252")
		w.Write(cp1252(`<?xml version="1.0" encoding="windows-1252"?><rss version="2.0"><channel><title>Actu</title><link>` + srv.URL + `/</link><language>fr</language>
<item><title>Fermes Blanchard : une récolte record</title><link>` + srv.URL + `/breve-1.html</link><guid>g1-` + fmt.Sprint(time.Now().UnixNano()) + `</guid><pubDate>Mon, 16 Mar 2026 10:00:00 +0100</pubDate><description>Les Fermes Blanchard annoncent une récolte record de lait bio cette année.</description></item>
<item><title>Brève sans lien ni date</title><description>Les Fermes Blanchard recrutent à Évreux.</description></item>
<item><title>Sans rapport</title><link>` + srv.URL + `/meteo.html</link><description>Il pleuvra demain sur la Normandie.</description></item>
</channel></rss>`))
	})
	mux.HandleFunc("/breve-1.html", func(w http.ResponseWriter, r *http.Request) {
		html(w, `<article><h1>Fermes Blanchard : une récolte record</h1><p>Les Fermes Blanchard annoncent une récolte record de lait bio cette année, grâce à un printemps doux. `+strings.Repeat("La coopérative se réjouit. ", 12)+`</p></article>`)
	})
	mux.HandleFunc("/feed-casse.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, `<rss><channel><item><title>Duval`)
	})
	srv = httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, hits
}

// TestNewSiteFromREADMEConfig points the pipeline at a site it has never
// seen, with a configuration written as the README shows.
func TestNewSiteFromREADMEConfig(t *testing.T) {
	srv, hits := site(t)
	base := testenv.Config(t)
	yaml := fmt.Sprintf(`
data_dir: %s
nats: {embedded: {listen: "127.0.0.1:0"}, ack_wait: 5s}
clickhouse: {addr: [%q], database: %s}
metrics: {listen: ""}
crawler: {interval: 1h, timeout: 3s, max_bytes: 2000000, rate_per_host: 0}
sink: {flush_interval: 200ms}
brands:
  - name: Duval
    group: laitiers
    query: '=Duval AND NOT "rue Duval"'
  - name: Blanchard
    group: laitiers
    aliases: ["Fermes Blanchard"]
sources:
  - {kind: web, name: blog, seeds: ["%s/"], allow_private: true, max_depth: 2}
  - {kind: rss, name: actu, url: "%s/feed.xml", allow_private: true}
  - {kind: rss, name: casse, url: "%s/feed-casse.xml", allow_private: true}
`, base.DataDir, base.ClickHouse.Addr[0], base.ClickHouse.Database, srv.URL, srv.URL, srv.URL)
	cfg, err := config.Parse([]byte(yaml), "readme-like.yaml", func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	st := testenv.Store(t, cfg)
	b := testenv.Bus(t, cfg)
	env := testenv.Env(t, cfg, b)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- service.Group(ctx, env, Services()) }()
	defer func() { cancel(); <-done }()

	type row struct{ brand, kind, anchor, author, text string }
	want := map[string]bool{
		"Duval|web||Élodie Martin":      true, // the article
		"Duval|web|comment-11|Gérard":   true, // comments under it are in its conversation
		"Duval|web|comment-12|Inès":     true,
		"Blanchard|web|comment-12|Inès": true, // names Fermes Blanchard
		"Blanchard|web||René Lefèvre":   true, // the Windows-1252 page
		"Blanchard|rss||":               true, // feed item, full article fetched
		"Blanchard|rss|item-":           true, // no link, no date
	}
	var got []row
	testenv.Eventually(t, 60*time.Second, "expected mentions stored", func() (bool, string) {
		rows, err := st.Conn.Query(context.Background(), "SELECT brand, toString(source_kind), anchor, author_name, text FROM "+st.DB+".mentions FINAL ORDER BY brand, anchor")
		if err != nil {
			return false, err.Error()
		}
		defer rows.Close()
		got = got[:0]
		for rows.Next() {
			var r row
			rows.Scan(&r.brand, &r.kind, &r.anchor, &r.author, &r.text)
			got = append(got, r)
		}
		return len(got) >= len(want), fmt.Sprint(len(got), " rows")
	})
	time.Sleep(2 * time.Second) // anything extra would show up now
	rows, _ := st.Conn.Query(context.Background(), "SELECT brand, toString(source_kind), anchor, author_name, text, toString(published_at) FROM "+st.DB+".mentions FINAL ORDER BY brand, anchor")
	defer rows.Close()
	seen := map[string]bool{}
	for rows.Next() {
		var r row
		var published string
		rows.Scan(&r.brand, &r.kind, &r.anchor, &r.author, &r.text, &published)
		key := r.brand + "|" + r.kind + "|" + r.anchor + "|" + r.author
		if strings.HasPrefix(r.anchor, "item-") {
			key = r.brand + "|" + r.kind + "|item-"
		}
		t.Logf("stored %s published=%s text=%.60q", key, published, r.text)
		if !want[key] {
			t.Errorf("unexpected mention %s: %.80q", key, r.text)
		}
		if seen[key] {
			t.Errorf("duplicate mention %s", key)
		}
		seen[key] = true
		switch key {
		case "Duval|web||Élodie Martin":
			if published != "2026-03-14 09:59:00" || !strings.Contains(r.text, "J’ai goûté toute la gamme") {
				t.Errorf("article: published %s, text %q", published, r.text)
			}
		case "Duval|web|comment-11|Gérard":
			if published != "2026-03-14 11:05:00" {
				t.Errorf("comment date %s", published)
			}
		case "Blanchard|web||René Lefèvre":
			if !strings.Contains(r.text, "œufs frais, crème épaisse") || !strings.Contains(r.text, "« zéro déchet »") {
				t.Errorf("windows-1252 accents: %q", r.text)
			}
		case "Blanchard|rss||":
			if !strings.Contains(r.text, "grâce à un printemps doux") {
				t.Errorf("full article not fetched: %q", r.text)
			}
		}
	}
	for k := range want {
		if !seen[k] {
			t.Errorf("missing mention %s", k)
		}
	}
	if _, ok := hits.Load("/prive/secret.html"); ok {
		t.Error("fetched a page robots.txt disallows")
	}
}
