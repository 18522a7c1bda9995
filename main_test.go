package main

// These tests run the built binary as the runner runs a container action: inputs in
// INPUT_* variables (hyphens kept), GITHUB_OUTPUT, GITHUB_STEP_SUMMARY and
// GITHUB_WORKSPACE set, nothing else inherited but PATH and the pyenv root.

import (
	"archive/zip"
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/crc64"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/lithops-fc/runtime-action/internal/fcemu"
	"github.com/lithops-fc/runtime-action/internal/pipeline/pipelinetest"
	"github.com/lithops-fc/runtime-action/internal/python/wheeltest"
	"github.com/lithops-fc/runtime-action/internal/report"
)

// binary is the action built once for the test run.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "lithops-fc-runtime-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "lithops-fc-runtime")
	gobin := filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	if _, err := os.Stat(gobin); err != nil {
		gobin = "go"
	}
	cmd := exec.Command(gobin, "build", "-o", binary, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0") // as the Dockerfile builds it
	if raceEnabled {
		cmd = exec.Command(gobin, "build", "-race", "-o", binary, ".") // the race detector needs cgo
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// Secrets the tests put in inputs; none may appear in anything the step writes.
const (
	indexUser     = "idx-user-7f3a"
	indexPassword = "idx-PASS-9c2e1b"
	keySecret     = "KEY-SECRET-d41d8cd98f"
	stsToken      = "STS-TOKEN-0cc175b9c0f1b6a8"
)

var allSecrets = []string{indexPassword, keySecret, stsToken}

// step is what a run of the binary left.
type step struct {
	code            int
	stdout, stderr  string
	outputs         []pipelinetest.Output
	out             map[string]string
	summary         string
	ws, outPath, sm string
}

// newWorkspace is a workspace holding files (name → content).
func newWorkspace(t *testing.T, files map[string]string) string {
	t.Helper()
	ws := t.TempDir()
	for name, content := range files {
		p := filepath.Join(ws, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return ws
}

// command prepares the binary in workspace ws with inputs (name → value, as INPUT_NAME)
// and extra environment variables.
func command(t *testing.T, ws string, inputs, env map[string]string, args ...string) (*exec.Cmd, *step) {
	t.Helper()
	s := &step{ws: ws, outPath: filepath.Join(t.TempDir(), "output"), sm: filepath.Join(t.TempDir(), "summary")}
	for _, p := range []string{s.outPath, s.sm} {
		if err := os.WriteFile(p, nil, 0o644); err != nil { // the runner creates both, empty
			t.Fatal(err)
		}
	}
	pyenv := os.Getenv("PYENV_ROOT")
	if pyenv == "" {
		home, _ := os.UserHomeDir()
		pyenv = filepath.Join(home, ".pyenv")
	}
	cmd := exec.Command(binary, args...)
	cmd.Dir = ws
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "PYENV_ROOT=" + pyenv,
		"GITHUB_ACTIONS=true", "GITHUB_WORKSPACE=" + ws, "GITHUB_OUTPUT=" + s.outPath, "GITHUB_STEP_SUMMARY=" + s.sm,
	}
	for k, v := range inputs {
		cmd.Env = append(cmd.Env, "INPUT_"+strings.ToUpper(k)+"="+v)
	}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	return cmd, s
}

// waitExit waits for the started cmd to exit; one still running a minute later is killed
// and fails the test with hang, which says what it should have done.
func waitExit(t *testing.T, cmd *exec.Cmd, hang string) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		<-done
		t.Fatal(hang)
		return nil
	}
}

// interruptAt starts cmd, sends it sig once its log shows want (within 3 minutes), and
// waits for it to stop; it returns what the binary wrote and how it ended.
func interruptAt(t *testing.T, cmd *exec.Cmd, want string, sig os.Signal) (stdout, stderr *bytes.Buffer, err error) {
	t.Helper()
	watch := &watchBuffer{want: want, seen: make(chan struct{})}
	stderr = &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = watch, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-watch.seen:
	case <-time.After(3 * time.Minute):
		cmd.Process.Kill()
		t.Fatalf("the log never showed %q:\n%s", want, watch.String())
	}
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	err = waitExit(t, cmd, fmt.Sprintf("the binary did not stop after %v", sig))
	return bytes.NewBufferString(watch.String()), stderr, err
}

// finish reads what the step left and checks that no secret leaked into it.
func (s *step) finish(t *testing.T, cmd *exec.Cmd, err error, stdout, stderr *bytes.Buffer) {
	t.Helper()
	s.code = cmd.ProcessState.ExitCode()
	if err != nil && s.code < 0 {
		t.Fatalf("run: %v", err)
	}
	s.stdout, s.stderr = stdout.String(), stderr.String()
	s.outputs = pipelinetest.ReadOutputs(t, s.outPath)
	s.out = pipelinetest.OutputMap(t, s.outputs)
	sum, err := os.ReadFile(s.sm)
	if err != nil {
		t.Fatal(err)
	}
	s.summary = string(sum)
	raw, _ := os.ReadFile(s.outPath)
	pipelinetest.NoSecrets(t, allSecrets, map[string]string{"stdout": pipelinetest.Shown(s.stdout), "stderr": pipelinetest.Shown(s.stderr),
		"GITHUB_OUTPUT": string(raw), "step summary": s.summary})
	if t.Failed() {
		t.Logf("exit %d\nstdout:\n%s\nstderr:\n%s", s.code, s.stdout, s.stderr)
	}
}

// run runs the binary to its end.
func runStep(t *testing.T, ws string, inputs, env map[string]string, args ...string) *step {
	t.Helper()
	cmd, s := command(t, ws, inputs, env, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	s.finish(t, cmd, err, &stdout, &stderr)
	return s
}

// userModule is the user's package of the tests: it needs six (a worker module too).
var userModule = pipelinetest.Module("fc-demo", "1.0.0", "import six\n\nGREETING = 'hello'\n", "six>=1.16")

func sha10(s string) string {
	sum := sha1.Sum([]byte(s))
	return hex.EncodeToString(sum[:])[:10]
}

// TestDryRunAsContainerAction runs the binary as the runner runs the action in a dry run
// and checks every output, runtime.zip, pylock.toml and the job summary.
func TestDryRunAsContainerAction(t *testing.T) {
	wheelDir := pipelinetest.Wheelhouse(t, t.TempDir(), append(pipelinetest.Runtime("3.6.4"), userModule, wheeltest.Worker("six"))...)
	index := pipelinetest.NewIndex(t, wheelDir, pipelinetest.WithCredentials(indexUser, indexPassword))

	tests := []struct {
		name      string
		files     map[string]string
		inputs    map[string]string
		env       map[string]string // more environment variables
		setup     func(t *testing.T, ws string)
		runtime   string // runtime-name
		lithops   string
		python    string
		memories  []int
		region    string
		service   string
		runtimeKy string // the runtime-key output; "" when it needs credentials
	}{
		{
			name:  "FC 3.0: lithops pinned in the requirements, a find-links folder, no index",
			files: map[string]string{"requirements.txt": "lithops==3.7.0\nfc-demo\n"},
			setup: func(t *testing.T, ws string) {
				pipelinetest.Wheelhouse(t, filepath.Join(ws, "wheels"), append(pipelinetest.Runtime("3.7.0"), userModule)...)
			},
			inputs: map[string]string{"requirements": "requirements.txt", "find-links": "wheels", "no-index": "true",
				"python-version": "3.12", "dry-run": "true", "region": "cn-hangzhou", "runtime-memory": "512"},
			runtime: "default-python-runtime-v312", lithops: "3.7.0", python: "3.12", memories: []int{512}, region: "cn-hangzhou",
		},
		{
			name:  "FC 2.0: lithops-version input, .python-version, an index with credentials, two memory sizes",
			files: map[string]string{"requirements.txt": "# the user's requirements\nfc-demo==1.0.0\n", ".python-version": "3.10.13\n"},
			inputs: map[string]string{"requirements": "requirements.txt", "index-url": index.URL, "lithops-version": "3.6.4",
				"runtime-name": "my_runtime", "runtime-memory": "256, 1024", "dry-run": "true", "region": "cn-beijing", "service": "lithops_svc",
				"access-key-id": "LTAI5tMainTestKey", "access-key-secret": keySecret, "security-token": stsToken, "output-dir": "out/runtime"},
			runtime: "my_runtime", lithops: "3.6.4", python: "3.10", memories: []int{256, 1024}, region: "cn-beijing", service: "lithops_svc",
		},
		{
			name: "FC 2.0: the index and its token in the requirements file, through ${VAR}",
			files: map[string]string{"requirements.txt": "--index-url " + strings.Replace(index.URL, indexPassword, "${INDEX_TOKEN}", 1) + "\nlithops==3.6.4\nfc-demo\n",
				".tool-versions": "nodejs 20.1.0\npython 3.10.13\n"},
			env:     map[string]string{"INDEX_TOKEN": indexPassword},
			inputs:  map[string]string{"requirements": "requirements.txt", "dry-run": "true"},
			runtime: "default-runtime-v310", lithops: "3.6.4", python: "3.10", memories: []int{256},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws := newWorkspace(t, tt.files)
			if tt.setup != nil {
				tt.setup(t, ws)
			}
			s := runStep(t, ws, tt.inputs, tt.env)
			if s.code != 0 {
				t.Fatalf("exit code %d, want 0; stdout:\n%s", s.code, s.stdout)
			}

			// Every output is set, once, in the order report.Outputs declares them.
			var names []string
			for _, o := range s.outputs {
				names = append(names, o.Name)
			}
			var want []string
			for _, f := range report.OutputFields() {
				want = append(want, f.Name)
			}
			if strings.Join(names, " ") != strings.Join(want, " ") {
				t.Errorf("outputs set: %v\nwant: %v", names, want)
			}

			outDir := ".lithops-runtime"
			if d := tt.inputs["output-dir"]; d != "" {
				outDir = d
			}
			zipPath, lockPath := filepath.Join(ws, outDir, "runtime.zip"), filepath.Join(ws, outDir, "pylock.toml")
			zipData, err := os.ReadFile(zipPath)
			if err != nil {
				t.Fatalf("runtime.zip: %v", err)
			}
			sum := sha256.Sum256(zipData)
			crc := crc64.Checksum(zipData, crc64.MakeTable(crc64.ECMA))

			var fns []report.FunctionOutput
			for _, mem := range tt.memories {
				name := fmt.Sprintf("lithops-worker-%s-v%s-%s", tt.runtime, strings.ReplaceAll(tt.lithops, ".", "-"), sha10(fmt.Sprintf("%s-%d-%s", tt.runtime, mem, tt.lithops)))
				key := "aliyun_fc/" + tt.lithops + "/" + tt.region + "/"
				if tt.service != "" {
					key += tt.service + "/"
				}
				key += name
				if tt.region == "" || tt.lithops < "3.7" && tt.service == "" {
					key = "" // it needs the region, and on FC 2.0 the service (from the key id)
				}
				fns = append(fns, report.FunctionOutput{Memory: mem, Name: name, RuntimeKey: key, Deployed: report.DeployedDryRun})
			}
			fnJSON, _ := json.Marshal(fns)
			wantOut := map[string]string{
				"function-arn":    "", // nothing deployed
				"function-name":   fns[0].Name,
				"functions":       string(fnJSON),
				"service-name":    tt.service,
				"runtime-name":    tt.runtime,
				"runtime-key":     fns[0].RuntimeKey,
				"python-version":  tt.python,
				"fc-runtime":      "python" + tt.python,
				"lithops-version": tt.lithops,
				"package-path":    outDir + "/runtime.zip",
				"package-sha256":  hex.EncodeToString(sum[:]),
				"package-size":    strconv.Itoa(len(zipData)),
				"code-checksum":   strconv.FormatUint(crc, 10),
				"lock-path":       outDir + "/pylock.toml",
				"deployed":        "dry-run",
				"smoke-result":    "skipped (dry run)",
			}
			for name, w := range wantOut {
				if got := s.out[name]; got != w {
					t.Errorf("output %s = %q, want %q", name, got, w)
				}
			}

			// runtime.zip: Lithops' layout, the user's package and its dependency, no client
			// dependency of lithops, readable by the runner's user in later steps.
			if fi, err := os.Stat(zipPath); err == nil && fi.Mode().Perm()&0o044 != 0o044 {
				t.Errorf("runtime.zip has mode %v: later steps run as another user and cannot read it", fi.Mode().Perm())
			}
			zr, err := zip.NewReader(bytes.NewReader(zipData), int64(len(zipData)))
			if err != nil {
				t.Fatal(err)
			}
			entries := map[string]bool{}
			for _, f := range zr.File {
				entries[f.Name] = true
			}
			for _, e := range []string{"entry_point.py", "lithops/__init__.py", "lithops/serverless/backends/aliyun_fc/entry_point.py",
				"fc_demo/__init__.py", "six.py", "cloudpickle/__init__.py", "fc_demo-1.0.0.dist-info/METADATA"} {
				if !entries[e] {
					t.Errorf("runtime.zip lacks %s", e)
				}
			}
			for e := range entries {
				if strings.HasPrefix(strings.ToLower(e), "click") || strings.Contains(e, "__pycache__") || strings.HasSuffix(e, ".pyc") {
					t.Errorf("runtime.zip holds %s", e)
				}
			}

			// pylock.toml: every distribution in the zip, with the wheel's real sha256.
			var lock struct {
				LockVersion string `toml:"lock-version"`
				Packages    []struct {
					Name, Version string
					Wheels        []struct {
						Name   string
						URL    string
						Hashes map[string]string
					}
				}
			}
			if _, err := toml.DecodeFile(lockPath, &lock); err != nil {
				t.Fatalf("pylock.toml: %v", err)
			}
			var got []string
			for _, p := range lock.Packages {
				got = append(got, p.Name+"=="+p.Version)
				if len(p.Wheels) != 1 {
					t.Errorf("pylock.toml: %s has %d wheels, want 1", p.Name, len(p.Wheels))
					continue
				}
				data, err := os.ReadFile(filepath.Join(wheelDirOf(t, ws, tt.inputs, wheelDir), p.Wheels[0].Name))
				if err != nil {
					t.Errorf("pylock.toml names %s: %v", p.Wheels[0].Name, err)
					continue
				}
				h := sha256.Sum256(data)
				if p.Wheels[0].Hashes["sha256"] != hex.EncodeToString(h[:]) {
					t.Errorf("pylock.toml: %s sha256 %s, want the file's %x", p.Wheels[0].Name, p.Wheels[0].Hashes["sha256"], h)
				}
				if strings.Contains(p.Wheels[0].URL, indexUser) {
					t.Errorf("pylock.toml: %s URL carries the index credentials: %s", p.Name, p.Wheels[0].URL)
				}
			}
			sort.Strings(got)
			wantDists := []string{"cloudpickle==3.1.1", "fc-demo==1.0.0", "lithops==" + tt.lithops, "pika==1.3.2", "ps-mem==3.14", "psutil==7.0.0", "six==1.17.0", "tblib==3.1.0"}
			if strings.Join(got, " ") != strings.Join(wantDists, " ") {
				t.Errorf("pylock.toml packages %v\nwant %v", got, wantDists)
			}
			if lock.LockVersion != "1.0" {
				t.Errorf("pylock.toml lock-version %q", lock.LockVersion)
			}

			// The job summary: the runtime, the functions, each distribution and the package.
			for _, w := range []string{"Lithops runtime " + report.Escape(tt.runtime), "`python" + tt.python + "`", fns[0].Name, "dry-run", hex.EncodeToString(sum[:]), "fc-demo", "six"} {
				if !strings.Contains(s.summary, w) {
					t.Errorf("summary lacks %q:\n%s", w, s.summary)
				}
			}
			for _, st := range []string{"plan", "resolve", "fetch", "assemble"} {
				if !strings.Contains(s.stdout, "::group::"+st+"\n") {
					t.Errorf("stdout has no %s group", st)
				}
			}
			if tt.inputs["access-key-secret"] != "" && !strings.Contains(s.stdout, "::add-mask::"+keySecret) {
				t.Errorf("the access key secret was not masked for the runner")
			}
			if tt.env["INDEX_TOKEN"] != "" && !strings.Contains(s.stdout, "::add-mask::"+indexPassword) {
				t.Errorf("the index token of the requirements file was not masked for the runner")
			}
		})
	}
}

// wheelDirOf is where the test's wheels are: the workspace's find-links folder, or the index's.
func wheelDirOf(t *testing.T, ws string, inputs map[string]string, indexDir string) string {
	if fl := inputs["find-links"]; fl != "" {
		return filepath.Join(ws, fl)
	}
	return indexDir
}

// TestDryRunReproducible builds the same inputs in two workspaces (other paths, other
// caches, another time): the package is the same bytes.
func TestDryRunReproducible(t *testing.T) {
	var sums []string
	var zips [][]byte
	for i := range 2 {
		ws := newWorkspace(t, map[string]string{"reqs/requirements.txt": "lithops==3.7.0\nfc-demo\n"})
		pipelinetest.Wheelhouse(t, filepath.Join(ws, fmt.Sprintf("wheelhouse-%d", i)), append(pipelinetest.Runtime("3.7.0"), userModule)...)
		if i == 1 {
			time.Sleep(1100 * time.Millisecond) // a zip date taken from the clock would now differ
		}
		s := runStep(t, ws, map[string]string{"requirements": "reqs/requirements.txt", "find-links": fmt.Sprintf("wheelhouse-%d", i),
			"no-index": "true", "python-version": "3.12", "dry-run": "true"}, nil)
		if s.code != 0 {
			t.Fatalf("run %d: exit code %d", i, s.code)
		}
		sums = append(sums, s.out["package-sha256"])
		data, err := os.ReadFile(filepath.Join(ws, s.out["package-path"]))
		if err != nil {
			t.Fatal(err)
		}
		zips = append(zips, data)
	}
	if sums[0] == "" || sums[0] != sums[1] {
		t.Errorf("package-sha256 %q then %q, want the same", sums[0], sums[1])
	}
	if !bytes.Equal(zips[0], zips[1]) {
		t.Errorf("the two runtime.zip files differ")
	}
}

// TestRequirementsErrorAnnotation: a bad line of the requirements file is an ::error
// annotation on that file and line, and the step fails with exit code 1.
func TestRequirementsErrorAnnotation(t *testing.T) {
	tests := []struct {
		name  string
		file  string
		path  string // the requirements input
		line  int
		words []string
	}{
		{name: "editable install", path: "requirements.txt", file: "lithops==3.7.0\n\n-e ./src/mypkg\n", line: 3, words: []string{"editable", "wheel"}},
		{name: "bad requirement syntax", path: "requirements.txt", file: "lithops==3.7.0\n# ok\nsix\nnumpy>=>1\n", line: 4, words: []string{"numpy"}},
		{name: "unknown option", path: "ci/requirements.txt", file: "lithops==3.7.0\n--frobnicate\n", line: 2, words: []string{"--frobnicate"}},
		{name: "lithops pin disagrees with the input", path: "requirements.txt", file: "six\nlithops==3.7.1\n", line: 2, words: []string{"3.7.0", "3.7.1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws := newWorkspace(t, map[string]string{tt.path: tt.file})
			inputs := map[string]string{"requirements": tt.path, "python-version": "3.12", "dry-run": "true", "no-index": "true"}
			if tt.name == "lithops pin disagrees with the input" {
				inputs["lithops-version"] = "3.7.0"
			}
			s := runStep(t, ws, inputs, nil)
			if s.code != 1 {
				t.Errorf("exit code %d, want 1", s.code)
			}
			cmds, _ := pipelinetest.Commands(s.stdout)
			var found *pipelinetest.Command
			for i, c := range cmds {
				if c.Name == "error" && strings.Contains(c.Props, fmt.Sprintf("file=%s,line=%d", tt.path, tt.line)) {
					found = &cmds[i]
				}
			}
			if found == nil {
				t.Fatalf("no ::error file=%s,line=%d:: annotation in:\n%s", tt.path, tt.line, s.stdout)
			}
			for _, w := range tt.words {
				if !strings.Contains(found.Data, w) {
					t.Errorf("annotation %q does not mention %q", found.Data, w)
				}
			}
			if len(s.outputs) != 0 {
				t.Errorf("a failed step set outputs: %v", s.outputs)
			}
		})
	}
}

// TestBadInputs: each bad input fails the step with an error naming the input and what
// to do, before anything is fetched.
func TestBadInputs(t *testing.T) {
	base := map[string]string{"python-version": "3.12", "lithops-version": "3.7.0", "dry-run": "true", "no-index": "true"}
	tests := []struct {
		name   string
		inputs map[string]string
		args   []string
		input  string   // the input the error must name
		words  []string // more words the error must hold
	}{
		{name: "memory below FC's minimum", inputs: map[string]string{"runtime-memory": "64"}, input: "runtime-memory", words: []string{"128"}},
		{name: "memory not a multiple of 64", inputs: map[string]string{"runtime-memory": "256,300"}, input: "runtime-memory", words: []string{"64"}},
		{name: "timeout out of range", inputs: map[string]string{"runtime-timeout": "0"}, input: "runtime-timeout"},
		{name: "unknown FC API", inputs: map[string]string{"fc-api": "4.0"}, input: "fc-api", words: []string{"2.0", "3.0"}},
		{name: "unknown smoke", inputs: map[string]string{"smoke": "everything"}, input: "smoke", words: []string{"imports", "metadata", "none"}},
		{name: "not a boolean", inputs: map[string]string{"dry-run": "maybe"}, input: "dry-run"},
		{name: "python FC does not offer", inputs: map[string]string{"python-version": "3.11"}, input: "python-version", words: []string{"3.10", "3.12"}},
		{name: "missing requirements file", inputs: map[string]string{"requirements": "nope.txt"}, input: "requirements", words: []string{"nope.txt"}},
		{name: "deploy without region, account or role", inputs: map[string]string{"dry-run": "false"}, input: "region", words: []string{"dry-run"}},
		{name: "bad platform", inputs: map[string]string{"platform": "musllinux_1_2"}, input: "platform"},
		{name: "flag wins and is named as a flag", inputs: map[string]string{}, args: []string{"--runtime-memory=12"}, input: "flag --runtime-memory"},
		{name: "index URL with credentials that does not parse", inputs: map[string]string{"index-url": "https://" + indexUser + ":" + indexPassword + "@exa mple.org/simple"}, input: "index-url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := map[string]string{}
			for k, v := range base {
				in[k] = v
			}
			for k, v := range tt.inputs {
				in[k] = v
			}
			s := runStep(t, newWorkspace(t, nil), in, nil, tt.args...)
			if s.code != 1 {
				t.Errorf("exit code %d, want 1", s.code)
			}
			cmds, _ := pipelinetest.Commands(s.stdout)
			var msgs []string
			for _, c := range cmds {
				if c.Name == "error" {
					msgs = append(msgs, c.Props+" "+c.Data)
				}
			}
			all := strings.Join(msgs, "\n")
			if !strings.Contains(all, tt.input) {
				t.Errorf("no ::error naming %s in:\n%s", tt.input, s.stdout)
			}
			for _, w := range tt.words {
				if !strings.Contains(all, w) {
					t.Errorf("errors do not mention %q:\n%s", w, all)
				}
			}
			if strings.Contains(s.stdout, "::group::resolve") {
				t.Errorf("a bad input was found only after resolving started")
			}
		})
	}
}

// TestCancelDuringResolve sends the running binary SIGTERM or SIGINT (GitHub cancels
// with both) while the index holds a request: the step ends with exit code 130, says it
// was cancelled, and the runtime deployed before (--local) is still the live one.
func TestCancelDuringResolve(t *testing.T) {
	wheeltest.Python(t, "3.12") // the first --local run smoke-tests with it
	ws := newWorkspace(t, map[string]string{"requirements.txt": "lithops==3.7.0\nfc-demo\n"})
	// FC's preinstalled requests (which the worker imports) comes from find-links too.
	pipelinetest.Wheelhouse(t, filepath.Join(ws, "wheels"), append(append(pipelinetest.Runtime("3.7.0"), userModule), wheeltest.FCPreinstalled("python3.12")...)...)
	local := map[string]string{"requirements": "requirements.txt", "find-links": "wheels", "no-index": "true", "python-version": "3.12"}
	first := runStep(t, ws, local, nil, "--local")
	if first.code != 0 || first.out["deployed"] != "created" {
		t.Fatalf("first --local run: exit %d, deployed %q", first.code, first.out["deployed"])
	}
	live := first.out["code-checksum"]

	slowDir := pipelinetest.Wheelhouse(t, t.TempDir(), pipelinetest.Module("slowpkg", "1.0", "X = 1\n"))
	index := pipelinetest.NewIndex(t, slowDir, pipelinetest.WithCredentials(indexUser, indexPassword))
	held := make(chan struct{}, 64)
	testDone := make(chan struct{})
	defer close(testDone)
	index.OnRequest(func(r *http.Request) {
		held <- struct{}{}
		select { // hold the request until the client gives up or the test ends
		case <-r.Context().Done():
		case <-testDone:
		}
	})
	if err := os.WriteFile(filepath.Join(ws, "requirements.txt"), []byte("lithops==3.7.0\nfc-demo\nslowpkg\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			in := map[string]string{"requirements": "requirements.txt", "find-links": "wheels", "index-url": index.URL, "python-version": "3.12"}
			for len(held) > 0 { // requests of the previous run
				<-held
			}
			cmd, s := command(t, ws, in, nil, "--local")
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			select {
			case <-held:
			case <-time.After(time.Minute):
				cmd.Process.Kill()
				t.Fatalf("the index got no request; stdout:\n%s", stdout.String())
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			err := waitExit(t, cmd, fmt.Sprintf("the binary did not stop after %v", sig))
			s.finish(t, cmd, err, &stdout, &stderr)
			if s.code != 130 {
				t.Errorf("exit code %d, want 130", s.code)
			}
			t.Logf("stdout ends with:\n%s", tail(s.stdout, 3))
			cmds, _ := pipelinetest.Commands(s.stdout)
			cancelled := false
			for _, c := range cmds {
				if c.Name == "error" && strings.Contains(c.Data, "the run was cancelled during resolve") {
					cancelled = true
				}
			}
			if !cancelled {
				t.Errorf("no ::error saying the run was cancelled:\n%s", s.stdout)
			}
			if strings.Contains(s.stdout, "::group::deploy") || len(s.outputs) != 0 {
				t.Errorf("a run cancelled while resolving went on to deploy or set outputs")
			}
			emu, err := fcemu.New(fcemu.WithStateDir(filepath.Join(ws, ".lithops-runtime", "emulator")))
			if err != nil {
				t.Fatal(err)
			}
			defer emu.Close()
			fns := emu.Functions()
			if len(fns) != 1 || fns[0].Name != first.out["function-name"] || fns[0].CodeChecksum != live {
				t.Errorf("functions after the cancelled run: %+v, want only %s with code %s", fns, first.out["function-name"], live)
			}
		})
	}
}

// TestLocalTwiceIsUnchanged is the README's first command, run twice in one workspace:
// the second run finds the runtime live and deploys nothing.
func TestLocalTwiceIsUnchanged(t *testing.T) {
	wheeltest.Python(t, "3.12")
	ws := newWorkspace(t, nil)
	if err := os.CopyFS(filepath.Join(ws, "examples"), os.DirFS("examples")); err != nil {
		t.Fatal(err)
	}
	args := []string{"--local", "--requirements", "examples/local/requirements.txt", "--find-links", "examples/local/wheelhouse", "--no-index", "--python-version", "3.12"}
	first := runStep(t, ws, nil, nil, args...)
	second := runStep(t, ws, nil, nil, args...)
	if first.code != 0 || second.code != 0 {
		t.Fatalf("exit codes %d and %d", first.code, second.code)
	}
	if first.out["deployed"] != "created" || second.out["deployed"] != "unchanged" {
		t.Errorf("deployed %q then %q, want created then unchanged", first.out["deployed"], second.out["deployed"])
	}
	if first.out["code-checksum"] != second.out["code-checksum"] || first.out["function-arn"] == "" {
		t.Errorf("outputs differ: %v\n%v", first.out, second.out)
	}
}

// TestLocalContainerTwiceIsUnchanged is the README's container command, run twice in one
// workspace through the binary: the image is built on --local's base (this machine's
// glibc), pushed to the account's registry under .lithops-runtime/emulator, run by the
// emulator; the second run pushes no blob and deploys nothing, and a check (mode: check)
// then passes without touching it. Names are Lithops 3.7.0's
// (internal/lithops' vectors: _get_default_runtime_name, _format_function_name,
// _format_image_name).
func TestLocalContainerTwiceIsUnchanged(t *testing.T) {
	wheeltest.Python(t, "3.12")
	ws := newWorkspace(t, nil)
	if err := os.CopyFS(filepath.Join(ws, "examples"), os.DirFS("examples")); err != nil {
		t.Fatal(err)
	}
	args := []string{"--local", "--deploy-mode", "container", "--requirements", "examples/local/requirements.txt",
		"--find-links", "examples/local/wheelhouse", "--no-index", "--python-version", "3.12"}
	first := runStep(t, ws, nil, nil, args...)
	second := runStep(t, ws, nil, nil, args...)
	if first.code != 0 || second.code != 0 {
		t.Fatalf("exit codes %d and %d", first.code, second.code)
	}
	const repo = "emulator.localhost/lithops/lithops-aliyunfc-default-container-runtime-v312"
	if first.out["deployed"] != "created" || second.out["deployed"] != "unchanged" ||
		first.out["image"] != repo+"@"+first.out["image-digest"] || second.out["image"] != first.out["image"] ||
		first.out["function-name"] != "lithops-worker-default-container-runtime-v312-v3-7-0-72acd66fe9" || first.out["fc-runtime"] != "custom-container" {
		t.Errorf("outputs:\n%v\n%v", first.out, second.out)
	}
	if !strings.Contains(second.stdout, "the registry had every blob, nothing uploaded") || !strings.Contains(second.stdout, "is up to date") {
		t.Errorf("second run:\n%s", tail(second.stdout, 40))
	}
	if _, err := os.Stat(filepath.Join(ws, ".lithops-runtime", "emulator", "registry", "manifests.json")); err != nil {
		t.Errorf("the registry kept nothing: %v", err)
	}

	// A check of the same runtime: the image runs in temporary functions only.
	check := runStep(t, ws, nil, nil, append(args, "--mode", "check")...)
	if check.code != 0 || check.out["deployed"] != "checked" || check.out["image"] != first.out["image"] ||
		!strings.HasSuffix(check.out["smoke-result"], "metadata ok") || !strings.Contains(check.out["changes"], `"summary":"no changes (`) {
		t.Errorf("check: exit %d, outputs %v\n%s", check.code, check.out, tail(check.stdout, 40))
	}
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// TestREADMEShowsTheExampleWorkflows: the README's recipes show the example workflows
// (which .ci/run lints with actionlint) verbatim.
func TestREADMEShowsTheExampleWorkflows(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join("examples", "workflows", "*.yml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no example workflows: %v", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(readme, []byte("```yaml\n"+string(data)+"```\n")) {
			t.Errorf("README.md does not show %s as it is", f)
		}
	}
}
