// Package loadgen makes realistic synthetic raw mentions: French and English
// texts of varied tone about several brands, from the three source kinds.
// Ids are deterministic per seed and index, so re-running with the same seed
// re-publishes the same mentions (and must not duplicate anything).
package loadgen

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/veille-oss/veille/pkg/platform/bus"
	"github.com/veille-oss/veille/pkg/platform/mention"
)

// DefaultBrands are used when the caller gives none.
var DefaultBrands = []string{"Duval", "Blanchard", "Voltéo", "Vague"}

var (
	frPos = []string{
		"Franchement les yaourts %s sont top, j'en rachète chaque semaine 😍",
		"Très bonne surprise avec %s, le service client m'a répondu en 10 minutes. Bravo !",
		"J'adore la nouvelle gamme %s, c'est pas mal du tout et pas cher.",
		"Merci %s pour la livraison rapide, rien à redire 👍",
		"%s c'est vraiment génial, je recommande à tout le monde !!!",
	}
	frNeg = []string{
		"Encore une commande %s arrivée en retard, c'est nul, je ne commanderai plus jamais.",
		"Service client %s injoignable depuis 3 jours, franchement pas terrible 😡",
		"Arnaque totale chez %s, remboursement refusé. Je vais porter plainte.",
		"Le nouveau produit %s a un goût horrible, quelle déception.",
		"%s ne répond jamais aux réclamations, c'est honteux #boycott",
	}
	frNeu = []string{
		"%s annonce l'ouverture d'un nouveau site de production près de Lyon.",
		"Quelqu'un sait si %s livre en Belgique ?",
		"Le rapport annuel de %s sera publié jeudi prochain.",
		"%s change de logo à partir du mois de mars.",
	}
	enPos = []string{
		"Really love the new %s range, great value for money!",
		"Shout-out to %s support, they fixed my issue in minutes.",
	}
	enNeg = []string{
		"Worst experience ever with %s, never buying again.",
		"%s customer service is a joke, still waiting for my refund.",
	}
	enNeu = []string{
		"%s is opening a new store in Brussels next month.",
		"Does anyone know if %s ships to Canada?",
	}
	sites   = []string{"blog-cuisine.example", "forum-conso.example", "actu-locale.example", "avis-clients.example", "news-wire.example"}
	authors = []string{"Camille R.", "Titou75", "jdupont", "Marie-Claire", "Ahmed B.", "Lucie", "Karim", "N. Diallo", "Sophie_L", "Bob"}
	kinds   = []string{mention.KindWeb, mention.KindRSS, mention.KindForum}
)

// Generator makes mention i of a seed deterministically.
type Generator struct {
	Seed   uint64
	Brands []string
	// Now fixes collected_at (zero = time.Now at each call).
	Now time.Time
}

// Mention returns mention number i.
func (g *Generator) Mention(i int) *mention.Mention {
	r := rand.New(rand.NewPCG(g.Seed, uint64(i)))
	brands := g.Brands
	if len(brands) == 0 {
		brands = DefaultBrands
	}
	brand := brands[r.IntN(len(brands))]
	en := r.IntN(5) == 0
	var pool []string
	switch x := r.IntN(10); {
	case x < 3:
		pool = pick(en, enNeg, frNeg)
	case x < 6:
		pool = pick(en, enPos, frPos)
	default:
		pool = pick(en, enNeu, frNeu)
	}
	text := fmt.Sprintf(pool[r.IntN(len(pool))], brand)
	// Pad some texts to article length, the way blogs and news run longer.
	if r.IntN(4) == 0 {
		text += strings.Repeat(" "+fmt.Sprintf(pool[r.IntN(len(pool))], brand), 1+r.IntN(4))
	}
	kind := kinds[r.IntN(len(kinds))]
	site := sites[r.IntN(len(sites))]
	author := authors[r.IntN(len(authors))]
	now := g.Now
	if now.IsZero() {
		now = time.Now()
	}
	m := &mention.Mention{
		Brand:        brand,
		MatchedTerms: []string{brand},
		SourceKind:   kind,
		SourceName:   "loadgen-" + strings.SplitN(site, ".", 2)[0],
		SourceURL:    "https://" + site + "/",
		URL:          fmt.Sprintf("https://%s/%s/%d-%d", site, kind, g.Seed, i),
		Title:        fmt.Sprintf("À propos de %s", brand),
		Text:         text,
		Author:       mention.Author{Name: author, URL: fmt.Sprintf("https://%s/membres/%s", site, strings.ReplaceAll(strings.ToLower(author), " ", "-"))},
		PublishedAt:  now.Add(-time.Duration(r.IntN(3600)) * time.Second).UTC().Truncate(time.Second),
		CollectedAt:  now.UTC(),
		LangHint:     map[bool]string{true: "en", false: "fr"}[en],
	}
	if kind == mention.KindForum {
		m.Anchor = fmt.Sprintf("p%d", i)
		m.Position = 1 + r.IntN(40)
	}
	m.SetID()
	return m
}

func pick(en bool, a, b []string) []string {
	if en {
		return a
	}
	return b
}

// Options control a publishing run.
type Options struct {
	Count int
	Rate  float64 // mentions/s; 0 = as fast as possible
	// Tick is the pacing step at a Rate: every Tick, the mentions due by
	// then go out together (default 10 ms), as a collector publishes the
	// mentions of a page or a feed poll at once. One timer per mention
	// would cost the generator more than the publishing and wake every
	// consumer downstream once per mention.
	Tick time.Duration
	// Window is the number of unacknowledged publishes in flight.
	Window int
	// Subject overrides where each mention goes (default mentions.raw.<kind>).
	Subject func(m *mention.Mention) string
	// OnPublished is called with the publish time of each acknowledged mention (benchmarks).
	OnPublished func(i int, id string, at time.Time)
}

// Publish sends Count mentions to mentions.raw.<kind> with their Msg-Id and
// waits for every acknowledgement. It returns how many were acknowledged.
func Publish(ctx context.Context, b *bus.Bus, g *Generator, opt Options) (int, error) {
	if opt.Window <= 0 {
		opt.Window = 4000
	}
	type inflight struct {
		i   int
		id  string
		at  time.Time
		fut jetstream.PubAckFuture
	}
	queue := make([]inflight, 0, opt.Window)
	acked := 0
	drain := func(keep int) error {
		for len(queue) > keep {
			f := queue[0]
			select {
			case <-f.fut.Ok():
				acked++
				if opt.OnPublished != nil {
					opt.OnPublished(f.i, f.id, f.at)
				}
			case err := <-f.fut.Err():
				return fmt.Errorf("publish %d (%s): %w", f.i, f.id, err)
			case <-ctx.Done():
				return ctx.Err()
			}
			queue = queue[1:]
		}
		return nil
	}
	if opt.Tick <= 0 {
		opt.Tick = 10 * time.Millisecond
	}
	start := time.Now()
	var tick *time.Ticker
	if opt.Rate > 0 {
		tick = time.NewTicker(opt.Tick)
		defer tick.Stop()
	}
	due := 0 // with a Rate: how many may be out by now
	for i := 0; i < opt.Count; i++ {
		for tick != nil && i >= due {
			// Mention i is due at start + i/Rate.
			if due = int(time.Since(start).Seconds()*opt.Rate) + 1; i < due {
				break
			}
			select {
			case <-ctx.Done():
				return acked, ctx.Err()
			case <-tick.C:
			}
		}
		m := g.Mention(i)
		at := time.Now()
		subject := bus.RawSubject(m.SourceKind)
		if opt.Subject != nil {
			subject = opt.Subject(m)
		}
		fut, err := b.PublishMentionAsync(subject, m)
		if err != nil {
			return acked, err
		}
		queue = append(queue, inflight{i, m.ID, at, fut})
		if len(queue) >= opt.Window {
			if err := drain(opt.Window / 2); err != nil {
				return acked, err
			}
		}
	}
	if err := drain(0); err != nil {
		return acked, err
	}
	return acked, nil
}
