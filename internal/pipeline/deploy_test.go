package pipeline_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lithops-fc/runtime-action/internal/deploy"
	"github.com/lithops-fc/runtime-action/internal/deploy/deploytest"
	"github.com/lithops-fc/runtime-action/internal/fcemu"
	"github.com/lithops-fc/runtime-action/internal/fcruntime"
	"github.com/lithops-fc/runtime-action/internal/lithops"
	"github.com/lithops-fc/runtime-action/internal/pipeline/pipelinetest"
	"github.com/lithops-fc/runtime-action/internal/report"
)

// TestDeploy runs the whole action on FC 2.0 and FC 3.0 with two memory sizes: every
// output, each function through the official SDK, the published metadata; then again
// with the same inputs: nothing uploaded or changed, deployed=unchanged.
func TestDeploy(t *testing.T) {
	for _, tg := range []target{fc2, fc3} {
		t.Run(tg.String(), func(t *testing.T) {
			v := startEmulator(t, tg)
			a := newAction(t, tg, v, "fc-demo\n", demo("1.0.0"))
			a.inputs["runtime-memory"] = "256,512"
			if tg.api == fcruntime.FC2 {
				// The user's package comes from a private index with credentials.
				idx := pipelinetest.NewIndex(t, pipelinetest.Wheelhouse(t, t.TempDir(), demo("1.0.0")), pipelinetest.WithCredentials("e2e-user", "e2e-INDEX-PASSWORD-31337"))
				a.inputs["extra-index-url"] = idx.URL
				a.inputs["no-index"] = "false"
				a.inputs["index-url"] = idx.URL // nothing reaches PyPI: lithops and the workers come from find-links
				a.secrets = append(a.secrets, idx.Password)
				os.Remove(filepath.Join(a.ws, "wheels", demo("1.0.0").Filename()))
			}
			r := a.mustRun()

			zip, err := os.ReadFile(filepath.Join(a.ws, r.out["package-path"]))
			if err != nil {
				t.Fatal(err)
			}
			service, arnPrefix := "", "acs:fc:"+deploytest.Region+":"+deploytest.Account+":functions/"
			keyPrefix := "aliyun_fc/" + tg.lithops + "/" + deploytest.Region + "/"
			if tg.api == fcruntime.FC2 {
				service = deploytest.Service
				arnPrefix = "acs:fc:" + deploytest.Region + ":" + deploytest.Account + ":services/" + service + ".LATEST/functions/"
				keyPrefix += service + "/"
			}
			var want []report.FunctionOutput
			for _, mem := range []int{256, 512} {
				name := tg.functionName(t, mem)
				want = append(want, report.FunctionOutput{Memory: mem, Name: name, ARN: arnPrefix + name, RuntimeKey: keyPrefix + name, Deployed: deploy.Created})
			}
			wantJSON, _ := json.Marshal(want)
			for name, w := range map[string]string{
				"function-arn": want[0].ARN, "function-name": want[0].Name, "functions": string(wantJSON), "service-name": service,
				"runtime-name": runtimeName, "runtime-key": want[0].RuntimeKey, "python-version": tg.python, "fc-runtime": "python" + tg.python,
				"lithops-version": tg.lithops, "package-path": ".lithops-runtime/runtime.zip", "package-size": fmt.Sprint(len(zip)),
				"lock-path": ".lithops-runtime/pylock.toml", "deployed": "created",
			} {
				if r.out[name] != w {
					t.Errorf("output %s = %q, want %q", name, r.out[name], w)
				}
			}
			if len(r.outputs) != len(report.OutputFields()) {
				t.Errorf("%d outputs set, want %d", len(r.outputs), len(report.OutputFields()))
			}
			if !strings.HasPrefix(r.out["smoke-result"], "imports ok (") || !strings.HasSuffix(r.out["smoke-result"], "metadata ok") {
				t.Errorf("smoke-result %q", r.out["smoke-result"])
			}

			for _, fn := range want {
				got := v.ReadWithSDK(t, fn.Name)
				wantFn := deploy.Function{Spec: deploy.Spec{Name: fn.Name, Runtime: "python" + tg.python, Handler: lithops.Handler,
					MemoryMB: fn.Memory, TimeoutSec: 60, Role: deploytest.Role, InternetAccess: lithops.InternetAccess},
					CodeChecksum: r.out["code-checksum"]}
				if got != wantFn {
					t.Errorf("%s through the SDK: %+v, want %+v", fn.Name, got, wantFn)
				}
				m, ok := published(t, v, fn.RuntimeKey)
				if !ok {
					t.Fatalf("no metadata published for %s", fn.RuntimeKey)
				}
				if m.PythonVersion != tg.python || m.LithopsVersion != tg.lithops || m.RuntimeTimeout != 60 || !m.has("fc_demo") || !m.has("lithops") {
					t.Errorf("published metadata of %s: %s", fn.Name, m.raw)
				}
			}
			if n := len(v.Emu.Functions()); n != 2 {
				t.Errorf("%d functions in the account, want 2", n)
			}
			v.NoSmokeFunctions(t)
			for _, s := range []string{want[0].Name, want[1].Name, "created", "fc-demo"} {
				if !strings.Contains(r.summary, s) {
					t.Errorf("summary lacks %q", s)
				}
			}

			// The same inputs again: found live, nothing uploaded or changed.
			v.Probe.ResetCalls()
			r2 := a.mustRun()
			if r2.out["deployed"] != "unchanged" || r2.out["code-checksum"] != r.out["code-checksum"] || r2.out["package-sha256"] != r.out["package-sha256"] {
				t.Errorf("second run: deployed %q, code-checksum %q (first %q)", r2.out["deployed"], r2.out["code-checksum"], r.out["code-checksum"])
			}
			for _, f := range r2.fns {
				if f.Deployed != deploy.Unchanged {
					t.Errorf("second run: %s %s", f.Name, f.Deployed)
				}
			}
			if r2.out["smoke-result"] != "imports skipped (package unchanged), metadata ok" {
				t.Errorf("second run smoke-result %q", r2.out["smoke-result"])
			}
			for _, op := range []fcemu.Op{fcemu.OpCreateFunction, fcemu.OpUpdateFunction, fcemu.OpDeleteFunction, fcemu.OpCreateService,
				fcemu.OpUpdateService, fcemu.OpPutObject, fcemu.OpInitiateMultipartUpload, fcemu.OpUploadPart, fcemu.OpGetTempBucketToken} {
				if calls := v.Probe.CallsOf(op); len(calls) > 0 {
					t.Errorf("second run made %d %s calls (%s)", len(calls), op, calls[0].Resource)
				}
			}
			for _, fn := range want {
				if m, _ := published(t, v, fn.RuntimeKey); !m.has("fc_demo") {
					t.Errorf("metadata of %s lost", fn.Name)
				}
			}
		})
	}
}

// TestDeployThroughOSS: a package over the inline limit reaches FC through OSS, the
// storage bucket when there is one, else FC's temporary bucket; the import check's
// package does too and is removed afterwards.
func TestDeployThroughOSS(t *testing.T) {
	tests := []struct {
		tg     target
		bucket bool
	}{
		{fc3, true},
		{fc3, false},
		{fc2, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s bucket=%v", tt.tg, tt.bucket), func(t *testing.T) {
			// The emulator refuses the package inline: it can only arrive through OSS.
			v := startEmulator(t, tt.tg, fcemu.WithLimits(smallLimits))
			a := newAction(t, tt.tg, v, "fc-demo\n", demo("1.0.0"))
			a.throughOSS()
			if !tt.bucket {
				// Without a storage bucket (temporary keys, so none by default) nothing can be
				// published: only the explicit switch allows that.
				delete(a.inputs, "storage-bucket")
				a.inputs["publish-metadata"] = "false"
			}
			r := a.mustRun()
			if r.out["deployed"] != "created" {
				t.Errorf("deployed %q", r.out["deployed"])
			}
			zip, err := os.ReadFile(filepath.Join(a.ws, r.out["package-path"]))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(r.log, "delivered oss") {
				t.Errorf("the build did not plan an OSS delivery")
			}
			name := tt.tg.functionName(t, 256)
			fn, ok := v.Function(name)
			if !ok || fn.CodeChecksum != r.out["code-checksum"] {
				t.Fatalf("function %s: %+v", name, fn)
			}
			var puts []string
			for _, c := range v.Probe.CallsOf(fcemu.OpPutObject) {
				puts = append(puts, c.Resource)
			}
			pkgKey := deploy.PackageKey(deploy.Package{SHA256: r.out["package-sha256"]})
			if tt.bucket {
				data, ok := v.Emu.Object(deploytest.Bucket, pkgKey)
				if !ok || string(data) != string(zip) {
					t.Errorf("the storage bucket lacks the package at %s (puts: %v)", pkgKey, puts)
				}
				if n := len(v.Probe.CallsOf(fcemu.OpGetTempBucketToken)); n != 0 {
					t.Errorf("%d temporary bucket tokens asked for with a storage bucket", n)
				}
				for _, o := range v.Emu.Objects(deploytest.Bucket) {
					if strings.HasPrefix(o.Key, deploy.PackagePrefix) && o.Key != pkgKey {
						t.Errorf("the import check's package %s was left in the bucket", o.Key)
					}
				}
			} else {
				if n := len(v.Probe.CallsOf(fcemu.OpGetTempBucketToken)); n == 0 {
					t.Errorf("no temporary bucket token asked for (puts: %v)", puts)
				}
				temp := 0
				for _, p := range puts {
					if strings.HasPrefix(p, v.Emu.TempBucket()+"/") {
						temp++
					} else {
						t.Errorf("object written outside FC's temporary bucket without a storage bucket: %s", p)
					}
				}
				if temp < 2 { // the import check's package, then the runtime's
					t.Errorf("%d uploads to the temporary bucket, want 2: %v", temp, puts)
				}
			}
			v.NoSmokeFunctions(t)

			v.Probe.ResetCalls()
			if r2 := a.mustRun(); r2.out["deployed"] != "unchanged" || v.Uploads() != 0 {
				t.Errorf("second run: deployed %q, %d uploads", r2.out["deployed"], v.Uploads())
			}
		})
	}
}

// TestFailedSmokeLeavesPreviousRuntime: a runtime whose import check fails (a module
// raising on import) never goes live: an existing function keeps its code and its
// published metadata, a new one is not created, and the error says which module failed
// and why. A failed metadata call after the deploy rolls back the same way.
func TestFailedSmokeLeavesPreviousRuntime(t *testing.T) {
	broken := pipelinetest.Module("brokenmod", "1.0", "raise RuntimeError('brokenmod cannot start: missing libfoo.so')\n")
	tests := []struct {
		name     string
		tg       target
		existing bool
		fault    bool // fail the worker's metadata call instead of the import
		want     []string
	}{
		{name: "import fails, existing function", tg: fc3, existing: true, want: []string{"brokenmod", "RuntimeError", "missing libfoo.so", "nothing was deployed", "keeps its previous code"}},
		{name: "import fails, existing function", tg: fc2, existing: true, want: []string{"brokenmod", "RuntimeError", "missing libfoo.so", "keeps its previous code"}},
		{name: "import fails, new function", tg: fc3, want: []string{"brokenmod", "RuntimeError", "was not created"}},
		{name: "metadata call fails, existing function", tg: fc3, existing: true, fault: true, want: []string{"smoke test", "lithops worker crashed", "restored"}},
		{name: "metadata call fails, new function", tg: fc2, fault: true, want: []string{"smoke test", "lithops worker crashed", "deleted"}},
	}
	for _, tt := range tests {
		t.Run(tt.tg.String()+" "+tt.name, func(t *testing.T) {
			v := startEmulator(t, tt.tg)
			a := newAction(t, tt.tg, v, "fc-demo\n", demo("1.0.0"), broken, pipelinetest.Module("okmod", "1.0", "X = 1\n"))
			name := tt.tg.functionName(t, 256)
			key := ""
			var before fcemu.FunctionInfo
			var meta metaObject
			if tt.existing {
				r := a.mustRun()
				key = r.out["runtime-key"]
				before, _ = v.Function(name)
				meta, _ = published(t, v, key)
			}
			if tt.fault {
				a.requirements("fc-demo\nokmod\n") // another package, whose import check passes
				v.Probe.Faults().FailInvocations(name, 1, "lithops worker crashed")
			} else {
				a.requirements("fc-demo\nbrokenmod\n")
			}
			r := a.run(t.Context())
			if testing.Verbose() {
				t.Logf("log of the failed run:\n%s", r.log)
			}
			if r.code != 1 {
				t.Fatalf("exit code %d, want 1", r.code)
			}
			errs := errorsOf(r.log)
			for _, w := range tt.want {
				if !strings.Contains(errs, w) {
					t.Errorf("the error does not say %q:\n%s", w, errs)
				}
			}
			if len(r.outputs) != 0 {
				t.Errorf("a failed run set outputs: %v", r.outputs)
			}
			v.NoSmokeFunctions(t)
			after, ok := v.Function(name)
			switch {
			case tt.existing && (!ok || after.CodeChecksum != before.CodeChecksum || after.Timeout != before.Timeout || after.MemorySize != before.MemorySize):
				t.Errorf("the function changed: %+v, was %+v", after, before)
			case !tt.existing && len(v.Emu.Functions()) != 0:
				t.Errorf("functions left behind: %+v", v.Emu.Functions())
			}
			if tt.existing {
				if m, _ := published(t, v, key); string(m.raw) != string(meta.raw) {
					t.Errorf("the published metadata changed:\n%s\nwas\n%s", m.raw, meta.raw)
				}
			} else if objs := v.Emu.Objects(deploytest.Bucket); len(objs) != 0 {
				// A package object may stay (content-addressed, harmless); metadata must not.
				for _, o := range objs {
					if strings.HasSuffix(o.Key, ".meta.json") {
						t.Errorf("metadata published for a runtime that is not live: %s", o.Key)
					}
				}
			}
			if !tt.fault && !strings.Contains(r.log, "import brokenmod failed:") {
				t.Errorf("the traceback of brokenmod was not shown")
			}
		})
	}
}
