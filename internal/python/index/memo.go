package index

import (
	"context"
	"sync"
)

// memo runs one computation per key and shares its result with every caller, so that
// concurrent requests for the same page do the work once. A computation ended by
// its own context's cancellation is forgotten, so the next caller starts afresh.
type memo[V any] struct {
	mu sync.Mutex
	m  map[string]*call[V]
}

type call[V any] struct {
	done      chan struct{}
	v         V
	err       error
	cancelled bool
}

func (m *memo[V]) start(ctx context.Context, key string, fn func(context.Context) (V, error)) *call[V] {
	m.mu.Lock()
	if cl, ok := m.m[key]; ok {
		m.mu.Unlock()
		return cl
	}
	if m.m == nil {
		m.m = map[string]*call[V]{}
	}
	cl := &call[V]{done: make(chan struct{})}
	m.m[key] = cl
	m.mu.Unlock()
	go func() {
		cl.v, cl.err = fn(ctx)
		if cl.err != nil && ctx.Err() != nil {
			cl.cancelled = true
			m.mu.Lock()
			if m.m[key] == cl {
				delete(m.m, key)
			}
			m.mu.Unlock()
		}
		close(cl.done)
	}()
	return cl
}

func (m *memo[V]) get(ctx context.Context, key string, fn func(context.Context) (V, error)) (V, error) {
	for {
		cl := m.start(ctx, key, fn)
		select {
		case <-cl.done:
		case <-ctx.Done():
			var zero V
			return zero, ctx.Err()
		}
		if cl.cancelled && ctx.Err() == nil {
			continue // another caller's context ended that attempt; ours is still live
		}
		return cl.v, cl.err
	}
}
