package pep508

import (
	"errors"
	"testing"
)

func TestMarkerString(t *testing.T) {
	tests := []struct{ in, want string }{
		{`(os_name == "a")`, `os_name == "a"`},
		{`((os_name == "a" and sys_platform=="b")) or (python_version > "3")`, `(os_name == "a" and sys_platform == "b") or python_version > "3"`},
		{`os_name == "a" and (sys_platform=="b" or python_version > "3")`, `os_name == "a" and (sys_platform == "b" or python_version > "3")`},
		{`(os_name == "a") and (sys_platform=="b")`, `os_name == "a" and sys_platform == "b"`},
		{`"Foo_Bar" in extras`, `"foo-bar" in extras`},
		{`'x'=='y'`, `"x" == "y"`},
		{`os_name == "\x22'"`, `os_name == "\x22'"`}, // packaging cannot print this one
	}
	for _, tt := range tests {
		m, err := ParseMarker(tt.in)
		if err != nil {
			t.Errorf("ParseMarker(%q): %v", tt.in, err)
			continue
		}
		if m.String() != tt.want {
			t.Errorf("ParseMarker(%q).String() = %q, want %q", tt.in, m.String(), tt.want)
		}
		again, err := ParseMarker(m.String())
		if err != nil || again.String() != m.String() {
			t.Errorf("%q does not read back: %q, %v", m.String(), again.String(), err)
		}
	}
	if _, err := ParseMarker(`os_name == "a" or`); err == nil || err.Error() != `invalid marker "os_name == \"a\" or": Expected a marker variable or quoted string (at column 18)` {
		t.Errorf("error = %v", err)
	}
}

func TestMarkerEvaluate(t *testing.T) {
	env, err := TargetEnv("3.10.14")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		marker, extra string
		want          bool
		err           error
	}{
		{marker: `python_version in "3.9 3.10"`, want: true}, // substring test, as packaging
		{marker: `python_version ~= "3.9"`, want: true},
		{marker: `python_version > "3.10"`, want: false},
		{marker: `python_full_version >= "3.10.3"`, want: true},
		{marker: `python_version == "3.10.*"`, want: true},
		{marker: `python_full_version === "3.10.14"`, want: true},
		{marker: `platform_release >= "5"`, want: false}, // "" is no version: string rules
		{marker: `python_version == python_full_version`, want: false},
		{marker: `sys_platform == "linux" and platform_machine == "x86_64"`, want: true},
		{marker: `platform_system == "Windows" or os_name == "posix"`, want: true},
		{marker: `extra == "Socks"`, extra: "", want: false},
		{marker: `extra == "Socks"`, extra: "SOCKS", want: true},
		{marker: `extra == "socks-extra"`, extra: "Socks_Extra", want: true},
		{marker: `os_name ~= "posix"`, err: ErrUndefinedComparison},
		{marker: `python_version < "3.11" or extra === "x"`, err: ErrUndefinedComparison}, // every clause is evaluated
		{marker: `"a" in extras`, err: ErrUndefinedName},
		{marker: `"3.10" == "3.10"`, err: ErrUndefinedName},
	}
	for _, tt := range tests {
		m, err := ParseMarker(tt.marker)
		if err != nil {
			t.Errorf("ParseMarker(%q): %v", tt.marker, err)
			continue
		}
		got, err := m.Evaluate(env, tt.extra)
		if tt.err != nil {
			if !errors.Is(err, tt.err) {
				t.Errorf("%q: error %v, want %v", tt.marker, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%q (extra %q) = %v, %v; want %v", tt.marker, tt.extra, got, err, tt.want)
		}
	}
	if ok, err := (Marker{}).Evaluate(env, ""); !ok || err != nil {
		t.Error("the zero Marker must be true")
	}
	m, _ := ParseMarker(`os_name ~= "posix"`)
	_, err = m.Evaluate(env, "")
	if want := `undefined marker comparison: "posix" ~= "posix" (~= needs versions on both sides)`; err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
	// An unreleased build's "3.13.0+" is read as 3.13.0+local, as packaging does.
	dev := env
	dev.PythonFullVersion = "3.13.0+"
	m, _ = ParseMarker(`python_full_version >= "3.13"`)
	if ok, err := m.Evaluate(dev, ""); !ok || err != nil {
		t.Errorf("3.13.0+ >= 3.13: %v, %v", ok, err)
	}
}

func TestTargetEnv(t *testing.T) {
	e, err := TargetEnv("3.12")
	if err != nil {
		t.Fatal(err)
	}
	want := Env{
		ImplementationName: "cpython", ImplementationVersion: "3.12.0", OSName: "posix",
		PlatformMachine: "x86_64", PlatformSystem: "Linux", PythonFullVersion: "3.12.0",
		PlatformPythonImplementation: "CPython", PythonVersion: "3.12", SysPlatform: "linux",
	}
	if e != want {
		t.Errorf("TargetEnv(3.12) = %+v", e)
	}
	if e, _ := TargetEnv("3.13.0rc2"); e.PythonVersion != "3.13" || e.PythonFullVersion != "3.13.0rc2" {
		t.Errorf("TargetEnv(3.13.0rc2) = %+v", e)
	}
	for _, bad := range []string{"3", "3.x", "python3.10", " 3.10", "3.10.1.2"} {
		if _, err := TargetEnv(bad); err == nil {
			t.Errorf("TargetEnv(%q) accepted", bad)
		}
	}
	_, err = TargetEnv("3")
	if want := `python version "3": want X.Y or X.Y.Z, like 3.10 or 3.10.14`; err.Error() != want {
		t.Errorf("error %q", err)
	}
}

func TestPyStringLiteral(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{in: `'plain'`, want: "plain"},
		{in: `'a\tb\\c\'d'`, want: "a\tb\\c'd"},
		{in: `'\x41\101\u00e9\U0001F600'`, want: "AAé😀"},
		{in: `'\d'`, want: `\d`}, // unknown escapes stay
		{in: "'a\\\nb'", want: "ab"},
		{in: "'a\nb'", err: "unterminated string literal"},
		{in: `'\x4'`, err: `truncated \x escape`},
		{in: `'\U00110000'`, err: "illegal Unicode character"},
		{in: "'a\x00'", err: "source code string cannot contain null bytes"},
	}
	for _, tt := range tests {
		got, err := pyStringLiteral(tt.in)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("pyStringLiteral(%q) error = %v, want %s", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("pyStringLiteral(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}
