package pipeline_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lithops-fc/runtime-action/internal/deploy"
	"github.com/lithops-fc/runtime-action/internal/deploy/deploytest"
	"github.com/lithops-fc/runtime-action/internal/fcemu"
	"github.com/lithops-fc/runtime-action/internal/verify"
)

// TestCancelDuringDeployAndSmoke cancels a run that replaces a live runtime while it
// uploads, updates the function, runs the import check or makes the metadata call (with
// the emulator slowing calls down, as a job cancelled mid-call sees): the exit code is
// 130, the message says cancelled and during what, the previous runtime is live with
// its configuration and metadata, and no temporary function is left.
func TestCancelDuringDeployAndSmoke(t *testing.T) {
	tests := []struct {
		name  string
		tg    target
		smoke string
		oss   bool
		// cancelOn matches the request during which the run is cancelled; fn is the
		// worker function's name.
		cancelOn func(r *http.Request, fn string) bool
		slow     fcemu.Op // a call slowed down, so the cancellation lands while it runs
		stage    string
	}{
		{
			name: "upload to the storage bucket", tg: fc3, smoke: "metadata", oss: true, slow: fcemu.OpPutObject, stage: "deploy",
			cancelOn: func(r *http.Request, _ string) bool {
				return r.Method == http.MethodPut && strings.Contains(r.URL.Path, deploy.PackagePrefix)
			},
		},
		{
			name: "function update", tg: fc3, slow: fcemu.OpUpdateFunction, stage: "deploy",
			cancelOn: func(r *http.Request, fn string) bool {
				return r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/functions/"+fn)
			},
		},
		{
			name: "function update", tg: fc2, slow: fcemu.OpUpdateFunction, stage: "deploy",
			cancelOn: func(r *http.Request, fn string) bool {
				return r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/functions/"+fn)
			},
		},
		{
			name: "import check", tg: fc3, slow: fcemu.OpInvokeFunction, stage: "smoke: imports",
			cancelOn: func(r *http.Request, _ string) bool {
				return r.Method == http.MethodPost && strings.Contains(r.URL.Path, "/functions/"+verify.TempPrefix) && strings.HasSuffix(r.URL.Path, "/invocations")
			},
		},
		{
			name: "metadata call", tg: fc2, slow: fcemu.OpInvokeFunction, stage: "verify",
			cancelOn: func(r *http.Request, fn string) bool {
				return r.Method == http.MethodPost && strings.Contains(r.URL.Path, "/functions/"+fn+"/invocations")
			},
		},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %s", tt.tg, tt.name), func(t *testing.T) {
			opts := []fcemu.Option{}
			if tt.oss {
				opts = append(opts, fcemu.WithLimits(smallLimits))
			}
			v := startEmulator(t, tt.tg, opts...)
			a := newAction(t, tt.tg, v, "fc-demo==1.0.0\n", demo("1.0.0"), demo("2.0.0"))
			if tt.smoke != "" {
				a.inputs["smoke"] = tt.smoke
			}
			if tt.oss {
				a.throughOSS()
			}
			first := a.mustRun()
			fn := tt.tg.functionName(t, 256)
			before, _ := v.Function(fn)
			meta, _ := published(t, v, first.out["runtime-key"])

			// The second run deploys fc-demo 2.0.0 and is cancelled mid-way.
			a.requirements("fc-demo==2.0.0\n")
			a.inputs["runtime-timeout"] = "90"
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var once sync.Once
			v.OnRequest(func(r *http.Request) {
				if tt.cancelOn(r, fn) {
					once.Do(cancel)
				}
			})
			v.Probe.Faults().Delay(tt.slow, 200*time.Millisecond)
			r := a.run(ctx)
			v.Probe.Faults().Reset()
			if testing.Verbose() {
				t.Logf("end of the log:\n%s", r.log[max(0, strings.LastIndex(r.log, "::group::")):])
			}

			if r.code != 130 {
				t.Errorf("exit code %d, want 130", r.code)
			}
			if errs := errorsOf(r.log); !strings.Contains(errs, "the run was cancelled during "+tt.stage) {
				t.Errorf("the error does not say the run was cancelled during %s:\n%s", tt.stage, errs)
			}
			if len(r.outputs) != 0 {
				t.Errorf("a cancelled run set outputs: %v", r.outputs)
			}
			after, ok := v.Function(fn)
			if !ok || after.CodeChecksum != before.CodeChecksum || after.Timeout != before.Timeout || after.MemorySize != before.MemorySize {
				t.Errorf("after the cancelled run the function is %+v (exists %v), want %+v", after, ok, before)
			}
			if m, _ := published(t, v, first.out["runtime-key"]); string(m.raw) != string(meta.raw) {
				t.Errorf("the published metadata changed:\n%s\nwas\n%s", m.raw, meta.raw)
			}
			v.NoSmokeFunctions(t)
			if n := len(v.Emu.Functions()); n != 1 {
				t.Errorf("%d functions in the account, want 1", n)
			}
			// The function still answers Lithops' metadata call with its old code.
			if got := invokedChecksum(t, v, fn); got != "" && got != before.CodeChecksum {
				t.Errorf("the metadata call ran code %s, want %s", got, before.CodeChecksum)
			}
		})
	}
}

// invokedChecksum makes Lithops' metadata call and returns the checksum of the code
// that ran ("" when FC does not say).
func invokedChecksum(t *testing.T, v *deploytest.Env, name string) string {
	t.Helper()
	d := v.Deployer(t, true)
	inv, err := d.Functions().Invoke(context.Background(), name, []byte(`{"get_metadata": true, "log_level": 20}`))
	if err != nil || inv.ErrorType != "" {
		t.Fatalf("invoke %s: %v %s %.300s", name, err, inv.ErrorType, inv.Body)
	}
	return inv.CodeChecksum
}
