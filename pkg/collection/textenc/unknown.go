package textenc

import (
	"unicode/utf8"
)

// Result is a decoded body with what was learnt on the way.
type Result struct {
	Text     string // UTF-8
	Encoding string // the charset used, e.g. "windows-1252"
	// Unknown is a charset the body declared (HTTP Content-Type, else
	// <meta>) that has no decoder, e.g. "x-mac-klingon". The declaration is
	// then ignored and the body decoded by the documented fallback: UTF-8
	// when it is valid UTF-8, else by detection, Windows-1252 by default
	// (the usual encoding of French pages). Callers should warn: the text
	// may be wrong.
	Unknown string
}

// DecodeDetail is Decode, also reporting a declared charset it could not use.
func DecodeDetail(body []byte, contentType string) (Result, error) {
	text, name, err := Decode(body, contentType)
	r := Result{Text: text, Encoding: name, Unknown: unknownDeclared(body, contentType)}
	return r, err
}

// unknownDeclared returns the first declared label without a decoder, in
// the order Determine reads declarations (a BOM overrides them all).
func unknownDeclared(body []byte, contentType string) string {
	if len(body) >= 2 && (body[0] == 0xfe && body[1] == 0xff || body[0] == 0xff && body[1] == 0xfe) ||
		len(body) >= 3 && body[0] == 0xef && body[1] == 0xbb && body[2] == 0xbf {
		return ""
	}
	if l := paramCharset(contentType); l != "" {
		if _, _, ok := lookup(l); !ok {
			return clean(l)
		}
		return ""
	}
	head := body
	if len(head) > 4096 {
		head = head[:4096]
	}
	if l := metaCharset(head); l != "" {
		if _, _, ok := lookup(l); !ok {
			return clean(l)
		}
	}
	return ""
}

// clean bounds a label for logs and metrics (it comes from the network).
func clean(l string) string {
	if len(l) > 40 {
		l = l[:40]
	}
	out := make([]rune, 0, len(l))
	for _, r := range l {
		if r == utf8.RuneError || r < ' ' || r == 0x7f {
			r = '?'
		}
		out = append(out, r)
	}
	return string(out)
}
