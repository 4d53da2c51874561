package enricher

import (
	"context"
	"time"

	"github.com/veille-oss/veille/pkg/enrich"
	"github.com/veille-oss/veille/pkg/influence"
	"github.com/veille-oss/veille/pkg/mention"
	"github.com/veille-oss/veille/pkg/service"
	"github.com/veille-oss/veille/pkg/store"
)

// NewDefault builds the production processor from the configuration: the
// NLP of pkg/enrich (language, sentiment with evidence, toxicity, entities
// with the brands as gazetteer, near-duplicate cluster), then the author's
// influence from the tracker kept in NATS KV. The tracker's author rows are
// written to veille.authors in the background until ctx ends.
func NewDefault(ctx context.Context, env *service.Env) (Processor, error) {
	var brands []string
	for _, b := range env.Config.Brands {
		brands = append(brands, b.Name)
		brands = append(brands, b.Aliases...)
	}
	t, err := enrich.New(enrich.Options{Brands: brands})
	if err != nil {
		return nil, err
	}
	icfg, err := influence.Decode(&env.Config.Influence)
	if err != nil {
		return nil, err
	}
	kv, err := influence.OpenBucket(ctx, env.Bus.JS, env.Config.NATS.Replicas)
	if err != nil {
		return nil, err
	}
	tr, err := influence.NewTracker(ctx, kv, icfg, env.Log.With("service", "enricher", "part", "influence"))
	if err != nil {
		return nil, err
	}
	go func() {
		writeAuthors(ctx, env, tr)
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := tr.Close(cctx); err != nil {
			env.Log.Warn("influence state not flushed at shutdown", "err", err)
		}
	}()
	return ProcessorFunc(func(ctx context.Context, m *mention.Mention) error {
		t.Enrich(m)
		r, err := tr.Observe(ctx, m)
		if err != nil {
			return err
		}
		m.Enrichment.AuthorKey = r.Key
		m.Enrichment.InfluenceScore = min(max(r.Score, 0), 100)
		m.Enrichment.IsInfluencer = r.Influencer
		return nil
	}), nil
}

// writeAuthors copies the changed author rows to <db>.authors every few
// seconds. Best effort: the tracker's state is durable in KV, and a row that
// fails now is written again with the next change.
func writeAuthors(ctx context.Context, env *service.Env, tr *influence.Tracker) {
	log := env.Log.With("service", "enricher", "part", "authors")
	var st *store.Store
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	defer func() {
		if st != nil {
			st.Close()
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if st == nil {
			s, err := store.Open(ctx, env.Config.ClickHouse, log)
			if err != nil {
				log.Debug("clickhouse not reachable; authors not written yet", "err", err)
				continue
			}
			st = s
		}
		rows := tr.DirtyRows()
		if len(rows) == 0 {
			continue
		}
		if err := influence.InsertAuthors(ctx, st.Conn, st.DB, rows); err != nil {
			log.Warn("authors not written; retried with the next change", "rows", len(rows), "err", err)
		}
	}
}
