package console

import "testing"

func TestFrenchNumbers(t *testing.T) {
	cases := []struct{ got, want string }{
		{fmtPct(-47, "fr", true), "\u221247,0\u202f%"},
		{fmtPct(12.345, "fr", true), "+12,3\u202f%"},
		{fmtPct(-0.04, "fr", true), "0,0\u202f%"},
		{fmtPct(-47, "en", true), "-47.0%"},
		{fmtDec(66.66, "fr", false), "66,7"},
		{fmtInt(14952, "fr"), "14\u202f952"},
		{fmtInt(1234567, "en"), "1,234,567"},
		{fmtInt(999, "fr"), "999"},
		{change(5, 1, "fr"), "+400,0\u202f%"},
		{change(66, 2, "fr"), "+3\u202f200,0\u202f%"},
		{fmtPct(1234.5, "en", true), "+1,234.5%"},
		{change(5, 0, "fr"), ""},
		{points(-40, -12.5, "fr"), "\u221227,5\u202fpts"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
