// Package fcemutest watches and steers an fcemu.Emulator in tests: fault injection
// (failing or slow calls, FC 3.0 functions held in their transition, failing handlers)
// and the logs of the calls and invocations the emulator answered. A Probe plugs into
// the emulator's Hooks, so none of this is in the binary that --local runs.
//
//	p := fcemutest.New()
//	e, err := fcemu.New(p.Option(), ...)
//	p.Faults().FailNext(fcemu.OpCreateFunction, 1, 503, "ServiceUnavailable")
//	... p.CallsOf(fcemu.OpCreateFunction)
package fcemutest

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/lithops-fc/runtime-action/internal/fcemu"
)

// Probe injects faults into one emulator and records what it answered. Every method is
// safe for concurrent use.
type Probe struct {
	faults Faults

	mu          sync.Mutex
	calls       []fcemu.Call
	invocations []fcemu.Invocation
}

// New returns a probe with no faults and empty logs; give Option to fcemu.New.
func New() *Probe { return &Probe{} }

// Option installs the probe in an emulator.
func (p *Probe) Option() fcemu.Option {
	return fcemu.WithHooks(fcemu.Hooks{
		Admit:          p.admit,
		Transition:     p.faults.takeHold,
		FailInvocation: p.faults.takeInvocationFailure,
		Answered:       p.answered,
		Invoked:        p.invoked,
	})
}

// Faults returns the probe's fault injector.
func (p *Probe) Faults() *Faults { return &p.faults }

// admit waits for the delays of op, then answers the first failure rule that applies.
func (p *Probe) admit(ctx context.Context, op fcemu.Op) (fcemu.Fault, bool) {
	if d := p.faults.delay(op); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
	}
	status, code, ok := p.faults.take(op)
	return fcemu.Fault{Status: status, Code: code}, ok
}

func (p *Probe) answered(c fcemu.Call) {
	p.mu.Lock()
	p.calls = append(p.calls, c)
	p.mu.Unlock()
}

// Calls returns every request answered so far, oldest first.
func (p *Probe) Calls() []fcemu.Call {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]fcemu.Call(nil), p.calls...)
}

// CallsOf returns the requests answered for op (any API), oldest first.
func (p *Probe) CallsOf(op fcemu.Op) []fcemu.Call {
	return slices.DeleteFunc(p.Calls(), func(c fcemu.Call) bool { return c.Op != op })
}

// ResetCalls forgets the calls recorded so far.
func (p *Probe) ResetCalls() {
	p.mu.Lock()
	p.calls = nil
	p.mu.Unlock()
}

// keepInvocations bounds the invocation log (events and answers can be large).
const keepInvocations = 1000

func (p *Probe) invoked(inv fcemu.Invocation) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.invocations = append(p.invocations, inv)
	if len(p.invocations) > keepInvocations {
		p.invocations = p.invocations[len(p.invocations)-keepInvocations:]
	}
}

// Invocations returns the invocations answered so far (asynchronous ones once they
// finished), oldest first.
func (p *Probe) Invocations() []fcemu.Invocation {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]fcemu.Invocation(nil), p.invocations...)
}
