package cli

import (
	"encoding/xml"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/collection/extract"
	"github.com/veille-oss/veille/pkg/collection/textenc"
	"github.com/veille-oss/veille/pkg/tooling/demo"
)

// get fetches u from the demo web and decodes it as the collectors do.
func get(t *testing.T, w *demo.Web, u string) (string, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	w.ServeHTTP(rec, httptest.NewRequest("GET", u, nil))
	if rec.Code != 200 {
		t.Fatalf("%s: status %d", u, rec.Code)
	}
	body, _ := io.ReadAll(rec.Result().Body)
	ct := rec.Result().Header.Get("Content-Type")
	text, _, err := textenc.Decode(body, ct)
	if err != nil {
		t.Fatalf("%s: %v", u, err)
	}
	return text, ct
}

// TestDemoNewsDatesAndKinds reads the demo's news site as the crawler does
// (no configured zone): every article's date is the one its RSS feed gives
// in UTC (the pages show Paris time without an offset; read as UTC they
// were an hour ahead), and the home and section pages are listings.
func TestDemoNewsDatesAndKinds(t *testing.T) {
	w := demo.New(time.Now().Add(-30*time.Minute), 1)
	feed, _ := get(t, w, "http://monquotidien.test/rss.xml")
	var rss struct {
		Items []struct {
			Link    string `xml:"link"`
			PubDate string `xml:"pubDate"`
		} `xml:"channel>item"`
	}
	dec := xml.NewDecoder(strings.NewReader(feed))
	dec.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	if err := dec.Decode(&rss); err != nil {
		t.Fatal(err)
	}
	checked := 0
	var newest time.Time
	for _, it := range rss.Items {
		if strings.Contains(it.Link, "/breves/") {
			continue // feed-only briefs: no page of their own on the site's menus
		}
		want, err := time.Parse(time.RFC1123Z, it.PubDate)
		if err != nil {
			t.Fatalf("%s: pubDate %q: %v", it.Link, it.PubDate, err)
		}
		if want.After(newest) {
			newest = want
		}
		page, _ := get(t, w, it.Link)
		d, err := extract.Extract(page, it.Link, extract.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if d.Kind != extract.KindArticle {
			t.Errorf("%s: kind %s, want article (%v)", it.Link, d.Kind, d.KindSignals)
		}
		// The page shows minutes: compare to the minute.
		if got := d.Published.Truncate(time.Minute); !got.Equal(want.UTC().Truncate(time.Minute)) {
			t.Errorf("%s: published %s, feed says %s", it.Link, d.Published, want.UTC())
		}
		checked++
	}
	if checked < 5 {
		t.Fatalf("only %d articles checked", checked)
	}
	// The home page's dates have no offset at all ("Publié le 02/12/2026
	// à 16h02"): its first teaser is the newest article, at its feed time.
	home, _ := get(t, w, "http://monquotidien.test/")
	hd, err := extract.Extract(home, "http://monquotidien.test/", extract.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !hd.Published.Equal(newest.UTC().Truncate(time.Minute)) {
		t.Errorf("home page date %s, newest article at %s (one hour apart: Paris time read as UTC)", hd.Published, newest.UTC())
	}
	for _, u := range []string{"http://monquotidien.test/", "http://monquotidien.test/conso/", "http://monquotidien.test/english/",
		"http://monquotidien.test/mobilite/", "http://blog-camille.test/", "http://velo-urbain.test/", "http://mode-surf.test/",
		"http://forum-conso.test/phpbb/index.php", "http://forum-conso.test/forums/"} {
		page, _ := get(t, w, u)
		d, err := extract.Extract(page, u, extract.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if d.Kind == extract.KindArticle || d.Kind == extract.KindThread {
			t.Errorf("%s: kind %s, want a listing (%v)", u, d.Kind, d.KindSignals)
		}
	}
}
