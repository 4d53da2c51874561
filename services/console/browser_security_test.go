package console_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserLoginNextStaysOnConsole: the attack of issue 16 in a real
// browser. Chromium drops the tab of "/\t/evil.example/" and reads "//"
// as another host; after the login it must still be on the console.
func TestBrowserLoginNextStaysOnConsole(t *testing.T) {
	h := setup(t)
	ctx := newBrowser(t)
	host := strings.TrimPrefix(h.http.URL, "http://")
	for _, next := range []string{"/\t/evil.example/", "/\\evil.example/", "/%2F/evil.example/", "//evil.example/"} {
		do(t, ctx, "open login", chromedp.Navigate(h.http.URL+"/login?next="+url.QueryEscape(next)), chromedp.WaitVisible(chromedp.CSS("#login-form")))
		do(t, ctx, "log in",
			chromedp.SendKeys(chromedp.CSS("#user"), testUser),
			chromedp.SendKeys(chromedp.CSS("#password"), testPassword),
			chromedp.Click(chromedp.CSS("#login-submit")),
		)
		waitPage(t, ctx, `location.pathname !== "/login"`)
		if got := eval[string](t, ctx, `location.host`); got != host {
			t.Fatalf("next=%q: after login the browser is on %q, want %q", next, got, host)
		}
		// Logged in, the GET form redirects at once: it must stay here too.
		do(t, ctx, "open login logged in", chromedp.Navigate(h.http.URL+"/login?next="+url.QueryEscape(next)))
		waitPage(t, ctx, `location.pathname !== "/login"`)
		if got := eval[string](t, ctx, `location.host`); got != host {
			t.Fatalf("next=%q (logged in): browser on %q, want %q", next, got, host)
		}
		do(t, ctx, "log out", chromedp.Navigate(h.http.URL+"/sources"), chromedp.Click(chromedp.CSS("#logout")))
		waitPage(t, ctx, `location.pathname === "/login"`)
	}
}
