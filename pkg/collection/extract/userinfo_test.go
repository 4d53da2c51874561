package extract

import (
	"strings"
	"testing"
)

// TestLinksDoNotInheritCredentials: a page fetched from a URL with a user
// name and password resolves its relative links and its canonical URL
// without them (they would be stored in mentions and shown).
func TestLinksDoNotInheritCredentials(t *testing.T) {
	page := `<html><head><title>Duval</title></head><body><article><h1>Duval</h1>
<p>Les yaourts Duval sont bons, vraiment, et ce texte est assez long pour être le contenu principal de la page.</p>
<a href="/a/2">suite</a> <a href="autre.html">autre</a> <a href="//cdn.example.fr/x">cdn</a></article></body></html>`
	doc, err := Extract(page, "http://bob:hunter2@blog.example.fr/a/1", Options{})
	if err != nil {
		t.Fatal(err)
	}
	all := append([]string{doc.CanonicalURL}, doc.Links...)
	if len(doc.Links) < 3 {
		t.Fatalf("links %v, want 3", doc.Links)
	}
	for _, l := range all {
		if strings.Contains(l, "hunter2") || strings.Contains(l, "bob") {
			t.Errorf("link %q inherits the page URL's credentials", l)
		}
	}
}
