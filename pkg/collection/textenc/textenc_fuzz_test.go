package textenc

import (
	"testing"
	"unicode/utf8"
)

// FuzzDecode: any body with any Content-Type decodes to valid UTF-8 or a
// clear error, never a panic.
func FuzzDecode(f *testing.F) {
	f.Add([]byte("<html><meta charset=windows-1252>caf\xe9</html>"), "text/html")
	f.Add([]byte("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss>\xe9t\xe9</rss>"), "application/rss+xml")
	f.Add([]byte("\xef\xbb\xbfd\xc3\xa9j\xc3\xa0"), "text/plain; charset=utf-8")
	f.Add([]byte("\xff\xfeh\x00i\x00"), "")
	f.Add([]byte("plain"), "text/html; charset=x-no-such-charset")
	f.Add([]byte{}, "text/html; charset=\"")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		text, enc, err := Decode(body, contentType)
		if err != nil {
			return
		}
		if !utf8.ValidString(text) {
			t.Fatalf("Decode(%q, %q) = invalid UTF-8 (encoding %q)", body, contentType, enc)
		}
	})
}
