package pipeline_test

// The whole action in-process against the FC emulator: inputs as INPUT_* variables,
// pipeline.Execute (main's path), GITHUB_OUTPUT and the step summary in files, the log in
// a buffer. Every run is scanned for secrets.

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lithops-fc/runtime-action/internal/deploy/deploytest"
	"github.com/lithops-fc/runtime-action/internal/fcemu"
	"github.com/lithops-fc/runtime-action/internal/fcruntime"
	"github.com/lithops-fc/runtime-action/internal/inputs"
	"github.com/lithops-fc/runtime-action/internal/lithops"
	"github.com/lithops-fc/runtime-action/internal/pipeline"
	"github.com/lithops-fc/runtime-action/internal/pipeline/pipelinetest"
	"github.com/lithops-fc/runtime-action/internal/python/wheeltest"
	"github.com/lithops-fc/runtime-action/internal/report"
)

// target is one FC API with the FIXTURE Lithops and Python it is tested with: FC 2.0
// with Lithops 3.6.4 on Python 3.10, FC 3.0 with Lithops 3.7.0 on Python 3.12.
type target struct {
	api     fcruntime.API
	lithops string
	python  string
}

var (
	fc2 = target{fcruntime.FC2, "3.6.4", "3.10"}
	fc3 = target{fcruntime.FC3, "3.7.0", "3.12"}
)

func (tg target) String() string { return "FC" + string(tg.api) }

// runtimeName is the runtime the tests deploy.
const runtimeName = "e2e-runtime"

// functionName is the Lithops worker function of runtimeName at memory MB.
func (tg target) functionName(t testing.TB, memory int) string {
	l, err := lithops.New(tg.lithops)
	if err != nil {
		t.Fatal(err)
	}
	name, err := l.FunctionName(runtimeName, memory)
	if err != nil {
		t.Fatal(err)
	}
	return name
}

// startEmulator runs the emulator with the target's Python (the test is skipped, loudly,
// without it).
func startEmulator(t *testing.T, tg target, opts ...fcemu.Option) *deploytest.Env {
	t.Helper()
	py := wheeltest.Python(t, tg.python)
	return deploytest.Start(t, tg.api, append([]fcemu.Option{fcemu.WithPython(tg.python, py)}, opts...)...)
}

// demo returns the user's package at version: it needs six, which Lithops 3.6 does not
// install, so resolution must find it.
func demo(version string) wheeltest.Wheel {
	return pipelinetest.Module("fc-demo", version, "import six\n\nVERSION = '"+version+"'\n", "six>=1.16")
}

// action is one workflow step using the action, against an emulator.
type action struct {
	t      *testing.T
	tg     target
	v      *deploytest.Env
	ws     string
	inputs map[string]string
	args   []string          // command-line flags (--local)
	env    map[string]string // more environment variables
	deps   pipeline.Deps     // the emulator's settings; Getenv and Report are set per run
	// secrets no output, log or summary may contain.
	secrets []string
	// watch, when set, sees every log line as it is written (it may block the run).
	watch func(line string)
}

// newAction is a deploying step of runtimeName for tg: requirements.txt (lithops pinned,
// plus reqs) resolved from a find-links folder holding the FIXTURE runtime and extra
// wheels, the emulator's endpoints and STS credentials, the storage bucket.
func newAction(t *testing.T, tg target, v *deploytest.Env, reqs string, extra ...wheeltest.Wheel) *action {
	t.Helper()
	ws := t.TempDir()
	wheels := append(pipelinetest.Runtime(tg.lithops, extra...), wheeltest.Worker("six"))
	pipelinetest.Wheelhouse(t, filepath.Join(ws, "wheels"), wheels...)
	a := &action{t: t, tg: tg, v: v, ws: ws, env: map[string]string{}, secrets: v.Secrets()}
	a.requirements(reqs)
	a.inputs = map[string]string{
		"requirements": "requirements.txt", "find-links": "wheels", "no-index": "true",
		"python-version": tg.python, "runtime-name": runtimeName, "runtime-timeout": "60",
		"region": deploytest.Region, "account-id": deploytest.Account, "role-arn": deploytest.Role,
		"endpoint": v.URL, "oss-endpoint": v.URL, "storage-bucket": deploytest.Bucket,
		"access-key-id": v.Creds.AccessKeyID, "access-key-secret": v.Creds.AccessKeySecret, "security-token": v.Creds.SecurityToken,
	}
	if tg.api == fcruntime.FC2 {
		// STS key ids make no valid default service name: Lithops' users set it.
		a.inputs["service"] = deploytest.Service
	}
	a.deps.Cloud = pipeline.Cloud{Retry: deploytest.FastRetry, Poll: time.Millisecond, TempDir: t.TempDir()}
	return a
}

// requirements rewrites requirements.txt: the lithops pin, then reqs.
func (a *action) requirements(reqs string) {
	a.t.Helper()
	content := "lithops==" + a.tg.lithops + "\n" + reqs
	if err := os.WriteFile(filepath.Join(a.ws, "requirements.txt"), []byte(content), 0o644); err != nil {
		a.t.Fatal(err)
	}
}

// result is what a run left.
type result struct {
	code    int
	log     string
	outputs []pipelinetest.Output
	out     map[string]string
	fns     []report.FunctionOutput // the functions output
	summary string
}

// run runs the step to its end with ctx.
func (a *action) run(ctx context.Context) result {
	a.t.Helper()
	dir := a.t.TempDir()
	outPath, sumPath := filepath.Join(dir, "output"), filepath.Join(dir, "summary")
	for _, p := range []string{outPath, sumPath} {
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			a.t.Fatal(err)
		}
	}
	vars := map[string]string{"GITHUB_WORKSPACE": a.ws, "GITHUB_OUTPUT": outPath, "GITHUB_STEP_SUMMARY": sumPath, "GITHUB_RUN_ID": "4242"}
	for k, v := range a.inputs {
		vars["INPUT_"+strings.ToUpper(k)] = v
	}
	for k, v := range a.env {
		vars[k] = v
	}
	getenv := func(k string) string { return vars[k] }
	log := &lineWriter{watch: a.watch}
	rep := report.New(report.WithWriter(log), report.WithGetenv(getenv))
	deps := a.deps
	deps.Getenv, deps.Report = getenv, rep

	var r result
	cfg, err := inputs.Load(a.args, getenv)
	if err != nil {
		r.code = pipeline.Fail(rep, err)
	} else {
		r.code = pipeline.Execute(ctx, cfg, deps)
	}
	rep.Flush()
	r.log = log.String()
	r.outputs = pipelinetest.ReadOutputs(a.t, outPath)
	r.out = pipelinetest.OutputMap(a.t, r.outputs)
	if fns := r.out["functions"]; fns != "" {
		if err := json.Unmarshal([]byte(fns), &r.fns); err != nil {
			a.t.Errorf("functions output %q: %v", fns, err)
		}
	}
	raw, _ := os.ReadFile(outPath)
	sum, _ := os.ReadFile(sumPath)
	r.summary = string(sum)
	pipelinetest.NoSecrets(a.t, a.secrets, map[string]string{"log": pipelinetest.Shown(r.log), "GITHUB_OUTPUT": string(raw), "step summary": r.summary})
	noInjectedCommands(a.t, r.log)
	if a.t.Failed() {
		a.t.Logf("exit %d, log:\n%s", r.code, r.log)
	}
	return r
}

// mustRun runs the step and wants it to succeed.
func (a *action) mustRun() result {
	a.t.Helper()
	r := a.run(context.Background())
	if r.code != 0 {
		a.t.Fatalf("exit code %d, want 0; log:\n%s", r.code, r.log)
	}
	return r
}

// lineWriter keeps the log and shows each complete line to watch.
type lineWriter struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	partial []byte
	watch   func(string)
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.buf.Write(p)
	w.partial = append(w.partial, p...)
	var lines []string
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			break
		}
		lines = append(lines, string(w.partial[:i]))
		w.partial = w.partial[i+1:]
	}
	w.mu.Unlock()
	if w.watch != nil {
		for _, l := range lines {
			w.watch(l)
		}
	}
	return len(p), nil
}

func (w *lineWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

var stopToken = regexp.MustCompile(`^[0-9a-f]{32}$`)

// noInjectedCommands fails when the runner would act on a workflow command the action
// did not mean to issue: any set-output, a stop-commands token that is not one of the
// action's random ones, or a command whose data starts with FORGED (the marker of text
// planted in functions' answers and logs by the tests).
func noInjectedCommands(t *testing.T, log string) {
	t.Helper()
	cmds, _ := pipelinetest.Commands(log)
	for _, c := range cmds {
		switch {
		case c.Name == "set-output" || c.Name == "set-env" || c.Name == "save-state" || c.Name == "add-path":
			t.Errorf("log line %d issues %s %s::%s", c.Line, c.Name, c.Props, c.Data)
		case c.Name == "stop-commands" && !stopToken.MatchString(c.Data):
			t.Errorf("log line %d stops commands with a token that is not the action's: %q", c.Line, c.Data)
		case strings.HasPrefix(c.Data, "FORGED") || strings.HasPrefix(c.Name, "FORGED"):
			t.Errorf("log line %d: an injected command took effect: ::%s %s::%s", c.Line, c.Name, c.Props, c.Data)
		}
	}
}

// errors are the ::error annotations of a log, properties and message.
func errorsOf(log string) string {
	cmds, _ := pipelinetest.Commands(log)
	var out []string
	for _, c := range cmds {
		if c.Name == "error" {
			out = append(out, c.Props+" "+strings.ReplaceAll(c.Data, "%0A", "\n"))
		}
	}
	return strings.Join(out, "\n")
}

// metaObject is the runtime metadata published for a runtime key, if any.
type metaObject struct {
	Preinstalls    [][]any `json:"preinstalls"`
	PythonVersion  string  `json:"python_version"`
	LithopsVersion string  `json:"lithops_version"`
	RuntimeTimeout int     `json:"runtime_timeout"`
	raw            []byte
}

func published(t *testing.T, v *deploytest.Env, runtimeKey string) (metaObject, bool) {
	t.Helper()
	data, ok := v.Emu.Object(deploytest.Bucket, lithops.MetaKey(runtimeKey))
	if !ok {
		return metaObject{}, false
	}
	var m metaObject
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s: %v", lithops.MetaKey(runtimeKey), err)
	}
	m.raw = data
	return m, true
}

func (m metaObject) has(module string) bool {
	for _, p := range m.Preinstalls {
		if len(p) == 2 && p[0] == module {
			return true
		}
	}
	return false
}

// smallInline makes packages of a few KB go through OSS, consistently in the build, the
// deployer and the emulator.
const smallInline = 4 << 10

func (a *action) throughOSS() {
	a.deps.Limits = fcruntime.CodeLimits{InlineBase64: smallInline, OSS: fcruntime.Limits.OSS}
}

var smallLimits = fcemu.Limits{InlineCode: smallInline, OSSCode: fcemu.DefaultLimits.OSSCode,
	SyncPayload: fcemu.DefaultLimits.SyncPayload, AsyncPayload: fcemu.DefaultLimits.AsyncPayload}
