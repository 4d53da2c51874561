package console_test

import (
	"io/fs"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/veille-oss/veille/services/console/static"
)

// WCAG 2.x relative luminance and contrast ratio.
func luminance(hex string) float64 {
	h := strings.TrimPrefix(hex, "#")
	if len(h) == 3 {
		h = string([]byte{h[0], h[0], h[1], h[1], h[2], h[2]})
	}
	ch := func(i int) float64 {
		v, _ := strconv.ParseUint(h[i:i+2], 16, 8)
		c := float64(v) / 255
		if c <= 0.03928 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	return 0.2126*ch(0) + 0.7152*ch(2) + 0.0722*ch(4)
}

func contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	return (math.Max(la, lb) + 0.05) / (math.Min(la, lb) + 0.05)
}

var (
	ruleRe  = regexp.MustCompile(`([^{}]+)\{([^{}]*)\}`)
	declRe  = regexp.MustCompile(`(?:^|;)\s*(color|background|background-color)\s*:\s*([^;]+)`)
	varRe   = regexp.MustCompile(`--([a-z-]+)\s*:\s*(#[0-9a-fA-F]{3,6})`)
	hexRe   = regexp.MustCompile(`^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$`)
	jsHexRe = regexp.MustCompile(`"(#[0-9a-fA-F]{6})"`)
)

// TestContrastAA computes, from app.css and app.js, the contrast of every
// text colour on its background (badges, buttons, KPIs, marks, header) and
// of every chart colour on the white chart background: all at least 4.5:1
// (WCAG AA for text). The "Pris en charge" badge was 3.1:1.
func TestContrastAA(t *testing.T) {
	css, err := fs.ReadFile(static.FS, "app.css")
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{}
	for _, m := range varRe.FindAllStringSubmatch(string(css), -1) {
		vars[m[1]] = m[2]
	}
	resolve := func(v string) string {
		v = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "!important"))
		if strings.HasPrefix(v, "var(--") {
			v = vars[strings.TrimSuffix(strings.TrimPrefix(v, "var(--"), ")")]
		}
		if hexRe.MatchString(v) {
			return v
		}
		return ""
	}
	page, card, fg, header := vars["bg"], vars["card"], vars["fg"], ""
	for _, m := range ruleRe.FindAllStringSubmatch(string(css), -1) {
		if strings.TrimSpace(m[1]) == "header.top" {
			for _, d := range declRe.FindAllStringSubmatch(m[2], -1) {
				if d[1] != "color" {
					header = resolve(d[2])
				}
			}
		}
	}
	if page == "" || card == "" || fg == "" || header == "" {
		t.Fatalf("colours not found: bg %q card %q fg %q header %q", page, card, fg, header)
	}
	checked := 0
	check := func(what, text, back string) {
		checked++
		if r := contrast(text, back); r < 4.5 {
			t.Errorf("%s: %s on %s is %.2f:1, below 4.5:1", what, text, back, r)
		}
	}
	for _, m := range ruleRe.FindAllStringSubmatch(string(css), -1) {
		sel := strings.TrimSpace(m[1])
		if i := strings.LastIndex(sel, "\n"); i >= 0 {
			sel = strings.TrimSpace(sel[i+1:])
		}
		var text, back string
		for _, d := range declRe.FindAllStringSubmatch(m[2], -1) {
			if d[1] == "color" {
				text = resolve(d[2])
			} else {
				back = resolve(strings.Fields(d[2])[0])
			}
		}
		switch {
		case text != "" && back != "":
			check(sel, text, back)
		case text != "" && strings.HasPrefix(sel, "header.top"):
			check(sel, text, header)
		case text != "" && !strings.Contains(sel, "focus"):
			// Text on the page or on a card.
			check(sel+" on the page", text, page)
			check(sel+" on a card", text, card)
		case back != "" && strings.HasPrefix(sel, "mark"):
			check(sel, fg, back) // marks keep the text colour
		}
	}
	js, err := fs.ReadFile(static.FS, "app.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range jsHexRe.FindAllStringSubmatch(string(js), -1) {
		check("chart colour", m[1], "#ffffff")
	}
	if checked < 40 {
		t.Fatalf("only %d colour pairs checked: the parser missed rules", checked)
	}
	t.Logf("%d colour pairs at least 4.5:1", checked)
}
