package watch

import (
	"fmt"
	"strings"
	"testing"
)

// frenchParagraphs are written for this benchmark: forum and press style
// French with accents, elisions, brand names and punctuation.
var frenchParagraphs = []string{
	"Depuis hier soir, impossible de me connecter : la fibre d’Orange est encore en panne dans tout le quartier. J’ai appelé le service client trois fois, on m’a promis un technicien « sous 48 heures ». Franchement, c’est pas terrible pour un abonnement à ce prix-là.",
	"De mon côté je suis passé chez Free l’an dernier et je ne regrette pas : le débit est correct, la box fonctionne, et l’assistance répond sur le forum. Bon, l’appli mobile plante de temps en temps, mais rien de grave.",
	"La Société Générale et le Crédit Agricole ont annoncé jeudi une hausse de leurs frais de tenue de compte. Les associations de consommateurs dénoncent une décision « incompréhensible » alors que les banques affichent des bénéfices records.",
	"Au rayon frais, les yaourts Duval ont disparu des étagères de mon Carrefour. Quelqu’un sait pourquoi ? Mes enfants ne jurent que par ça, et les marques de distributeur n’ont vraiment pas le même goût.",
	"Les opérateurs télécoms se livrent une guerre des prix sur les forfaits 5G. Bouygues Telecom et SFR proposent désormais des offres à moins de dix euros, ce qui pousse les analystes à s’inquiéter des marges du secteur.",
	"J'ai commandé une machine à laver chez Darty, livrée avec deux semaines de retard et sans excuse. Le vendeur m'a dit que c'était la faute du transporteur. Je ne commanderai plus jamais chez eux, c'est nul.",
	"Le nouveau parfum de L’Oréal fait le buzz sur les réseaux sociaux : certains adorent, d’autres trouvent la campagne publicitaire franchement déplacée. Le hashtag #boycott circulait déjà mardi après-midi.",
	"À Abidjan comme à Dakar, les clients d’Orange Money se plaignent de frais cachés sur les transferts. Un collectif demande des comptes à l’opérateur, qui promet une révision de sa grille tarifaire d’ici la fin de l’année.",
}

// frenchDoc builds a document of about n bytes from the paragraphs.
func frenchDoc(n int) Doc {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		b.WriteString(frenchParagraphs[i%len(frenchParagraphs)])
		b.WriteString("\n\n")
	}
	return Doc{
		Title:  "Pannes, prix et service client : le forum des abonnés",
		Text:   truncBytes(b.String(), n),
		URL:    "https://forum.example.fr/t/pannes-et-prix/1234",
		Lang:   "fr",
		Author: "Camille Roux",
	}
}

var benchBrands = []string{
	"Orange", "Free", "SFR", "Bouygues Telecom", "Société Générale", "BNP Paribas",
	"Crédit Agricole", "Danone", "Carrefour", "Leclerc", "Renault", "Peugeot",
	"Michelin", "L'Oréal", "Decathlon", "Fnac", "Darty", "SNCF", "Air France", "EDF",
	"Engie", "La Poste", "Auchan", "Lidl", "Intermarché", "Monoprix", "Sephora",
	"Yves Rocher", "Boulanger", "Cdiscount", "Veolia", "Thales", "Safran", "Kering",
}

// benchQueries returns n brand definitions of mixed shapes, the way users
// write them: plain names, phrases with exclusions, NEAR, wildcards,
// case-sensitive names, field filters.
func benchQueries(n int) []Brand {
	out := make([]Brand, 0, n)
	for i := range n {
		name := benchBrands[i%len(benchBrands)]
		w := strings.Fields(name)[0]
		var q string
		switch i % 6 {
		case 0:
			q = "" // name only
		case 1:
			q = fmt.Sprintf(`"%s" -"%s recrute" -site:%s.fr`, name, name, strings.ToLower(w))
		case 2:
			q = fmt.Sprintf(`=%s (panne OR service OR prix OR "service client") NOT lang:en`, w)
		case 3:
			q = fmt.Sprintf(`(%s OR "%s") NEAR/5 (nul OR arnaque* OR scandale OR boycott*)`, w, name)
		case 4:
			q = fmt.Sprintf(`title:(%s) OR (%s* AND (client* OR abonn*))`, w, strings.ToLower(w[:min(4, len(w))]))
		case 5:
			q = fmt.Sprintf(`"%s" AND (site:example.fr OR author:"Camille Roux") AND NOT url:/recrutement/`, name)
		}
		out = append(out, Brand{Name: fmt.Sprintf("brand%d", i), Aliases: []string{name}, Query: q, Group: "g"})
	}
	return out
}

func BenchmarkMatch(b *testing.B) {
	doc := frenchDoc(5 << 10)
	for _, n := range []int{1, 10, 100, 1000} {
		b.Run(fmt.Sprintf("queries=%d", n), func(b *testing.B) {
			m, err := Compile(benchQueries(n))
			if err != nil {
				b.Fatal(err)
			}
			matched := len(m.Match(doc))
			b.SetBytes(int64(len(doc.Title) + len(doc.Text)))
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				m.Match(doc)
			}
			elapsed := b.Elapsed()
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "docs/s")
			b.ReportMetric(float64(elapsed.Nanoseconds())/float64(b.N), "ns/doc")
			b.ReportMetric(float64(matched), "brands-matched")
		})
	}
}

func BenchmarkCompile(b *testing.B) {
	brands := benchQueries(100)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(brands); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/100, "ns/query")
}
