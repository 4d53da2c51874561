package console

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/veille-oss/veille/pkg/platform/bus"
	"github.com/veille-oss/veille/pkg/platform/mention"
	"github.com/veille-oss/veille/pkg/store/analytics"
)

// Live stream bounds.
const (
	ringSize      = 200 // recent mentions a new client sees at once
	clientBuffer  = 256 // events queued per client before drops
	heartbeat     = 15 * time.Second
	maxSSEClients = 500
	sessionCheck  = time.Second // how late a stream may end after its session expires
)

// Card is a mention as a card shows it (the live stream's event payload,
// also used for server-rendered lists).
type Card struct {
	ID          string    `json:"id"`
	Brand       string    `json:"brand"`
	SourceKind  string    `json:"source_kind"`
	SourceName  string    `json:"source_name"`
	URL         string    `json:"url"`
	Title       string    `json:"title,omitempty"`
	Author      string    `json:"author,omitempty"`
	AuthorURL   string    `json:"author_url,omitempty"`
	Influencer  bool      `json:"influencer"`
	PublishedAt time.Time `json:"published_at"`
	Lang        string    `json:"lang"`
	Sentiment   string    `json:"sentiment"`
	Score       float64   `json:"score"`
	Toxic       bool      `json:"toxic"`
	Segments    []Segment `json:"segments"`
	// TitleSegments marks a searched text in the title (search results).
	TitleSegments []Segment `json:"title_segments,omitempty"`
	// Social networks: engagement, the author's audience, inauthenticity.
	Likes      int      `json:"likes,omitempty"`
	Replies    int      `json:"replies,omitempty"`
	Reposts    int      `json:"reposts,omitempty"`
	Views      int64    `json:"views,omitempty"`
	Followers  int      `json:"followers,omitempty"`
	Suspicious []string `json:"suspicious,omitempty"`
}

func cardOfMention(m *mention.Mention) Card {
	e := m.Enrichment
	if e == nil {
		e = &mention.Enrichment{}
	}
	pub := m.PublishedAt
	if pub.IsZero() {
		pub = m.CollectedAt
	}
	return Card{
		ID: m.ID, Brand: m.Brand, SourceKind: m.SourceKind, SourceName: m.SourceName, URL: m.URL, Title: m.Title,
		Author: m.Author.Name, AuthorURL: m.Author.URL, Influencer: e.IsInfluencer, PublishedAt: pub.UTC(),
		Lang: e.Lang, Sentiment: e.Sentiment.Label, Score: e.Sentiment.Score, Toxic: e.Toxic,
		Segments: highlight(m.Text, m.MatchedTerms, e.Sentiment.Evidence, e.Sentiment.Label),
		Likes:    m.Likes, Replies: m.Replies, Reposts: m.Reposts, Views: m.Views, Followers: m.Author.Followers, Suspicious: e.Suspicious,
	}
}

func cardOfRow(m analytics.Mention) Card {
	return Card{
		ID: m.ID, Brand: m.Brand, SourceKind: m.SourceKind, SourceName: m.SourceName, URL: m.URL, Title: m.Title,
		Author: m.AuthorName, AuthorURL: m.AuthorURL, Influencer: m.IsInfluencer, PublishedAt: m.PublishedAt,
		Lang: m.Lang, Sentiment: m.Sentiment, Score: m.SentimentScore, Toxic: m.Toxic,
		Segments: highlight(m.Text, m.MatchedTerms, m.Evidence, m.Sentiment),
		Likes:    int(m.Likes), Replies: int(m.Replies), Reposts: int(m.Reposts), Views: int64(m.Views), Followers: int(m.Followers), Suspicious: m.Suspicious,
	}
}

// liveItem is one event ready to send, with what filters look at.
type liveItem struct {
	card Card
	data []byte
}

// matches applies the live filters (the same fields as stored searches).
func matches(f analytics.Filter, c *Card) bool {
	switch {
	case f.Brand != "" && !strings.EqualFold(f.Brand, c.Brand),
		f.Sentiment != "" && f.Sentiment != c.Sentiment,
		f.Kind != "" && f.Kind != c.SourceKind,
		f.Lang != "" && f.Lang != c.Lang,
		f.InfluencerOnly && !c.Influencer,
		f.ToxicOnly && !c.Toxic,
		f.SuspiciousOnly && len(c.Suspicious) == 0:
		return false
	}
	return true
}

type liveClient struct {
	f  analytics.Filter
	ch chan *liveItem
}

// hub fans the enriched stream out to the SSE clients: one NATS
// subscription whatever the number of browsers.
type hub struct {
	mu      sync.Mutex
	clients map[*liveClient]struct{}
	ring    []*liveItem
	next    int
	onDrop  func()
	onCount func(int)
}

func newHub(onDrop func(), onCount func(int)) *hub {
	return &hub{clients: map[*liveClient]struct{}{}, onDrop: onDrop, onCount: onCount}
}

func (h *hub) publish(m *mention.Mention) {
	c := cardOfMention(m)
	data, err := json.Marshal(c)
	if err != nil {
		return
	}
	it := &liveItem{card: c, data: data}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.ring) < ringSize {
		h.ring = append(h.ring, it)
	} else {
		h.ring[h.next] = it
		h.next = (h.next + 1) % ringSize
	}
	for cl := range h.clients {
		if !matches(cl.f, &it.card) {
			continue
		}
		select {
		case cl.ch <- it:
		default:
			h.onDrop() // a slow browser loses events rather than slowing everyone
		}
	}
}

// subscribe registers a client and returns the recent matching items, oldest first.
func (h *hub) subscribe(f analytics.Filter) (*liveClient, []*liveItem, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.clients) >= maxSSEClients {
		return nil, nil, false
	}
	cl := &liveClient{f: f, ch: make(chan *liveItem, clientBuffer)}
	h.clients[cl] = struct{}{}
	h.onCount(len(h.clients))
	var backlog []*liveItem
	for i := range h.ring {
		it := h.ring[(h.next+i)%len(h.ring)]
		if matches(f, &it.card) {
			backlog = append(backlog, it)
		}
	}
	return cl, backlog, true
}

func (h *hub) unsubscribe(cl *liveClient) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.clients, cl)
	h.onCount(len(h.clients))
}

func (s *Server) handleMessage(msg *nats.Msg) {
	m, err := mention.Decode(msg.Data)
	if err != nil {
		s.log.Debug("live: undecodable mention skipped", "subject", msg.Subject, "err", err)
		return
	}
	s.hub.publish(m)
}

// startLive subscribes to the enriched subjects (core NATS sees JetStream
// publishes as they happen), then fills the ring with the stream's latest
// messages so the page is not empty after a restart.
func (s *Server) startLive(ctx context.Context) error {
	sub, err := s.env.Bus.NC.Subscribe(bus.SubjectEnrichedPrefix+">", s.handleMessage)
	if err != nil {
		return fmt.Errorf("live: subscribe: %w", err)
	}
	_ = sub.SetPendingLimits(65536, 256<<20)
	s.sub = sub
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	st, err := s.env.Bus.JS.Stream(sctx, bus.StreamEnriched)
	if err != nil {
		s.log.Warn("live: no backlog", "err", err)
		return nil
	}
	info, err := st.Info(sctx)
	if err != nil || info.State.Msgs == 0 {
		return nil
	}
	start := info.State.FirstSeq
	if info.State.LastSeq >= ringSize && info.State.LastSeq-ringSize+1 > start {
		start = info.State.LastSeq - ringSize + 1
	}
	cons, err := st.OrderedConsumer(sctx, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{bus.SubjectEnrichedPrefix + ">"},
		DeliverPolicy:  jetstream.DeliverByStartSequencePolicy, OptStartSeq: start,
	})
	if err != nil {
		s.log.Warn("live: no backlog", "err", err)
		return nil
	}
	n := int(info.State.LastSeq - start + 1)
	batch, err := cons.FetchNoWait(min(n, ringSize))
	if err != nil {
		return nil
	}
	var seed []*mention.Mention
	for msg := range batch.Messages() {
		if m, err := mention.Decode(msg.Data()); err == nil {
			seed = append(seed, m)
		}
	}
	for _, m := range seed {
		s.hub.publish(m)
	}
	return nil
}

// handleStream is the server-sent events endpoint: the recent matching
// mentions, then each new one as it arrives, plus a heartbeat.
func (s *Server) handleStream(w http.ResponseWriter, r *http.Request) {
	f, _, err := parseFilter(r, s.now(), "")
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	cl, backlog, ok := s.hub.subscribe(f)
	if !ok {
		http.Error(w, "too many live clients", http.StatusServiceUnavailable)
		return
	}
	defer s.hub.unsubscribe(cl)
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	send := func(it *liveItem) error {
		_, err := fmt.Fprintf(w, "event: mention\nid: %s\ndata: %s\n\n", it.card.ID, it.data)
		return err
	}
	if _, err := fmt.Fprint(w, "retry: 2000\n\n"); err != nil {
		return
	}
	for _, it := range backlog {
		if send(it) != nil {
			return
		}
	}
	if _, err := fmt.Fprint(w, "event: ready\ndata: {}\n\n"); err != nil || rc.Flush() != nil {
		return
	}
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	// A stream lives no longer than its session: it ends at logout (here
	// or on another replica) and at expiry, checked every second.
	var ended <-chan struct{}
	var check <-chan time.Time
	id := identityOf(r)
	if id.sess != nil {
		ch, stop := s.sessions.onEnd(id.sess.id)
		defer stop()
		ended = ch
		ct := time.NewTicker(sessionCheck)
		defer ct.Stop()
		check = ct.C
	}
	for {
		select {
		case <-r.Context().Done():
			return
		case <-ended:
			return
		case <-check:
			if !s.sessions.alive(r.Context(), id.sess.id, false) {
				return
			}
		case it := <-cl.ch:
			if send(it) != nil {
				return
			}
			// Send what else is queued before flushing once.
			for more := true; more; {
				select {
				case it := <-cl.ch:
					if send(it) != nil {
						return
					}
				default:
					more = false
				}
			}
			if rc.Flush() != nil {
				return
			}
		case <-tick.C:
			// The bucket is asked too, in case a deletion was missed.
			if id.sess != nil && !s.sessions.alive(r.Context(), id.sess.id, true) {
				return
			}
			if _, err := fmt.Fprint(w, ": ping\n\n"); err != nil || rc.Flush() != nil {
				return
			}
		}
	}
}
