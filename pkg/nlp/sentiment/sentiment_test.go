package sentiment

import (
	"strings"
	"testing"
)

func newAnalyzer(t testing.TB) *Analyzer {
	t.Helper()
	a, err := New()
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestPhenomena pins the behaviour on each French phenomenon: the final label
// and, where the rule layer must fire, a piece of evidence.
func TestPhenomena(t *testing.T) {
	a := newAnalyzer(t)
	cases := []struct {
		name, text, label, evidence string
	}{
		{"elision l'", "J'adore l'application, elle est géniale", "pos", "géniale"},
		{"elision n' negation", "Je n'aime pas ce service", "neg", "n'aime pas"},
		{"elision qu' c'", "C'est nul, qu'est-ce qu'ils ont fait à l'appli", "neg", "nul"},
		{"pas mal positive", "C'est pas mal du tout ce nouveau forfait", "pos", "pas mal"},
		{"pas terrible negative", "Le nouveau menu, franchement pas terrible", "neg", "pas terrible"},
		{"ne plus", "Je ne recommande plus cette marque", "neg", "recommande"},
		{"jamais decu", "Jamais déçu par leurs produits", "pos", "Jamais déçu"},
		{"sans", "Un film sans intérêt", "neg", "sans intérêt"},
		{"aucun", "Aucun intérêt, je suis déçu", "neg", "déçu"},
		{"ni ni", "Ni beau ni pratique, je rends le produit", "neg", "beau"},
		{"intensifier tres", "Très très bon accueil en magasin", "pos", "bon"},
		{"intensifier trop", "trop bien ce concert", "pos", "trop bien"},
		{"intensifier grave", "grave déçu de la livraison", "neg", "grave déçu"},
		{"diminisher un peu", "un peu déçu quand même", "neg", "un peu déçu"},
		{"contrast mais", "Le produit est beau mais vraiment décevant", "neg", "décevant"},
		{"contrast cependant", "Livraison lente, cependant le produit est excellent", "pos", "excellent"},
		{"contrast pourtant", "J'y croyais pourtant c'est une catastrophe", "neg", "catastrophe"},
		{"emoji angry", "Encore une panne 😡😡", "neg", "😡"},
		{"emoji love", "Mon nouveau téléphone 😍", "pos", "😍"},
		{"emoji thumbs", "Livraison reçue 👍", "pos", "👍"},
		{"emoticon smile", "Merci pour la réponse :)", "pos", ":)"},
		{"emoticon sad", "Toujours pas de réseau :(", "neg", ":("},
		{"emoticon ^^ <3", "Vive les vacances ^^ <3", "pos", "<3"},
		{"elongation nuuul", "nuuuul ce match", "neg", "nuuuul"},
		{"caps TOP", "TOP!!! merci l'équipe", "pos", "TOP"},
		{"elongation trooop", "trooop bien cette série", "pos", "bien"},
		{"informal c", "c nul", "neg", "nul"},
		{"informal tjr", "tjr en panne ce truc, c naze", "neg", "naze"},
		{"informal mdr", "mdr trop drôle cette pub", "pos", "drôle"},
		{"informal chui jsp", "chui dégoûté jsp quoi faire", "neg", "dégoûté"},
		{"informal bcp", "merci bcp c top", "pos", "top"},
		{"hashtag nul", "Le service client #nul", "neg", "nul"},
		{"hashtag génial", "Soirée #génial", "pos", "génial"},
		{"hashtag camelCase", "Encore en retard #JeSuisDégoûté", "neg", "Dégoûté"},
		{"english not bad", "not bad at all", "pos", "not bad"},
		{"english terrible", "terrible customer service, the worst", "neg", "worst"},
		{"english love it", "love it!", "pos", "love it"},
		{"code switching", "le nouveau design est awesome, I love it", "pos", "awesome"},
		{"code switching neg", "franchement this app sucks, service nul", "neg", "sucks"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := a.Analyze(c.text)
			if r.Label != c.label {
				t.Errorf("%q: label %s (score %.2f, ev %q), want %s", c.text, r.Label, r.Score, r.Evidence, c.label)
			}
			if c.evidence != "" && !containsFold(r.Evidence, c.evidence) {
				t.Errorf("%q: evidence %q lacks %q", c.text, r.Evidence, c.evidence)
			}
			if r.Score < -1 || r.Score > 1 || r.Confidence < 0 || r.Confidence > 1 {
				t.Errorf("%q: out of range %+v", c.text, r)
			}
		})
	}
}

func containsFold(ev []string, want string) bool {
	for _, e := range ev {
		if strings.Contains(strings.ToLower(e), strings.ToLower(want)) {
			return true
		}
	}
	return false
}

// TestRuleLayer pins the rule layer alone: sign of its score and its evidence.
func TestRuleLayer(t *testing.T) {
	a := newAnalyzer(t)
	cases := []struct {
		text     string
		sign     int
		evidence string
	}{
		{"Je ne suis jamais satisfait de leur SAV", -1, "jamais satisfait"},
		{"Je ne recommande plus cette marque", -1, "recommande"},
		{"je n'ai que des compliments", 0, ""},
		{"c'est pas mal", 1, "pas mal"},
		{"pas terrible", -1, "pas terrible"},
		{"pas génial", -1, "pas génial"},
		{"pas mauvais du tout", 1, "pas mauvais"},
		{"j'aime pas", -1, "aime pas"},
		{"Ni bon ni mauvais", 0, ""},
		{"aucun problème", 1, "aucun problème"},
		{"sans intérêt", -1, "sans intérêt"},
		{"bon mais décevant", -1, "décevant"},
		{"décevant mais bon", 1, "bon"},
		{"nuuul", -1, "nuuul"},
		{"NUL", -1, "NUL"},
		{"😡", -1, "😡"},
		{"^^", 1, "^^"},
		{"le projet de loi est examiné aujourd'hui", 0, ""},
	}
	for _, c := range cases {
		r := a.Rules(c.text)
		sign := 0
		if r.Score > 0.15 {
			sign = 1
		} else if r.Score < -0.15 {
			sign = -1
		}
		if sign != c.sign {
			t.Errorf("%q: rule score %.2f (hits %+v), want sign %d", c.text, r.Score, r.Hits, c.sign)
		}
		if c.evidence != "" {
			var ev []string
			for _, h := range r.Hits {
				ev = append(ev, h.Phrase)
			}
			if !containsFold(ev, c.evidence) {
				t.Errorf("%q: hits %q lack %q", c.text, ev, c.evidence)
			}
		}
	}
}

func TestIntensity(t *testing.T) {
	a := newAnalyzer(t)
	pairs := [][2]string{{"bon", "très bon"}, {"nul", "vraiment nul"}, {"nul", "NUL!!!"}, {"déçu", "grave déçu"}}
	for _, p := range pairs {
		x, y := a.Rules(p[0]).Score, a.Rules(p[1]).Score
		if abs(y) <= abs(x) {
			t.Errorf("%q (%.2f) should be stronger than %q (%.2f)", p[1], y, p[0], x)
		}
	}
	weak := [][2]string{{"déçu", "un peu déçu"}, {"bon", "assez bon"}, {"satisfait", "plutôt satisfait"}}
	for _, p := range weak {
		x, y := a.Rules(p[0]).Score, a.Rules(p[1]).Score
		if abs(y) >= abs(x) || y*x <= 0 {
			t.Errorf("%q (%.2f) should be weaker than %q (%.2f), same sign", p[1], y, p[0], x)
		}
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func TestTokenize(t *testing.T) {
	cases := []struct{ in, want string }{
		{"l'appli", "le appli"},
		{"qu'il", "que il"},
		{"aujourd'hui", "aujourd'hui"},
		{"c pr toi", "ce est pour toi"},
		{"chui là", "je suis la"},
		{"#JeSuisDégoûté", "je suis degoute"},
		{"nuuuul", "nul"},
		{"cooool", "cool"},
		{"TROOOP", "trop"},
		{"top :) <3", "top :) <3"},
		{"http://x.fr/a :D", "<url> :d"},
		{"@user 👍🏽", "<user> 👍"},
	}
	for _, c := range cases {
		var got []string
		for _, tk := range Tokenize(c.in) {
			got = append(got, tk.Norm)
		}
		if g := strings.Join(got, " "); g != c.want {
			t.Errorf("Tokenize(%q) = %q, want %q", c.in, g, c.want)
		}
	}
}

func TestModelRoundTrip(t *testing.T) {
	m, err := DecodeModel(modelBin)
	if err != nil {
		t.Fatal(err)
	}
	var buf strings.Builder
	if err := m.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	m2, err := DecodeModel([]byte(buf.String()))
	if err != nil {
		t.Fatal(err)
	}
	for i := range m.W {
		if d := m.W[i] - m2.W[i]; d > 1e-3 || d < -1e-3 {
			t.Fatalf("weight %d: %v vs %v", i, m.W[i], m2.W[i])
		}
	}
	if _, err := DecodeModel([]byte("garbage")); err == nil {
		t.Error("garbage model decoded without error")
	}
}

func BenchmarkAnalyze(b *testing.B) {
	a := newAnalyzer(b)
	cases := []struct{ name, text string }{
		{"tweet", "Franchement le nouveau forfait c pas terrible, service client injoignable depuis 3 jours 😡 #nul"},
		{"review", strings.Repeat("un manga génial avec une très bonne histoire, mais la version fr est vraiment naze avec toutes les censures . ", 4)},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				a.Analyze(c.text)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "texts/s")
		})
	}
}

// TestStrongEvidenceWins: a plain complaint with several unanimous lexical
// hits stays negative whatever brand name it carries; the hashed word
// features of an unknown name once tipped it to positive.
func TestStrongEvidenceWins(t *testing.T) {
	a, err := New()
	if err != nil {
		t.Fatal(err)
	}
	for _, brand := range []string{"Duval", "Benchcharge08", "Benchcharge07", "Zorglub", "FibreMax"} {
		text := "Service client " + brand + " injoignable depuis 3 jours, commande jamais livrée, très mécontent, plus jamais."
		for _, txt := range []string{text, "Avis sur " + brand + "\n" + text} { // the enricher prefixes the title
			if r := a.Analyze(txt); r.Label != "neg" || r.Score >= 0 || len(r.Evidence) == 0 {
				t.Errorf("%q: %+v, want neg with evidence", txt, r)
			}
		}
	}
	for _, c := range []struct{ text, want string }{
		{"Je ne commanderai plus jamais chez eux.", "neg"},
		{"Colis toujours pas reçu après 3 semaines.", "neg"},
		{"Never again, my parcel never arrived.", "neg"},
		{"Rendez-vous sur le quai numéro 3 à 18 h.", "neu"}, // "sur" is not "sûr"
	} {
		if r := a.Analyze(c.text); r.Label != c.want {
			t.Errorf("%q: %+v, want %s", c.text, r, c.want)
		}
	}
}
