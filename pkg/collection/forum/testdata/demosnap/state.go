package main

import (
	"context"
	"sync"

	"github.com/veille-oss/veille/pkg/collection/forum"
)

type state struct {
	mu sync.Mutex
	m  map[string]forum.ThreadState
}

func newState() *state { return &state{m: map[string]forum.ThreadState{}} }
func (s *state) Get(_ context.Context, k string) (forum.ThreadState, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[k]
	return v, ok, nil
}
func (s *state) Put(_ context.Context, k string, v forum.ThreadState) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[k] = v
	return nil
}
