package reqfile

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const (
	hashA = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	hashB = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
)

// setup writes files under a new folder and returns it.
func setup(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

var testEnv = map[string]string{"TOKEN": "s3cr3t", "EMPTY": "", "HOST": "pypi.example.com"}

func lookup(name string) (string, bool) {
	v, ok := testEnv[name]
	return v, ok
}

// parse parses requirements.txt in dir; error messages show paths relative to dir.
func parse(t *testing.T, dir string) (*File, error) {
	t.Helper()
	f, err := Parse(context.Background(), filepath.Join(dir, "requirements.txt"), WithLookupEnv(lookup), WithWorkDir(dir))
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("error %v is not a *reqfile.Error", err)
		}
		return nil, errors.New(strings.ReplaceAll(err.Error(), dir+string(filepath.Separator), ""))
	}
	return f, nil
}

// summary renders what a file holds, one item per line, with positions relative to dir.
func summary(dir string, f *File) []string {
	rel := func(p Pos) string { return strings.TrimPrefix(p.String(), dir+string(filepath.Separator)) }
	var out []string
	for _, r := range f.Requirements {
		s := rel(r.Pos) + " req " + strings.ReplaceAll(r.Requirement.String(), dir, "DIR")
		for _, h := range r.Hashes {
			s += " " + h.String()[:9]
		}
		if r.Wheel != nil {
			s += " wheel=" + r.Wheel.Version.String()
		}
		out = append(out, s)
	}
	for _, r := range f.Constraints {
		out = append(out, rel(r.Pos)+" constraint "+r.Requirement.String())
	}
	if f.IndexURL != nil {
		out = append(out, rel(f.IndexURL.Pos)+" index "+f.IndexURL.Value)
	}
	for _, v := range f.ExtraIndexURLs {
		out = append(out, rel(v.Pos)+" extra-index "+v.Value)
	}
	if f.NoIndex != nil {
		out = append(out, rel(*f.NoIndex)+" no-index")
	}
	for _, v := range f.FindLinks {
		out = append(out, rel(v.Pos)+" find-links "+strings.TrimPrefix(v.Value, dir+string(filepath.Separator)))
	}
	for _, v := range f.TrustedHosts {
		out = append(out, rel(v.Pos)+" trusted-host "+v.Value)
	}
	if f.Pre != nil {
		out = append(out, rel(*f.Pre)+" pre")
	}
	if f.HashMode {
		out = append(out, "hash-mode from "+rel(*f.HashModeFrom))
	}
	return out
}

func TestParse(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{
			name: "requirements, comments and blank lines",
			files: map[string]string{"requirements.txt": "# a comment\n\nrequests[socks] >= 2.8 ; python_version >= '3.8'  # trailing comment\n" +
				"Django (>=4,<5)\n  \t\nnumpy==1.26.4\n"},
			want: []string{
				`requirements.txt:3 req requests[socks]>=2.8; python_version >= "3.8"`,
				"requirements.txt:4 req Django<5,>=4",
				"requirements.txt:6 req numpy==1.26.4",
			},
		},
		{
			name: "continuations keep the first line number, with hashes",
			files: map[string]string{"requirements.txt": "# pip-compile output\nrequests==2.31.0 \\\n    --hash=" + hashA + " \\\n    --hash=" + hashB + "\n" +
				"idna==3.7 --hash=" + hashA + "\n"},
			want: []string{
				"requirements.txt:2 req requests==2.31.0 sha256:aa sha256:bb",
				"requirements.txt:5 req idna==3.7 sha256:aa",
				"hash-mode from requirements.txt:2",
			},
		},
		{
			name:  "a comment line is not continued; a trailing backslash on the last line goes",
			files: map[string]string{"requirements.txt": "# note \\\nsix\nattrs \\"},
			want:  []string{"requirements.txt:2 req six", "requirements.txt:3 req attrs"},
		},
		{
			name:  "a continuation ended by a comment line",
			files: map[string]string{"requirements.txt": "six \\\n# why\ntoml"},
			want:  []string{"requirements.txt:1 req six", "requirements.txt:3 req toml"},
		},
		{
			name:  "Python line breaks",
			files: map[string]string{"requirements.txt": "six\ftoml\r\nattrs\rpytz\u2028idna"},
			want:  []string{"requirements.txt:1 req six", "requirements.txt:2 req toml", "requirements.txt:3 req attrs", "requirements.txt:4 req pytz", "requirements.txt:5 req idna"},
		},
		{
			name: "index options: a later -i replaces earlier extra indexes; on one line -i comes first, as in pip",
			files: map[string]string{"requirements.txt": "--extra-index-url https://a.example.com/simple\n-i https://z.example.com/simple\n" +
				"--extra-index-url=https://user:${TOKEN}@c.example.com/simple\n--extra-index https://${HOST}/simple --index-url https://b.example.com/simple\n--trusted-host c.example.com\n" +
				"-f ./wheels\n-f https://d.example.com/links/\n--pre\n--only-binary :all:\n--prefer-binary\n--use-feature fast-deps\n--no-binary :none:\nsix\n"},
			want: []string{
				"requirements.txt:13 req six",
				"requirements.txt:4 index https://b.example.com/simple",
				"requirements.txt:4 extra-index https://pypi.example.com/simple",
				"requirements.txt:6 find-links ./wheels",
				"requirements.txt:7 find-links https://d.example.com/links/",
				"requirements.txt:5 trusted-host c.example.com",
				"requirements.txt:8 pre",
			},
		},
		{
			name:  "credentials from variables reach the index URL (masking is the reader's job)",
			files: map[string]string{"requirements.txt": "--extra-index-url https://user:${TOKEN}@c.example.com/simple\n"},
			want:  []string{"requirements.txt:1 extra-index https://user:s3cr3t@c.example.com/simple"},
		},
		{
			name:  "--no-index drops indexes and ignores later ones",
			files: map[string]string{"requirements.txt": "-i https://a.example.com/simple\n--no-index\n--extra-index-url https://b.example.com/simple\n-f wheels\nsix\n", "wheels/.keep": ""},
			want:  []string{"requirements.txt:5 req six", "requirements.txt:2 no-index", "requirements.txt:4 find-links wheels"},
		},
		{
			name: "variables: only ${UPPER}, set and non-empty",
			files: map[string]string{"requirements.txt": "six @ https://${HOST}/six-1.16.0-py2.py3-none-any.whl\n" +
				"-i https://$HOST/${lower}/${EMPTY}/${UNSET}/simple\n"},
			want: []string{
				"requirements.txt:1 req six @ https://pypi.example.com/six-1.16.0-py2.py3-none-any.whl wheel=1.16.0",
				"requirements.txt:2 index https://$HOST/${lower}/${EMPTY}/${UNSET}/simple",
			},
		},
		{
			name: "nested files relative to the including file, constraints",
			files: map[string]string{
				"requirements.txt":  "-r sub/base.txt\n--constraint sub/pins.txt\nflask\n",
				"sub/base.txt":      "six\n-r ../common.txt\n",
				"common.txt":        "attrs\n",
				"sub/pins.txt":      "flask==3.0.0\n-r more.txt\n-c more-pins.txt\n",
				"sub/more.txt":      "click\n",
				"sub/more-pins.txt": "click<9\n",
			},
			want: []string{
				"sub/base.txt:1 req six",
				"common.txt:1 req attrs",
				"sub/more.txt:1 req click", // pip: -r inside a constraints file adds requirements
				"requirements.txt:3 req flask",
				"sub/pins.txt:1 constraint flask==3.0.0",
				"sub/more-pins.txt:1 constraint click<9",
			},
		},
		{
			name:  "a file included twice side by side is no cycle",
			files: map[string]string{"requirements.txt": "-r a.txt\n-r a.txt\n", "a.txt": "six\n"},
			want:  []string{"a.txt:1 req six", "a.txt:1 req six"},
		},
		{
			name: "wheels by URL, bare URL with its marker after '; ', and local path",
			files: map[string]string{
				"requirements.txt": "https://h.example.com/p/six-1.16.0-py2.py3-none-any.whl; python_version >= '3'\n" +
					"https://h.example.com/p/attrs-23.1.0-py3-none-any.whl#sha256=abc\n" +
					"./wheels/toml-0.10.2-py2.py3-none-any.whl[extra]\n" +
					"idna @ file:///tmp/idna-3.7-py3-none-any.whl\n",
				"wheels/toml-0.10.2-py2.py3-none-any.whl": "",
			},
			want: []string{
				`requirements.txt:1 req six @ https://h.example.com/p/six-1.16.0-py2.py3-none-any.whl ; python_version >= "3" wheel=1.16.0`,
				"requirements.txt:2 req attrs @ https://h.example.com/p/attrs-23.1.0-py3-none-any.whl#sha256=abc wheel=23.1.0",
				"requirements.txt:3 req toml[extra] @ file://DIR/wheels/toml-0.10.2-py2.py3-none-any.whl wheel=0.10.2",
				"requirements.txt:4 req idna @ file:///tmp/idna-3.7-py3-none-any.whl wheel=3.7",
			},
		},
		{
			name: "hash mode: hashes and pins may come from constraints",
			files: map[string]string{
				"requirements.txt": "-c pins.txt\nsix\nattrs==23.1.0 --hash=" + hashA + "\n",
				"pins.txt":         "six==1.16.0 --hash=" + hashB + "\n",
			},
			want: []string{
				"requirements.txt:2 req six",
				"requirements.txt:3 req attrs==23.1.0 sha256:aa",
				"pins.txt:1 constraint six==1.16.0",
				"hash-mode from pins.txt:1",
			},
		},
		{
			name:  "--no-require-hashes keeps hashes without the mode",
			files: map[string]string{"requirements.txt": "--no-require-hashes\nsix --hash=" + hashA + "\nattrs\n"},
			want:  []string{"requirements.txt:2 req six sha256:aa", "requirements.txt:3 req attrs"},
		},
		{
			name:  "UTF-8 byte-order mark",
			files: map[string]string{"requirements.txt": "\ufeffsix\n"},
			want:  []string{"requirements.txt:1 req six"},
		},
		{
			name:  "UTF-16 with a byte-order mark",
			files: map[string]string{"requirements.txt": string([]byte{0xff, 0xfe, 's', 0, 'i', 0, 'x', 0, '\n', 0, 'a', 0})},
			want:  []string{"requirements.txt:1 req six", "requirements.txt:2 req a"},
		},
		{
			name:  "PEP 263 coding comment",
			files: map[string]string{"requirements.txt": "# -*- coding: latin-1 -*-\nsix ; os_name == '\xe9'\n"},
			want:  []string{`requirements.txt:2 req six; os_name == "é"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := setup(t, tt.files)
			f, err := parse(t, dir)
			if err != nil {
				t.Fatal(err)
			}
			got := summary(dir, f)
			if !slices.Equal(got, tt.want) {
				t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(tt.want, "\n  "))
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"editable", map[string]string{"requirements.txt": "six\n-e .\n"},
			`requirements.txt:2: editable requirement "." (editable installs need a build; this action installs wheels only: list the package by name, or build a wheel and reference it)`},
		{"editable long form", map[string]string{"requirements.txt": "--editable=git+https://github.com/x/y.git#egg=y\n"},
			`requirements.txt:1: editable requirement "git+https://github.com/x/y.git#egg=y" (editable installs need a build; this action installs wheels only: list the package by name, or build a wheel and reference it)`},
		{"sdist URL", map[string]string{"requirements.txt": "\nhttps://files.example.com/six-1.16.0.tar.gz\n"},
			`requirements.txt:2: "https://files.example.com/six-1.16.0.tar.gz" is a source distribution, which needs a build (this action installs wheels only: use a wheel URL, or the released version from an index)`},
		{"sdist by name @ URL", map[string]string{"requirements.txt": "six @ https://files.example.com/six-1.16.0.zip\n"},
			`requirements.txt:1: "six @ https://files.example.com/six-1.16.0.zip" is a source distribution, which needs a build (this action installs wheels only: use a wheel URL, or the released version from an index)`},
		{"sdist path", map[string]string{"requirements.txt": "dist/six-1.16.0.tar.gz\n", "dist/six-1.16.0.tar.gz": ""},
			`requirements.txt:1: "dist/six-1.16.0.tar.gz" is a source distribution, which needs a build (this action installs wheels only: use a wheel URL, or the released version from an index)`},
		{"VCS URL", map[string]string{"requirements.txt": "git+https://github.com/benjaminp/six.git@1.16.0#egg=six\n"},
			`requirements.txt:1: "git+https://github.com/benjaminp/six.git@1.16.0#egg=six" is a version-control URL, which needs a build (this action installs wheels only: build a wheel and reference it, or use a released version from an index)`},
		{"VCS by name @ URL (a user name is masked too, as pip does)", map[string]string{"requirements.txt": "six @ git+ssh://git@github.com/benjaminp/six.git\n"},
			`requirements.txt:1: "six @ git+ssh://****@github.com/benjaminp/six.git" is a version-control URL, which needs a build (this action installs wheels only: build a wheel and reference it, or use a released version from an index)`},
		{"URL that is no wheel", map[string]string{"requirements.txt": "six @ https://example.com/six\n"},
			`requirements.txt:1: "six @ https://example.com/six" does not point to a wheel (.whl) (this action installs wheels only)`},
		{"wheel name differs", map[string]string{"requirements.txt": "attrs @ https://example.com/six-1.16.0-py3-none-any.whl\n"},
			`requirements.txt:1: "attrs @ https://example.com/six-1.16.0-py3-none-any.whl" names attrs, but the wheel is six (make the name before @ match the wheel's)`},
		{"project folder", map[string]string{"requirements.txt": "./src/pkg\n", "src/pkg/pyproject.toml": ""},
			`requirements.txt:1: "./src/pkg" is a project folder, which needs a build (this action installs wheels only: build a wheel and reference it, or list the package by name)`},
		{"missing wheel file", map[string]string{"requirements.txt": "./wheels/six-1.16.0-py3-none-any.whl\n"},
			`requirements.txt:1: "./wheels/six-1.16.0-py3-none-any.whl" looks like a file, but it does not exist (bare paths are relative to the working directory DIR)`},
		{"unknown option", map[string]string{"requirements.txt": "--frobnicate\n"},
			`requirements.txt:1: no such option: --frobnicate (requirements files accept -r, -c, -i, --extra-index-url, -f, --no-index, --pre, --only-binary, --prefer-binary, --trusted-host, --require-hashes and --hash)`},
		{"ambiguous option", map[string]string{"requirements.txt": "--no-\n"},
			`requirements.txt:1: ambiguous option: --no- (--no-index, --no-binary, --no-require-hashes?)`},
		{"option without its value", map[string]string{"requirements.txt": "six\n-r\n"},
			`requirements.txt:2: -r option requires 1 argument (give its value after it, on the same line)`},
		{"bad requirement, = for ==", map[string]string{"requirements.txt": "six=1.16\n"},
			`requirements.txt:1: invalid requirement "six=1.16": Expected semicolon (after name with no version specifier) or end (at column 4) (= is not a valid operator: did you mean ==?)`},
		{"bad requirement after expansion shows the line as written", map[string]string{"requirements.txt": "six ${TOKEN}\n"},
			`requirements.txt:1: invalid requirement "six ${TOKEN}": Expected semicolon (after name with no version specifier) or end (see https://pip.pypa.io/en/stable/reference/requirements-file-format/)`},
		{"bad marker", map[string]string{"requirements.txt": "six; python_version >> '3'\n"},
			`requirements.txt:1: invalid marker in "six; python_version >> '3'": Expected a marker variable or quoted string (at column 17) (see https://packaging.python.org/specifications/dependency-specifiers/#environment-markers)`},
		{"missing nested file", map[string]string{"requirements.txt": "six\n\n-r dev.txt\n"},
			`requirements.txt:3: cannot open requirements file dev.txt: no such file or directory (check the path; -r and -c paths are relative to the file that names them)`},
		{"missing top file", map[string]string{},
			`requirements.txt: cannot open requirements file requirements.txt: no such file or directory (check the path)`},
		{"cycle", map[string]string{"requirements.txt": "-r a.txt\n", "a.txt": "six\n-r b.txt\n", "b.txt": "\n-r ./a.txt\n"},
			`b.txt:2: -r ./a.txt includes itself: a.txt -> b.txt -> a.txt (remove one of the -r/-c lines of the cycle)`},
		{"file includes itself", map[string]string{"requirements.txt": "-c requirements.txt\n"},
			`requirements.txt:1: -c requirements.txt includes itself: requirements.txt -> requirements.txt (remove one of the -r/-c lines of the cycle)`},
		{"remote include", map[string]string{"requirements.txt": "-r https://user:pw@example.com/r.txt\n"},
			`requirements.txt:1: -r https://****@example.com/r.txt: remote requirements files are not supported (download the file in an earlier step and name its path)`},
		{"hash on an option line", map[string]string{"requirements.txt": "six==1.16.0\n--hash=" + hashA + "\n"},
			`requirements.txt:2: --hash is not on a requirement's line (put it on the line of its requirement; end the lines before with \ to continue them)`},
		{"bad hash algorithm", map[string]string{"requirements.txt": "six==1.16.0 --hash=md5:abc\n"},
			`requirements.txt:1: --hash "md5:abc": the allowed hash algorithms are sha256, sha384, sha512 (copy the hash from the index or from pip hash)`},
		{"bad hash digest", map[string]string{"requirements.txt": "six==1.16.0 --hash=sha256:abc\n"},
			`requirements.txt:1: --hash "sha256:abc": a sha256 digest is 64 hexadecimal digits (copy the hash from the index or from pip hash)`},
		{"hash mode: unpinned", map[string]string{"requirements.txt": "six==1.16.0 --hash=" + hashA + "\nattrs>=23 --hash=" + hashB + "\n"},
			`requirements.txt:2: attrs>=23 is not pinned, but hash-checking mode is on (since requirements.txt:1) (pin one version with ==, like attrs==<version>)`},
		{"hash mode: no hash", map[string]string{"requirements.txt": "--require-hashes\nsix==1.16.0\n"},
			`requirements.txt:2: six has no --hash, but hash-checking mode is on (since requirements.txt:1) (add --hash=sha256:<digest> for each of its files, or remove every --hash and --require-hashes)`},
		{"hash mode switches", map[string]string{"requirements.txt": "--require-hashes\n--no-require-hashes\n"},
			`requirements.txt:1: --require-hashes and --no-require-hashes are both given (keep one of them)`},
		{"constraint with extras", map[string]string{"requirements.txt": "-c c.txt\n", "c.txt": "requests[socks]==2.31.0\n"},
			`c.txt:1: constraint requests[socks]==2.31.0 has extras (constraints restrict versions only: drop the [extras])`},
		{"words pip would ignore", map[string]string{"requirements.txt": "-r a.txt b.txt\n", "a.txt": ""},
			`requirements.txt:1: unexpected "b.txt" after the options (pip would ignore it silently; put one requirement or option group per line)`},
		{"global option on a requirement line", map[string]string{"requirements.txt": "six --pre\n"},
			`requirements.txt:1: --pre on a requirement's line has no effect (pip ignores it there: put it on a line of its own)`},
		{"--no-binary", map[string]string{"requirements.txt": "--no-binary :all:\n"},
			`requirements.txt:1: --no-binary :all: asks for a build from source (this action installs wheels only: remove it)`},
		{"unclosed quote", map[string]string{"requirements.txt": "six --hash='sha256:x\n"},
			`requirements.txt:1: cannot split the options "--hash='sha256:x": no closing quotation (close the quote or escape the character)`},
		{"credentials in a bad requirement are masked", map[string]string{"requirements.txt": "six @ https://me:hunter2@h.example.com/six.tar.gz\n"},
			`requirements.txt:1: "six @ https://****@h.example.com/six.tar.gz" is a source distribution, which needs a build (this action installs wheels only: use a wheel URL, or the released version from an index)`},
		{"a nested file named through a variable is shown as written", map[string]string{"requirements.txt": "-c ${TOKEN}.txt\n"},
			`requirements.txt:1: cannot open constraints file ${TOKEN}.txt: no such file or directory (check the path; -r and -c paths are relative to the file that names them)`},
		{"an editable through a variable is shown as written", map[string]string{"requirements.txt": "-e ${TOKEN}\n"},
			`requirements.txt:1: editable requirement "${TOKEN}" (editable installs need a build; this action installs wheels only: list the package by name, or build a wheel and reference it)`},
		{"not UTF-8", map[string]string{"requirements.txt": "six ; os_name == '\xe9'\n"},
			`requirements.txt: the file is not valid UTF-8 (save it as UTF-8, or declare its encoding on the first line, like # -*- coding: latin-1 -*-)`},
		{"over 8 MiB", map[string]string{"requirements.txt": "six\n" + strings.Repeat("#", 8<<20)},
			`requirements.txt: requirements file is larger than 8 MiB (is this really a requirements file?)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := setup(t, tt.files)
			_, err := parse(t, dir)
			if err == nil {
				t.Fatal("no error")
			}
			if got := strings.ReplaceAll(err.Error(), dir, "DIR"); got != tt.want {
				t.Errorf("error\n  %s\nwant\n  %s", got, tt.want)
			}
			if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), testEnv["TOKEN"]) {
				t.Errorf("a secret leaked into %q", err)
			}
		})
	}
}

// TestFileDigests: every file read, nested -r and -c included, has the sha256 of its
// bytes as read (a byte-order mark is part of them), in the order of Files.
func TestFileDigests(t *testing.T) {
	files := map[string]string{
		"requirements.txt": "-r sub/base.txt\n-c constraints.txt\nsix\n-r sub/base.txt\n",
		"sub/base.txt":     "\ufeffattrs\n",
		"constraints.txt":  "six<2\n",
	}
	dir := setup(t, files)
	f, err := parse(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	order := []string{"requirements.txt", "sub/base.txt", "constraints.txt", "sub/base.txt"}
	if len(f.Files) != len(order) || len(f.SHA256) != len(order) {
		t.Fatalf("Files %q, SHA256 %q: want %d of each", f.Files, f.SHA256, len(order))
	}
	for i, name := range order {
		sum := sha256.Sum256([]byte(files[name]))
		if f.Files[i] != filepath.Join(dir, name) || f.SHA256[i] != hex.EncodeToString(sum[:]) {
			t.Errorf("file %d: %s %s, want %s %x", i, f.Files[i], f.SHA256[i], name, sum)
		}
	}
}

func TestParseCanceled(t *testing.T) {
	dir := setup(t, map[string]string{"requirements.txt": "six\n"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Parse(ctx, filepath.Join(dir, "requirements.txt"))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
}

func TestErrorWrapsCause(t *testing.T) {
	dir := setup(t, map[string]string{"requirements.txt": "-r missing.txt\n"})
	_, err := Parse(context.Background(), filepath.Join(dir, "requirements.txt"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("error %v does not wrap fs.ErrNotExist", err)
	}
}

func TestErrorFields(t *testing.T) {
	dir := setup(t, map[string]string{"requirements.txt": "six\n\n\nsix=1\n"})
	_, err := Parse(context.Background(), filepath.Join(dir, "requirements.txt"), WithWorkDir(dir))
	var e *Error
	if !errors.As(err, &e) || e.Line != 4 || e.File != filepath.Join(dir, "requirements.txt") || e.Hint == "" || e.Err == nil {
		t.Errorf("error %#v", err)
	}
}

func TestInternals(t *testing.T) {
	// shlex in POSIX mode, as pip splits options.
	words, err := shlexSplit(`--hash='sha256:a b' "x\"y\\z" a\ b --q`)
	if err != nil || strings.Join(words, "|") != `--hash=sha256:a b|x"y\z|a b|--q` {
		t.Errorf("shlexSplit = %q, %v", words, err)
	}
	if _, err := shlexSplit(`trailing\`); err == nil || err.Error() != "no escaped character" {
		t.Errorf("trailing backslash: %v", err)
	}
	// Long options by unique prefix, short options with attached values.
	opts, stray, err := parseOptions([]string{"--extra", "u", "-rfile.txt", "--ind=i", "x", "--", "--pre"})
	if err != nil || len(opts) != 3 || opts[0].name != "extra-index-url" || opts[1].value != "file.txt" ||
		opts[2].name != "index-url" || strings.Join(stray, " ") != "x --pre" {
		t.Errorf("parseOptions = %+v, %q, %v", opts, stray, err)
	}
}
