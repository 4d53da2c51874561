package mention

import (
	"net/url"
	"testing"
)

// parseOK is checkURL's verdict by url.Parse alone.
func parseOK(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

var urlCases = []string{
	"http://a.test/", "https://forum-conso.test/viewtopic.php?t=12&p=3#p3", "http://a.test:8080/x",
	"http://a.test:/x", "http://:80/", "http:///x", "http://a b/", "http://a.test/a b", "http://a.test/%zz",
	"http://a.test/%41", "http://[::1]:80/", "http://user:pw@a.test/", "http://a.test:8o/", "HTTP://A.TEST/",
	"http://a.test/\x7f", "http://a_b.test/", "http://é.test/", "ftp://a.test/", "http:a.test", "https://a.test?q",
	"http://a.test#f", "http://a.test:99999999999/", "http://-.test/", "http://a.test/é",
}

func TestPlainHTTPURLAgreesWithParse(t *testing.T) {
	for _, s := range urlCases {
		if plainHTTPURL(s) && !parseOK(s) {
			t.Errorf("%q: fast path accepts what url.Parse rejects", s)
		}
		if (checkURL(s) == nil) != parseOK(s) {
			t.Errorf("%q: checkURL %v, url.Parse ok=%v", s, checkURL(s), parseOK(s))
		}
	}
}

func FuzzPlainHTTPURL(f *testing.F) {
	for _, s := range urlCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if (checkURL(s) == nil) != parseOK(s) {
			t.Fatalf("%q: checkURL %v, url.Parse ok=%v", s, checkURL(s), parseOK(s))
		}
	})
}
