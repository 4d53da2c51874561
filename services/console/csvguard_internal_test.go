package console

import "testing"

// TestCSVFormulaGuardLookalikes: the guard caught ASCII "=" but not the
// full-width "＝" of issue 16, nor other look-alikes or leading spaces.
func TestCSVFormulaGuardLookalikes(t *testing.T) {
	for _, s := range []string{
		"=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "\n=1",
		"＝HYPERLINK(\"http://evil\")", "＋1", "－1", "＠SUM(A1)", "﹦1", "﹢1", "﹣1",
		"\u22121", "\u20131", " =1", "\u3000＝1", "\u00a0=1",
	} {
		if got := csvCell(s); got != "'"+s {
			t.Errorf("csvCell(%q) = %q, want it neutralised", s, got)
		}
	}
	for _, s := range []string{"", "Duval", "1=1", "a@b.fr", "é=1", "«=1»", "１２"} {
		if got := csvCell(s); got != s {
			t.Errorf("csvCell(%q) = %q, want it unchanged", s, got)
		}
	}
}
