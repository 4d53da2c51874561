package forum

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestDetectFixtures(t *testing.T) {
	for name, c := range goldenPages {
		if c.profile == Generic {
			continue
		}
		t.Run(name, func(t *testing.T) {
			got, ok := Detect(readFixture(t, name, c.charset))
			if !ok || got != c.profile {
				t.Errorf("Detect = %q, %v; want %q", got, ok, c.profile)
			}
		})
	}
}

func TestDetectMarkers(t *testing.T) {
	cases := []struct{ name, doc, want string }{
		{"discourse meta", `<html><head><meta name="discourse_theme_id" content="2"><meta name="discourse_current_homepage" content="latest"></head><body></body></html>`, Discourse},
		{"discourse generator", `<html><head><meta name="generator" content="Discourse 3.2.0 - https://github.com/discourse/discourse version abc"></head></html>`, Discourse},
		{"discourse json", `{"users":[],"topic_list":{"topics":[]}}`, Discourse},
		{"vbulletin generator", `<html><head><meta name="generator" content="vBulletin 5.6.9" /></head></html>`, VBulletin},
		{"xenforo html id", `<html id="XF" data-app="public"><body></body></html>`, XenForo},
		{"invision body", `<html><body class="ipsApp ipsApp_front"></body></html>`, Invision},
		{"phpbb body id", `<html><body id="phpbb" class="section-index"></body></html>`, PhpBB},
		{"wordpress comments", `<html><head><meta name="generator" content="WordPress 6.4" /></head><body><ol class="comment-list"><li id="comment-1" class="comment"></li></ol></body></html>`, WordPress},
		{"content before generator", `<html><head><meta content="XenForo" name="generator"></head></html>`, XenForo},
		{"plain page", `<html><body><p>Bonjour</p></body></html>`, ""},
		{"other json", `{"hello":"world"}`, ""},
		{"empty", ``, ""},
	}
	for _, c := range cases {
		got, ok := Detect(c.doc)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("%s: Detect = %q, %v; want %q", c.name, got, ok, c.want)
		}
	}
}

func TestGenericProfileErrorsNameTheKey(t *testing.T) {
	for _, c := range []struct {
		g   GenericProfile
		key string
	}{
		{GenericProfile{Body: ".b"}, "post"},
		{GenericProfile{Post: ".p"}, "body"},
		{GenericProfile{Post: ".p", Body: ".b", Date: "span[["}, "date"},
		{GenericProfile{Post: ".p", Body: ".b", Next: "a.next@"}, "next"},
		{GenericProfile{Post: ".p", Body: ".b", PerPage: -1}, "per_page"},
	} {
		_, err := c.g.Compile()
		if err == nil || !strings.Contains(err.Error(), "key "+c.key) {
			t.Errorf("%+v: err = %v, want it to name key %s", c.g, err, c.key)
		}
	}
}

func TestBadPagesDoNotPanic(t *testing.T) {
	big := strings.Repeat("<div>", MaxPageBytes/5+1)
	for _, p := range allProfiles(t) {
		for _, doc := range []string{"", "<", "{", "{\"post_stream\":{\"posts\":[{\"cooked\":\"<aside class=quote>\"}]}}", strings.Repeat("<blockquote>", 5000), "\xff\xfe<div class=post>"} {
			// Errors are fine when they say the page is bad; panics are not.
			if _, err := p.Parse(doc, "http://f.test/viewtopic.php?t=1", Options{}); err != nil && !errors.Is(err, ErrBadPage) {
				t.Errorf("%s: unexpected error on %.20q: %v", p.Name(), doc, err)
			}
		}
		if _, err := p.Parse(big, "http://f.test/", Options{}); err == nil {
			t.Errorf("%s: page over MaxPageBytes accepted", p.Name())
		}
	}
}

func allProfiles(t testing.TB) []Profile {
	g, err := testGeneric.Compile()
	if err != nil {
		t.Fatal(err)
	}
	return append(Profiles(), g)
}

func FuzzParse(f *testing.F) {
	for name, c := range goldenPages {
		f.Add(readFixture(f, name, c.charset), c.url)
	}
	f.Add(`<div class="post"><div class="content"><blockquote><cite>`, "http://x/viewtopic.php?start=-5")
	f.Add(`{"post_stream":{"stream":[1,2,3],"posts":[{"id":-1,"post_number":-3}]}}`, "::bad url")
	profiles := allProfiles(f)
	f.Fuzz(func(t *testing.T, doc, pageURL string) {
		for _, p := range profiles {
			page, err := p.Parse(doc, pageURL, Options{Now: testNow})
			if err != nil {
				continue
			}
			for _, q := range page.Posts {
				if q.ContentHash != ContentHash(q.Text) {
					t.Fatalf("%s: hash does not match text", p.Name())
				}
			}
		}
		Detect(doc)
	})
}

func BenchmarkParse(b *testing.B) {
	cases := []struct{ name, file string }{
		{"phpbb", "phpbb_topic_fr.html"},
		{"xenforo", "xenforo_thread_fr.html"},
		{"vbulletin", "vbulletin_v4_thread.html"},
		{"discourse", "discourse_topic.json"},
		{"invision", "invision_topic.html"},
		{"wordpress", "wordpress_comments.html"},
		{"generic", "generic_thread.html"},
	}
	for _, c := range cases {
		g := goldenPages[c.file]
		doc := readFixture(b, c.file, g.charset)
		p := profileFor(b, g.profile)
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			posts := 0
			for b.Loop() {
				page, err := p.Parse(doc, g.url, testOptions())
				if err != nil {
					b.Fatal(err)
				}
				posts += len(page.Posts)
			}
			sec := b.Elapsed().Seconds()
			b.ReportMetric(float64(b.N)/sec, "pages/s")
			b.ReportMetric(float64(posts)/sec, "posts/s")
		})
	}
	b.Run("detect", func(b *testing.B) {
		doc := readFixture(b, "xenforo_thread_fr.html", "")
		for b.Loop() {
			if e, _ := Detect(doc); e != XenForo {
				b.Fatal(fmt.Sprint("detected ", e))
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
	})
}
