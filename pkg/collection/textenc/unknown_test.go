package textenc

import "testing"

func TestDecodeDetailUnknownCharset(t *testing.T) {
	for _, tc := range []struct {
		body, ct, wantText, wantEnc, wantUnknown string
	}{
		{"Caf\xe9", "text/html; charset=x-klingon", "Café", "windows-1252", "x-klingon"},
		{"Café", "text/html; charset=x-klingon", "Café", "utf-8", "x-klingon"},
		{"<meta charset=\"martian-8\">Caf\xe9", "text/html", "<meta charset=\"martian-8\">Café", "windows-1252", "martian-8"},
		{"Caf\xe9", "text/html; charset=iso-8859-1", "Café", "windows-1252", ""},
		{"\xef\xbb\xbfCafé", "text/html; charset=x-klingon", "Café", "utf-8", ""}, // a BOM wins
		{"Café", "text/html", "Café", "utf-8", ""},
	} {
		r, err := DecodeDetail([]byte(tc.body), tc.ct)
		if err != nil || r.Text != tc.wantText || r.Encoding != tc.wantEnc || r.Unknown != tc.wantUnknown {
			t.Errorf("DecodeDetail(%q, %q) = %+v, %v; want %q %q unknown %q", tc.body, tc.ct, r, err, tc.wantText, tc.wantEnc, tc.wantUnknown)
		}
	}
}
