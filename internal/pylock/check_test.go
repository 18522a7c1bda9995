package pylock_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/lithops-fc/runtime-action/internal/fcruntime"
	"github.com/lithops-fc/runtime-action/internal/pipeline/pipelinetest"
	"github.com/lithops-fc/runtime-action/internal/pylock"
	"github.com/lithops-fc/runtime-action/internal/python/index"
	"github.com/lithops-fc/runtime-action/internal/python/reqfile"
	"github.com/lithops-fc/runtime-action/internal/python/tags"
)

// workspace holds requirements.txt, which includes ci/base.txt.
type workspace struct{ dir string }

func newWorkspace(t *testing.T) workspace {
	t.Helper()
	w := workspace{dir: t.TempDir()}
	w.write(t, "requirements.txt", "-r ci/base.txt\nfastcalc==1.0\n")
	w.write(t, "ci/base.txt", "lithops==3.7.0\n")
	return w
}

func (w workspace) write(t *testing.T, name, content string) {
	t.Helper()
	p := filepath.Join(w.dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// files parses requirements.txt as the pipeline would and lists what it read.
func (w workspace) files(t *testing.T) []pylock.File {
	t.Helper()
	f, err := reqfile.Parse(context.Background(), filepath.Join(w.dir, "requirements.txt"), reqfile.WithWorkDir(w.dir))
	if err != nil {
		t.Fatal(err)
	}
	return pylock.FilesOf(f, func(p string) string { r, _ := filepath.Rel(w.dir, p); return r })
}

// TestCheckFits: a lock build.Assemble wrote fits the target it was made for, with the
// requirements unchanged; the pins are exactly its wheels, with what a download needs.
func TestCheckFits(t *testing.T) {
	ws := newWorkspace(t)
	origin := &pylock.Origin{Target: pylock.Target{Python: "3.10.14", FCRuntime: "python3.10", FCAPI: fcruntime.FC3}, Requirements: ws.files(t)}
	made := assemble(t, t.TempDir(), "https://files.example.org/p/", origin, binary("fastcalc", "1.0"))
	if o := made.Lock.Origin; o == nil || o.Target != target310 || len(o.Requirements) != 2 {
		t.Fatalf("recorded origin %+v; want the target %+v (glibc and Lithops filled in by Assemble) and 2 files", o, target310)
	}
	pins, err := pylock.Check(made.Lock, target310, ws.files(t))
	if err != nil {
		t.Fatal(err)
	}
	var want []pylock.Pin
	for _, name := range []string{"cloudpickle", "fastcalc", "lithops", "pika", "ps-mem", "psutil", "six", "tblib"} {
		p := made.Wheels[name]
		pin := pylock.Pin{Name: name, Filename: filepath.Base(p), URL: "https://files.example.org/p/" + filepath.Base(p),
			SHA256: fileSHA256(t, p), Size: fileSize(t, p), Tag: "py3-none-any",
			Line: lineOf(t, made.Path, "{name = \""+filepath.Base(p)) - 1} // its wheels = [ line
		pin.Version = strings.Split(pin.Filename, "-")[1]
		if name == "fastcalc" {
			pin.Tag = "cp310-cp310-manylinux_2_17_x86_64"
		}
		want = append(want, pin)
	}
	if diff := cmp.Diff(want, pins); diff != "" {
		t.Errorf("pins (-want +got):\n%s", diff)
	}

	// A newer patch level of the same Python fits; so does a run that does not know
	// its FC runtime, API or Lithops yet.
	for _, tg := range []pylock.Target{
		{Python: "3.10.15", FCRuntime: "python3.10", FCAPI: fcruntime.FC2, Glibc: glibc228, Lithops: "3.7"},
		{Python: "3.10", Glibc: glibc228},
	} {
		if _, err := pylock.Check(made.Lock, tg, ws.files(t)); err != nil {
			t.Errorf("target %+v: %v", tg, err)
		}
	}
}

// TestCheckRefuses: each way a lock can fail to fit a run is refused before any
// download, with every reason and what to do.
func TestCheckRefuses(t *testing.T) {
	ws := newWorkspace(t)
	origin := &pylock.Origin{Target: pylock.Target{Python: "3.10.14", FCRuntime: "python3.10", FCAPI: fcruntime.FC3}, Requirements: ws.files(t)}
	strict := pipelinetest.Module("strict", "2.0", "")
	strict.Metadata.RequiresPython = ">=3.10.10"
	made := assemble(t, t.TempDir(), "https://files.example.org/p/", origin, binary("fastcalc", "1.0"), strict)

	type want struct{ kind, msg string }
	tests := []struct {
		name   string
		target func(*pylock.Target)
		lock   func(*pylock.Lock)
		files  func(t *testing.T, ws workspace) []pylock.File // the run's requirements; default: unchanged
		want   []want
		hint   string
	}{
		{
			name: "another Python and glibc",
			target: func(tg *pylock.Target) {
				*tg = pylock.Target{Python: "3.12.4", FCRuntime: "python3.12", Glibc: tags.Glibc{Major: 2, Minor: 31}}
			},
			want: []want{
				{pylock.ProblemPython, "the lock was made for Python 3.10.14, this run targets Python 3.12.4"},
				{pylock.ProblemPlatform, "the lock was made for glibc 2.28 (manylinux_2_28), this run targets glibc 2.31 (manylinux_2_31)"},
				{pylock.ProblemWheelTag, "fastcalc 1.0: the wheel fastcalc-1.0-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl is for " +
					"cp310-cp310-manylinux_2_17_x86_64, cp310-cp310-manylinux2014_x86_64, which Python 3.12 on manylinux_2_31 x86_64 does not accept"},
			},
			hint: "Make the lock for this target",
		},
		{
			name:   "an older glibc (the platform input)",
			target: func(tg *pylock.Target) { tg.Glibc = tags.Glibc{Major: 2, Minor: 12} },
			want: []want{
				{pylock.ProblemPlatform, "the lock was made for glibc 2.28 (manylinux_2_28), this run targets glibc 2.12 (manylinux_2_12)"},
				{pylock.ProblemWheelTag, "fastcalc 1.0: the wheel fastcalc-1.0-cp310"},
			},
		},
		{
			name:   "a patch level below a wheel's Requires-Python",
			target: func(tg *pylock.Target) { tg.Python = "3.10.2" },
			want:   []want{{pylock.ProblemPython, "strict 2.0: requires Python >=3.10.10, this run targets 3.10.2"}},
		},
		{
			name:   "another Lithops",
			target: func(tg *pylock.Target) { tg.Lithops = "3.6.4" },
			want:   []want{{pylock.ProblemLithops, "the lock was made for Lithops 3.7.0, this run deploys Lithops 3.6.4"}},
		},
		{
			name: "the requirements file changed",
			files: func(t *testing.T, ws workspace) []pylock.File {
				ws.write(t, "requirements.txt", "-r ci/base.txt\nfastcalc==1.1\n")
				return ws.files(t)
			},
			want: []want{{pylock.ProblemRequirements, "requirements.txt changed since the lock was made (sha256 "}},
			hint: "re-run the pull request's check",
		},
		{
			name: "an included file changed",
			files: func(t *testing.T, ws workspace) []pylock.File {
				ws.write(t, "ci/base.txt", "lithops==3.7.0\nsix\n")
				return ws.files(t)
			},
			want: []want{{pylock.ProblemRequirements, "ci/base.txt changed since the lock was made"}},
		},
		{
			name: "a new include, and one no longer read",
			files: func(t *testing.T, ws workspace) []pylock.File {
				ws.write(t, "ci/more.txt", "attrs\n")
				ws.write(t, "requirements.txt", "-r ci/more.txt\nfastcalc==1.0\nlithops==3.7.0\n")
				return ws.files(t)
			},
			want: []want{
				{pylock.ProblemRequirements, "requirements.txt changed since the lock was made"},
				{pylock.ProblemRequirements, "ci/more.txt: read by this run, but not when the lock was made"},
				{pylock.ProblemRequirements, "ci/base.txt: the lock was made from it, but this run does not read it"},
			},
		},
		{
			name:  "a run without the requirements",
			files: func(*testing.T, workspace) []pylock.File { return nil },
			want: []want{
				{pylock.ProblemRequirements, "requirements.txt: the lock was made from it, but this run does not read it"},
				{pylock.ProblemRequirements, "ci/base.txt: the lock was made from it, but this run does not read it"},
			},
		},
		{
			name: "a lock made without requirements, a run with some",
			lock: func(l *pylock.Lock) { l.Origin.Requirements = nil },
			want: []want{
				{pylock.ProblemRequirements, "requirements.txt: the lock was made without a requirements file, this run reads requirements.txt"},
				{pylock.ProblemRequirements, "ci/base.txt: the lock was made without a requirements file"},
			},
		},
		{
			name: "a lock that does not say what it was made from",
			lock: func(l *pylock.Lock) { l.Origin, l.CreatedBy = nil, "uv" },
			want: []want{{pylock.ProblemOrigin, "the lock does not record which requirements it was made from (written by uv), so it cannot be shown to match requirements.txt"}},
			hint: "made again from the current requirements",
		},
		{
			name: "a lock without origin for another Python",
			lock: func(l *pylock.Lock) { l.Origin = nil },
			target: func(tg *pylock.Target) {
				*tg = pylock.Target{Python: "3.12", Glibc: tags.Glibc{Major: 2, Minor: 31}}
			},
			files: func(*testing.T, workspace) []pylock.File { return nil },
			want: []want{
				{pylock.ProblemPython, "the lock's environments (sys_platform == 'linux' and platform_machine == 'x86_64' and platform_python_implementation == 'CPython' and python_version == '3.10') do not include Python 3.12 on Linux x86_64"},
				{pylock.ProblemPython, `the lock's requires-python "==3.10.*" excludes Python 3.12.0`},
				{pylock.ProblemWheelTag, "fastcalc 1.0: the wheel"},
			},
		},
		{
			name: "a missing hash",
			lock: func(l *pylock.Lock) { l.Package("pika").Wheel.SHA256 = "" },
			want: []want{{pylock.ProblemHash, `pika 1.3.2: the wheel pika-1.3.2-py3-none-any.whl has no sha256 (""): a locked deploy installs only files it can verify`}},
		},
		{
			name: "no lithops",
			lock: func(l *pylock.Lock) { l.Package("lithops").Marker = "sys_platform == 'win32'" },
			want: []want{{pylock.ProblemIncomplete, "the lock holds no lithops wheel; a runtime needs one"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := pylock.ReadFile(context.Background(), made.Path)
			if err != nil {
				t.Fatal(err)
			}
			if tt.lock != nil {
				tt.lock(l)
			}
			tg := target310
			if tt.target != nil {
				tt.target(&tg)
			}
			ws := newWorkspace(t)
			files := ws.files(t)
			if tt.files != nil {
				files = tt.files(t, ws)
			}
			pins, err := pylock.Check(l, tg, files)
			var ce *pylock.CheckError
			if !errors.As(err, &ce) {
				t.Fatalf("Check = %d pins, %v; want a *CheckError", len(pins), err)
			}
			if len(ce.Problems) != len(tt.want) {
				t.Errorf("%d problems, want %d:\n%v", len(ce.Problems), len(tt.want), err)
			}
			for i, w := range tt.want {
				if i < len(ce.Problems) && (ce.Problems[i].Kind != w.kind || !strings.HasPrefix(ce.Problems[i].Msg, w.msg)) {
					t.Errorf("problem %d: %s %q\nwant     %s %q", i, ce.Problems[i].Kind, ce.Problems[i].Msg, w.kind, w.msg)
				}
			}
			if !strings.HasPrefix(err.Error(), made.Path+" does not fit this run (Python "+tg.Python) || !strings.Contains(err.Error(), tt.hint) {
				t.Errorf("error %q: want the lock's path, the target and %q", err, tt.hint)
			}
		})
	}
}

// lineOf is the number of the first line of the file at path that contains text.
func lineOf(t *testing.T, path, text string) int {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(string(raw), "\n") {
		if strings.Contains(l, text) {
			return i + 1
		}
	}
	t.Fatalf("%s has no line with %q", path, text)
	return 0
}

// TestCheckNamesLines: each refusal names the line of the lock it is about (the
// recorded target's key, the requirements list, the package's wheel), and Fault gives
// them, with the requirements file that changed, for annotations.
func TestCheckNamesLines(t *testing.T) {
	ws := newWorkspace(t)
	origin := &pylock.Origin{Target: pylock.Target{Python: "3.10.14", FCRuntime: "python3.10", FCAPI: fcruntime.FC3}, Requirements: ws.files(t)}
	made := assemble(t, t.TempDir(), "https://files.example.org/p/", origin, binary("fastcalc", "1.0"))
	l, err := pylock.ReadFile(context.Background(), made.Path)
	if err != nil {
		t.Fatal(err)
	}
	l.Package("pika").Wheel.SHA256 = ""
	ws.write(t, "requirements.txt", "-r ci/base.txt\nfastcalc==1.1\n")
	tg := target310
	tg.Python, tg.Lithops = "3.12.1", "3.6.4"
	_, err = pylock.Check(l, tg, ws.files(t))
	var ce *pylock.CheckError
	if !errors.As(err, &ce) {
		t.Fatalf("Check: %v; want a *CheckError", err)
	}
	want := map[string]int{
		pylock.ProblemPython:       lineOf(t, made.Path, "python = \"3.10.14\""),
		pylock.ProblemLithops:      lineOf(t, made.Path, "lithops = \"3.7.0\""),
		pylock.ProblemRequirements: lineOf(t, made.Path, "requirements = ["),
		pylock.ProblemHash:         lineOf(t, made.Path, "{name = \"pika-") - 1, // its wheels = [ line
	}
	got := map[string]int{}
	for _, p := range ce.Problems {
		if _, ok := got[p.Kind]; !ok {
			got[p.Kind] = p.Line
		}
	}
	for kind, line := range want {
		if got[kind] != line || line == 0 {
			t.Errorf("%s problem on line %d, want %d", kind, got[kind], line)
		}
	}
	title, places := ce.Fault()
	wantPlaces := []string{made.Path + ":" + strconv.Itoa(want[pylock.ProblemPython])}
	if title != "lock" || !slices.Contains(places, made.Path+":"+strconv.Itoa(want[pylock.ProblemHash])) ||
		!slices.Contains(places, "requirements.txt:0") || !slices.Contains(places, wantPlaces[0]) {
		t.Errorf("Fault() = %q, %v; want the lock's lines and requirements.txt", title, places)
	}

	// A lock that was not read from a file names no line.
	_, err = pylock.Check(&pylock.Lock{LockVersion: "1.0", CreatedBy: "x", Packages: l.Packages}, target310, ws.files(t))
	if !errors.As(err, &ce) {
		t.Fatalf("Check: %v; want a *CheckError", err)
	}
	for _, p := range ce.Problems {
		if p.Line != 0 {
			t.Errorf("a lock made in memory: problem %q on line %d", p.Msg, p.Line)
		}
	}
}

// TestCheckMarkers: a package whose marker excludes the target is not installed.
func TestCheckMarkers(t *testing.T) {
	made := assemble(t, t.TempDir(), "https://files.example.org/p/", nil, pipelinetest.Module("winonly", "1.0", ""))
	made.Lock.Package("winonly").Marker = "sys_platform == 'win32'"
	made.Lock.Package("pika").Marker = "python_version >= '3.10'"
	pins, err := pylock.Check(made.Lock, target310, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range pins {
		names = append(names, p.Name)
	}
	if got := strings.Join(names, " "); got != "cloudpickle lithops pika ps-mem psutil six tblib" {
		t.Errorf("pins %s", got)
	}
}

// TestTamperedHashRefusedAtDownload: a lock whose sha256 was swapped for another
// well-formed one passes Check (nothing is downloaded there) but the download layer
// refuses the file, as the locked deploy's pipeline calls it with each pin.
func TestTamperedHashRefusedAtDownload(t *testing.T) {
	dir := t.TempDir()
	idx := pipelinetest.NewIndex(t, filepath.Join(dir, "wheels"))
	base := strings.TrimSuffix(idx.URL, "simple/") + "files/"
	made := assemble(t, dir, base, nil, binary("fastcalc", "1.0"))
	made.Lock.Package("fastcalc").Wheel.SHA256 = made.Lock.Package("six").Wheel.SHA256
	pins, err := pylock.Check(made.Lock, target310, nil)
	if err != nil {
		t.Fatal(err)
	}
	client, err := index.New(index.WithIndexURL(idx.URL), index.WithCacheDir(filepath.Join(dir, "cache")))
	if err != nil {
		t.Fatal(err)
	}
	refused := 0
	for _, p := range pins {
		d, err := client.Download(context.Background(), index.File{Filename: p.Filename, URL: p.URL, Size: p.Size, Hashes: index.Hashes{"sha256": p.SHA256}}, nil)
		var mismatch *index.HashMismatchError
		switch {
		case p.Name == "fastcalc" && errors.As(err, &mismatch):
			refused++
			if mismatch.Filename != p.Filename || mismatch.Got != fileSHA256(t, made.Wheels["fastcalc"]) {
				t.Errorf("mismatch %+v", mismatch)
			}
		case p.Name == "fastcalc":
			t.Errorf("the tampered fastcalc was accepted: %+v, %v", d, err)
		case err != nil:
			t.Errorf("%s: %v", p.Name, err)
		case d.SHA256 != p.SHA256:
			t.Errorf("%s: downloaded %s, pinned %s", p.Name, d.SHA256, p.SHA256)
		}
	}
	if refused != 1 {
		t.Errorf("%d tampered downloads refused, want 1", refused)
	}
}

// TestAssembleWithoutOrigin: without an Origin, Assemble records none (the bytes of
// earlier locks), and Check then accepts only a run without requirements.
func TestAssembleWithoutOrigin(t *testing.T) {
	made := assemble(t, t.TempDir(), "https://files.example.org/p/", nil)
	if made.Lock.Origin != nil {
		t.Fatalf("origin %+v recorded without one given", made.Lock.Origin)
	}
	raw, err := os.ReadFile(made.Path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "target") || strings.Contains(string(raw), "requirements") {
		t.Errorf("lock mentions an origin:\n%s", raw)
	}
}
