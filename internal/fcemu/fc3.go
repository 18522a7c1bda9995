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

// fc3Routes is FC 3.0's API.
var fc3Routes = []route{
	{http.MethodGet, "functions", OpListFunctions, smallBody, (*Emulator).fc3List},
	{http.MethodPost, "functions", OpCreateFunction, codeBody, (*Emulator).fc3Create},
	{http.MethodGet, "functions/{function}", OpGetFunction, smallBody, (*Emulator).fc3Get},
	{http.MethodPut, "functions/{function}", OpUpdateFunction, codeBody, (*Emulator).fc3Update},
	{http.MethodDelete, "functions/{function}", OpDeleteFunction, smallBody, (*Emulator).fc3Delete},
	{http.MethodGet, "functions/{function}/code", OpGetFunctionCode, smallBody, (*Emulator).fc3GetCode},
	{http.MethodPost, "functions/{function}/invocations", OpInvokeFunction, eventBody, (*Emulator).fc3Invoke},
}

func fc3FunctionNotFound(name string) *apiError {
	return errf(http.StatusNotFound, "FunctionNotFound", "function '%s' does not exist", name)
}

func (e *Emulator) fc3JSON(fn *function, withState bool) map[string]any {
	m := fn.json(map[string]any{
		"functionArn":    "acs:fc:" + e.cfg.region + ":" + e.cfg.accountID + ":functions/" + fn.Name,
		"diskSize":       512,
		"internetAccess": true,
		"role":           fn.Role,
	})
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
	var disk int32
	var internet bool // stored as sent, with the passthrough fields
	if apiErr := firstError(
		assign(f, "role", &fn.Role, checkRole),
		assign(f, "diskSize", &disk, checkDiskSize),
		assign(f, "internetAccess", &internet, nil),
	); apiErr != nil {
		return apiErr
	}
	fn.Config = f.passthrough(fn.Config, fc3Passthrough...)
	return checkCPU(fn)
}

func checkDiskSize(d int32) *apiError {
	if d != 512 && d != 10240 {
		return invalidArg("diskSize %d is invalid: it must be 512 or 10240", d)
	}
	return nil
}

// checkCPU checks the vCPUs (cpu, stored as sent) against FC's steps and memorySize.
func checkCPU(fn *function) *apiError {
	raw, ok := fn.Config["cpu"]
	if !ok {
		return nil
	}
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
	return nil
}

func (e *Emulator) fc3Create(x *exchange, _ fcPath) {
	e.update(x, func() (reply, *apiError) {
		fn, spec, apiErr := x.decodeCreate(fc3Functions, "")
		if apiErr != nil {
			return nil, apiErr
		}
		if _, ok := e.st.Functions[fn.Name]; ok {
			return nil, errf(http.StatusConflict, "FunctionAlreadyExists", "function '%s' already exists", fn.Name)
		}
		if fn.Runtime != containerRuntime {
			if fn.Code, apiErr = e.loadCodeLocked(spec); apiErr != nil {
				return nil, apiErr
			}
		}
		e.startTransition(fn, true)
		e.st.Functions[fn.Name] = fn
		return fc3Reply(e.fc3JSON(fn, true)), nil
	})
}

// fc3Function finds a function: for a read, the qualifier of the query (see
// checkQualifier); for a change, as named. The caller holds e.mu.
func (e *Emulator) fc3Function(x *exchange, name string, read bool) (*function, *apiError) {
	fn, ok := e.st.Functions[name]
	if !ok {
		return nil, fc3FunctionNotFound(name)
	}
	if !read {
		return fn, nil
	}
	return fn, checkQualifier(x.r.URL.Query().Get("qualifier"), "function '"+name+"'")
}

func (e *Emulator) fc3Get(x *exchange, p fcPath) {
	e.update(x, func() (reply, *apiError) {
		fn, apiErr := e.fc3Function(x, p.function, true)
		if apiErr != nil {
			return nil, apiErr
		}
		// This answer is a poll: with N pending polls, N answers show the transition and
		// the next one its end.
		e.pollLocked(fn)
		return fc3Reply(e.fc3JSON(fn, true)), nil
	})
}

func (e *Emulator) fc3Update(x *exchange, p fcPath) {
	e.update(x, func() (reply, *apiError) {
		f, apiErr := parseFields(x.body)
		if apiErr != nil {
			return nil, apiErr
		}
		fn, apiErr := e.fc3Function(x, p.function, false)
		if apiErr != nil {
			return nil, apiErr
		}
		if inTransition(fn) {
			// Refused rather than queued: a deployer must wait for Active / not InProgress.
			return nil, errf(http.StatusConflict, "ConcurrentUpdateError", "function '%s' is being %s: wait until its state is Active and its lastUpdateStatus is not InProgress",
				p.function, map[bool]string{true: "created", false: "updated"}[fn.State == "Pending"])
		}
		updated, apiErr := e.updateLocked(x, fc3Functions, fn, f)
		if apiErr != nil {
			return nil, apiErr
		}
		*fn = updated
		e.startTransition(fn, false)
		return fc3Reply(e.fc3JSON(fn, true)), nil
	})
}

func (e *Emulator) fc3Delete(x *exchange, p fcPath) {
	e.update(x, func() (reply, *apiError) {
		if _, apiErr := e.fc3Function(x, p.function, false); apiErr != nil {
			return nil, apiErr
		}
		delete(e.st.Functions, p.function)
		e.containers.stop(p.function)
		return noContent, nil
	})
}

func (e *Emulator) fc3List(x *exchange, _ fcPath) {
	e.view(x, func() (reply, *apiError) {
		lq, apiErr := listQueryOf(x.r, "nextToken")
		if apiErr != nil {
			return nil, apiErr
		}
		q := x.r.URL.Query()
		keep := func(fn *function) bool {
			return q.Get("fcVersion") != "v2" && // FC 2.0 functions are not listed through FC 3.0 here
				(q.Get("runtime") == "" || fn.Runtime == q.Get("runtime")) &&
				strings.Contains(fn.Description, q.Get("description"))
		}
		return fc3Reply(listPage("functions", e.st.Functions, keep, lq, func(fn *function) map[string]any { return e.fc3JSON(fn, false) })), nil
	})
}

func (e *Emulator) fc3GetCode(x *exchange, p fcPath) {
	e.view(x, func() (reply, *apiError) {
		fn, apiErr := e.fc3Function(x, p.function, true)
		if apiErr != nil {
			return nil, apiErr
		}
		return fc3Reply(e.codeLocationLocked(x.r, fn.Code, p.function)), nil
	})
}

func (e *Emulator) fc3Invoke(x *exchange, p fcPath) {
	e.update(x, func() (reply, *apiError) {
		fn, apiErr := e.fc3Function(x, p.function, true)
		if apiErr != nil {
			return nil, apiErr
		}
		x.w.Header().Set("X-Fc-Code-Checksum", fn.Code.Checksum)
		// An invocation counts as a poll (saved even when refused): retrying on 412 is
		// how Lithops waits.
		e.pollLocked(fn)
		switch fn.State {
		case "Pending":
			return refuse(errf(http.StatusPreconditionFailed, "PreconditionFailed", "function '%s' is not ready to be invoked: its state is Pending; retry later", p.function)), nil
		case "Failed":
			return refuse(errf(http.StatusPreconditionFailed, "PreconditionFailed", "function '%s' cannot be invoked: its state is Failed (%s)", p.function, fn.StateReason)), nil
		}
		t := invokeTarget{api: APIFC3, qualifier: "LATEST", fn: *fn, role: fn.Role}
		return func(x *exchange) { e.invoke(x, t) }, nil
	})
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

// fc3Reply answers 200 with v (rendered by the caller).
func fc3Reply(v any) reply {
	return func(x *exchange) {
		x.w.Header().Set("X-Fc-Request-Id", x.requestID)
		x.writeJSON(http.StatusOK, v)
	}
}
