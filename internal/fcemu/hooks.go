package fcemu

import "context"

// Hooks let a test harness watch and steer the emulator: package fcemutest plugs its
// fault injection and its logs of calls and invocations in here (fcemutest.Probe), so
// that machinery is not in what --local runs. The emulator calls them where only it
// knows what is going on: an HTTP middleware would see neither a request's operation
// (an STS Action, a create's name are in the body) nor the claimed key, the answered
// error code or an FC 3.0 function's transition, and it could not answer a fault in
// each service's error shape. A nil field does nothing; the zero Hooks is --local's.
type Hooks struct {
	// Admit runs once a request's operation is known, before its body is read and its
	// signature checked: it may wait (a slow service, until ctx ends) and, with ok,
	// have the request answered with the fault instead.
	Admit func(ctx context.Context, op Op) (f Fault, ok bool)
	// Transition may change the FC 3.0 function's transition in progress (or starting):
	// it is asked when one starts and at every poll, and what it answers is applied once.
	Transition func(function string) (h Hold, ok bool)
	// FailInvocation, with ok, makes an invocation of function fail as a handler
	// exception with message would, without running the code.
	FailInvocation func(function string) (message string, ok bool)
	// Answered sees every request once it is answered.
	Answered func(Call)
	// Invoked sees every invocation once it has ended (asynchronous ones too).
	Invoked func(Invocation)
}

// Fault is an error answer a hook injects: the HTTP status and the service's error
// code, answered in the shape of the service the request went to.
type Fault struct {
	Status int
	Code   string
}

// Hold changes an FC 3.0 function's transition (Pending after a create, InProgress
// after an update).
type Hold struct {
	Polls      int    // GetFunction/InvokeFunction answers that still show it; < 0 keeps the count
	FailReason string // non-empty: it ends in Failed with this reason
}

// WithHooks installs h (see Hooks; fcemutest.Probe.Option does it for tests).
func WithHooks(h Hooks) Option { return func(c *config) { c.hooks = h } }

func (h Hooks) admit(ctx context.Context, op Op) (Fault, bool) {
	if h.Admit == nil {
		return Fault{}, false
	}
	return h.Admit(ctx, op)
}

func (h Hooks) transition(function string) (Hold, bool) {
	if h.Transition == nil {
		return Hold{}, false
	}
	return h.Transition(function)
}

func (h Hooks) failInvocation(function string) (string, bool) {
	if h.FailInvocation == nil {
		return "", false
	}
	return h.FailInvocation(function)
}

func (h Hooks) answered(c Call) {
	if h.Answered != nil {
		h.Answered(c)
	}
}

func (h Hooks) invoked(inv Invocation) {
	if h.Invoked != nil {
		h.Invoked(inv)
	}
}
