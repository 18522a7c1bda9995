package fcemutest

import (
	"sync"
	"time"

	"github.com/lithops-fc/runtime-action/internal/fcemu"
)

// Faults injects failures and latency so that tests can exercise retries, waiting and
// rollback. Every method is safe for concurrent use; the zero value injects nothing.
type Faults struct {
	mu      sync.Mutex
	next    []*failRule
	delays  map[fcemu.Op]time.Duration
	holds   map[string]fcemu.Hold
	invokes []*invokeFailRule
}

type failRule struct {
	op     fcemu.Op
	skip   int // calls let through before the rule fails any
	left   int
	status int
	code   string
}

type invokeFailRule struct {
	function string // "" matches every function
	left     int
	message  string
}

// FailNext makes the next n calls of op (fcemu.OpAny: of any operation) answer HTTP
// status with the service error code, in the shape of the service the call went to (FC
// JSON, OSS XML, STS JSON). Rules added earlier are consumed first.
func (f *Faults) FailNext(op fcemu.Op, n, status int, code string) {
	if n <= 0 {
		return
	}
	f.mu.Lock()
	f.next = append(f.next, &failRule{op: op, left: n, status: status, code: code})
	f.mu.Unlock()
}

// FailAfter lets the next skip calls of op through, then makes the n after them fail as
// FailNext does: a failure midway through a series of calls (the third of four deletes).
func (f *Faults) FailAfter(op fcemu.Op, skip, n, status int, code string) {
	if n <= 0 {
		return
	}
	f.mu.Lock()
	f.next = append(f.next, &failRule{op: op, skip: max(skip, 0), left: n, status: status, code: code})
	f.mu.Unlock()
}

// Delay adds latency d before every call of op (fcemu.OpAny: every call) is handled;
// zero removes it.
func (f *Faults) Delay(op fcemu.Op, d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.delays == nil {
		f.delays = map[fcemu.Op]time.Duration{}
	}
	if d <= 0 {
		delete(f.delays, op)
		return
	}
	f.delays[op] = d
}

// KeepPending keeps FC 3.0 function name in its transition (state Pending after a create,
// lastUpdateStatus InProgress after an update) for polls more GetFunction or
// InvokeFunction answers. It applies to the transition in progress, or to the next one.
func (f *Faults) KeepPending(name string, polls int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	h := f.holdLocked(name)
	h.Polls = polls
	f.holds[name] = h
}

// EndFailed makes the current or next transition of FC 3.0 function name end in Failed
// (state Failed after a create, lastUpdateStatus Failed after an update) with reason.
func (f *Faults) EndFailed(name, reason string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	h := f.holdLocked(name)
	h.FailReason = reason
	f.holds[name] = h
}

func (f *Faults) holdLocked(name string) fcemu.Hold {
	if f.holds == nil {
		f.holds = map[string]fcemu.Hold{}
	}
	h, ok := f.holds[name]
	if !ok {
		h.Polls = -1
	}
	return h
}

// FailInvocations makes the next n invocations of function name ("" for any function)
// fail as a handler exception would (X-Fc-Error-Type: UnhandledInvocationError) with
// message, without running the code.
func (f *Faults) FailInvocations(name string, n int, message string) {
	if n <= 0 {
		return
	}
	f.mu.Lock()
	f.invokes = append(f.invokes, &invokeFailRule{function: name, left: n, message: message})
	f.mu.Unlock()
}

// Reset removes every fault.
func (f *Faults) Reset() {
	f.mu.Lock()
	f.next, f.delays, f.holds, f.invokes = nil, nil, nil, nil
	f.mu.Unlock()
}

// take consumes a failure rule for op, if one applies.
func (f *Faults) take(op fcemu.Op) (status int, code string, ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, r := range f.next {
		if r.op != op && r.op != fcemu.OpAny {
			continue
		}
		if r.skip > 0 {
			r.skip--
			return 0, "", false
		}
		r.left--
		if r.left == 0 {
			f.next = append(f.next[:i], f.next[i+1:]...)
		}
		return r.status, r.code, true
	}
	return 0, "", false
}

func (f *Faults) delay(op fcemu.Op) time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.delays[op] + f.delays[fcemu.OpAny]
}

// takeHold consumes the test's instruction for function name's transition.
func (f *Faults) takeHold(name string) (fcemu.Hold, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	h, ok := f.holds[name]
	if ok {
		delete(f.holds, name)
	}
	return h, ok
}

func (f *Faults) takeInvocationFailure(name string) (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, r := range f.invokes {
		if r.function != "" && r.function != name {
			continue
		}
		r.left--
		if r.left == 0 {
			f.invokes = append(f.invokes[:i], f.invokes[i+1:]...)
		}
		return r.message, true
	}
	return "", false
}
