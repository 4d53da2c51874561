package enricher

import (
	"context"

	"github.com/veille-oss/veille/pkg/enrich"
	"github.com/veille-oss/veille/pkg/mention"
	"github.com/veille-oss/veille/pkg/service"
)

// NewDefault builds the production processor from the configuration: the
// NLP of pkg/enrich (language, sentiment with evidence, toxicity, entities
// with the brands as gazetteer, near-duplicate cluster).
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
	return ProcessorFunc(func(_ context.Context, m *mention.Mention) error {
		t.Enrich(m)
		// Texts too short for a reliable SimHash are their own story, so
		// counting distinct dup_cluster counts every mention once.
		if m.Enrichment.DupCluster == "" {
			m.Enrichment.DupCluster = m.ID
		}
		return nil
	}), nil
}
