package fcemu

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/lithops-fc/runtime-action/internal/fcemu/pyrun"
)

// containerStartTimeout is how long an instance's HTTP server may take to listen (FC's
// limit for custom containers is 120 s).
var containerStartTimeout = 120 * time.Second

// containerJob is what a container invocation needs, gathered before it runs.
type containerJob struct {
	key     string // the instance that serves it: function, image digest, command, environment
	fn      string
	argv    []string // the local command
	env     []string
	dir     string
	port    int // customContainerConfig.port
	headers http.Header
	event   []byte
	timeout time.Duration
}

// prepareContainer gathers a custom-container invocation: the image (pulled and unpacked
// once per digest), the local command that stands for the image's, its environment (the
// image's, the function's variables, FC's) and FC's headers.
func (e *Emulator) prepareContainer(x *exchange, t invokeTarget) (invocationJob, *apiError) {
	cc, ok := containerOf(&t.fn)
	if !ok || cc.ResolvedImageURI == "" {
		return invocationJob{}, internalError(fmt.Errorf("function %s has no resolved image", t.fn.Name))
	}
	img, err := e.image(x.r.Context(), cc.ResolvedImageURI)
	if err != nil {
		return invocationJob{}, internalError(fmt.Errorf("image %s: %w", cc.ResolvedImageURI, err))
	}
	argv, err := e.containerCommand(img, cc)
	if err != nil {
		return invocationJob{}, internalError(err)
	}
	creds := e.roleCredentials(t)
	env := append([]string{}, img.config.Env...)
	for _, kv := range append(functionVariables(t.fn.Env), e.fcVariables(t, creds)...) {
		env = setEnv(env, kv)
	}
	job := &containerJob{fn: t.fn.Name, argv: argv, env: env, dir: inImage(img.root, img.config.WorkingDir), port: cc.Port,
		headers: e.containerHeaders(x.requestID, t, creds), event: x.body, timeout: time.Duration(t.fn.Timeout) * time.Second}
	job.key = job.instanceKey(cc.ResolvedImageURI)
	return invocationJob{target: t, container: job}, nil
}

// containerCommand is the local command that stands for the image's: its entry point and
// command (customContainerConfig's entrypoint replaces both, its command the command),
// run by the local CPython of the image's Python through containerBootstrap.
func (e *Emulator) containerCommand(img *unpacked, cc containerConfig) ([]string, error) {
	entrypoint, command := img.config.Entrypoint, img.config.Cmd
	if len(cc.Entrypoint) > 0 {
		entrypoint, command = cc.Entrypoint, cc.Command
	} else if len(cc.Command) > 0 {
		command = cc.Command
	}
	args, version, sites, err := localCommand(img.root, append(append([]string{}, entrypoint...), command...), img.config.Env)
	if err != nil {
		return nil, err
	}
	python, ok := e.cfg.pythons[version]
	if !ok {
		return nil, fmt.Errorf("no local CPython %s for the image's python%s: install it under $(pyenv root)/versions or as python%s on PATH, or pass fcemu.WithPython", version, version, version)
	}
	return append([]string{python, "-B", "-S", "-s", "-c", containerBootstrap, strings.Join(sites, string(os.PathListSeparator))}, args...), nil
}

// containerHeaders are the headers FC sends the container's server with an invocation.
func (e *Emulator) containerHeaders(requestID string, t invokeTarget, creds pyrun.Credentials) http.Header {
	h := http.Header{}
	h.Set("Content-Type", "application/octet-stream")
	for k, v := range map[string]string{
		"x-fc-request-id": requestID, "x-fc-function-name": t.fn.Name, "x-fc-function-handler": t.fn.Handler,
		"x-fc-function-memory": strconv.Itoa(int(t.fn.MemorySize)), "x-fc-function-timeout": strconv.Itoa(int(t.fn.Timeout)),
		"x-fc-region": e.cfg.region, "x-fc-account-id": e.cfg.accountID, "x-fc-qualifier": t.qualifier,
		"x-fc-control-path": "/invoke",
	} {
		h.Set(k, v)
	}
	if creds.AccessKeyID != "" {
		h.Set("x-fc-access-key-id", creds.AccessKeyID)
		h.Set("x-fc-access-key-secret", creds.AccessKeySecret)
		h.Set("x-fc-security-token", creds.SecurityToken)
	}
	return h
}

// instanceKey names the instance that can serve j: a change of function, image,
// command, folder, port or environment (the role's fresh credentials aside) needs a
// new one.
func (j *containerJob) instanceKey(image string) string {
	sum := sha256.New()
	for _, s := range append(append([]string{j.fn, image, j.dir, strconv.Itoa(j.port)}, j.argv...), envWithout(j.env, "ALIBABA_CLOUD_")...) {
		sum.Write([]byte(s + "\x00"))
	}
	return hex.EncodeToString(sum.Sum(nil))
}

// setEnv replaces or appends one NAME=value in env.
func setEnv(env []string, kv string) []string {
	k, _, _ := strings.Cut(kv, "=")
	for i, e := range env {
		if name, _, _ := strings.Cut(e, "="); name == k {
			env[i] = kv
			return env
		}
	}
	return append(env, kv)
}

func envWithout(env []string, prefix string) []string {
	var out []string
	for _, e := range env {
		if !strings.HasPrefix(e, prefix) {
			out = append(out, e)
		}
	}
	return out
}

// instance is one running container: its process and the loopback port it serves.
type instance struct {
	key    string
	cmd    *exec.Cmd
	port   int
	out    *outputLog
	exited chan struct{}
	mu     sync.Mutex // one invocation at a time
}

// stop kills the instance (its process group) and removes its output.
func (in *instance) stop() {
	if in.cmd.Process != nil {
		syscall.Kill(-in.cmd.Process.Pid, syscall.SIGKILL)
	}
	<-in.exited
	in.out.remove()
}

func (c *containers) stop(fn string) {
	c.mu.Lock()
	in := c.instances[fn]
	delete(c.instances, fn)
	c.mu.Unlock()
	if in != nil {
		in.stop()
	}
}

func (c *containers) stopAll() {
	c.mu.Lock()
	all := c.instances
	c.instances = nil
	c.mu.Unlock()
	for _, in := range all {
		in.stop()
	}
}

// instanceFor returns the function's running instance for job, starting one (and
// stopping an outdated one) when needed.
func (e *Emulator) instanceFor(ctx context.Context, job *containerJob) (*instance, error) {
	c := &e.containers
	c.mu.Lock()
	in := c.instances[job.fn]
	if in != nil && in.key == job.key {
		select {
		case <-in.exited:
		default:
			c.mu.Unlock()
			return in, nil
		}
	}
	delete(c.instances, job.fn)
	c.mu.Unlock()
	if in != nil {
		in.stop()
	}
	in, err := startInstance(ctx, job)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.instances == nil {
		c.instances = map[string]*instance{}
	}
	if old := c.instances[job.fn]; old != nil {
		defer old.stop()
	}
	c.instances[job.fn] = in
	c.mu.Unlock()
	return in, nil
}

// startInstance runs the job's command with the port remapped to a free loopback port
// and waits until it listens there.
func startInstance(ctx context.Context, job *containerJob) (*instance, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	argv := remapBind(job.argv, job.port, port)
	env := setEnv(setEnv(append([]string{}, job.env...), "CAPort="+strconv.Itoa(port)), "FC_SERVER_PORT="+strconv.Itoa(port))
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir, cmd.Env = job.dir, env
	out, err := newOutputLog()
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = out.f, out.f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		out.remove()
		return nil, fmt.Errorf("start %s: %w", argv[0], err)
	}
	in := &instance{key: job.key, cmd: cmd, port: port, out: out, exited: make(chan struct{})}
	go func() {
		cmd.Wait()
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // its children too
		close(in.exited)
	}()
	if err := in.waitListening(ctx, job.port); err != nil {
		in.stop()
		return nil, err
	}
	return in, nil
}

// waitListening waits until the instance listens on its port (port is the one its
// image was told), at most containerStartTimeout.
func (in *instance) waitListening(ctx context.Context, port int) error {
	deadline := time.NewTimer(containerStartTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if conn, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(in.port), time.Second); err == nil {
			conn.Close()
			return nil
		}
		select {
		case <-in.exited:
			return fmt.Errorf("the container exited (%v) before listening on port %d; its output ends:\n%s", in.cmd.ProcessState, port, in.out.tail(1024))
		case <-deadline.C:
			return fmt.Errorf("the container did not listen on port %d within %s; its output ends:\n%s", port, containerStartTimeout, in.out.tail(1024))
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// remapBind replaces the configured port in --bind/-b HOST:PORT arguments with the
// instance's port, and a wildcard host with the loopback address.
func remapBind(argv []string, from, to int) []string {
	out := append([]string{}, argv...)
	fix := func(v string) string {
		host, port, err := net.SplitHostPort(v)
		if err != nil || port != strconv.Itoa(from) {
			return v
		}
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "127.0.0.1"
		}
		return net.JoinHostPort(host, strconv.Itoa(to))
	}
	for i := 0; i < len(out); i++ {
		switch a := out[i]; {
		case (a == "--bind" || a == "-b") && i+1 < len(out):
			out[i+1] = fix(out[i+1])
			i++
		case strings.HasPrefix(a, "--bind="):
			out[i] = "--bind=" + fix(strings.TrimPrefix(a, "--bind="))
		}
	}
	return out
}

// runContainer sends the invocation to the function's instance and turns the answer
// into FC's.
func (e *Emulator) runContainer(ctx context.Context, job invocationJob, start, end string) outcome {
	cj := job.container
	began := time.Now()
	fail := func(msg string, log string) outcome {
		return outcome{body: errorDoc(msg), errorType: "UnhandledInvocationError", log: []byte(tailString(start+log+msg+"\n"+end, pyrun.LogTailSize)), duration: time.Since(began)}
	}
	in, err := e.instanceFor(ctx, cj)
	if err != nil {
		return fail(fmt.Sprintf("Function instance could not start (command %q): %v", strings.Join(cj.argv, " "), err), "")
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	mark := in.out.size()
	tctx, cancel := context.WithTimeout(ctx, cj.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(tctx, http.MethodPost, "http://127.0.0.1:"+strconv.Itoa(in.port)+"/invoke", bytes.NewReader(cj.event))
	if err != nil {
		return fail(err.Error(), "")
	}
	req.Header = cj.headers.Clone()
	resp, err := http.DefaultClient.Do(req)
	var body []byte
	if err == nil {
		body, err = io.ReadAll(io.LimitReader(resp.Body, e.cfg.limits.SyncPayload+1))
		resp.Body.Close()
	}
	log := in.out.since(mark)
	switch {
	case errors.Is(tctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil:
		e.containers.stop(cj.fn) // FC stops an instance whose invocation timed out
		return fail(fmt.Sprintf("Function timed out after %d seconds", int(cj.timeout/time.Second)), log)
	case err != nil:
		e.containers.stop(cj.fn)
		return fail(fmt.Sprintf("Process exited unexpectedly before completing request (duration: %dms): %v", time.Since(began).Milliseconds(), err), log)
	case int64(len(body)) > e.cfg.limits.SyncPayload:
		return fail(fmt.Sprintf("the response is larger than %d bytes", e.cfg.limits.SyncPayload), log)
	}
	out := outcome{body: body, duration: time.Since(began), maxRSS: peakRSS(in.cmd.Process.Pid), log: []byte(tailString(start+log+end, pyrun.LogTailSize))}
	if s := resp.Header.Get("x-fc-status"); s != "" && s != "200" {
		out.errorType = "UnhandledInvocationError"
	}
	return out
}

// peakRSS is the process's peak resident memory (VmHWM), 0 when unknown.
func peakRSS(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func tailString(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// outputLog is where an instance's stdout and stderr go: a file the process writes
// itself, so what it wrote before it answered is there once the answer has come (a
// pipe, copied by a goroutine, could still hold it).
type outputLog struct {
	f *os.File
}

// outputKeep bounds what an invocation takes of the output written while it ran.
const outputKeep = 64 << 10

func newOutputLog() (*outputLog, error) {
	f, err := os.CreateTemp("", "fcemu-instance-*.log")
	if err != nil {
		return nil, fmt.Errorf("instance output: %w", err)
	}
	return &outputLog{f: f}, nil
}

// size is how much the instance has written in all.
func (o *outputLog) size() int64 {
	st, err := o.f.Stat()
	if err != nil {
		return 0
	}
	return st.Size()
}

// since is what the instance wrote after size was mark (its last outputKeep bytes).
func (o *outputLog) since(mark int64) string { return o.read(mark, o.size()) }

func (o *outputLog) tail(n int) string {
	end := o.size()
	return o.read(max(0, end-int64(n)), end)
}

func (o *outputLog) read(from, to int64) string {
	from = max(from, to-outputKeep)
	if to <= from {
		return ""
	}
	b := make([]byte, to-from)
	n, _ := o.f.ReadAt(b, from)
	return string(b[:n])
}

func (o *outputLog) remove() {
	o.f.Close()
	os.Remove(o.f.Name())
}
