package forum_test

import (
	"context"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/collection/collect"
	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/tooling/demo"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
	"github.com/veille-oss/veille/services/forum"
)

// TestREADMEGenericProfileOnDemoForum runs the README's generic-profile
// example, as written, against the demo's phpBB board.
func TestREADMEGenericProfileOnDemoForum(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, block, ok := strings.Cut(string(readme), "```yaml\n# generic-profile-example\n")
	if !ok {
		t.Fatal("README has no generic-profile example")
	}
	block, _, _ = strings.Cut(block, "```")
	cfg, err := config.Parse([]byte(block), "README example", func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	web := demo.New(time.Now().Add(-70*time.Second), 1) // the storyline is complete
	srv := httptest.NewServer(web)
	defer srv.Close()
	base := testenv.Config(t)
	cfg.DataDir, cfg.NATS, cfg.Metrics = base.DataDir, base.NATS, base.Metrics
	cfg.Crawler.Proxy = srv.URL
	cfg.Crawler.RatePerHost = 0
	cfg.Brands = []config.Brand{{Name: "Duval", Query: `=Duval OR "Laiterie Duval"`}}
	b := testenv.Bus(t, cfg)
	c, err := collect.New(context.Background(), testenv.Env(t, cfg, b), mention.KindForum)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	st, err := forum.Pass(context.Background(), c, cfg.Sources[0])
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("stats %+v", st)
	// The board's Duval thread has 34 posts over 3 pages by the end.
	if st.Threads < 2 || st.Posts < 34 || st.New < 34 || st.Pages < 4 {
		t.Fatalf("the README profile read too little of the demo board: %+v", st)
	}
	cons, err := b.JS.OrderedConsumer(context.Background(), "MENTIONS_RAW", jetstreamAll())
	if err != nil {
		t.Fatal(err)
	}
	batch, err := cons.FetchNoWait(1000)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for msg := range batch.Messages() {
		m, err := mention.Decode(msg.Data())
		if err != nil {
			t.Fatal(err)
		}
		n++
		if m.Author.Name == "" || m.PublishedAt.IsZero() || m.Text == "" || strings.Contains(m.Text, "a écrit :") {
			t.Errorf("post %s#%s: author %q, date %v, text %.60q", m.URL, m.Anchor, m.Author.Name, m.PublishedAt, m.Text)
		}
	}
	if n == 0 {
		t.Fatal("no Duval mention published")
	}
}
