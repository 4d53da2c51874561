package watch

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits that keep parsing and matching bounded whatever the input.
const (
	MaxQueryBytes = 16 << 10 // longest accepted query
	MaxDepth      = 64       // deepest nesting of groups and NOT
	MaxNear       = 1000     // largest NEAR/n distance
	minPrefix     = 2        // letters required before a wildcard *
)

// ErrSyntax is wrapped by every *ParseError, for errors.Is.
var ErrSyntax = errors.New("watch: query syntax error")

// ParseError is a query that could not be parsed: Pos is the 1-based
// position (in characters) in Query where the problem is.
type ParseError struct {
	Query string
	Pos   int
	Msg   string
}

func (e *ParseError) Error() string { return "watch: " + e.detail() }

func (e *ParseError) detail() string {
	q := e.Query
	if len(q) > 200 {
		q = truncRunes(q, 200) + "…"
	}
	return fmt.Sprintf("query %q: position %d: %s", q, e.Pos, e.Msg)
}

// Unwrap makes errors.Is(err, ErrSyntax) true.
func (e *ParseError) Unwrap() error { return ErrSyntax }

func truncRunes(s string, n int) string {
	i := 0
	for k := range s {
		if i == n {
			return s[:k]
		}
		i++
	}
	return s
}

// Query is a parsed watch query. It is immutable.
type Query struct {
	src  string
	root *node
}

// String renders the query in a canonical, fully parenthesised form that
// parses back to the same query.
func (q *Query) String() string {
	var b strings.Builder
	q.root.write(&b)
	return b.String()
}

type nodeKind uint8

const (
	kTerm nodeKind = iota // a word, wildcard or phrase
	kAnd
	kOr
	kNot
	kNear
	kField // title:, text:, author: restrict a sub-query to a field
	kSite
	kLang
	kURL
)

type field uint8

const (
	fContent field = iota // title and text: the default
	fTitle
	fText
	fAuthor
)

var fieldNames = map[string]nodeKind{
	"site": kSite, "lang": kLang, "url": kURL,
	"title": kField, "text": kField, "author": kField,
}

var fieldIDs = map[string]field{"title": fTitle, "text": fText, "author": fAuthor}

// word is one word of a term: its folded form, its case-kept form when the
// term is case-sensitive, and whether it is a prefix (wildcard).
type word struct {
	fold   string
	cased  string
	prefix bool
}

type node struct {
	kind nodeKind
	pos  int
	kids []*node

	words []word // kTerm
	cased bool   // kTerm: written with =

	dist    int  // kNear
	ordered bool // kNear: NEAR/nf, left before right

	field field  // kField
	name  string // kField: field name as written (lower case)

	value string // kSite, kLang, kURL: normalised value
	path  string // kSite: optional path prefix

	atoms []int32 // kTerm: atom ids, filled by Compile
}

// positional reports whether a node yields word positions, which NEAR needs.
func (n *node) positional() bool {
	switch n.kind {
	case kTerm, kNear:
		return true
	case kOr:
		for _, k := range n.kids {
			if !k.positional() {
				return false
			}
		}
		return true
	case kField:
		return n.kids[0].positional()
	}
	return false
}

func (n *node) write(b *strings.Builder) {
	switch n.kind {
	case kTerm:
		if n.cased {
			b.WriteByte('=')
		}
		b.WriteByte('"')
		for i, w := range n.words {
			if i > 0 {
				b.WriteByte(' ')
			}
			if n.cased {
				b.WriteString(w.cased)
			} else {
				b.WriteString(w.fold)
			}
			if w.prefix {
				b.WriteByte('*')
			}
		}
		b.WriteByte('"')
	case kAnd, kOr:
		op := " AND "
		if n.kind == kOr {
			op = " OR "
		}
		b.WriteByte('(')
		for i, k := range n.kids {
			if i > 0 {
				b.WriteString(op)
			}
			k.write(b)
		}
		b.WriteByte(')')
	case kNot:
		b.WriteString("NOT ")
		n.kids[0].write(b)
	case kNear:
		b.WriteByte('(')
		n.kids[0].write(b)
		fmt.Fprintf(b, " NEAR/%d", n.dist)
		if n.ordered {
			b.WriteByte('f')
		}
		b.WriteByte(' ')
		n.kids[1].write(b)
		b.WriteByte(')')
	case kField:
		b.WriteString(n.name)
		b.WriteString(":(")
		n.kids[0].write(b)
		b.WriteByte(')')
	case kSite, kLang, kURL:
		// Values never contain '"' (it ends words and phrases), and the
		// lexer reads phrases raw, so no escaping is needed or possible.
		b.WriteString(map[nodeKind]string{kSite: "site", kLang: "lang", kURL: "url"}[n.kind])
		b.WriteString(`:"`)
		b.WriteString(n.value + n.path)
		b.WriteByte('"')
	}
}

// Lexer.

type lexKind uint8

const (
	lEOF lexKind = iota
	lWord
	lPhrase
	lLParen
	lRParen
	lAnd
	lOr
	lNot
	lNear
	lMinus // - glued to the next term
	lEq    // = glued to the next term: case-sensitive
	lField // name: glued to its value
)

type lexTok struct {
	kind    lexKind
	text    string
	pos     int // 1-based rune column
	dist    int
	ordered bool
}

func (t lexTok) describe() string {
	switch t.kind {
	case lEOF:
		return "end of query"
	case lPhrase:
		return "phrase"
	case lMinus:
		return "'-'"
	case lEq:
		return "'='"
	case lField:
		return t.text + ":"
	}
	return t.text
}

// closeQuote maps opening quote characters to their accepted closers, so
// French « guillemets » and typographic “quotes” work like "straight" ones.
func closeQuote(r rune) (string, bool) {
	switch r {
	case '"':
		return `"`, true
	case '“':
		return `”"`, true
	case '«':
		return `»"`, true
	case '„':
		return `“”"`, true
	}
	return "", false
}

func isSpace(r rune) bool { return unicode.IsSpace(r) || r == 0x200B || r == 0xFEFF }

func isWordStop(r rune) bool {
	if r == '(' || r == ')' || isSpace(r) {
		return true
	}
	_, q := closeQuote(r)
	return q
}

type lexer struct {
	src  string
	i    int // byte offset
	col  int // 1-based rune column of src[i]
	toks []lexTok
}

func (lx *lexer) errf(pos int, format string, args ...any) error {
	return &ParseError{Query: lx.src, Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

func (lx *lexer) peek() (rune, int) {
	if lx.i >= len(lx.src) {
		return -1, 0
	}
	return utf8.DecodeRuneInString(lx.src[lx.i:])
}

func (lx *lexer) advance(size int) {
	lx.i += size
	lx.col++
}

func lex(src string) ([]lexTok, error) {
	lx := &lexer{src: src, col: 1}
	// atStart is true where a - or = prefix may begin a term.
	atStart := true
	for {
		r, size := lx.peek()
		if r < 0 {
			lx.toks = append(lx.toks, lexTok{kind: lEOF, pos: lx.col})
			return lx.toks, nil
		}
		if r == utf8.RuneError && size == 1 {
			return nil, lx.errf(lx.col, "invalid UTF-8")
		}
		pos := lx.col
		switch {
		case isSpace(r):
			lx.advance(size)
			atStart = true
			continue
		case r == '(':
			lx.advance(size)
			lx.toks = append(lx.toks, lexTok{kind: lLParen, text: "(", pos: pos})
			atStart = true
			continue
		case r == ')':
			lx.advance(size)
			lx.toks = append(lx.toks, lexTok{kind: lRParen, text: ")", pos: pos})
			atStart = true
			continue
		}
		if closers, ok := closeQuote(r); ok {
			lx.advance(size)
			start := lx.i
			for {
				c, sz := lx.peek()
				if c < 0 {
					return nil, lx.errf(pos, "unclosed quote")
				}
				if strings.ContainsRune(closers, c) {
					lx.toks = append(lx.toks, lexTok{kind: lPhrase, text: lx.src[start:lx.i], pos: pos})
					lx.advance(sz)
					break
				}
				if c == utf8.RuneError && sz == 1 {
					return nil, lx.errf(lx.col, "invalid UTF-8")
				}
				lx.advance(sz)
			}
			atStart = false
			continue
		}
		if atStart && (r == '-' || r == '=') {
			lx.advance(size)
			next, _ := lx.peek()
			if next < 0 || isSpace(next) || next == ')' {
				return nil, lx.errf(pos, "'%c' must be followed by a term, without a space", r)
			}
			kind := lMinus
			if r == '=' {
				kind = lEq
			}
			lx.toks = append(lx.toks, lexTok{kind: kind, text: string(r), pos: pos})
			// "--x" and "-=x" stay possible; "=-x" is rejected by the parser.
			continue
		}
		// A bare word, possibly "field:" glued to a value.
		start := lx.i
		isField := false
		for {
			c, sz := lx.peek()
			if c < 0 || isWordStop(c) {
				break
			}
			if c == utf8.RuneError && sz == 1 {
				return nil, lx.errf(lx.col, "invalid UTF-8")
			}
			if c == ':' && lx.i > start {
				name := lx.src[start:lx.i]
				if _, known := fieldNames[strings.ToLower(name)]; known {
					lx.advance(sz)
					lx.toks = append(lx.toks, lexTok{kind: lField, text: strings.ToLower(name), pos: pos})
					isField = true
					break
				}
				if isASCIIWord(name) {
					return nil, lx.errf(pos, "unknown field %q (fields are site, lang, url, title, text, author; quote the term to search for a colon)", name+":")
				}
			}
			lx.advance(sz)
		}
		if isField {
			name := lx.toks[len(lx.toks)-1].text
			next, _ := lx.peek()
			if next < 0 || isSpace(next) || next == ')' {
				return nil, lx.errf(pos, "missing value after %s:", name)
			}
			if _, q := closeQuote(next); !q && next != '(' && fieldNames[name] != kField {
				// site:, lang: and url: values are raw: "site:https://x.fr"
				// must not read "https:" as a field.
				vpos, vstart := lx.col, lx.i
				for {
					c, sz := lx.peek()
					if c < 0 || isWordStop(c) {
						break
					}
					lx.advance(sz)
				}
				lx.toks = append(lx.toks, lexTok{kind: lWord, text: lx.src[vstart:lx.i], pos: vpos})
				atStart = false
				continue
			}
			atStart = true // title:-x is rejected by the parser with a clear message
			continue
		}
		w := lx.src[start:lx.i]
		t := lexTok{kind: lWord, text: w, pos: pos}
		switch {
		case w == "AND":
			t.kind = lAnd
		case w == "OR":
			t.kind = lOr
		case w == "NOT":
			t.kind = lNot
		case w == "NEAR" || strings.HasPrefix(w, "NEAR/"):
			t.kind = lNear
			d := strings.TrimPrefix(w, "NEAR")
			d = strings.TrimPrefix(d, "/")
			if strings.HasSuffix(d, "f") {
				t.ordered = true
				d = strings.TrimSuffix(d, "f")
			}
			n, err := strconv.Atoi(d)
			if w == "NEAR" || err != nil || n < 0 || n > MaxNear || d[0] == '+' {
				return nil, lx.errf(pos, "NEAR needs a distance from 0 to %d, like NEAR/5 (or NEAR/5f for this order)", MaxNear)
			}
			t.dist = n
		}
		lx.toks = append(lx.toks, t)
		atStart = false
	}
}

func isASCIIWord(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return s != ""
}

// Parser: OR < AND (explicit or implicit) < NOT/- < NEAR < primaries.

type parser struct {
	src   string
	toks  []lexTok
	i     int
	depth int
}

// Parse parses a watch query. Errors are *ParseError.
func Parse(query string) (*Query, error) {
	if len(query) > MaxQueryBytes {
		return nil, &ParseError{Query: query, Pos: utf8.RuneCountInString(query[:MaxQueryBytes]), Msg: fmt.Sprintf("query longer than %d bytes", MaxQueryBytes)}
	}
	toks, err := lex(query)
	if err != nil {
		return nil, err
	}
	p := &parser{src: query, toks: toks}
	if p.cur().kind == lEOF {
		return nil, p.errf(1, "empty query")
	}
	root, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if t := p.cur(); t.kind != lEOF {
		if t.kind == lRParen {
			return nil, p.errf(t.pos, "unexpected ')' without a matching '('")
		}
		return nil, p.errf(t.pos, "unexpected %s", t.describe())
	}
	return &Query{src: query, root: root}, nil
}

func (p *parser) cur() lexTok { return p.toks[p.i] }

func (p *parser) prev() lexTok {
	if p.i == 0 {
		return lexTok{}
	}
	return p.toks[p.i-1]
}

func (p *parser) errf(pos int, format string, args ...any) error {
	return &ParseError{Query: p.src, Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) enter(pos int) error {
	p.depth++
	if p.depth > MaxDepth {
		return p.errf(pos, "query nested deeper than %d levels", MaxDepth)
	}
	return nil
}

func (p *parser) parseOr() (*node, error) {
	left, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	if p.cur().kind != lOr {
		return left, nil
	}
	n := &node{kind: kOr, pos: left.pos, kids: []*node{left}}
	for p.cur().kind == lOr {
		p.i++
		right, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		n.kids = append(n.kids, right)
	}
	return n, nil
}

func startsOperand(k lexKind) bool {
	switch k {
	case lWord, lPhrase, lLParen, lNot, lMinus, lEq, lField:
		return true
	}
	return false
}

func (p *parser) parseAnd() (*node, error) {
	left, err := p.parseNot()
	if err != nil {
		return nil, err
	}
	var n *node
	for {
		k := p.cur().kind
		if k == lAnd {
			p.i++
		} else if !startsOperand(k) {
			break
		}
		right, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		if n == nil {
			n = &node{kind: kAnd, pos: left.pos, kids: []*node{left}}
		}
		n.kids = append(n.kids, right)
	}
	if n == nil {
		return left, nil
	}
	return n, nil
}

func (p *parser) parseNot() (*node, error) {
	t := p.cur()
	if t.kind != lNot && t.kind != lMinus {
		return p.parseNear()
	}
	p.i++
	if err := p.enter(t.pos); err != nil {
		return nil, err
	}
	kid, err := p.parseNot()
	p.depth--
	if err != nil {
		return nil, err
	}
	return &node{kind: kNot, pos: t.pos, kids: []*node{kid}}, nil
}

func (p *parser) parseNear() (*node, error) {
	left, err := p.parsePrimary()
	if err != nil {
		return nil, err
	}
	for p.cur().kind == lNear {
		op := p.cur()
		p.i++
		right, err := p.parsePrimary()
		if err != nil {
			return nil, err
		}
		for _, side := range []*node{left, right} {
			if !side.positional() {
				return nil, p.errf(op.pos, "%s works on words, phrases, OR groups and NEAR expressions, not on AND, NOT or site:/lang:/url: (at position %d)", op.text, side.pos)
			}
		}
		left = &node{kind: kNear, pos: left.pos, kids: []*node{left, right}, dist: op.dist, ordered: op.ordered}
	}
	return left, nil
}

func (p *parser) missing() error {
	t := p.cur()
	prev := p.prev()
	switch {
	case t.kind == lRParen && prev.kind == lLParen:
		return p.errf(prev.pos, "empty parentheses")
	case p.i == 0 || prev.kind == lLParen:
		switch t.kind {
		case lAnd, lOr, lNear:
			return p.errf(t.pos, "missing term before %s", t.text)
		case lRParen:
			return p.errf(t.pos, "unexpected ')' without a matching '('")
		case lEOF:
			return p.errf(t.pos, "empty query")
		}
		return p.errf(t.pos, "unexpected %s", t.describe())
	}
	return p.errf(t.pos, "missing term after %s", prev.describe())
}

func (p *parser) parsePrimary() (*node, error) {
	t := p.cur()
	switch t.kind {
	case lLParen:
		p.i++
		if err := p.enter(t.pos); err != nil {
			return nil, err
		}
		if p.cur().kind == lRParen {
			return nil, p.errf(t.pos, "empty parentheses")
		}
		n, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		p.depth--
		if p.cur().kind != lRParen {
			if p.cur().kind == lEOF {
				return nil, p.errf(t.pos, "unclosed parenthesis")
			}
			return nil, p.errf(p.cur().pos, "unexpected %s", p.cur().describe())
		}
		p.i++
		return n, nil
	case lWord, lPhrase:
		p.i++
		return p.term(t, false)
	case lEq:
		p.i++
		next := p.cur()
		if next.kind != lWord && next.kind != lPhrase {
			return nil, p.errf(t.pos, "'=' must be followed by a word or a \"phrase\"")
		}
		p.i++
		return p.term(next, true)
	case lField:
		p.i++
		return p.field(t)
	}
	return nil, p.missing()
}

// term turns a word or phrase literal into a term node.
func (p *parser) term(t lexTok, cased bool) (*node, error) {
	n := &node{kind: kTerm, pos: t.pos, cased: cased}
	col := t.pos
	if t.kind == lPhrase {
		col++ // past the opening quote
	}
	var buf []byte
	var toks []token
	// Split on spaces so that * can end any word of a phrase.
	text := t.text
	for len(text) > 0 {
		r, size := utf8.DecodeRuneInString(text)
		if isSpace(r) {
			text = text[size:]
			col++
			continue
		}
		end := 0
		for end < len(text) {
			r, size := utf8.DecodeRuneInString(text[end:])
			if isSpace(r) {
				break
			}
			end += size
		}
		piece := text[:end]
		star := strings.IndexByte(piece, '*')
		prefix := false
		if star >= 0 {
			starCol := col + utf8.RuneCountInString(piece[:star])
			if star != len(piece)-1 {
				return nil, p.errf(starCol, "wildcard * is only allowed at the end of a word")
			}
			before, _ := utf8.DecodeLastRuneInString(piece[:star])
			if star == 0 || classify0(before) != classWord {
				return nil, p.errf(starCol, "wildcard * must follow a letter or digit")
			}
			prefix = true
			piece = piece[:star]
		}
		buf, toks = buf[:0], toks[:0]
		buf, toks = tokenize(piece, buf, toks)
		for i, tk := range toks {
			w := word{fold: string(buf[tk.fs:tk.fe])}
			if cased {
				w.cased = string(appendCased(nil, piece[tk.os:tk.oe]))
			}
			if prefix && i == len(toks)-1 {
				w.prefix = true
				if utf8.RuneCountInString(w.fold) < minPrefix {
					return nil, p.errf(col+utf8.RuneCountInString(piece[:tk.os]), "wildcard needs at least %d letters before *", minPrefix)
				}
			}
			n.words = append(n.words, w)
		}
		col += utf8.RuneCountInString(text[:end])
		text = text[end:]
	}
	if len(n.words) == 0 {
		if t.kind == lPhrase && strings.TrimSpace(t.text) == "" {
			return nil, p.errf(t.pos, "empty phrase")
		}
		return nil, p.errf(t.pos, "term %q has no letters or digits", t.text)
	}
	return n, nil
}

// classify0 is classify extended to ASCII.
func classify0(r rune) uint8 {
	if r < utf8.RuneSelf {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return classWord
		}
		return classSep
	}
	return classify(r)
}

func (p *parser) field(t lexTok) (*node, error) {
	kind := fieldNames[t.text]
	if kind == kField {
		if err := p.enter(t.pos); err != nil {
			return nil, err
		}
		next := p.cur()
		if next.kind == lNot || next.kind == lMinus {
			return nil, p.errf(next.pos, "put NOT before the field (NOT %s:x), not after it", t.text)
		}
		kid, err := p.parsePrimary()
		if err != nil {
			return nil, err
		}
		p.depth--
		return &node{kind: kField, pos: t.pos, field: fieldIDs[t.text], name: t.text, kids: []*node{kid}}, nil
	}
	v := p.cur()
	if v.kind != lWord && v.kind != lPhrase {
		return nil, p.errf(t.pos, "%s: needs a value, like %s", t.text, fieldExample[kind])
	}
	p.i++
	n := &node{kind: kind, pos: t.pos}
	raw := strings.TrimSpace(v.text)
	switch kind {
	case kSite:
		host, path, ok := normSite(raw)
		if !ok {
			return nil, p.errf(v.pos, "site: needs a host name, like site:example.fr, not %q", raw)
		}
		n.value, n.path = host, path
	case kLang:
		l := normLang(raw)
		if !validLang(l) {
			return nil, p.errf(v.pos, "lang: needs a language code, like lang:fr or lang:fr-CA, not %q", raw)
		}
		n.value = l
	case kURL:
		if raw == "" {
			return nil, p.errf(v.pos, "url: needs a value, like url:/blog/")
		}
		n.value = strings.ToLower(raw)
	}
	return n, nil
}

var fieldExample = map[nodeKind]string{kSite: "site:example.fr", kLang: "lang:fr", kURL: "url:/forum/"}

// normSite turns "https://www.Example.fr/blog/" into host "www.example.fr"
// and path "/blog".
func normSite(s string) (host, path string, ok bool) {
	s = strings.ToLower(s)
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	}
	host = s
	if i := strings.IndexByte(s, '/'); i >= 0 {
		host, path = s[:i], strings.TrimRight(s[i:], "/")
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "."), ".")
	if host == "" || strings.ContainsAny(host, ":@?#\"") {
		return "", "", false
	}
	for _, r := range host {
		if r <= ' ' || r == 0x7F {
			return "", "", false
		}
	}
	return host, path, true
}

func normLang(s string) string {
	return strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), "_", "-"))
}

func validLang(s string) bool {
	if len(s) < 2 || len(s) > 35 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return s[0] != '-'
}
