package main

// The runtime's life after its deploy, through the binary as the runner runs it: mode:
// delete, mode: list and prune, on FC 2.0 and FC 3.0, against an emulator in the test
// process (its faults and state are the test's) reached through the endpoint inputs.

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/alibabacloud-go/tea/tea"
	fc "github.com/aliyun/fc-go-sdk"

	"github.com/lithops-fc/runtime-action/internal/deploy"
	"github.com/lithops-fc/runtime-action/internal/deploy/deploytest"
	"github.com/lithops-fc/runtime-action/internal/fcemu"
	"github.com/lithops-fc/runtime-action/internal/fcruntime"
	"github.com/lithops-fc/runtime-action/internal/lithops"
	"github.com/lithops-fc/runtime-action/internal/pipeline/pipelinetest"
	"github.com/lithops-fc/runtime-action/internal/python/wheeltest"
	"github.com/lithops-fc/runtime-action/internal/report"
)

// lifeAccount is the emulator and the inputs every step against it takes.
type lifeAccount struct {
	v   *deploytest.Env
	ws  string
	pkg *deploy.Package // seedPackage
}

func newLifeAccount(t *testing.T) *lifeAccount {
	t.Helper()
	// Functions are ready at once: the binary polls FC 3.0 every second otherwise.
	v := deploytest.Start(t, fcruntime.FC3, fcemu.WithPendingPolls(0))
	return &lifeAccount{v: v, ws: t.TempDir()}
}

// inputs are the account's inputs (STS keys, so FC 2.0 needs the service input, as
// Lithops' users set it), with more.
func (a *lifeAccount) inputs(more map[string]string) map[string]string {
	in := map[string]string{
		"region": deploytest.Region, "account-id": deploytest.Account, "role-arn": deploytest.Role,
		"endpoint": a.v.URL, "oss-endpoint": a.v.URL, "storage-bucket": deploytest.Bucket, "service": deploytest.Service,
		"access-key-id": a.v.Creds.AccessKeyID, "access-key-secret": a.v.Creds.AccessKeySecret, "security-token": a.v.Creds.SecurityToken,
		"python-version": deploytest.Python,
	}
	for k, v := range more {
		in[k] = v
	}
	return in
}

// run runs the binary in the account's workspace.
func (a *lifeAccount) run(t *testing.T, more map[string]string) *step {
	t.Helper()
	s := runStep(t, a.ws, a.inputs(more), nil)
	pipelinetest.NoSecrets(t, a.v.Secrets(), map[string]string{"stdout": pipelinetest.Shown(s.stdout), "stderr": s.stderr, "step summary": s.summary})
	return s
}

// deploy deploys runtime (runtime-name; "" for Lithops' default) with Lithops version at
// memory (a comma list) and more inputs, through the binary; the step must pass.
func (a *lifeAccount) deploy(t *testing.T, version, runtime, memory string, more map[string]string) *step {
	t.Helper()
	s := a.deployStep(t, version, runtime, memory, more)
	if s.code != 0 {
		t.Fatalf("deploy of %s %s: exit %d\n%s", runtime, version, s.code, tail(s.stdout, 30))
	}
	return s
}

// deployStep is deploy's step, whatever its outcome.
func (a *lifeAccount) deployStep(t *testing.T, version, runtime, memory string, more map[string]string) *step {
	t.Helper()
	dir := filepath.Join(a.ws, "wheels-"+version)
	pipelinetest.Wheelhouse(t, dir, pipelinetest.Runtime(version)...)
	req := "requirements-" + version + ".txt"
	if err := os.WriteFile(filepath.Join(a.ws, req), []byte("lithops=="+version+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	in := map[string]string{"requirements": req, "find-links": filepath.Base(dir), "no-index": "true", "runtime-name": runtime,
		"runtime-memory": memory, "runtime-timeout": "60", "smoke": "metadata"}
	for k, v := range more {
		in[k] = v
	}
	return a.run(t, in)
}

// functionName is Lithops' name of runtime's function of version at memory.
func functionName(t *testing.T, version, runtime string, memory int) string {
	t.Helper()
	l, err := lithops.New(version)
	if err != nil {
		t.Fatal(err)
	}
	name, err := l.FunctionName(runtime, memory)
	if err != nil {
		t.Fatal(err)
	}
	return name
}

// metaKey and lockKey are the objects of runtime's function name of version.
func metaKey(t *testing.T, version, name string) string {
	t.Helper()
	return lithops.MetaKey(workerKey(t, version, name))
}

func lockKey(t *testing.T, version, name string) string {
	t.Helper()
	return lithops.LockKey(workerKey(t, version, name))
}

// locks sorts the locks of version's functions fns, as "lock <key>" lines, into those
// published (a deploy that publishes its lock beside the metadata leaves one: issue
// 15's check branch) and those that are not: a delete reports the first deleted, the
// second already gone.
func (a *lifeAccount) locks(t *testing.T, version string, fns ...string) (published, absent []string) {
	t.Helper()
	for _, fn := range fns {
		k := lockKey(t, version, fn)
		if _, ok := a.v.Emu.Object(deploytest.Bucket, k); ok {
			published = append(published, "lock "+k)
		} else {
			absent = append(absent, "lock "+k)
		}
	}
	return published, absent
}

func workerKey(t *testing.T, version, name string) string {
	t.Helper()
	l, _ := lithops.New(version)
	key, err := l.RuntimeKey(deploytest.Region, deploytest.Service, name)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// resources reads a deleted, already-gone or remaining output as "kind name" lines,
// sorted.
func resources(t *testing.T, s *step, output string) []string {
	t.Helper()
	var rs []report.ResourceOutput
	if err := json.Unmarshal([]byte(s.out[output]), &rs); err != nil {
		t.Fatalf("output %s = %q: %v", output, s.out[output], err)
	}
	var out []string
	for _, r := range rs {
		if r.Location == "" || (r.Kind != "service" && r.LithopsVersion == "") || (r.Kind != "service" && r.Memory == 0) {
			t.Errorf("output %s: %+v lacks its location, version or memory", output, r)
		}
		out = append(out, r.Kind+" "+r.Name)
	}
	sort.Strings(out)
	return out
}

func sorted(ss ...string) []string {
	out := slices.Clone(ss)
	sort.Strings(out)
	return out
}

// emuFunctions are the names of the functions in the emulator (FC 2.0's as service/name).
func (a *lifeAccount) functions() []string {
	var out []string
	for _, f := range a.v.Emu.Functions() {
		if f.Service != "" {
			out = append(out, f.Service+"/"+f.Name)
			continue
		}
		out = append(out, f.Name)
	}
	sort.Strings(out)
	return out
}

func (a *lifeAccount) objects() []string {
	var out []string
	for _, o := range a.v.Emu.Objects(deploytest.Bucket) {
		if strings.HasPrefix(o.Key, "lithops.runtimes/aliyun_fc/") {
			out = append(out, o.Key)
		}
	}
	sort.Strings(out)
	return out
}

// TestDeleteTwice deploys a runtime with two memory sizes through the binary, deletes it
// (no runtime-memory: every size found), then deletes it again: the first removes the
// functions, their metadata and, on FC 2.0, the service the deploy created; the second
// finds nothing and says the runtime is already gone; a third naming a size lists what
// it found gone.
func TestDeleteTwice(t *testing.T) {
	for _, version := range []string{"3.6.4", "3.7.0"} {
		t.Run(version, func(t *testing.T) {
			a := newLifeAccount(t)
			a.deploy(t, version, "rt", "256,512", nil)
			fns := []string{functionName(t, version, "rt", 256), functionName(t, version, "rt", 512)}
			del := map[string]string{"mode": "delete", "lithops-version": version, "runtime-name": "rt"}
			locks, noLocks := a.locks(t, version, fns...)

			s := a.run(t, del)
			if s.code != 0 {
				t.Fatalf("delete: exit %d\n%s", s.code, tail(s.stdout, 20))
			}
			want := append([]string{"function " + fns[0], "function " + fns[1], "metadata " + metaKey(t, version, fns[0]), "metadata " + metaKey(t, version, fns[1])}, locks...)
			if version == "3.6.4" {
				want = append(want, "service "+deploytest.Service)
			}
			if got := resources(t, s, "deleted"); !slices.Equal(got, sorted(want...)) {
				t.Errorf("deleted %v, want %v", got, sorted(want...))
			}
			if got := resources(t, s, "already-gone"); !slices.Equal(got, sorted(noLocks...)) {
				t.Errorf("already-gone %v, want %v", got, sorted(noLocks...))
			}
			if s.out["remaining"] != "[]" || s.out["runtime-name"] != "rt" || s.out["lithops-version"] != version {
				t.Errorf("outputs remaining %s, runtime-name %s, lithops-version %s", s.out["remaining"], s.out["runtime-name"], s.out["lithops-version"])
			}
			if f, o := a.functions(), a.objects(); len(f) != 0 || len(o) != 0 || len(a.v.Emu.Services()) != 0 {
				t.Errorf("left: functions %v, objects %v, services %v", f, o, a.v.Emu.Services())
			}
			if !strings.Contains(s.summary, "rt (Lithops "+version+"): deleted") {
				t.Errorf("summary:\n%s", s.summary)
			}

			s = a.run(t, del)
			if s.code != 0 || s.out["deleted"] != "[]" || s.out["remaining"] != "[]" {
				t.Fatalf("delete again: exit %d, deleted %s, remaining %s\n%s", s.code, s.out["deleted"], s.out["remaining"], tail(s.stdout, 20))
			}
			if !strings.Contains(s.summary, "already gone") || !strings.Contains(s.stdout, "already gone") {
				t.Errorf("the second delete does not say the runtime is already gone:\n%s\n%s", s.summary, tail(s.stdout, 10))
			}

			del["runtime-memory"] = "512"
			s = a.run(t, del)
			want = sorted("function "+fns[1], "metadata "+metaKey(t, version, fns[1]), "lock "+lockKey(t, version, fns[1]))
			if version == "3.6.4" {
				want = sorted(append(want, "service "+deploytest.Service)...)
			}
			if got := resources(t, s, "already-gone"); s.code != 0 || !slices.Equal(got, want) || s.out["deleted"] != "[]" {
				t.Errorf("delete of 512 MB again: exit %d, already-gone %v, want %v", s.code, got, want)
			}
		})
	}
}

// TestDeleteKeepsASharedService: on FC 2.0 the service the deploy created is kept when
// another function is in it (the summary says why), and that function is untouched;
// a service the action did not create is kept even when empty.
func TestDeleteKeepsASharedService(t *testing.T) {
	a := newLifeAccount(t)
	a.deploy(t, "3.6.4", "rt", "256", nil)
	c := a.v.FC2Client(t)
	a.v.Seed(t, deploytest.Service, 256, "someone-elses-function")
	s := a.run(t, map[string]string{"mode": "delete", "lithops-version": "3.6.4", "runtime-name": "rt"})
	if s.code != 0 {
		t.Fatalf("delete: exit %d\n%s", s.code, tail(s.stdout, 20))
	}
	if got := a.functions(); !slices.Equal(got, []string{deploytest.Service + "/someone-elses-function"}) {
		t.Errorf("functions left %v, want only someone else's", got)
	}
	if !strings.Contains(s.summary, "kept: it holds other functions (someone-elses-function)") {
		t.Errorf("the summary does not say why the service was kept:\n%s", s.summary)
	}
	for _, out := range []string{"deleted", "already-gone", "remaining"} {
		if strings.Contains(s.out[out], `"kind":"service"`) {
			t.Errorf("output %s lists the kept service: %s", out, s.out[out])
		}
	}
	// Once empty, the action's service goes; one someone else made stays, even empty.
	if _, err := c.DeleteFunction(fc.NewDeleteFunctionInput(deploytest.Service, "someone-elses-function")); err != nil {
		t.Fatal(err)
	}
	s = a.run(t, map[string]string{"mode": "delete", "lithops-version": "3.6.4", "runtime-name": "rt"})
	if s.code != 0 || len(a.v.Emu.Services()) != 0 {
		t.Errorf("the action's empty service is not deleted: exit %d, services %v", s.code, a.v.Emu.Services())
	}
	if _, err := c.CreateService(fc.NewCreateServiceInput().WithServiceName(deploytest.Service).WithRole(deploytest.Role)); err != nil {
		t.Fatal(err)
	}
	s = a.run(t, map[string]string{"mode": "delete", "lithops-version": "3.6.4", "runtime-name": "rt"})
	if s.code != 0 || len(a.v.Emu.Services()) != 1 || !strings.Contains(s.summary, "this action did not create it") {
		t.Errorf("a service the action did not create: exit %d, services %v\n%s", s.code, a.v.Emu.Services(), s.summary)
	}
}

// TestDeleteFailsMidway: a delete refused at the second function stops there; the step
// fails, and the error, the summary and the remaining output say exactly what is left;
// the next run removes the rest.
func TestDeleteFailsMidway(t *testing.T) {
	for _, version := range []string{"3.6.4", "3.7.0"} {
		t.Run(version, func(t *testing.T) {
			a := newLifeAccount(t)
			a.deploy(t, version, "rt", "256,512,1024", nil)
			fns := []string{functionName(t, version, "rt", 256), functionName(t, version, "rt", 512), functionName(t, version, "rt", 1024)}
			a.v.Probe.Faults().FailAfter(fcemu.OpDeleteFunction, 1, 1, 403, "AccessDenied")
			del := map[string]string{"mode": "delete", "lithops-version": version, "runtime-name": "rt"}
			locks, _ := a.locks(t, version, fns[:2]...)
			s := a.run(t, del)
			if s.code != 1 {
				t.Fatalf("exit %d, want 1\n%s", s.code, tail(s.stdout, 20))
			}
			if got, want := resources(t, s, "deleted"), sorted(append([]string{"function " + fns[0], "metadata " + metaKey(t, version, fns[0]), "metadata " + metaKey(t, version, fns[1])}, locks...)...); !slices.Equal(got, want) {
				t.Errorf("deleted %v, want %v", got, want)
			}
			want := sorted("function "+fns[1], "function "+fns[2], "metadata "+metaKey(t, version, fns[2]), "lock "+lockKey(t, version, fns[2]))
			if version == "3.6.4" {
				want = sorted(append(want, "service "+deploytest.Service)...)
			}
			if got := resources(t, s, "remaining"); !slices.Equal(got, want) {
				t.Errorf("remaining %v, want %v", got, want)
			}
			_, errs := errorsAt(s.stdout)
			if len(errs) == 0 || !strings.Contains(errs[0].Data, "AccessDenied") || !strings.Contains(errs[0].Data, "still there: function "+fns[1]) {
				t.Errorf("error annotation does not say what remains: %v", errs)
			}
			if !strings.Contains(s.summary, "still there") || !strings.Contains(s.summary, "not all deleted") || !strings.Contains(s.summary, "failed during delete") {
				t.Errorf("summary:\n%s", s.summary)
			}
			var left []string
			for _, f := range a.v.Emu.Functions() {
				left = append(left, f.Name)
			}
			if sort.Strings(left); !slices.Equal(left, sorted(fns[1], fns[2])) {
				t.Errorf("functions left %v", left)
			}

			s = a.run(t, del)
			if s.code != 0 || len(a.v.Emu.Functions()) != 0 || len(a.objects()) != 0 {
				t.Fatalf("the rerun: exit %d, functions %v, objects %v", s.code, a.functions(), a.objects())
			}
			if got, want := resources(t, s, "deleted"), sorted("function "+fns[1], "function "+fns[2], "metadata "+metaKey(t, version, fns[2])); !slices.Contains(got, want[0]) || !slices.Contains(got, want[2]) {
				t.Errorf("the rerun deleted %v, want at least %v", got, want)
			}
		})
	}
}

// seedRuntime puts a runtime's function in the emulator the way the action deploys it
// (Lithops' name, the worker's handler), with its metadata when meta; FC 2.0 versions go
// to deploytest.Service.
func seedRuntime(t *testing.T, a *lifeAccount, version, runtime string, memory int, meta bool) string {
	t.Helper()
	l, _ := lithops.New(version)
	name := functionName(t, version, runtime, memory)
	dest := a.v.Destination(true)
	dest.API = l.API()
	if l.API() == fcruntime.FC2 {
		dest.Service = deploytest.Service
	} else {
		dest.Service = ""
	}
	d, err := deploy.New(dest, deploy.WithRetry(deploytest.FastRetry))
	if err != nil {
		t.Fatal(err)
	}
	rel, err := d.Deploy(t.Context(), a.seedPackage(t), []deploy.Spec{deploytest.Spec(name, memory)})
	if err != nil {
		t.Fatal(err)
	}
	var objects []deploy.Object
	if meta {
		objects = append(objects, deploy.Object{Key: metaKey(t, version, name), Body: []byte(`{"preinstalls": [], "python_version": "3.10"}`)})
	}
	if err := rel.Commit(t.Context(), objects...); err != nil {
		t.Fatal(err)
	}
	return name
}

// seedPackage is the account's package for seeded functions, built once.
func (a *lifeAccount) seedPackage(t *testing.T) deploy.Package {
	t.Helper()
	if a.pkg == nil {
		p := deploytest.Package(t, "3.7.0", nil, nil)
		a.pkg = &p
	}
	return *a.pkg
}

// TestList lists several runtimes, versions and memory sizes on both FC APIs, with a
// foreign function and a hand-named one skipped, a function whose metadata is missing,
// and then filtered by version and by runtime name.
func TestList(t *testing.T) {
	a := newLifeAccount(t)
	fnA256 := seedRuntime(t, a, "3.7.0", "rt-a", 256, true)
	fnA1024 := seedRuntime(t, a, "3.7.0", "rt-a", 1024, true)
	fnB := seedRuntime(t, a, "3.7.0", "rt-b", 512, false)
	fnOld := seedRuntime(t, a, "3.6.4", "rt-a", 256, true)
	fnDev := seedRuntime(t, a, "3.7.1.dev0", "rt-a", 2048, true)
	a.v.Seed(t, "", 256, "lithops-worker-handmade-v3-7-0-0123456789", "lithops-worker-x")

	s := a.run(t, map[string]string{"mode": "list"})
	if s.code != 0 {
		t.Fatalf("list: exit %d\n%s", s.code, tail(s.stdout, 20))
	}
	var rts []report.RuntimeOutput
	if err := json.Unmarshal([]byte(s.out["runtimes"]), &rts); err != nil {
		t.Fatal(err)
	}
	type row struct {
		runtime, version, api, service string
		memory                         []int
		names                          []string
		meta                           []string
	}
	var got []row
	for _, r := range rts {
		g := row{r.RuntimeName, r.LithopsVersion, r.FCAPI, r.Service, r.Memory, nil, nil}
		for _, f := range r.Functions {
			g.names = append(g.names, f.Name)
			g.meta = append(g.meta, f.Metadata+"/"+f.Lock)
			if f.FCRuntime != deploytest.Runtime || f.Python != deploytest.Python || f.CodeSize == 0 || f.LastModified == "" {
				t.Errorf("function %+v", f)
			}
		}
		got = append(got, g)
	}
	want := []row{
		{"rt-a", "3.6.4", "2.0", deploytest.Service, []int{256}, []string{fnOld}, []string{"published/missing"}},
		{"rt-a", "3.7.0", "3.0", "", []int{256, 1024}, []string{fnA256, fnA1024}, []string{"published/missing", "published/missing"}},
		{"rt-a", "3.7.1.dev0", "3.0", "", []int{2048}, []string{fnDev}, []string{"published/missing"}},
		{"rt-b", "3.7.0", "3.0", "", []int{512}, []string{fnB}, []string{"missing/missing"}},
	}
	if len(got) != len(want) {
		t.Fatalf("runtimes %+v, want %+v", got, want)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.runtime != w.runtime || g.version != w.version || g.api != w.api || g.service != w.service || !slices.Equal(g.memory, w.memory) ||
			!slices.Equal(g.names, w.names) || !slices.Equal(g.meta, w.meta) {
			t.Errorf("runtime %d = %+v, want %+v", i, g, w)
		}
	}
	if !strings.Contains(s.stdout, "skipped 2 function(s)") || !strings.Contains(s.summary, "Skipped 2 function(s)") {
		t.Errorf("the skipped functions are not counted:\n%s", tail(s.stdout, 10))
	}
	for _, w := range []string{"| rt-b | 3.7.0 | 3.0 |", "| missing |", fnOld} {
		if !strings.Contains(s.summary, w) {
			t.Errorf("summary lacks %q:\n%s", w, s.summary)
		}
	}

	for _, tt := range []struct {
		inputs map[string]string
		want   []string // runtime@version
	}{
		{map[string]string{"lithops-version": "3.7.0"}, []string{"rt-a@3.7.0", "rt-b@3.7.0"}},
		{map[string]string{"lithops-version": "3.6.4"}, []string{"rt-a@3.6.4"}},
		{map[string]string{"runtime-name": "rt-a"}, []string{"rt-a@3.6.4", "rt-a@3.7.0", "rt-a@3.7.1.dev0"}},
		{map[string]string{"runtime-name": "rt-a", "lithops-version": "3.7.1.dev0"}, []string{"rt-a@3.7.1.dev0"}},
		{map[string]string{"fc-api": "2.0"}, []string{"rt-a@3.6.4"}},
		{map[string]string{"runtime-name": "nothing-here"}, nil},
	} {
		in := map[string]string{"mode": "list"}
		for k, v := range tt.inputs {
			in[k] = v
		}
		s := a.run(t, in)
		var rts []report.RuntimeOutput
		json.Unmarshal([]byte(s.out["runtimes"]), &rts)
		var got []string
		for _, r := range rts {
			got = append(got, r.RuntimeName+"@"+r.LithopsVersion)
		}
		if s.code != 0 || !slices.Equal(got, tt.want) {
			t.Errorf("list %v: exit %d, %v; want %v", tt.inputs, s.code, got, tt.want)
		}
	}
}

// TestPruneUpgrade is the real upgrade path: a release on Lithops 3.6.4 (FC 2.0, a
// service, runtime default-runtime-v310), then one on 3.7.0 (FC 3.0, runtime
// default-python-runtime-v310) with prune: the new runtime goes live, then the 3.6.4
// functions, their metadata and the service the first release created are deleted.
// A function of Lithops 3.5 of another runtime and a newer 3.8 function of this one are
// left alone.
func TestPruneUpgrade(t *testing.T) {
	a := newLifeAccount(t)
	a.deploy(t, "3.6.4", "", "256", nil)
	old := functionName(t, "3.6.4", "default-runtime-v310", 256)
	newer := seedRuntime(t, a, "3.8.0", "default-python-runtime-v310", 256, true)
	other := seedRuntime(t, a, "3.7.0", "other-rt", 256, true)
	locks, noLocks := a.locks(t, "3.6.4", old)
	s := a.deploy(t, "3.7.0", "", "256,512", map[string]string{"prune": "true"})
	want := sorted(append([]string{"function " + old, "metadata " + metaKey(t, "3.6.4", old), "service " + deploytest.Service}, locks...)...)
	if got := resources(t, s, "deleted"); !slices.Equal(got, want) {
		t.Errorf("deleted %v, want %v", got, want)
	}
	if got := resources(t, s, "already-gone"); !slices.Equal(got, noLocks) {
		t.Errorf("already-gone %v, want %v", got, noLocks)
	}
	if s.out["deployed"] != "created" || s.out["lithops-version"] != "3.7.0" {
		t.Errorf("deployed %s, lithops-version %s", s.out["deployed"], s.out["lithops-version"])
	}
	live := sorted(functionName(t, "3.7.0", "default-python-runtime-v310", 256), functionName(t, "3.7.0", "default-python-runtime-v310", 512), newer, other)
	if got := a.functions(); !slices.Equal(got, live) {
		t.Errorf("functions %v, want %v", got, live)
	}
	if !strings.Contains(s.summary, "Older Lithops versions pruned: deleted") {
		t.Errorf("summary:\n%s", s.summary)
	}
	// The new runtime's metadata is published; the old one's is gone.
	if _, ok := a.v.Emu.Object(deploytest.Bucket, metaKey(t, "3.7.0", live[0])); !ok {
		t.Error("the new runtime's metadata is not published")
	}
	// Nothing older left: a second release prunes nothing and changes nothing.
	s = a.deploy(t, "3.7.0", "", "256,512", map[string]string{"prune": "true"})
	if s.out["deployed"] != "unchanged" || s.out["deleted"] != "[]" || !strings.Contains(s.stdout, "nothing to prune") {
		t.Errorf("second release: deployed %s, deleted %s", s.out["deployed"], s.out["deleted"])
	}
}

// TestPruneFails: a prune refused midway keeps the new runtime live and published, sets
// the deploy's outputs with what remains, and fails the step; the next release prunes
// the rest. On FC 3.0, 3.7.0 to 3.7.1 (the same API).
func TestPruneFails(t *testing.T) {
	a := newLifeAccount(t)
	a.deploy(t, "3.7.0", "rt", "256,512", nil)
	old := []string{functionName(t, "3.7.0", "rt", 256), functionName(t, "3.7.0", "rt", 512)}
	a.v.Probe.Faults().FailAfter(fcemu.OpDeleteFunction, 0, 1, 403, "AccessDenied")
	s := a.deployStep(t, "3.7.1", "rt", "256", map[string]string{"prune": "true"})
	if s.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", s.code, tail(s.stdout, 20))
	}
	newFn := functionName(t, "3.7.1", "rt", 256)
	if s.out["deployed"] != "created" || s.out["function-name"] != newFn {
		t.Errorf("the deploy's outputs: deployed %q, function-name %q", s.out["deployed"], s.out["function-name"])
	}
	if got, want := resources(t, s, "remaining"), sorted("function "+old[0], "function "+old[1], "metadata "+metaKey(t, "3.7.0", old[1]), "lock "+lockKey(t, "3.7.0", old[1])); !slices.Equal(got, want) {
		t.Errorf("remaining %v, want %v", got, want)
	}
	if _, ok := a.v.Emu.Object(deploytest.Bucket, metaKey(t, "3.7.1", newFn)); !ok {
		t.Error("the new runtime's metadata is not published")
	}
	_, errs := errorsAt(s.stdout)
	if len(errs) == 0 || !strings.Contains(errs[0].Data, "is live and stays") || !strings.Contains(errs[0].Data, "still there") {
		t.Errorf("error annotations %v", errs)
	}
	if !strings.Contains(s.summary, "failed during prune") || !strings.Contains(s.summary, "still there") {
		t.Errorf("summary:\n%s", s.summary)
	}
	s = a.deploy(t, "3.7.1", "rt", "256", map[string]string{"prune": "true"})
	if got := a.functions(); s.out["deployed"] != "unchanged" || !slices.Equal(got, []string{newFn}) {
		t.Errorf("the next release: deployed %s, functions %v", s.out["deployed"], got)
	}
}

// TestDeleteFindsOrphanMetadata: metadata whose function was deleted by hand (in FC's
// console) is found in the bucket and deleted too; a client would otherwise read it
// and invoke a function that is gone.
func TestDeleteFindsOrphanMetadata(t *testing.T) {
	a := newLifeAccount(t)
	kept := seedRuntime(t, a, "3.7.0", "rt", 256, true)
	orphan := seedRuntime(t, a, "3.7.0", "rt", 512, true)
	if _, err := a.v.FC3Client(t).DeleteFunction(tea.String(orphan)); err != nil {
		t.Fatal(err)
	}
	s := a.run(t, map[string]string{"mode": "delete", "lithops-version": "3.7.0", "runtime-name": "rt"})
	if s.code != 0 {
		t.Fatalf("exit %d\n%s", s.code, tail(s.stdout, 20))
	}
	if got, want := resources(t, s, "deleted"), sorted("function "+kept, "metadata "+metaKey(t, "3.7.0", kept), "metadata "+metaKey(t, "3.7.0", orphan)); !slices.Equal(got, want) {
		t.Errorf("deleted %v, want %v", got, want)
	}
	if got := resources(t, s, "already-gone"); !slices.Contains(got, "function "+orphan) {
		t.Errorf("already-gone %v lacks the function deleted by hand", got)
	}
	if o := a.objects(); len(o) != 0 {
		t.Errorf("objects left: %v", o)
	}
}

// TestLifeCycleLocal: every mode with --local, on the emulator the workspace keeps:
// deploy two sizes, list them, delete one size, list again, delete the rest.
func TestLifeCycleLocal(t *testing.T) {
	wheeltest.Python(t, "3.12")
	ws := newWorkspace(t, nil)
	if err := os.CopyFS(filepath.Join(ws, "examples"), os.DirFS("examples")); err != nil {
		t.Fatal(err)
	}
	deployed := runStep(t, ws, nil, nil, "--local", "--requirements", "examples/local/requirements.txt", "--find-links", "examples/local/wheelhouse",
		"--no-index", "--python-version", "3.12", "--runtime-memory", "256,512")
	if deployed.code != 0 {
		t.Fatalf("deploy: exit %d\n%s", deployed.code, tail(deployed.stdout, 20))
	}
	list := func() []string {
		t.Helper()
		s := runStep(t, ws, nil, nil, "--local", "--mode", "list")
		var rts []report.RuntimeOutput
		if err := json.Unmarshal([]byte(s.out["runtimes"]), &rts); s.code != 0 || err != nil {
			t.Fatalf("list: exit %d, %v\n%s", s.code, err, tail(s.stdout, 20))
		}
		var out []string
		for _, r := range rts {
			for _, f := range r.Functions {
				out = append(out, fmt.Sprintf("%s %s %d %s", r.RuntimeName, r.LithopsVersion, f.Memory, f.Metadata))
			}
		}
		return out
	}
	if got, want := list(), []string{"default-python-runtime-v312 3.7.0 256 published", "default-python-runtime-v312 3.7.0 512 published"}; !slices.Equal(got, want) {
		t.Errorf("list after the deploy: %v, want %v", got, want)
	}
	del := runStep(t, ws, nil, nil, "--local", "--mode", "delete", "--lithops-version", "3.7.0", "--python-version", "3.12", "--runtime-memory", "512")
	fn := functionName(t, "3.7.0", "default-python-runtime-v312", 512)
	key := "lithops.runtimes/aliyun_fc/3.7.0/cn-hangzhou/" + fn
	// The lock is deleted when a deploy published one, else already gone.
	got := append(resources(t, del, "deleted"), resources(t, del, "already-gone")...)
	if want := sorted("function "+fn, "metadata "+key+".meta.json", "lock "+key+".pylock.toml"); del.code != 0 || !slices.Equal(sorted(got...), want) ||
		!slices.Contains(resources(t, del, "deleted"), "function "+fn) || !slices.Contains(resources(t, del, "deleted"), "metadata "+key+".meta.json") {
		t.Errorf("delete 512 MB: exit %d, deleted and already gone %v, want %v (the function and metadata deleted)", del.code, got, want)
	}
	if got, want := list(), []string{"default-python-runtime-v312 3.7.0 256 published"}; !slices.Equal(got, want) {
		t.Errorf("list after deleting 512 MB: %v, want %v", got, want)
	}
	del = runStep(t, ws, nil, nil, "--local", "--mode", "delete", "--lithops-version", "3.7.0", "--python-version", "3.12")
	if n := len(resources(t, del, "deleted")); del.code != 0 || n < 2 || n > 3 {
		t.Errorf("delete the rest: exit %d, deleted %s", del.code, del.out["deleted"])
	}
	if got := list(); len(got) != 0 {
		t.Errorf("list after the delete: %v", got)
	}
}

// TestDeleteNeedsToKnowWhere: a delete that cannot know what to delete, or where its
// metadata is, fails before anything is deleted, naming the input and what to do.
func TestDeleteNeedsToKnowWhere(t *testing.T) {
	a := newLifeAccount(t)
	fn := seedRuntime(t, a, "3.7.0", "default-python-runtime-v310", 256, true)
	old := seedRuntime(t, a, "3.6.4", "rt", 256, true)
	tests := []struct {
		name   string
		inputs map[string]string
		input  string
		words  []string
	}{
		{"no Python for the default runtime name", map[string]string{"lithops-version": "3.7.0", "python-version": ""}, "python-version",
			[]string{"only for Lithops' default runtime name", "set runtime-name"}},
		{"no Lithops version", map[string]string{"runtime-name": "rt"}, "lithops-version", []string{"lithops-version"}},
		{"temporary keys and no bucket", map[string]string{"lithops-version": "3.7.0", "storage-bucket": ""}, "storage-bucket",
			[]string{"temporary", "publish-metadata: false to delete the functions only"}},
		{"FC 2.0 with temporary keys and no service", map[string]string{"lithops-version": "3.6.4", "runtime-name": "rt", "service": ""}, "service",
			[]string{"set the service input"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := map[string]string{"mode": "delete"}
			for k, v := range tt.inputs {
				in[k] = v
			}
			s := a.run(t, in)
			_, errs := errorsAt(s.stdout)
			if s.code != 1 || len(errs) != 1 || !strings.Contains(errs[0].Data, "input "+tt.input) {
				t.Fatalf("exit %d, errors %v; want one on input %s\n%s", s.code, errs, tt.input, tail(s.stdout, 10))
			}
			for _, w := range tt.words {
				if !strings.Contains(errs[0].Data, w) {
					t.Errorf("%q does not say %q", errs[0].Data, w)
				}
			}
			if got := a.functions(); !slices.Equal(got, sorted(fn, deploytest.Service+"/"+old)) {
				t.Errorf("functions %v after a refused delete", got)
			}
		})
	}
}

// TestPruneKeepsTheNewVersionsService: on FC 2.0, 3.6.0 to 3.6.4 in one service: the
// older functions go, the service stays (it holds the new ones), and the summary says
// why.
func TestPruneKeepsTheNewVersionsService(t *testing.T) {
	a := newLifeAccount(t)
	a.deploy(t, "3.6.0", "rt", "256", nil)
	old := functionName(t, "3.6.0", "rt", 256)
	locks, _ := a.locks(t, "3.6.0", old)
	s := a.deploy(t, "3.6.4", "rt", "256", map[string]string{"prune": "true"})
	if got, want := resources(t, s, "deleted"), sorted(append([]string{"function " + old, "metadata " + metaKey(t, "3.6.0", old)}, locks...)...); !slices.Equal(got, want) {
		t.Errorf("deleted %v, want %v", got, want)
	}
	if got, want := a.functions(), []string{deploytest.Service + "/" + functionName(t, "3.6.4", "rt", 256)}; !slices.Equal(got, want) {
		t.Errorf("functions %v, want %v", got, want)
	}
	if !strings.Contains(s.summary, "kept: it holds other functions ("+functionName(t, "3.6.4", "rt", 256)) {
		t.Errorf("summary:\n%s", s.summary)
	}
}
