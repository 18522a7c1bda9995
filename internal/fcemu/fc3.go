package fcemu

import (
	"encoding/json"
	"math"
	"net/http"
	"strings"
)

const fc3Prefix = "/2023-03-30"

// fc3Passthrough is FC 3.0 configuration the emulator stores and echoes as sent.
var fc3Passthrough = []string{
	"cpu", "diskSize", "internetAccess", "instanceConcurrency", "logConfig", "vpcConfig", "nasConfig",
	"ossMountConfig", "customDNS", "customRuntimeConfig", "gpuConfig", "instanceLifecycleConfig",
	"tracingConfig", "disableOndemand", "layers", "tags",
}

// serveFC3 routes FC 3.0 (/2023-03-30) requests.
func (e *Emulator) serveFC3(x *exchange) {
	r := x.r
	seg := splitSegments(r.URL.Path, fc3Prefix)
	small := int64(1 << 20)
	codeBody := e.cfg.limits.InlineCode + small
	route := func(op Op, resource string, max int64) bool {
		return x.admitFC(op, resource, max, x.authFC3)
	}
	m := r.Method
	switch {
	case len(seg) == 1 && seg[0] == "functions" && m == http.MethodGet:
		if route(OpListFunctions, "", small) {
			e.fc3List(x)
		}
	case len(seg) == 1 && seg[0] == "functions" && m == http.MethodPost:
		if route(OpCreateFunction, "", codeBody) {
			e.fc3Create(x)
		}
	case len(seg) == 2 && seg[0] == "functions":
		switch m {
		case http.MethodGet:
			if route(OpGetFunction, seg[1], small) {
				e.fc3Get(x, seg[1])
			}
		case http.MethodPut:
			if route(OpUpdateFunction, seg[1], codeBody) {
				e.fc3Update(x, seg[1])
			}
		case http.MethodDelete:
			if route(OpDeleteFunction, seg[1], small) {
				e.fc3Delete(x, seg[1])
			}
		default:
			x.pathNotSupported()
		}
	case len(seg) == 3 && seg[0] == "functions" && seg[2] == "code" && m == http.MethodGet:
		if route(OpGetFunctionCode, seg[1], small) {
			e.fc3GetCode(x, seg[1])
		}
	case len(seg) == 3 && seg[0] == "functions" && seg[2] == "invocations" && m == http.MethodPost:
		if route(OpInvokeFunction, seg[1], e.payloadLimit(r)) {
			e.fc3Invoke(x, seg[1])
		}
	default:
		if x.begin(OpUnknown, "", small) {
			x.pathNotSupported()
		}
	}
}

func fc3FunctionNotFound(name string) *apiError {
	return errf(http.StatusNotFound, "FunctionNotFound", "function '%s' does not exist", name)
}

func (e *Emulator) fc3JSON(fn *function, withState bool) map[string]any {
	env := fn.Env
	if env == nil {
		env = map[string]string{}
	}
	m := map[string]any{
		"functionArn":          "acs:fc:" + e.cfg.region + ":" + e.cfg.accountID + ":functions/" + fn.Name,
		"functionId":           fn.ID,
		"functionName":         fn.Name,
		"description":          fn.Description,
		"runtime":              fn.Runtime,
		"handler":              fn.Handler,
		"timeout":              fn.Timeout,
		"memorySize":           fn.MemorySize,
		"diskSize":             512,
		"internetAccess":       true,
		"role":                 fn.Role,
		"codeSize":             fn.Code.Size,
		"codeChecksum":         fn.Code.Checksum,
		"environmentVariables": env,
		"createdTime":          fcTime(fn.Created),
		"lastModifiedTime":     fcTime(fn.Modified),
	}
	for k, v := range fn.Config {
		m[k] = v
	}
	if withState {
		for k, v := range map[string]string{
			"state": fn.State, "stateReason": fn.StateReason, "stateReasonCode": fn.StateReasonCode,
			"lastUpdateStatus": fn.LastUpdateStatus, "lastUpdateStatusReason": fn.LastUpdateStatusReason,
			"lastUpdateStatusReasonCode": fn.LastUpdateStatusReasonCode,
		} {
			if v != "" {
				m[k] = v
			}
		}
	}
	return m
}

// configureFC3 applies the FC 3.0-only fields (role and the checked passthrough ones).
func configureFC3(fn *function, f fields) *apiError {
	if v, err := f.role(); err != nil {
		return err
	} else if v != nil {
		fn.Role = *v
	}
	if d, err := f.int32("diskSize"); err != nil {
		return err
	} else if d != nil && *d != 512 && *d != 10240 {
		return invalidArg("diskSize %d is invalid: it must be 512 or 10240", *d)
	}
	if _, err := f.boolean("internetAccess"); err != nil {
		return err
	}
	fn.Config = f.passthrough(fn.Config, fc3Passthrough...)
	if raw, ok := fn.Config["cpu"]; ok {
		var cpu float64
		if err := json.Unmarshal(raw, &cpu); err != nil {
			return invalidArg("cpu must be a number")
		}
		steps := cpu / 0.05
		if cpu < 0.05 || cpu > 16 || math.Abs(steps-math.Round(steps)) > 1e-6 {
			return invalidArg("cpu %g is invalid: it must be between 0.05 and 16 vCPU, in steps of 0.05", cpu)
		}
		if ratio := float64(fn.MemorySize) / 1024 / cpu; ratio < 1-1e-9 || ratio > 4+1e-9 {
			return invalidArg("cpu %g and memorySize %d do not fit: memory in GB must be 1 to 4 times the vCPUs", cpu, fn.MemorySize)
		}
	}
	return nil
}

func (e *Emulator) fc3Create(x *exchange) {
	fn, spec, apiErr := x.decodeCreate(fc3Functions, "")
	if apiErr != nil {
		x.fail(apiErr)
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.st.Functions[fn.Name]; ok {
		x.fail(errf(http.StatusConflict, "FunctionAlreadyExists", "function '%s' already exists", fn.Name))
		return
	}
	if fn.Runtime != containerRuntime {
		ref, apiErr := e.loadCodeLocked(spec)
		if apiErr != nil {
			x.fail(apiErr)
			return
		}
		fn.Code = ref
	}
	e.startTransition(fn, true)
	e.st.Functions[fn.Name] = fn
	if err := e.saveLocked(); err != nil {
		x.internal(err)
		return
	}
	x.fc3Answer(http.StatusOK, e.fc3JSON(fn, true))
}

func (e *Emulator) fc3Get(x *exchange, name string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	fn, apiErr := e.fc3Lookup(name, x.r.URL.Query().Get("qualifier"))
	if apiErr != nil {
		x.fail(apiErr)
		return
	}
	// This answer is a poll: with N pending polls, N answers show the transition and the
	// next one its end.
	e.pollLocked(fn)
	if err := e.saveLocked(); err != nil {
		x.internal(err)
		return
	}
	x.fc3Answer(http.StatusOK, e.fc3JSON(fn, true))
}

// fc3Lookup finds a function for a read. The caller holds e.mu.
func (e *Emulator) fc3Lookup(name, qualifier string) (*function, *apiError) {
	fn, ok := e.st.Functions[name]
	if !ok {
		return nil, fc3FunctionNotFound(name)
	}
	if apiErr := checkQualifier(qualifier, "function '"+name+"'"); apiErr != nil {
		return nil, apiErr
	}
	return fn, nil
}

func (e *Emulator) fc3Update(x *exchange, name string) {
	f, apiErr := parseFields(x.body)
	if apiErr != nil {
		x.fail(apiErr)
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	fn, ok := e.st.Functions[name]
	if !ok {
		x.fail(fc3FunctionNotFound(name))
		return
	}
	if inTransition(fn) {
		// Refused rather than queued: a deployer must wait for Active / not InProgress.
		x.fail(errf(http.StatusConflict, "ConcurrentUpdateError", "function '%s' is being %s: wait until its state is Active and its lastUpdateStatus is not InProgress",
			name, map[bool]string{true: "created", false: "updated"}[fn.State == "Pending"]))
		return
	}
	updated, apiErr := e.updateLocked(x, fc3Functions, fn, f)
	if apiErr != nil {
		x.fail(apiErr)
		return
	}
	*fn = updated
	e.startTransition(fn, false)
	if err := e.saveLocked(); err != nil {
		x.internal(err)
		return
	}
	x.fc3Answer(http.StatusOK, e.fc3JSON(fn, true))
}

func (e *Emulator) fc3Delete(x *exchange, name string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.st.Functions[name]; !ok {
		x.fail(fc3FunctionNotFound(name))
		return
	}
	delete(e.st.Functions, name)
	e.containers.stop(name)
	if err := e.saveLocked(); err != nil {
		x.internal(err)
		return
	}
	x.noContent()
}

func (e *Emulator) fc3List(x *exchange) {
	q := x.r.URL.Query()
	limit, apiErr := pageLimit(q.Get("limit"), 20, 100)
	if apiErr != nil {
		x.fail(apiErr)
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	keep := func(fn *function) bool {
		return q.Get("fcVersion") != "v2" && // FC 2.0 functions are not listed through FC 3.0 here
			(q.Get("runtime") == "" || fn.Runtime == q.Get("runtime")) &&
			strings.Contains(fn.Description, q.Get("description"))
	}
	out := listPage("functions", e.st.Functions, keep, q.Get("prefix"), q.Get("nextToken"), limit,
		func(fn *function) map[string]any { return e.fc3JSON(fn, false) })
	x.fc3Answer(http.StatusOK, out)
}

func (e *Emulator) fc3GetCode(x *exchange, name string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	fn, apiErr := e.fc3Lookup(name, x.r.URL.Query().Get("qualifier"))
	if apiErr != nil {
		x.fail(apiErr)
		return
	}
	x.fc3Answer(http.StatusOK, map[string]any{"url": e.codeURLLocked(x.r, fn.Code, name), "checksum": fn.Code.Checksum})
}

func (e *Emulator) fc3Invoke(x *exchange, name string) {
	e.mu.Lock()
	fn, apiErr := e.fc3Lookup(name, x.r.URL.Query().Get("qualifier"))
	var t invokeTarget
	if apiErr == nil {
		// An invocation counts as a poll: retrying on 412 is how Lithops waits.
		e.pollLocked(fn)
		switch fn.State {
		case "Pending":
			apiErr = errf(http.StatusPreconditionFailed, "PreconditionFailed", "function '%s' is not ready to be invoked: its state is Pending; retry later", name)
		case "Failed":
			apiErr = errf(http.StatusPreconditionFailed, "PreconditionFailed", "function '%s' cannot be invoked: its state is Failed (%s)", name, fn.StateReason)
		}
		if err := e.saveLocked(); err != nil && apiErr == nil {
			apiErr = errf(http.StatusInternalServerError, "InternalServerError", "fcemu: %v", err)
		}
		t = invokeTarget{api: APIFC3, qualifier: "LATEST", fn: *fn, role: fn.Role}
	}
	e.mu.Unlock()
	if apiErr != nil {
		if fn != nil {
			x.w.Header().Set("X-Fc-Code-Checksum", fn.Code.Checksum)
		}
		x.fail(apiErr)
		return
	}
	e.invoke(x, t)
}

func inTransition(fn *function) bool {
	return fn.State == "Pending" || fn.LastUpdateStatus == "InProgress"
}

// startTransition begins a create (Pending) or update (InProgress) that lasts
// WithPendingPolls answers, or what Hooks.Transition asks. The caller
// holds e.mu.
func (e *Emulator) startTransition(fn *function, create bool) {
	fn.Polls, fn.FailReason = e.cfg.pendingPolls, ""
	if create {
		fn.State, fn.StateReason, fn.StateReasonCode = "Pending", "Function creating", "Creating"
		fn.LastUpdateStatus, fn.LastUpdateStatusReason, fn.LastUpdateStatusReasonCode = "", "", ""
	} else {
		fn.LastUpdateStatus, fn.LastUpdateStatusReason, fn.LastUpdateStatusReasonCode = "InProgress", "Function updating", "Updating"
	}
	e.applyHold(fn)
	e.startPull(fn)
	if fn.Polls == 0 && e.pullDone(fn) {
		finishTransition(fn)
	}
}

func (e *Emulator) applyHold(fn *function) {
	if h, ok := e.cfg.hooks.transition(fn.Name); ok {
		if h.Polls >= 0 {
			fn.Polls = h.Polls
		}
		if h.FailReason != "" {
			fn.FailReason = h.FailReason
		}
	}
}

// pollLocked counts one GetFunction/InvokeFunction answer against a transition in
// progress, ending it when none is left. The caller holds e.mu.
func (e *Emulator) pollLocked(fn *function) {
	if !inTransition(fn) {
		return
	}
	e.applyHold(fn)
	if fn.Polls > 0 {
		fn.Polls--
		return
	}
	if !e.pullDone(fn) { // a custom-container function stays Pending while its image is pulled
		return
	}
	finishTransition(fn)
}

func finishTransition(fn *function) {
	fail := fn.FailReason
	fn.Polls, fn.FailReason = 0, ""
	if fn.State == "Pending" {
		if fail != "" {
			fn.State, fn.StateReason, fn.StateReasonCode = "Failed", fail, "FunctionCreateFailed"
			fn.LastUpdateStatus, fn.LastUpdateStatusReason, fn.LastUpdateStatusReasonCode = "Failed", fail, "FunctionCreateFailed"
			return
		}
		fn.State, fn.StateReason, fn.StateReasonCode = "Active", "", ""
		fn.LastUpdateStatus, fn.LastUpdateStatusReason, fn.LastUpdateStatusReasonCode = "Successful", "", ""
		return
	}
	if fail != "" {
		fn.LastUpdateStatus, fn.LastUpdateStatusReason, fn.LastUpdateStatusReasonCode = "Failed", fail, "FunctionUpdateFailed"
		return
	}
	fn.LastUpdateStatus, fn.LastUpdateStatusReason, fn.LastUpdateStatusReasonCode = "Successful", "", ""
}

func (x *exchange) fc3Answer(status int, v any) {
	x.w.Header().Set("X-Fc-Request-Id", x.requestID)
	x.writeJSON(status, v)
}
