package verify_test

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lithops-fc/runtime-action/internal/deploy"
	"github.com/lithops-fc/runtime-action/internal/deploy/deploytest"
	"github.com/lithops-fc/runtime-action/internal/fcemu"
	"github.com/lithops-fc/runtime-action/internal/fcruntime"
	"github.com/lithops-fc/runtime-action/internal/lithops"
	"github.com/lithops-fc/runtime-action/internal/python/wheeltest"
	"github.com/lithops-fc/runtime-action/internal/verify"
)

// runtime is a package and its import check package, with the modules to import.
type runtime struct {
	pkg, smoke deploy.Package
	modules    []string
}

// newRuntime builds the FIXTURE Lithops runtime for api plus extra distributions (each
// a module of the same name).
func newRuntime(t *testing.T, api fcruntime.API, extra ...wheeltest.Wheel) runtime {
	t.Helper()
	version := deploytest.Lithops(api)
	path, src := verify.ImportFile()
	r := runtime{
		pkg:     deploytest.Package(t, version, extra, nil),
		smoke:   deploytest.Package(t, version, extra, map[string][]byte{path: src}),
		modules: []string{"lithops", "cloudpickle", "pika", "tblib", "ps_mem", "psutil"},
	}
	if api == fcruntime.FC3 {
		r.modules = append(r.modules, "six")
	}
	for _, w := range extra {
		r.modules = append(r.modules, w.Name)
	}
	return r
}

// flow is what the pipeline does with deploy and verify: deploy, Lithops' metadata call
// on every function, the import check (when modules are given), publish the metadata,
// commit; any failure rolls everything back.
type flow struct {
	t   *testing.T
	v   *deploytest.Env
	d   *deploy.Deployer
	ver *verify.Verifier
	lit lithops.Lithops
}

func newFlow(t *testing.T, v *deploytest.Env, opts ...deploy.Option) *flow {
	t.Helper()
	d := v.Deployer(t, true, opts...)
	l, err := lithops.New(deploytest.Lithops(v.API))
	if err != nil {
		t.Fatal(err)
	}
	return &flow{t: t, v: v, d: d, lit: l,
		ver: verify.New(d.Functions(), d.Uploader(), verify.WithLog(v.Log.Printf), verify.WithGrace(30*time.Second), verify.WithScratch(d.Scratch))}
}

func (f *flow) metaKey(name string) string {
	key, err := f.lit.RuntimeKey(deploytest.Region, deploytest.Service, name)
	if err != nil {
		f.t.Fatal(err)
	}
	return lithops.MetaKey(key)
}

func (f *flow) run(ctx context.Context, r runtime, imports bool, specs ...deploy.Spec) (*deploy.Release, error) {
	rel, err := f.d.Deploy(ctx, r.pkg, specs)
	if err != nil {
		return nil, err
	}
	err = func() error {
		want := verify.Expect{Python: deploytest.Python, Lithops: f.lit.Version()}
		var metas []lithops.Metadata
		for _, fn := range rel.Functions {
			m, err := f.ver.Metadata(ctx, fn, want)
			if err != nil {
				return err
			}
			metas = append(metas, m)
		}
		if imports {
			if _, err := f.ver.Imports(ctx, r.smoke, specs[0], r.modules); err != nil {
				return err
			}
		}
		var objects []deploy.Object
		for i, fn := range rel.Functions {
			objects = append(objects, deploy.Object{Key: f.metaKey(fn.Spec.Name), Body: metas[i].Published(fn.Spec.TimeoutSec)})
		}
		return rel.Commit(ctx, objects...)
	}()
	if err != nil {
		return nil, rel.Abort(ctx, err)
	}
	return rel, nil
}

// invokedChecksum runs the metadata call and returns the checksum of the code that ran.
func (f *flow) invokedChecksum(name string) string {
	f.t.Helper()
	inv, err := f.d.Functions().Invoke(context.Background(), name, []byte(lithops.MetadataRequest))
	if err != nil || inv.ErrorType != "" {
		f.t.Fatalf("invoke %s: %v %s %.200s", name, err, inv.ErrorType, inv.Body)
	}
	return inv.CodeChecksum
}

func TestRolloutPublishes(t *testing.T) {
	deploytest.EachAPI(t, func(t *testing.T, api fcruntime.API) {
		ctx := context.Background()
		v := deploytest.Start(t, api)
		f := newFlow(t, v)
		r := newRuntime(t, api, deploytest.Module("appmod", "1.0", "VALUE = 1\n"))
		specs := []deploy.Spec{deploytest.Spec("lithops-worker-flow-256", 256), deploytest.Spec("lithops-worker-flow-1024", 1024)}
		rel, err := f.run(ctx, r, true, specs...)
		if err != nil {
			t.Fatalf("rollout: %v", err)
		}
		for i, fn := range rel.Functions {
			if fn.Outcome != deploy.Created {
				t.Errorf("%s: %s, want created", fn.Spec.Name, fn.Outcome)
			}
			// The published object is the metadata plus runtime_timeout, as Lithops reads it.
			key := f.metaKey(specs[i].Name)
			data, ok := v.Emu.Object(deploytest.Bucket, key)
			if !ok {
				t.Fatalf("%s was not published", key)
			}
			var meta struct {
				Preinstalls    [][]any `json:"preinstalls"`
				PythonVersion  string  `json:"python_version"`
				LithopsVersion string  `json:"lithops_version"`
				RuntimeTimeout int     `json:"runtime_timeout"`
			}
			if err := json.Unmarshal(data, &meta); err != nil {
				t.Fatalf("%s: %v", key, err)
			}
			if meta.PythonVersion != deploytest.Python || meta.LithopsVersion != deploytest.Lithops(api) || meta.RuntimeTimeout != specs[i].TimeoutSec {
				t.Errorf("%s: %+v", key, meta)
			}
			found := false
			for _, m := range meta.Preinstalls {
				if len(m) == 2 && m[0] == "appmod" && m[1] == true {
					found = true
				}
			}
			if !found {
				t.Errorf("%s: preinstalls lack the runtime's appmod package", key)
			}
		}
		v.NoSmokeFunctions(t)

		// Again with the same inputs: nothing uploaded, every function unchanged.
		v.Probe.ResetCalls()
		rel, err = f.run(ctx, r, false, specs...)
		if err != nil {
			t.Fatalf("second rollout: %v", err)
		}
		for _, fn := range rel.Functions {
			if fn.Outcome != deploy.Unchanged {
				t.Errorf("second rollout: %s %s", fn.Spec.Name, fn.Outcome)
			}
		}
		if n := v.Count(fcemu.OpCreateFunction) + v.Count(fcemu.OpUpdateFunction) + v.Uploads(); n != 0 {
			// Not even the metadata: it already holds the same bytes.
			t.Errorf("second rollout changed or uploaded something (%d calls)", n)
		}
		deploytest.NoSecrets(t, v.Secrets(), v.Log.Lines()...)
	})
}

func TestImportFailureRollsBack(t *testing.T) {
	bad := deploytest.Module("badmod", "1.0", "import json\n\n\ndef _fail():\n    raise RuntimeError('boom on import')\n\n\n_fail()\n")
	deploytest.EachAPI(t, func(t *testing.T, api fcruntime.API) {
		for _, existing := range []bool{true, false} {
			t.Run(map[bool]string{true: "existing function", false: "new function"}[existing], func(t *testing.T) {
				ctx := context.Background()
				v := deploytest.Start(t, api)
				f := newFlow(t, v)
				spec := deploytest.Spec("lithops-worker-imports", 256)
				good := newRuntime(t, api, deploytest.Module("appmod", "1.0", "VALUE = 1\n"))
				if existing {
					if _, err := f.run(ctx, good, true, spec); err != nil {
						t.Fatalf("first rollout: %v", err)
					}
				}
				published, _ := v.Emu.Object(deploytest.Bucket, f.metaKey(spec.Name))

				broken := newRuntime(t, api, deploytest.Module("appmod", "2.0", "VALUE = 2\n"), bad)
				_, err := f.run(ctx, broken, true, spec)
				t.Logf("error: %v", err)
				var se *verify.SmokeError
				var rb *deploy.RollbackError
				if !errors.As(err, &se) || !errors.As(err, &rb) {
					t.Fatalf("error %v, want a smoke failure, rolled back", err)
				}
				if len(se.Failures) != 1 || se.Failures[0].Module != "badmod" || !strings.Contains(se.Failures[0].Traceback, "RuntimeError: boom on import") {
					t.Errorf("failures %+v, want badmod with its traceback", se.Failures)
				}
				if !strings.Contains(err.Error(), "badmod (RuntimeError: boom on import)") {
					t.Errorf("error %q does not name the module and its error", err)
				}
				if existing {
					if !strings.Contains(err.Error(), "restored function "+spec.Name+" to its previous code") {
						t.Errorf("error %q does not say the previous code was restored", err)
					}
					if got := f.invokedChecksum(spec.Name); got != good.pkg.CodeChecksum {
						t.Errorf("the code that runs has checksum %s, want the previous %s", got, good.pkg.CodeChecksum)
					}
				} else {
					if !strings.Contains(err.Error(), "deleted function "+spec.Name) {
						t.Errorf("error %q does not say the new function was deleted", err)
					}
					if _, ok := v.Function(spec.Name); ok {
						t.Error("the new function is still there")
					}
				}
				if now, _ := v.Emu.Object(deploytest.Bucket, f.metaKey(spec.Name)); string(now) != string(published) {
					t.Errorf("the published metadata changed: %s, was %s", now, published)
				}
				v.NoSmokeFunctions(t)
				deploytest.NoSecrets(t, v.Secrets(), append(v.Log.Lines(), err.Error())...)
			})
		}
	})
}

func TestMetadataInvocationFails(t *testing.T) {
	deploytest.EachAPI(t, func(t *testing.T, api fcruntime.API) {
		ctx := context.Background()
		v := deploytest.Start(t, api)
		f := newFlow(t, v)
		spec := deploytest.Spec("lithops-worker-invokefail", 256)
		old := newRuntime(t, api)
		if _, err := f.run(ctx, old, false, spec); err != nil {
			t.Fatal(err)
		}
		v.Probe.Faults().FailInvocations(spec.Name, 1, "handler crashed (injected)")
		_, err := f.run(ctx, newRuntime(t, api, deploytest.Module("appmod", "2.0", "VALUE = 2\n")), false, spec)
		t.Logf("error: %v", err)
		var se *verify.SmokeError
		if !errors.As(err, &se) || !strings.Contains(err.Error(), "UnhandledInvocationError") || !strings.Contains(err.Error(), "handler crashed (injected)") {
			t.Fatalf("error %v, want the invocation's failure", err)
		}
		if !strings.Contains(err.Error(), "restored function "+spec.Name) {
			t.Errorf("error %q does not say the function was restored", err)
		}
		if got := f.invokedChecksum(spec.Name); got != old.pkg.CodeChecksum {
			t.Errorf("live checksum %s, want the previous %s", got, old.pkg.CodeChecksum)
		}
	})
}

// TestSmokeRetries412: FC 3.0 keeps a new function Pending for a while; the metadata call
// meets 412 PreconditionFailed and retries.
func TestSmokeRetries412(t *testing.T) {
	ctx := context.Background()
	v := deploytest.Start(t, fcruntime.FC3)
	f := newFlow(t, v)
	spec := deploytest.Spec("lithops-worker-412", 256)
	v.Probe.Faults().FailNext(fcemu.OpInvokeFunction, 2, 412, "PreconditionFailed")
	if _, err := f.run(ctx, newRuntime(t, fcruntime.FC3), false, spec); err != nil {
		t.Fatalf("rollout: %v", err)
	}
	if n := len(v.Probe.CallsOf(fcemu.OpInvokeFunction)); n != 3 {
		t.Errorf("%d invocations, want 2 refused and 1 answered", n)
	}
}

func TestCancelledDuringSmoke(t *testing.T) {
	slow := deploytest.Module("slowmod", "1.0", "import time\ntime.sleep(2)\n")
	deploytest.EachAPI(t, func(t *testing.T, api fcruntime.API) {
		v := deploytest.Start(t, api)
		f := newFlow(t, v)
		spec := deploytest.Spec("lithops-worker-cancelsmoke", 256)
		old := newRuntime(t, api)
		if _, err := f.run(context.Background(), old, false, spec); err != nil {
			t.Fatal(err)
		}
		// Cancelled while the import check's invocation runs (the metadata calls before it
		// go through).
		ctx := v.CancelOnRequest(t, "POST", "/"+verify.TempPrefix)
		_, err := f.run(ctx, newRuntime(t, api, slow), true, spec)
		t.Logf("error: %v", err)
		var rb *deploy.RollbackError
		if !errors.As(err, &rb) || !rb.Cancelled || !errors.Is(err, context.Canceled) || !strings.HasPrefix(err.Error(), "cancelled") {
			t.Fatalf("error %v, want a cancelled, rolled back run", err)
		}
		if !strings.Contains(err.Error(), "restored function "+spec.Name) {
			t.Errorf("error %q does not say the function was restored", err)
		}
		if got := f.invokedChecksum(spec.Name); got != old.pkg.CodeChecksum {
			t.Errorf("live checksum %s, want the previous %s", got, old.pkg.CodeChecksum)
		}
		v.NoSmokeFunctions(t)
	})
}

// TestConcurrentRollouts runs two deployments of the same function at once, with other
// code and memory each. Whatever the interleaving: the live function is one run's code
// with that run's configuration (never a mix), a run that reports success left the live
// state it reports (the last successful run's state is live), and roll back never fails.
func TestConcurrentRollouts(t *testing.T) {
	deploytest.EachAPI(t, func(t *testing.T, api fcruntime.API) {
		v := deploytest.Start(t, api)
		spec := deploytest.Spec("lithops-worker-race", 128)
		orig := newRuntime(t, api)
		base := newFlow(t, v)
		if _, err := base.run(context.Background(), orig, false, spec); err != nil {
			t.Fatal(err)
		}
		runs := []struct {
			rt   runtime
			spec deploy.Spec
		}{
			{newRuntime(t, api, deploytest.Module("appmod", "1.0", "VALUE = 1\n")), deploytest.Spec(spec.Name, 256)},
			{newRuntime(t, api, deploytest.Module("appmod", "2.0", "VALUE = 2\n")), deploytest.Spec(spec.Name, 512)},
		}
		states := map[string]int{orig.pkg.CodeChecksum: 128}
		for _, r := range runs {
			states[r.rt.pkg.CodeChecksum] = r.spec.MemoryMB
		}
		for round := range 4 {
			var mu sync.Mutex
			var lastOK = -1
			var wg sync.WaitGroup
			start := make(chan struct{})
			errs := make([]error, len(runs))
			for i, r := range runs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					fl := newFlow(t, v)
					<-start
					_, err := fl.run(context.Background(), r.rt, false, r.spec)
					mu.Lock()
					errs[i] = err
					if err == nil {
						lastOK = i
					}
					mu.Unlock()
				}()
			}
			close(start)
			wg.Wait()
			live, ok := v.Function(spec.Name)
			if !ok {
				t.Fatalf("round %d: the function is gone", round)
			}
			mem, known := states[live.CodeChecksum]
			if !known || mem != live.MemorySize {
				t.Fatalf("round %d: live code %s with %d MB is a mix of runs", round, live.CodeChecksum, live.MemorySize)
			}
			if lastOK >= 0 && (live.CodeChecksum != runs[lastOK].rt.pkg.CodeChecksum || live.MemorySize != runs[lastOK].spec.MemoryMB) {
				t.Errorf("round %d: run %d reported success but %s/%d MB is live", round, lastOK, live.CodeChecksum, live.MemorySize)
			}
			for i, err := range errs {
				var rb *deploy.RollbackError
				if errors.As(err, &rb) && len(rb.Failed) > 0 {
					t.Errorf("round %d run %d: roll back failed: %v", round, i, err)
				}
				t.Logf("round %d run %d: %v", round, i, err)
			}
		}
	})
}

// TestImportCheckThroughOSS: an import check package too large to send inline goes
// through the storage bucket and is removed afterwards; the runtime's own package stays.
func TestImportCheckThroughOSS(t *testing.T) {
	deploytest.EachAPI(t, func(t *testing.T, api fcruntime.API) {
		ctx := context.Background()
		limits := fcemu.Limits{InlineCode: 256 << 10, OSSCode: 500 << 20, SyncPayload: 32 << 20, AsyncPayload: 128 << 10}
		v := deploytest.Start(t, api, fcemu.WithLimits(limits))
		f := newFlow(t, v, deploy.WithInlineLimit(limits.InlineCode), deploy.WithMultipart(100<<10, 2))
		rnd := rand.New(rand.NewPCG(1, 2))
		big := make([]byte, 300<<10)
		for i := range big {
			big[i] = byte(rnd.Uint32()) // incompressible
		}
		blob := wheeltest.Wheel{Name: "bigmod", Version: "1.0", Files: map[string][]byte{"bigmod/__init__.py": []byte("X = 1\n"), "bigmod/data.bin": big}}
		r := newRuntime(t, api, blob)
		if _, err := f.run(ctx, r, true, deploytest.Spec("lithops-worker-bigsmoke", 256)); err != nil {
			t.Fatalf("rollout: %v", err)
		}
		if _, ok := v.Emu.Object(deploytest.Bucket, deploy.PackageKey(r.smoke)); ok {
			t.Error("the import check's package was left in the bucket")
		}
		if _, ok := v.Emu.Object(deploytest.Bucket, deploy.PackageKey(r.pkg)); !ok {
			t.Error("the runtime's package is not in the bucket")
		}
		if n := v.Count(fcemu.OpDeleteObject); n != 1 {
			t.Errorf("%d object deletions, want 1", n)
		}
		v.NoSmokeFunctions(t)
	})
}

// TestImportCheckOutOfLithopsService: on FC 2.0 the import check's temporary function is
// created in a service of its own, named like it, and both are gone afterwards; nothing
// but Lithops' workers ever sits in the Lithops service (`lithops clean` deletes that
// service after its lithops-worker-* functions). On FC 3.0 it stands alone.
func TestImportCheckOutOfLithopsService(t *testing.T) {
	deploytest.EachAPI(t, func(t *testing.T, api fcruntime.API) {
		v := deploytest.Start(t, api)
		f := newFlow(t, v)
		var created []string
		var mu sync.Mutex
		v.OnRequest(func(r *http.Request) {
			if r.Method == http.MethodPost && (strings.HasSuffix(r.URL.Path, "/functions") || strings.HasSuffix(r.URL.Path, "/services")) {
				mu.Lock()
				created = append(created, r.URL.Path)
				mu.Unlock()
			}
		})
		spec := deploytest.Spec("lithops-worker-scratch", 256)
		if _, err := f.run(context.Background(), newRuntime(t, api), true, spec); err != nil {
			t.Fatal(err)
		}
		var smokeCreates int
		for _, c := range v.Probe.CallsOf(fcemu.OpCreateFunction) {
			if !strings.Contains(c.Resource, verify.TempPrefix) {
				continue
			}
			smokeCreates++
			if api == fcruntime.FC2 && !strings.HasPrefix(c.Resource, verify.TempPrefix) {
				t.Errorf("the import check's function was created as %s, not in a service of its own", c.Resource)
			}
		}
		if smokeCreates != 1 {
			t.Errorf("%d import check functions created, want 1 (requests: %v)", smokeCreates, created)
		}
		if api == fcruntime.FC2 {
			if n := len(v.Probe.CallsOf(fcemu.OpDeleteService)); n != 1 {
				t.Errorf("%d DeleteService calls, want 1 (the import check's service)", n)
			}
		}
		v.NoSmokeFunctions(t)
	})
}

// TestCheckInTemporaryFunction: Check runs the import check and then Lithops' metadata
// call (with Lithops' handler) in one temporary function, never in the runtime's
// functions, and deletes it whatever the outcome; without modules it runs the metadata
// call alone.
func TestCheckInTemporaryFunction(t *testing.T) {
	bad := deploytest.Module("badmod", "1.0", "raise RuntimeError('boom on import')\n")
	deploytest.EachAPI(t, func(t *testing.T, api fcruntime.API) {
		v := deploytest.Start(t, api)
		f := newFlow(t, v)
		spec := deploytest.Spec("lithops-worker-checked", 256)
		want := verify.Expect{Python: deploytest.Python, Lithops: f.lit.Version()}
		ctx := context.Background()
		invoked := func() (names []string, events []string) {
			for _, inv := range v.Probe.Invocations() {
				names = append(names, inv.Function)
				events = append(events, string(inv.Event))
			}
			return names, events
		}

		t.Run("imports and metadata", func(t *testing.T) {
			r := newRuntime(t, api, deploytest.Module("appmod", "1.0", "VALUE = 1\n"))
			rep, err := f.ver.Check(ctx, r.smoke, spec, r.modules, want)
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			if rep.Imports == nil || rep.Imports.Modules != len(r.modules) || len(rep.Imports.Failures) != 0 {
				t.Errorf("import report %+v", rep.Imports)
			}
			if rep.Metadata.LithopsVersion != f.lit.Version() || rep.Metadata.PythonVersion != deploytest.Python {
				t.Errorf("metadata %+v", rep.Metadata)
			}
			names, events := invoked()
			if len(names) != 2 || names[0] != rep.Function || names[1] != rep.Function || !strings.HasPrefix(rep.Function, verify.TempPrefix) {
				t.Fatalf("invocations of %v, want two of the temporary function %s", names, rep.Function)
			}
			if !strings.Contains(events[0], `"modules"`) || events[1] != lithops.MetadataRequest {
				t.Errorf("events %q, want the import check's, then Lithops' metadata request", events)
			}
			if _, ok := v.Function(spec.Name); ok {
				t.Errorf("the runtime's function %s was created", spec.Name)
			}
			v.NoSmokeFunctions(t)
		})

		t.Run("an import fails", func(t *testing.T) {
			v.Probe.ResetCalls()
			before := len(v.Probe.Invocations())
			r := newRuntime(t, api, bad)
			_, err := f.ver.Check(ctx, r.smoke, spec, r.modules, want)
			var se *verify.SmokeError
			if !errors.As(err, &se) || len(se.Failures) != 1 || se.Failures[0].Module != "badmod" {
				t.Fatalf("Check: %v, want badmod's import failure", err)
			}
			if !strings.Contains(err.Error(), "was deleted") {
				t.Errorf("error %q does not say the temporary function was deleted", err)
			}
			if n := len(v.Probe.Invocations()) - before; n != 1 {
				t.Errorf("%d invocations, want only the import check", n)
			}
			v.NoSmokeFunctions(t)
		})

		t.Run("metadata alone", func(t *testing.T) {
			before := len(v.Probe.Invocations())
			r := newRuntime(t, api)
			rep, err := f.ver.Check(ctx, r.pkg, spec, nil, want)
			if err != nil || rep.Imports != nil || rep.Metadata.LithopsVersion != f.lit.Version() {
				t.Fatalf("Check without modules: %+v, %v", rep, err)
			}
			if n := len(v.Probe.Invocations()) - before; n != 1 {
				t.Errorf("%d invocations, want the metadata call alone", n)
			}
			if n := v.Count(fcemu.OpUpdateFunction); n != 0 {
				t.Errorf("%d UpdateFunction calls: the handler is Lithops' from the start", n)
			}
			v.NoSmokeFunctions(t)
		})
	})
}
