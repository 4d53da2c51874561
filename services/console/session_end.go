package console

import (
	"context"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// onEnd returns a channel closed when the session ends, and a function to
// call when the caller no longer needs it.
func (s *sessions) onEnd(id string) (<-chan struct{}, func()) {
	key := sessionKey(id)
	ch := make(chan struct{})
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ends == nil {
		s.ends = map[string]map[chan struct{}]struct{}{}
	}
	if s.ends[key] == nil {
		s.ends[key] = map[chan struct{}]struct{}{}
	}
	s.ends[key][ch] = struct{}{}
	return ch, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if set := s.ends[key]; set != nil {
			if _, ok := set[ch]; ok {
				delete(set, ch)
				close(ch)
			}
			if len(set) == 0 {
				delete(s.ends, key)
			}
		}
	}
}

// endLocked closes the end channels of the session stored under key.
func (s *sessions) endLocked(key string) {
	for ch := range s.ends[key] {
		close(ch)
	}
	delete(s.ends, key)
}

// alive says whether the session may go on: its local copy is checked
// every time (no I/O), the bucket only when the local copy says it is over
// (its last-seen may have moved on another replica) or when verify is set.
func (s *sessions) alive(ctx context.Context, id string, verify bool) bool {
	if !verify {
		s.mu.Lock()
		se := s.m[id]
		over := se == nil || s.expired(se, s.now())
		s.mu.Unlock()
		if !over {
			return true
		}
	}
	return s.get(ctx, id) != nil
}

// watchEnds follows deletions in the sessions bucket, so a logout on
// another replica ends this replica's live streams of that session too.
func (s *sessions) watchEnds(ctx context.Context) {
	if s.kv == nil {
		return
	}
	for ctx.Err() == nil {
		w, err := s.kv.WatchAll(ctx, jetstream.UpdatesOnly())
		if err == nil {
			for e := range w.Updates() {
				if e == nil {
					continue
				}
				if op := e.Operation(); op == jetstream.KeyValueDelete || op == jetstream.KeyValuePurge {
					s.mu.Lock()
					s.endLocked(e.Key())
					s.mu.Unlock()
				}
			}
			_ = w.Stop()
		} else {
			s.log.Warn("console: cannot watch the sessions bucket; streams end at their next check", "err", err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(2 * time.Second):
		}
	}
}
