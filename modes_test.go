package main

// Issue 15's first half through the binary, against the FC emulator on FC 2.0 and FC 3.0:
// mode: check, locked deploys (lock) and the change report (the changes output,
// compare-to, the published lock).

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/lithops-fc/runtime-action/internal/deploy/deploytest"
	"github.com/lithops-fc/runtime-action/internal/fcemu"
	"github.com/lithops-fc/runtime-action/internal/fcruntime"
	"github.com/lithops-fc/runtime-action/internal/lithops"
	"github.com/lithops-fc/runtime-action/internal/pipeline/pipelinetest"
	"github.com/lithops-fc/runtime-action/internal/pylock"
	"github.com/lithops-fc/runtime-action/internal/python/wheeltest"
)

// cloud is one FC API with the FIXTURE Lithops and Python it is tested with.
type cloud struct {
	api     fcruntime.API
	lithops string
	python  string
}

var clouds = []cloud{{fcruntime.FC2, "3.6.4", "3.10"}, {fcruntime.FC3, "3.7.0", "3.12"}}

// eachCloud runs f as a subtest for FC 2.0 and for FC 3.0.
func eachCloud(t *testing.T, f func(t *testing.T, c cloud)) {
	for _, c := range clouds {
		t.Run("FC"+string(c.api), func(t *testing.T) { f(t, c) })
	}
}

// The user's package at two versions: 2.0.0 needs one more dependency.
var (
	demoV1  = pipelinetest.Module("fc-demo", "1.0.0", "import six\n\nVERSION = '1.0.0'\n", "six>=1.16")
	demoV2  = pipelinetest.Module("fc-demo", "2.0.0", "import six\nimport fc_extra\n\nVERSION = '2.0.0'\n", "six>=1.16", "fc-extra>=1")
	demoBad = pipelinetest.Module("fc-demo", "3.0.0", "raise RuntimeError('fc-demo 3.0.0 is broken')\n", "six>=1.16")
	extra   = pipelinetest.Module("fc-extra", "1.1", "X = 1\n")
)

// account is the emulator as a cloud account, and a workspace whose requirements come
// from an index with credentials (a locked deploy must use them too).
type account struct {
	c     cloud
	v     *deploytest.Env
	ws    string
	index *pipelinetest.Index
	house string // the index's wheels
}

func newAccount(t *testing.T, c cloud) *account {
	t.Helper()
	py := wheeltest.Python(t, c.python)
	v := deploytest.Start(t, c.api, fcemu.WithPython(c.python, py), fcemu.WithPendingPolls(0))
	house := pipelinetest.Wheelhouse(t, t.TempDir(), append(pipelinetest.Runtime(c.lithops, demoV1, demoV2, demoBad, extra), wheeltest.Worker("six"))...)
	return &account{c: c, v: v, ws: newWorkspace(t, nil), house: house,
		index: pipelinetest.NewIndex(t, house, pipelinetest.WithCredentials(indexUser, indexPassword))}
}

// requirements writes requirements.txt: the lithops pin and fc-demo at version.
func (a *account) requirements(t *testing.T, version string) {
	t.Helper()
	content := "lithops==" + a.c.lithops + "\nfc-demo==" + version + "\n"
	if err := os.WriteFile(filepath.Join(a.ws, "requirements.txt"), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// inputs are a deploy's inputs on the emulator, with more (an empty value drops one).
func (a *account) inputs(more map[string]string) map[string]string {
	in := map[string]string{
		"requirements": "requirements.txt", "index-url": a.index.URL, "python-version": a.c.python,
		"runtime-name": "modes", "runtime-timeout": "60",
		"region": deploytest.Region, "account-id": deploytest.Account, "role-arn": deploytest.Role,
		"endpoint": a.v.URL, "oss-endpoint": a.v.URL, "storage-bucket": deploytest.Bucket,
		"access-key-id": a.v.Creds.AccessKeyID, "access-key-secret": a.v.Creds.AccessKeySecret, "security-token": a.v.Creds.SecurityToken,
	}
	if a.c.api == fcruntime.FC2 {
		in["service"] = deploytest.Service
	}
	for k, v := range more {
		if v == "" {
			delete(in, k)
		} else {
			in[k] = v
		}
	}
	return in
}

// run runs the binary in the account's workspace and scans what it left for secrets.
func (a *account) run(t *testing.T, more map[string]string, args ...string) *step {
	t.Helper()
	s := runStep(t, a.ws, a.inputs(more), nil, args...)
	pipelinetest.NoSecrets(t, a.v.Secrets(), map[string]string{"stdout": pipelinetest.Shown(s.stdout), "stderr": s.stderr, "step summary": s.summary})
	return s
}

func (a *account) mustRun(t *testing.T, more map[string]string, args ...string) *step {
	t.Helper()
	s := a.run(t, more, args...)
	if s.code != 0 {
		t.Fatalf("exit code %d, want 0; stdout:\n%s", s.code, s.stdout)
	}
	return s
}

// live is everything of the runtime that lives in the account: every function as the
// emulator holds it (configuration, code checksum, times), and every object of the
// storage bucket with its bytes.
type live struct {
	Functions []fcemu.FunctionInfo
	Objects   map[string]string
}

func (a *account) live(t *testing.T) live {
	t.Helper()
	l := live{Functions: a.v.Emu.Functions(), Objects: map[string]string{}}
	for _, o := range a.v.Emu.Objects(deploytest.Bucket) {
		data, _ := a.v.Emu.Object(deploytest.Bucket, o.Key)
		l.Objects[o.Key] = o.ContentType + " " + o.ETag + "\n" + string(data)
	}
	return l
}

// runtimeKey is the runtime key of the one function of a step's outputs.
func runtimeKey(t *testing.T, s *step) string {
	t.Helper()
	if s.out["runtime-key"] == "" {
		t.Fatalf("no runtime-key output: %v", s.out)
	}
	return s.out["runtime-key"]
}

// wheelDist is a wheel of the index as the changes output describes it.
func (a *account) wheelDist(t *testing.T, w wheeltest.Wheel) *pylock.Dist {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(a.house, w.Filename()))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return &pylock.Dist{Version: w.Version, Wheel: w.Filename(), SHA256: hex.EncodeToString(sum[:])}
}

// changesOf decodes a changes output.
func changesOf(t *testing.T, s *step) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s.out["changes"]), &m); err != nil {
		t.Fatalf("changes output %q: %v", s.out["changes"], err)
	}
	return m
}

// wantChanges is the changes output pylock's schema 1 gives for changes, re-decoded so
// that it compares with changesOf.
func wantChanges(t *testing.T, first bool, summary string, counts map[string]int, changes []pylock.Change) map[string]any {
	t.Helper()
	if changes == nil {
		changes = []pylock.Change{}
	}
	raw, err := json.Marshal(map[string]any{"schema": 1, "first_deploy": first, "summary": summary, "counts": counts, "changes": changes})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestChangeReportBetweenTwoDeploys: a first deploy reports every distribution as added
// and publishes its lock beside the metadata; a second deploy with fc-demo 2.0.0 (one more
// dependency) reports exactly that, as the changes output, a table in the summary and a
// log line, and replaces the published lock.
func TestChangeReportBetweenTwoDeploys(t *testing.T) {
	eachCloud(t, func(t *testing.T, c cloud) {
		a := newAccount(t, c)
		a.requirements(t, "1.0.0")
		first := a.mustRun(t, nil)
		key := runtimeKey(t, first)
		var added []pylock.Change
		for _, w := range append(pipelinetest.Runtime(c.lithops, demoV1), wheeltest.Worker("six")) {
			name := strings.ToLower(w.Name)
			if slices.ContainsFunc(added, func(c pylock.Change) bool { return c.Name == name }) {
				continue
			}
			added = append(added, pylock.Change{Name: name, Kind: pylock.Added, After: a.wheelDist(t, w)})
		}
		sort.Slice(added, func(i, j int) bool { return added[i].Name < added[j].Name })
		want := wantChanges(t, true, "first deploy: 8 distributions", map[string]int{"added": 8, "removed": 0, "upgraded": 0, "downgraded": 0, "rebuilt": 0, "unchanged": 0}, added)
		if diff := cmp.Diff(want, changesOf(t, first)); diff != "" {
			t.Errorf("first deploy's changes (-want +got):\n%s", diff)
		}
		local, err := os.ReadFile(filepath.Join(a.ws, first.out["lock-path"]))
		if err != nil {
			t.Fatal(err)
		}
		published, ok := a.v.Emu.Object(deploytest.Bucket, lithops.LockKey(key))
		if !ok || !bytes.Equal(published, local) {
			t.Fatalf("published lock %s: %v, %d bytes; want the run's pylock.toml (%d bytes)", lithops.LockKey(key), ok, len(published), len(local))
		}

		a.requirements(t, "2.0.0")
		second := a.mustRun(t, nil)
		line := "fc-demo 1.0.0 → 2.0.0, +1 new dependency"
		want = wantChanges(t, false, line, map[string]int{"added": 1, "removed": 0, "upgraded": 1, "downgraded": 0, "rebuilt": 0, "unchanged": 7}, []pylock.Change{
			{Name: "fc-demo", Kind: pylock.Upgraded, Before: a.wheelDist(t, demoV1), After: a.wheelDist(t, demoV2)},
			{Name: "fc-extra", Kind: pylock.Added, After: a.wheelDist(t, extra)},
		})
		if diff := cmp.Diff(want, changesOf(t, second)); diff != "" {
			t.Errorf("second deploy's changes (-want +got):\n%s", diff)
		}
		if !strings.Contains(second.stdout, "changes: "+line+"; compared with the live runtime's lock, oss://"+deploytest.Bucket+"/"+lithops.LockKey(key)) {
			t.Errorf("the log does not say %q", line)
		}
		for _, w := range []string{"### What changes", line, "| fc-demo | 1.0.0 | 2.0.0 | upgraded |", "| fc-extra | — | 1.1 | added |"} {
			if !strings.Contains(second.summary, w) {
				t.Errorf("the summary lacks %q:\n%s", w, second.summary)
			}
		}
		local, _ = os.ReadFile(filepath.Join(a.ws, second.out["lock-path"]))
		if published, _ := a.v.Emu.Object(deploytest.Bucket, lithops.LockKey(key)); !bytes.Equal(published, local) {
			t.Errorf("the published lock is not the second deploy's")
		}
	})
}

// TestCheckLeavesTheLiveRuntimeAlone: with a runtime live, a check whose import fails,
// and then a check that passes, leave every function (configuration, code checksum,
// times) and every object of the bucket (the metadata and the lock) byte for byte as they
// were, and delete their temporary function; the passing one says deployed: checked,
// names what a deploy would make and reports the changes against the live lock.
func TestCheckLeavesTheLiveRuntimeAlone(t *testing.T) {
	eachCloud(t, func(t *testing.T, c cloud) {
		a := newAccount(t, c)
		a.requirements(t, "1.0.0")
		deployed := a.mustRun(t, nil)
		before := a.live(t)
		if len(before.Functions) != 1 || len(before.Objects) < 2 {
			t.Fatalf("after the deploy: %d functions, %d objects", len(before.Functions), len(before.Objects))
		}

		t.Run("an import fails", func(t *testing.T) {
			a.requirements(t, "3.0.0")
			s := a.run(t, map[string]string{"mode": "check"})
			if s.code != 1 {
				t.Fatalf("exit code %d, want 1", s.code)
			}
			_, errs := errorsAt(s.stdout)
			if len(errs) == 0 || !strings.Contains(errs[0].Data, "fc-demo 3.0.0 is broken") || !strings.Contains(errs[0].Data, "nothing live changed") ||
				!strings.Contains(errs[0].Data, "the temporary function") {
				t.Errorf("errors %v; want the import failure, that the temporary function was deleted and that nothing live changed", errs)
			}
			if len(s.outputs) != 0 {
				t.Errorf("a failed check set outputs")
			}
			if diff := cmp.Diff(before, a.live(t)); diff != "" {
				t.Errorf("the live runtime changed (-before +after):\n%s", diff)
			}
			a.v.NoSmokeFunctions(t)
		})

		t.Run("it passes", func(t *testing.T) {
			a.requirements(t, "2.0.0")
			s := a.mustRun(t, map[string]string{"mode": "check"})
			if diff := cmp.Diff(before, a.live(t)); diff != "" {
				t.Errorf("the live runtime changed (-before +after):\n%s", diff)
			}
			a.v.NoSmokeFunctions(t)
			want := map[string]string{"deployed": "checked", "function-arn": "", "function-name": deployed.out["function-name"],
				"runtime-key": deployed.out["runtime-key"], "service-name": deployed.out["service-name"],
				// fc_demo, fc_extra, six and Lithops' worker modules
				"smoke-result": "imports ok (8 modules), metadata ok"}
			for k, w := range want {
				if s.out[k] != w {
					t.Errorf("output %s = %q, want %q", k, s.out[k], w)
				}
			}
			if got := changesOf(t, s)["summary"]; got != "fc-demo 1.0.0 → 2.0.0, +1 new dependency" {
				t.Errorf("changes summary %q", got)
			}
			for _, w := range []string{"Checked (mode: check)", "Nothing live changed", "a deploy would update it", "fc-demo 1.0.0 → 2.0.0"} {
				if !strings.Contains(s.summary, w) {
					t.Errorf("the summary lacks %q:\n%s", w, s.summary)
				}
			}
			for _, g := range []string{"::group::smoke: check", "::group::changes"} {
				if !strings.Contains(s.stdout, g) {
					t.Errorf("the log has no %s", g)
				}
			}
			for _, g := range []string{"::group::deploy", "::group::verify"} {
				if strings.Contains(s.stdout, g) {
					t.Errorf("a check ran %s", g)
				}
			}
		})
	})
}

// lockedWorkspace makes the lock a pull request's dry run writes for fc-demo 1.0.0 and
// keeps it as checked/pylock.toml (as actions/download-artifact would put it).
func (a *account) lockedWorkspace(t *testing.T) string {
	t.Helper()
	a.requirements(t, "1.0.0")
	dry := a.mustRun(t, map[string]string{"dry-run": "true"})
	lock, err := os.ReadFile(filepath.Join(a.ws, dry.out["lock-path"]))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(a.ws, "checked", "pylock.toml")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, lock, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestLockedDeploy: a deploy given the lock a pull request's run wrote installs exactly
// its wheels, downloaded through the index with its credentials, writes and publishes a
// lock that is the same file, and reports no changes against it.
func TestLockedDeploy(t *testing.T) {
	eachCloud(t, func(t *testing.T, c cloud) {
		a := newAccount(t, c)
		lockPath := a.lockedWorkspace(t)
		given, _ := os.ReadFile(lockPath)
		// A check of the lock (a committed lock's pull request): exactly its wheels, in a
		// temporary function.
		checked := a.mustRun(t, map[string]string{"lock": "checked/pylock.toml", "mode": "check"})
		if checked.out["deployed"] != "checked" || len(a.v.Emu.Functions()) != 0 || !strings.Contains(checked.stdout, "the two files are identical") {
			t.Errorf("a locked check: deployed %q, %d functions", checked.out["deployed"], len(a.v.Emu.Functions()))
		}
		// The index now has a newer fc-demo: a resolution would change, the lock does not.
		s := a.mustRun(t, map[string]string{"lock": "checked/pylock.toml", "compare-to": "checked/pylock.toml"})
		if strings.Contains(s.stdout, "::group::resolve") {
			t.Errorf("a locked deploy resolved")
		}
		if !strings.Contains(s.stdout, "the two files are identical") {
			t.Errorf("the log does not say the lock written is the lock given")
		}
		wrote, _ := os.ReadFile(filepath.Join(a.ws, s.out["lock-path"]))
		if !bytes.Equal(given, wrote) {
			t.Errorf("the lock written differs from the lock given:\n%s\n--- given\n%s", wrote, given)
		}
		if published, _ := a.v.Emu.Object(deploytest.Bucket, lithops.LockKey(runtimeKey(t, s))); !bytes.Equal(published, given) {
			t.Errorf("the published lock is not the lock given")
		}
		if got := changesOf(t, s)["summary"]; got != "no changes (8 distributions)" {
			t.Errorf("changes against the lock itself: %q", got)
		}
		if s.out["deployed"] != "created" {
			t.Errorf("deployed %q", s.out["deployed"])
		}
	})
}

// TestLockedDeployRefusals: a lock with one tampered hash, or made from requirements
// that changed since, is refused before anything touches the cloud (the emulator
// answers no call at all: no upload, no FC call), with an error on the lock's line.
func TestLockedDeployRefusals(t *testing.T) {
	eachCloud(t, func(t *testing.T, c cloud) {
		a := newAccount(t, c)
		lockPath := a.lockedWorkspace(t)
		given, _ := os.ReadFile(lockPath)
		l, err := pylock.Parse("pylock.toml", given)
		if err != nil {
			t.Fatal(err)
		}
		demo, six := l.Package("fc-demo").Wheel.SHA256, l.Package("six").Wheel.SHA256
		demoLine := 0 // the line of its "wheels = [", the one before its wheel's
		for i, line := range strings.Split(string(given), "\n") {
			if strings.Contains(line, demo) {
				demoLine = i // 0-based: the number of the line before
			}
		}

		t.Run("a tampered hash", func(t *testing.T) {
			if err := os.WriteFile(lockPath, bytes.Replace(given, []byte(demo), []byte(six), 1), 0o644); err != nil {
				t.Fatal(err)
			}
			a.v.Probe.ResetCalls()
			s := a.run(t, map[string]string{"lock": "checked/pylock.toml"})
			if s.code != 1 {
				t.Fatalf("exit code %d, want 1", s.code)
			}
			if calls := a.v.Probe.Calls(); len(calls) != 0 {
				t.Errorf("the emulator answered %d calls (first %s %s); want none", len(calls), calls[0].Op, calls[0].Resource)
			}
			at, errs := errorsAt(s.stdout)
			msg, ok := at["checked/pylock.toml:"+strconv.Itoa(demoLine)]
			if !ok || !strings.Contains(msg, "fc-demo 1.0.0") || !strings.Contains(msg, "the lock pins sha256:"+six) || !strings.Contains(msg, "nothing was deployed") {
				t.Errorf("errors %v; want one on checked/pylock.toml:%d naming fc-demo and the hashes", errs, demoLine)
			}
		})

		t.Run("the requirements changed", func(t *testing.T) {
			if err := os.WriteFile(lockPath, given, 0o644); err != nil {
				t.Fatal(err)
			}
			a.requirements(t, "2.0.0")
			a.v.Probe.ResetCalls()
			s := a.run(t, map[string]string{"lock": "checked/pylock.toml"})
			if s.code != 1 {
				t.Fatalf("exit code %d, want 1", s.code)
			}
			if calls := a.v.Probe.Calls(); len(calls) != 0 {
				t.Errorf("the emulator answered %d calls; want none", len(calls))
			}
			at, errs := errorsAt(s.stdout)
			found := false
			for place, msg := range at {
				if strings.HasPrefix(place, "checked/pylock.toml:") && strings.Contains(msg, "requirements.txt changed since the lock was made") {
					found = true
				}
			}
			if _, onReqs := at["requirements.txt:"]; !found || !onReqs {
				t.Errorf("errors %v; want them on the lock's line and on requirements.txt", errs)
			}
			if strings.Contains(s.stdout, "::group::fetch") {
				t.Errorf("a refused lock was fetched")
			}
		})
	})
}

// TestLocalCheckAndItsCancellation: with --local, a check of a runtime that is live
// reports deployed: checked and leaves the emulator's functions as they were; one
// cancelled while its temporary function imports deletes that function before the
// emulator stops, and says so.
func TestLocalCheckAndItsCancellation(t *testing.T) {
	wheeltest.Python(t, "3.12")
	slow := pipelinetest.Module("slowimport", "1.0", "import time\ntime.sleep(60)\n")
	ws := newWorkspace(t, map[string]string{"requirements.txt": "lithops==3.7.0\nfc-demo\n"})
	pipelinetest.Wheelhouse(t, filepath.Join(ws, "wheels"), append(append(pipelinetest.Runtime("3.7.0"), userModule, slow), wheeltest.FCPreinstalled("python3.12")...)...)
	in := map[string]string{"requirements": "requirements.txt", "find-links": "wheels", "no-index": "true", "python-version": "3.12"}
	if s := runStep(t, ws, in, nil, "--local"); s.code != 0 || s.out["deployed"] != "created" {
		t.Fatalf("--local deploy: exit %d, deployed %q", s.code, s.out["deployed"])
	}
	functions := func() []fcemu.FunctionInfo {
		emu, err := fcemu.New(fcemu.WithStateDir(filepath.Join(ws, ".lithops-runtime", "emulator")))
		if err != nil {
			t.Fatal(err)
		}
		defer emu.Close()
		return emu.Functions()
	}
	before := functions()

	in["mode"] = "check"
	s := runStep(t, ws, in, nil, "--local")
	if s.code != 0 || s.out["deployed"] != "checked" || changesOf(t, s)["summary"] != "no changes (8 distributions)" {
		t.Fatalf("--local check: exit %d, deployed %q, changes %q", s.code, s.out["deployed"], s.out["changes"])
	}
	if diff := cmp.Diff(before, functions()); diff != "" {
		t.Errorf("the check changed the emulator's functions (-before +after):\n%s", diff)
	}

	if err := os.WriteFile(filepath.Join(ws, "requirements.txt"), []byte("lithops==3.7.0\nfc-demo\nslowimport\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd, st := command(t, ws, in, nil, "--local")
	stdout, stderr, err := interruptAt(t, cmd, "smoke: importing", syscall.SIGTERM)
	st.finish(t, cmd, err, stdout, stderr)
	if st.code != 130 {
		t.Errorf("exit code %d, want 130", st.code)
	}
	_, errs := errorsAt(st.stdout)
	if len(errs) != 1 || !strings.Contains(errs[0].Data, "cancelled during smoke: check") || !strings.Contains(errs[0].Data, "was deleted") ||
		!strings.Contains(errs[0].Data, "nothing live changed") {
		t.Errorf("the last message does not say the temporary function was deleted and nothing live changed: %v", errs)
	}
	if diff := cmp.Diff(before, functions()); diff != "" {
		t.Errorf("the cancelled check left the emulator's functions changed (-before +after):\n%s", diff)
	}
}
