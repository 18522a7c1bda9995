package resolve

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/lithops-fc/runtime-action/internal/python/index"
)

// future is a value being fetched once and awaited by anyone who needs it.
type future[T any] struct {
	done chan struct{}
	val  T
	err  error
}

func (f *future[T]) wait(ctx context.Context) (T, error) {
	select {
	case <-f.done:
		return f.val, f.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// loader fetches project pages and wheel metadata in the background, each once,
// at most limit requests at a time. The solver waits on what it needs; prefetches
// (every newly discovered dependency's page, the metadata of the version likely to
// be tried) run ahead of it, so that resolution costs about one round trip per
// level of the dependency graph rather than one per package.
type loader struct {
	ctx   context.Context
	sem   chan struct{}
	wg    sync.WaitGroup
	mu    sync.Mutex
	proj  map[string]*future[*project]
	meta  map[string]*future[*index.Metadata] // by file URL
	pages atomic.Int64                        // counts, for Stats
	metas atomic.Int64
}

func newLoader(ctx context.Context, limit int) *loader {
	return &loader{
		ctx:  ctx,
		sem:  make(chan struct{}, limit),
		proj: map[string]*future[*project]{},
		meta: map[string]*future[*index.Metadata]{},
	}
}

// sourceCalls bounds the Source calls in flight; the index client bounds its own
// requests too (index.WithWorkers).
const sourceCalls = 64

// load runs fetch in the background once per key of m and returns its future.
func load[T any](l *loader, m map[string]*future[T], key string, fetch func(context.Context) (T, error)) *future[T] {
	l.mu.Lock()
	defer l.mu.Unlock()
	if f, ok := m[key]; ok {
		return f
	}
	f := &future[T]{done: make(chan struct{})}
	m[key] = f
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		defer close(f.done)
		select {
		case l.sem <- struct{}{}:
		case <-l.ctx.Done():
			f.err = l.ctx.Err()
			return
		}
		defer func() { <-l.sem }()
		f.val, f.err = fetch(l.ctx)
	}()
	return f
}

// spawn runs f in the background, tracked so that Resolve can wait for it.
func (l *loader) spawn(f func()) {
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		f()
	}()
}
