package enricher

import (
	"context"
	"time"

	"github.com/veille-oss/veille/pkg/enrich"
	"github.com/veille-oss/veille/pkg/enrich/influence"
	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/platform/service"
	"github.com/veille-oss/veille/pkg/store"
)

// Default is the production processor: the NLP of pkg/enrich (language,
// sentiment about the mention's brand with evidence, toxicity, entities with the brands as gazetteer,
// near-duplicate cluster), then the author's influence from the tracker kept
// in NATS KV. Its author rows are written to veille.authors in the
// background until Close.
type Default struct {
	tag  *enrich.Tagger
	tr   *influence.Tracker
	stop context.CancelFunc
	done chan struct{}
}

// NewDefault builds the production processor from the configuration. The
// caller must Close it, while the bus is still up, to flush the influence
// state.
func NewDefault(ctx context.Context, env *service.Env) (*Default, error) {
	var brands []string
	var targets []enrich.Target
	for _, b := range env.Config.Brands {
		brands = append(brands, b.Name)
		brands = append(brands, b.Aliases...)
		targets = append(targets, enrich.Target{Name: b.Name, Aliases: b.Aliases, Query: b.Query})
	}
	t, err := enrich.New(enrich.Options{Brands: brands, Targets: targets})
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
	wctx, stop := context.WithCancel(ctx)
	d := &Default{tag: t, tr: tr, stop: stop, done: make(chan struct{})}
	go func() {
		defer close(d.done)
		writeAuthors(wctx, env, tr)
	}()
	return d, nil
}

// Process implements Processor.
func (d *Default) Process(ctx context.Context, m *mention.Mention) error {
	d.tag.Enrich(m)
	r, err := d.tr.Observe(ctx, m)
	if err != nil {
		return err
	}
	m.Enrichment.AuthorKey = r.Key
	m.Enrichment.InfluenceScore = min(max(r.Score, 0), 100)
	m.Enrichment.IsInfluencer = r.Influencer
	return nil
}

// Close stops the author writer and flushes the influence state to KV.
func (d *Default) Close(ctx context.Context) error {
	d.stop()
	<-d.done
	return d.tr.Close(ctx)
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
