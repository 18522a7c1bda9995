package pipeline_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/lithops-fc/runtime-action/internal/deploy/deploytest"
	"github.com/lithops-fc/runtime-action/internal/fcemu"
)

// twoRuns are two steps deploying the same runtime (same name and memory) to one
// account, with different packages (fc-demo 1.0.0 and 2.0.0) and timeouts (60 and 90 s),
// so that code and configuration show whose deployment is live.
func twoRuns(t *testing.T, tg target, v *deploytest.Env) (a, b *action) {
	a = newAction(t, tg, v, "fc-demo==1.0.0\n", demo("1.0.0"))
	b = newAction(t, tg, v, "fc-demo==2.0.0\n", demo("2.0.0"))
	b.inputs["runtime-timeout"] = "90"
	return a, b
}

// liveIs checks that the function, and its published metadata, are r's deployment
// with timeout seconds.
func liveIs(t *testing.T, v *deploytest.Env, tg target, r result, timeout int) {
	t.Helper()
	fn, ok := v.Function(tg.functionName(t, 256))
	if !ok || fn.CodeChecksum != r.out["code-checksum"] || fn.Timeout != timeout {
		t.Errorf("live function %+v, want code %s and timeout %d", fn, r.out["code-checksum"], timeout)
	}
	m, ok := published(t, v, r.out["runtime-key"])
	if !ok || m.RuntimeTimeout != timeout || !m.has("fc_demo") {
		t.Errorf("published metadata %s, want runtime_timeout %d", m.raw, timeout)
	}
	v.NoSmokeFunctions(t)
}

// TestConcurrentRunsLastWins: run A deploys and, while it verifies, run B deploys the
// same runtime with other code and configuration and finishes. B wins: its code,
// configuration and metadata are live; A fails, says another deployment replaced its
// runtime, and undoes nothing of B's.
func TestConcurrentRunsLastWins(t *testing.T) {
	for _, tg := range []target{fc2, fc3} {
		t.Run(tg.String(), func(t *testing.T) {
			v := startEmulator(t, tg)
			a, b := twoRuns(t, tg, v)
			var rb result
			var once sync.Once
			a.watch = func(line string) {
				// A has deployed and starts verifying: B runs to its end meanwhile.
				if strings.HasPrefix(line, "smoke: Lithops metadata call") {
					once.Do(func() { rb = b.run(context.Background()) })
				}
			}
			ra := a.run(context.Background())
			if rb.code != 0 || rb.out["deployed"] != "updated" {
				t.Fatalf("run B: exit %d, deployed %q, want 0 and updated", rb.code, rb.out["deployed"])
			}
			if ra.code != 1 || len(ra.outputs) != 0 {
				t.Errorf("run A: exit %d with outputs %v, want a failure without outputs", ra.code, ra.outputs)
			}
			if errs := errorsOf(ra.log); !strings.Contains(errs, "another deployment") {
				t.Errorf("run A's error does not say another deployment replaced it:\n%s", errs)
			}
			liveIs(t, v, tg, rb, 90)
			t.Logf("run A's error: %s", errorsOf(ra.log))
		})
	}
}

// TestConcurrentRunsConsistent starts both runs at once, a few times, without arranging
// the order: whatever the interleaving, the live code, configuration and metadata all
// come from one run that reported success, and a failed run sets no output.
func TestConcurrentRunsConsistent(t *testing.T) {
	tg := fc3
	v := startEmulator(t, tg)
	for round := range 3 {
		t.Run("round "+strconv.Itoa(round), func(t *testing.T) {
			a, b := twoRuns(t, tg, v)
			v.Probe.ResetCalls()
			var wg sync.WaitGroup
			var ra, rb result
			wg.Add(2)
			go func() { defer wg.Done(); ra = a.run(context.Background()) }()
			go func() { defer wg.Done(); rb = b.run(context.Background()) }()
			wg.Wait()
			for name, r := range map[string]result{"A": ra, "B": rb} {
				if r.code != 0 && r.code != 1 {
					t.Errorf("run %s: exit code %d", name, r.code)
				}
				if r.code != 0 && len(r.outputs) != 0 {
					t.Errorf("run %s failed but set outputs", name)
				}
			}
			fn, _ := v.Function(tg.functionName(t, 256))
			switch {
			case ra.code == 0 && fn.CodeChecksum == ra.out["code-checksum"]:
				liveIs(t, v, tg, ra, 60)
			case rb.code == 0 && fn.CodeChecksum == rb.out["code-checksum"]:
				liveIs(t, v, tg, rb, 90)
			default:
				t.Errorf("live code %s is no successful run's (A exit %d %s, B exit %d %s)", fn.CodeChecksum,
					ra.code, ra.out["code-checksum"], rb.code, rb.out["code-checksum"])
			}
			t.Logf("A exit %d, B exit %d; %d updates; errors: %s %s", ra.code, rb.code, len(v.Probe.CallsOf(fcemu.OpUpdateFunction)), errorsOf(ra.log), errorsOf(rb.log))
		})
	}
}
