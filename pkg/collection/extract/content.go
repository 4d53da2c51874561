package extract

import (
	"regexp"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// contentSelectors name the article body in the markup of common CMSes,
// most specific first.
var contentSelectors = []string{
	"[itemprop=articleBody]",
	".entry-content",
	".post-content",
	".article-content",
	".entry",
	".entry-body",
	".post-entry",
	".texte",
	".article-body",
	".article__body",
	".post-body",
	".story-body",
	".td-post-content",
	".field-name-body",
	"#article-body",
	"article",
	"[role=main]",
	"main",
	"#content",
}

// minContentBytes is how much text a selector match needs to be taken as the
// article body rather than, say, an empty <main> shell.
const minContentBytes = 140

func (x *extractor) contentRoot() *html.Node {
	for _, q := range contentSelectors {
		var best *html.Node
		bestLen := 0
		x.doc.Find(q).Each(func(_ int, s *goquery.Selection) {
			n := s.Get(0)
			total, link := textStats(n)
			l := total - link
			if l > bestLen {
				best, bestLen = n, l
			}
		})
		if best != nil && bestLen >= minContentBytes {
			return best
		}
	}
	return nil
}

// dropTags are never part of the article text.
var dropTags = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true,
	atom.Nav: true, atom.Header: true, atom.Footer: true, atom.Aside: true,
	atom.Form: true, atom.Button: true, atom.Iframe: true, atom.Svg: true,
	atom.Select: true, atom.Textarea: true, atom.Input: true, atom.Label: true,
	atom.Menu: true, atom.Dialog: true,
}

// boilerToken matches one class or id token of a boilerplate block.
var boilerToken = regexp.MustCompile(`^(?:.*[-_])?(share|shares|sharing|sharedaddy|partage|partager|social|socials|related|relatedposts|jp-relatedposts|yarpp|popular|populaire|populaires|similaires|similar|newsletter|cookie|cookies|consent|gdpr|rgpd|sidebar|widget|widgets|menu|nav|navbar|navigation|breadcrumb|breadcrumbs|pagination|pager|advert|advertisement|ads|ad|pub|publicite|promo|subscribe|abonnement|comments|comment|respond|footer|header|masthead|banner|skip|screen-reader-text|tags|tagcloud|post-navigation|author-box|authorbox|print|toolbar|outbrain|taboola|modal|popup|lire-aussi|read-more|readmore|recommended|recommandations|most-read|plus-lus|trending|recirc|recirculation|readnext|read-next|up-next|also-read|more-stories|morestories|you-may-like|you-might-like|suggested|sponsored|promoted|paywall|signup|byline|cta|author-bio)(?:[-_].*)?$`)

// keepToken protects content containers whose class happens to hold a
// boilerplate word ("entry-content has-share-buttons" keeps its text).
var keepToken = regexp.MustCompile(`^(entry-content|post-content|article-content|article-body|articlebody|post-body|story-body|content)$`)

func isBoilerplateAttr(n *html.Node) bool {
	tokens := strings.Fields(strings.ToLower(attr(n, "class")))
	if id := strings.ToLower(attr(n, "id")); id != "" {
		tokens = append(tokens, id)
	}
	// Component frameworks name blocks in data attributes
	// (data-component="byline-block", data-testid="related-links").
	for _, k := range [...]string{"data-component", "data-testid"} {
		if v := strings.ToLower(attr(n, k)); v != "" && !strings.ContainsAny(v, " ") {
			tokens = append(tokens, v)
		}
	}
	for _, t := range tokens {
		if keepToken.MatchString(t) {
			return false
		}
	}
	for _, t := range tokens {
		if len(t) < 64 && boilerToken.MatchString(t) {
			return true
		}
	}
	switch strings.ToLower(attr(n, "role")) {
	case "navigation", "banner", "contentinfo", "complementary", "menu", "menubar", "dialog", "alertdialog", "search":
		return true
	}
	if hasAttr(n, "hidden") || strings.EqualFold(attr(n, "aria-hidden"), "true") {
		return true
	}
	st := strings.ReplaceAll(strings.ToLower(attr(n, "style")), " ", "")
	return strings.Contains(st, "display:none") || strings.Contains(st, "visibility:hidden")
}

// boilerPhrases head widgets that are not the article: "ARTICLE POPULAIRE",
// "Articles similaires", "Partager", cookie notices. Compared folded.
var boilerPhrases = map[string]bool{
	"article populaire": true, "articles populaires": true, "article similaire": true,
	"articles similaires": true, "a lire aussi": true, "lire aussi": true,
	"a lire egalement": true, "lire egalement": true, "a voir aussi": true, "voir aussi": true,
	"partager": true, "partager cet article": true, "partagez": true, "partagez cet article": true,
	"partager sur": true, "partager l'article": true, "vous aimerez aussi": true,
	"vous aimerez peut-etre aussi": true, "sur le meme sujet": true, "sur le meme theme": true,
	"les plus lus": true, "les plus populaires": true, "articles recents": true,
	"derniers articles": true, "nos derniers articles": true, "dans la meme rubrique": true,
	"a decouvrir aussi": true, "a decouvrir": true, "abonnez-vous": true, "newsletter": true,
	"inscrivez-vous a notre newsletter": true, "publicite": true, "sponsorise": true,
	"contenus sponsorises": true, "etiquettes": true, "mots-cles": true, "tags": true,
	"categories": true, "laisser un commentaire": true, "laisser une reponse": true,
	"share": true, "share this": true, "share this article": true, "related posts": true,
	"related articles": true, "you may also like": true, "read more": true, "read also": true,
	"most popular": true, "most read": true, "recommended": true, "leave a reply": true,
	"leave a comment": true, "advertisement": true, "related": true, "popular posts": true,
	"articles lies": true, "articles en relation": true, "en relation": true,
	// French news and blog recirculation headings.
	"la redaction vous conseille": true, "vous pourriez aimer": true, "vous pourriez aussi aimer": true,
	"ces articles peuvent vous interesser": true, "a ne pas manquer": true, "a voir egalement": true,
	"articles recommandes": true, "selectionne pour vous": true, "nos lecteurs ont aime": true,
	"les dernieres actualites": true, "dernieres actualites": true, "nos articles les plus lus": true,
	"les plus partages": true, "lire plus": true, "plus d'articles": true, "sur le meme sujet aussi": true,
	// English.
	"more stories": true, "more from": true, "recommended for you": true, "what to read next": true,
	"read next": true, "up next": true, "trending now": true, "trending": true, "also read": true,
	"you might also like": true, "you may also be interested in": true, "more on this story": true,
	"related stories": true, "related content": true, "related reading": true, "popular now": true,
	"latest news": true, "latest stories": true, "don't miss": true, "most viewed": true,
	"editor's picks": true, "editors' picks": true, "sponsored": true, "around the web": true,
	"from our partners": true, "like this": true, "sign up for our newsletter": true,
	// Portuguese, Spanish, Russian.
	"leia tambem": true, "leia mais": true, "veja tambem": true, "mais lidas": true, "relacionados": true,
	"noticias relacionadas": true, "lee tambien": true, "te puede interesar": true, "mas leidas": true,
	"читайте также": true, "похожие статьи": true, "популярное": true, "другие новости": true, "по теме": true,
}

var cookiePrefixes = []string{
	"nous utilisons des cookies", "ce site utilise des cookies", "ce site web utilise des cookies",
	"en poursuivant votre navigation", "en continuant a naviguer", "we use cookies",
	"this website uses cookies", "this site uses cookies",
}

var foldReplacer = strings.NewReplacer("é", "e", "è", "e", "ê", "e", "ë", "e", "à", "a", "â", "a",
	"î", "i", "ï", "i", "ô", "o", "û", "u", "ù", "u", "ç", "c", "’", "'", "É", "e", "À", "a")

// fold lowercases and strips French accents and trailing punctuation, for
// comparing short labels.
func fold(s string) string {
	s = foldReplacer.Replace(strings.ToLower(collapse(s)))
	return strings.TrimRight(s, " :.!…»>›→")
}

// removeBoilerplate cuts everything that is not article text, except the
// content root and its ancestors.
func (x *extractor) removeBoilerplate(content *html.Node) {
	protected := map[*html.Node]bool{}
	for p := content; p != nil; p = p.Parent {
		protected[p] = true
	}
	bodyText := 0
	if b := x.doc.Find("body").First(); b.Length() > 0 {
		bodyText, _ = textStats(b.Get(0))
	}
	var victims []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && !protected[n] && n.DataAtom != atom.Html && n.DataAtom != atom.Body {
			drop := dropTags[n.DataAtom]
			if !drop && isBoilerplateAttr(n) {
				// A wrapper holding most of the page ("layout has-sidebar")
				// is layout, not a widget.
				t, _ := textStats(n)
				drop = t < 1000 || t*2 < bodyText
			}
			if drop {
				victims = append(victims, n)
				return
			}
		}
		if n.Type == html.CommentNode {
			victims = append(victims, n)
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(x.doc.Get(0))
	for _, v := range victims {
		if v.Parent != nil {
			v.Parent.RemoveChild(v)
		}
	}
	x.removeLabelledWidgets(protected)
}

// removeLabelledWidgets finds short labels such as "ARTICLE POPULAIRE" and
// removes them with the links that follow, and their container when nothing
// but links is left in it.
func (x *extractor) removeLabelledWidgets(protected map[*html.Node]bool) {
	var labels []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type != html.ElementNode && n.Type != html.DocumentNode {
			return
		}
		if n.Type == html.ElementNode && !protected[n] {
			switch n.DataAtom {
			case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.P, atom.Div,
				atom.Span, atom.Strong, atom.B, atom.Section, atom.Li, atom.Dt, atom.Em:
				if !textShorter(n, 2400) {
					break // a large block is no label: don't render it whole at every level
				}
				t := nodeText(n)
				if len(t) < 80 && boilerPhrases[fold(t)] {
					labels = append(labels, n)
					return
				}
				if len(t) < 1200 {
					ft := fold(clip(t, 120)) // the prefixes are short: fold no more of t
					for _, p := range cookiePrefixes {
						if strings.HasPrefix(ft, p) {
							labels = append(labels, n)
							return
						}
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(x.doc.Get(0))
	for _, l := range labels {
		if l.Parent == nil {
			continue
		}
		parent := l.Parent
		for s := l.NextSibling; s != nil; {
			next := s.NextSibling
			if s.Type == html.TextNode && strings.TrimSpace(s.Data) == "" {
				s = next
				continue
			}
			if !linkDominated(s) {
				break
			}
			parent.RemoveChild(s)
			s = next
		}
		parent.RemoveChild(l)
		for p := parent; p != nil && p.Parent != nil && !protected[p] && linkDominated(p); {
			up := p.Parent
			up.RemoveChild(p)
			p = up
		}
	}
}

// linkDominated reports a node whose text is empty or mostly links.
func linkDominated(n *html.Node) bool {
	if n.Type == html.TextNode {
		return len(strings.TrimSpace(n.Data)) < 3
	}
	if n.Type != html.ElementNode {
		return true
	}
	total, link := textStats(n)
	return total < 3 || float64(link) >= 0.5*float64(total) && total < 2000
}

// densest picks the block whose paragraphs carry the most text, in the
// manner of Readability, for pages without semantic markup.
func (x *extractor) densest() *html.Node {
	scores := map[*html.Node]float64{}
	var order []*html.Node
	add := func(n *html.Node, v float64) {
		if n == nil || n.Type != html.ElementNode {
			return
		}
		if _, ok := scores[n]; !ok {
			order = append(order, n)
		}
		scores[n] += v
	}
	x.doc.Find("p, pre, td, blockquote").Each(func(_ int, s *goquery.Selection) {
		n := s.Get(0)
		t := nodeText(n)
		if len(t) < 25 {
			return
		}
		v := 1 + float64(strings.Count(t, ",")) + min(float64(len(t))/100, 3)
		add(n.Parent, v)
		if n.Parent != nil {
			add(n.Parent.Parent, v/2)
		}
	})
	var best *html.Node
	bestScore := 0.0
	for _, n := range order {
		total, link := textStats(n)
		if total == 0 {
			continue
		}
		s := scores[n] * (1 - float64(link)/float64(total))
		if s > bestScore {
			best, bestScore = n, s
		}
	}
	if bestScore < 3 {
		return nil
	}
	return best
}
