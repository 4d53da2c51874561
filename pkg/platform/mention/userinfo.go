package mention

import "strings"

// StripUserinfo removes the user name and password of a URL
// ("http://user:pass@host/p" -> "http://host/p"). Source URLs may carry
// credentials for the fetch; what is stored, shown or logged must not.
// It works on the text (scheme "://" authority), so it also cleans strings
// url.Parse would refuse; anything without "://" and "@" is returned as is.
func StripUserinfo(s string) string {
	i := strings.Index(s, "://")
	if i < 0 || strings.IndexByte(s, '@') < 0 {
		return s
	}
	start := i + 3
	end := strings.IndexAny(s[start:], "/?#\\")
	if end < 0 {
		end = len(s)
	} else {
		end += start
	}
	at := strings.LastIndexByte(s[start:end], '@')
	if at < 0 {
		return s
	}
	return s[:start] + s[start+at+1:]
}

// hasUserinfo says whether StripUserinfo would change s.
func hasUserinfo(s string) bool { return StripUserinfo(s) != s }

// StripCredentials removes userinfo from every URL of the mention. SetID
// calls it before hashing, Decode after reading, so no mention published,
// stored or shown carries a password, whichever collector built it.
func (m *Mention) StripCredentials() {
	m.URL = StripUserinfo(m.URL)
	m.SourceURL = StripUserinfo(m.SourceURL)
	m.ThreadURL = StripUserinfo(m.ThreadURL)
	m.QuotedRef = StripUserinfo(m.QuotedRef)
	m.Author.URL = StripUserinfo(m.Author.URL)
	for i, l := range m.OutLinks {
		m.OutLinks[i] = StripUserinfo(l)
	}
}

// checkNoUserinfo refuses URLs with credentials (a producer that skipped SetID).
func (m *Mention) checkNoUserinfo() error {
	for _, f := range []struct{ name, v string }{{"url", m.URL}, {"source_url", m.SourceURL}, {"thread_url", m.ThreadURL}, {"author.url", m.Author.URL}} {
		if hasUserinfo(f.v) {
			return invalid(f.name, "must not carry a user name or password (mention.StripUserinfo)")
		}
	}
	return nil
}
