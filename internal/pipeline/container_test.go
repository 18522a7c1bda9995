package pipeline_test

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/validate"

	"github.com/lithops-fc/runtime-action/internal/deploy/deploytest"
	"github.com/lithops-fc/runtime-action/internal/fcemu"
	"github.com/lithops-fc/runtime-action/internal/image"
	"github.com/lithops-fc/runtime-action/internal/image/imagetest"
	"github.com/lithops-fc/runtime-action/internal/lithops"
	"github.com/lithops-fc/runtime-action/internal/pipeline/pipelinetest"
	"github.com/lithops-fc/runtime-action/internal/python/wheeltest"
	"github.com/lithops-fc/runtime-action/internal/report"
)

// containerAction is a deploy-mode: container step of runtimeName on FC 3.0 with the
// FIXTURE Lithops 3.7.0 (its container entry point included) and everything Lithops'
// Dockerfile installs, on a python:3.12-slim-bookworm look-alike served by reg, pushing
// to reg's namespace ns.
func containerAction(t *testing.T, v *deploytest.Env, reg *imagetest.Registry, reqs string, extra ...wheeltest.Wheel) *action {
	t.Helper()
	a := newAction(t, fc3, v, reqs)
	wheels := append([]wheeltest.Wheel{imagetest.Lithops(fc3.lithops, "")}, imagetest.ContainerModules(fc3.lithops)...)
	dir := filepath.Join(a.ws, "wheels")
	os.RemoveAll(dir)
	pipelinetest.Wheelhouse(t, dir, append(wheels, extra...)...)
	a.inputs["deploy-mode"] = "container"
	a.inputs["base-image"] = reg.Put(t, "library/python:3.12-slim-bookworm", imagetest.Base(t, imagetest.Debian12(fc3.python)))
	a.inputs["registry"] = reg.Host + "/ns"
	return a
}

// containerEmulator is the FC 3.0 emulator with Python 3.12 for the image's command.
func containerEmulator(t *testing.T) *deploytest.Env {
	return startEmulator(t, fc3, fcemu.WithPendingPolls(1))
}

// TestContainerDryRun: a dry run of a container runtime builds the image and writes it
// as an OCI layout (image.tar), pushes nothing, and names functions, runtime keys and the
// image exactly as Lithops 3.7.0 does (vectors of internal/lithops' container tests,
// computed by Lithops' own _format_function_name, get_runtime_key, _format_image_name).
func TestContainerDryRun(t *testing.T) {
	reg := imagetest.NewRegistry(t)
	v := containerEmulator(t)
	a := containerAction(t, v, reg, "fc-demo\n", demo("1.0.0"))
	for _, k := range []string{"endpoint", "oss-endpoint", "access-key-id", "access-key-secret", "security-token", "account-id", "role-arn", "storage-bucket"} {
		delete(a.inputs, k)
	}
	a.inputs["dry-run"] = "true"
	a.inputs["runtime-name"] = "my-torch-runtime"
	a.inputs["runtime-memory"] = "4096"
	a.inputs["region"] = "cn-hangzhou"
	// Lithops 3.7.0: docker_server registry.cn-hangzhou.aliyuncs.com, docker_user my-ns.
	a.inputs["registry"] = "registry.cn-hangzhou.aliyuncs.com/my-ns"
	reg.Reset()
	r := a.mustRun()

	const lithopsImage = "registry.cn-hangzhou.aliyuncs.com/my-ns/lithops-aliyunfc-my-torch-runtime:v3-7-0"
	const fn = "lithops-worker-my-torch-runtime-v3-7-0-058d54e457"
	digest := r.out["image-digest"]
	if !strings.HasPrefix(digest, "sha256:") || len(digest) != 71 {
		t.Fatalf("image-digest %q", digest)
	}
	for k, want := range map[string]string{
		"function-name": fn, "runtime-key": "aliyun_fc/3.7.0/cn-hangzhou/" + fn, "fc-runtime": "custom-container",
		"image": strings.TrimSuffix(lithopsImage, ":v3-7-0") + "@" + digest, "deployed": "dry-run", "smoke-result": "skipped (dry run)",
		"package-path": ".lithops-runtime/image.tar", "code-checksum": "", "lithops-version": "3.7.0", "python-version": "3.12",
		"lock-path": ".lithops-runtime/pylock.toml",
	} {
		if r.out[k] != want {
			t.Errorf("output %s = %q, want %q", k, r.out[k], want)
		}
	}
	if len(r.outputs) != len(report.OutputFields()) {
		t.Errorf("%d outputs set, want %d", len(r.outputs), len(report.OutputFields()))
	}
	if c := reg.Counts(); c.BlobUploads != 0 || c.ManifestPuts != 0 {
		t.Errorf("a dry run pushed: %+v", c)
	}
	// pylock.toml lists what the image holds, the container modules included.
	lock, err := os.ReadFile(filepath.Join(a.ws, ".lithops-runtime", "pylock.toml"))
	if err != nil || !strings.Contains(string(lock), `name = "fc-demo"`) || !strings.Contains(string(lock), `name = "gunicorn"`) {
		t.Errorf("pylock.toml (%v):\n%s", err, lock)
	}
	for _, s := range []string{"deploy_mode: custom-container", "docker_server: registry.cn-hangzhou.aliyuncs.com", "docker_user: my-ns", "runtime: my-torch-runtime"} {
		if !strings.Contains(r.out["client-config"], s) {
			t.Errorf("client-config lacks %q:\n%s", s, r.out["client-config"])
		}
	}

	// image.tar is an OCI layout of that image, named as Lithops names it.
	dir := untar(t, filepath.Join(a.ws, ".lithops-runtime", "image.tar"))
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil || len(im.Manifests) != 1 || im.Manifests[0].Digest.String() != digest ||
		im.Manifests[0].Annotations["org.opencontainers.image.ref.name"] != lithopsImage {
		t.Fatalf("index.json: %+v, %v", im, err)
	}
	img, err := idx.Image(im.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Image(img); err != nil {
		t.Errorf("image.tar's image: %v", err)
	}
	cf, _ := img.ConfigFile()
	if !strings.Contains(strings.Join(cf.Config.Cmd, " "), "-m gunicorn --bind 0.0.0.0:9000") || cf.Config.WorkingDir != "/function" {
		t.Errorf("image config %+v", cf.Config)
	}
	for _, s := range []string{"custom-container", "requirements", "fc-demo", lithopsImage} {
		if !strings.Contains(r.summary, s) {
			t.Errorf("summary lacks %q", s)
		}
	}
	// FC cannot pull from a registry outside the functions' region: the same dry run with
	// Docker Hub, Lithops' default, warns.
	a.inputs["registry"] = "lithopscloud"
	delete(a.inputs, "runtime-name")
	a.inputs["runtime-memory"] = "256"
	r = a.mustRun()
	if want := "lithopscloud/lithops-aliyunfc-default-container-runtime-v312@" + r.out["image-digest"]; r.out["image"] != want ||
		r.out["function-name"] != "lithops-worker-default-container-runtime-v312-v3-7-0-72acd66fe9" {
		t.Errorf("default runtime: image %q, function %q", r.out["image"], r.out["function-name"])
	}
	if !strings.Contains(r.log, "::warning title=registry::input registry: docker.io is not Alibaba Cloud Container Registry") {
		t.Errorf("no warning about Docker Hub:\n%s", r.log)
	}
}

// TestContainerDeploy deploys a container runtime end to end on the emulator (its image
// pulled from the test registry and run with the local CPython 3.12): created with
// Lithops' configuration pinned by digest, imports checked on the image, metadata
// published, the tag moved; the same inputs again push no blob, change nothing and
// report unchanged.
func TestContainerDeploy(t *testing.T) {
	reg := imagetest.NewRegistry(t)
	v := containerEmulator(t)
	a := containerAction(t, v, reg, "fc-demo\n", demo("1.0.0"))
	r := a.mustRun()
	if os.Getenv("SHOWLOG") != "" {
		t.Log(r.log)
	}

	fn := fc3.functionName(t, 256)
	repo := reg.Host + "/ns/" + lithops.ImageRepository(runtimeName)
	pinned := repo + "@" + r.out["image-digest"]
	for k, want := range map[string]string{"image": pinned, "deployed": "created", "function-name": fn, "fc-runtime": "custom-container", "package-path": ""} {
		if r.out[k] != want {
			t.Errorf("output %s = %q, want %q", k, r.out[k], want)
		}
	}
	if !strings.HasPrefix(r.out["smoke-result"], "imports ok (") || !strings.HasSuffix(r.out["smoke-result"], "metadata ok") {
		t.Errorf("smoke-result %q", r.out["smoke-result"])
	}
	live := v.ReadWithSDK(t, fn)
	if live.Runtime != lithops.ContainerRuntime || live.Handler != lithops.ContainerHandler || live.MemoryMB != 256 {
		t.Errorf("function through the SDK: %+v", live)
	}
	info, _ := v.Function(fn)
	var cc struct {
		Image            string `json:"image"`
		Port             int    `json:"port"`
		AccelerationType string `json:"accelerationType"`
	}
	if err := json.Unmarshal(info.Config["customContainerConfig"], &cc); err != nil || cc.Image != pinned || cc.Port != 9000 || cc.AccelerationType != "Default" {
		t.Errorf("customContainerConfig %s (%v), want image %s", info.Config["customContainerConfig"], err, pinned)
	}
	m, ok := published(t, v, r.out["runtime-key"])
	if !ok || !m.has("fc_demo") || !m.has("flask") || !m.has("lithops") || m.LithopsVersion != "3.7.0" || m.PythonVersion != "3.12" {
		t.Errorf("published metadata: %s", m.raw)
	}
	if got := tagDigest(t, repo+":v3-7-0"); got != r.out["image-digest"] {
		t.Errorf("tag v3-7-0 names %s, want %s", got, r.out["image-digest"])
	}
	// The image's lock is published beside the metadata, as a zip runtime's.
	lock, err := os.ReadFile(filepath.Join(a.ws, r.out["lock-path"]))
	if err != nil {
		t.Fatal(err)
	}
	if pub, ok := v.Emu.Object(deploytest.Bucket, lithops.LockKey(r.out["runtime-key"])); !ok || !bytes.Equal(pub, lock) {
		t.Errorf("published lock: %v, %d bytes; want %s (%d bytes)", ok, len(pub), r.out["lock-path"], len(lock))
	}
	if !strings.Contains(r.out["changes"], `"summary":"first deploy: `) {
		t.Errorf("first run's changes output: %s", r.out["changes"])
	}
	v.NoSmokeFunctions(t)

	// Again: the registry has every blob, FC runs this image.
	reg.Reset()
	v.Probe.ResetCalls()
	r2 := a.mustRun()
	if r2.out["deployed"] != "unchanged" || r2.out["image"] != pinned {
		t.Errorf("second run: deployed %q, image %q", r2.out["deployed"], r2.out["image"])
	}
	if c := reg.Counts(); c.BlobUploads != 0 || c.ManifestPuts != 0 {
		t.Errorf("second run uploaded %d blobs and %d manifests", c.BlobUploads, c.ManifestPuts)
	}
	for _, op := range []fcemu.Op{fcemu.OpCreateFunction, fcemu.OpUpdateFunction, fcemu.OpDeleteFunction, fcemu.OpPutObject} {
		if calls := v.Probe.CallsOf(op); len(calls) > 0 {
			t.Errorf("second run made %d %s calls", len(calls), op)
		}
	}
	if !strings.Contains(r2.out["changes"], `"summary":"no changes (`) {
		t.Errorf("second run's changes output: %s", r2.out["changes"])
	}
	if r2.out["smoke-result"] != "imports skipped (package unchanged), metadata ok" {
		t.Errorf("second run smoke-result %q", r2.out["smoke-result"])
	}
	if !strings.Contains(r2.log, "nothing uploaded") {
		t.Errorf("the log does not say nothing was uploaded:\n%s", r2.log)
	}
}

// TestContainerRollsBack: a new image whose metadata call fails is rolled back: the
// functions run the previous image again, its metadata and the tag stay as they were.
func TestContainerRollsBack(t *testing.T) {
	reg := imagetest.NewRegistry(t)
	v := containerEmulator(t)
	a := containerAction(t, v, reg, "fc-demo==1.0.0\n", demo("1.0.0"), demo("2.0.0"))
	first := a.mustRun()
	fn := fc3.functionName(t, 256)
	before, _ := published(t, v, first.out["runtime-key"])

	a.requirements("fc-demo==2.0.0\n")
	v.Probe.Faults().FailInvocations(fn, 1, "metadata broken (injected)")
	r := a.run(t.Context())
	if r.code == 0 {
		t.Fatal("the run passed")
	}
	errs := errorsOf(r.log)
	if !strings.Contains(errs, "metadata broken (injected)") || !strings.Contains(errs, "restored function "+fn+" to its previous image "+first.out["image"]) {
		t.Errorf("errors:\n%s", errs)
	}
	info, _ := v.Function(fn)
	if !strings.Contains(string(info.Config["customContainerConfig"]), first.out["image"]) {
		t.Errorf("after roll back the function runs %s, want %s", info.Config["customContainerConfig"], first.out["image"])
	}
	if after, _ := published(t, v, first.out["runtime-key"]); string(after.raw) != string(before.raw) {
		t.Errorf("metadata changed:\n%s\nwas\n%s", after.raw, before.raw)
	}
	if got := tagDigest(t, reg.Host+"/ns/"+lithops.ImageRepository(runtimeName)+":v3-7-0"); got != first.out["image-digest"] {
		t.Errorf("the tag moved to %s, want it on %s", got, first.out["image-digest"])
	}
	v.NoSmokeFunctions(t)
	// The previous image runs.
	inv, err := v.Deployer(t, true).Functions().Invoke(t.Context(), fn, []byte(lithops.MetadataRequest))
	if _, perr := lithops.ParseMetadata(inv.Body); err != nil || inv.ErrorType != "" || perr != nil {
		t.Errorf("the previous image does not run: %v %s %.300s", err, inv.ErrorType, inv.Body)
	}
}

// TestContainerCheck: mode: check of a container runtime pushes the new image by digest
// and runs it in temporary functions only: a passing check (fc-demo 2.0.0) and a failing
// one (a module that raises on import) leave the live function, the bucket's objects and
// the tag as they were; the passing one says deployed: checked and reports the change
// against the live lock.
func TestContainerCheck(t *testing.T) {
	reg := imagetest.NewRegistry(t)
	v := containerEmulator(t)
	broken := pipelinetest.Module("fc-demo", "3.0.0", "raise RuntimeError('fc-demo 3.0.0 is broken')\n")
	a := containerAction(t, v, reg, "fc-demo==1.0.0\n", demo("1.0.0"), demo("2.0.0"), broken)
	first := a.mustRun()
	fn := fc3.functionName(t, 256)
	tag := reg.Host + "/ns/" + lithops.ImageRepository(runtimeName) + ":v3-7-0"
	type state struct {
		Functions []fcemu.FunctionInfo
		Objects   map[string]string
		Tag       string
	}
	snapshot := func() state {
		s := state{Functions: v.Emu.Functions(), Objects: map[string]string{}, Tag: tagDigest(t, tag)}
		for _, o := range v.Emu.Objects(deploytest.Bucket) {
			data, _ := v.Emu.Object(deploytest.Bucket, o.Key)
			s.Objects[o.Key] = o.ContentType + " " + o.ETag + "\n" + string(data)
		}
		return s
	}
	before := snapshot()
	if len(before.Functions) != 1 || before.Tag != first.out["image-digest"] {
		t.Fatalf("after the deploy: %d functions, tag on %s", len(before.Functions), before.Tag)
	}
	a.inputs["mode"] = "check"

	a.requirements("fc-demo==2.0.0\n")
	r := a.mustRun()
	if r.out["deployed"] != "checked" || r.out["function-name"] != fn || r.out["image-digest"] == first.out["image-digest"] {
		t.Errorf("outputs deployed %q, function-name %q, image-digest %q (the live one is %s)", r.out["deployed"], r.out["function-name"], r.out["image-digest"], first.out["image-digest"])
	}
	if !strings.HasPrefix(r.out["smoke-result"], "imports ok (") || !strings.HasSuffix(r.out["smoke-result"], "metadata ok") {
		t.Errorf("smoke-result %q", r.out["smoke-result"])
	}
	if !strings.Contains(r.out["changes"], `"summary":"fc-demo 1.0.0 → 2.0.0"`) {
		t.Errorf("changes output: %s", r.out["changes"])
	}
	if !strings.Contains(r.summary, "Checked (mode: check)") || !strings.Contains(r.summary, "Nothing live changed") ||
		strings.Count(r.summary, "lithops-fc-runtime-action-smoke-") != 2 {
		t.Errorf("the summary does not say what the check did:\n%s", r.summary)
	}
	if diff := cmp.Diff(before, snapshot()); diff != "" {
		t.Errorf("a passing check changed what is live (-before +after):\n%s", diff)
	}
	v.NoSmokeFunctions(t)

	a.requirements("fc-demo==3.0.0\n")
	r = a.run(t.Context())
	if r.code == 0 {
		t.Fatal("the check of a broken module passed")
	}
	if errs := errorsOf(r.log); !strings.Contains(errs, "fc-demo 3.0.0 is broken") || !strings.Contains(errs, "nothing live changed (mode: check)") {
		t.Errorf("errors:\n%s", errs)
	}
	if diff := cmp.Diff(before, snapshot()); diff != "" {
		t.Errorf("a failing check changed what is live (-before +after):\n%s", diff)
	}
	v.NoSmokeFunctions(t)
}

// TestContainerDelete: mode: delete takes a container runtime away as a zip one (its
// function, its metadata and its lock), with the container inputs of the deploy left in
// place, as a workflow shares them; a second delete finds everything gone.
func TestContainerDelete(t *testing.T) {
	reg := imagetest.NewRegistry(t)
	v := containerEmulator(t)
	a := containerAction(t, v, reg, "fc-demo\n", demo("1.0.0"))
	first := a.mustRun()
	key := first.out["runtime-key"]
	a.inputs["mode"] = "delete"
	r := a.mustRun()
	var deleted []struct{ Kind, Name string }
	if err := json.Unmarshal([]byte(r.out["deleted"]), &deleted); err != nil {
		t.Fatalf("deleted output %q: %v", r.out["deleted"], err)
	}
	want := []struct{ Kind, Name string }{{"function", first.out["function-name"]}, {"lock", lithops.LockKey(key)}, {"metadata", lithops.MetaKey(key)}}
	sortKinds := func(rs []struct{ Kind, Name string }) {
		slices.SortFunc(rs, func(a, b struct{ Kind, Name string }) int { return strings.Compare(a.Kind, b.Kind) })
	}
	sortKinds(deleted)
	if diff := cmp.Diff(want, deleted); diff != "" {
		t.Errorf("deleted (-want +got):\n%s", diff)
	}
	if fns := v.Emu.Functions(); len(fns) != 0 {
		t.Errorf("functions left: %v", fns)
	}
	for _, k := range []string{lithops.MetaKey(key), lithops.LockKey(key)} {
		if _, ok := v.Emu.Object(deploytest.Bucket, k); ok {
			t.Errorf("object %s left", k)
		}
	}
	again := a.mustRun()
	if again.out["deleted"] != "[]" || again.out["remaining"] != "[]" || !strings.Contains(again.summary, "already gone") {
		t.Errorf("second delete: deleted %s, remaining %s, summary:\n%s", again.out["deleted"], again.out["remaining"], again.summary)
	}
}

// TestContainerDefaultNameDeleted: without runtime-name, a delete looks for the runtime
// under Lithops' container default name (default-container-runtime-v312), the one the
// deploy gave it, and takes it away.
func TestContainerDefaultNameDeleted(t *testing.T) {
	reg := imagetest.NewRegistry(t)
	v := containerEmulator(t)
	a := containerAction(t, v, reg, "fc-demo\n", demo("1.0.0"))
	delete(a.inputs, "runtime-name")
	first := a.mustRun()
	if first.out["runtime-name"] != "default-container-runtime-v312" {
		t.Fatalf("runtime-name %q", first.out["runtime-name"])
	}
	a.inputs["mode"] = "delete"
	r := a.mustRun()
	if !strings.Contains(r.out["deleted"], first.out["function-name"]) {
		t.Errorf("deleted %s, want %s", r.out["deleted"], first.out["function-name"])
	}
	if fns := v.Emu.Functions(); len(fns) != 0 {
		t.Errorf("functions left: %v", fns)
	}
}

// TestContainerRegistryCredentials: the registry password is masked and never shown;
// one the registry refuses is said to be at fault; with the right one the image is
// pushed and FC (which pulls with the function's role) runs it.
func TestContainerRegistryCredentials(t *testing.T) {
	const user, password = "robot", "s3cr3t-REGISTRY-pw-8812"
	bases := imagetest.NewRegistry(t)
	reg := imagetest.NewRegistry(t, imagetest.WithBasicAuth(user, password))
	v := startEmulator(t, fc3, fcemu.WithPendingPolls(0),
		fcemu.WithRegistryKeychain(image.Credentials{reg.Host: authn.AuthConfig{Username: user, Password: password}}))
	a := containerAction(t, v, bases, "")
	a.inputs["registry"] = reg.Host + "/ns"
	a.inputs["registry-username"] = user
	a.inputs["registry-password"] = "wrong-" + password
	a.secrets = append(a.secrets, password, "wrong-"+password)
	r := a.run(t.Context())
	if errs := errorsOf(r.log); r.code == 0 || !strings.Contains(errs, "registry-password") || !strings.Contains(errs, "refused the push") {
		t.Errorf("wrong password: exit %d, errors:\n%s", r.code, errs)
	}
	if len(v.Emu.Functions()) != 0 {
		t.Error("functions were made without the image")
	}
	a.inputs["registry-password"] = password
	r = a.mustRun()
	if r.out["deployed"] != "created" || !strings.HasPrefix(r.out["image"], reg.Host+"/ns/") {
		t.Errorf("outputs %v", r.out)
	}
}

// TestContainerRefusedBeforeLithops37: container runtimes need Lithops 3.7 (FC 3.0): the
// plan refuses them naming both, before anything is resolved.
func TestContainerRefusedBeforeLithops37(t *testing.T) {
	v := startEmulator(t, fc2)
	a := newAction(t, fc2, v, "")
	a.inputs["deploy-mode"] = "container"
	a.inputs["registry"] = "registry.cn-hangzhou.aliyuncs.com/ns"
	r := a.run(t.Context())
	errs := errorsOf(r.log)
	if r.code == 0 || !strings.Contains(errs, "deploy-mode") || !strings.Contains(errs, "Lithops 3.7") || !strings.Contains(errs, "FC 3.0") || !strings.Contains(errs, "3.6.4") {
		t.Errorf("exit %d, errors:\n%s", r.code, errs)
	}
	if strings.Contains(r.log, "resolve") && strings.Contains(r.log, "::group::resolve") {
		t.Error("resolution started")
	}
}

// tagDigest is the digest the registry's tag names.
func tagDigest(t *testing.T, tag string) string {
	t.Helper()
	ref, err := name.ParseReference(tag)
	if err != nil {
		t.Fatal(err)
	}
	d, err := remote.Head(ref)
	if err != nil {
		t.Fatalf("HEAD %s: %v", tag, err)
	}
	return d.Digest.String()
}

// untar extracts a tar into a new folder.
func untar(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dir := t.TempDir()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return dir
		}
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, filepath.FromSlash(h.Name))
		if h.Typeflag == tar.TypeDir {
			os.MkdirAll(p, 0o755)
			continue
		}
		os.MkdirAll(filepath.Dir(p), 0o755)
		out, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(out, tr); err != nil {
			t.Fatal(err)
		}
		out.Close()
	}
}
