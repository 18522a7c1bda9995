package deploy_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/lithops-fc/runtime-action/internal/deploy"
	"github.com/lithops-fc/runtime-action/internal/deploy/deploytest"
	"github.com/lithops-fc/runtime-action/internal/fcemu"
	"github.com/lithops-fc/runtime-action/internal/fcruntime"
)

// seed creates functions through the official SDK: on FC 2.0 in deploytest.Service,
// created without the action's description when missing.
func seed(t *testing.T, v *deploytest.Env, memory int, names ...string) {
	t.Helper()
	service := ""
	if v.API == fcruntime.FC2 {
		service = deploytest.Service
	}
	v.Seed(t, service, memory, names...)
}

// TestList: a prefix listing reads every page (more functions than one page holds),
// in name order, with each function's memory, runtime, code size and last update, and
// nothing outside the prefix; on FC 2.0 a missing service has no functions.
func TestList(t *testing.T) {
	deploytest.EachAPI(t, func(t *testing.T, api fcruntime.API) {
		ctx := context.Background()
		v := deploytest.Start(t, api)
		d := v.Deployer(t, false)
		if api == fcruntime.FC2 {
			if fns, err := d.List(ctx, "lithops-worker-"); err != nil || len(fns) != 0 {
				t.Fatalf("List without the service = %v, %v; want none", fns, err)
			}
		}
		var want []string
		for i := range 103 {
			want = append(want, fmt.Sprintf("lithops-worker-rt-%03d", i))
		}
		seed(t, v, 512, want...)
		seed(t, v, 256, "lithops-worker", "other-fn", "lithops-worker-r")
		v.Probe.ResetCalls()
		// A throttled second page is retried, as every other call is.
		v.Probe.Faults().FailAfter(fcemu.OpListFunctions, 1, 1, 429, "ResourceThrottled")
		fns, err := d.List(ctx, "lithops-worker-rt-")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range fns {
			got = append(got, f.Name)
			if f.MemoryMB != 512 || f.Runtime != deploytest.Runtime || f.CodeSize != int64(len(deploytest.SeedCode())) || f.LastModified == "" {
				t.Errorf("listed %+v", f)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("listed %d functions %v..., want the %d with the prefix", len(got), got[:min(3, len(got))], len(want))
		}
		if n := v.Count(fcemu.OpListFunctions); n < 3 {
			t.Errorf("%d ListFunctions calls, want 2 pages of at most 100 and a retry", n)
		}
	})
}

// TestRemove deletes two functions and their objects (one object never existed), then
// deletes again: everything is gone and said so. On FC 2.0 a service the action did not
// create is kept even when empty.
func TestRemove(t *testing.T) {
	deploytest.EachAPI(t, func(t *testing.T, api fcruntime.API) {
		ctx := context.Background()
		v := deploytest.Start(t, api)
		d := v.Deployer(t, true)
		seed(t, v, 256, "fn-a", "fn-b")
		for _, k := range []string{"meta/a", "lock/a", "meta/b"} {
			if err := v.Emu.PutObject(deploytest.Bucket, k, []byte("{}")); err != nil {
				t.Fatal(err)
			}
		}
		targets := []deploy.Target{{Function: "fn-a", Objects: []string{"meta/a", "lock/a"}}, {Function: "fn-b", Objects: []string{"meta/b", "lock/b"}}}
		res, err := d.Remove(ctx, targets, true)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"object meta/a deleted", "object lock/a deleted", "function fn-a deleted", "object meta/b deleted", "object lock/b gone", "function fn-b deleted"}
		if api == fcruntime.FC2 {
			want = append(want, "service "+deploytest.Service+" kept")
		}
		if got := states(res); !slices.Equal(got, want) {
			t.Errorf("first removal: %v, want %v", got, want)
		}
		if len(v.Emu.Functions()) != 0 || len(v.Emu.Objects(deploytest.Bucket)) != 0 {
			t.Errorf("left: functions %v, objects %v", v.Emu.Functions(), v.Emu.Objects(deploytest.Bucket))
		}
		if api == fcruntime.FC2 && len(v.Emu.Services()) != 1 {
			t.Errorf("the service the action did not create was deleted")
		}

		res, err = d.Remove(ctx, targets, true)
		if err != nil {
			t.Fatal(err)
		}
		want = []string{"object meta/a gone", "object lock/a gone", "function fn-a gone", "object meta/b gone", "object lock/b gone", "function fn-b gone"}
		if api == fcruntime.FC2 {
			want = append(want, "service "+deploytest.Service+" kept")
		}
		if got := states(res); !slices.Equal(got, want) {
			t.Errorf("second removal: %v, want %v", got, want)
		}
	})
}

func states(res []deploy.Resource) []string {
	var out []string
	for _, r := range res {
		out = append(out, fmt.Sprintf("%s %s %s", r.Kind, r.Name, r.State))
	}
	return out
}

// TestRemoveService: on FC 2.0 the service the deployer created bears its description
// and is deleted once empty, kept while another function is in it (deleted on the next
// removal once that one went).
func TestRemoveService(t *testing.T) {
	ctx := context.Background()
	v := deploytest.Start(t, fcruntime.FC2)
	d := v.Deployer(t, false)
	pkg := deploytest.Package(t, deploytest.Lithops(fcruntime.FC2), nil, nil)
	rel, err := d.Deploy(ctx, pkg, []deploy.Spec{deploytest.Spec("fn-a", 256), deploytest.Spec("fn-b", 512)})
	if err != nil {
		t.Fatal(err)
	}
	if err := rel.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if s := v.Emu.Services(); len(s) != 1 || s[0].Description != deploy.ServiceDescription {
		t.Fatalf("services %+v, want one described as the action's", s)
	}
	res, err := d.Remove(ctx, []deploy.Target{{Function: "fn-a"}}, true)
	if err != nil {
		t.Fatal(err)
	}
	if last := res[len(res)-1]; last.State != deploy.Kept || last.Reason == "" || !strings.Contains(last.Reason, "fn-b") {
		t.Errorf("the service with fn-b in it: %+v, want kept, naming fn-b", last)
	}
	res, err = d.Remove(ctx, []deploy.Target{{Function: "fn-b"}}, true)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := states(res), []string{"function fn-b deleted", "service " + deploytest.Service + " deleted"}; !slices.Equal(got, want) {
		t.Errorf("removal: %v, want %v", got, want)
	}
	if s := v.Emu.Services(); len(s) != 0 {
		t.Errorf("services left: %+v", s)
	}
	res, err = d.Remove(ctx, []deploy.Target{{Function: "fn-b"}}, true)
	if got, want := states(res), []string{"function fn-b gone", "service " + deploytest.Service + " gone"}; err != nil || !slices.Equal(got, want) {
		t.Errorf("removal again: %v, %v; want %v", got, err, want)
	}
}

// TestRemoveFailsMidway: a delete refused midway (not a retryable error) stops there;
// the error says what remains, the resources say what was done.
func TestRemoveFailsMidway(t *testing.T) {
	deploytest.EachAPI(t, func(t *testing.T, api fcruntime.API) {
		ctx := context.Background()
		v := deploytest.Start(t, api)
		d := v.Deployer(t, true)
		seed(t, v, 256, "fn-a", "fn-b", "fn-c")
		v.Probe.Faults().FailAfter(fcemu.OpDeleteFunction, 1, 1, 403, "AccessDenied")
		res, err := d.Remove(ctx, []deploy.Target{{Function: "fn-a"}, {Function: "fn-b"}, {Function: "fn-c"}}, true)
		var re *deploy.RemoveError
		if !errors.As(err, &re) {
			t.Fatalf("error %v, want a *RemoveError", err)
		}
		want := []string{"function fn-a deleted", "function fn-b remains", "function fn-c remains"}
		if api == fcruntime.FC2 {
			want = append(want, "service "+deploytest.Service+" remains")
		}
		if got := states(res); !slices.Equal(got, want) {
			t.Errorf("resources %v, want %v", got, want)
		}
		if got := states(re.Remaining()); !slices.Equal(got, want[1:]) {
			t.Errorf("remaining %v, want %v", got, want[1:])
		}
		msg := err.Error()
		for _, w := range []string{"AccessDenied", "still there: function fn-b, function fn-c", "deleted before the failure: function fn-a"} {
			if !strings.Contains(msg, w) {
				t.Errorf("error %q does not say %q", msg, w)
			}
		}
		var names []string
		for _, f := range v.Emu.Functions() {
			names = append(names, f.Name)
		}
		if !slices.Equal(names, []string{"fn-b", "fn-c"}) {
			t.Errorf("functions left %v", names)
		}
	})
}

// TestRemoveRetriedDelete: a delete whose answer is lost (503 after FC deleted it is
// what a dropped answer looks like) and whose retry finds it gone counts as deleted.
func TestRemoveRetriedDelete(t *testing.T) {
	deploytest.EachAPI(t, func(t *testing.T, api fcruntime.API) {
		v := deploytest.Start(t, api)
		d := v.Deployer(t, false)
		seed(t, v, 256, "fn-a")
		// The emulator deletes, then the answer is replaced by a 503.
		lost := true
		v.Intercept(func(w http.ResponseWriter, r *http.Request) bool {
			if r.Method != http.MethodDelete || !lost {
				return false
			}
			lost = false
			v.Emu.Handler().ServeHTTP(httptest.NewRecorder(), r)
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, `{"ErrorCode":"ServiceUnavailable","Code":"ServiceUnavailable","ErrorMessage":"lost"}`)
			return true
		})
		res, err := d.Remove(context.Background(), []deploy.Target{{Function: "fn-a"}}, false)
		if got := states(res); err != nil || !slices.Equal(got, []string{"function fn-a deleted"}) {
			t.Errorf("removal %v, %v; want fn-a deleted", got, err)
		}
	})
}

// TestListObjects pages through the objects under a prefix; a missing bucket has none.
func TestListObjects(t *testing.T) {
	ctx := context.Background()
	v := deploytest.Start(t, fcruntime.FC3)
	d := v.Deployer(t, true)
	var want []string
	for i := range 1003 {
		k := fmt.Sprintf("lithops.runtimes/aliyun_fc/3.7.0/r/f%04d.meta.json", i)
		want = append(want, k)
		if err := v.Emu.PutObject(deploytest.Bucket, k, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := v.Emu.PutObject(deploytest.Bucket, "lithops.runtimes/other", nil); err != nil {
		t.Fatal(err)
	}
	v.Probe.Faults().FailAfter(fcemu.OpListObjects, 1, 1, 503, "ServiceUnavailable")
	got, err := d.Uploader().ListObjects(ctx, "lithops.runtimes/aliyun_fc/")
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("ListObjects = %d keys, %v; want %d", len(got), err, len(want))
	}
	if n := v.Count(fcemu.OpListObjects); n != 3 {
		t.Errorf("%d ListObjects calls, want 2 pages and a retry", n)
	}
	dest := v.Destination(true)
	dest.Bucket = "no-such-bucket-here"
	missing, err := deploy.New(dest, deploy.WithRetry(deploytest.FastRetry))
	if err != nil {
		t.Fatal(err)
	}
	if keys, err := missing.Uploader().ListObjects(ctx, ""); err != nil || len(keys) != 0 {
		t.Errorf("ListObjects of a missing bucket = %v, %v; want none", keys, err)
	}
}

// TestPendingNamesTheBucket: what a removal has yet to do names each object with its
// bucket (a prune that stops early lists them so).
func TestPendingNamesTheBucket(t *testing.T) {
	res := deploy.Pending([]deploy.Target{{Function: "f", Objects: []string{"k.meta.json"}}}, "b")
	var got []string
	for _, r := range res {
		got = append(got, r.String()+" "+string(r.State))
	}
	want := []string{"oss://b/k.meta.json remains", "function f remains"}
	if !slices.Equal(got, want) {
		t.Errorf("Pending = %q, want %q", got, want)
	}
}
