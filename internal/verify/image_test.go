package verify_test

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
	"github.com/lithops-fc/runtime-action/internal/verify"
)

// TestImageImports: the import check of an image runs on that image, in a temporary
// function whose command is the import check's server, with the image's interpreter:
// every module imports, or each failure comes back with its traceback; the function is
// deleted either way and the image's own server is never started. CheckImage adds
// Lithops' metadata call through the image's own command, in a function of its own.
func TestImageImports(t *testing.T) {
	ctx := context.Background()
	reg := imagetest.NewRegistry(t)
	baseRef := reg.Put(t, "library/python:3.10-slim-bookworm", imagetest.Base(t, imagetest.Debian12(deploytest.Python)))
	base, err := image.Inspect(ctx, baseRef)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	broken := deploytest.Module("broken", "1.0", "raise RuntimeError('broken on import')\n")
	res, err := image.Build(ctx, base, image.Input{Python: deploytest.Python,
		Lithops: imagetest.Describe(t, dir, imagetest.Lithops("3.7.0", "")),
		Runtime: imagetest.DescribeAll(t, dir, imagetest.Runtime("3.7.0")),
		Wheels:  imagetest.DescribeAll(t, dir, []wheeltest.Wheel{broken, deploytest.Module("fine", "1.0", "X = 1\n")})},
		image.WithWorkDir(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Close()
	p, err := image.Push(ctx, res.Image, reg.Host+"/ns/lithops-aliyunfc-rt:v3-7-0")
	if err != nil {
		t.Fatal(err)
	}
	env := deploytest.Start(t, fcruntime.FC3, fcemu.WithPendingPolls(1))
	d := env.Deployer(t, true)
	v := verify.New(d.Functions(), d.Uploader(), verify.WithLog(env.Log.Printf), verify.WithScratch(d.Scratch))
	spec := deploytest.Spec("lithops-worker-rt", 256)
	spec.Runtime, spec.Handler = lithops.ContainerRuntime, lithops.ContainerHandler
	spec.Container = &deploy.Container{Image: p.Ref, Port: lithops.ContainerPort, AccelerationType: lithops.ContainerAccelerationType}
	py, _ := base.Python(deploytest.Python)

	rep, err := v.ImageImports(ctx, spec, py.Interpreter, []string{"fine", "flask", "gunicorn", "lithops", "container_entry_point"})
	if err != nil {
		t.Fatalf("import check: %v", err)
	}
	if rep.Modules != 5 || rep.Python != deploytest.Python {
		t.Errorf("report %+v", rep)
	}
	env.NoSmokeFunctions(t)

	_, err = v.ImageImports(ctx, spec, py.Interpreter, []string{"fine", "broken"})
	var se *verify.SmokeError
	if !errors.As(err, &se) || len(se.Failures) != 1 || se.Failures[0].Module != "broken" ||
		!strings.Contains(se.Failures[0].Traceback, "RuntimeError: broken on import") {
		t.Fatalf("broken module: %v", err)
	}
	if !strings.Contains(err.Error(), "the temporary function "+verify.TempPrefix) || !strings.Contains(err.Error(), "was deleted") {
		t.Errorf("the error does not say the function was deleted: %v", err)
	}
	env.NoSmokeFunctions(t)

	// CheckImage (mode: check): the import check on the image, then Lithops' metadata call
	// through the image's own command, in a second temporary function.
	want := verify.Expect{Python: deploytest.Python, Lithops: "3.7.0"}
	before := len(env.Probe.Invocations())
	crep, err := v.CheckImage(ctx, spec, py.Interpreter, []string{"fine", "lithops"}, want)
	if err != nil {
		t.Fatalf("CheckImage: %v", err)
	}
	if crep.Imports == nil || crep.Imports.Modules != 2 || crep.Metadata.LithopsVersion != "3.7.0" || crep.Metadata.PythonVersion != deploytest.Python ||
		crep.Function == crep.Imports.Function || !strings.HasPrefix(crep.Function, verify.TempPrefix) {
		t.Errorf("check report %+v, imports %+v", crep, crep.Imports)
	}
	invs := env.Probe.Invocations()[before:]
	if len(invs) != 2 || invs[0].Function != crep.Imports.Function || invs[1].Function != crep.Function || string(invs[1].Event) != lithops.MetadataRequest {
		t.Errorf("invocations %+v, want the import check's, then the metadata call in another function", invs)
	}
	env.NoSmokeFunctions(t)

	before = len(env.Probe.Invocations())
	_, err = v.CheckImage(ctx, spec, py.Interpreter, []string{"broken"}, want)
	if !errors.As(err, &se) || len(se.Failures) != 1 || se.Failures[0].Module != "broken" {
		t.Fatalf("CheckImage of a broken module: %v", err)
	}
	if n := len(env.Probe.Invocations()) - before; n != 1 {
		t.Errorf("%d invocations after a failed import check, want it alone", n)
	}
	env.NoSmokeFunctions(t)
	// The temporary functions are gone and no worker function was made.
	if fns := env.Emu.Functions(); len(fns) != 0 {
		t.Errorf("functions left: %v", fns)
	}
}
