// Package pyrun runs a Function Compute Python event handler on this machine: it unpacks
// a code zip once per key into a cache folder and calls module.function(event, context)
// in a child CPython process, under a timeout, the way FC's Python runtime does.
package pyrun

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

//go:embed bootstrap.py
var bootstrap []byte

// LogTailSize is how much of the end of an invocation's log FC returns (X-Fc-Log-Result).
const LogTailSize = 4096

// Runner unpacks code and runs handlers. Its folder holds the bootstrap script, one
// folder per unpacked code package and a scratch folder per running invocation.
type Runner struct {
	dir string

	mu      sync.Mutex
	unpacks map[string]*sync.Mutex // one lock per code key
}

// New prepares a runner working in dir (created when missing).
func New(dir string) (*Runner, error) {
	for _, d := range []string{dir, filepath.Join(dir, "code"), filepath.Join(dir, "invocations")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("prepare runner folder: %w", err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "bootstrap.py"), bootstrap, 0o644); err != nil {
		return nil, fmt.Errorf("write runner bootstrap: %w", err)
	}
	return &Runner{dir: dir, unpacks: map[string]*sync.Mutex{}}, nil
}

// Unpack extracts zipData into the runner's code cache under key (FC's code checksum)
// unless it is there already, and returns the folder.
func (r *Runner) Unpack(key string, zipData []byte) (string, error) {
	r.mu.Lock()
	l, ok := r.unpacks[key]
	if !ok {
		l = &sync.Mutex{}
		r.unpacks[key] = l
	}
	r.mu.Unlock()
	l.Lock()
	defer l.Unlock()

	dest := filepath.Join(r.dir, "code", key)
	if _, err := os.Stat(dest); err == nil {
		return dest, nil
	}
	tmp, err := os.MkdirTemp(filepath.Join(r.dir, "code"), ".unpack-")
	if err != nil {
		return "", fmt.Errorf("unpack code %s: %w", key, err)
	}
	if err := extractZip(zipData, tmp); err != nil {
		os.RemoveAll(tmp)
		return "", fmt.Errorf("unpack code %s: %w", key, err)
	}
	if err := os.Rename(tmp, dest); err != nil {
		os.RemoveAll(tmp)
		return "", fmt.Errorf("unpack code %s: %w", key, err)
	}
	return dest, nil
}

// Context is what the handler's context object carries (FC's Python runtime names).
type Context struct {
	RequestID   string      `json:"request_id"`
	Credentials Credentials `json:"credentials"`
	Function    Function    `json:"function"`
	Service     Service     `json:"service"`
	Region      string      `json:"region"`
	AccountID   string      `json:"account_id"`
}

// Credentials are the function role's temporary credentials (empty without a role).
type Credentials struct {
	AccessKeyID     string `json:"access_key_id"`
	AccessKeySecret string `json:"access_key_secret"`
	SecurityToken   string `json:"security_token"`
}

// Function describes the function being invoked.
type Function struct {
	Name    string `json:"name"`
	Handler string `json:"handler"`
	Memory  int    `json:"memory"`
	Timeout int    `json:"timeout"`
}

// Service describes the FC 2.0 service (FC 3.0: empty name) and the qualifier invoked.
type Service struct {
	Name      string `json:"name"`
	Qualifier string `json:"qualifier"`
}

// Request is one invocation.
type Request struct {
	Python       string        // interpreter path
	CodeDir      string        // from Unpack; first on sys.path and the working directory
	Handler      string        // module.function
	Event        []byte        // passed to the handler as bytes
	Context      Context       // becomes the handler's context object
	Env          []string      // the child's whole environment
	Timeout      time.Duration // the function's timeout
	Preinstalled []string      // folders added to sys.path after the standard library
}

// Result is how an invocation ended. Exactly one of Body (success), Error (the handler
// raised), TimedOut or Exited (the process ended without answering) describes it.
type Result struct {
	Body     []byte
	Error    *HandlerError
	TimedOut bool
	Exited   string // e.g. "exit status 1" or "signal: killed"
	Log      []byte // the last LogTailSize bytes the process wrote to stdout and stderr
	Duration time.Duration
	MaxRSS   int64 // bytes
}

// HandlerError is FC's description of an exception raised by the handler.
type HandlerError struct {
	Message    string          `json:"errorMessage"`
	Type       string          `json:"errorType"`
	StackTrace json.RawMessage `json:"stackTrace"`
}

// Run calls the handler and waits for it, at most req.Timeout; on timeout or when ctx
// ends the whole process group is killed. The error is for failures to run at all.
func (r *Runner) Run(ctx context.Context, req Request) (Result, error) {
	inv, err := r.prepare(req)
	if err != nil {
		return Result{}, fmt.Errorf("prepare invocation: %w", err)
	}
	defer os.RemoveAll(inv)
	tctx, cancel := context.WithTimeout(ctx, req.Timeout)
	defer cancel()
	res, exit, err := r.execute(tctx, req, inv)
	switch {
	case err != nil:
		return Result{}, err
	case errors.Is(tctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil:
		res.TimedOut = true
		return res, nil
	case ctx.Err() != nil:
		return res, fmt.Errorf("invocation abandoned: %w", ctx.Err())
	}
	return res, readOutcome(inv, &res, exit)
}

// prepare writes the invocation's folder for bootstrap.py: context.json (the context,
// the handler and where to import from), the event, and a private tmp.
func (r *Runner) prepare(req Request) (string, error) {
	inv, err := os.MkdirTemp(filepath.Join(r.dir, "invocations"), "inv-")
	if err != nil {
		return "", err
	}
	spec := struct {
		Context
		Handler      string   `json:"handler"`
		CodeDir      string   `json:"code_dir"`
		Preinstalled []string `json:"preinstalled"`
	}{req.Context, req.Handler, req.CodeDir, append([]string{}, req.Preinstalled...)}
	specJSON, err := json.Marshal(spec)
	if err == nil {
		err = os.WriteFile(filepath.Join(inv, "context.json"), specJSON, 0o600)
	}
	if err == nil {
		err = os.WriteFile(filepath.Join(inv, "event"), req.Event, 0o600)
	}
	if err == nil {
		err = os.Mkdir(filepath.Join(inv, "tmp"), 0o700)
	}
	if err != nil {
		os.RemoveAll(inv)
		return "", err
	}
	return inv, nil
}

// execute runs bootstrap.py for the invocation folder inv until it exits or ctx ends,
// and returns its log, duration and memory, and how it exited ("exit status 1").
func (r *Runner) execute(ctx context.Context, req Request, inv string) (Result, string, error) {
	tmp := filepath.Join(inv, "tmp")
	// -S: no site-packages of the interpreter, only the standard library, the code and the
	// preinstalled folders (as on FC); -E -s: ignore PYTHON* variables and user site; -B:
	// no __pycache__ written into the shared code cache; -u: output reaches the log even
	// when the process is killed.
	cmd := exec.CommandContext(ctx, req.Python, "-B", "-E", "-s", "-S", "-u", filepath.Join(r.dir, "bootstrap.py"), inv)
	cmd.Dir = req.CodeDir
	cmd.Env = append(append([]string{}, req.Env...), "TMPDIR="+tmp, "HOME="+tmp)
	log := &tailBuffer{max: LogTailSize}
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return killGroup(cmd.Process.Pid) }
	cmd.WaitDelay = 2 * time.Second // children that keep the output open do not hold us

	start := time.Now()
	if err := cmd.Start(); err != nil {
		return Result{}, "", fmt.Errorf("start %s: %w", req.Python, err)
	}
	waitErr := cmd.Wait()
	killGroup(cmd.Process.Pid) // FC freezes the instance after an answer: leave no stragglers
	res := Result{Duration: time.Since(start), Log: log.bytes()}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		res.MaxRSS = ru.Maxrss * 1024
	}
	exit := "exit status 0"
	if waitErr != nil {
		exit = waitErr.Error()
	}
	return res, exit, nil
}

// readOutcome fills res from what bootstrap.py left in inv: the result, else the
// handler's exception, else how the process exited without either.
func readOutcome(inv string, res *Result, exit string) error {
	if body, err := os.ReadFile(filepath.Join(inv, "result")); err == nil {
		res.Body = body
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("read handler result: %w", err)
	}
	if data, err := os.ReadFile(filepath.Join(inv, "error.json")); err == nil {
		var he HandlerError
		if err := json.Unmarshal(data, &he); err != nil {
			return fmt.Errorf("read handler error: %w", err)
		}
		res.Error = &he
		return nil
	}
	res.Exited = exit
	return nil
}

func killGroup(pid int) error {
	err := syscall.Kill(-pid, syscall.SIGKILL)
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > 2*t.max {
		t.buf = append([]byte(nil), t.buf[len(t.buf)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) bytes() []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.buf
	if len(b) > t.max {
		b = b[len(b)-t.max:]
	}
	return bytes.Clone(b)
}
