package fcemu

import (
	"net/http"
	"strings"
)

// route is one operation of FC's REST APIs: the method and path that ask for it, how
// large its body may be, and its handler, which gets what the path names.
type route struct {
	method string
	// path is the segments under the API's prefix; {service} and {function} stand
	// for names, {service.qualifier} for a service that may be qualified
	// ("svc.LATEST": the reads and invocations of FC 2.0).
	path  string
	op    Op
	body  bodyKind
	serve func(e *Emulator, x *exchange, p fcPath)
}

// fcPath is what an FC path names.
type fcPath struct{ service, qualifier, function string }

// resource names what p names in the call log: "service", "service/function" or
// "function".
func (p fcPath) resource() string {
	switch {
	case p.function == "":
		return p.service
	case p.service == "":
		return p.function
	}
	return p.service + "/" + p.function
}

// bodyKind is what a request body carries, which sets how large it may be.
type bodyKind int

const (
	smallBody bodyKind = iota // management calls: 1 MiB
	codeBody                  // a function with its base64 zip: Limits.InlineCode and 1 MiB
	eventBody                 // an invocation's event: Limits.SyncPayload or AsyncPayload
)

const smallBodyLimit = 1 << 20

func (e *Emulator) bodyLimit(k bodyKind, r *http.Request) int64 {
	switch k {
	case codeBody:
		return e.cfg.limits.InlineCode + smallBodyLimit
	case eventBody:
		return e.payloadLimit(r)
	}
	return smallBodyLimit
}

// serveFC routes a request of one FC API (its routes under prefix, signed as auth
// checks) to its handler, once admitted.
func (e *Emulator) serveFC(x *exchange, routes []route, prefix string, auth func() *apiError) {
	seg := splitSegments(x.r.URL.Path, prefix)
	for _, rt := range routes {
		if p, ok := matchPath(rt.path, seg); ok && rt.method == x.r.Method {
			if x.admitFC(rt.op, p.resource(), e.bodyLimit(rt.body, x.r), auth) {
				rt.serve(e, x, p)
			}
			return
		}
	}
	x.unsupported()
}

// matchPath reports whether seg follows pattern, and what it names.
func matchPath(pattern string, seg []string) (fcPath, bool) {
	var p fcPath
	parts := strings.Split(pattern, "/")
	if len(parts) != len(seg) {
		return p, false
	}
	for i, part := range parts {
		switch part {
		case "{service}":
			p.service = seg[i]
		case "{service.qualifier}":
			p.service, p.qualifier = splitQualifier(seg[i])
		case "{function}":
			p.function = seg[i]
		default:
			if part != seg[i] {
				return p, false
			}
		}
	}
	return p, true
}

// unsupported answers a request no route takes, as FC does (once Hooks.Admit saw it).
func (x *exchange) unsupported() {
	if x.begin(OpUnknown, "", smallBodyLimit) {
		x.fail(errf(http.StatusBadRequest, "PathNotSupported", "'%s' against '%s' is not supported", x.r.Method, x.r.URL.Path))
	}
}

// reply writes an answer. It runs once e.mu is released, so it may use only what the
// step that made it took (rendered, copied) under the lock.
type reply func(x *exchange)

// step is an operation's own part, run under e.mu: it looks up what the request names,
// checks the preconditions, makes the change and returns the answer; an error is
// answered instead.
type step func() (reply, *apiError)

// view runs s under e.mu and answers. Nothing is saved: s reads the account's state,
// or changes only what is not persisted (multipart uploads, code links).
func (e *Emulator) view(x *exchange, s step) { x.answer(e.locked(s, false)) }

// update runs s under e.mu, saves the changed state and answers; a failed save is
// answered instead.
func (e *Emulator) update(x *exchange, s step) { x.answer(e.locked(s, true)) }

func (e *Emulator) locked(s step, save bool) (reply, *apiError) {
	e.mu.Lock()
	defer e.mu.Unlock()
	r, apiErr := s()
	if apiErr != nil || !save {
		return r, apiErr
	}
	if err := e.saveLocked(); err != nil {
		return nil, internalError(err)
	}
	return r, nil
}

func (x *exchange) answer(r reply, apiErr *apiError) {
	if apiErr != nil {
		x.fail(apiErr)
		return
	}
	r(x)
}

// refuse is the reply of a step that changed the state (to be saved) and still fails.
func refuse(apiErr *apiError) reply { return func(x *exchange) { x.fail(apiErr) } }
