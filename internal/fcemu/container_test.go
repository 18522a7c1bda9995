package fcemu

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	fc3 "github.com/alibabacloud-go/fc-20230330/v4/client"
	"github.com/alibabacloud-go/tea/tea"

	"github.com/lithops-fc/runtime-action/internal/image"
	"github.com/lithops-fc/runtime-action/internal/image/imagetest"
	"github.com/lithops-fc/runtime-action/internal/lithops"
	"github.com/lithops-fc/runtime-action/internal/python/wheeltest"
)

// containerImage builds the FIXTURE Lithops 3.7.0 runtime image (entryPoint: the
// container entry point's source, "" for the FIXTURE one) on a python:3.12 look-alike
// and pushes it to a test registry; it returns the pinned reference.
func containerImage(t *testing.T, reg *imagetest.Registry, entryPoint string, user ...wheeltest.Wheel) string {
	t.Helper()
	ctx := context.Background()
	baseRef := reg.Put(t, "library/python:3.12-slim-bookworm", imagetest.Base(t, imagetest.Debian12("3.12")))
	base, err := image.Inspect(ctx, baseRef)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	res, err := image.Build(ctx, base, image.Input{
		Python:  "3.12",
		Lithops: imagetest.Describe(t, dir, imagetest.Lithops("3.7.0", entryPoint)),
		Runtime: imagetest.DescribeAll(t, dir, imagetest.Runtime("3.7.0")),
		Wheels:  imagetest.DescribeAll(t, dir, user),
	}, image.WithWorkDir(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Close()
	p, err := image.Push(ctx, res.Image, reg.Host+"/ns/lithops-aliyunfc-rt:v3-7-0")
	if err != nil {
		t.Fatal(err)
	}
	return p.Ref
}

// lithopsContainerFunction is the CreateFunction body Lithops 3.7.0 sends in
// custom-container mode (aliyun_fc.py _create_function).
func lithopsContainerFunction(name, img string) *fc3.CreateFunctionInput {
	return &fc3.CreateFunctionInput{
		FunctionName: tea.String(name), Runtime: tea.String(lithops.ContainerRuntime), Handler: tea.String(lithops.ContainerHandler),
		CustomContainerConfig: &fc3.CustomContainerConfig{Image: tea.String(img), AccelerationType: tea.String(lithops.ContainerAccelerationType),
			Port: tea.Int32(lithops.ContainerPort)},
		MemorySize: tea.Int32(1024), Timeout: tea.Int32(30), Role: tea.String("acs:ram::1234567890123456:role/lithops"), InternetAccess: tea.Bool(true),
	}
}

func TestContainerFunction(t *testing.T) {
	reg := imagetest.NewRegistry(t)
	ref := containerImage(t, reg, "")
	rec := &recorder{}
	e, base := start(t, WithPendingPolls(1), rec.option())
	needPython(t, e, "3.12", "custom-container (python3.12 image)")
	c := fc3Client(t, base, testKeyID, testSecret, "")

	fn, err := fc3Create(c, lithopsContainerFunction("lithops-worker-rt", ref))
	if err != nil {
		t.Fatal(err)
	}
	if tea.StringValue(fn.State) != "Pending" || tea.StringValue(fn.Runtime) != "custom-container" || tea.StringValue(fn.CustomContainerConfig.Image) != ref ||
		tea.Int32Value(fn.CustomContainerConfig.Port) != 9000 {
		t.Errorf("created: %s", fn)
	}
	// Lithops waits for Active; invocations before answer 412.
	if _, err := fc3Invoke(c, "lithops-worker-rt", []byte(lithops.MetadataRequest), nil); func() bool { s, code := fc3Code(err); return s != 412 || code != "PreconditionFailed" }() {
		t.Errorf("invoke while Pending: %v", err)
	}
	got := waitActive(t, c, "lithops-worker-rt")
	if tea.StringValue(got.CustomContainerConfig.ResolvedImageUri) != ref {
		t.Errorf("resolvedImageUri %q, want %s", tea.StringValue(got.CustomContainerConfig.ResolvedImageUri), ref)
	}

	a, err := fc3Invoke(c, "lithops-worker-rt", []byte(lithops.MetadataRequest), &fc3.InvokeFunctionHeaders{XFcLogType: tea.String("Tail")})
	if err != nil {
		t.Fatal(err)
	}
	meta, err := lithops.ParseMetadata(a.body)
	if err != nil || a.headers["x-fc-error-type"] != "" {
		t.Fatalf("metadata answer %q (%v), headers %v", a.body, err, a.headers)
	}
	mods := map[string]bool{}
	for _, m := range meta.Preinstalls {
		mods[m.Name] = true
	}
	if meta.PythonVersion != "3.12" || meta.LithopsVersion != "3.7.0" || !mods["lithops"] || !mods["flask"] || !mods["gunicorn"] || !mods["container_entry_point"] {
		t.Errorf("metadata: python %s lithops %s, modules %v", meta.PythonVersion, meta.LithopsVersion, mods)
	}
	log, _ := base64.StdEncoding.DecodeString(a.headers["x-fc-log-result"])
	if !strings.Contains(string(log), "Generating metadata") || !strings.Contains(string(log), "FC Invoke End RequestId: "+a.headers["x-fc-request-id"]) {
		t.Errorf("log tail:\n%s", log)
	}

	// The entry point answers 400 to an empty event, without x-fc-status: FC passes it on.
	if a, err := fc3Invoke(c, "lithops-worker-rt", nil, nil); err != nil || string(a.body) != "Empty event\n" || a.headers["x-fc-error-type"] != "" {
		t.Errorf("empty event: %q %v %v", a.body, a.headers, err)
	}
	// A worker call reaches the FIXTURE lithops worker, which raises: the server answers 500.
	if a, err := fc3Invoke(c, "lithops-worker-rt", []byte(`{"log_level": 20}`), &fc3.InvokeFunctionHeaders{XFcLogType: tea.String("Tail")}); err != nil ||
		!strings.Contains(string(a.body), "Internal Server Error") {
		t.Errorf("worker call: %q %v", a.body, err)
	} else if log, _ := base64.StdEncoding.DecodeString(a.headers["x-fc-log-result"]); !strings.Contains(string(log), "NotImplementedError") {
		t.Errorf("worker call log:\n%s", log)
	}
	// One warm instance serves every invocation.
	if n := len(e.containers.instances); n != 1 {
		t.Errorf("%d instances", n)
	}
	inv := rec.invoked()
	if len(inv) != 3 || string(inv[0].Event) != lithops.MetadataRequest {
		t.Errorf("invocations %+v", inv)
	}

	// Deleting the function stops its instance.
	if _, err := c.DeleteFunction(tea.String("lithops-worker-rt")); err != nil {
		t.Fatal(err)
	}
	if n := len(e.containers.instances); n != 0 {
		t.Errorf("%d instances after delete", n)
	}
}

// TestContainerRealEntryPoint runs Lithops 3.7.0's own container_entry_point.py (from
// the team's mirror of Lithops) in the emulator.
func TestContainerRealEntryPoint(t *testing.T) {
	src, err := exec.Command("git", "-C", "/work/.mirror/lithops-cloud+lithops/repo", "show",
		"3.7.0:lithops/serverless/backends/aliyun_fc/container_entry_point.py").Output()
	if err != nil {
		t.Skipf("SKIPPED: no Lithops mirror: %v", err)
	}
	reg := imagetest.NewRegistry(t)
	ref := containerImage(t, reg, string(src))
	e, base := start(t, WithPendingPolls(0))
	needPython(t, e, "3.12", "custom-container (python3.12 image)")
	c := fc3Client(t, base, testKeyID, testSecret, "")
	if _, err := fc3Create(c, lithopsContainerFunction("lithops-worker-real", ref)); err != nil {
		t.Fatal(err)
	}
	waitActive(t, c, "lithops-worker-real")
	a, err := fc3Invoke(c, "lithops-worker-real", []byte(lithops.MetadataRequest), nil)
	if err != nil {
		t.Fatal(err)
	}
	if m, err := lithops.ParseMetadata(a.body); err != nil || m.LithopsVersion != "3.7.0" {
		t.Errorf("metadata from Lithops' entry point: %q, %v", a.body, err)
	}
}

func waitActive(t *testing.T, c *fc3.Client, name string) *fc3.Function {
	t.Helper()
	for i := 0; i < 500; i++ {
		got, err := fc3Get(c, name)
		if err != nil {
			t.Fatal(err)
		}
		switch tea.StringValue(got.State) {
		case "Active":
			return got
		case "Failed":
			t.Fatalf("function %s failed: %s", name, tea.StringValue(got.StateReason))
		}
	}
	t.Fatalf("function %s never became Active", name)
	return nil
}

func TestContainerConfigValidation(t *testing.T) {
	_, base := start(t, WithPendingPolls(0))
	c := fc3Client(t, base, testKeyID, testSecret, "")
	good := func() *fc3.CreateFunctionInput {
		return lithopsContainerFunction("f", "registry.cn-hangzhou.aliyuncs.com/ns/img:v1")
	}
	tests := []struct {
		name string
		edit func(in *fc3.CreateFunctionInput)
		want string
	}{
		{"no config", func(in *fc3.CreateFunctionInput) { in.CustomContainerConfig = nil }, "customContainerConfig is required"},
		{"no image", func(in *fc3.CreateFunctionInput) { in.CustomContainerConfig.Image = nil }, "image is required"},
		{"bad image", func(in *fc3.CreateFunctionInput) { in.CustomContainerConfig.Image = tea.String("Registry/UPPER:tag") }, "not a valid image reference"},
		{"bad port", func(in *fc3.CreateFunctionInput) { in.CustomContainerConfig.Port = tea.Int32(70000) }, "port 70000"},
		{"bad acceleration", func(in *fc3.CreateFunctionInput) { in.CustomContainerConfig.AccelerationType = tea.String("Turbo") }, "accelerationType"},
		{"code too", func(in *fc3.CreateFunctionInput) { in.Code = zipFileCode(handlerZip(t)) }, "takes no code"},
		{"config on a python function", func(in *fc3.CreateFunctionInput) {
			in.Runtime, in.Code = tea.String("python3.12"), zipFileCode(handlerZip(t))
		}, "only for runtime custom-container"},
	}
	for _, tt := range tests {
		in := good()
		tt.edit(in)
		_, err := fc3Create(c, in)
		if status, code := fc3Code(err); status != 400 || code != "InvalidArgument" || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %d %s %v; want 400 InvalidArgument containing %q", tt.name, status, code, err, tt.want)
		}
	}
}

// TestContainerImagePullFails: an image the registry does not have leaves the function
// Failed with the registry's answer, as FC reports a failed pull; Lithops then stops
// waiting.
func TestContainerImagePullFails(t *testing.T) {
	reg := imagetest.NewRegistry(t)
	e, base := start(t, WithPendingPolls(0))
	c := fc3Client(t, base, testKeyID, testSecret, "")
	if _, err := fc3Create(c, lithopsContainerFunction("f", reg.Host+"/ns/missing:v1")); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 500; i++ {
		got, err := fc3Get(c, "f")
		if err != nil {
			t.Fatal(err)
		}
		if s := tea.StringValue(got.State); s != "Pending" {
			if s != "Failed" || !strings.Contains(tea.StringValue(got.StateReason), "image pull failed") || !strings.Contains(tea.StringValue(got.StateReason), "ns/missing") {
				t.Errorf("state %s reason %q", s, tea.StringValue(got.StateReason))
			}
			_, err := fc3Invoke(c, "f", []byte("{}"), nil)
			if status, _ := fc3Code(err); status != 412 {
				t.Errorf("invoke of a Failed function: %v", err)
			}
			return
		}
	}
	t.Fatalf("function never left Pending (%d functions)", len(e.st.Functions))
}

// TestContainerUpdate: a new image makes the function pull again (InProgress) and the
// next invocation runs it in a new instance.
func TestContainerUpdate(t *testing.T) {
	reg := imagetest.NewRegistry(t)
	first := containerImage(t, reg, "")
	v2 := wheeltest.Wheel{Name: "marker", Version: "2.0", Files: map[string][]byte{"marker.py": []byte("V = 2\n")}}
	second := containerImage(t, reg, "", v2)
	e, base := start(t, WithPendingPolls(0))
	needPython(t, e, "3.12", "custom-container (python3.12 image)")
	c := fc3Client(t, base, testKeyID, testSecret, "")
	if _, err := fc3Create(c, lithopsContainerFunction("f", first)); err != nil {
		t.Fatal(err)
	}
	waitActive(t, c, "f")
	modules := func() map[string]bool {
		a, err := fc3Invoke(c, "f", []byte(lithops.MetadataRequest), nil)
		if err != nil {
			t.Fatal(err)
		}
		var m lithops.Metadata
		if err := json.Unmarshal(a.body, &m); err != nil {
			t.Fatalf("%q: %v", a.body, err)
		}
		out := map[string]bool{}
		for _, p := range m.Preinstalls {
			out[p.Name] = true
		}
		return out
	}
	if modules()["marker"] {
		t.Fatal("marker in the first image")
	}
	upd, err := fc3Update(c, "f", &fc3.UpdateFunctionInput{CustomContainerConfig: &fc3.CustomContainerConfig{Image: tea.String(second), Port: tea.Int32(9000)}})
	if err != nil {
		t.Fatal(err)
	}
	if tea.StringValue(upd.LastUpdateStatus) != "InProgress" && tea.StringValue(upd.LastUpdateStatus) != "Successful" {
		t.Errorf("update: %s", upd)
	}
	for i := 0; i < 500; i++ {
		got, _ := fc3Get(c, "f")
		if tea.StringValue(got.LastUpdateStatus) == "Successful" && tea.StringValue(got.CustomContainerConfig.ResolvedImageUri) == second {
			break
		}
	}
	if !modules()["marker"] {
		t.Error("the updated image's module is not there")
	}
}
