package pipeline_test

// Locked runs, the change report and mode: check, in-process against the emulator: the
// refusals and warnings that need no second API (the binary's tests in the module root
// cover both APIs end to end).

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	fc "github.com/aliyun/fc-go-sdk"

	"github.com/lithops-fc/runtime-action/internal/deploy/deploytest"
	"github.com/lithops-fc/runtime-action/internal/fcemu"
	"github.com/lithops-fc/runtime-action/internal/lithops"
)

// dryRunLock runs a dry run of a and copies the pylock.toml it wrote to name in the
// workspace (a pull request's lock, as actions/download-artifact puts it).
func dryRunLock(t *testing.T, a *action, name string) []byte {
	t.Helper()
	a.inputs["dry-run"] = "true"
	r := a.mustRun()
	delete(a.inputs, "dry-run")
	lock, err := os.ReadFile(filepath.Join(a.ws, r.out["lock-path"]))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(a.ws, name), lock)
	return lock
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// lineOf is the number of the line of text holding s.
func lineOf(t *testing.T, text []byte, s string) int {
	t.Helper()
	for i, l := range strings.Split(string(text), "\n") {
		if strings.Contains(l, s) {
			return i + 1
		}
	}
	t.Fatalf("no line holds %q", s)
	return 0
}

// TestLockedRunConfinedToTheWorkspace: a lock whose wheel lies outside the workspace (a
// file: URL, a relative path that leaves it, a link inside it that points out) is
// refused while planning, on the line of that wheel, before anything is fetched; the
// same bytes inside the workspace are fine.
func TestLockedRunConfinedToTheWorkspace(t *testing.T) {
	tg := fc3
	v := startEmulator(t, tg)
	a := newAction(t, tg, v, "fc-demo\n", demo("1.0.0"))
	lock := dryRunLock(t, a, "lock.toml")
	wheel := demo("1.0.0").Filename()
	inside := "file://" + filepath.Join(a.ws, "wheels", wheel)
	if !bytes.Contains(lock, []byte(inside)) {
		t.Fatalf("the lock does not name %s:\n%s", inside, lock)
	}
	outside := t.TempDir()
	data, err := os.ReadFile(filepath.Join(a.ws, "wheels", wheel))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(outside, wheel), data)
	if err := os.MkdirAll(filepath.Join(a.ws, "evil"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, wheel), filepath.Join(a.ws, "evil", wheel)); err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(a.ws, filepath.Join(outside, wheel))
	if err != nil {
		t.Fatal(err)
	}
	for name, replace := range map[string]string{
		"a file: URL outside":           `url = "file://` + filepath.Join(outside, wheel) + `"`,
		"a relative path that leaves":   `path = "` + rel + `"`,
		"a link inside that points out": `url = "file://` + filepath.Join(a.ws, "evil", wheel) + `"`,
	} {
		t.Run(name, func(t *testing.T) {
			edited := bytes.Replace(lock, []byte(`url = "`+inside+`"`), []byte(replace), 1)
			writeFile(t, filepath.Join(a.ws, "lock.toml"), edited)
			a.inputs["lock"] = "lock.toml"
			defer delete(a.inputs, "lock")
			r := a.run(t.Context())
			if r.code != 1 {
				t.Fatalf("exit %d, want 1", r.code)
			}
			errs := errorsOf(r.log)
			at := "file=lock.toml,line=" + strconv.Itoa(lineOf(t, edited, wheel)-1) // its wheels = [ line
			if !strings.Contains(errs, at) || !strings.Contains(errs, "fc-demo 1.0.0") || !strings.Contains(errs, "outside the workspace") {
				t.Errorf("errors do not say, on %s, that fc-demo's wheel is outside the workspace:\n%s", at, errs)
			}
			if strings.Contains(r.log, "::group::fetch") {
				t.Errorf("the refused lock was fetched")
			}
		})
	}

	t.Run("inside the workspace", func(t *testing.T) {
		writeFile(t, filepath.Join(a.ws, "lock.toml"), lock)
		a.inputs["lock"], a.inputs["dry-run"] = "lock.toml", "true"
		defer delete(a.inputs, "lock")
		defer delete(a.inputs, "dry-run")
		a.mustRun()
	})
}

// TestLockedRunTakesWhatTheLockRecords: given only a lock, the run checks the
// requirements file the lock was made from; a lock made with exclude is deployed with
// its distributions left out, the lock written is the same file, and an exclude input
// that disagrees with it is refused.
func TestLockedRunTakesWhatTheLockRecords(t *testing.T) {
	tg := fc3
	v := startEmulator(t, tg)
	a := newAction(t, tg, v, "fc-demo\n", demo("1.0.0"))
	a.inputs["exclude"] = "six" // FC's runtimes preinstall it
	lock := dryRunLock(t, a, "ci/pylock.toml")
	if !bytes.Contains(lock, []byte(`excluded = ["six"]`)) {
		t.Fatalf("the lock does not record the excluded six:\n%s", lock)
	}
	delete(a.inputs, "exclude")
	delete(a.inputs, "requirements")
	a.inputs["lock"] = "ci/pylock.toml"
	r := a.mustRun()
	if !strings.Contains(r.log, "locked: ci/pylock.toml fits this run (requirements.txt, which it records, unchanged since it was made): 7 wheels") {
		t.Errorf("the log does not say the lock's requirements file was checked")
	}
	wrote, _ := os.ReadFile(filepath.Join(a.ws, r.out["lock-path"]))
	if !bytes.Equal(wrote, lock) {
		t.Errorf("the lock written differs from the lock given:\n%s\n--- given\n%s", wrote, lock)
	}
	if !strings.Contains(r.summary, `Left out, as ci/pylock.toml records (exclude): \[six\]`) {
		t.Errorf("the summary does not say six was left out:\n%s", r.summary)
	}

	a.inputs["exclude"] = "pika"
	r = a.run(t.Context())
	if errs := errorsOf(r.log); r.code != 1 || !strings.Contains(errs, "title=input exclude") || !strings.Contains(errs, "[six]") {
		t.Errorf("exit %d; errors:\n%s\nwant one on exclude naming the lock's [six]", r.code, errs)
	}
}

// TestLockedDefaultRuntime: a lock of Lithops' default runtime (no requirements file)
// gives a locked run its Lithops version when no input or requirement does.
func TestLockedDefaultRuntime(t *testing.T) {
	tg := fc3
	v := startEmulator(t, tg)
	a := newAction(t, tg, v, "")
	delete(a.inputs, "requirements")
	a.inputs["lithops-version"] = tg.lithops
	lock := dryRunLock(t, a, "default.toml")
	delete(a.inputs, "lithops-version")
	a.inputs["lock"] = "default.toml"
	r := a.mustRun()
	if r.out["lithops-version"] != tg.lithops || !strings.Contains(r.log, "(made without a requirements file)") {
		t.Errorf("lithops-version %q; log:\n%s", r.out["lithops-version"], r.log)
	}
	if wrote, _ := os.ReadFile(filepath.Join(a.ws, r.out["lock-path"])); !bytes.Equal(wrote, lock) {
		t.Errorf("the lock written differs from the lock given")
	}
}

// TestBadLocksAndBases: a lock input that does not parse is refused on its line; a
// compare-to, or a live lock, that does not parse is a warning and no change report, and
// the run goes on; a live runtime without a published lock is a first deploy.
func TestBadLocksAndBases(t *testing.T) {
	tg := fc3
	v := startEmulator(t, tg)
	a := newAction(t, tg, v, "fc-demo\n", demo("1.0.0"))
	garbled := []byte("lock-version = \"1.0\"\ncreated-by = \"x\"\n[[packages]\nname = \"six\"\n")
	writeFile(t, filepath.Join(a.ws, "bad.toml"), garbled)

	t.Run("the lock input", func(t *testing.T) {
		a.inputs["lock"] = "bad.toml"
		defer delete(a.inputs, "lock")
		r := a.run(t.Context())
		if errs := errorsOf(r.log); r.code != 1 || !strings.Contains(errs, "file=bad.toml,line=4,title=lock") {
			t.Errorf("exit %d; errors:\n%s\nwant one on bad.toml:4", r.code, errs)
		}
	})

	t.Run("compare-to", func(t *testing.T) {
		a.inputs["compare-to"], a.inputs["dry-run"] = "bad.toml", "true"
		defer delete(a.inputs, "compare-to")
		defer delete(a.inputs, "dry-run")
		r := a.mustRun()
		if !strings.Contains(r.log, "::warning file=bad.toml,line=4,title=input compare-to::no change report") || r.out["changes"] != "" {
			t.Errorf("changes %q; want a warning on bad.toml:4 and no report:\n%s", r.out["changes"], r.log)
		}
	})

	first := a.mustRun()
	key := first.out["runtime-key"]
	t.Run("a live runtime without a lock", func(t *testing.T) {
		// As an earlier version of the action left it: the metadata, no lock.
		if err := v.Deployer(t, true).Uploader().DeleteObject(t.Context(), lithops.LockKey(key)); err != nil {
			t.Fatal(err)
		}
		r := a.mustRun()
		if !strings.Contains(r.out["changes"], `"first_deploy":true`) {
			t.Errorf("changes %s; want a first deploy", r.out["changes"])
		}
	})

	t.Run("a live lock that does not parse", func(t *testing.T) {
		if err := v.Emu.PutObject(deploytest.Bucket, lithops.LockKey(key), garbled); err != nil {
			t.Fatal(err)
		}
		r := a.mustRun()
		if !strings.Contains(r.log, "::warning title=change report::no change report: the live runtime's lock does not parse") || r.out["changes"] != "" {
			t.Errorf("changes %q; want a warning and no report:\n%s", r.out["changes"], r.log)
		}
		if !strings.Contains(r.summary, "Not compared: the live runtime's lock does not parse") {
			t.Errorf("the summary does not say why nothing was compared:\n%s", r.summary)
		}
	})
}

// TestPublishedLockRolledBack: when publishing the runtime's lock fails, the release is
// rolled back whole: the function runs its previous code, and the metadata and the
// lock are what they were.
func TestPublishedLockRolledBack(t *testing.T) {
	tg := fc3
	v := startEmulator(t, tg)
	a := newAction(t, tg, v, "fc-demo\n", demo("1.0.0"), demo("2.0.0"))
	a.requirements("fc-demo==1.0.0\n")
	first := a.mustRun()
	key := first.out["runtime-key"]
	meta, _ := v.Emu.Object(deploytest.Bucket, lithops.MetaKey(key))
	lock, _ := v.Emu.Object(deploytest.Bucket, lithops.LockKey(key))

	a.requirements("fc-demo==2.0.0\n")
	v.FailOSS("PUT", ".pylock.toml", 403, "AccessDenied")
	r := a.run(t.Context())
	if r.code != 1 {
		t.Fatalf("exit %d, want 1", r.code)
	}
	if errs := errorsOf(r.log); !strings.Contains(errs, "publish oss://"+deploytest.Bucket+"/"+lithops.LockKey(key)) || !strings.Contains(errs, "rolled back: restored function") {
		t.Errorf("errors do not say the lock could not be published and the release was rolled back:\n%s", errs)
	}
	if now, _ := v.Emu.Object(deploytest.Bucket, lithops.MetaKey(key)); !bytes.Equal(now, meta) {
		t.Errorf("the metadata was not restored")
	}
	if now, _ := v.Emu.Object(deploytest.Bucket, lithops.LockKey(key)); !bytes.Equal(now, lock) {
		t.Errorf("the lock changed")
	}
	if fn, _ := v.Function(tg.functionName(t, 256)); fn.CodeChecksum != first.out["code-checksum"] {
		t.Errorf("the function runs code %s, want the previous %s", fn.CodeChecksum, first.out["code-checksum"])
	}
	if !strings.Contains(r.summary, "### What changes") || !strings.Contains(r.summary, "fc-demo 1.0.0 → 2.0.0") {
		t.Errorf("the failure's summary does not say what would have changed:\n%s", r.summary)
	}
}

// TestCheckCreatesNoBucket: a check with a storage bucket that does not exist yet
// creates none (a deploy would): its package goes through FC's temporary bucket, and
// the report is a first deploy.
func TestCheckCreatesNoBucket(t *testing.T) {
	tg := fc3
	v := startEmulator(t, tg, fcemu.WithLimits(smallLimits))
	a := newAction(t, tg, v, "fc-demo\n", demo("1.0.0"))
	a.throughOSS()
	a.inputs["mode"], a.inputs["storage-bucket"] = "check", "lithops-not-yet"
	r := a.mustRun()
	if v.Emu.HasBucket("lithops-not-yet") || v.Count(fcemu.OpPutBucket) != 0 {
		t.Errorf("the check created the storage bucket")
	}
	if v.Count(fcemu.OpGetTempBucketToken) == 0 {
		t.Errorf("the check's package did not go through FC's temporary bucket")
	}
	if !strings.Contains(r.out["changes"], `"first_deploy":true`) || !strings.Contains(r.summary, "the storage bucket lithops-not-yet does not exist yet") {
		t.Errorf("changes %s; want a first deploy, saying the bucket does not exist", r.out["changes"])
	}
	if r.out["deployed"] != "checked" || len(v.Emu.Functions()) != 0 {
		t.Errorf("deployed %q, %d functions left", r.out["deployed"], len(v.Emu.Functions()))
	}
}

// TestCheckWarnsOfAServiceADeployWouldRefuse: on FC 2.0 a check passes with a service a
// deploy would refuse to change (its temporary function has a service of its own), and
// warns that a deploy would fail.
func TestCheckWarnsOfAServiceADeployWouldRefuse(t *testing.T) {
	tg := fc2
	v := startEmulator(t, tg)
	other := "acs:ram::1234567890123456:role/someone-elses-role"
	if _, err := v.FC2Client(t).CreateService(fc.NewCreateServiceInput().WithServiceName(deploytest.Service).WithRole(other).WithInternetAccess(true)); err != nil {
		t.Fatal(err)
	}
	a := newAction(t, tg, v, "fc-demo\n", demo("1.0.0"))
	a.inputs["mode"] = "check"
	r := a.mustRun()
	if !strings.Contains(r.log, "::warning title=a deploy would fail::") || !strings.Contains(r.log, "its role is "+other) {
		t.Errorf("no warning that a deploy would fail:\n%s", r.log)
	}
	for _, s := range v.Emu.Services() {
		if s.Name == deploytest.Service && s.Role != other {
			t.Errorf("the service's role changed to %s", s.Role)
		}
	}
	v.NoSmokeFunctions(t)
}

// TestDryRunReadsTheLiveLock: a dry run whose credentials can read the bucket reports
// the changes against the live runtime's lock, and writes nothing.
func TestDryRunReadsTheLiveLock(t *testing.T) {
	tg := fc3
	v := startEmulator(t, tg)
	a := newAction(t, tg, v, "fc-demo\n", demo("1.0.0"), demo("2.0.0"))
	a.requirements("fc-demo==1.0.0\n")
	a.mustRun()
	a.requirements("fc-demo==2.0.0\n")
	a.inputs["dry-run"] = "true"
	v.Probe.ResetCalls()
	r := a.mustRun()
	if !strings.Contains(r.out["changes"], `"summary":"fc-demo 1.0.0 → 2.0.0"`) {
		t.Errorf("changes %s; want fc-demo's upgrade", r.out["changes"])
	}
	for _, call := range v.Probe.Calls() {
		if call.Op != fcemu.OpGetObject {
			t.Errorf("a dry run called %s %s", call.Op, call.Resource)
		}
	}
}
