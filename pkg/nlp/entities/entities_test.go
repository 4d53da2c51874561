package entities

import (
	"strings"
	"testing"
)

func TestExtract(t *testing.T) {
	x := New([]string{"Lactalis", "Crédit Mutuel", "Orange"})
	cases := []struct {
		name, text string
		want       []Entity
		absent     []string
	}{
		{"brand case-insensitive", "j'ai résilié chez orange hier", []Entity{{"Orange", ORG}}, nil},
		{"multi-word brand", "Mon conseiller au crédit mutuel est top", []Entity{{"Crédit Mutuel", ORG}}, nil},
		{"title M.", "Selon M. Dupont, la grève continue.", []Entity{{"Dupont", PER}}, []string{"Selon"}},
		{"title Mme two words", "Hier, Mme Anne Hidalgo a visité le site", []Entity{{"Anne Hidalgo", PER}}, nil},
		{"title Dr", "Le Dr Martin répond aux questions", []Entity{{"Martin", PER}}, nil},
		{"first name pair", "Une interview de Marie Curie publiée hier", []Entity{{"Marie Curie", PER}}, nil},
		{"connector", "L'aéroport Charles de Gaulle est fermé", []Entity{{"Charles de Gaulle", PER}}, nil},
		{"city", "Une manifestation à Saint-Malo et à Rennes", []Entity{{"Saint-Malo", LOC}, {"Rennes", LOC}}, nil},
		{"country at sentence start", "Sénégal: la grève continue", []Entity{{"Sénégal", LOC}}, nil},
		{"region", "Les éleveurs de Bretagne protestent", []Entity{{"Bretagne", LOC}}, nil},
		{"org prefix", "La Laiterie de Saint-Malo supprime des postes", []Entity{{"Laiterie de Saint-Malo", ORG}}, nil},
		{"org prefix groupe", "Le Groupe Bigard rachète une usine", []Entity{{"Groupe Bigard", ORG}}, nil},
		{"org suffix", "La société Dupuis Frères SAS est en faillite", []Entity{{"Dupuis Frères SAS", ORG}}, nil},
		{"acronym", "Encore un retard de la SNCF ce matin", []Entity{{"SNCF", ORG}}, nil},
		{"no sentence-start noise", "Super produit. Merci beaucoup!", nil, []string{"Super", "Merci"}},
		{"shouting is not acronyms", "C'EST VRAIMENT NUL CE SERVICE", nil, []string{"VRAIMENT", "SERVICE"}},
		{"english", "I met Tim Cook in New York", []Entity{{"Tim Cook", PER}, {"New York", LOC}}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := x.Extract(c.text)
			for _, w := range c.want {
				found := false
				for _, g := range got {
					if g == w {
						found = true
					}
				}
				if !found {
					t.Errorf("%q: got %+v, missing %+v", c.text, got, w)
				}
			}
			for _, a := range c.absent {
				for _, g := range got {
					if strings.Contains(g.Text, a) {
						t.Errorf("%q: unexpected %+v", c.text, g)
					}
				}
			}
			if len(c.want) == 0 && len(c.absent) > 0 && len(got) > 0 {
				t.Errorf("%q: want no entities, got %+v", c.text, got)
			}
		})
	}
}

func BenchmarkExtract(b *testing.B) {
	x := New([]string{"Lactalis", "Orange"})
	cases := []struct{ name, text string }{
		{"tweet", "Franchement @Orange c pas terrible, service client injoignable depuis 3 jours à Rennes 😡 #nul"},
		{"news", strings.Repeat("La Laiterie de Saint-Malo a annoncé mardi la suppression de cent vingt postes, selon M. Dupont, délégué CGT. ", 5)},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				x.Extract(c.text)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "texts/s")
		})
	}
}
