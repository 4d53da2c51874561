package forum

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/collection/textenc"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json from the parsers' output")

// testNow anchors relative dates ("hier", "il y a 3 jours") in fixtures.
var testNow = time.Date(2024, 2, 15, 12, 0, 0, 0, paris())

func paris() *time.Location {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		// The zone database is part of the Go distribution (time/tzdata
		// fallback); without it, fixed +1 is right for the winter fixtures.
		return time.FixedZone("CET", 3600)
	}
	return loc
}

func testOptions() Options { return Options{Now: testNow, Loc: paris()} }

// goldenPages maps each fixture to the URL it was "fetched" from; every
// fixture in testdata must be listed, so none goes untested.
var goldenPages = map[string]struct {
	profile string
	url     string
	charset string // Content-Type charset when the file is not UTF-8
}{
	"phpbb_topic_fr.html":      {PhpBB, "https://forum-conso.test/viewtopic.php?f=4&t=1234&start=10", ""},
	"phpbb_legacy_en.html":     {PhpBB, "https://cars.example/forum/viewtopic.php?f=2&t=88", ""},
	"phpbb_board.html":         {PhpBB, "https://forum-conso.test/viewforum.php?f=4", ""},
	"phpbb_login_wall.html":    {PhpBB, "https://forum-conso.test/viewtopic.php?f=4&t=999", ""},
	"phpbb_cp1252.html":        {PhpBB, "https://auto.example/forum/viewtopic.php?t=77", "text/html; charset=ISO-8859-1"},
	"xenforo_thread_fr.html":   {XenForo, "https://forum-conso.test/threads/livraison-colis-eclair-jamais-recue.4567/page-2", ""},
	"xenforo_forum.html":       {XenForo, "https://forum-conso.test/forums/livraisons.12/", ""},
	"xenforo_login_wall.html":  {XenForo, "https://cars.example/threads/recall.77/", ""},
	"vbulletin_v4_thread.html": {VBulletin, "https://forum.example.fr/showthread.php?t=5501&page=2", ""},
	"vbulletin_v5_thread.html": {VBulletin, "https://vb5.example.com/forum/consumer/12345-refund-never-came", ""},
	"vbulletin_v4_forum.html":  {VBulletin, "https://forum.example.fr/forumdisplay.php?f=7", ""},
	"discourse_topic.json":     {Discourse, "https://discuss.example.org/t/app-crashes-after-update/812.json", ""},
	"discourse_posts.json":     {Discourse, "https://discuss.example.org/t/812/posts.json?post_ids%5B%5D=9003&post_ids%5B%5D=9004", ""},
	"discourse_latest.json":    {Discourse, "https://discuss.example.org/latest.json", ""},
	"invision_topic.html":      {Invision, "https://communaute.example.fr/topic/4512-forfait-mobile-augmente-sans-prevenir/page/2/", ""},
	"invision_forum.html":      {Invision, "https://communaute.example.fr/forum/12-operateurs/", ""},
	"wordpress_comments.html":  {WordPress, "https://blog-conso.example.fr/2024/02/test-aspirateur-turbo-x/", ""},
	"generic_thread.html":      {Generic, "https://petit-forum.example/sujet.php?id=42&page=2", ""},
	// Snapshots of the project's demo forum (pkg/tooling/demo, host
	// forum-conso.test), rendered by pkg/tooling/demo's handler; see
	// testdata/demo-snapshot.md to refresh them.
	"demo_phpbb_index.html":       {PhpBB, "http://forum-conso.test/phpbb/index.php", ""},
	"demo_phpbb_viewforum.html":   {PhpBB, "http://forum-conso.test/phpbb/viewforum.php?f=2", ""},
	"demo_phpbb_topic_p1.html":    {PhpBB, "http://forum-conso.test/phpbb/viewtopic.php?t=101", ""},
	"demo_phpbb_topic_p2.html":    {PhpBB, "http://forum-conso.test/phpbb/viewtopic.php?t=101&start=15", ""},
	"demo_xenforo_index.html":     {XenForo, "http://forum-conso.test/forums/", ""},
	"demo_xenforo_forum.html":     {XenForo, "http://forum-conso.test/forums/alimentation.9/", ""},
	"demo_xenforo_thread_p1.html": {XenForo, "http://forum-conso.test/threads/laiterie-duval-le-communique-ne-passe-pas.212/", ""},
	"demo_xenforo_thread_p2.html": {XenForo, "http://forum-conso.test/threads/laiterie-duval-le-communique-ne-passe-pas.212/page-2", ""},
}

// testGeneric is the generic profile of generic_*.html, as a user would
// write it in config.
var testGeneric = GenericProfile{
	Post: ".msg", Author: ".who", AuthorURL: ".who a@href", Date: ".when", DateAttr: "datetime",
	Body: ".text", Quote: "blockquote", Signature: ".sig", Next: "a.next@href",
	ThreadLink: "a.topic@href", Title: "h1", Likes: ".likes", Deleted: ".removed",
}

func profileFor(t testing.TB, name string) Profile {
	t.Helper()
	if name == Generic {
		p, err := testGeneric.Compile()
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	p, err := ProfileByName(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func readFixture(t testing.TB, name, charset string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	text, _, err := textenc.Decode(b, charset)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return text
}

func TestGoldenPages(t *testing.T) {
	files, err := filepath.Glob("testdata/*")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		name := filepath.Base(f)
		if strings.HasSuffix(name, ".golden.json") || strings.HasSuffix(name, ".md") || name == "demosnap" {
			continue
		}
		if _, ok := goldenPages[name]; !ok {
			t.Errorf("fixture %s is not listed in goldenPages", name)
		}
	}
	for name, c := range goldenPages {
		t.Run(name, func(t *testing.T) {
			page, err := profileFor(t, c.profile).Parse(readFixture(t, name, c.charset), c.url, testOptions())
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(page); err != nil {
				t.Fatal(err)
			}
			got := buf.Bytes()
			golden := filepath.Join("testdata", strings.TrimSuffix(name, filepath.Ext(name))+".golden.json")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -run TestGoldenPages -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s: parse differs from %s\n--- got ---\n%s", name, golden, got)
			}
		})
	}
}
