package influence

import (
	"net/url"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/veille-oss/veille/pkg/platform/mention"
)

// AuthorKey is the stable identity of the author of m on its site, "" for an
// anonymous comment or post (no name, no profile).
//
// The key is "<host>/@<folded name>", where host is the host of the author's
// profile URL when there is one (else the host of the page) and the folded
// name is the display name lower-cased, without accents, with runs of spaces
// collapsed. So one person keeps one key across the pages, comments and
// threads of a site: forum posts on two engines of one host, a blogger's
// articles (profile /auteur/x/) and her replies in comments (linked to her
// home page), and a forum member's blog comments signed with a link to his
// forum profile, all merge. A display name is unique inside one site on the
// engines we read (forums enforce it; blogs show their author), so the name
// within the profile's site identifies the person; the same name on two
// sites stays two people.
//
// Without a display name the key is the normalised profile URL
// (NormalizeProfileURL, without the scheme). A document without any author
// (a news article, a feed item) is credited to its publication: the key is
// the page's host. A comment, forum post or social network post without
// author is anonymous ("").
func AuthorKey(m *mention.Mention) string {
	name := FoldName(m.Author.Name)
	profile := ""
	if m.Author.URL != "" {
		profile = NormalizeProfileURL(m.Author.URL)
	}
	switch {
	case profile != "" && mention.IsSocial(m.SourceKind):
		// On a social network display names are not unique and change;
		// the profile (handle or account id) is the account.
		return profile
	case name != "":
		host := ""
		if profile != "" {
			host, _, _ = strings.Cut(profile, "/")
		}
		if host == "" {
			host = hostOf(m.URL)
		}
		if host == "" {
			return ""
		}
		return host + "/@" + name
	case profile != "":
		return profile
	case m.SourceKind != mention.KindForum && !mention.IsSocial(m.SourceKind) && m.Position <= 1:
		return hostOf(m.URL)
	default:
		return ""
	}
}

// FoldName folds a display name for comparison: lower case, accents
// removed, spaces trimmed and collapsed, control characters dropped.
// "  Camille   ROUX " and "camille roux" fold alike; so do "Hélène" and "Helene".
func FoldName(s string) string {
	if s == "" {
		return ""
	}
	if len(s) > 256 {
		s = s[:256]
		for len(s) > 0 && !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case unicode.IsControl(r) || r == utf8.RuneError:
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// trackingParams are query parameters that never identify a profile:
// campaign tags and forum session ids.
var trackingParams = map[string]bool{
	"fbclid": true, "gclid": true, "dclid": true, "msclkid": true, "mc_cid": true, "mc_eid": true,
	"igshid": true, "ref": true, "ref_src": true, "ref_url": true, "source": true, "share": true,
	"sid": true, "s": true, "phpsessid": true, "sessionid": true, "jsessionid": true, "_ga": true,
	"yclid": true, "xtor": true, "at_medium": true, "at_campaign": true,
}

// NormalizeProfileURL returns a profile URL as a key without the scheme:
// host lower-cased without "www." and without default port, fragment and
// tracking/session parameters dropped, remaining parameters sorted, trailing
// slash removed ("/" alone becomes ""). http and https variants of a profile
// are one profile. It returns "" for what is not an http(s) URL.
func NormalizeProfileURL(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	host := normHost(u.Host)
	if host == "" {
		return ""
	}
	path := strings.TrimRight(u.EscapedPath(), "/")
	q := u.Query()
	keys := make([]string, 0, len(q))
	for k := range q {
		lk := strings.ToLower(k)
		if trackingParams[lk] || strings.HasPrefix(lk, "utm_") {
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(host)
	b.WriteString(path)
	for i, k := range keys {
		vs := q[k]
		sort.Strings(vs)
		for j, v := range vs {
			if i == 0 && j == 0 {
				b.WriteByte('?')
			} else {
				b.WriteByte('&')
			}
			b.WriteString(url.QueryEscape(k))
			b.WriteByte('=')
			b.WriteString(url.QueryEscape(v))
		}
	}
	return b.String()
}

// normHost lower-cases a host[:port], drops "www." and default ports.
func normHost(h string) string {
	h = strings.ToLower(strings.TrimSuffix(h, "."))
	if at := strings.LastIndexByte(h, '@'); at >= 0 {
		h = h[at+1:]
	}
	h = strings.TrimSuffix(h, ":80")
	h = strings.TrimSuffix(h, ":443")
	h = strings.TrimPrefix(h, "www.")
	return h
}

// hostOf is the normalised host of an absolute http(s) URL, "" otherwise.
// It does not allocate a url.URL: it runs for every out-link of every
// mention.
func hostOf(s string) string {
	i := strings.Index(s, "://")
	if i <= 0 {
		return ""
	}
	scheme := s[:i]
	if !strings.EqualFold(scheme, "http") && !strings.EqualFold(scheme, "https") {
		return ""
	}
	rest := s[i+3:]
	if j := strings.IndexAny(rest, "/?#"); j >= 0 {
		rest = rest[:j]
	}
	if rest == "" || len(rest) > 253+6 {
		return ""
	}
	return normHost(rest)
}
