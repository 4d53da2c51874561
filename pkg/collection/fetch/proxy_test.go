package fetch

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
)

// A proxy sees absolute-form requests; this one answers for any host.
func TestProxy(t *testing.T) {
	var hosts []string
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hosts = append(hosts, r.Host)
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte("<p>via proxy " + r.Host + "</p>"))
	}))
	defer proxy.Close()
	f := New(Options{Proxy: proxy.URL, DisablePoliteness: true, Retries: -1})
	defer f.Close()
	ctx := context.Background()
	resp, err := f.Fetch(ctx, Request{URL: "http://blog-camille.test/a", AllowPrivate: true})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Text != "<p>via proxy blog-camille.test</p>" {
		t.Fatalf("text %q", resp.Text)
	}
	// Without AllowPrivate, a private target is refused before the proxy sees it.
	n := len(hosts)
	_, err = f.Fetch(ctx, Request{URL: "http://127.0.0.1:9/x"})
	var pe *PrivateAddressError
	if !errors.As(err, &pe) {
		t.Fatalf("private target through proxy: got %v", err)
	}
	if len(hosts) != n {
		t.Fatalf("the proxy was asked for a refused target: %v", hosts[n:])
	}
}
