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
	// loc is the source's configured zone: "" is Europe/Paris, "none" is
	// no zone configured (the page's statement or the language decides).
	// Pages that state their zone are read with a far-off source zone
	// (America/New_York) so that ignoring the statement shows.
	loc     string
	generic *GenericProfile // the page's generic profile (default testGeneric)
}{
	"phpbb_topic_fr.html":      {PhpBB, "https://forum-conso.test/viewtopic.php?f=4&t=1234&start=10", "", "", nil},
	"phpbb_legacy_en.html":     {PhpBB, "https://cars.example/forum/viewtopic.php?f=2&t=88", "", "", nil},
	"phpbb_board.html":         {PhpBB, "https://forum-conso.test/viewforum.php?f=4", "", "", nil},
	"phpbb_login_wall.html":    {PhpBB, "https://forum-conso.test/viewtopic.php?f=4&t=999", "", "", nil},
	"phpbb_cp1252.html":        {PhpBB, "https://auto.example/forum/viewtopic.php?t=77", "text/html; charset=ISO-8859-1", "", nil},
	"xenforo_thread_fr.html":   {XenForo, "https://forum-conso.test/threads/livraison-colis-eclair-jamais-recue.4567/page-2", "", "", nil},
	"xenforo_forum.html":       {XenForo, "https://forum-conso.test/forums/livraisons.12/", "", "", nil},
	"xenforo_login_wall.html":  {XenForo, "https://cars.example/threads/recall.77/", "", "", nil},
	"vbulletin_v4_thread.html": {VBulletin, "https://forum.example.fr/showthread.php?t=5501&page=2", "", "", nil},
	"vbulletin_v5_thread.html": {VBulletin, "https://vb5.example.com/forum/consumer/12345-refund-never-came", "", "", nil},
	"vbulletin_v4_forum.html":  {VBulletin, "https://forum.example.fr/forumdisplay.php?f=7", "", "", nil},
	"discourse_topic.json":     {Discourse, "https://discuss.example.org/t/app-crashes-after-update/812.json", "", "", nil},
	"discourse_posts.json":     {Discourse, "https://discuss.example.org/t/812/posts.json?post_ids%5B%5D=9003&post_ids%5B%5D=9004", "", "", nil},
	"discourse_latest.json":    {Discourse, "https://discuss.example.org/latest.json", "", "", nil},
	"invision_topic.html":      {Invision, "https://communaute.example.fr/topic/4512-forfait-mobile-augmente-sans-prevenir/page/2/", "", "", nil},
	"invision_forum.html":      {Invision, "https://communaute.example.fr/forum/12-operateurs/", "", "", nil},
	"wordpress_comments.html":  {WordPress, "https://blog-conso.example.fr/2024/02/test-aspirateur-turbo-x/", "", "", nil},
	"generic_thread.html":      {Generic, "https://petit-forum.example/sujet.php?id=42&page=2", "", "", nil},
	// Snapshots of the project's demo forum (pkg/tooling/demo, host
	// forum-conso.test), rendered by pkg/tooling/demo's handler; see
	// testdata/demo-snapshot.md to refresh them.
	"demo_phpbb_index.html":       {PhpBB, "http://forum-conso.test/phpbb/index.php", "", "", nil},
	"demo_phpbb_viewforum.html":   {PhpBB, "http://forum-conso.test/phpbb/viewforum.php?f=2", "", "", nil},
	"demo_phpbb_topic_p1.html":    {PhpBB, "http://forum-conso.test/phpbb/viewtopic.php?t=101", "", "", nil},
	"demo_phpbb_topic_p2.html":    {PhpBB, "http://forum-conso.test/phpbb/viewtopic.php?t=101&start=15", "", "", nil},
	"demo_xenforo_index.html":     {XenForo, "http://forum-conso.test/forums/", "", "", nil},
	"demo_xenforo_forum.html":     {XenForo, "http://forum-conso.test/forums/alimentation.9/", "", "", nil},
	"demo_xenforo_thread_p1.html": {XenForo, "http://forum-conso.test/threads/laiterie-duval-le-communique-ne-passe-pas.212/", "", "", nil},
	"demo_xenforo_thread_p2.html": {XenForo, "http://forum-conso.test/threads/laiterie-duval-le-communique-ne-passe-pas.212/page-2", "", "", nil},
	// Engines and versions as they really are (issue 22), French boards
	// first, each with its zone statement.
	"phpbb30_prosilver_fr.html":     {PhpBB, "https://forum-auto-passion.example.fr/viewtopic.php?f=3&t=4521&sid=8f2a0c", "", newYork, nil},
	"phpbb30_en_dst.html":           {PhpBB, "https://scooter-owners.example.co.uk/viewtopic.php?f=5&t=602&start=10", "", newYork, nil},
	"phpbb31_de.html":               {PhpBB, "https://elektroauto-forum.example.de/viewtopic.php?f=12&t=3307", "", newYork, nil},
	"phpbb33_fr.html":               {PhpBB, "https://forum-trott.example.fr/viewtopic.php?t=9312&start=10", "", newYork, nil},
	"vbulletin3_fr.html":            {VBulletin, "https://forum.conso-malin.example.fr/showthread.php?t=61202", "text/html; charset=ISO-8859-1", newYork, nil},
	"vbulletin4_custom_en.html":     {VBulletin, "https://www.carclub-forums.example/showthread.php?8841-AutoNova-Kaleo-infotainment-reboot-loop", "", newYork, nil},
	"vbulletin5_custom_fr.html":     {VBulletin, "https://entraide-conso.example.fr/forum/livraisons/7781-colis-eclair-colis-declare-livre-mais-jamais-recu", "", newYork, nil},
	"xenforo1_fr.html":              {XenForo, "https://forum-bebe.example.fr/threads/lait-infantile-duval-bebe-malade-apres-changement-de-lot.20931/", "", "", nil},
	"discourse_topic_crawler.html":  {Discourse, "https://communaute.volteo.example/t/l-appli-volteo-plante-apres-la-mise-a-jour-5-2/812", "", "", nil},
	"discourse_topic_rendered.html": {Discourse, "https://community.shopnow.example/t/shopnow-refund-stuck-processing-for-3-weeks/4410", "", "", nil},
	"wordpress_threaded_fr.html":    {WordPress, "https://blog-conso.example.fr/2024/01/06/laiterie-duval-rappel-yaourts/", "", "", nil},
	"wordpress_paged_fr.html":       {WordPress, "https://www.mamaison-conso.example.fr/2023/11/20/avis-aspirateur-turbo-x/", "", "none", nil},
	"doctissimo_like_fr.html":       {Generic, "https://forum.bebe-sante.example.fr/grossesse-bebe/alimentation-bebe/lait-infantile-duval-coliques-sujet_188231_1.htm", "", "none", &doctissimoLike},
	"jvc_like_fr.html":              {Generic, "https://www.jeux-forum.example.fr/forums/42-51-73201199-1-0-1-0-volteo-ma-trottinette-a-pris-feu.htm", "", "none", &jvcLike},
}

const newYork = "America/New_York"

// doctissimoLike and jvcLike are generic profiles for two French board
// layouts without a built-in profile, as a user would write them in config
// (README, "Generic profile").
var (
	doctissimoLike = GenericProfile{
		Post: "table.messagetable", Anchor: ".messCase1 a[name]@name", Author: ".messCase1 b.s2",
		Date: ".messCase2 .toolbar .left", Body: "div[id^='para']", Quote: "div.container", Signature: ".signature",
		Next: ".pagepresuiv a@href", Title: "h1",
	}
	jvcLike = GenericProfile{
		Post: ".bloc-message-forum", Anchor: ".bloc-message-forum@data-id", Author: ".bloc-pseudo-msg", Date: ".bloc-date-msg",
		Body: ".txt-msg", Quote: "blockquote.blockquote-jv", Signature: ".signature-msg",
		Next: "a.pagi-suivant-actif@href", Title: "#bloc-title-forum h1",
	}
)

// optionsFor is testOptions with the fixture's source zone.
func optionsFor(t testing.TB, loc string) Options {
	o := testOptions()
	switch loc {
	case "":
	case "none":
		o.Loc = nil
	default:
		l, err := time.LoadLocation(loc)
		if err != nil {
			t.Skipf("zone %s not available: %v", loc, err)
		}
		o.Loc = l
	}
	return o
}

// testGeneric is the generic profile of generic_*.html, as a user would
// write it in config.
var testGeneric = GenericProfile{
	Post: ".msg", Author: ".who", AuthorURL: ".who a@href", Date: ".when", DateAttr: "datetime",
	Body: ".text", Quote: "blockquote", Signature: ".sig", Next: "a.next@href",
	ThreadLink: "a.topic@href", Title: "h1", Likes: ".likes", Deleted: ".removed",
}

func profileFor(t testing.TB, name string, gen ...*GenericProfile) Profile {
	t.Helper()
	if name == Generic {
		g := testGeneric
		if len(gen) > 0 && gen[0] != nil {
			g = *gen[0]
		}
		p, err := g.Compile()
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
			page, err := profileFor(t, c.profile, c.generic).Parse(readFixture(t, name, c.charset), c.url, optionsFor(t, c.loc))
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
