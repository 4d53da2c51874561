package dedup

import (
	"fmt"
	"math/bits"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

func read(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

const header = "Accueil > Économie > Régions | Publié le 14 mars 2018 à 10 h 59 min | Par la rédaction avec AFP | Temps de lecture : 3 min. "
const footer = " Partager sur Facebook Partager sur Twitter Envoyer par e-mail. Abonnez-vous à notre newsletter pour recevoir chaque matin l'essentiel de l'actualité. © Ouest Info 2018 - Tous droits réservés."

func TestSyndicatedCopy(t *testing.T) {
	a := read(t, "article_a.txt")
	copyA := header + strings.ReplaceAll(a, "  ", " ") + footer
	ha, _ := Fingerprint(a)
	hc, _ := Fingerprint(copyA)
	t.Logf("distance copy: %d", bits.OnesCount64(ha^hc))
	ix := New(Options{})
	ca := ix.Assign("aaaa", a)
	cc := ix.Assign("cccc", copyA)
	if ca != "aaaa" || cc != "aaaa" {
		t.Fatalf("copy with other header/footer: clusters %q, %q; want both %q", ca, cc, "aaaa")
	}
	// a lightly edited copy (typo fixed, one sentence cut) stays in the cluster.
	edited := strings.Replace(copyA, "immédiatement ", "", 1)
	if c := ix.Assign("dddd", edited); c != "aaaa" {
		t.Errorf("edited copy: cluster %q, want aaaa", c)
	}
}

func TestSameTopicDifferentArticle(t *testing.T) {
	a, b := read(t, "article_a.txt"), read(t, "article_b.txt")
	ha, _ := Fingerprint(a)
	hb, _ := Fingerprint(b)
	t.Logf("distance same topic: %d", bits.OnesCount64(ha^hb))
	ix := New(Options{})
	ca, cb := ix.Assign("aaaa", a), ix.Assign("bbbb", b)
	if ca == cb {
		t.Fatalf("different articles on one topic share cluster %q", ca)
	}
}

func TestShortTextsGetNoCluster(t *testing.T) {
	ix := New(Options{})
	if c := ix.Assign("x", "trop bien ce concert"); c != "" {
		t.Errorf("short text got cluster %q", c)
	}
}

func TestEmptyIDUsesHash(t *testing.T) {
	ix := New(Options{})
	a := read(t, "article_a.txt")
	h, _ := Fingerprint(a)
	if c := ix.Assign("", a); c != Hex(h) || len(c) != 16 {
		t.Errorf("cluster %q, want %q", c, Hex(h))
	}
}

func TestBoundedMemory(t *testing.T) {
	ix := New(Options{Capacity: 50})
	a := read(t, "article_a.txt")
	first := ix.Assign("first", a)
	for i := 0; i < 200; i++ {
		ix.Assign(fmt.Sprint(i), fmt.Sprintf("article numéro %d sur un sujet tout à fait différent %d, avec des mots %d %d %d variés et nombreux pour dépasser le minimum %d %d", i, i*7, i*13, i*17, i*19, i*23, i*29))
	}
	if n := ix.Len(); n != 50 {
		t.Errorf("Len %d, want 50", n)
	}
	total := 0
	for b := range ix.buckets {
		for k := range ix.buckets[b] {
			total += len(ix.buckets[b][k])
		}
	}
	if total != 50*nBands {
		t.Errorf("%d bucket entries, want %d", total, 50*nBands)
	}
	// the first article was evicted: it starts a new cluster under a new id.
	if c := ix.Assign("again", a); c != "again" || first != "first" {
		t.Errorf("after eviction: cluster %q, want again", c)
	}
}

func TestConcurrent(t *testing.T) {
	ix := New(Options{Capacity: 1000})
	a := read(t, "article_a.txt")
	ix.Assign("root", a)
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				if c := ix.Assign(fmt.Sprint(g, i), header+a); c != "root" {
					errs <- c
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for c := range errs {
		t.Errorf("concurrent copy got cluster %q", c)
	}
}

func BenchmarkAssign(b *testing.B) {
	a := read(b, "article_a.txt")
	for _, c := range []struct {
		name string
		fill int
	}{{"empty", 0}, {"100k", 100000}} {
		b.Run(c.name, func(b *testing.B) {
			ix := New(Options{Capacity: 100000})
			for i := 0; i < c.fill; i++ {
				ix.AssignHash(fmt.Sprint(i), mix(uint64(i)))
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				ix.Assign("x", a)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "texts/s")
		})
	}
}

func TestCampaignKey(t *testing.T) {
	a := CampaignKey("Boycott des yaourts Duval maintenant !! 🤮 @ami https://x.test/1 2", "", "id1")
	b := CampaignKey("boycott des YAOURTS duval MAINTENANT @autre 17", "id2", "id2")
	if a == "" || a != b {
		t.Fatalf("near-identical posts: %q %q", a, b)
	}
	if c := CampaignKey("Boycott des yaourts Blanchard maintenant !!", "", "id3"); c == a {
		t.Fatal("another brand shares the key")
	}
	if CampaignKey("Duval nul", "", "x") != "" {
		t.Fatal("a two-word post has a key")
	}
	if CampaignKey("long article", "c42", "id9") != "c:c42" {
		t.Fatal("a SimHash cluster is the key")
	}
	c := NewCampaigns(0, 0)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 12 {
		n := c.Observe("k", fmt.Sprint("a", i%6), t0.Add(time.Duration(i)*time.Minute), 5*time.Minute)
		// one post a minute by 6 accounts in turn: a 5-minute window holds 6 posts of 6 accounts at most
		if n > 6 || (i >= 5 && n != 6) {
			t.Fatalf("post %d: %d accounts", i, n)
		}
	}
}
