package forum_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/veille-oss/veille/pkg/collection/collect"
	"github.com/veille-oss/veille/pkg/platform/bus"
	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/tooling/demo"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
	"github.com/veille-oss/veille/services/forum"
)

// TestSecondPassOnlyNewPosts scrapes the demo's phpBB board while its
// bad-buzz thread grows: the second pass publishes only the posts added
// since the first, and never an old one again.
func TestSecondPassOnlyNewPosts(t *testing.T) {
	// Story at t+20s, running 10x: the Duval thread has a few posts and
	// gains about 7 per second of wall time.
	web := demo.New(time.Now().Add(-2*time.Second), 10)
	srv := httptest.NewServer(web)
	defer srv.Close()
	cfg := testenv.Config(t)
	cfg.Crawler.Proxy = srv.URL
	cfg.Crawler.RatePerHost = 0
	cfg.Brands = []config.Brand{{Name: "Duval", Query: `=Duval OR "Laiterie Duval"`}}
	cfg.Sources = []config.Source{{Kind: "forum", Name: "phpbb", URL: "http://forum-conso.test/phpbb/viewforum.php?f=2", AllowPrivate: true}}
	b := testenv.Bus(t, cfg)
	env := testenv.Env(t, cfg, b)
	ctx := context.Background()
	c, err := collect.New(ctx, env, mention.KindForum)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	count := func() (msgs uint64, ids map[string]bool) {
		cons, err := b.JS.OrderedConsumer(ctx, bus.StreamRaw, jetstreamAll())
		if err != nil {
			t.Fatal(err)
		}
		ids = map[string]bool{}
		for {
			batch, err := cons.FetchNoWait(500)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for m := range batch.Messages() {
				n++
				msgs++
				mm, err := mention.Decode(m.Data())
				if err != nil {
					t.Fatal(err)
				}
				ids[mm.ID] = true
			}
			if n == 0 {
				return
			}
		}
	}
	time.Sleep(300 * time.Millisecond)
	st1, err := forum.Pass(ctx, c, cfg.Sources[0])
	if err != nil {
		t.Fatal(err)
	}
	n1, ids1 := count()
	if n1 == 0 {
		t.Fatalf("first pass published nothing (stats %+v)", st1)
	}
	time.Sleep(2 * time.Second)
	st2, err := forum.Pass(ctx, c, cfg.Sources[0])
	if err != nil {
		t.Fatal(err)
	}
	n2, ids2 := count()
	t.Logf("pass 1: %d mentions (%+v); pass 2: +%d (%+v)", n1, st1, n2-n1, st2)
	if n2 <= n1 {
		t.Fatalf("second pass published nothing new (%d then %d)", n1, n2)
	}
	if uint64(len(ids2)) != n2 {
		t.Fatalf("%d messages for %d distinct mentions: an old post was published again", n2, len(ids2))
	}
	for id := range ids1 {
		if !ids2[id] {
			t.Fatal("lost an id")
		}
	}
	if st2.New != int(n2-n1) {
		t.Fatalf("second pass saw %d new posts but published %d mentions", st2.New, n2-n1)
	}
}

func jetstreamAll() jetstream.OrderedConsumerConfig { return jetstream.OrderedConsumerConfig{} }
