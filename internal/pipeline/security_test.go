package pipeline_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/lithops-fc/runtime-action/internal/deploy/deploytest"
	"github.com/lithops-fc/runtime-action/internal/fcemu"
	"github.com/lithops-fc/runtime-action/internal/pipeline/pipelinetest"
	"github.com/lithops-fc/runtime-action/internal/report"
)

// forged are lines planted in what functions answer and log: a heredoc delimiter and
// outputs, and every command that could hijack the step. Each starts its data with
// FORGED, which noInjectedCommands (run on every log) looks for.
var forged = []string{
	"ghadelimiter_FORGED",
	"evil<<ghadelimiter_FORGED",
	"evil=FORGED",
	"ghadelimiter_FORGED",
	"::set-output name=evil::FORGED",
	"::add-mask::FORGED",
	"::warning::FORGED warning",
	"::stop-commands::FORGED",
	"::error::FORGED error",
	"::FORGED::",
	"##[set-output name=evil;]FORGED",
	"  ::notice::FORGED notice",
}

// pyForged is forged as a Python expression.
func pyForged() string {
	b, _ := json.Marshal(strings.Join(forged, "\n"))
	return string(b)
}

// TestNoInjectionFromFunctions: forged lines in an import traceback, a function's log,
// a handler exception and a metadata answer set no output and issue no command; every
// line of them shown in the log is between the run's own ::stop-commands:: markers.
func TestNoInjectionFromFunctions(t *testing.T) {
	loud := pipelinetest.Module("loudmod", "1.0", "import sys\nprint("+pyForged()+")\nprint("+pyForged()+", file=sys.stderr)\n"+
		"raise RuntimeError('loudmod failed\\n' + "+pyForged()+")\n")
	tests := []struct {
		name    string
		reqs    string
		setup   func(t *testing.T, v *deploytest.Env, a *action)
		success bool
	}{
		{name: "import traceback and log tail", reqs: "fc-demo\nloudmod\n"},
		{name: "handler exception of the metadata call", reqs: "fc-demo\n", setup: func(t *testing.T, v *deploytest.Env, a *action) {
			v.Probe.Faults().FailInvocations(fc3.functionName(t, 256), 1, "crash\n"+strings.Join(forged, "\n"))
		}},
		{name: "metadata answer with forged fields", reqs: "fc-demo\n", success: true, setup: func(t *testing.T, v *deploytest.Env, a *action) {
			forgeMetadataAnswer(t, v, fc3.functionName(t, 256))
		}},
		{name: "FC error message, logged with the retry", reqs: "fc-demo\n", success: true, setup: func(t *testing.T, v *deploytest.Env, a *action) {
			// The legacy ##[command] form acts anywhere in a line, not only at its start.
			v.Probe.Faults().FailNext(fcemu.OpGetFunction, 1, 503, "Busy ##[set-output name=evil;]FORGED ##[add-mask]FORGED")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := startEmulator(t, fc3)
			a := newAction(t, fc3, v, tt.reqs, demo("1.0.0"), loud)
			if tt.setup != nil {
				tt.setup(t, v, a)
			}
			r := a.run(t.Context()) // run scans the log for effective injected commands
			if tt.success != (r.code == 0) {
				t.Fatalf("exit code %d, want success %v", r.code, tt.success)
			}
			m, _ := published(t, v, r.out["runtime-key"])
			if !strings.Contains(r.log, "FORGED") && !strings.Contains(string(m.raw), "FORGED") {
				t.Fatalf("the forged text reached neither the log nor the published metadata: the test proves nothing")
			}
			// A forged line is shown only while commands are stopped, or escaped inside
			// one of the action's own annotations.
			cmds, stopped := pipelinetest.Commands(r.log)
			annotation := map[int]bool{}
			for _, c := range cmds {
				if c.Name == "error" || c.Name == "warning" || c.Name == "notice" {
					annotation[c.Line] = true
				}
			}
			for i, line := range strings.Split(r.log, "\n") {
				if strings.Contains(line, "FORGED") && !stopped[i+1] && !annotation[i+1] {
					l := strings.TrimLeft(line, " \t")
					if strings.HasPrefix(l, "::") || strings.Contains(l, "##[") || strings.HasPrefix(l, "evil") || strings.HasPrefix(l, "ghadelimiter") {
						t.Errorf("log line %d is shown with commands on: %q", i+1, line)
					}
				}
			}
			if !tt.success {
				if len(r.outputs) != 0 {
					t.Errorf("a failed run set outputs: %v", r.outputs)
				}
				return
			}
			var names []string
			for _, o := range r.outputs {
				names = append(names, o.Name)
				if strings.Contains(o.Value, "FORGED") {
					t.Errorf("output %s carries forged text: %q", o.Name, o.Value)
				}
			}
			var want []string
			for _, f := range report.OutputFields() {
				want = append(want, f.Name)
			}
			if strings.Join(names, " ") != strings.Join(want, " ") {
				t.Errorf("outputs %v, want exactly %v", names, want)
			}
		})
	}
}

// forgeMetadataAnswer makes the metadata call of function name answer the real metadata
// plus a field of forged lines and its log tail of forged lines, as a compromised
// runtime could.
func forgeMetadataAnswer(t *testing.T, v *deploytest.Env, name string) {
	h := v.Emu.Handler()
	v.Intercept(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodPost || !strings.Contains(r.URL.Path, "/functions/"+name+"/invocations") {
			return false
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		var answer map[string]any
		if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &answer) != nil {
			return false // let the emulator answer again: the test then fails on its own
		}
		answer["note"] = strings.Join(forged, "\n")
		answer["preinstalls"] = append(answer["preinstalls"].([]any), []any{strings.Join(forged, "\n"), false})
		body, _ := json.Marshal(answer)
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusOK)
		w.Write(body)
		return true
	})
}

// Credentials of a plain-http index on another host travel unencrypted. They are still
// sent (private indexes on internal networks often have no TLS, and pip sends them too),
// but the step warns, naming the index without its token; the token stays masked.
func TestPlainHTTPIndexCredentialsWarn(t *testing.T) {
	const token = "idx-TOKEN-3b8e1f"
	var mu sync.Mutex
	var auth []string
	internal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		auth = append(auth, r.Header.Get("Authorization"))
		mu.Unlock()
		http.NotFound(w, r) // every project comes from find-links
	}))
	t.Cleanup(internal.Close)
	// pypi.internal.example is the internal index: every connection goes to the test server.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, internal.Listener.Addr().String())
	}

	v := startEmulator(t, fc3)
	a := newAction(t, fc3, v, "fc-demo\n", demo("1.0.0"))
	a.requirements("--extra-index-url http://ci:${INDEX_TOKEN}@pypi.internal.example/simple/\nfc-demo\n")
	a.inputs["no-index"], a.inputs["dry-run"] = "false", "true"
	a.inputs["index-url"] = internal.URL + "/simple/" // loopback: no warning for it
	a.env["INDEX_TOKEN"] = token
	a.secrets = append(a.secrets, token)
	a.deps.HTTP = &http.Client{Transport: tr}
	r := a.mustRun()

	var warnings []string
	for _, l := range strings.Split(r.log, "\n") {
		if strings.HasPrefix(l, "::warning") {
			warnings = append(warnings, l)
		}
	}
	want := "::warning title=Index credentials over plain http::http://pypi.internal.example/simple/: its credentials travel unencrypted"
	if len(warnings) != 1 || !strings.HasPrefix(warnings[0], want) {
		t.Errorf("warnings %q, want one starting %q", warnings, want)
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Contains(auth, "Basic "+base64.StdEncoding.EncodeToString([]byte("ci:"+token))) {
		t.Errorf("the internal index got Authorization %q, want the token from the requirements file", auth)
	}
}

// A direct URL with a token in it (pkg @ https://ci:${TOKEN}@host/pkg.whl) downloads with
// that token, and the token is masked for the runner like the index's.
func TestDirectURLCredentials(t *testing.T) {
	const token = "direct-TOKEN-9c2d41"
	dir := pipelinetest.Wheelhouse(t, t.TempDir(), demo("1.0.0"))
	files := http.FileServer(http.Dir(dir))
	wheels := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if user, pw, ok := r.BasicAuth(); !ok || user != "ci" || pw != token {
			http.Error(w, "who are you", http.StatusUnauthorized)
			return
		}
		files.ServeHTTP(w, r)
	}))
	t.Cleanup(wheels.Close)

	v := startEmulator(t, fc3)
	a := newAction(t, fc3, v, "")
	a.requirements("fc-demo @ " + strings.Replace(wheels.URL, "http://", "http://ci:${WHEEL_TOKEN}@", 1) + "/fc_demo-1.0.0-py3-none-any.whl\n")
	a.inputs["dry-run"] = "true"
	a.env["WHEEL_TOKEN"] = token
	a.secrets = append(a.secrets, token)
	r := a.mustRun()
	if !strings.Contains(r.log, "::add-mask::"+token) {
		t.Errorf("the direct URL's token was not masked for the runner")
	}
}
