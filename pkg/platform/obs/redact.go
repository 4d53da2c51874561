package obs

import (
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
)

// userinfoRe finds the credentials of URLs inside free text (error
// messages quote URLs): "scheme://" then up to the last "@" before the
// authority ends. Go's http client already masks the password ("***") but
// keeps the user name; both go.
var userinfoRe = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.\-]*://)[^/?#\s"'<>\\]*@`)

// RedactURLs removes the userinfo of every URL in s.
func RedactURLs(s string) string {
	if strings.IndexByte(s, '@') < 0 || !strings.Contains(s, "://") {
		return s
	}
	return userinfoRe.ReplaceAllString(s, "$1")
}

// redactAttr is the logger's ReplaceAttr: every string, error, Stringer or
// other value whose text holds a URL with credentials is logged without
// them, whatever the key, the message or the service. It is the one place
// that keeps source URLs' passwords out of text and JSON logs.
func redactAttr(_ []string, a slog.Attr) slog.Attr {
	switch a.Value.Kind() {
	case slog.KindString:
		if s := a.Value.String(); RedactURLs(s) != s {
			a.Value = slog.StringValue(RedactURLs(s))
		}
	case slog.KindAny:
		var s string
		switch v := a.Value.Any().(type) {
		case nil:
			return a
		case *url.URL:
			if v == nil || v.User == nil {
				return a
			}
			c := *v
			c.User = nil
			a.Value = slog.StringValue(c.String())
			return a
		default:
			s = fmt.Sprint(v) // errors and Stringers too; fmt recovers their panics
		}
		if r := RedactURLs(s); r != s {
			a.Value = slog.StringValue(r)
		}
	}
	return a
}
