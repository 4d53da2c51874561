package cli

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/veille-oss/veille/pkg/platform/service"
	"github.com/veille-oss/veille/pkg/tooling/loadgen"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
	"github.com/veille-oss/veille/services/enricher"
	"github.com/veille-oss/veille/services/sink"
)

// TestPipelineEnrichesEveryColumn runs loadgen -> NATS -> enricher -> sink ->
// ClickHouse and checks every enrichment column of veille.mentions is filled.
func TestPipelineEnrichesEveryColumn(t *testing.T) {
	cfg := testenv.Config(t)
	st := testenv.Store(t, cfg)
	b := testenv.Bus(t, cfg)
	env := testenv.Env(t, cfg, b)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- service.Group(ctx, env, map[string]service.Func{"enricher": enricher.Run, "sink": sink.Run})
	}()
	defer func() { cancel(); <-done }()
	const n = 3000
	if got, err := loadgen.Publish(ctx, b, &loadgen.Generator{Seed: 3}, loadgen.Options{Count: n}); err != nil || got != n {
		t.Fatalf("published %d: %v", got, err)
	}
	testenv.Eventually(t, 90*time.Second, "all stored", func() (bool, string) {
		c, err := st.CountMentions(context.Background(), "")
		return c == n, fmt.Sprint(c, err)
	})
	var missingLang, missingSent, missingDup, zeroConf, neg, pos, fr, en uint64
	q := fmt.Sprintf(`SELECT countIf(lang = ''), countIf(sentiment_label = ''), countIf(dup_cluster = ''), countIf(lang_confidence = 0),
		countIf(sentiment_label = 'neg'), countIf(sentiment_label = 'pos'), countIf(lang = 'fr'), countIf(lang = 'en')
		FROM %s.mentions FINAL`, st.DB)
	if err := st.Conn.QueryRow(context.Background(), q).Scan(&missingLang, &missingSent, &missingDup, &zeroConf, &neg, &pos, &fr, &en); err != nil {
		t.Fatal(err)
	}
	t.Logf("neg %d pos %d fr %d en %d", neg, pos, fr, en)
	if missingLang+missingSent+missingDup+zeroConf > 0 {
		t.Fatalf("unenriched rows: lang %d, sentiment %d, dup_cluster %d, lang_confidence %d", missingLang, missingSent, missingDup, zeroConf)
	}
	// loadgen writes about 30% negative, 30% positive, 80% French.
	if neg < n/5 || pos < n/5 || fr < n*6/10 || en < n/10 {
		t.Fatalf("implausible enrichment: neg %d pos %d fr %d en %d of %d", neg, pos, fr, en, n)
	}
	var noAuthorKey, scored uint64
	if err := st.Conn.QueryRow(context.Background(), fmt.Sprintf("SELECT countIf(author_key = ''), countIf(influence_score > 0) FROM %s.mentions FINAL", st.DB)).Scan(&noAuthorKey, &scored); err != nil {
		t.Fatal(err)
	}
	if noAuthorKey > 0 || scored < n/2 {
		t.Fatalf("influence: %d mentions without author key, %d of %d with a score", noAuthorKey, scored, n)
	}
	var withEvidence uint64
	if err := st.Conn.QueryRow(context.Background(), fmt.Sprintf("SELECT countIf(length(sentiment_evidence) > 0) FROM %s.mentions FINAL WHERE sentiment_label != 'neu'", st.DB)).Scan(&withEvidence); err != nil {
		t.Fatal(err)
	}
	if withEvidence < (neg+pos)*8/10 {
		t.Fatalf("only %d of %d polar mentions carry evidence", withEvidence, neg+pos)
	}
}
