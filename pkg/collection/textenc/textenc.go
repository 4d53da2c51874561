// Package textenc decodes web content to UTF-8. The order follows the HTML
// standard's encoding sniffing: byte order mark, then the HTTP Content-Type
// charset, then a <meta charset> in the first bytes, then detection. Latin-1
// labels are read as Windows-1252, as browsers do, because French pages that
// say ISO-8859-1 routinely contain 0x80-0x9F characters (’ “ ” œ €).
// A declared charset without a decoder is skipped, as if absent (fallback:
// UTF-8 when the body is valid UTF-8, else detection, Windows-1252 by
// default); DecodeDetail reports it so that callers warn.
package textenc

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/unicode"
)

// errUnknownCharset is returned when a declared charset has no decoder and
// detection cannot decide either.
var errUnknownCharset = errors.New("unknown charset")

// Decode returns body as UTF-8 text and the name of the encoding used.
// contentType is the HTTP Content-Type header, possibly empty.
func Decode(body []byte, contentType string) (string, string, error) {
	enc, name := Determine(body, contentType)
	if name == "utf-8" {
		b := bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
		if utf8.Valid(b) {
			return string(b), name, nil
		}
		// Declared UTF-8 but is not: most often a Windows-1252 page with a
		// wrong header. Read it as such rather than filling it with U+FFFD.
		enc, name = charmap.Windows1252, "windows-1252"
	}
	out, err := enc.NewDecoder().Bytes(body)
	if err != nil {
		return "", name, fmt.Errorf("decode %s: %w", name, err)
	}
	return string(out), name, nil
}

// Determine picks the encoding of body without decoding it.
func Determine(body []byte, contentType string) (encoding.Encoding, string) {
	// BOM first: it overrides any declaration.
	switch {
	case bytes.HasPrefix(body, []byte("\xef\xbb\xbf")):
		return unicode.UTF8, "utf-8"
	case bytes.HasPrefix(body, []byte("\xfe\xff")):
		return unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM), "utf-16be"
	case bytes.HasPrefix(body, []byte("\xff\xfe")):
		return unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM), "utf-16le"
	}
	if e, n, ok := lookup(paramCharset(contentType)); ok {
		return e, n
	}
	head := body
	if len(head) > 4096 {
		head = head[:4096]
	}
	if e, n, ok := lookup(metaCharset(head)); ok {
		return e, n
	}
	if utf8.Valid(body) {
		return unicode.UTF8, "utf-8"
	}
	e, n, _ := charset.DetermineEncoding(body, "")
	if n == "" || n == "utf-8" {
		return charmap.Windows1252, "windows-1252"
	}
	return normalise(e, n)
}

func lookup(label string) (encoding.Encoding, string, bool) {
	label = strings.ToLower(strings.Trim(strings.TrimSpace(label), `"'`))
	if label == "" {
		return nil, "", false
	}
	e, err := htmlindex.Get(label)
	if err != nil || e == nil {
		return nil, "", false
	}
	n, _ := htmlindex.Name(e)
	e, n = normalise(e, n)
	return e, n, true
}

// normalise maps the Latin-1 family to Windows-1252 (htmlindex already does
// for iso-8859-1; this keeps the name honest for callers that log it).
func normalise(e encoding.Encoding, name string) (encoding.Encoding, string) {
	switch name {
	case "iso-8859-1", "latin1", "us-ascii", "ascii":
		return charmap.Windows1252, "windows-1252"
	}
	if e == unicode.UTF8 {
		return e, "utf-8"
	}
	return e, name
}

func paramCharset(contentType string) string {
	for _, part := range strings.Split(contentType, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), "charset") {
			return v
		}
	}
	return ""
}

// metaCharset finds <meta charset=...> or <meta http-equiv content="...charset=...">.
func metaCharset(head []byte) string {
	lower := bytes.ToLower(head)
	for i := 0; ; {
		j := bytes.Index(lower[i:], []byte("<meta"))
		if j < 0 {
			return ""
		}
		i += j + 5
		end := bytes.IndexByte(lower[i:], '>')
		if end < 0 {
			return ""
		}
		tag := string(lower[i : i+end])
		if k := strings.Index(tag, "charset="); k >= 0 {
			v := tag[k+len("charset="):]
			v = strings.TrimLeft(v, `"' `)
			if stop := strings.IndexAny(v, `"' ;/>`); stop >= 0 {
				v = v[:stop]
			}
			return v
		}
	}
}
