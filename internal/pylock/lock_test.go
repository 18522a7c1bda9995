package pylock

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/lithops-fc/runtime-action/internal/fcruntime"
	"github.com/lithops-fc/runtime-action/internal/python/reqfile"
	"github.com/lithops-fc/runtime-action/internal/python/tags"
	"github.com/lithops-fc/runtime-action/internal/urlcred"
)

const (
	shaA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	shaB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	shaC = "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
)

// sampleLock is a lock as this action writes it for Python 3.10 on FC 3.0.
func sampleLock() *Lock {
	l := New(ToolTable, "3.10")
	l.Packages = []Package{
		{Name: "lithops", Version: "3.7.0", RequiresPython: ">=3.6", Index: "https://pypi.org/simple/",
			Wheel: Wheel{Name: "lithops-3.7.0-py3-none-any.whl", URL: "https://files.example.org/lithops-3.7.0-py3-none-any.whl", Size: 1234, SHA256: shaA}},
		{Name: "numpy", Version: "1.26.4", RequiresPython: ">=3.9", Index: "https://pypi.org/simple/",
			Wheel: Wheel{Name: "numpy-1.26.4-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
				URL: "https://files.example.org/numpy-1.26.4-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", Size: 18200000, SHA256: shaB}},
		{Name: "six", Version: "1.16.0",
			Wheel: Wheel{Name: "six-1.16.0-py2.py3-none-any.whl", Path: "wheels/six-1.16.0-py2.py3-none-any.whl", Size: 11053, SHA256: shaC}},
	}
	l.Excluded = []string{"boto3"}
	l.Origin = &Origin{
		Target: Target{Python: "3.10.14", FCRuntime: "python3.10", FCAPI: fcruntime.FC3, Glibc: tags.Glibc{Major: 2, Minor: 28}, Lithops: "3.7.0"},
		Requirements: []File{
			{Path: "requirements.txt", SHA256: shaA},
			{Path: "ci/base.txt", SHA256: shaB},
		},
	}
	return l
}

func mustMarshal(t testing.TB, l *Lock) string {
	t.Helper()
	b, err := l.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// lockCmp compares locks by content: not where they were read from (Path, the line index).
var lockCmp = []cmp.Option{cmpopts.EquateEmpty(), cmpopts.IgnoreFields(Lock{}, "Path"), cmpopts.IgnoreUnexported(Lock{})}

// TestMarshalSample pins the format of what this action adds to a lock: the origin
// table, after the excluded distributions.
func TestMarshalSample(t *testing.T) {
	got := mustMarshal(t, sampleLock())
	want := `lock-version = "1.0"
environments = ["sys_platform == 'linux' and platform_machine == 'x86_64' and platform_python_implementation == 'CPython' and python_version == '3.10'"]
requires-python = "==3.10.*"
extras = []
dependency-groups = []
default-groups = []
created-by = "lithops-fc-runtime"

[[packages]]
name = "lithops"
version = "3.7.0"
requires-python = ">=3.6"
index = "https://pypi.org/simple/"
wheels = [
  {name = "lithops-3.7.0-py3-none-any.whl", url = "https://files.example.org/lithops-3.7.0-py3-none-any.whl", size = 1234, hashes = {sha256 = "` + shaA + `"}},
]

[[packages]]
name = "numpy"
version = "1.26.4"
requires-python = ">=3.9"
index = "https://pypi.org/simple/"
wheels = [
  {name = "numpy-1.26.4-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", url = "https://files.example.org/numpy-1.26.4-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", size = 18200000, hashes = {sha256 = "` + shaB + `"}},
]

[[packages]]
name = "six"
version = "1.16.0"
wheels = [
  {name = "six-1.16.0-py2.py3-none-any.whl", path = "wheels/six-1.16.0-py2.py3-none-any.whl", size = 11053, hashes = {sha256 = "` + shaC + `"}},
]

[tool.lithops-fc-runtime]
excluded = ["boto3"]
requirements = [
  {path = "requirements.txt", sha256 = "` + shaA + `"},
  {path = "ci/base.txt", sha256 = "` + shaB + `"},
]

[tool.lithops-fc-runtime.target]
python = "3.10.14"
fc-runtime = "python3.10"
fc-api = "3.0"
glibc = "2.28"
manylinux = "manylinux_2_28"
lithops = "3.7.0"
`
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Marshal (-want +got):\n%s", diff)
	}
}

// TestRoundTrip: write, parse, equal; and writing the parsed lock gives the same bytes.
func TestRoundTrip(t *testing.T) {
	noOrigin := sampleLock()
	noOrigin.Origin, noOrigin.Excluded = nil, nil
	noReqs := sampleLock()
	noReqs.Origin.Requirements = nil
	foreign := &Lock{LockVersion: "1.0", CreatedBy: "uv", RequiresPython: ">=3.9", Extras: []string{"fast"},
		Packages: []Package{{Name: "Colorama", Version: "0.4.6", Marker: "sys_platform == 'win32'",
			Wheel: Wheel{Name: "colorama-0.4.6-py2.py3-none-any.whl", URL: "https://files.example.org/c.whl", Path: "c.whl", SHA256: shaA}}}}
	special := sampleLock()
	special.Packages[2].Wheel.Path = `we"ird\path/ünï` + "\t/six-1.16.0-py2.py3-none-any.whl"
	special.Origin.Requirements[1].Path = `req "x".txt`
	for name, l := range map[string]*Lock{"sample": sampleLock(), "no origin": noOrigin, "no requirements": noReqs,
		"foreign": foreign, "escapes": special, "empty": New("x", "3.12")} {
		t.Run(name, func(t *testing.T) {
			text := mustMarshal(t, l)
			got, err := Parse("pylock.toml", []byte(text))
			if err != nil {
				t.Fatalf("Parse: %v\n%s", err, text)
			}
			if diff := cmp.Diff(l, got, lockCmp...); diff != "" {
				t.Errorf("round trip (-wrote +read):\n%s", diff)
			}
			if again := mustMarshal(t, got); again != text {
				t.Errorf("written again differently:\n%s\n---\n%s", again, text)
			}
			// Any TOML reader agrees with ours on what was written.
			var generic map[string]any
			if _, err := toml.Decode(text, &generic); err != nil {
				t.Errorf("not TOML: %v", err)
			}
		})
	}
	if got, _ := Parse("p", []byte(mustMarshal(t, noReqs))); got.Origin == nil || got.Origin.Requirements == nil {
		t.Errorf("a lock made without requirements reads as %+v; want an Origin with no files", got.Origin)
	}
}

// TestMarshalRefuses: what Parse would refuse is never written; above all, no URL with
// credentials, a query or a fragment.
func TestMarshalRefuses(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Lock)
		want   string
	}{
		{"credentials", func(l *Lock) { l.Packages[0].Wheel.URL = "https://u:s3cret@h/x.whl" }, "carries credentials"},
		{"index credentials", func(l *Lock) { l.Packages[0].Index = "https://tok@h/simple/" }, "carries credentials"},
		{"query", func(l *Lock) { l.Packages[0].Wheel.URL = "https://h/x.whl?X-Amz-Signature=s3cret" }, "query or fragment"},
		{"fragment", func(l *Lock) { l.Packages[0].Wheel.URL = "https://h/x.whl#sha256=00" }, "query or fragment"},
		{"no hash", func(l *Lock) { l.Packages[1].Wheel.SHA256 = "" }, "no sha256"},
		{"no location", func(l *Lock) { l.Packages[1].Wheel.URL = "" }, "neither url nor path"},
		{"bad version", func(l *Lock) { l.Packages[1].Version = "one" }, `version "one"`},
		{"wheel of another package", func(l *Lock) { l.Packages[2].Name = "seven" }, "is not seven"},
		{"python outside requires-python", func(l *Lock) { l.Origin.Target.Python = "3.12.1" }, "not in the lock's requires-python"},
		{"no api", func(l *Lock) { l.Origin.Target.FCAPI = "" }, "fc-api"},
		{"unclean requirements path", func(l *Lock) { l.Origin.Requirements[0].Path = "./requirements.txt" }, "clean path"},
		{"requirements twice", func(l *Lock) { l.Origin.Requirements[1].Path = "requirements.txt" }, "listed twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := sampleLock()
			tt.change(l)
			b, err := l.Marshal()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Marshal = %q, %v; want an error containing %q", b, err, tt.want)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("the error shows a secret: %v", err)
			}
		})
	}
}

// TestStripFitsLock: urlcred.Strip makes the URLs a lock may hold.
func TestStripFitsLock(t *testing.T) {
	for in, want := range map[string]string{
		"https://u:p@h.example/a/x.whl?sig=1#sha256=2": "https://h.example/a/x.whl",
		"https://h.example/a b/x.whl":                  "https://h.example/a%20b/x.whl",
		"file:///work/wheels/x.whl":                    "file:///work/wheels/x.whl",
		"https://h.example/x.whl?":                     "https://h.example/x.whl",
		"http://[::1]:namedport/x":                     "",
		"":                                             "",
	} {
		got := urlcred.Strip(in)
		if got != want {
			t.Errorf("Strip(%q) = %q, want %q", in, got, want)
		}
		if got != "" && urlProblem(got) != "" {
			t.Errorf("Strip(%q) = %q, which a lock refuses: %s", in, got, urlProblem(got))
		}
	}
}

func TestTOMLString(t *testing.T) {
	for _, s := range []string{`plain`, `q"uote`, `back\slash`, "tab\tnew\nline\x7f\x00", "ünï"} {
		var v struct{ S string }
		if _, err := toml.Decode("S = "+tomlString(s), &v); err != nil || v.S != s {
			t.Errorf("tomlString(%q) = %s → %q, %v", s, tomlString(s), v.S, err)
		}
	}
}

// lineOf returns the 1-based line of the first occurrence of sub in text.
func lineOf(t *testing.T, text, sub string) int {
	t.Helper()
	i := strings.Index(text, sub)
	if i < 0 {
		t.Fatalf("%q is not in the text", sub)
	}
	return strings.Count(text[:i], "\n") + 1
}

// TestParseErrors: every malformed lock is refused with the file, the line of the
// offending key and what is wrong.
func TestParseErrors(t *testing.T) {
	base := mustMarshal(t, sampleLock())
	numpyWheel := `  {name = "numpy-1.26.4-cp310`
	numpyWheels := `name = "numpy"⟩wheels = [`
	numpyBlock := base[strings.Index(base, "[[packages]]\nname = \"numpy\""):strings.Index(base, "[[packages]]\nname = \"six\"")]
	tests := []struct {
		name     string
		old, new string // base with old replaced by new
		at       string // text on the line the error must name ("" for none)
		want     string
	}{
		{"not TOML", `created-by = "lithops-fc-runtime"`, `created-by = `, "created-by = ", "not valid TOML"},
		{"lock version 2", `lock-version = "1.0"`, `lock-version = "2.0"`, `lock-version`, `lock-version "2.0" is not one this action reads`},
		{"created-by missing", `created-by = "lithops-fc-runtime"` + "\n", "", "", "created-by is missing"},
		{"version missing", "version = \"1.26.4\"\n", "", `name = "lithops"⟩[[packages]]`, "package numpy: version is missing"},
		{"version not PEP 440", `version = "1.26.4"`, `version = "1.26.x"`, `version = "1.26.x"`, `package numpy: version "1.26.x" is not a PEP 440 version`},
		{"version not a string", `version = "1.26.4"`, `version = 1.26`, `version = 1.26`, "packages[2].version: want a string, found a float"},
		{"name missing", `name = "numpy"` + "\n", "", `name = "lithops"⟩[[packages]]`, "packages[2].name: missing"},
		{"bad name", `name = "numpy"`, `name = "num py"`, `name = "num py"`, `"num py" is not a distribution name`},
		{"two wheels", numpyWheel, `  {name = "x-1-py3-none-any.whl", url = "https://h/x.whl", hashes = {sha256 = "` + shaA + `"}},` + "\n" + numpyWheel,
			numpyWheels, "package numpy: 2 wheels: a locked deploy needs exactly one"},
		{"sdist only", "wheels = [\n" + numpyWheel, "sdist = {name = \"numpy-1.26.4.tar.gz\"}\nwheelz = [\n" + numpyWheel, `name = "numpy"`,
			"package numpy: no wheel (it is locked as sdist)"},
		{"no sha256", "hashes = {sha256 = \"" + shaB + "\"}", "hashes = {md5 = \"00\"}", numpyWheels, "package numpy: the wheel has no sha256 hash"},
		{"short sha256", shaB, "abc", numpyWheels, `the wheel's sha256 "abc" is not 64 lower-case hex digits`},
		{"hashes not a table", "hashes = {sha256 = \"" + shaB + "\"}", `hashes = "x"`, numpyWheels, "packages[2].wheels.hashes: want a table, found a string"},
		{"size not an integer", "size = 18200000", `size = "big"`, numpyWheels, "packages[2].wheels.size: want an integer"},
		{"wheel of another version", "numpy-1.26.4-cp310-cp310-manylinux_2_17", "numpy-1.26.5-cp310-cp310-manylinux_2_17", numpyWheels,
			"the wheel numpy-1.26.5-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl is not numpy 1.26.4"},
		{"not a wheel name", `name = "six-1.16.0-py2.py3-none-any.whl"`, `name = "six-1.16.0.tar.gz"`, `name = "six"⟩wheels = [`, "invalid wheel file name"},
		{"url with credentials", "https://files.example.org/numpy", "https://me:s3cret@files.example.org/numpy", numpyWheels,
			"wheel url https://****@files.example.org/numpy"},
		{"ftp url", "https://files.example.org/numpy", "ftp://files.example.org/numpy", numpyWheels, "want an https, http or file URL"},
		{"no url or path", `, path = "wheels/six-1.16.0-py2.py3-none-any.whl"`, "", `name = "six"⟩wheels = [`, "package six: the wheel has neither url nor path"},
		{"listed twice", "\n[tool.", "\n" + strings.Replace(numpyBlock, `"numpy"`, `"NumPy"`, 1) + "[tool.", `name = "NumPy"`, "package NumPy is listed twice (also as package 2)"},
		{"bad marker", `name = "six"` + "\n", `name = "six"` + "\nmarker = \"python_version >> '3'\"\n", `marker =`, "package six: marker"},
		{"excluded not names", `excluded = ["boto3"]`, `excluded = ["boto 3"]`, `excluded =`, `excluded: "boto 3" is not a distribution name`},
		{"excluded not strings", `excluded = ["boto3"]`, `excluded = [3]`, `excluded =`, "want an array of strings, found an element of type an integer"},
		{"glibc", `glibc = "2.28"`, `glibc = "2.x"`, `glibc = "2.x"`, `glibc "2.x": want 2.N`},
		{"manylinux", `manylinux = "manylinux_2_28"`, `manylinux = "manylinux_2_17"`, `manylinux =`, "does not match glibc 2.28"},
		{"python", `python = "3.10.14"`, `python = "3.10.x"`, `python = "3.10.x"`, `python "3.10.x": want X.Y or X.Y.Z`},
		{"target key missing", `lithops = "3.7.0"` + "\n", "", `[tool.lithops-fc-runtime.target]`, "tool.lithops-fc-runtime.target.lithops: missing"},
		{"requirements sha256", `{path = "ci/base.txt", sha256 = "` + shaB + `"}`, `{path = "ci/base.txt", sha256 = "B"}`, `requirements = [`,
			`requirements: ci/base.txt: sha256 "B" is not 64`},
		{"requirements without target", "\n[tool.lithops-fc-runtime.target]", "\n[tool.other]", `[tool.lithops-fc-runtime]`, "records only part of what the lock was made from"},
		{"environment not a marker", `python_version == '3.10'"]`, `python_version = '3.10'"]`, "environments =", "environments:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(base, tt.old) {
				t.Fatalf("%q is not in the sample", tt.old)
			}
			text := strings.Replace(base, tt.old, tt.new, 1)
			_, err := Parse("ci/pylock.toml", []byte(text))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse = %v, want an *Error\n%s", err, text)
			}
			if e.File != "ci/pylock.toml" || !strings.Contains(e.Msg, tt.want) {
				t.Errorf("error %q, want the file and %q", err, tt.want)
			}
			want := 0
			if after, at, ok := strings.Cut(tt.at, "⟩"); ok {
				i := strings.Index(text, after)
				want = lineOf(t, text[i:], at) + strings.Count(text[:i], "\n")
			} else if tt.at != "" {
				want = lineOf(t, text, tt.at)
			}
			if e.Line != want {
				t.Errorf("error %q names line %d, want %d (%q)", err, e.Line, want, tt.at)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("the error shows a secret: %v", err)
			}
		})
	}
}

// TestParseOtherTools: a lock from another tool is read when it has what a locked
// deploy needs, and refused with a message that says what to use instead.
func TestParseOtherTools(t *testing.T) {
	// As uv export --format pylock.toml writes a universal lock: every wheel listed.
	universal := `lock-version = "1.0"
created-by = "uv"
requires-python = ">=3.9"

[[packages]]
name = "numpy"
version = "2.1.0"
index = "https://pypi.org/simple"
sdist = { url = "https://files.example.org/numpy-2.1.0.tar.gz", hashes = { sha256 = "` + shaA + `" } }
wheels = [
    { url = "https://files.example.org/numpy-2.1.0-cp310-cp310-macosx_14_0_arm64.whl", upload-time = 2024-08-18T00:00:00Z, size = 5, hashes = { sha256 = "` + shaB + `" } },
    { url = "https://files.example.org/numpy-2.1.0-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", size = 6, hashes = { sha256 = "` + shaC + `" } },
]
`
	_, err := Parse("pylock.toml", []byte(universal))
	var e *Error
	if !errors.As(err, &e) || e.Line != lineOf(t, universal, "wheels = [") || !strings.Contains(e.Msg, "2 wheels") ||
		!strings.Contains(e.Hint, "pylock.toml this action writes") {
		t.Errorf("universal lock: %v", err)
	}

	// One wheel per package, names left to the URLs, keys this action does not read:
	// enough for a locked deploy, even without [tool.lithops-fc-runtime].
	single := `lock-version = "1.0"
created-by = "some-locker"
environments = ["sys_platform == 'linux'"]

[[packages]]
name = "six"
version = "1.16.0"
dependencies = [{name = "x"}]
wheels = [{ url = "https://files.example.org/six-1.16.0-py2.py3-none-any.whl", upload-time = 2021-05-05T00:00:00Z, hashes = { sha256 = "` + shaA + `", md5 = "00" } }]

[tool.some-locker]
anything = true
`
	l, err := Parse("pylock.toml", []byte(single))
	if err != nil {
		t.Fatal(err)
	}
	want := &Lock{Path: "pylock.toml", LockVersion: "1.0", CreatedBy: "some-locker", Environments: []string{"sys_platform == 'linux'"},
		Packages: []Package{{Name: "six", Version: "1.16.0", Wheel: Wheel{Name: "six-1.16.0-py2.py3-none-any.whl",
			URL: "https://files.example.org/six-1.16.0-py2.py3-none-any.whl", SHA256: shaA}}}}
	if diff := cmp.Diff(want, l, cmpopts.IgnoreUnexported(Lock{})); diff != "" {
		t.Errorf("single-wheel lock (-want +got):\n%s", diff)
	}

	// A newer major version, and a file that is not UTF-8 or too large.
	for name, data := range map[string][]byte{
		"lock-version 2": []byte("lock-version = \"2.0\"\ncreated-by = \"x\"\n"),
		"latin-1":        []byte("lock-version = \"1.0\"\ncreated-by = \"caf\xe9\"\n"),
		"too large":      append([]byte("#"), make([]byte, maxSize)...),
	} {
		if _, err := Parse("pylock.toml", data); err == nil || !strings.HasPrefix(err.Error(), "pylock.toml") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "pylock.toml")
	if err := os.WriteFile(p, []byte(mustMarshal(t, sampleLock())), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := ReadFile(context.Background(), p)
	if err != nil || l.Path != p || len(l.Packages) != 3 {
		t.Fatalf("ReadFile = %+v, %v", l, err)
	}
	_, err = ReadFile(context.Background(), filepath.Join(dir, "missing.toml"))
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, fs.ErrNotExist) || e.File != filepath.Join(dir, "missing.toml") {
		t.Errorf("missing file: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ReadFile(ctx, p); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// TestFilesOf: the files a requirements file read, each once, workspace-relative.
func TestFilesOf(t *testing.T) {
	ws := t.TempDir()
	files := map[string]string{
		"requirements.txt": "-r ci/base.txt\nsix\n-r ci/base.txt\n",
		"ci/base.txt":      "-c ../constraints.txt\nattrs\n",
		"constraints.txt":  "six<2\n",
	}
	for name, content := range files {
		p := filepath.Join(ws, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f, err := reqfile.Parse(context.Background(), filepath.Join(ws, "requirements.txt"), reqfile.WithWorkDir(ws))
	if err != nil {
		t.Fatal(err)
	}
	rel := func(p string) string { r, _ := filepath.Rel(ws, p); return r }
	var want []File
	for _, name := range []string{"requirements.txt", "ci/base.txt", "constraints.txt"} {
		sum := sha256.Sum256([]byte(files[name]))
		want = append(want, File{Path: name, SHA256: hex.EncodeToString(sum[:])})
	}
	if diff := cmp.Diff(want, FilesOf(f, rel)); diff != "" {
		t.Errorf("FilesOf (-want +got):\n%s", diff)
	}
	if FilesOf(nil, rel) != nil {
		t.Error("FilesOf(nil) is not nil")
	}
}

// TestParseTooDeep: nesting the TOML decoder is slow on is refused before decoding.
func TestParseTooDeep(t *testing.T) {
	dotted := strings.Repeat("a.", 20) + "b = 1"
	if _, err := Parse("p.toml", []byte("x = 1\n"+dotted)); err == nil || !strings.HasPrefix(err.Error(), "p.toml:2: a dotted key") {
		t.Errorf("Parse: %v", err)
	}
}

// TestParseEarlierLocks: a lock written before the format moved here (the build
// package's golden, from main's writer) still reads: the live runtime's lock a change
// report compares against may be one. It records no origin, so Check refuses it for a
// run with requirements.
func TestParseEarlierLocks(t *testing.T) {
	l, err := ReadFile(context.Background(), filepath.Join("..", "build", "testdata", "pylock.golden.toml"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range l.Packages {
		names = append(names, p.Name+"=="+p.Version)
	}
	if got := strings.Join(names, " "); got != "demo-pkg==1.0.post1 lithops==3.7.0 local-only==2.0 quoted==0.1" ||
		l.Origin != nil || !cmp.Equal(l.Excluded, []string{"left-out"}) || l.Package("local-only").Wheel.Path == "" {
		t.Errorf("read %s, origin %+v, excluded %v", got, l.Origin, l.Excluded)
	}
}
