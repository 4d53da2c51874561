package forum_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/collection/collect"
	"github.com/veille-oss/veille/pkg/platform/bus"
	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/tooling/demo"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
	"github.com/veille-oss/veille/services/forum"
)

// TestMentionsOpenThePostAndSourceCounters scrapes the demo's phpBB board:
// every mention's URL is the page the post was read on with the post's
// anchor ("Voir l'original" opens the post), its id stays the thread's and
// anchor's, and the source's health carries the pass's post counters for
// the console's sources page.
func TestMentionsOpenThePostAndSourceCounters(t *testing.T) {
	web := demo.New(time.Now().Add(-70*time.Second), 1) // the storyline is complete
	srv := httptest.NewServer(web)
	defer srv.Close()
	cfg := testenv.Config(t)
	cfg.Crawler.Proxy = srv.URL
	cfg.Crawler.RatePerHost = 0
	cfg.Brands = []config.Brand{{Name: "Duval", Query: `=Duval OR "Laiterie Duval"`}}
	cfg.Sources = []config.Source{{Kind: "forum", Name: "phpbb", URL: "http://forum-conso.test/phpbb/viewforum.php?f=2", AllowPrivate: true}}
	b := testenv.Bus(t, cfg)
	ctx := context.Background()
	c, err := collect.New(ctx, testenv.Env(t, cfg, b), mention.KindForum)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	st, err := forum.Pass(ctx, c, cfg.Sources[0])
	if err != nil {
		t.Fatal(err)
	}
	cons, err := b.JS.OrderedConsumer(ctx, bus.StreamRaw, jetstreamAll())
	if err != nil {
		t.Fatal(err)
	}
	batch, err := cons.FetchNoWait(1000)
	if err != nil {
		t.Fatal(err)
	}
	n, laterPage := 0, 0
	for msg := range batch.Messages() {
		m, err := mention.Decode(msg.Data())
		if err != nil {
			t.Fatal(err)
		}
		n++
		if m.Anchor == "" || !strings.HasSuffix(m.URL, "#"+m.Anchor) || m.ThreadURL == "" || strings.Contains(m.ThreadURL, "#") {
			t.Fatalf("mention url %q, anchor %q, thread %q: want the post's page with #anchor", m.URL, m.Anchor, m.ThreadURL)
		}
		if m.ID != mention.ID(m.ThreadURL, m.Anchor, m.Brand) {
			t.Fatalf("mention %s: id is not the thread+anchor id", m.URL)
		}
		if m.DateMissing || m.PublishedAt.IsZero() {
			t.Fatalf("demo post %s without a date", m.URL)
		}
		if strings.Contains(m.URL, "start=") {
			laterPage++
		}
	}
	if n == 0 || laterPage == 0 {
		t.Fatalf("%d mentions, %d from later pages: want posts of pages 2+ opened on their page", n, laterPage)
	}
	kv, err := b.JS.KeyValue(ctx, collect.BucketSources)
	if err != nil {
		t.Fatal(err)
	}
	e, err := kv.Get(ctx, bus.Token("phpbb"))
	if err != nil {
		t.Fatal(err)
	}
	var h collect.Health
	if err := json.Unmarshal(e.Value(), &h); err != nil {
		t.Fatal(err)
	}
	if h.Counters["posts_seen"] != st.Posts || h.Counters["posts_new"] != st.New || st.Posts == 0 || h.Counters["dates_missing"] != 0 {
		t.Fatalf("health counters %v for stats %+v", h.Counters, st)
	}
	for reason, k := range st.Skipped {
		if h.Counters["skipped."+reason] != k {
			t.Fatalf("skipped.%s = %d, stats say %d", reason, h.Counters["skipped."+reason], k)
		}
	}
}
