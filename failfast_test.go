package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lithops-fc/runtime-action/internal/fcemu"
)

// exampleWorkspace is a workspace holding the README's examples/ folder.
func exampleWorkspace(t *testing.T) string {
	t.Helper()
	ws := newWorkspace(t, nil)
	if err := os.CopyFS(filepath.Join(ws, "examples"), os.DirFS("examples")); err != nil {
		t.Fatal(err)
	}
	return ws
}

var exampleArgs = []string{"--requirements", "examples/local/requirements.txt", "--find-links", "examples/local/wheelhouse", "--no-index", "--python-version", "3.12"}

// TestLocalWithoutPython: --local where no CPython of the runtime's version exists (the
// action's image has none) is refused once the version is known, before anything is
// resolved or deployed, and is not retried as if it were transient.
func TestLocalWithoutPython(t *testing.T) {
	ws := exampleWorkspace(t)
	empty := t.TempDir() // no pyenv versions, nothing on PATH
	s := runStep(t, ws, nil, map[string]string{"PYENV_ROOT": empty, "PATH": empty}, append([]string{"--local"}, exampleArgs...)...)
	if s.code == 0 {
		t.Fatalf("--local without CPython 3.12 passed:\n%s", s.stdout)
	}
	errLine := ""
	for _, l := range strings.Split(s.stdout, "\n") {
		if strings.HasPrefix(l, "::error") {
			errLine = l
			break
		}
	}
	if !strings.Contains(errLine, "flag --local") || !strings.Contains(errLine, "CPython 3.12") || !strings.Contains(errLine, "install CPython 3.12") {
		t.Errorf("error %q does not name --local, the missing CPython and the fix", errLine)
	}
	for _, bad := range []string{"retrying", "fcemu.WithPython", "::group::resolve", "::group::deploy"} {
		if strings.Contains(s.stdout, bad) {
			t.Errorf("output has %q: the missing interpreter was not found first", bad)
		}
	}
	emu, err := fcemu.New(fcemu.WithStateDir(filepath.Join(ws, ".lithops-runtime", "emulator")))
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	if fns := emu.Functions(); len(fns) != 0 {
		t.Errorf("functions deployed before failing: %+v", fns)
	}
}

// TestDeployUnreachableEndpoint: an endpoint that refuses connections is retried for a
// bounded time only, and the first retry line says what is retried and for how long.
func TestDeployUnreachableEndpoint(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	endpoint := "http://" + l.Addr().String()
	l.Close() // nothing listens there now: connection refused
	ws := exampleWorkspace(t)
	s := runStep(t, ws, map[string]string{
		"REGION": "cn-hangzhou", "ACCOUNT-ID": "1234567890123456", "ROLE-ARN": "acs:ram::1234567890123456:role/x",
		"ACCESS-KEY-ID": "LTAItest", "ACCESS-KEY-SECRET": keySecret, "ENDPOINT": endpoint, "OSS-ENDPOINT": endpoint,
	}, nil, exampleArgs...)
	if s.code == 0 {
		t.Fatalf("deploy to %s passed", endpoint)
	}
	var retries []string
	errLine := ""
	for _, l := range strings.Split(s.stdout, "\n") {
		switch {
		case strings.Contains(l, "retrying in"):
			retries = append(retries, l)
		case strings.HasPrefix(l, "::error") && errLine == "":
			errLine = l
		}
	}
	if len(retries) == 0 || !strings.Contains(retries[0], "connection refused") || !strings.Contains(retries[0], "within 10s (an endpoint that cannot be connected to)") {
		t.Errorf("first retry line does not say what is retried and for how long: %q", retries)
	}
	if len(retries) >= 7 {
		t.Errorf("%d retries of an endpoint that never answered", len(retries))
	}
	if !strings.Contains(errLine, "connection refused") || !strings.Contains(errLine, "gave up after") {
		t.Errorf("error %q does not say the endpoint refused and retries stopped", errLine)
	}
}
