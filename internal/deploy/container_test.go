package deploy_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/lithops-fc/runtime-action/internal/deploy"
	"github.com/lithops-fc/runtime-action/internal/deploy/deploytest"
	"github.com/lithops-fc/runtime-action/internal/fcemu"
	"github.com/lithops-fc/runtime-action/internal/fcruntime"
	"github.com/lithops-fc/runtime-action/internal/image"
	"github.com/lithops-fc/runtime-action/internal/image/imagetest"
	"github.com/lithops-fc/runtime-action/internal/lithops"
	"github.com/lithops-fc/runtime-action/internal/python/wheeltest"
)

// runtimeImage builds the FIXTURE Lithops 3.7.0 runtime image (plus extra in the
// requirements layer) on a python:3.10 look-alike, pushes it to reg and returns it
// pinned by digest.
func runtimeImage(t *testing.T, reg *imagetest.Registry, extra ...wheeltest.Wheel) string {
	t.Helper()
	ctx := context.Background()
	baseRef := reg.Put(t, "library/python:3.10-slim-bookworm", imagetest.Base(t, imagetest.Debian12(deploytest.Python)))
	base, err := image.Inspect(ctx, baseRef)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	res, err := image.Build(ctx, base, image.Input{Python: deploytest.Python,
		Lithops: imagetest.Describe(t, dir, imagetest.Lithops("3.7.0", "")),
		Runtime: imagetest.DescribeAll(t, dir, imagetest.Runtime("3.7.0")),
		Wheels:  imagetest.DescribeAll(t, dir, extra)}, image.WithWorkDir(t.TempDir()))
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

// containerSpec is a Lithops 3.7 custom-container worker running img.
func containerSpec(name, img string) deploy.Spec {
	s := deploytest.Spec(name, 256)
	s.Runtime, s.Handler = lithops.ContainerRuntime, lithops.ContainerHandler
	s.Container = &deploy.Container{Image: img, Port: lithops.ContainerPort, AccelerationType: lithops.ContainerAccelerationType}
	return s
}

// modules are the top-level modules the metadata call of function name lists.
func modules(t *testing.T, d *deploy.Deployer, name string) map[string]bool {
	t.Helper()
	inv, err := d.Functions().Invoke(context.Background(), name, []byte(lithops.MetadataRequest))
	if err != nil || inv.ErrorType != "" {
		t.Fatalf("invoke %s: %v %s %.300s", name, err, inv.ErrorType, inv.Body)
	}
	m, err := lithops.ParseMetadata(inv.Body)
	if err != nil {
		t.Fatalf("metadata of %s: %v", name, err)
	}
	out := map[string]bool{}
	for _, p := range m.Preinstalls {
		out[p.Name] = true
	}
	return out
}

// TestContainerDeploy: an image function is created with Lithops' customContainerConfig
// (read back through the official SDK), waits for its image to be pulled, runs it; the
// same image again changes nothing; another image updates it, and roll back restores the
// previous image.
func TestContainerDeploy(t *testing.T) {
	ctx := context.Background()
	reg := imagetest.NewRegistry(t)
	first := runtimeImage(t, reg)
	second := runtimeImage(t, reg, deploytest.Module("marker", "2.0", "V = 2\n"))
	v := deploytest.Start(t, fcruntime.FC3, fcemu.WithPendingPolls(2))
	d := v.Deployer(t, true)
	spec := containerSpec("lithops-worker-rt-v3-7-0-0123456789", first)

	rel, err := d.Deploy(ctx, deploy.Package{}, []deploy.Spec{spec})
	if err != nil {
		t.Fatalf("Deploy: %v", err)
	}
	if rel.Outcome() != deploy.Created || rel.Code() != nil {
		t.Errorf("outcome %s, code %v; want created without code", rel.Outcome(), rel.Code())
	}
	if err := rel.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	fn, ok := v.Function(spec.Name)
	if !ok || fn.Runtime != lithops.ContainerRuntime || fn.Handler != lithops.ContainerHandler || fn.State != "Active" {
		t.Fatalf("function %+v", fn)
	}
	live := v.ReadWithSDK(t, spec.Name)
	if live.Runtime != "custom-container" {
		t.Errorf("runtime %s", live.Runtime)
	}
	if got := d.Functions(); got == nil {
		t.Fatal("no functions")
	}
	g, err := d.Functions().Get(ctx, spec.Name)
	if err != nil || !spec.Runs(g, "") || g.Container.Image != first || g.Container.Port != 9000 || g.Container.AccelerationType != "Default" {
		t.Errorf("live %+v (container %+v), %v", g, g.Container, err)
	}
	if mods := modules(t, d, spec.Name); !mods["flask"] || mods["marker"] {
		t.Errorf("first image's modules: %v", mods)
	}

	writes := fcWrites(v)
	rel, err = d.Deploy(ctx, deploy.Package{}, []deploy.Spec{spec})
	if err != nil || rel.Outcome() != deploy.Unchanged {
		t.Fatalf("same image: %v, %v", rel, err)
	}
	if err := rel.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if fcWrites(v) != writes {
		t.Errorf("an unchanged image function was written to")
	}

	next := containerSpec(spec.Name, second)
	rel, err = d.Deploy(ctx, deploy.Package{}, []deploy.Spec{next})
	if err != nil || rel.Outcome() != deploy.Updated {
		t.Fatalf("new image: %v, %v", rel, err)
	}
	if !modules(t, d, spec.Name)["marker"] {
		t.Error("the second image does not run")
	}
	err = rel.Abort(ctx, errors.New("smoke failed"))
	var rb *deploy.RollbackError
	if !errors.As(err, &rb) || !strings.Contains(err.Error(), "restored function "+spec.Name+" to its previous image "+first) {
		t.Fatalf("abort: %v", err)
	}
	if g, _ := d.Functions().Get(ctx, spec.Name); g.Container == nil || g.Container.Image != first {
		t.Errorf("after roll back: %+v", g.Container)
	}
	if modules(t, d, spec.Name)["marker"] {
		t.Error("the previous image does not run again after roll back")
	}
}

// TestZipToContainerRollsBack: a zip function moved to an image and rolled back gets its
// zip and runtime back.
func TestZipToContainerRollsBack(t *testing.T) {
	ctx := context.Background()
	reg := imagetest.NewRegistry(t)
	img := runtimeImage(t, reg)
	v := deploytest.Start(t, fcruntime.FC3, fcemu.WithPendingPolls(0))
	d := v.Deployer(t, true)
	pkg := deploytest.Package(t, "3.7.0", nil, nil)
	zipSpec := deploytest.Spec("lithops-worker-rt-v3-7-0-0123456789", 256)
	rel, err := d.Deploy(ctx, pkg, []deploy.Spec{zipSpec})
	if err != nil {
		t.Fatal(err)
	}
	if err := rel.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	rel, err = d.Deploy(ctx, deploy.Package{}, []deploy.Spec{containerSpec(zipSpec.Name, img)})
	if err != nil || rel.Outcome() != deploy.Updated {
		t.Fatalf("to an image: %v %v", rel, err)
	}
	if err := rel.Abort(ctx, errors.New("smoke failed")); !strings.Contains(err.Error(), "restored function "+zipSpec.Name+" to its previous code") {
		t.Fatalf("abort: %v", err)
	}
	live := v.ReadWithSDK(t, zipSpec.Name)
	if live.Runtime != deploytest.Runtime || live.CodeChecksum != pkg.CodeChecksum {
		t.Errorf("after roll back: runtime %s checksum %s, want %s %s", live.Runtime, live.CodeChecksum, deploytest.Runtime, pkg.CodeChecksum)
	}
	if got := invokeMetadata(t, d, zipSpec.Name); got != pkg.CodeChecksum {
		t.Errorf("ran code %s", got)
	}
}

// TestContainerOnFC2Refused: FC 2.0 has no custom-container functions for Lithops.
func TestContainerOnFC2Refused(t *testing.T) {
	v := deploytest.Start(t, fcruntime.FC2)
	d := v.Deployer(t, true)
	_, err := d.Deploy(context.Background(), deploy.Package{}, []deploy.Spec{containerSpec("lithops-worker-rt", "registry.cn-hangzhou.aliyuncs.com/ns/x@sha256:"+strings.Repeat("0", 64))})
	if err == nil || !strings.Contains(err.Error(), "FC 3.0") {
		t.Fatalf("FC 2.0 deploy of an image: %v", err)
	}
	if v.Count(fcemu.OpCreateFunction) != 0 {
		t.Error("a function was created")
	}
}

// TestDeployOneKind: one deployment is of images or of zips.
func TestDeployOneKind(t *testing.T) {
	v := deploytest.Start(t, fcruntime.FC3)
	d := v.Deployer(t, true)
	pkg := deploytest.Package(t, "3.7.0", nil, nil)
	_, err := d.Deploy(context.Background(), pkg, []deploy.Spec{deploytest.Spec("a", 256), containerSpec("b", "r.example/ns/x@sha256:"+strings.Repeat("0", 64))})
	if err == nil || !strings.Contains(err.Error(), "not both") {
		t.Fatalf("mixed deployment: %v", err)
	}
}

func TestContainerMatches(t *testing.T) {
	img := "registry.cn-hangzhou.aliyuncs.com/ns/x@sha256:" + strings.Repeat("0", 64)
	want := containerSpec("f", img)
	tests := []struct {
		name string
		live *deploy.Container
		ok   bool
	}{
		{"same", &deploy.Container{Image: img, Port: 9000, AccelerationType: "Default"}, true},
		{"acceleration left out by FC", &deploy.Container{Image: img, Port: 9000}, true},
		{"acceleration in another case", &deploy.Container{Image: img, Port: 9000, AccelerationType: "default"}, true},
		{"acceleration off", &deploy.Container{Image: img, Port: 9000, AccelerationType: "None"}, false},
		{"another image", &deploy.Container{Image: strings.Replace(img, "000", "001", 1), Port: 9000}, false},
		{"another port", &deploy.Container{Image: img, Port: 8080}, false},
		{"a command", &deploy.Container{Image: img, Port: 9000, Command: []string{"python3"}}, false},
		{"a zip function", nil, false},
	}
	for _, tt := range tests {
		live := deploy.Function{Spec: want, CodeChecksum: "123"}
		live.Container = tt.live
		if got := want.Runs(live, ""); got != tt.ok {
			t.Errorf("%s: Runs = %t, want %t", tt.name, got, tt.ok)
		}
	}
	// A zip spec is never run by an image function, whatever its checksum.
	zip := deploytest.Spec("f", 256)
	if zip.Runs(deploy.Function{Spec: want}, "") {
		t.Error("a zip spec matches an image function")
	}
}
