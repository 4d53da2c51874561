package toxicity

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	d := New()
	cases := []struct {
		name, text, cat, evidence string
	}{
		{"insult plain", "Le patron est un connard", Insult, "connard"},
		{"insult accents dropped", "espece d'enfoire", Insult, "enfoire"},
		{"insult capitals", "CONNARD de service client", Insult, "CONNARD"},
		{"leet connard", "t'es qu'un c0nn4rd", Insult, "c0nn4rd"},
		{"leet salope", "s4l0pe", Insult, "s4l0pe"},
		{"leet at sign", "s@lope va", Insult, "s@lope"},
		{"elongation", "connaaaaard", Insult, "connaaaaard"},
		{"dotted", "c.o.n.n.a.r.d", Insult, "c.o.n.n.a.r.d"},
		{"spaced", "quel c o n n a r d ce vendeur", Insult, "c o n n a r d"},
		{"stem plural", "bande de connards", Insult, "connards"},
		{"contextual con", "sale con", Insult, "sale con"},
		{"phrase", "fils de pute", Insult, "fils de pute"},
		{"ta gueule", "ferme ta gueule", Insult, "ferme ta gueule"},
		{"obscenity merde", "c'est de la merde", Obscenity, "merde"},
		{"obscenity putain", "putain de bug", Obscenity, "putain"},
		{"english", "what a fucking scam", Obscenity, "fucking"},
		{"racism slur", "ces bougnoules", Hate, "bougnoules"},
		{"racism sale", "sale arabe", Hate, "sale arabe"},
		{"homophobia", "les pédés dehors", Hate, "pédés"},
		{"homophobia leet", "p3d3", Hate, "p3d3"},
		{"sexism", "retourne à la cuisine", Hate, "retourne à la cuisine"},
		{"hate generalisation", "les immigrés sont tous des voleurs", Hate, "immigrés sont tous des voleurs"},
		{"mort aux", "mort aux juifs", Hate, "mort aux juifs"},
		{"threat kill", "je vais te tuer", Threat, "je vais te tuer"},
		{"threat elided", "j'vais te buter", Threat, "vais te buter"},
		{"threat shops", "on va brûler vos magasins", Threat, "on va brûler vos"},
		{"threat you die", "tu vas crever", Threat, "tu vas crever"},
		{"threat know where", "je sais où tu habites", Threat, "je sais où tu habites"},
		{"threat english", "I will kill you", Threat, "I will kill you"},
		{"threat t'es mort", "t'es mort", Threat, "t'es mort"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := d.Check(c.text)
			if !r.Toxic {
				t.Fatalf("%q not flagged", c.text)
			}
			for _, f := range r.Flags {
				if f.Category == c.cat {
					for _, e := range f.Evidence {
						if strings.Contains(strings.ToLower(e), strings.ToLower(c.evidence)) {
							return
						}
					}
					t.Fatalf("%q: %s evidence %q lacks %q", c.text, c.cat, f.Evidence, c.evidence)
				}
			}
			t.Fatalf("%q: flags %+v, want category %s", c.text, r.Flags, c.cat)
		})
	}
}

func TestClean(t *testing.T) {
	d := New()
	for _, text := range []string{
		"La conférence de presse a lieu à Scunthorpe",
		"Quelle bassesse, mais l'analyse du concombre est juste",
		"Il a fait preuve de constance et de concision",
		"Un cul-de-sac près de la gare",
		"Le menu con carne est délicieux",
		"The pros and cons of the new plan",
		"Le président-directeur général a démissionné en 2024",
		"Un chat noir traverse la rue, le drapeau noir flotte",
		"La pédale de frein est usée, il joue à la pétanque",
		"Rendez-vous sur la page 404 du site",
		"Je vais te retrouver à la gare à 14h",
		"Ce film est nul et la fin est ratée",
		"Il tue le temps en lisant; on va brûler des calories",
		"Les Arabes ont inventé l'algèbre",
		"Cocktail de fruits et peinture à l'analyse spectrale",
		"Document classé: PDF disponible, Pdt du conseil",
	} {
		if r := d.Check(text); r.Toxic {
			t.Errorf("%q flagged: %+v", text, r.Flags)
		}
	}
}

func BenchmarkCheck(b *testing.B) {
	d := New()
	cases := []struct{ name, text string }{
		{"tweet", "Franchement le nouveau forfait c pas terrible, service client injoignable depuis 3 jours 😡 #nul"},
		{"toxic", "t'es qu'un c0nn4rd, je vais te retrouver et on va brûler vos magasins"},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				d.Check(c.text)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "texts/s")
		})
	}
}

func TestSqueeze(t *testing.T) {
	for _, c := range []struct {
		in   string
		max  int
		want string
	}{
		{"connard", 1, "conard"}, {"connard", 2, "connard"}, {"nuuuul", 2, "nuul"},
		{"ééé", 2, "éé"}, {"éé", 1, "é"}, {"aéé", 1, "aé"}, {"abc", 1, "abc"}, {"", 1, ""},
	} {
		if got := squeeze(c.in, c.max); got != c.want {
			t.Errorf("squeeze(%q, %d) = %q, want %q", c.in, c.max, got, c.want)
		}
	}
}
