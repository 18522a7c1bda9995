package main

// Issue 12's cases, each through the binary as the runner runs it: a pull request that
// edits requirements.txt or the workflow must not read the runner's files, see a
// secret, turn a dry run into a deploy, or fail where nobody looks.

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/lithops-fc/runtime-action/internal/fcemu"
	"github.com/lithops-fc/runtime-action/internal/pipeline/pipelinetest"
	"github.com/lithops-fc/runtime-action/internal/python/wheeltest"
)

// leak is a secret's distinctive core: the tests put it in every URL position.
const leak = "SeKr3tC0re"

// shownEverywhere is all a run left that a user can read: the log as shown (::add-mask::
// lines consumed, command data unescaped), stderr, GITHUB_OUTPUT and the summary.
func (s *step) shownEverywhere(t *testing.T) string {
	t.Helper()
	raw, _ := os.ReadFile(s.outPath)
	unescape := strings.NewReplacer("%25", "%", "%0D", "\r", "%0A", "\n", "%3A", ":", "%2C", ",")
	return unescape.Replace(pipelinetest.Shown(s.stdout)) + "\n" + s.stderr + "\n" + string(raw) + "\n" + s.summary
}

// errorsAt returns the ::error annotations of a log as "file:line" → message.
func errorsAt(log string) (map[string]string, []pipelinetest.Command) {
	cmds, _ := pipelinetest.Commands(log)
	at := map[string]string{}
	var errs []pipelinetest.Command
	for _, c := range cmds {
		if c.Name != "error" {
			continue
		}
		errs = append(errs, c)
		var file, line string
		for _, p := range strings.Split(c.Props, ",") {
			if v, ok := strings.CutPrefix(p, "file="); ok {
				file = v
			}
			if v, ok := strings.CutPrefix(p, "line="); ok {
				line = v
			}
		}
		if file != "" {
			at[file+":"+line] = c.Data
		}
	}
	return at, errs
}

// TestSecretsInURLsNeverShown: credentials in every URL entry point (inputs, lines of
// the requirements, an index page's <base href>, a redirect), written so that the URL
// does not parse (a token with / # +), never reach the log, stderr, GITHUB_OUTPUT or the
// summary; those from inputs and the requirements are masked for the runner first.
func TestSecretsInURLsNeverShown(t *testing.T) {
	// An index whose pages have a <base href> with credentials that does not parse, and
	// one that redirects every request to a URL with credentials.
	pages := hostileIndex(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<html><base href="http://u:pa/%s@%%zz/"><a href="fc_demo-1.0.0-py3-none-any.whl">x</a></html>`, leak)
	})
	redirects := hostileIndex(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://u:"+leak+"@127.0.0.1:1/simple/x/?Signature="+leak, http.StatusFound)
	})
	base := map[string]string{"requirements": "requirements.txt", "python-version": "3.12", "lithops-version": "3.7.0", "dry-run": "true"}
	tests := []struct {
		name   string
		inputs map[string]string
		reqs   string
		masked bool // the secret is registered with ::add-mask::
	}{
		{name: "index-url input, a token with / and +", inputs: map[string]string{"index-url": "https://__token__:pypi-Ag/" + leak + "+x@pypi.example.com/simple"}, masked: true},
		{name: "extra-index-url input, a password with #", inputs: map[string]string{"extra-index-url": "https://ci:ab#" + leak + "@pypi.example.com/simple"}, masked: true},
		{name: "find-links input, a password with /", inputs: map[string]string{"find-links": "https://ci:a/" + leak + "@files.example.com/wheels/"}, masked: true},
		{name: "--index-url line", reqs: "--index-url https://__token__:a/" + leak + "+b@pypi.example.com/simple\nsix\n"},
		{name: "--extra-index-url line", reqs: "--extra-index-url https://ci:a#" + leak + "@pypi.example.com/simple\nsix\n"},
		{name: "-f line", reqs: "-f https://ci:x/" + leak + "@files.example.com/links/\nsix\n"},
		{name: "direct URL", reqs: "fc-demo @ https://user:pa/" + leak + "@files.example.com/fc_demo-1.0.0-py3-none-any.whl\n"},
		{name: "index page with a <base href>", inputs: map[string]string{"index-url": pages}, reqs: "fc-demo\n"},
		{name: "redirect to a URL with credentials", inputs: map[string]string{"index-url": redirects}, reqs: "six\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reqs := tt.reqs
			if reqs == "" {
				reqs = "six\n"
			}
			in := map[string]string{}
			for k, v := range base {
				in[k] = v
			}
			for k, v := range tt.inputs {
				in[k] = v
			}
			s := runStep(t, newWorkspace(t, map[string]string{"requirements.txt": reqs}), in, nil)
			if s.code != 1 {
				t.Errorf("exit code %d, want 1", s.code)
			}
			if all := s.shownEverywhere(t); strings.Contains(all, leak) {
				i := strings.Index(all, leak)
				t.Errorf("the secret is shown: ...%s...", all[max(0, i-120):min(len(all), i+40)])
			}
			if _, errs := errorsAt(s.stdout); len(errs) == 0 {
				t.Errorf("no ::error annotation:\n%s", s.stdout)
			}
			if tt.masked && !strings.Contains(s.stdout, "::add-mask::") {
				t.Errorf("the secret was not masked for the runner")
			}
			if s.summary == "" {
				t.Errorf("the job summary is empty after a failure")
			}
		})
	}
}

// hostileIndex serves every request with serve; it returns the simple index's URL.
func hostileIndex(t *testing.T, serve http.HandlerFunc) string {
	srv := httptest.NewServer(serve)
	t.Cleanup(srv.Close)
	return srv.URL + "/simple/"
}

// TestRequirementsConfinedToTheWorkspace: a requirements file (or the input) that names
// a file outside the workspace, through a path, a symbolic link or /proc, fails on that
// line and shows none of the file.
func TestRequirementsConfinedToTheWorkspace(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		setup func(t *testing.T, ws string)
		input string // the requirements input; default requirements.txt
		at    string // the annotation's file:line; "" for the input's error
	}{
		{name: "-r /proc/self/environ", files: map[string]string{"requirements.txt": "six\n-r /proc/self/environ\n"}, at: "requirements.txt:2"},
		{name: "-r ../../../../etc/passwd", files: map[string]string{"ci/requirements.txt": "six\n\n-r ../../../../../../../../../../etc/passwd\n"}, input: "ci/requirements.txt", at: "ci/requirements.txt:3"},
		{name: "-c through a symbolic link", files: map[string]string{"requirements.txt": "-c pins.txt\nsix\n"}, at: "requirements.txt:1",
			setup: func(t *testing.T, ws string) { mustSymlink(t, "/etc/passwd", filepath.Join(ws, "pins.txt")) }},
		{name: "-r a FIFO", files: map[string]string{"requirements.txt": "-r fifo.txt\n"}, at: "requirements.txt:1",
			setup: func(t *testing.T, ws string) {
				if err := syscall.Mkfifo(filepath.Join(ws, "fifo.txt"), 0o644); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "the requirements input, /proc/self/environ", input: "/proc/self/environ"},
		{name: "the requirements input, a symbolic link out", input: "requirements.txt",
			setup: func(t *testing.T, ws string) {
				mustSymlink(t, "/proc/self/environ", filepath.Join(ws, "requirements.txt"))
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws := newWorkspace(t, tt.files)
			if tt.setup != nil {
				tt.setup(t, ws)
			}
			input := tt.input
			if input == "" {
				input = "requirements.txt"
			}
			env := map[string]string{"RUNNER_SECRET_VALUE": leak}
			cmd, s := command(t, ws, map[string]string{"requirements": input, "python-version": "3.12", "lithops-version": "3.7.0", "dry-run": "true", "no-index": "true"}, env)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			err := waitExit(t, cmd, "the step hangs (on a FIFO?)")
			s.finish(t, cmd, err, &stdout, &stderr)
			if s.code != 1 {
				t.Errorf("exit code %d, want 1", s.code)
			}
			all := s.shownEverywhere(t)
			for _, content := range []string{leak, "root:x:0:0", "PATH=/"} {
				if strings.Contains(all, content) {
					t.Errorf("the step shows the target's content %q", content)
				}
			}
			at, errs := errorsAt(s.stdout)
			if tt.at != "" {
				msg, ok := at[tt.at]
				if !ok {
					t.Fatalf("no ::error on %s: %v", tt.at, errs)
				}
				if !strings.Contains(msg, "outside the workspace") && !strings.Contains(msg, "named pipe") {
					t.Errorf("the annotation does not say why: %s", msg)
				}
			} else if len(errs) != 1 || !strings.Contains(errs[0].Props, "input requirements") || !strings.Contains(errs[0].Data, "outside the workspace") {
				t.Errorf("want one error on the requirements input saying it is outside the workspace: %v", errs)
			}
			if strings.Contains(s.stdout, "::group::resolve") {
				t.Errorf("the step went on to resolve")
			}
		})
	}
}

func mustSymlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// TestTypoInAnInputNeverDeploys: with `uses: docker://`, `dry_run: true` arrives as
// INPUT_DRY_RUN. It is an error naming dry-run, before anything runs; an unknown key
// that is no near miss only warns.
func TestTypoInAnInputNeverDeploys(t *testing.T) {
	ws := newWorkspace(t, map[string]string{"requirements.txt": "lithops==3.7.0\nfc-demo\n"})
	pipelinetest.Wheelhouse(t, filepath.Join(ws, "wheels"), append(pipelinetest.Runtime("3.7.0"), userModule)...)
	in := map[string]string{"requirements": "requirements.txt", "find-links": "wheels", "no-index": "true", "python-version": "3.12",
		"region": "cn-hangzhou", "account-id": "1234567890123456", "role-arn": "acs:ram::1234567890123456:role/lithops",
		"access-key-id": "LTAI5tTypoTest", "access-key-secret": keySecret, "dry_run": "true", "my-note": "x"}
	s := runStep(t, ws, in, nil)
	if s.code != 1 {
		t.Errorf("exit code %d, want 1", s.code)
	}
	_, errs := errorsAt(s.stdout)
	if len(errs) != 1 || !strings.Contains(errs[0].Data, "dry-run") || !strings.Contains(errs[0].Data, "INPUT_DRY_RUN") {
		t.Errorf("want one error naming dry-run and INPUT_DRY_RUN: %v", errs)
	}
	cmds, _ := pipelinetest.Commands(s.stdout)
	warned := false
	for _, c := range cmds {
		warned = warned || c.Name == "warning" && strings.Contains(c.Data, "my-note")
	}
	if !warned {
		t.Errorf("no warning about my-note:\n%s", s.stdout)
	}
	if strings.Contains(s.stdout, "::group::") || len(s.outputs) != 0 {
		t.Errorf("the step started working")
	}
}

// TestDeployWithoutCredentialsFailsAtOnce: a deploy without credentials, or with an STS
// key and no token, fails in the plan stage, before anything is resolved or built.
func TestDeployWithoutCredentialsFailsAtOnce(t *testing.T) {
	ws := newWorkspace(t, map[string]string{"requirements.txt": "lithops==3.7.0\nfc-demo\n"})
	pipelinetest.Wheelhouse(t, filepath.Join(ws, "wheels"), append(pipelinetest.Runtime("3.7.0"), userModule)...)
	deploy := map[string]string{"requirements": "requirements.txt", "find-links": "wheels", "no-index": "true", "python-version": "3.12",
		"region": "cn-hangzhou", "account-id": "1234567890123456", "role-arn": "acs:ram::1234567890123456:role/lithops"}
	for name, tc := range map[string]struct {
		inputs map[string]string
		env    map[string]string
		want   string
	}{
		"no credentials":           {want: "no Alibaba Cloud credentials"},
		"an STS key without token": {env: map[string]string{"ALIBABA_CLOUD_ACCESS_KEY_ID": "STS.NUgYrLnoTest", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": keySecret}, want: "ALIBABA_CLOUD_SECURITY_TOKEN"},
		"OIDC without id-token":    {inputs: map[string]string{"oidc-role-arn": "acs:ram::1234567890123456:role/gh", "oidc-provider-arn": "acs:ram::1234567890123456:oidc-provider/gh"}, want: "id-token: write"},
	} {
		t.Run(name, func(t *testing.T) {
			in := map[string]string{}
			for k, v := range deploy {
				in[k] = v
			}
			for k, v := range tc.inputs {
				in[k] = v
			}
			s := runStep(t, ws, in, tc.env)
			_, errs := errorsAt(s.stdout)
			if s.code != 1 || len(errs) == 0 || !strings.Contains(errs[0].Data, tc.want) {
				t.Fatalf("exit %d, errors %v; want one saying %q", s.code, errs, tc.want)
			}
			for _, late := range []string{"::group::resolve", "::group::fetch", "::group::assemble"} {
				if strings.Contains(s.stdout, late) {
					t.Errorf("missing credentials found only after %s", late)
				}
			}
			if strings.Contains(s.shownEverywhere(t), keySecret) {
				t.Errorf("the key secret is shown")
			}
		})
	}
}

// TestFailuresAnnotateTheirLines: a failure tied to lines of the requirements is an
// ::error annotation on each of them, and the job summary says what failed and why.
func TestFailuresAnnotateTheirLines(t *testing.T) {
	lonely := wheeltest.Wheel{Name: "oldlib", Version: "1.0", Tag: "cp310-cp310-manylinux_2_17_x86_64", Files: map[string][]byte{"oldlib/__init__.py": nil}}
	tests := []struct {
		name  string
		files map[string]string
		at    []string // file:line of the annotations
		words []string // in the first annotation and the summary
		stage string
	}{
		{name: "conflicting pins name every line", files: map[string]string{"requirements.txt": "lithops==3.7.0\n# pins\nsix==1.17.0\nfc-demo\n\nsix<1.17\n"},
			at: []string{"requirements.txt:3", "requirements.txt:6"}, words: []string{"six"}, stage: "resolve"},
		{name: "conflict with a constraints file", files: map[string]string{"requirements.txt": "lithops==3.7.0\n-c ci/pins.txt\nsix>=1.17\n", "ci/pins.txt": "tblib\nsix<1.17\n"},
			at: []string{"requirements.txt:3", "ci/pins.txt:2"}, words: []string{"constraint"}, stage: "resolve"},
		{name: "a distribution no index has", files: map[string]string{"requirements.txt": "lithops==3.7.0\n\nno-such-dist>=1\n"},
			at: []string{"requirements.txt:3"}, words: []string{"no-such-dist"}, stage: "resolve"},
		{name: "no wheel for the target", files: map[string]string{"requirements.txt": "lithops==3.7.0\noldlib\n"},
			at: []string{"requirements.txt:2"}, words: []string{"oldlib", "cp312"}, stage: "resolve"},
		{name: "hash-checking mode without every hash", files: map[string]string{"requirements.txt": "# pinned\nlithops==3.7.0 --hash=sha256:" + strings.Repeat("0", 64) + "\n"},
			at: []string{"requirements.txt:2"}, words: []string{"--hash", "six==1.17.0"}, stage: "resolve"},
		{name: "a hash mismatch", files: map[string]string{"requirements.txt": "HASHED"},
			at: []string{"requirements.txt:8"}, words: []string{"hash mismatch", "fc_demo"}, stage: "fetch"},
		{name: "a -f folder that is missing", files: map[string]string{"requirements.txt": "lithops==3.7.0\n-f wheelz\nfc-demo\n"},
			at: []string{"requirements.txt:2"}, words: []string{"wheelz"}, stage: "resolve"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws := newWorkspace(t, tt.files)
			wheels := append(pipelinetest.Runtime("3.7.0"), userModule, lonely)
			pipelinetest.Wheelhouse(t, filepath.Join(ws, "wheels"), wheels...)
			if tt.files["requirements.txt"] == "HASHED" {
				hashedRequirements(t, ws, wheels)
			}
			s := runStep(t, ws, map[string]string{"requirements": "requirements.txt", "find-links": "wheels", "no-index": "true", "python-version": "3.12", "dry-run": "true"}, nil)
			if s.code != 1 {
				t.Fatalf("exit code %d, want 1", s.code)
			}
			at, errs := errorsAt(s.stdout)
			for _, want := range tt.at {
				msg, ok := at[want]
				if !ok {
					t.Errorf("no ::error file=...,line=... on %s; errors: %v", want, errs)
					continue
				}
				for _, w := range tt.words {
					if !strings.Contains(msg, w) {
						t.Errorf("the annotation on %s does not mention %q: %s", want, w, msg)
					}
				}
			}
			if !strings.Contains(s.summary, "failed during "+tt.stage) {
				t.Errorf("the summary does not say it failed during %s:\n%s", tt.stage, s.summary)
			}
			for _, w := range tt.words {
				if !strings.Contains(s.summary, w) {
					t.Errorf("the summary does not explain (%q):\n%s", w, s.summary)
				}
			}
		})
	}
}

// hashedRequirements writes requirements.txt pinning every wheel of the runtime with
// its real sha256, and fc-demo (on line 8) with a wrong one.
func hashedRequirements(t *testing.T, ws string, wheels []wheeltest.Wheel) {
	t.Helper()
	var b strings.Builder
	for _, w := range wheels {
		name := strings.ToLower(w.Name)
		if name == "fc-demo" || name == "oldlib" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(ws, "wheels", w.Filename()))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s==%s --hash=sha256:%x\n", w.Name, w.Version, sha256.Sum256(data))
	}
	if n := strings.Count(b.String(), "\n"); n != 7 {
		t.Fatalf("%d lines before fc-demo, want 7", n)
	}
	b.WriteString("fc-demo==1.0.0 --hash=sha256:" + strings.Repeat("ab", 32) + "\n")
	if err := os.WriteFile(filepath.Join(ws, "requirements.txt"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestBoundedWork: a 200,000-character name makes no long line; 100,000 copies of one
// requirement are merged (the resolver's work does not grow with copies; timings are
// in BenchmarkDuplicateLines); a platform newer than the runtime's glibc is refused
// naming both.
func TestBoundedWork(t *testing.T) {
	t.Run("a 200,000-character name", func(t *testing.T) {
		name := strings.Repeat("a", 200000)
		ws := newWorkspace(t, map[string]string{"requirements.txt": "lithops==3.7.0\n" + name + "==1.0\n"})
		pipelinetest.Wheelhouse(t, filepath.Join(ws, "wheels"), pipelinetest.Runtime("3.7.0")...)
		s := runStep(t, ws, map[string]string{"requirements": "requirements.txt", "find-links": "wheels", "no-index": "true", "python-version": "3.12", "dry-run": "true"}, nil)
		if s.code != 1 {
			t.Errorf("exit code %d, want 1", s.code)
		}
		for i, l := range strings.Split(s.stdout+s.stderr, "\n") {
			if len(l) > 20000 {
				t.Errorf("line %d is %d bytes: %.120s", i+1, len(l), l)
			}
		}
		if len(s.stdout) > 100000 || len(s.summary) > 100000 {
			t.Errorf("log of %d bytes, summary of %d bytes for one bad name", len(s.stdout), len(s.summary))
		}
		if !strings.Contains(s.stdout, "more bytes") {
			t.Errorf("the log does not say what was cut")
		}
	})
	t.Run("100,000 duplicate lines", func(t *testing.T) {
		ws := newWorkspace(t, map[string]string{"requirements.txt": "lithops==3.7.0\n" + strings.Repeat("fc-demo>=1\n", 100000)})
		pipelinetest.Wheelhouse(t, filepath.Join(ws, "wheels"), append(pipelinetest.Runtime("3.7.0"), userModule)...)
		s := runStep(t, ws, map[string]string{"requirements": "requirements.txt", "find-links": "wheels", "no-index": "true", "python-version": "3.12", "dry-run": "true"}, nil)
		if s.code != 0 {
			t.Fatalf("exit code %d, want 0", s.code)
		}
		if !strings.Contains(s.stdout, "99999 requirement lines repeat an earlier one: merged with it") {
			t.Errorf("the duplicates were not merged")
		}
	})
	t.Run("platform newer than the runtime's glibc", func(t *testing.T) {
		ws := newWorkspace(t, map[string]string{"requirements.txt": "lithops==3.7.0\n"})
		s := runStep(t, ws, map[string]string{"requirements": "requirements.txt", "no-index": "true", "python-version": "3.12", "dry-run": "true", "platform": "manylinux_2_34"}, nil)
		_, errs := errorsAt(s.stdout)
		if s.code != 1 || len(errs) != 1 || !strings.Contains(errs[0].Props, "platform") || !strings.Contains(errs[0].Data, "2.34") || !strings.Contains(errs[0].Data, "2.31") {
			t.Errorf("exit %d, errors %v; want one on platform naming 2.34 and 2.31", s.code, errs)
		}
		if strings.Contains(s.stdout, "glibc 2.34") && !strings.Contains(s.stdout, "::error") {
			t.Errorf("the plan claims FC has glibc 2.34")
		}
	})
}

// TestCancelLocalDuringTheImportCheck: a --local run cancelled while its temporary
// smoke function runs deletes that function before the emulator stops, and its last
// message says so.
func TestCancelLocalDuringTheImportCheck(t *testing.T) {
	wheeltest.Python(t, "3.12")
	slow := pipelinetest.Module("slowimport", "1.0", "import time\ntime.sleep(60)\n")
	ws := newWorkspace(t, map[string]string{"requirements.txt": "lithops==3.7.0\nfc-demo\nslowimport\n"})
	pipelinetest.Wheelhouse(t, filepath.Join(ws, "wheels"), append(pipelinetest.Runtime("3.7.0"), userModule, slow)...)
	cmd, s := command(t, ws, map[string]string{"requirements": "requirements.txt", "find-links": "wheels", "no-index": "true", "python-version": "3.12"}, nil, "--local")
	stdout, stderr, err := interruptAt(t, cmd, "smoke: importing", syscall.SIGTERM)
	s.finish(t, cmd, err, stdout, stderr)
	t.Logf("the log ends with:\n%s", tail(s.stdout, 8))
	if s.code != 130 {
		t.Errorf("exit code %d, want 130", s.code)
	}
	_, errs := errorsAt(s.stdout)
	if len(errs) != 1 || !strings.Contains(errs[0].Data, "cancelled during smoke: imports") || !strings.Contains(errs[0].Data, "temporary function") || !strings.Contains(errs[0].Data, "was deleted") {
		t.Errorf("the last message does not say the temporary function was deleted: %v", errs)
	}
	emu, err := fcemu.New(fcemu.WithStateDir(filepath.Join(ws, ".lithops-runtime", "emulator")))
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	for _, f := range emu.Functions() {
		t.Errorf("function %s is left in the emulator's state", f.Name)
	}
}

// watchBuffer is a log that says when a line holding want was written.
type watchBuffer struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	want string
	seen chan struct{}
	once bool
}

func (w *watchBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.buf.Write(p)
	if !w.once && strings.Contains(w.buf.String(), w.want) {
		w.once = true
		close(w.seen)
	}
	return n, err
}

func (w *watchBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}
