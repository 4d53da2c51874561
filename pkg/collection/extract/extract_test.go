package extract

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/collection/textenc"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json from current output")

// now is fixed so relative and year-less dates in the pages are reproducible.
var now = time.Date(2025, time.February, 1, 12, 0, 0, 0, time.UTC)

func paris(t testing.TB) *time.Location {
	l, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatalf("time zone data: %v", err)
	}
	return l
}

type goldenCase struct {
	name, url, contentType string
}

var goldenCases = []goldenCase{
	{"wp_blog_nested", "https://blog-camille.fr/2024/02/avis-zoe-electrique/?utm_source=newsletter&fbclid=abc#comments", ""},
	{"news_boilerplate", "https://www.quotidien-midi.fr/economie/greve-sncf-trafic-perturbe-jeudi-12345.php", "text/html; charset=utf-8"},
	{"comments_french_dates", "https://cuisine-et-cie.fr/test-thermix/", ""},
	{"cp1252_page", "http://www.patrimoine-culture.fr/article57.php?gclid=zz", "text/html"},
	{"latin1_page", "https://carnets-francoise.fr/post/2020/01/01/tarte-aux-pommes", "text/html; charset=ISO-8859-1"},
	{"broken_schema", "https://forum-parents.fr/sujet/cantine-881", ""},
	{"english_disqus", "https://technotes.example.com/reviews/fairline-x2", "text/html; charset=utf-8"},
}

func load(t testing.TB, c goldenCase) *Document {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("testdata", c.name+".html"))
	if err != nil {
		t.Fatal(err)
	}
	text, _, err := textenc.Decode(body, c.contentType)
	if err != nil {
		t.Fatal(err)
	}
	d, err := Extract(text, c.url, Options{Now: now, Loc: paris(t)})
	if err != nil {
		t.Fatalf("%s: %v", c.name, err)
	}
	return d
}

func TestGolden(t *testing.T) {
	for _, c := range goldenCases {
		t.Run(c.name, func(t *testing.T) {
			d := load(t, c)
			got, err := json.MarshalIndent(d, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", c.name+".golden.json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("output differs from %s (rerun with -update after checking):\n%s", path, got)
			}
		})
	}
}

func docFor(t *testing.T, name string) *Document {
	for _, c := range goldenCases {
		if c.name == name {
			return load(t, c)
		}
	}
	t.Fatalf("no case %s", name)
	return nil
}

func assertAbsent(t *testing.T, text string, bad ...string) {
	t.Helper()
	for _, b := range bad {
		if strings.Contains(strings.ToLower(text), strings.ToLower(b)) {
			t.Errorf("text contains boilerplate %q:\n%s", b, text)
		}
	}
}

func assertPresent(t *testing.T, text string, good ...string) {
	t.Helper()
	for _, g := range good {
		if !strings.Contains(text, g) {
			t.Errorf("text lacks %q:\n%s", g, text)
		}
	}
}

type wantComment struct {
	anchor, author, replyTo string
	published               time.Time
	textHas                 string
}

func assertComments(t *testing.T, got []Comment, want []wantComment) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d comments, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Anchor != w.anchor || g.Author != w.author || g.ReplyTo != w.replyTo || g.Position != i+1 {
			t.Errorf("comment %d = {%q %q reply %q pos %d}, want {%q %q reply %q pos %d}", i, g.Anchor, g.Author, g.ReplyTo, g.Position, w.anchor, w.author, w.replyTo, i+1)
		}
		if !g.Published.Equal(w.published) {
			t.Errorf("comment %s published %v, want %v", w.anchor, g.Published, w.published)
		}
		if !strings.Contains(g.Text, w.textHas) {
			t.Errorf("comment %s text %q lacks %q", w.anchor, g.Text, w.textHas)
		}
		for _, bad := range []string{"Répondre", "Reply", "dit :", "says"} {
			if strings.Contains(g.Text, bad) {
				t.Errorf("comment %s text has %q: %q", w.anchor, bad, g.Text)
			}
		}
	}
}

func utc(y int, m time.Month, d, h, mi int) time.Time {
	return time.Date(y, m, d, h, mi, 0, 0, time.UTC)
}

func TestWordPressNested(t *testing.T) {
	d := docFor(t, "wp_blog_nested")
	if d.Title != "Mon avis sur la nouvelle Zoé électrique" {
		t.Errorf("title %q", d.Title)
	}
	if d.Author != "Camille Roux" || d.AuthorURL != "https://blog-camille.fr/author/camille/" {
		t.Errorf("author %q %q", d.Author, d.AuthorURL)
	}
	if !d.Published.Equal(utc(2024, 2, 10, 8, 15)) {
		t.Errorf("published %v", d.Published)
	}
	if d.CanonicalURL != "https://blog-camille.fr/2024/02/avis-zoe-electrique/" || d.Lang != "fr-fr" {
		t.Errorf("canonical %q lang %q", d.CanonicalURL, d.Lang)
	}
	if len(d.Feeds) != 2 || d.Feeds[1] != "https://blog-camille.fr/comments/feed/" {
		t.Errorf("feeds %v", d.Feeds)
	}
	assertPresent(t, d.Text, "L’autonomie annoncée", "« Une citadine honnête, mais pas une routière »", "\n\nLe confort à bord\n\n")
	assertAbsent(t, d.Text, "Partager", "Articles similaires", "Essai de la Mégane", "cookies", "Accueil",
		"Laisser un commentaire", "Articles récents", "WordPress", "Jean-Marc", "refroidit", "Ping")
	assertComments(t, d.Comments, []wantComment{
		{"comment-101", "Jean-Marc", "", utc(2024, 2, 10, 10, 2), "J’hésitais entre la Zoé et la 208"},
		{"comment-102", "Camille Roux", "comment-101", utc(2024, 2, 10, 11, 30), "très bon choix"},
		{"comment-104", "Jean-Marc", "comment-102", utc(2024, 2, 11, 7, 5), "C’est noté"},
		{"comment-103", "Françoise", "", utc(2024, 2, 12, 18, 45), "c’est pas terrible…"},
	})
	if d.Comments[0].AuthorURL != "https://jeanmarc.example.org/" {
		t.Errorf("comment author URL %q", d.Comments[0].AuthorURL)
	}
	if strings.Contains(d.Comments[0].Text, "Avec plaisir") {
		t.Errorf("parent comment includes its reply: %q", d.Comments[0].Text)
	}
}

func TestNewsBoilerplate(t *testing.T) {
	d := docFor(t, "news_boilerplate")
	if d.Title != "Grève à la SNCF : le trafic fortement perturbé jeudi" || d.Author != "Camille Roux" {
		t.Errorf("title %q author %q", d.Title, d.Author)
	}
	if !d.Published.Equal(utc(2024, 3, 6, 6, 30)) {
		t.Errorf("published %v", d.Published)
	}
	if d.CanonicalURL != "https://www.quotidien-midi.fr/economie/greve-sncf-trafic-perturbe-jeudi-12345.php?id=12345" {
		t.Errorf("canonical %q", d.CanonicalURL)
	}
	assertPresent(t, d.Text, "Les syndicats appellent", "«\u00a0Nous ne lâcherons rien\u00a0»"[0:0]+"« Nous ne lâcherons rien »", "mouvement reconductible.")
	assertAbsent(t, d.Text, "ARTICLE POPULAIRE", "Météo : un week-end", "Accident sur l’A7", "À lire aussi", "Réforme : ce qui change",
		"Partager", "Facebook", "Publicité", "Les plus lus", "cookies", "Rechercher", "Mentions légales", "Je m’inscris", "Accueil")
	if len(d.Comments) != 0 {
		t.Errorf("comments %+v", d.Comments)
	}
}

func TestCommentsFrenchDates(t *testing.T) {
	d := docFor(t, "comments_french_dates")
	if d.Title != "Test du robot cuiseur Thermix : faut-il craquer ?" || d.Author != "Élodie Martin" {
		t.Errorf("title %q author %q", d.Title, d.Author)
	}
	if !d.Published.Equal(utc(2018, 3, 1, 23, 0)) {
		t.Errorf("published %v", d.Published)
	}
	assertAbsent(t, d.Text, "Lucie", "Trop cher", "commentaires", "Recettes", "Catégories", "propulsé")
	assertComments(t, d.Comments, []wantComment{
		{"comment-1187", "Lucie", "", utc(2018, 3, 14, 9, 59), "le bol en inox se raye vite"},
		{"comment-1190", "Marc-Antoine", "", utc(2018, 3, 15, 7, 3), "Trop cher pour ce que c’est"},
		{"comment-2455", "Sandrine B.", "", utc(2025, 1, 23, 8, 12), "Je déconseille"},
		{"comment-2460", "Élodie Martin", "", utc(2025, 1, 22, 23, 0), "Désolée pour vous"},
		{"comment-2470", "Ahmed", "", utc(2025, 1, 29, 12, 0), "400 €"},
	})
	if d.Comments[0].AuthorURL != "http://www.maison-de-lucie.fr" {
		t.Errorf("author URL %q", d.Comments[0].AuthorURL)
	}
}

func TestLegacyEncodings(t *testing.T) {
	d := docFor(t, "cp1252_page")
	if d.Title != "L’œuvre de Rabelais au cœur d’une exposition à Chinon" {
		t.Errorf("title %q", d.Title)
	}
	assertPresent(t, d.Text, "« Fais ce que voudras »", "l’abbaye de Thélème", "8 €", "œuvres contemporaines", "fouace…", "déguster")
	assertAbsent(t, d.Text, "Concerts", "Publicité", "Vous aimerez aussi", "châteaux", "tous droits", "Agenda")
	if d.Lang != "fr" || !d.Published.Equal(utc(2019, 6, 5, 22, 0)) || d.Author != "Hélène Leœuvre" {
		t.Errorf("lang %q published %v author %q", d.Lang, d.Published, d.Author)
	}
	if d.CanonicalURL != "http://www.patrimoine-culture.fr/article57.php" {
		t.Errorf("canonical %q", d.CanonicalURL)
	}

	d = docFor(t, "latin1_page")
	if d.Title != "Recette : la tarte aux pommes de ma grand-mère" || d.Lang != "fr" || d.Author != "Françoise" {
		t.Errorf("title %q lang %q author %q", d.Title, d.Lang, d.Author)
	}
	assertPresent(t, d.Text, "à la Toussaint", "Étalez la pâte", "200 °C", "caramélisée", "« C'est meilleur le lendemain »")
	assertAbsent(t, d.Text, "Jérôme", "Commentaires", "Dotclear")
	if !d.Published.Equal(utc(2019, 12, 31, 23, 0)) {
		t.Errorf("published %v", d.Published)
	}
	assertComments(t, d.Comments, []wantComment{
		{"comment-7", "Jérôme", "", utc(2021, 3, 12, 13, 5), "un peu de cannelle"},
		{"comment-8", "Agnès", "", utc(2021, 3, 13, 8, 30), "à quel niveau du four"},
	})
}

func TestBrokenHTMLSchemaComments(t *testing.T) {
	d := docFor(t, "broken_schema")
	if d.Title != "Cantine scolaire : vos avis sur le nouveau prestataire" || d.Author != "Nathalie" {
		t.Errorf("title %q author %q", d.Title, d.Author)
	}
	if !d.Published.Equal(utc(2024, 2, 3, 7, 26)) {
		t.Errorf("published %v", d.Published)
	}
	assertPresent(t, d.Text, "Qu’en pensent les autres parents ?", "c’est meilleur, mais")
	assertAbsent(t, d.Text, "Karim", "poisson", "Forum des parents ©")
	assertComments(t, d.Comments, []wantComment{
		{"c-881", "Karim", "", utc(2024, 2, 3, 8, 14), "le poisson est enfin mangeable"},
		{"c-882", "Sophie", "", utc(2024, 12, 19, 7, 26), "une fois en trois semaines…"},
		{"position-3", "Anonyme", "", utc(2025, 1, 31, 13, 5), "conseil d’école"},
	})
	if d.Comments[0].Likes != 4 {
		t.Errorf("likes %d", d.Comments[0].Likes)
	}
}

func TestEnglishDisqus(t *testing.T) {
	d := docFor(t, "english_disqus")
	if d.Title != "Hands-on with the Fairline X2 phone" || d.Author != "Jane Doe" || d.AuthorURL != "https://technotes.example.com/authors/jane-doe" {
		t.Errorf("title %q author %q %q", d.Title, d.Author, d.AuthorURL)
	}
	if !d.Published.Equal(utc(2024, 3, 5, 14, 4)) || d.Lang != "en-us" {
		t.Errorf("published %v lang %q", d.Published, d.Lang)
	}
	if d.CanonicalURL != "https://technotes.example.com/reviews/fairline-x2" {
		t.Errorf("canonical %q", d.CanonicalURL)
	}
	assertPresent(t, d.Text, "the spare costs $39.", "seven years")
	assertAbsent(t, d.Text, "Related posts", "Pixel 9", "techfan42", "Share this", "Home")
	assertComments(t, d.Comments, []wantComment{
		{"post-6012345", "techfan42", "", utc(2024, 3, 6, 10, 20), "fix myself"},
		{"post-6012399", "Guest", "post-6012345", utc(2024, 3, 6, 12, 0), "dropped calls"},
		{"post-6013000", "M. Laurent", "", utc(2024, 1, 6, 21, 42), "not cheap"},
	})
	if d.Comments[0].Likes != 12 || d.Comments[1].Likes != 3 {
		t.Errorf("likes %d %d", d.Comments[0].Likes, d.Comments[1].Likes)
	}
}

func TestExtractErrors(t *testing.T) {
	for _, u := range []string{"", "not a url", "ftp://x.fr/a", "/relative/path", "https://"} {
		if _, err := Extract("<p>x</p>", u, Options{}); !errors.Is(err, ErrBadURL) {
			t.Errorf("Extract(url %q) err = %v, want ErrBadURL", u, err)
		}
	}
}

func TestTextBounded(t *testing.T) {
	page := "<html><body><article>" + strings.Repeat("<p>Un paragraphe assez long pour remplir la page, avec des accents éàç.</p>", 2000) + "</article></body></html>"
	d, err := Extract(page, "https://x.fr/a", Options{Now: now, MaxTextBytes: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Text) > 1000 || len(d.Text) < 700 || !strings.HasSuffix(d.Text, ".") {
		t.Errorf("text of %d bytes, ends %q", len(d.Text), d.Text[max(0, len(d.Text)-20):])
	}
}

func FuzzExtract(f *testing.F) {
	for _, c := range goldenCases {
		body, err := os.ReadFile(filepath.Join("testdata", c.name+".html"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(body))
	}
	f.Add("<li class=comment id=comment-1><ol class=children><li class=comment id=comment-2>")
	f.Add("<article><p>Par <b>X</b><time datetime='il y a 3 jours'>")
	f.Fuzz(func(t *testing.T, s string) {
		start := time.Now()
		d, err := Extract(s, "https://example.fr/page", Options{Now: now})
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		// Generous: the fuzzer shares two cores with other work.
		if el := time.Since(start); el > 5*time.Second && len(s) < 1<<16 {
			t.Errorf("Extract took %v on %d bytes", el, len(s))
		}
		if len(d.Text) > DefaultMaxTextBytes {
			t.Errorf("text of %d bytes", len(d.Text))
		}
	})
}

func BenchmarkExtract(b *testing.B) {
	loc := paris(b)
	for _, c := range goldenCases {
		body, err := os.ReadFile(filepath.Join("testdata", c.name+".html"))
		if err != nil {
			b.Fatal(err)
		}
		text, _, err := textenc.Decode(body, c.contentType)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Extract(text, c.url, Options{Now: now, Loc: loc}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
		})
	}
}
