package deploy_test

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	fc3api "github.com/alibabacloud-go/fc-20230330/v4/client"
	"github.com/alibabacloud-go/tea/tea"
	fc "github.com/aliyun/fc-go-sdk"

	"github.com/lithops-fc/runtime-action/internal/credentials"
	"github.com/lithops-fc/runtime-action/internal/deploy"
	"github.com/lithops-fc/runtime-action/internal/deploy/deploytest"
	"github.com/lithops-fc/runtime-action/internal/fcemu"
	"github.com/lithops-fc/runtime-action/internal/fcruntime"
	"github.com/lithops-fc/runtime-action/internal/python/wheeltest"
)

// invokeMetadata runs Lithops' metadata call and returns the checksum of the code that ran.
func invokeMetadata(t *testing.T, d *deploy.Deployer, name string) string {
	t.Helper()
	inv, err := d.Functions().Invoke(context.Background(), name, []byte(`{"get_metadata": true, "log_level": 20}`))
	if err != nil {
		t.Fatalf("invoke %s: %v", name, err)
	}
	if inv.ErrorType != "" || !strings.Contains(string(inv.Body), `"preinstalls"`) {
		t.Fatalf("invoke %s: error type %q, answer %.300s", name, inv.ErrorType, inv.Body)
	}
	return inv.CodeChecksum
}

func fcWrites(v *deploytest.Env) int {
	return v.Count(fcemu.OpCreateFunction) + v.Count(fcemu.OpUpdateFunction) + v.Count(fcemu.OpCreateService) + v.Count(fcemu.OpUpdateService)
}

func TestCreateUnchangedConfigOnly(t *testing.T) {
	deploytest.EachAPI(t, func(t *testing.T, api fcruntime.API) {
		ctx := context.Background()
		v := deploytest.Start(t, api)
		d := v.Deployer(t, true)
		pkg := deploytest.Package(t, deploytest.Lithops(api), nil, nil)
		spec := deploytest.Spec("lithops-worker-test-v1", 256)

		rel, err := d.Deploy(ctx, pkg, []deploy.Spec{spec})
		if err != nil {
			t.Fatalf("Deploy: %v", err)
		}
		if got := rel.Functions; len(got) != 1 || got[0].Outcome != deploy.Created || got[0].CodeChecksum != pkg.CodeChecksum {
			t.Fatalf("results %+v, want one created with checksum %s", got, pkg.CodeChecksum)
		}
		if err := rel.Commit(ctx); err != nil {
			t.Fatalf("Commit: %v", err)
		}
		live := v.ReadWithSDK(t, spec.Name)
		if !spec.Matches(live) || live.CodeChecksum != pkg.CodeChecksum {
			t.Fatalf("live %+v\nwant %+v with checksum %s", live, spec, pkg.CodeChecksum)
		}
		if got := invokeMetadata(t, d, spec.Name); got != pkg.CodeChecksum {
			t.Errorf("the code that ran has checksum %s, want %s", got, pkg.CodeChecksum)
		}

		// Same inputs again: nothing uploaded, nothing changed.
		v.Probe.ResetCalls()
		rel, err = d.Deploy(ctx, pkg, []deploy.Spec{spec})
		if err != nil {
			t.Fatalf("second Deploy: %v", err)
		}
		if got := rel.Functions[0].Outcome; got != deploy.Unchanged {
			t.Errorf("second deploy: %s, want unchanged", got)
		}
		if n := fcWrites(v) + v.Uploads() + v.Count(fcemu.OpGetFunctionCode); n != 0 {
			t.Errorf("second deploy made %d writes or code reads; calls: %+v", n, v.Probe.Calls())
		}
		if err := rel.Commit(ctx); err != nil {
			t.Fatalf("Commit: %v", err)
		}

		// Other memory and timeout, same code: one configuration-only update.
		spec2 := spec
		spec2.MemoryMB, spec2.TimeoutSec = 512, 120
		v.Probe.ResetCalls()
		rel, err = d.Deploy(ctx, pkg, []deploy.Spec{spec2})
		if err != nil {
			t.Fatalf("third Deploy: %v", err)
		}
		if r := rel.Functions[0]; r.Outcome != deploy.Updated || !r.ConfigOnly {
			t.Errorf("third deploy: %+v, want a configuration-only update", r)
		}
		if n := v.Count(fcemu.OpUpdateFunction); n != 1 {
			t.Errorf("%d UpdateFunction calls, want 1", n)
		}
		if n := v.Uploads() + v.Count(fcemu.OpGetFunctionCode) + v.Count(fcemu.OpDownloadCode); n != 0 {
			t.Errorf("a configuration-only update uploaded or downloaded code (%d calls)", n)
		}
		live = v.ReadWithSDK(t, spec.Name)
		if !spec2.Matches(live) || live.CodeChecksum != pkg.CodeChecksum {
			t.Errorf("live %+v, want %+v with checksum %s", live, spec2, pkg.CodeChecksum)
		}
		if err := rel.Commit(ctx); err != nil {
			t.Fatalf("Commit: %v", err)
		}
		deploytest.NoSecrets(t, v.Secrets(), v.Log.Lines()...)
	})
}

// TestSeveralMemorySizes deploys one package as three functions: one upload.
func TestSeveralMemorySizes(t *testing.T) {
	deploytest.EachAPI(t, func(t *testing.T, api fcruntime.API) {
		ctx := context.Background()
		v := deploytest.Start(t, api, fcemu.WithLimits(smallLimits))
		d := v.Deployer(t, true, deploy.WithInlineLimit(smallLimits.InlineCode), deploy.WithMultipart(100<<10, 3))
		pkg := deploytest.Package(t, deploytest.Lithops(api), []wheeltest.Wheel{blob(300 << 10)}, nil)
		specs := []deploy.Spec{deploytest.Spec("worker-256", 256), deploytest.Spec("worker-512", 512), deploytest.Spec("worker-1024", 1024)}
		rel, err := d.Deploy(ctx, pkg, specs)
		if err != nil {
			t.Fatalf("Deploy: %v", err)
		}
		if err := rel.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if n := v.Count(fcemu.OpInitiateMultipartUpload); n != 1 {
			t.Errorf("%d uploads for three functions, want 1", n)
		}
		for _, s := range specs {
			if live := v.ReadWithSDK(t, s.Name); !s.Matches(live) || live.CodeChecksum != pkg.CodeChecksum {
				t.Errorf("live %+v, want %+v", live, s)
			}
		}
	})
}

var smallLimits = fcemu.Limits{InlineCode: 256 << 10, OSSCode: 500 << 20, SyncPayload: 32 << 20, AsyncPayload: 128 << 10}

// blob is a distribution holding n random (incompressible) bytes.
func blob(n int) wheeltest.Wheel {
	r := rand.New(rand.NewPCG(uint64(n), 7))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return wheeltest.Wheel{Name: "blobdata", Version: "1.0", Files: map[string][]byte{
		"blobdata/__init__.py": []byte("VALUE = 1\n"), "blobdata/blob.bin": b}}
}

func TestLargePackageThroughOSS(t *testing.T) {
	deploytest.EachAPI(t, func(t *testing.T, api fcruntime.API) {
		for _, bucket := range []bool{true, false} {
			name := map[bool]string{true: "storage bucket", false: "temporary bucket"}[bucket]
			t.Run(name, func(t *testing.T) {
				ctx := context.Background()
				v := deploytest.Start(t, api, fcemu.WithLimits(smallLimits))
				d := v.Deployer(t, bucket, deploy.WithInlineLimit(smallLimits.InlineCode), deploy.WithMultipart(100<<10, 3),
					deploy.WithProgressEvery(0))
				pkg := deploytest.Package(t, deploytest.Lithops(api), []wheeltest.Wheel{blob(300 << 10)}, nil)
				if d.Uploader().Inline(pkg.Size) {
					t.Fatalf("a %d-byte package fits inline: the test needs a larger one", pkg.Size)
				}
				spec := deploytest.Spec("lithops-worker-big", 256)
				rel, err := d.Deploy(ctx, pkg, []deploy.Spec{spec})
				if err != nil {
					t.Fatalf("Deploy: %v", err)
				}
				if err := rel.Commit(ctx); err != nil {
					t.Fatal(err)
				}
				code := rel.Code()
				if code == nil || code.ZipFile != "" {
					t.Fatalf("code %v, want an OSS object", code)
				}
				wantBucket := deploytest.Bucket
				if !bucket {
					wantBucket = v.Emu.TempBucket()
				}
				data, ok := v.Emu.Object(code.Bucket, code.Object)
				if code.Bucket != wantBucket || !ok || int64(len(data)) != pkg.Size {
					t.Fatalf("object oss://%s/%s (found %t, %d bytes), want %d bytes in %s", code.Bucket, code.Object, ok, len(data), pkg.Size, wantBucket)
				}
				if bucket && code.Object != deploy.PackageKey(pkg) {
					t.Errorf("object %s, want the content-addressed %s", code.Object, deploy.PackageKey(pkg))
				}
				parts := v.Count(fcemu.OpUploadPart)
				if parts < 3 {
					t.Errorf("%d parts, want a multipart upload of at least 3", parts)
				}
				progress := 0
				for _, l := range v.Log.Lines() {
					if strings.HasPrefix(l, "uploading to oss://") && strings.Contains(l, "%") {
						progress++
					}
				}
				if progress != parts-1 {
					t.Errorf("%d progress lines for %d parts, want one per part but the last: %q", progress, parts, v.Log.Lines())
				}
				if live := v.ReadWithSDK(t, spec.Name); live.CodeChecksum != pkg.CodeChecksum {
					t.Errorf("live checksum %s, want %s", live.CodeChecksum, pkg.CodeChecksum)
				}
				invokeMetadata(t, d, spec.Name)

				if bucket {
					// Another function from the same package: the object is there already.
					v.Probe.ResetCalls()
					rel, err := d.Deploy(ctx, pkg, []deploy.Spec{deploytest.Spec("lithops-worker-big-2", 512)})
					if err != nil {
						t.Fatal(err)
					}
					if n := v.Uploads(); n != 0 {
						t.Errorf("the package was uploaded again (%d OSS writes)", n)
					}
					rel.Commit(ctx)
				}
				deploytest.NoSecrets(t, v.Secrets(), v.Log.Lines()...)
			})
		}
	})
}

func TestRetriedFaults(t *testing.T) {
	cases := []struct {
		op     fcemu.Op
		status int
		code   string
		bucket bool // the fault is on an OSS call: deploy a large package
	}{
		{fcemu.OpGetFunction, 503, "ServiceUnavailable", false},
		{fcemu.OpCreateFunction, 500, "InternalServerError", false},
		{fcemu.OpCreateFunction, 429, "ResourceExhausted", false},
		{fcemu.OpCreateFunction, 409, "ConcurrentUpdateError", false},
		{fcemu.OpCreateFunction, 412, "PreconditionFailed", false},
		{fcemu.OpUploadPart, 503, "ServiceUnavailable", true},
		{fcemu.OpHeadObject, 500, "InternalError", true},
	}
	deploytest.EachAPI(t, func(t *testing.T, api fcruntime.API) {
		for _, c := range cases {
			t.Run(string(c.op)+"/"+c.code, func(t *testing.T) {
				ctx := context.Background()
				v := deploytest.Start(t, api, fcemu.WithLimits(smallLimits))
				d := v.Deployer(t, true, deploy.WithInlineLimit(smallLimits.InlineCode), deploy.WithMultipart(100<<10, 3))
				var extra []wheeltest.Wheel
				if c.bucket {
					extra = append(extra, blob(300<<10))
				}
				pkg := deploytest.Package(t, deploytest.Lithops(api), extra, nil)
				v.Probe.Faults().FailNext(c.op, 2, c.status, c.code)
				spec := deploytest.Spec("lithops-worker-faults", 256)
				rel, err := d.Deploy(ctx, pkg, []deploy.Spec{spec})
				if err != nil {
					t.Fatalf("Deploy: %v", err)
				}
				if err := rel.Commit(ctx); err != nil {
					t.Fatal(err)
				}
				failed := 0
				for _, call := range v.Probe.CallsOf(c.op) {
					if call.ErrorCode == c.code {
						failed++
					}
				}
				if failed != 2 {
					t.Errorf("%d failed %s calls, want the 2 injected", failed, c.op)
				}
				if live := v.ReadWithSDK(t, spec.Name); live.CodeChecksum != pkg.CodeChecksum || !spec.Matches(live) {
					t.Errorf("live %+v, want %+v", live, spec)
				}
				retries := 0
				for _, l := range v.Log.Lines() {
					if strings.Contains(l, "retrying in") && strings.Contains(l, c.code) {
						retries++
					}
				}
				if retries != 2 {
					t.Errorf("%d retry lines naming %s, want 2: %q", retries, c.code, v.Log.Lines())
				}
			})
		}
	})
}

func TestNotRetried(t *testing.T) {
	deploytest.EachAPI(t, func(t *testing.T, api fcruntime.API) {
		ctx := context.Background()
		v := deploytest.Start(t, api)
		d := v.Deployer(t, true)
		pkg := deploytest.Package(t, deploytest.Lithops(api), nil, nil)
		v.Probe.Faults().FailNext(fcemu.OpCreateFunction, 1, 400, "InvalidArgument")
		_, err := d.Deploy(ctx, pkg, []deploy.Spec{deploytest.Spec("lithops-worker-invalid", 256)})
		t.Logf("error: %v", err)
		var ae *deploy.APIError
		if !errors.As(err, &ae) || ae.Code != "InvalidArgument" || ae.RequestID == "" || ae.Message == "" {
			t.Fatalf("error %v, want FC's InvalidArgument with message and request id", err)
		}
		if !strings.Contains(err.Error(), ae.RequestID) || !strings.Contains(err.Error(), "InvalidArgument") {
			t.Errorf("error %q does not show the code and request id", err)
		}
		if n := v.Count(fcemu.OpCreateFunction); n != 1 {
			t.Errorf("%d CreateFunction calls, want 1 (a validation error is not retried)", n)
		}
		if _, ok := v.Function("lithops-worker-invalid"); ok {
			t.Error("the function exists after a refused create")
		}
	})
}

func TestWrongCredentials(t *testing.T) {
	deploytest.EachAPI(t, func(t *testing.T, api fcruntime.API) {
		for _, wrong := range []string{"secret", "token"} {
			t.Run(wrong, func(t *testing.T) {
				v := deploytest.Start(t, api)
				target := v.Destination(true)
				if wrong == "secret" {
					target.Credentials.AccessKeySecret = "wrong-secret-0123456789"
				} else {
					target.Credentials.SecurityToken = "wrong-token-0123456789"
				}
				d, err := deploy.New(target, deploy.WithLog(v.Log.Printf), deploy.WithRetry(deploytest.FastRetry))
				if err != nil {
					t.Fatal(err)
				}
				pkg := deploytest.Package(t, deploytest.Lithops(api), nil, nil)
				_, err = d.Deploy(context.Background(), pkg, []deploy.Spec{deploytest.Spec("lithops-worker-auth", 256)})
				t.Logf("error: %v", err)
				var ae *deploy.APIError
				if !errors.As(err, &ae) || !ae.Auth() || ae.RequestID == "" {
					t.Fatalf("error %v, want an authentication error with a request id", err)
				}
				if !strings.Contains(err.Error(), "access-key-secret") {
					t.Errorf("error %q does not say what to check", err)
				}
				if n := len(v.Probe.Calls()); n != 1 {
					t.Errorf("%d calls with wrong credentials, want 1 (no retries): %+v", n, v.Probe.Calls())
				}
				deploytest.NoSecrets(t, append(v.Secrets(), target.Credentials.AccessKeySecret, target.Credentials.SecurityToken), append(v.Log.Lines(), err.Error())...)
			})
		}
	})
}

// TestConcurrentChangeWaited: FC 3.0 refuses an update while another one is in progress;
// the deployer waits for it to end and then updates.
func TestConcurrentChangeWaited(t *testing.T) {
	ctx := context.Background()
	v := deploytest.Start(t, fcruntime.FC3, fcemu.WithPendingPolls(3))
	d := v.Deployer(t, true)
	pkg := deploytest.Package(t, deploytest.Lithops(fcruntime.FC3), nil, nil)
	spec := deploytest.Spec("lithops-worker-busy", 256)
	rel, err := d.Deploy(ctx, pkg, []deploy.Spec{spec})
	if err != nil {
		t.Fatal(err)
	}
	rel.Commit(ctx)
	// Someone else changes the function's timeout: it stays InProgress for 3 polls.
	if _, err := v.FC3Client(t).UpdateFunction(tea.String(spec.Name), &fc3api.UpdateFunctionRequest{Body: &fc3api.UpdateFunctionInput{Timeout: tea.Int32(99)}}); err != nil {
		t.Fatal(err)
	}
	v.Probe.ResetCalls()
	pkg2 := deploytest.Package(t, deploytest.Lithops(fcruntime.FC3), []wheeltest.Wheel{deploytest.Module("appmod", "2.0", "VALUE = 2\n")}, nil)
	rel, err = d.Deploy(ctx, pkg2, []deploy.Spec{spec})
	if err != nil {
		t.Fatalf("Deploy during another change: %v", err)
	}
	if err := rel.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	conflicts := 0
	for _, call := range v.Probe.CallsOf(fcemu.OpUpdateFunction) {
		if call.ErrorCode == "ConcurrentUpdateError" {
			conflicts++
		}
	}
	if conflicts == 0 {
		t.Error("the test did not exercise a concurrent update")
	}
	if live := v.ReadWithSDK(t, spec.Name); live.CodeChecksum != pkg2.CodeChecksum || !spec.Matches(live) {
		t.Errorf("live %+v, want %+v with %s", live, spec, pkg2.CodeChecksum)
	}
}

func TestStuckOrFailedFC3(t *testing.T) {
	ctx := context.Background()
	short := deploy.Timeouts{Call: time.Minute, Ready: 50 * time.Millisecond, Cleanup: time.Minute}
	t.Run("create stuck Pending", func(t *testing.T) {
		v := deploytest.Start(t, fcruntime.FC3)
		d := v.Deployer(t, true, deploy.WithTimeouts(short))
		pkg := deploytest.Package(t, deploytest.Lithops(fcruntime.FC3), nil, nil)
		spec := deploytest.Spec("lithops-worker-stuck", 256)
		v.Probe.Faults().KeepPending(spec.Name, 1_000_000)
		_, err := d.Deploy(ctx, pkg, []deploy.Spec{spec})
		t.Logf("error: %v", err)
		var nr *deploy.NotReadyError
		var rb *deploy.RollbackError
		if !errors.As(err, &nr) || !nr.TimedOut || !errors.As(err, &rb) {
			t.Fatalf("error %v, want a timed-out NotReadyError inside a RollbackError", err)
		}
		if !strings.Contains(err.Error(), "deleted function "+spec.Name) {
			t.Errorf("error %q does not say the new function was deleted", err)
		}
		if _, ok := v.Emu.Function(fcemu.APIFC3, "", spec.Name); ok {
			t.Error("the stuck function was left behind")
		}
	})
	t.Run("update ends Failed", func(t *testing.T) {
		v := deploytest.Start(t, fcruntime.FC3)
		d := v.Deployer(t, true, deploy.WithTimeouts(short))
		spec := deploytest.Spec("lithops-worker-failing", 256)
		old := deploytest.Package(t, deploytest.Lithops(fcruntime.FC3), nil, nil)
		rel, err := d.Deploy(ctx, old, []deploy.Spec{spec})
		if err != nil {
			t.Fatal(err)
		}
		rel.Commit(ctx)
		pkg := deploytest.Package(t, deploytest.Lithops(fcruntime.FC3), []wheeltest.Wheel{deploytest.Module("appmod", "2.0", "VALUE = 2\n")}, nil)
		v.Probe.Faults().EndFailed(spec.Name, "image pull failed (injected)")
		_, err = d.Deploy(ctx, pkg, []deploy.Spec{spec})
		t.Logf("error: %v", err)
		var nr *deploy.NotReadyError
		if !errors.As(err, &nr) || nr.TimedOut || !strings.Contains(err.Error(), "image pull failed (injected)") {
			t.Fatalf("error %v, want a failed update with FC's reason", err)
		}
		if !strings.Contains(err.Error(), "restored function "+spec.Name+" to its previous code") {
			t.Errorf("error %q does not say the previous code was restored", err)
		}
		if live := v.ReadWithSDK(t, spec.Name); live.CodeChecksum != old.CodeChecksum {
			t.Errorf("live checksum %s, want the previous %s", live.CodeChecksum, old.CodeChecksum)
		}
		if got := invokeMetadata(t, d, spec.Name); got != old.CodeChecksum {
			t.Errorf("the code that runs has checksum %s, want the previous %s", got, old.CodeChecksum)
		}
	})
}

// TestCancelled cancels a deployment at three points: during the upload, while the
// update is in flight, and before it is committed.
func TestCancelled(t *testing.T) {
	deploytest.EachAPI(t, func(t *testing.T, api fcruntime.API) {
		for _, at := range []string{"upload", "update"} {
			t.Run(at, func(t *testing.T) {
				v := deploytest.Start(t, api, fcemu.WithLimits(smallLimits))
				d := v.Deployer(t, true, deploy.WithInlineLimit(smallLimits.InlineCode), deploy.WithMultipart(100<<10, 1))
				spec := deploytest.Spec("lithops-worker-cancel", 256)
				old := deploytest.Package(t, deploytest.Lithops(api), nil, nil)
				rel, err := d.Deploy(context.Background(), old, []deploy.Spec{spec})
				if err != nil {
					t.Fatal(err)
				}
				rel.Commit(context.Background())
				pkg := deploytest.Package(t, deploytest.Lithops(api), []wheeltest.Wheel{blob(300 << 10)}, nil)
				var ctx context.Context
				switch at {
				case "upload": // while a part is on its way
					ctx = v.CancelOnRequest(t, "PUT", "/"+deploytest.Bucket+"/")
				case "update": // while the update is on its way
					ctx = v.CancelOnRequest(t, "PUT", "/functions/"+spec.Name)
				}
				_, err = d.Deploy(ctx, pkg, []deploy.Spec{spec})
				t.Logf("error: %v", err)
				var rb *deploy.RollbackError
				if !errors.As(err, &rb) || !rb.Cancelled || !errors.Is(err, context.Canceled) || !strings.HasPrefix(err.Error(), "cancelled") {
					t.Fatalf("error %v, want a cancelled RollbackError", err)
				}
				if at == "update" {
					if !strings.Contains(err.Error(), "restored function "+spec.Name) {
						t.Errorf("error %q does not say the function was restored", err)
					}
					updates := 0
					for _, c := range v.Probe.CallsOf(fcemu.OpUpdateFunction) {
						if c.Status == 200 {
							updates++
						}
					}
					if updates != 2 {
						t.Errorf("%d updates, want the cancelled one and the restore", updates)
					}
				}
				if at == "upload" && v.Count(fcemu.OpAbortMultipartUpload) != 1 {
					t.Errorf("the interrupted multipart upload was not aborted")
				}
				if live := v.ReadWithSDK(t, spec.Name); live.CodeChecksum != old.CodeChecksum || !spec.Matches(live) {
					t.Errorf("live %+v, want the previous function (checksum %s)", live, old.CodeChecksum)
				}
				if got := invokeMetadata(t, d, spec.Name); got != old.CodeChecksum {
					t.Errorf("the code that runs has checksum %s, want the previous %s", got, old.CodeChecksum)
				}
				deploytest.NoSecrets(t, v.Secrets(), append(v.Log.Lines(), err.Error())...)
			})
		}
	})
}

// TestPublishRolledBack: Commit publishes two objects; the second write fails, and Abort
// restores the first object and deletes the new function.
func TestPublishRolledBack(t *testing.T) {
	deploytest.EachAPI(t, func(t *testing.T, api fcruntime.API) {
		ctx := context.Background()
		v := deploytest.Start(t, api)
		d := v.Deployer(t, true)
		pkg := deploytest.Package(t, deploytest.Lithops(api), nil, nil)
		spec := deploytest.Spec("lithops-worker-publish", 256)
		const key = "lithops.runtimes/aliyun_fc/x/cn-hangzhou/worker.meta.json"
		const refused = "lithops.runtimes/aliyun_fc/x/cn-hangzhou/refused.meta.json"
		if err := v.Emu.PutObject(deploytest.Bucket, key, []byte(`{"old": true}`)); err != nil {
			t.Fatal(err)
		}
		rel, err := d.Deploy(ctx, pkg, []deploy.Spec{spec})
		if err != nil {
			t.Fatal(err)
		}
		v.FailOSS("PUT", "refused.meta.json", 403, "AccessDenied")
		err = rel.Commit(ctx, deploy.Object{Key: key, Body: []byte(`{"new": true}`)}, deploy.Object{Key: refused, Body: []byte(`{}`)})
		var ae *deploy.APIError
		if !errors.As(err, &ae) || ae.Code != "AccessDenied" {
			t.Fatalf("Commit: %v, want OSS's AccessDenied", err)
		}
		if got, _ := v.Emu.Object(deploytest.Bucket, key); string(got) != `{"new": true}` {
			t.Fatalf("%s holds %s before roll back", key, got)
		}
		err = rel.Abort(ctx, err)
		t.Logf("error: %v", err)
		if got, _ := v.Emu.Object(deploytest.Bucket, key); string(got) != `{"old": true}` {
			t.Errorf("%s holds %s after roll back, want the previous content", key, got)
		}
		if _, ok := v.Function(spec.Name); ok {
			t.Error("the new function is still there after roll back")
		}
		for _, want := range []string{"AccessDenied", "deleted function " + spec.Name, "restored oss://" + deploytest.Bucket + "/" + key} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
		}
	})
}

// TestPublishUnchangedWritesNothing: committing an object that already holds the same
// bytes writes nothing (a rerun of an unchanged runtime uploads nothing).
func TestPublishUnchangedWritesNothing(t *testing.T) {
	ctx := context.Background()
	v := deploytest.Start(t, fcruntime.FC3)
	d := v.Deployer(t, true)
	pkg := deploytest.Package(t, deploytest.Lithops(fcruntime.FC3), nil, nil)
	spec := deploytest.Spec("lithops-worker-republish", 256)
	const key = "lithops.runtimes/aliyun_fc/x/cn-hangzhou/republish.meta.json"
	body := []byte(`{"same": true}`)
	if err := v.Emu.PutObject(deploytest.Bucket, key, body); err != nil {
		t.Fatal(err)
	}
	rel, err := d.Deploy(ctx, pkg, []deploy.Spec{spec})
	if err != nil {
		t.Fatal(err)
	}
	v.Probe.ResetCalls()
	if err := rel.Commit(ctx, deploy.Object{Key: key, Body: body}); err != nil {
		t.Fatal(err)
	}
	if n := v.Count(fcemu.OpPutObject); n != 0 {
		t.Errorf("%d PutObject calls for an object that already held the bytes", n)
	}
}

// TestPublishContentTypes: each published object gets its content type (the runtime's
// lock is TOML beside the JSON metadata), and roll back restores an object with it.
func TestPublishContentTypes(t *testing.T) {
	ctx := context.Background()
	v := deploytest.Start(t, fcruntime.FC3)
	d := v.Deployer(t, true)
	pkg := deploytest.Package(t, deploytest.Lithops(fcruntime.FC3), nil, nil)
	spec := deploytest.Spec("lithops-worker-types", 256)
	const meta = "lithops.runtimes/aliyun_fc/x/cn-hangzhou/types.meta.json"
	const lock = "lithops.runtimes/aliyun_fc/x/cn-hangzhou/types.pylock.toml"
	rel, err := d.Deploy(ctx, pkg, []deploy.Spec{spec})
	if err != nil {
		t.Fatal(err)
	}
	if err := rel.Commit(ctx, deploy.Object{Key: meta, Body: []byte(`{}`)}, deploy.Object{Key: lock, Body: []byte("lock-version = \"1.0\"\n"), ContentType: "application/toml"}); err != nil {
		t.Fatal(err)
	}
	types := func() map[string]string {
		out := map[string]string{}
		for _, o := range v.Emu.Objects(deploytest.Bucket) {
			out[o.Key] = o.ContentType
		}
		return out
	}
	if got := types(); got[meta] != "application/json" || got[lock] != "application/toml" {
		t.Errorf("content types %v", got)
	}

	pkg2 := deploytest.Package(t, deploytest.Lithops(fcruntime.FC3), []wheeltest.Wheel{deploytest.Module("other", "1.0", "")}, nil)
	rel, err = d.Deploy(ctx, pkg2, []deploy.Spec{spec})
	if err != nil {
		t.Fatal(err)
	}
	v.FailOSS("PUT", "types.meta.json", 403, "AccessDenied")
	err = rel.Commit(ctx, deploy.Object{Key: lock, Body: []byte("lock-version = \"1.1\"\n"), ContentType: "application/toml"}, deploy.Object{Key: meta, Body: []byte(`{"new": 1}`)})
	if err == nil {
		t.Fatal("Commit passed with the metadata write refused")
	}
	rel.Abort(ctx, err)
	if got, _ := v.Emu.Object(deploytest.Bucket, lock); string(got) != "lock-version = \"1.0\"\n" {
		t.Errorf("lock after roll back: %q", got)
	}
	if got := types(); got[lock] != "application/toml" {
		t.Errorf("restored lock has content type %q", got[lock])
	}
}

func TestRetryableClassification(t *testing.T) {
	cases := []struct {
		err  error
		want bool
	}{
		{&deploy.APIError{Status: 503}, true},
		{&deploy.APIError{Status: 429, Code: "ResourceExhausted"}, true},
		{&deploy.APIError{Status: 409, Code: "ConcurrentUpdateError"}, true},
		{&deploy.APIError{Status: 412, Code: "PreconditionFailed"}, true},
		{&deploy.APIError{Status: 412, Code: "PreconditionFailed", Conditional: true}, false},
		{&deploy.APIError{Status: 400, Code: "InvalidArgument"}, false},
		{&deploy.APIError{Status: 409, Code: "FunctionAlreadyExists"}, false},
		{&deploy.APIError{Status: 403, Code: "SignatureNotMatch"}, false},
		{&deploy.APIError{Status: 404, Code: "FunctionNotFound"}, false},
		{&url.Error{Op: "Get", URL: "https://x", Err: errors.New("connection reset by peer")}, true},
		{context.Canceled, false},
		{&url.Error{Op: "Get", URL: "https://x", Err: context.Canceled}, false},
		{errors.New("decode answer"), false},
	}
	for _, c := range cases {
		if got := deploy.Retryable(c.err); got != c.want {
			t.Errorf("Retryable(%v) = %t, want %t", c.err, got, c.want)
		}
	}
}

func TestNewRefusesIncompleteDestinations(t *testing.T) {
	good := deploy.Destination{API: fcruntime.FC2, Region: "cn-hangzhou", AccountID: "123", Service: "s",
		Credentials: credentials.Credentials{AccessKeyID: "LTAIexample", AccessKeySecret: "example-secret-value"}}
	cases := map[string]func(*deploy.Destination){
		"no region":       func(t *deploy.Destination) { t.Region = "" },
		"no account":      func(t *deploy.Destination) { t.AccountID = "" },
		"no secret":       func(t *deploy.Destination) { t.Credentials.AccessKeySecret = "" },
		"no FC2 service":  func(t *deploy.Destination) { t.Service = "" },
		"unknown API":     func(t *deploy.Destination) { t.API = "4.0" },
		"schemeless host": func(t *deploy.Destination) { t.Endpoint = "example.com" },
	}
	if _, err := deploy.New(good); err != nil {
		t.Fatalf("New(good): %v", err)
	}
	for name, change := range cases {
		tg := good
		change(&tg)
		if _, err := deploy.New(tg); err == nil {
			t.Errorf("%s: New accepted it", name)
		} else if strings.Contains(err.Error(), good.Credentials.AccessKeySecret) {
			t.Errorf("%s: the error shows the secret: %v", name, err)
		}
	}
}

func TestDefaultEndpoints(t *testing.T) {
	if got, want := deploy.DefaultEndpoint("123", "cn-hangzhou"), "https://123.cn-hangzhou.fc.aliyuncs.com"; got != want {
		t.Errorf("DefaultEndpoint = %s, want %s", got, want)
	}
	if got, want := deploy.DefaultOSSEndpoint("cn-hangzhou"), "https://oss-cn-hangzhou.aliyuncs.com"; got != want {
		t.Errorf("DefaultOSSEndpoint = %s, want %s", got, want)
	}
}

// TestRestoreYieldsToNewerChange: on FC 2.0 the restore is conditional on the version
// roll back looked at; a change made in between wins, and roll back says so.
func TestRestoreYieldsToNewerChange(t *testing.T) {
	ctx := context.Background()
	v := deploytest.Start(t, fcruntime.FC2)
	d := v.Deployer(t, true)
	spec := deploytest.Spec("lithops-worker-yield", 256)
	old := deploytest.Package(t, deploytest.Lithops(fcruntime.FC2), nil, nil)
	rel, err := d.Deploy(ctx, old, []deploy.Spec{spec})
	if err != nil {
		t.Fatal(err)
	}
	rel.Commit(ctx)
	pkg := deploytest.Package(t, deploytest.Lithops(fcruntime.FC2), []wheeltest.Wheel{deploytest.Module("appmod", "2.0", "VALUE = 2\n")}, nil)
	rel, err = d.Deploy(ctx, pkg, []deploy.Spec{spec})
	if err != nil {
		t.Fatal(err)
	}
	// Another deployment changes the timeout just before the restore arrives.
	c := v.FC2Client(t)
	var once sync.Once
	v.OnRequest(func(r *http.Request) {
		if r.Method == http.MethodPut && r.Header.Get("If-Match") != "" {
			once.Do(func() {
				if _, err := c.UpdateFunction(fc.NewUpdateFunctionInput(deploytest.Service, spec.Name).WithTimeout(99)); err != nil {
					t.Errorf("concurrent update: %v", err)
				}
			})
		}
	})
	err = rel.Abort(ctx, errors.New("smoke failed"))
	t.Logf("error: %v", err)
	if !strings.Contains(err.Error(), "another deployment changed it while it was being restored") {
		t.Errorf("error %q does not say the restore yielded", err)
	}
	live := v.ReadWithSDK(t, spec.Name)
	if live.TimeoutSec != 99 || live.CodeChecksum != pkg.CodeChecksum {
		t.Errorf("live %+v: the newer change was rolled over", live)
	}
}

// TestServiceMessagesRedacted: a service message that quotes the credentials reaches the
// user with *** in their place.
func TestServiceMessagesRedacted(t *testing.T) {
	deploytest.EachAPI(t, func(t *testing.T, api fcruntime.API) {
		v := deploytest.Start(t, api)
		d := v.Deployer(t, true)
		v.Intercept(func(w http.ResponseWriter, r *http.Request) bool {
			if !strings.HasPrefix(r.URL.Path, "/20") {
				return false
			}
			w.Header().Set("X-Fc-Request-Id", "1-redact-test")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			msg := "bad signature for secret " + v.Creds.AccessKeySecret + " and token " + v.Creds.SecurityToken
			json.NewEncoder(w).Encode(map[string]string{"ErrorCode": "InvalidArgument", "ErrorMessage": msg,
				"Code": "InvalidArgument", "Message": msg, "RequestId": "1-redact-test"})
			return true
		})
		pkg := deploytest.Package(t, deploytest.Lithops(api), nil, nil)
		_, err := d.Deploy(context.Background(), pkg, []deploy.Spec{deploytest.Spec("lithops-worker-redact", 256)})
		t.Logf("error: %v", err)
		if err == nil || !strings.Contains(err.Error(), "bad signature for secret *** and token ***") || !strings.Contains(err.Error(), "1-redact-test") {
			t.Fatalf("error %v, want FC's message with the credentials replaced and the request id", err)
		}
		deploytest.NoSecrets(t, v.Secrets(), err.Error())
	})
}

// TestRoleChangeRolledBack: a new role is configuration like any other (on FC 2.0 the
// service's); Abort puts the previous one back.
func TestRoleChangeRolledBack(t *testing.T) {
	deploytest.EachAPI(t, func(t *testing.T, api fcruntime.API) {
		ctx := context.Background()
		v := deploytest.Start(t, api)
		// On FC 2.0 the role is the shared service's: changed only when allowed.
		d := v.Deployer(t, true, deploy.WithServiceUpdate(true))
		pkg := deploytest.Package(t, deploytest.Lithops(api), nil, nil)
		spec := deploytest.Spec("lithops-worker-role", 256)
		rel, err := d.Deploy(ctx, pkg, []deploy.Spec{spec})
		if err != nil {
			t.Fatal(err)
		}
		rel.Commit(ctx)
		other := spec
		other.Role = "acs:ram::1234567890123456:role/other-role"
		rel, err = d.Deploy(ctx, pkg, []deploy.Spec{other})
		if err != nil {
			t.Fatal(err)
		}
		if r := rel.Functions[0]; r.Outcome != deploy.Updated || !r.ConfigOnly {
			t.Errorf("%+v, want a configuration-only update", r)
		}
		if live := v.ReadWithSDK(t, spec.Name); live.Role != other.Role {
			t.Fatalf("role %s, want %s", live.Role, other.Role)
		}
		err = rel.Abort(ctx, errors.New("smoke failed"))
		if !strings.Contains(err.Error(), "restored function "+spec.Name+" to its previous configuration") {
			t.Errorf("error %q does not say the configuration was restored", err)
		}
		if live := v.ReadWithSDK(t, spec.Name); live.Role != spec.Role || live.CodeChecksum != pkg.CodeChecksum {
			t.Errorf("live %+v, want role %s back", live, spec.Role)
		}
		if n := v.Count(fcemu.OpDownloadCode); n != 0 {
			t.Errorf("%d code downloads for a configuration change", n)
		}
	})
}

// TestAnswerWithoutFunction: a GetFunction answer that describes no function (an empty
// body, a proxy's "{}") is an error naming the call, not a function with no code and no
// configuration that the deployer would then update over.
func TestAnswerWithoutFunction(t *testing.T) {
	deploytest.EachAPI(t, func(t *testing.T, api fcruntime.API) {
		for _, body := range []string{"{}", "null", ""} {
			t.Run("body "+body, func(t *testing.T) {
				ctx := context.Background()
				v := deploytest.Start(t, api)
				d := v.Deployer(t, true)
				pkg := deploytest.Package(t, deploytest.Lithops(api), nil, nil)
				spec := deploytest.Spec("lithops-worker-blank", 256)
				rel, err := d.Deploy(ctx, pkg, []deploy.Spec{spec})
				if err != nil {
					t.Fatal(err)
				}
				if err := rel.Commit(ctx); err != nil {
					t.Fatal(err)
				}
				v.Intercept(func(w http.ResponseWriter, r *http.Request) bool {
					if r.Method != http.MethodGet || !strings.HasSuffix(r.URL.Path, "/functions/"+spec.Name) {
						return false
					}
					w.Header().Set("Content-Type", "application/json")
					w.Header().Set("X-Fc-Request-Id", "1-blank-answer")
					w.Write([]byte(body))
					return true
				})
				v.Probe.ResetCalls()
				spec2 := spec
				spec2.MemoryMB = 512
				_, err = d.Deploy(ctx, pkg, []deploy.Spec{spec2})
				t.Logf("error: %v", err)
				if err == nil || !strings.Contains(err.Error(), "GetFunction "+spec.Name+": ") {
					t.Errorf("error %v, want one saying GetFunction's answer is not a function", err)
				}
				if n := fcWrites(v) + v.Uploads(); n != 0 {
					t.Errorf("%d writes after an answer that describes no function: %+v", n, v.Probe.Calls())
				}
			})
		}
	})
}

// TestTempBucketTokenIncomplete: a GetTempBucketToken answer without FC's temporary
// credentials or region is an error saying so, not an upload signed with empty keys
// (which OSS would refuse as if the user's access-key-id were wrong).
func TestTempBucketTokenIncomplete(t *testing.T) {
	for name, answer := range map[string]string{
		"no credentials": `{"ossBucket": "fc-temp", "objectName": "o.zip", "ossRegion": "oss-cn-hangzhou"}`,
		"no region":      `{"ossBucket": "fc-temp", "objectName": "o.zip", "credentials": {"AccessKeyId": "STS.id", "AccessKeySecret": "s3cret-temp", "SecurityToken": "tok"}}`,
	} {
		t.Run(name, func(t *testing.T) {
			v := deploytest.Start(t, fcruntime.FC3, fcemu.WithLimits(smallLimits))
			target := v.Destination(false)
			target.OSSEndpoint = "" // the temporary bucket's endpoint comes from the answer's region
			d, err := deploy.New(target, deploy.WithLog(v.Log.Printf), deploy.WithRetry(deploytest.FastRetry), deploy.WithInlineLimit(smallLimits.InlineCode))
			if err != nil {
				t.Fatal(err)
			}
			v.Intercept(func(w http.ResponseWriter, r *http.Request) bool {
				if !strings.HasSuffix(r.URL.Path, "/tempBucketToken") {
					return false
				}
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(answer))
				return true
			})
			pkg := deploytest.Package(t, deploytest.Lithops(fcruntime.FC3), []wheeltest.Wheel{blob(300 << 10)}, nil)
			_, err = d.Deploy(context.Background(), pkg, []deploy.Spec{deploytest.Spec("lithops-worker-temp", 256)})
			t.Logf("error: %v", err)
			if err == nil || !strings.Contains(err.Error(), "GetTempBucketToken") {
				t.Errorf("error %v, want one naming GetTempBucketToken's answer", err)
			}
			if n := v.Uploads(); n != 0 {
				t.Errorf("%d OSS writes with an incomplete token", n)
			}
		})
	}
}

// TestServiceUsedAsItIs: an existing FC 2.0 service is used as it is. One whose role or
// internet access differs from the deployment's is reported by CheckService and refused
// by Deploy before anything changes (the service is shared by all its functions); with
// WithServiceUpdate it is updated. A missing service is created, as Lithops does.
func TestServiceUsedAsItIs(t *testing.T) {
	ctx := context.Background()
	v := deploytest.Start(t, fcruntime.FC2)
	pkg := deploytest.Package(t, deploytest.Lithops(fcruntime.FC2), nil, nil)
	spec := deploytest.Spec("lithops-worker-svc", 256)
	d := v.Deployer(t, true)
	if err := d.CheckService(ctx, spec.Role, true); err != nil {
		t.Fatalf("CheckService of a missing service: %v", err)
	}
	rel, err := d.Deploy(ctx, pkg, []deploy.Spec{spec})
	if err != nil {
		t.Fatal(err)
	}
	rel.Commit(ctx)
	if v.Count(fcemu.OpCreateService) != 1 {
		t.Errorf("%d CreateService calls, want 1", v.Count(fcemu.OpCreateService))
	}
	if err := d.CheckService(ctx, spec.Role, true); err != nil {
		t.Errorf("CheckService of a matching service: %v", err)
	}

	other := spec
	other.Role = "acs:ram::1234567890123456:role/other-role"
	for _, tt := range []struct {
		role     string
		internet bool
		want     []string
	}{
		{other.Role, true, []string{"service lithops_ltai", "its role is " + spec.Role, "the role-arn input is " + other.Role}},
		{spec.Role, false, []string{"its internet access is true"}},
	} {
		err := d.CheckService(ctx, tt.role, tt.internet)
		var m *deploy.ServiceMismatchError
		if !errors.As(err, &m) {
			t.Fatalf("CheckService(%s, %t) = %v, want a *ServiceMismatchError", tt.role, tt.internet, err)
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%q does not say %q", err, w)
			}
		}
	}
	v.Probe.ResetCalls()
	if _, err := d.Deploy(ctx, pkg, []deploy.Spec{other}); !errors.As(err, new(*deploy.ServiceMismatchError)) {
		t.Errorf("Deploy with another role: %v, want a *ServiceMismatchError", err)
	}
	if n := fcWrites(v); n != 0 {
		t.Errorf("a refused deploy made %d writes: %+v", n, v.Probe.Calls())
	}
	if live := v.ReadWithSDK(t, spec.Name); live.Role != spec.Role {
		t.Errorf("the service's role changed to %s", live.Role)
	}

	allowed := v.Deployer(t, true, deploy.WithServiceUpdate(true))
	if err := allowed.CheckService(ctx, other.Role, true); err != nil {
		t.Errorf("CheckService with WithServiceUpdate: %v", err)
	}
	rel, err = allowed.Deploy(ctx, pkg, []deploy.Spec{other})
	if err != nil {
		t.Fatal(err)
	}
	rel.Commit(ctx)
	if n := v.Count(fcemu.OpUpdateService); n != 1 {
		t.Errorf("%d UpdateService calls with WithServiceUpdate, want 1", n)
	}
	if live := v.ReadWithSDK(t, spec.Name); live.Role != other.Role {
		t.Errorf("role %s, want %s", live.Role, other.Role)
	}
}

// TestEnsureBucket: a missing storage bucket is created (GetBucketInfo, then PutBucket),
// an existing one is left alone, a name another account holds is a *BucketTakenError.
func TestEnsureBucket(t *testing.T) {
	ctx := context.Background()
	v := deploytest.Start(t, fcruntime.FC3, fcemu.WithForeignBucket("someone-elses"))
	tg := v.Destination(false)
	tg.Bucket = "lithops-cn-hangzhou-new"
	d, err := deploy.New(tg, deploy.WithRetry(deploytest.FastRetry))
	if err != nil {
		t.Fatal(err)
	}
	created, err := d.Uploader().EnsureBucket(ctx)
	if err != nil || !created {
		t.Fatalf("EnsureBucket of a missing bucket = %v, %v", created, err)
	}
	if !v.Emu.HasBucket(tg.Bucket) {
		t.Fatalf("bucket %s not created", tg.Bucket)
	}
	v.Probe.ResetCalls()
	if created, err := d.Uploader().EnsureBucket(ctx); err != nil || created {
		t.Errorf("EnsureBucket of an existing bucket = %v, %v", created, err)
	}
	if n := v.Count(fcemu.OpPutBucket); n != 0 {
		t.Errorf("%d PutBucket calls for an existing bucket", n)
	}
	// BucketExists only looks.
	tg.Bucket = "lithops-cn-hangzhou-absent"
	d, _ = deploy.New(tg, deploy.WithRetry(deploytest.FastRetry))
	if exists, err := d.Uploader().BucketExists(ctx); err != nil || exists {
		t.Errorf("BucketExists of a missing bucket = %v, %v", exists, err)
	}
	if v.Emu.HasBucket(tg.Bucket) || v.Count(fcemu.OpPutBucket) != 0 {
		t.Errorf("BucketExists created the bucket")
	}
	tg.Bucket = "lithops-cn-hangzhou-new"
	d, _ = deploy.New(tg, deploy.WithRetry(deploytest.FastRetry))
	if exists, err := d.Uploader().BucketExists(ctx); err != nil || !exists {
		t.Errorf("BucketExists of an existing bucket = %v, %v", exists, err)
	}
	tg.Bucket = "someone-elses"
	d, _ = deploy.New(tg, deploy.WithRetry(deploytest.FastRetry))
	if _, err := d.Uploader().BucketExists(ctx); !errors.As(err, new(*deploy.BucketTakenError)) {
		t.Errorf("BucketExists of another account's bucket: %v", err)
	}
	_, err = d.Uploader().EnsureBucket(ctx)
	if !errors.As(err, new(*deploy.BucketTakenError)) || !strings.Contains(err.Error(), "someone-elses is taken by another") {
		t.Errorf("EnsureBucket of another account's bucket: %v", err)
	}
}

// TestReleaseOutcome: the deployed output of several functions is the strongest change.
func TestReleaseOutcome(t *testing.T) {
	tests := []struct {
		of   []deploy.Outcome
		want deploy.Outcome
	}{
		{[]deploy.Outcome{deploy.Unchanged, deploy.Unchanged}, deploy.Unchanged},
		{[]deploy.Outcome{deploy.Unchanged, deploy.Updated}, deploy.Updated},
		{[]deploy.Outcome{deploy.Updated, deploy.Created, deploy.Unchanged}, deploy.Created},
	}
	for _, tt := range tests {
		rel := &deploy.Release{}
		for _, o := range tt.of {
			rel.Functions = append(rel.Functions, deploy.Result{Outcome: o})
		}
		if got := rel.Outcome(); got != tt.want {
			t.Errorf("Outcome of %v = %s, want %s", tt.of, got, tt.want)
		}
	}
}

// TestLive: before a deployment, which functions exist and whether every one already
// runs the package with its configuration; a failure then says FC was left as it was.
func TestLive(t *testing.T) {
	deploytest.EachAPI(t, func(t *testing.T, api fcruntime.API) {
		ctx := context.Background()
		v := deploytest.Start(t, api)
		d := v.Deployer(t, true)
		pkg := deploytest.Package(t, deploytest.Lithops(api), nil, nil)
		old, fresh := deploytest.Spec("lithops-worker-live-v1", 256), deploytest.Spec("lithops-worker-live-v2", 512)
		rel, err := d.Deploy(ctx, pkg, []deploy.Spec{old})
		if err != nil {
			t.Fatal(err)
		}
		if err := rel.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if l, err := d.Live(ctx, pkg, []deploy.Spec{old}); err != nil || !l.Current {
			t.Errorf("Live of the deployed function: %+v, %v; want current", l, err)
		}
		bigger := old
		bigger.MemoryMB = 1024
		if l, err := d.Live(ctx, pkg, []deploy.Spec{bigger}); err != nil || l.Current {
			t.Errorf("Live with another memory size: %+v, %v; want not current", l, err)
		}
		l, err := d.Live(ctx, pkg, []deploy.Spec{old, fresh})
		if err != nil || l.Current {
			t.Fatalf("Live with a new function: %+v, %v; want not current", l, err)
		}
		want := "smoke failed; nothing was deployed: function lithops-worker-live-v1 keeps its previous code, function lithops-worker-live-v2 was not created"
		if got := l.Untouched(errors.New("smoke failed")).Error(); got != want {
			t.Errorf("Untouched: %q, want %q", got, want)
		}
		if o, n := l.Outcome(old.Name), l.Outcome(fresh.Name); o != deploy.Unchanged || n != deploy.Created {
			t.Errorf("a deploy would leave %s %s and %s %s; want unchanged and created", old.Name, o, fresh.Name, n)
		}
		if l, _ := d.Live(ctx, pkg, []deploy.Spec{bigger}); l.Outcome(bigger.Name) != deploy.Updated {
			t.Errorf("a deploy with another memory size would leave the function %s; want updated", l.Outcome(bigger.Name))
		}
	})
}
