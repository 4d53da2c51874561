package extract

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// classifyCases are French pages of several CMSes (written for these
// tests, mirroring each CMS's markup) at the URL they would have, with the
// kind a marketer expects: only articles and comment pages are mentions.
var classifyCases = []struct {
	file, url string
	want      Kind
}{
	{"wp_single", "https://panier-camille.fr/fromage-blanc-duval-nouvelle-recette/", KindArticle},
	{"wp_home", "https://panier-camille.fr/", KindListing},
	{"wp_category", "https://panier-camille.fr/category/conso/", KindListing},
	{"wp_tag", "https://panier-camille.fr/tag/duval/", KindListing},
	{"wp_search", "https://panier-camille.fr/?s=Duval", KindListing},
	{"wp_paged", "https://panier-camille.fr/page/2/", KindListing},
	{"wp_comment_page", "https://panier-camille.fr/fromage-blanc-duval-nouvelle-recette/comment-page-2/", KindThread},
	{"wp_contact", "https://panier-camille.fr/contact/", KindOther},
	{"drupal_node", "https://www.saint-aubin.fr/actualites/fermes-blanchard-agrandissent-leur-fromagerie", KindArticle},
	{"drupal_taxonomy", "https://www.saint-aubin.fr/taxonomy/term/4", KindListing},
	{"news_article", "https://www.echo-littoral.fr/conso/fromage-blanc-duval-nouvelle-recette-48211.html", KindArticle},
	{"news_home", "https://www.echo-littoral.fr/", KindListing},
	// A section page with two teasers: no URL shape gives it away.
	{"news_section", "https://www.echo-littoral.fr/conso/", KindListing},
	{"news_section_one", "https://www.echo-littoral.fr/english/", KindListing},
	// A one-paragraph brief with a linked "related" heading: its metadata
	// says article.
	{"news_brief", "https://www.echo-littoral.fr/conso/rappel-fromage-blanc-duval-48230.html", KindArticle},
	{"news_search", "https://www.echo-littoral.fr/recherche?q=Duval", KindListing},
	{"blogger_item", "https://recettes-de-mamie.blogspot.com/2026/11/cheesecake-fromage-blanc.html", KindArticle},
	{"blogger_label", "https://recettes-de-mamie.blogspot.com/search/label/desserts", KindListing},
	{"medium_article", "https://plume.example/@ines.b/pourquoi-jai-rendu-ma-trottinette-volteo-3f9a1c2e7b10", KindArticle},
	{"medium_profile", "https://plume.example/@ines.b", KindListing},
	{"medium_tag", "https://plume.example/tag/trottinette", KindListing},
	// Forum indexes (the demo's "Conso" board): the forum engines' own
	// markup names them.
	{"phpbb_index", "https://forum-conso.example/phpbb/index.php", KindListing},
	{"xenforo_forum_list", "https://forum-conso.example/forums/", KindListing},
	// A school's site of the 2000s: the report is text and <br>s in a
	// table cell, a menu of links beside it.
	{"table_layout", "http://www.ecole-jules-ferry.fr/conseil-decole-decembre.html", KindArticle},
	{"mentions_legales", "https://www.echo-littoral.fr/mentions-legales.html", KindOther},
}

// TestClassifyGolden checks each page's kind against the table and its
// signals against testdata/classify/golden.json (-update rewrites it).
func TestClassifyGolden(t *testing.T) {
	got := map[string]any{}
	for _, c := range classifyCases {
		body, err := os.ReadFile(filepath.Join("testdata", "classify", c.file+".html"))
		if err != nil {
			t.Fatal(err)
		}
		d, err := Extract(string(body), c.url, Options{Now: now})
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		if d.Kind != c.want {
			t.Errorf("%s: kind %s, want %s (signals %v)", c.file, d.Kind, c.want, d.KindSignals)
		}
		got[c.file] = map[string]any{"kind": d.Kind, "signals": d.KindSignals}
	}
	out, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, '\n')
	path := filepath.Join("testdata", "classify", "golden.json")
	if *update {
		if err := os.WriteFile(path, out, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if string(want) != string(out) {
		t.Errorf("signals differ from %s (rerun with -update after checking):\n%s", path, out)
	}
}
