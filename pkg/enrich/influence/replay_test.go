package influence_test

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/veille-oss/veille/pkg/platform/mention"
)

// Designed authors of the synthetic replay (modelled on pkg/tooling/demo).
const (
	keyCamille   = "blog-camille.test/@camille roux"
	keyTitou     = "forum-conso.test/@titou75"
	keyNews      = "monquotidien.test"
	keyFromage   = "forum-conso.test/@fromagette"
	keyVelo      = "velo-urbain.test/@julien morel"
	replayBrands = 4
)

var replayStart = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

type replay struct {
	r  *rand.Rand
	ms []*mention.Mention
	// driveBys are the keys of the authors who pass by.
	driveBys map[string]bool
}

func sentiment(label string) *mention.Enrichment {
	score := map[string]float64{"pos": 0.6, "neg": -0.6, "neu": 0}[label]
	return &mention.Enrichment{Lang: "fr", LangConfidence: 0.99, Sentiment: mention.Sentiment{Label: label, Score: score, Confidence: 0.8}}
}

func (rp *replay) add(kind, source, url, anchor, thread string, pos int, a mention.Author, brand, sent string, at time.Time, f func(*mention.Mention)) *mention.Mention {
	m := &mention.Mention{
		Brand: brand, MatchedTerms: []string{brand}, SourceKind: kind, SourceName: source, URL: url, Anchor: anchor,
		ThreadURL: thread, Position: pos, Author: a, Text: "…", PublishedAt: at, CollectedAt: at.Add(3 * time.Minute),
		ContentHash: "v1:" + url + "#" + anchor,
		Enrichment:  sentiment(sent),
	}
	m.SetID()
	if f != nil {
		f(m)
	}
	rp.ms = append(rp.ms, m)
	return m
}

func (rp *replay) pick(xs ...string) string { return xs[rp.r.IntN(len(xs))] }

// demoReplay builds a month of mentions shaped like the demo web: Camille
// Roux's much-linked blog with busy comment threads (read on the web and in
// its feed), Titou75 the prolific forum member, the local newspaper,
// two small thematic blogs, a regular forum member, and many drive-by
// commenters and forum posters (some come back once or twice).
func demoReplay() *replay {
	rp := &replay{r: rand.New(rand.NewPCG(7, 42)), driveBys: map[string]bool{}}
	day := func(d float64) time.Time { return replayStart.Add(time.Duration(d * 24 * float64(time.Hour))) }
	camille := mention.Author{Name: "Camille Roux", URL: "http://blog-camille.test/auteur/camille-roux/"}
	camilleInComments := mention.Author{Name: "Camille Roux", URL: "http://blog-camille.test/"}
	titou := func(i int) mention.Author {
		return mention.Author{Name: "Titou75", URL: "http://forum-conso.test/phpbb/memberlist.php?mode=viewprofile&u=52", PostCount: 4788 + i, Reputation: 350}
	}
	newsLinks := []string{"http://blog-camille.test/", "http://blog-camille.test/yaourts-duval-je-ne-recommande-plus/"}
	signature := []string{"http://blog-camille.test/"}

	// Drive-by pool: 50 one-timers, 20 who come back 2-3 times.
	var oneTimers, repeaters []string
	for i := 0; i < 50; i++ {
		oneTimers = append(oneTimers, fmt.Sprintf("Passant%02d", i))
	}
	for i := 0; i < 20; i++ {
		repeaters = append(repeaters, fmt.Sprintf("Habitue%02d", i))
	}
	nextOne := 0
	oneTimer := func() string { n := oneTimers[nextOne%len(oneTimers)]; nextOne++; return n }

	// Camille's 8 posts, each with its comment thread; every post is also
	// read from the blog's feed (same id, same content).
	for p := 0; p < 8; p++ {
		url := fmt.Sprintf("http://blog-camille.test/post-%d/", p)
		brand, sent := "Duval", "pos"
		if p%2 == 1 {
			brand = "Blanchard"
		}
		if p >= 6 {
			brand, sent = "Duval", "neg"
		}
		at := day(float64(p)*3.6 + 0.4)
		replies := 6 + p
		links := []string{"http://monquotidien.test/conso/camille-roux-blogueuse-conso.html", "http://forum-conso.test/",
			"http://velo-urbain.test/", "http://mode-surf.test/"} // portrait, blogroll
		web := rp.add(mention.KindWeb, "blog-camille", url, "", url, 0, camille, brand, sent, at, func(m *mention.Mention) { m.Replies, m.OutLinks = replies, links })
		rp.add(mention.KindRSS, "blog-camille-feed", url, "", "", 0, camille, brand, sent, at, func(m *mention.Mention) { m.ContentHash = web.ContentHash })
		for c := 0; c < replies; c++ {
			anchor := fmt.Sprintf("comment-%d", p*100+c)
			cat := at.Add(time.Duration(c+1) * 37 * time.Minute)
			var who mention.Author
			switch {
			case c%4 == 3:
				who = camilleInComments // Camille answers in her threads
			case c == 1 && p%3 == 0:
				who = mention.Author{Name: "Titou75", URL: "http://forum-conso.test/phpbb/memberlist.php?mode=viewprofile&u=52"}
			case c%2 == 0:
				who = mention.Author{Name: oneTimer()}
				rp.driveBys[fmt.Sprintf("blog-camille.test/@%s", lower(who.Name))] = true
			default:
				who = mention.Author{Name: rp.pick(repeaters...)}
				rp.driveBys[fmt.Sprintf("blog-camille.test/@%s", lower(who.Name))] = true
			}
			rp.add(mention.KindWeb, "blog-camille", url, anchor, url, c+2, who, brand, rp.pick("pos", "neg", "neu"), cat, nil)
		}
	}

	// Titou75: 24 posts over the month on both boards, signature linking
	// Camille's blog, likes on XenForo; his post count grows.
	for i := 0; i < 24; i++ {
		brand := "Duval"
		if i%4 == 3 {
			brand = "Blanchard"
		}
		at := day(float64(i)*1.2 + 0.2)
		if i%2 == 0 {
			thread := fmt.Sprintf("http://forum-conso.test/phpbb/viewtopic.php?t=%d", 100+i)
			rp.add(mention.KindForum, "forum-conso-phpbb", thread, fmt.Sprintf("p%d", 1000+i), thread, 1+i%5, titou(i), brand, rp.pick("neg", "neu", "pos"), at,
				func(m *mention.Mention) { m.OutLinks = signature })
		} else {
			thread := fmt.Sprintf("http://forum-conso.test/forums/threads/fil.%d/", 200+i)
			a := titou(i)
			a.URL = "http://forum-conso.test/forums/members/titou75.52/"
			rp.add(mention.KindForum, "forum-conso-xenforo", thread, fmt.Sprintf("js-post-%d", 5000+i), thread, 1+i%4, a, brand, rp.pick("neg", "neu"), at,
				func(m *mention.Mention) { m.Likes, m.OutLinks = 3+i%6, signature })
		}
	}

	// Fromagette: a regular member, 6 posts, signature linking Camille.
	for i := 0; i < 6; i++ {
		thread := fmt.Sprintf("http://forum-conso.test/phpbb/viewtopic.php?t=%d", 100+2*i)
		rp.add(mention.KindForum, "forum-conso-phpbb", thread, fmt.Sprintf("p%d", 3000+i), thread, 6, mention.Author{Name: "Fromagette", PostCount: 880 + i},
			"Duval", rp.pick("neg", "neu"), day(float64(i)*4+1), func(m *mention.Mention) { m.OutLinks = signature })
	}

	// Forum drive-bys and repeaters, some quoting Titou75 (by anchor on
	// phpBB, by name on XenForo) and citing the newspaper.
	for i := 0; i < 60; i++ {
		var name string
		var posts int
		if i%2 == 0 {
			name, posts = oneTimer(), 1+rp.r.IntN(12)
		} else {
			name, posts = rp.pick(repeaters...), 5+rp.r.IntN(60)
		}
		rp.driveBys["forum-conso.test/@"+lower(name)] = true
		ti := (i * 7) % 24
		brand := rp.pick("Duval", "Duval", "Duval", "Blanchard")
		at := day(float64(ti)*1.2 + 0.3 + float64(i%5)*0.01)
		f := func(m *mention.Mention) {
			m.OutLinks = []string{"http://monquotidien.test/conso/rappel-yaourts-duval.html"}
		}
		if ti%2 == 0 {
			thread := fmt.Sprintf("http://forum-conso.test/phpbb/viewtopic.php?t=%d", 100+ti)
			rp.add(mention.KindForum, "forum-conso-phpbb", thread, fmt.Sprintf("p%d", 2000+i), thread, 7+i, mention.Author{Name: name, PostCount: posts}, brand, rp.pick("neg", "neu", "pos"), at,
				func(m *mention.Mention) {
					f(m)
					if i%3 == 0 {
						m.QuotedRef = fmt.Sprintf("p%d", 1000+ti)
					}
				})
		} else {
			thread := fmt.Sprintf("http://forum-conso.test/forums/threads/fil.%d/", 200+ti)
			rp.add(mention.KindForum, "forum-conso-xenforo", thread, fmt.Sprintf("js-post-%d", 6000+i), thread, 6+i, mention.Author{Name: name, PostCount: posts}, brand, rp.pick("neg", "neu"), at,
				func(m *mention.Mention) {
					f(m)
					m.Likes = rp.r.IntN(2)
					if i%3 == 0 {
						m.QuotedRef = "Titou75"
					}
				})
		}
	}

	// The local newspaper: 10 unsigned articles in its feed, every page
	// linking Camille's blog (sidebar) and the forum.
	for i := 0; i < 10; i++ {
		brand := []string{"Duval", "Duval", "Blanchard", "Voltéo", "Duval", "Duval", "Voltéo", "Duval", "Blanchard", "Duval"}[i]
		url := fmt.Sprintf("http://monquotidien.test/conso/article-%d.html", i)
		rp.add(mention.KindRSS, "monquotidien-rss", url, "", "", 0, mention.Author{}, brand, rp.pick("neg", "neu"), day(float64(i)*3+0.5),
			func(m *mention.Mention) {
				m.OutLinks = append([]string{"http://forum-conso.test/phpbb/"}, newsLinks...)
			})
	}

	// Two small thematic blogs (their authors own them) and six personal
	// blogs that each link Camille once.
	for i := 0; i < 5; i++ {
		rp.add(mention.KindWeb, "velo-urbain", fmt.Sprintf("http://velo-urbain.test/post/%d/", i), "", "", 0, mention.Author{Name: "Julien Morel"},
			"Voltéo", rp.pick("pos", "neu", "neg"), day(float64(i)*6+2), func(m *mention.Mention) {
				m.OutLinks = []string{"http://blog-camille.test/", "http://monquotidien.test/"}
			})
	}
	for i := 0; i < 3; i++ {
		rp.add(mention.KindWeb, "mode-surf", fmt.Sprintf("http://mode-surf.test/post/%d/", i), "", "", 0, mention.Author{Name: "Inès"},
			"Vague", "pos", day(float64(i)*9+3), func(m *mention.Mention) { m.OutLinks = []string{"http://blog-camille.test/"} })
	}
	for i := 0; i < 6; i++ {
		host := fmt.Sprintf("blog-perso%d.test", i)
		name := fmt.Sprintf("Blogueur%d", i)
		rp.driveBys[host+"/@"+lower(name)] = true
		rp.add(mention.KindWeb, "perso", "http://"+host+"/un-billet/", "", "", 0, mention.Author{Name: name},
			"Duval", rp.pick("pos", "neg"), day(float64(i)*4+2), func(m *mention.Mention) {
				m.OutLinks = []string{"http://blog-camille.test/yaourts-duval-je-ne-recommande-plus/", "http://monquotidien.test/"}
			})
	}
	// The pipeline sees the web roughly in time order.
	sort.SliceStable(rp.ms, func(i, j int) bool { return rp.ms[i].CollectedAt.Before(rp.ms[j].CollectedAt) })
	return rp
}

func lower(s string) string {
	out := []rune{}
	for _, r := range s {
		if r >= 'A' && r <= 'Z' {
			r += 'a' - 'A'
		}
		out = append(out, r)
	}
	return string(out)
}
