package textenc

import (
	"testing"

	"golang.org/x/text/encoding/charmap"
)

func TestDecode(t *testing.T) {
	cp1252, _ := charmap.Windows1252.NewEncoder().String("Élodie a dit « c’est œuvre » 10 €")
	cases := []struct {
		name, ct string
		body     []byte
		want     string
		enc      string
	}{
		{"utf8 plain", "text/html", []byte("<p>Été à Noël</p>"), "<p>Été à Noël</p>", "utf-8"},
		{"utf8 bom", "", []byte("\xef\xbb\xbfÉté"), "Été", "utf-8"},
		{"header cp1252", "text/html; charset=windows-1252", []byte(cp1252), "Élodie a dit « c’est œuvre » 10 €", "windows-1252"},
		{"header latin1 read as cp1252", "text/html; charset=ISO-8859-1", []byte(cp1252), "Élodie a dit « c’est œuvre » 10 €", "windows-1252"},
		{"meta charset", "text/html", []byte(`<html><head><meta charset="iso-8859-1"></head>` + cp1252), `<html><head><meta charset="iso-8859-1"></head>` + "Élodie a dit « c’est œuvre » 10 €", "windows-1252"},
		{"meta http-equiv", "", []byte(`<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">` + cp1252), `<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">` + "Élodie a dit « c’est œuvre » 10 €", "windows-1252"},
		{"undeclared cp1252 detected", "", []byte(cp1252), "Élodie a dit « c’est œuvre » 10 €", "windows-1252"},
		{"wrong utf8 header", "text/html; charset=utf-8", []byte(cp1252), "Élodie a dit « c’est œuvre » 10 €", "windows-1252"},
		{"bom beats header", "text/html; charset=windows-1252", []byte("\xef\xbb\xbfÉté"), "Été", "utf-8"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, enc, err := Decode(c.body, c.ct)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want || enc != c.enc {
				t.Fatalf("got %q (%s), want %q (%s)", got, enc, c.want, c.enc)
			}
		})
	}
}
