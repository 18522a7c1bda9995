package fcemu

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lithops-fc/runtime-action/internal/fcemu/pyrun"
	"github.com/lithops-fc/runtime-action/internal/fcruntime"
)

// Invocation is one function invocation the emulator answered (see Hooks.Invoked).
type Invocation struct {
	RequestID string
	API       API
	Service   string // FC 2.0 only
	Function  string
	Async     bool
	Event     []byte
	Body      []byte // the answer: the handler's result or FC's error document
	ErrorType string // "" or UnhandledInvocationError
	Log       string // the log tail FC would return with X-Fc-Log-Type: Tail
}

// WaitAsync waits until the asynchronous invocations started so far have finished.
func (e *Emulator) WaitAsync(ctx context.Context) error { return e.async.wait(ctx) }

type invokeTarget struct {
	api       API
	service   string
	qualifier string
	fn        function // a copy taken under e.mu
	role      string   // the role whose credentials the handler gets
}

// invocationJob is everything a run needs, gathered before the answer is started.
type invocationJob struct {
	target    invokeTarget
	req       pyrun.Request
	failure   string        // an injected handler failure: do not run
	container *containerJob // a custom-container function: sent to its image's server
}

// outcome is how an invocation ended, as FC reports it.
type outcome struct {
	body      []byte
	errorType string
	log       []byte
	duration  time.Duration
	maxRSS    int64
}

func (e *Emulator) payloadLimit(r *http.Request) int64 {
	if strings.EqualFold(r.Header.Get("X-Fc-Invocation-Type"), "Async") {
		return e.cfg.limits.AsyncPayload
	}
	return e.cfg.limits.SyncPayload
}

// invoke answers an InvokeFunction request for t (found and ready) on either API.
func (e *Emulator) invoke(x *exchange, t invokeTarget) {
	x.w.Header().Set("X-Fc-Code-Checksum", t.fn.Code.Checksum)
	invType := x.r.Header.Get("X-Fc-Invocation-Type")
	async := strings.EqualFold(invType, "Async")
	if invType != "" && !async && !strings.EqualFold(invType, "Sync") {
		x.fail(invalidArg("X-Fc-Invocation-Type %q is invalid: it must be Sync or Async", invType))
		return
	}
	job, apiErr := e.prepareInvocation(x, t)
	if apiErr != nil {
		x.fail(apiErr)
		return
	}
	rec := Invocation{RequestID: x.requestID, API: t.api, Service: t.service, Function: t.fn.Name, Async: async, Event: x.body}
	if !async {
		out := e.run(x.r.Context(), job, x.requestID)
		e.remember(rec, out)
		x.invocationAnswer(t, out)
		return
	}
	if !e.async.start() {
		x.fail(errf(http.StatusServiceUnavailable, "ServiceUnavailable", "the emulator is shutting down"))
		return
	}
	go func() {
		defer e.async.done()
		e.remember(rec, e.run(e.bg, job, x.requestID))
	}()
	x.w.Header().Set("X-Fc-Request-Id", x.requestID)
	x.w.WriteHeader(http.StatusAccepted)
}

// invocationAnswer is a synchronous invocation's answer: the body and FC's headers
// (duration, memory, error type, the log tail when asked).
func (x *exchange) invocationAnswer(t invokeTarget, out outcome) {
	h := x.w.Header()
	h.Set("X-Fc-Request-Id", x.requestID)
	h.Set("X-Fc-Invocation-Duration", strconv.FormatInt(out.duration.Milliseconds(), 10))
	h.Set("X-Fc-Max-Memory-Usage", fmt.Sprintf("%.2f", float64(out.maxRSS)/(1<<20)))
	if t.api == APIFC2 {
		h.Set("X-Fc-Invocation-Service-Version", "LATEST")
	}
	if out.errorType != "" {
		h.Set("X-Fc-Error-Type", out.errorType)
	}
	if strings.EqualFold(x.r.Header.Get("X-Fc-Log-Type"), "Tail") {
		h.Set("X-Fc-Log-Result", base64.StdEncoding.EncodeToString(out.log))
	}
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Length", strconv.Itoa(len(out.body)))
	x.w.WriteHeader(http.StatusOK)
	x.w.Write(out.body)
}

func (e *Emulator) prepareInvocation(x *exchange, t invokeTarget) (invocationJob, *apiError) {
	job := invocationJob{target: t}
	if msg, ok := e.cfg.hooks.failInvocation(t.fn.Name); ok {
		job.failure = msg
		return job, nil
	}
	if t.fn.Runtime == containerRuntime {
		return e.prepareContainer(x, t)
	}
	rt, ok := fcruntime.ByName(t.fn.Runtime)
	if !ok {
		return job, errf(http.StatusInternalServerError, "InternalServerError", "fcemu runs only Python functions; runtime %s cannot be invoked here", t.fn.Runtime)
	}
	python, ok := e.cfg.pythons[rt.Python]
	if !ok {
		return job, errf(http.StatusInternalServerError, "InternalServerError",
			"fcemu has no local CPython %s for runtime %s: install it under $(pyenv root)/versions or as python%s on PATH, or pass fcemu.WithPython", rt.Python, rt.Name, rt.Python)
	}
	e.mu.Lock()
	data, err := e.blobs.get(t.fn.Code.Blob)
	e.mu.Unlock()
	if err != nil {
		return job, errf(http.StatusInternalServerError, "InternalServerError", "fcemu: function code: %v", err)
	}
	codeDir, err := e.runner.Unpack(t.fn.Code.Checksum, data)
	if err != nil {
		return job, errf(http.StatusInternalServerError, "InternalServerError", "fcemu: %v", err)
	}
	creds := e.roleCredentials(t)
	job.req = pyrun.Request{
		Python:  python,
		CodeDir: codeDir,
		Handler: t.fn.Handler,
		Event:   x.body,
		Context: pyrun.Context{
			RequestID:   x.requestID,
			Credentials: creds,
			Function:    pyrun.Function{Name: t.fn.Name, Handler: t.fn.Handler, Memory: int(t.fn.MemorySize), Timeout: int(t.fn.Timeout)},
			Service:     pyrun.Service{Name: t.service, Qualifier: t.qualifier},
			Region:      e.cfg.region,
			AccountID:   e.cfg.accountID,
		},
		Env:          e.handlerEnv(t, codeDir, creds),
		Timeout:      time.Duration(t.fn.Timeout) * time.Second,
		Preinstalled: e.preinstalledFor(t.fn.Runtime),
	}
	return job, nil
}

// handlerEnv is the handler's environment: the function's variables, then the ones FC
// sets itself (which win).
func (e *Emulator) handlerEnv(t invokeTarget, codeDir string, creds pyrun.Credentials) []string {
	env := append([]string{"PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8"}, functionVariables(t.fn.Env)...)
	env = append(env, "FC_FUNC_CODE_PATH="+codeDir)
	return append(env, e.fcVariables(t, creds)...)
}

// functionVariables are the function's environment variables, NAME=value in name order.
func functionVariables(vars map[string]string) []string {
	var env []string
	for _, k := range slices.Sorted(maps.Keys(vars)) {
		env = append(env, k+"="+vars[k])
	}
	return env
}

// fcVariables are the variables FC sets for an invocation of t (code and custom
// container runtimes alike), with the role's credentials when it has one.
func (e *Emulator) fcVariables(t invokeTarget, creds pyrun.Credentials) []string {
	env := []string{
		"FC_FUNCTION_NAME=" + t.fn.Name,
		"FC_FUNCTION_HANDLER=" + t.fn.Handler,
		"FC_FUNCTION_MEMORY_SIZE=" + strconv.Itoa(int(t.fn.MemorySize)),
		"FC_REGION=" + e.cfg.region,
		"FC_ACCOUNT_ID=" + e.cfg.accountID,
		"FC_QUALIFIER=" + t.qualifier,
	}
	if t.api == APIFC2 {
		env = append(env, "FC_SERVICE_NAME="+t.service)
	}
	if creds.AccessKeyID != "" {
		env = append(env,
			"ALIBABA_CLOUD_ACCESS_KEY_ID="+creds.AccessKeyID,
			"ALIBABA_CLOUD_ACCESS_KEY_SECRET="+creds.AccessKeySecret,
			"ALIBABA_CLOUD_SECURITY_TOKEN="+creds.SecurityToken)
	}
	return env
}

// roleCredentials are the temporary credentials an invocation of t gets: its role's
// (new ones each time), none without a role.
func (e *Emulator) roleCredentials(t invokeTarget) pyrun.Credentials {
	if t.role == "" {
		return pyrun.Credentials{}
	}
	c := e.sessions.issue(e.now(), time.Hour, nil)
	return pyrun.Credentials{AccessKeyID: c.AccessKeyID, AccessKeySecret: c.AccessKeySecret, SecurityToken: c.SecurityToken}
}

// run executes the handler and turns the result into FC's answer.
func (e *Emulator) run(ctx context.Context, job invocationJob, requestID string) outcome {
	start := "FC Invoke Start RequestId: " + requestID + "\n"
	end := "FC Invoke End RequestId: " + requestID + "\n"
	if job.failure != "" {
		body, _ := json.Marshal(map[string]any{"errorMessage": job.failure, "errorType": "InjectedFault", "stackTrace": []any{}})
		return outcome{body: body, errorType: "UnhandledInvocationError", log: []byte(start + end)}
	}
	if job.container != nil {
		return e.runContainer(ctx, job, start, end)
	}
	res, err := e.runner.Run(ctx, job.req)
	out := outcome{duration: res.Duration, maxRSS: res.MaxRSS}
	mem := float64(res.MaxRSS) / (1 << 20)
	log := start + string(res.Log)
	switch {
	case err != nil:
		out.body = errorDoc(fmt.Sprintf("fcemu could not run the function: %v", err))
		out.errorType = "UnhandledInvocationError"
	case res.TimedOut:
		msg := fmt.Sprintf("Function timed out after %d seconds (maxMemoryUsage: %.2fMB)", job.target.fn.Timeout, mem)
		out.body = errorDoc(msg)
		out.errorType = "UnhandledInvocationError"
		log += msg + "\n"
	case res.Error != nil:
		out.body, _ = json.Marshal(res.Error)
		out.errorType = "UnhandledInvocationError"
	case res.Exited != "":
		msg := fmt.Sprintf("Process exited unexpectedly before completing request (duration: %dms, maxMemoryUsage: %.2fMB)", res.Duration.Milliseconds(), mem)
		out.body = errorDoc(msg)
		out.errorType = "UnhandledInvocationError"
		log += msg + "\n"
	default:
		out.body = res.Body
	}
	log += end
	if len(log) > pyrun.LogTailSize {
		log = log[len(log)-pyrun.LogTailSize:]
	}
	out.log = []byte(log)
	return out
}

func errorDoc(msg string) []byte {
	b, _ := json.Marshal(map[string]string{"errorMessage": msg})
	return b
}

// remember hands the ended invocation to Hooks.Invoked.
func (e *Emulator) remember(rec Invocation, out outcome) {
	rec.Body, rec.ErrorType, rec.Log = out.body, out.errorType, string(out.log)
	e.cfg.hooks.invoked(rec)
}

// tracker counts running asynchronous invocations; once closed it admits no more.
type tracker struct {
	mu     sync.Mutex
	n      int
	closed bool
	zero   chan struct{}
}

func (t *tracker) start() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return false
	}
	if t.n == 0 {
		t.zero = make(chan struct{})
	}
	t.n++
	return true
}

func (t *tracker) done() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.n--
	if t.n == 0 {
		close(t.zero)
	}
}

func (t *tracker) wait(ctx context.Context) error {
	t.mu.Lock()
	if t.n == 0 {
		t.mu.Unlock()
		return nil
	}
	zero := t.zero
	t.mu.Unlock()
	select {
	case <-zero:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (t *tracker) close() {
	t.mu.Lock()
	t.closed = true
	t.mu.Unlock()
}
