package watch

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
)

// matchOne compiles one brand with query q and matches d.
func matchOne(t *testing.T, q string, d Doc) (bool, []string) {
	t.Helper()
	m, err := Compile([]Brand{{Name: "b", Query: q}})
	if err != nil {
		t.Fatalf("Compile(%q): %v", q, err)
	}
	ms := m.Match(d)
	if len(ms) == 0 {
		return false, nil
	}
	return true, ms[0].Terms
}

type matchCase struct {
	name  string
	query string
	doc   Doc
	want  bool
	terms []string // checked when want is true and terms is non-nil
}

func text(s string) Doc { return Doc{Text: s} }

func runMatchCases(t *testing.T, cases []matchCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, terms := matchOne(t, c.query, c.doc)
			if got != c.want {
				t.Fatalf("query %q on %+v: matched=%v, want %v (terms %q)", c.query, c.doc, got, c.want, terms)
			}
			if c.want && c.terms != nil && !slices.Equal(terms, c.terms) {
				t.Fatalf("query %q on %+v: terms %q, want %q", c.query, c.doc, terms, c.terms)
			}
		})
	}
}

func TestOperators(t *testing.T) {
	runMatchCases(t, []matchCase{
		{"word", `orange`, text("J'ai un forfait Orange."), true, []string{"Orange"}},
		{"word absent", `orange`, text("J'ai un forfait Free."), false, nil},
		{"AND both", `orange AND free`, text("Orange et Free baissent leurs prix"), true, []string{"Orange", "Free"}},
		{"AND one", `orange AND free`, text("Orange baisse ses prix"), false, nil},
		{"implicit AND both", `orange free`, text("Free puis Orange"), true, []string{"Free", "Orange"}},
		{"implicit AND one", `orange free`, text("Free seulement"), false, nil},
		{"OR left", `orange OR free`, text("chez Orange"), true, []string{"Orange"}},
		{"OR right", `orange OR free`, text("chez Free"), true, []string{"Free"}},
		{"OR none", `orange OR free`, text("chez Bouygues"), false, nil},
		{"OR both reports both", `orange OR free`, text("Free et Orange"), true, []string{"Free", "Orange"}},
		{"NOT excludes", `orange NOT fruit`, text("une orange, un fruit"), false, nil},
		{"NOT keeps", `orange NOT fruit`, text("le réseau Orange"), true, []string{"Orange"}},
		{"AND NOT", `orange AND NOT fruit`, text("le fruit orange"), false, nil},
		{"minus", `orange -fruit`, text("le fruit orange"), false, nil},
		{"minus keeps", `orange -fruit`, text("le réseau orange"), true, []string{"orange"}},
		{"minus phrase", `orange -"jus d'orange"`, text("un jus d’orange"), false, nil},
		{"hyphen inside word is not NOT", `coca-cola`, text("Coca Cola Zero"), true, []string{"Coca Cola"}},
		{"lone NOT matches absence", `NOT orange`, text("rien"), true, []string{}},
		{"lowercase and is a word", `chat and souris`, text("chat souris"), false, nil},
		{"lowercase and is a word, present", `chat and souris`, text("chat and souris"), true, []string{"chat", "and", "souris"}},
		{"lowercase or is a word", `lingot or`, text("un lingot d'argent"), false, nil},
	})
}

func TestPrecedenceAndNesting(t *testing.T) {
	runMatchCases(t, []matchCase{
		// OR binds loosest: a OR (b AND c).
		{"OR<AND a", `alpha OR beta gamma`, text("alpha"), true, nil},
		{"OR<AND b", `alpha OR beta gamma`, text("beta"), false, nil},
		{"OR<AND bc", `alpha OR beta gamma`, text("gamma beta"), true, nil},
		{"explicit AND same", `alpha OR beta AND gamma`, text("beta"), false, nil},
		{"parens a", `(alpha OR beta) gamma`, text("alpha"), false, nil},
		{"parens ac", `(alpha OR beta) gamma`, text("alpha gamma"), true, []string{"alpha", "gamma"}},
		// NOT binds tighter than AND and OR: (NOT a) OR b.
		{"NOT<OR ab", `NOT alpha OR beta`, text("alpha beta"), true, []string{"beta"}},
		{"NOT<OR a", `NOT alpha OR beta`, text("alpha"), false, nil},
		{"NOT<OR none", `NOT alpha OR beta`, text("delta"), true, nil},
		{"NOT group", `NOT (alpha OR beta) gamma`, text("gamma beta"), false, nil},
		{"NOT group ok", `NOT (alpha OR beta) gamma`, text("gamma delta"), true, []string{"gamma"}},
		{"double NOT", `NOT NOT alpha`, text("alpha"), true, nil},
		// NOT takes the whole NEAR expression.
		{"NOT NEAR near", `NOT alpha NEAR/1 beta`, text("alpha beta"), false, nil},
		{"NOT NEAR far", `NOT alpha NEAR/1 beta`, text("alpha x y z beta"), true, nil},
		{"deep", `((alpha OR beta) AND (gamma OR (delta AND NOT epsilon)))`, text("beta delta"), true, []string{"beta", "delta"}},
		{"deep excluded", `((alpha OR beta) AND (gamma OR (delta AND NOT epsilon)))`, text("beta delta epsilon"), false, nil},
		{"deep other branch", `((alpha OR beta) AND (gamma OR (delta AND NOT epsilon)))`, text("epsilon gamma alpha"), true, []string{"gamma", "alpha"}},
		{"OR terms only from true branches", `(alpha AND beta) OR gamma`, text("alpha gamma"), true, []string{"gamma"}},
	})
}

func TestPhrases(t *testing.T) {
	runMatchCases(t, []matchCase{
		{"exact", `"société générale"`, text("La Société Générale annonce"), true, []string{"Société Générale"}},
		{"folded", `"société générale"`, text("la societe generale annonce"), true, []string{"societe generale"}},
		{"upper", `"Société Générale"`, text("SOCIETE GENERALE"), true, []string{"SOCIETE GENERALE"}},
		{"across punctuation", `"société générale"`, text("Société, Générale."), true, []string{"Société, Générale"}},
		{"across hyphen", `"société générale"`, text("Société-Générale"), true, []string{"Société-Générale"}},
		{"across line break", `"société générale"`, text("Société\nGénérale"), true, nil},
		{"wrong order", `"société générale"`, text("générale société"), false, nil},
		{"word between", `"société générale"`, text("société très générale"), false, nil},
		{"not across title and text", `"société générale"`, Doc{Title: "Société", Text: "Générale"}, false, nil},
		{"in title", `"société générale"`, Doc{Title: "Société Générale", Text: "rien"}, true, []string{"Société Générale"}},
		{"guillemets", `« société générale »`, text("Société Générale"), true, nil},
		{"typographic quotes", `“société générale”`, text("Société Générale"), true, nil},
		{"elided phrase", `"l'oréal paris"`, text("L’Oréal Paris"), true, []string{"L’Oréal Paris"}},
		{"phrase with wildcard", `"orange opér*"`, text("Orange opérateur"), true, []string{"Orange opérateur"}},
		{"phrase with wildcard miss", `"orange opér*"`, text("Orange coopération"), false, nil},
		{"repeated word", `"très très"`, text("très bien très très bien"), true, []string{"très très"}},
		{"multi-token word is a phrase", `e-commerce`, text("le e commerce"), true, nil},
		{"multi-token word order", `e-commerce`, text("commerce e"), false, nil},
	})
}

func TestNear(t *testing.T) {
	runMatchCases(t, []matchCase{
		{"within", `duval NEAR/5 yaourt`, text("Duval fait un très bon yaourt"), true, []string{"Duval", "yaourt"}},
		{"reverse order", `duval NEAR/5 yaourt`, text("Le yaourt de chez Duval"), true, []string{"yaourt", "Duval"}},
		{"exactly n between", `duval NEAR/2 yaourt`, text("duval a b yaourt"), true, nil},
		{"n+1 between", `duval NEAR/2 yaourt`, text("duval a b c yaourt"), false, nil},
		{"too far", `duval NEAR/5 yaourt`, text("Duval un deux trois quatre cinq six yaourt"), false, nil},
		{"adjacent NEAR/0", `duval NEAR/0 yaourt`, text("yaourt duval"), true, nil},
		{"ordered ok", `duval NEAR/3f yaourt`, text("duval et yaourt"), true, nil},
		{"ordered wrong way", `duval NEAR/3f yaourt`, text("yaourt et duval"), false, nil},
		{"between phrases", `"société générale" NEAR/3 "crédit agricole"`, text("Société Générale et le Crédit Agricole"), true, []string{"Société Générale", "Crédit Agricole"}},
		{"between phrases far", `"société générale" NEAR/1 "crédit agricole"`, text("Société Générale et le Crédit Agricole"), false, nil},
		{"phrase and word", `"service client" NEAR/4 nul`, text("le service client est vraiment nul"), true, nil},
		{"OR group operand", `(duval OR danone) NEAR/2 yaourt`, text("un yaourt Danone"), true, []string{"yaourt", "Danone"}},
		{"wildcard operand", `duval NEAR/3 yaour*`, text("duval et ses yaourts"), true, []string{"duval", "yaourts"}},
		{"same word needs two occurrences", `orange NEAR/3 orange`, text("une orange"), false, nil},
		{"same word twice", `orange NEAR/3 orange`, text("orange ou orange"), true, []string{"orange"}},
		{"only qualifying occurrences reported", `duval NEAR/1 yaourt`, text("Duval au loin. un deux trois quatre. yaourt duval"), true, []string{"yaourt", "duval"}},
		{"chained", `alpha NEAR/1 beta NEAR/1 gamma`, text("alpha beta x gamma"), true, nil},
		{"chained far", `alpha NEAR/1 beta NEAR/1 gamma`, text("alpha beta x y gamma"), false, nil},
		{"not across fields", `duval NEAR/5 yaourt`, Doc{Title: "Duval", Text: "yaourt"}, false, nil},
		{"field operand", `title:duval NEAR/5 yaourt`, Doc{Title: "Duval et son yaourt", Text: "yaourt"}, true, nil},
		{"with AND", `(duval NEAR/2 yaourt) AND prix`, text("prix du yaourt Duval"), true, []string{"prix", "yaourt", "Duval"}},
	})
}

func TestWildcard(t *testing.T) {
	runMatchCases(t, []matchCase{
		{"suffix", `opérat*`, text("les opérateurs télécom"), true, []string{"opérateurs"}},
		{"folded", `opérat*`, text("OPERATION"), true, []string{"OPERATION"}},
		{"itself", `opérat*`, text("opérat"), true, nil},
		{"not inside word", `opérat*`, text("coopération"), false, nil},
		{"several", `banq*`, text("Banque et banquier"), true, []string{"Banque", "banquier"}},
		{"two letters", `ya*`, text("yaourt"), true, nil},
		{"two prefixes one doc", `opér* OR opérat*`, text("opérateur"), true, []string{"opérateur"}},
		{"with exact too", `orange AND oper*`, text("Orange opérateur"), true, []string{"Orange", "opérateur"}},
		{"elided", `oré*`, text("l'Oréal"), true, []string{"Oréal"}},
	})
}

func TestCaseSensitive(t *testing.T) {
	runMatchCases(t, []matchCase{
		{"Orange operator", `=Orange`, text("Le réseau Orange est en panne"), true, []string{"Orange"}},
		{"orange fruit", `=Orange`, text("une orange pressée"), false, nil},
		{"ORANGE shouted", `=Orange`, text("ORANGE EN PANNE"), false, nil},
		{"Orangina", `=Orange`, text("Orangina"), false, nil},
		{"elided", `=Orange`, text("le service client d’Orange"), true, []string{"Orange"}},
		{"alternatives", `=Orange OR =ORANGE`, text("ORANGE EN PANNE"), true, []string{"ORANGE"}},
		{"cased phrase", `="Orange Business"`, text("Orange Business Services"), true, []string{"Orange Business"}},
		{"cased phrase wrong case", `="Orange Business"`, text("orange business"), false, nil},
		{"accents still folded", `=Societe`, text("Société"), true, []string{"Société"}},
		{"accents still folded, case kept", `=Societe`, text("société"), false, nil},
		{"cased wildcard", `=Opér*`, text("Opérateur et opération"), true, []string{"Opérateur"}},
		{"mixed with insensitive", `=Orange (forfait OR réseau)`, text("le Réseau Orange"), true, []string{"Réseau", "Orange"}},
		{"fruit excluded", `orange -=orange`, text("Orange"), true, []string{"Orange"}},
		{"fruit excluded 2", `orange -=orange`, text("une orange"), false, nil},
		{"same fold different case atoms", `=Orange AND =orange`, text("Orange vend des orange"), true, []string{"Orange", "orange"}},
	})
}

func TestFolding(t *testing.T) {
	runMatchCases(t, []matchCase{
		{"accent-insensitive query", `societe`, text("Société"), true, []string{"Société"}},
		{"accent-insensitive doc", `société`, text("SOCIETE"), true, nil},
		{"cedilla", `ca va`, text("ça va"), true, nil},
		{"oe ligature in doc", `oeuvre`, text("une œuvre"), true, []string{"œuvre"}},
		{"oe ligature in query", `œuvre`, text("une OEUVRE"), true, nil},
		{"Œ capital", `coeur`, text("CŒUR"), true, nil},
		{"ae", `aegis`, text("Ægis"), true, nil},
		{"fi ligature", `fiat`, text("ﬁat"), true, nil},
		{"eszett", `strasse`, text("Straße"), true, nil},
		{"decomposed accents", `societe`, text("Socie\u0301te\u0301"), true, []string{"Socie\u0301te\u0301"}},
		{"soft hyphen", `orange`, text("Oran\u00adge"), true, nil},
		{"fullwidth", `orange`, text("ＯＲＡＮＧＥ"), true, nil},
		{"apostrophes equal", `aujourd'hui`, text("aujourd’hui"), true, nil},
		{"modifier apostrophe", `orange`, text("lʼOrange"), true, nil},
		{"elision l'", `orange`, text("l'Orange"), true, []string{"Orange"}},
		{"elision d’", `orange`, text("d’Orange"), true, []string{"Orange"}},
		{"elision qu'", `orange`, text("qu'Orange"), true, nil},
		{"word boundary Orangina", `orange`, text("Orangina"), false, nil},
		{"word boundary prefix", `orange`, text("Oranges"), false, nil},
		{"hashtag and mention", `orange`, text("#Orange @orange"), true, []string{"Orange", "orange"}},
		{"digits", `m6`, text("sur M6 ce soir"), true, nil},
		{"number boundary", `m6`, text("M60"), false, nil},
		{"non-latin", `москва`, text("Москва"), true, nil},
		{"greek accents", `αθηνα`, text("Αθήνα"), true, nil},
		{"emoji separates", `orange`, text("🍊orange🍊"), true, nil},
		{"zero-width space separates", `orange`, text("l\u200borange"), true, nil},
	})
}

func TestFields(t *testing.T) {
	u := func(s string) Doc { return Doc{Text: "orange", URL: s} }
	runMatchCases(t, []matchCase{
		{"site exact host", `orange site:example.fr`, u("https://example.fr/a"), true, []string{"orange"}},
		{"site subdomain", `site:example.fr`, u("https://blog.example.fr/a"), true, []string{}},
		{"site www", `site:example.fr`, u("http://WWW.Example.FR:8080/a"), true, nil},
		{"site other domain suffix", `site:example.fr`, u("https://notexample.fr/a"), false, nil},
		{"site lookalike", `site:example.fr`, u("https://example.fr.evil.com/a"), false, nil},
		{"site path", `site:example.fr/blog`, u("https://example.fr/blog/post"), true, nil},
		{"site path exact", `site:example.fr/blog/`, u("https://example.fr/blog"), true, nil},
		{"site path other", `site:example.fr/blog`, u("https://example.fr/blogger"), false, nil},
		{"site with scheme", `site:https://example.fr`, u("https://example.fr/"), true, nil},
		{"NOT site", `orange -site:orange.fr`, u("https://boutique.orange.fr/"), false, nil},
		{"site OR", `orange (site:a.fr OR site:b.fr)`, u("https://b.fr/x"), true, nil},
		{"site no URL", `site:example.fr`, text("orange"), false, nil},
		{"lang", `orange lang:fr`, Doc{Text: "orange", Lang: "fr"}, true, nil},
		{"lang region", `orange lang:fr`, Doc{Text: "orange", Lang: "fr-FR"}, true, nil},
		{"lang underscore upper", `orange lang:fr`, Doc{Text: "orange", Lang: "FR_ca"}, true, nil},
		{"lang exact region", `orange lang:fr-CA`, Doc{Text: "orange", Lang: "fr_CA"}, true, nil},
		{"lang exact region other", `orange lang:fr-CA`, Doc{Text: "orange", Lang: "fr-FR"}, false, nil},
		{"lang other", `orange lang:fr`, Doc{Text: "orange", Lang: "en"}, false, nil},
		{"lang prefix is not a language", `orange lang:fr`, Doc{Text: "orange", Lang: "fro"}, false, nil},
		{"lang unknown", `orange lang:fr`, Doc{Text: "orange"}, false, nil},
		{"NOT lang keeps unknown", `orange -lang:en`, Doc{Text: "orange"}, true, nil},
		{"author phrase", `author:"Camille Roux"`, Doc{Author: "Camille Roux"}, true, []string{}},
		{"author folded", `author:"camille roux"`, Doc{Author: "CAMILLE ROUX"}, true, nil},
		{"author other", `author:"Camille Roux"`, Doc{Author: "Camille Dupont", Text: "Camille Roux"}, false, nil},
		{"author not in default scope", `camille`, Doc{Author: "Camille Roux"}, false, nil},
		{"title word", `title:orange`, Doc{Title: "Panne Orange", Text: "x"}, true, []string{"Orange"}},
		{"title word only in text", `title:orange`, Doc{Title: "Panne", Text: "Orange"}, false, nil},
		{"title group", `title:(orange OR free) panne`, Doc{Title: "Free", Text: "panne"}, true, []string{"Free", "panne"}},
		{"title phrase", `title:"panne orange"`, Doc{Title: "Grosse panne Orange"}, true, nil},
		{"title cased", `title:=Orange`, Doc{Title: "une orange"}, false, nil},
		{"text field", `text:orange`, Doc{Title: "orange", Text: "x"}, false, nil},
		{"text field ok", `text:orange`, Doc{Title: "x", Text: "orange"}, true, nil},
		{"url substring", `url:/forum/`, Doc{URL: "https://x.fr/Forum/t1"}, true, nil},
		{"url substring miss", `url:/forum/`, Doc{URL: "https://x.fr/blog/t1"}, false, nil},
		{"field name case", `TITLE:orange`, Doc{Title: "orange"}, true, nil},
	})
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		query string
		pos   int
		msg   string
	}{
		{``, 1, "empty query"},
		{`   `, 1, "empty query"},
		{`(orange OR free`, 1, "unclosed parenthesis"},
		{`orange AND (free OR (bouygues)`, 12, "unclosed parenthesis"},
		{`orange)`, 7, "unexpected ')'"},
		{`)`, 1, "unexpected ')'"},
		{`orange AND`, 11, "missing term after AND"},
		{`orange OR OR free`, 11, "missing term after OR"},
		{`AND orange`, 1, "missing term before AND"},
		{`(OR orange)`, 2, "missing term before OR"},
		{`orange NOT`, 11, "missing term after NOT"},
		{`orange NEAR/5`, 14, "missing term after NEAR/5"},
		{`orange (free OR )`, 17, "missing term after OR"},
		{`orange ()`, 8, "empty parentheses"},
		{`"société générale`, 1, "unclosed quote"},
		{`orange « free`, 8, "unclosed quote"},
		{`""`, 1, "empty phrase"},
		{`"!!"`, 1, "no letters or digits"},
		{`&&`, 1, "no letters or digits"},
		{`orange NEAR yaourt`, 8, "NEAR needs a distance"},
		{`orange NEAR/x yaourt`, 8, "NEAR needs a distance"},
		{`orange NEAR/1001 yaourt`, 8, "NEAR needs a distance"},
		{`orange NEAR/-1 yaourt`, 8, "NEAR needs a distance"},
		{`orange NEAR/5 (free AND bouygues)`, 8, "NEAR/5 works on words"},
		{`(a AND b) NEAR/5 c`, 11, "NEAR/5 works on words"},
		{`site:x.fr NEAR/2 orange`, 11, "NEAR/2 works on words"},
		{`opé*rateur`, 4, "wildcard * is only allowed at the end"},
		{`o*`, 1, "at least 2 letters"},
		{`"société génér*ale"`, 15, "wildcard * is only allowed at the end"},
		{`*`, 1, "must follow a letter"},
		{`orange -*`, 9, "must follow a letter"},
		{`orange - free`, 8, "'-' must be followed by a term"},
		{`orange =`, 8, "'=' must be followed by a term"},
		{`=(orange)`, 1, "'=' must be followed by a word"},
		{`titel:orange`, 1, `unknown field "titel:"`},
		{`http://x.fr`, 1, `unknown field "http:"`},
		{`title: orange`, 1, "missing value after title:"},
		{`site:`, 1, "missing value after site:"},
		{`site:(a.fr)`, 1, "site: needs a value"},
		{`lang:f`, 6, "lang: needs a language code"},
		{`site:"a b"`, 6, "site: needs a host name"},
		{`title:-orange`, 7, "put NOT before the field"},
		{"orange \xff", 8, "invalid UTF-8"},
		{`société générale )`, 18, "unexpected ')'"},
		{strings.Repeat("(", MaxDepth+1) + "a" + strings.Repeat(")", MaxDepth+1), MaxDepth + 1, "nested deeper"},
		{strings.Repeat("NOT ", MaxDepth+1) + "a", 4*MaxDepth + 1, "nested deeper"},
		{strings.Repeat("a ", MaxQueryBytes), MaxQueryBytes, "longer than"},
	}
	for _, c := range cases {
		name := c.query
		if len(name) > 40 {
			name = name[:40]
		}
		t.Run(name, func(t *testing.T) {
			q, err := Parse(c.query)
			if err == nil {
				t.Fatalf("Parse(%q) = %v, want error", c.query, q)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T %v is not a *ParseError", err, err)
			}
			if !errors.Is(err, ErrSyntax) {
				t.Errorf("errors.Is(err, ErrSyntax) = false")
			}
			if pe.Pos != c.pos || !strings.Contains(pe.Msg, c.msg) {
				t.Fatalf("Parse(%q) error at %d %q, want at %d containing %q", c.query, pe.Pos, pe.Msg, c.pos, c.msg)
			}
			want := fmt.Sprintf("position %d: %s", c.pos, pe.Msg)
			if !strings.HasPrefix(err.Error(), "watch: query ") || !strings.HasSuffix(err.Error(), want) {
				t.Fatalf("error text %q, want watch: query …: %s", err, want)
			}
		})
	}
}

func TestParseErrorFormat(t *testing.T) {
	_, err := Parse(`(orange OR free`)
	if got, want := err.Error(), `watch: query "(orange OR free": position 1: unclosed parenthesis`; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestParseAccepts(t *testing.T) {
	// Valid queries, with their canonical form; the canonical form must
	// parse back to itself.
	cases := []struct{ query, canon string }{
		{`orange`, `"orange"`},
		{`Orange free`, `("orange" AND "free")`},
		{`a OR b c`, `("a" OR ("b" AND "c"))`},
		{`-a b`, `(NOT "a" AND "b")`},
		{`NOT a NEAR/3 b`, `NOT ("a" NEAR/3 "b")`},
		{`a NEAR/3f b NEAR/2 c`, `(("a" NEAR/3f "b") NEAR/2 "c")`},
		{`=Orange`, `="Orange"`},
		{`="Orange Business" opér*`, `(="Orange Business" AND "oper*")`},
		{`"l'Oréal"`, `"l oreal"`},
		{`title:(a OR b) author:"Camille Roux"`, `(title:(("a" OR "b")) AND author:("camille roux"))`},
		{`site:WWW.Example.fr/Blog/ lang:FR_ca url:/Forum/`, `(site:"www.example.fr/blog" AND lang:"fr-ca" AND url:"/forum/")`},
		{`(((a)))`, `"a"`},
		{`a AND (b OR c) AND NOT (d OR e)`, `("a" AND ("b" OR "c") AND NOT ("d" OR "e"))`},
		{"orange\tOR\nfree", `("orange" OR "free")`},
		{`NEARLY ANDROID ORANGE`, `("nearly" AND "android" AND "orange")`},
		{strings.Repeat("a OR ", 2000) + "a", ""},
		{strings.Repeat("(", MaxDepth) + "a" + strings.Repeat(")", MaxDepth), `"a"`},
	}
	for _, c := range cases {
		q, err := Parse(c.query)
		if err != nil {
			t.Fatalf("Parse(%.40q): %v", c.query, err)
		}
		s := q.String()
		if c.canon != "" && s != c.canon {
			t.Errorf("Parse(%q).String() = %s, want %s", c.query, s, c.canon)
		}
		q2, err := Parse(s)
		if err != nil {
			t.Fatalf("canonical %.80q does not parse: %.200v", s, err)
		}
		if q2.String() != s {
			t.Errorf("canonical form not stable: %.80s -> %.80s", s, q2)
		}
	}
}

func TestCompile(t *testing.T) {
	brands := []Brand{
		{Name: "Orange", Group: "telecom", Query: `=Orange (forfait OR réseau OR fibre) -site:orange.fr`},
		{Name: "Free", Group: "telecom", Aliases: []string{"Free Mobile", "Iliad"}, Query: ""},
		{Name: "Société Générale", Group: "banque", Aliases: []string{"SocGen"}},
		{Name: "Danone", Group: "agro", Query: `danone OR (duval NEAR/5 yaourt)`},
	}
	m, err := Compile(brands)
	if err != nil {
		t.Fatal(err)
	}
	if m.Brands() != 4 {
		t.Fatalf("Brands() = %d", m.Brands())
	}
	got := m.Match(Doc{
		Title: "Panne du réseau Orange",
		Text:  "Free Mobile et Iliad répondent ; la societe generale aussi. Duval mange un yaourt.",
		URL:   "https://www.lemonde.fr/x",
	})
	want := []Match{
		{Brand: "Orange", Group: "telecom", Terms: []string{"réseau", "Orange"}},
		{Brand: "Free", Group: "telecom", Terms: []string{"Free Mobile", "Iliad"}},
		{Brand: "Société Générale", Group: "banque", Terms: []string{"societe generale"}},
		{Brand: "Danone", Group: "agro", Terms: []string{"Duval", "yaourt"}},
	}
	if !slices.EqualFunc(got, want, func(a, b Match) bool {
		return a.Brand == b.Brand && a.Group == b.Group && slices.Equal(a.Terms, b.Terms)
	}) {
		t.Fatalf("Match:\n got %+v\nwant %+v", got, want)
	}
	// Name-only brands: word boundaries hold, and "Free" alone matches the
	// brand because Free Mobile's name is also matched as a word.
	if got := m.Match(Doc{Text: "Freedom et orangina"}); len(got) != 0 {
		t.Fatalf("Match(Freedom, orangina) = %+v, want none", got)
	}
	if got := m.Match(Doc{Text: "Orange réseau", URL: "https://boutique.orange.fr/"}); len(got) != 0 {
		t.Fatalf("site exclusion failed: %+v", got)
	}
}

func TestCompileErrors(t *testing.T) {
	cases := []struct {
		name   string
		brands []Brand
		is     error
		text   string
	}{
		{"syntax", []Brand{{Name: "Orange", Query: `=Orange AND (forfait OR réseau`}}, ErrSyntax,
			`watch: brand "Orange": query "=Orange AND (forfait OR réseau": position 13: unclosed parenthesis`},
		{"empty name", []Brand{{Name: " ", Query: "x"}}, errBrand, `watch: brand " ": invalid brand: empty name`},
		{"duplicate", []Brand{{Name: "A"}, {Name: "A"}}, errBrand, `watch: brand "A": invalid brand: duplicate name`},
		{"nothing to match", []Brand{{Name: "!!!", Aliases: []string{"?"}}}, errBrand, "neither the name nor an alias"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Compile(c.brands)
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, c.is) {
				t.Errorf("errors.Is(%v, %v) = false", err, c.is)
			}
			var be *BrandError
			if !errors.As(err, &be) {
				t.Errorf("not a *BrandError: %T", err)
			}
			if !strings.Contains(err.Error(), c.text) {
				t.Errorf("error %q does not contain %q", err, c.text)
			}
		})
	}
	_, err := Compile([]Brand{{Name: "Orange", Query: `orange NEAR/5 (a AND b)`}})
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Pos != 8 {
		t.Fatalf("want a *ParseError at 8 through BrandError, got %v", err)
	}
}

func TestTermsBoundedAndDeduplicated(t *testing.T) {
	var b strings.Builder
	for i := range 200 {
		fmt.Fprintf(&b, "opérateur%d Orange orange ", i)
	}
	_, terms := matchOne(t, `opér* OR orange`, text(b.String()))
	if len(terms) != MaxTerms {
		t.Fatalf("%d terms, want %d", len(terms), MaxTerms)
	}
	if terms[0] != "opérateur0" || terms[1] != "Orange" || terms[2] != "orange" || terms[3] != "opérateur1" {
		t.Fatalf("terms not in document order without duplicates: %q", terms[:4])
	}
}

func TestAdversarialDocumentIsBounded(t *testing.T) {
	doc := text(strings.Repeat("a ", 100000))
	ok, terms := matchOne(t, `(a NEAR/1000 a) NEAR/1000 (a NEAR/1000 a)`, doc)
	if !ok || !slices.Equal(terms, []string{"a"}) {
		t.Fatalf("got %v %q", ok, terms)
	}
	huge := text(strings.Repeat("é", MaxFieldBytes) + " orange")
	if ok, _ := matchOne(t, `orange`, huge); ok {
		t.Fatalf("text beyond MaxFieldBytes was read")
	}
}

func TestConcurrentMatch(t *testing.T) {
	m, err := Compile([]Brand{
		{Name: "Orange", Query: `=Orange OR opérat*`},
		{Name: "Duval", Query: `duval NEAR/3 yaourt`},
	})
	if err != nil {
		t.Fatal(err)
	}
	docs := []Doc{
		{Text: "Orange et les opérateurs"},
		{Text: "Le yaourt Duval"},
		{Text: "rien à voir"},
	}
	want := make([][]Match, len(docs))
	for i, d := range docs {
		want[i] = m.Match(d)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 300 {
				k := (i + g) % len(docs)
				got := m.Match(docs[k])
				if fmt.Sprint(got) != fmt.Sprint(want[k]) {
					errs <- fmt.Sprintf("doc %d: got %v want %v", k, got, want[k])
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}

func TestTermsNeverNil(t *testing.T) {
	m, err := Compile([]Brand{{Name: "x", Query: `NOT orange`}, {Name: "y", Query: `site:example.fr`}})
	if err != nil {
		t.Fatal(err)
	}
	got := m.Match(Doc{Text: "rien", URL: "https://example.fr/"})
	if len(got) != 2 {
		t.Fatalf("got %+v, want both brands", got)
	}
	for _, g := range got {
		if g.Terms == nil || len(g.Terms) != 0 {
			t.Fatalf("%s: Terms = %#v, want a non-nil empty slice", g.Brand, g.Terms)
		}
	}
}

func TestGarbageQueries(t *testing.T) {
	// Deterministic garbage from the characters that matter to the lexer.
	alphabet := []string{"(", ")", `"`, "«", "»", "“", "”", "-", "=", "*", ":", " ", "AND", "OR", "NOT",
		"NEAR/2", "NEAR/1f", "site:", "lang:", "title:", "author:", "a", "bé", "œ", "l'", "’", "\t", "\xff", "0"}
	seed := uint32(12345)
	next := func() uint32 { seed = seed*1664525 + 1013904223; return seed >> 8 }
	accepted := 0
	for range 3000 {
		var b strings.Builder
		for range next() % 30 {
			b.WriteString(alphabet[next()%uint32(len(alphabet))])
		}
		s := b.String()
		q, err := Parse(s)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Pos < 1 || pe.Pos > len([]rune(s))+1 {
				t.Fatalf("Parse(%q): bad error %v", s, err)
			}
			continue
		}
		accepted++
		if _, err := Parse(q.String()); err != nil {
			t.Fatalf("Parse(%q) ok, canonical %q fails: %v", s, q, err)
		}
	}
	if accepted == 0 {
		t.Fatal("no garbage query was accepted; the generator is broken")
	}
	for _, s := range []string{strings.Repeat(")(", 5000), strings.Repeat(`"`, 1001), strings.Repeat("-", 9000), strings.Repeat("a* ", 5000)} {
		if _, err := Parse(s); err == nil {
			t.Errorf("Parse(%.20q…) accepted", s)
		}
	}
}

func TestHugeQueryMatches(t *testing.T) {
	var b strings.Builder
	for i := range 1500 {
		fmt.Fprintf(&b, "mot%d OR ", i)
	}
	b.WriteString(`"société générale"`)
	ok, terms := matchOne(t, b.String(), text("la Société Générale et mot1499"))
	if !ok || !slices.Equal(terms, []string{"Société Générale", "mot1499"}) {
		t.Fatalf("got %v %q", ok, terms)
	}
}
