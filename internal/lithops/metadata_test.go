package lithops

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

func TestParseMetadata(t *testing.T) {
	good := `{"preinstalls": [["abc", false], ["lithops", true]], "python_version": "3.10", "lithops_version": "3.7.0"}`
	m, err := ParseMetadata([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Preinstalls) != 2 || m.Preinstalls[1] != (Module{"lithops", true}) || m.PythonVersion != "3.10" || m.LithopsVersion != "3.7.0" {
		t.Errorf("%+v", m)
	}
	if err := m.Check("3.10", "3.7.0"); err != nil {
		t.Errorf("Check: %v", err)
	}
	err = m.Check("3.12", "3.7.1")
	if err == nil || !strings.Contains(err.Error(), `Lithops "3.7.0" but the client will have "3.7.1"`) || !strings.Contains(err.Error(), `Python "3.10" but the client runs "3.12"`) {
		t.Errorf("Check mismatch: %v", err)
	}
	bad := map[string]string{
		`{"Execution": "Finished"}`:                                                   `no "preinstalls"`,
		`{"preinstalls": [], "python_version": "3.10"}`:                               `no "lithops_version"`,
		`{"preinstalls": [["a"]], "python_version": "3", "lithops_version": "x"}`:     "is not [name, is_pkg]",
		`{"preinstalls": [[1, true]], "python_version": "3", "lithops_version": "x"}`: "name is not a string",
		`["x"]`: "not a JSON object",
		`{"errorMessage": "boom", "errorType": "ImportError"}`: `no "preinstalls"`,
	}
	for in, want := range bad {
		if _, err := ParseMetadata([]byte(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseMetadata(%s) = %v, want %q", in, err, want)
		}
	}
	// Round trip through JSON keeps the [name, is_pkg] shape.
	b, _ := json.Marshal(m)
	if string(b) != `{"preinstalls":[["abc",false],["lithops",true]],"python_version":"3.10","lithops_version":"3.7.0"}` {
		t.Errorf("Marshal: %s", b)
	}
}

// TestPublishedMatchesLithops compares Published with what Lithops writes: json.dumps of
// the metadata dict plus runtime_timeout, done here by Python itself.
func TestPublishedMatchesLithops(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("SKIPPED: python3 is not on PATH")
	}
	m := Metadata{
		Preinstalls:    []Module{{"_ctypes", false}, {"données", true}, {"quote\"back\\slash", false}, {"ctl\x01\x7f\t", false}, {"emoji😀", true}},
		PythonVersion:  "3.12",
		LithopsVersion: "3.7.0",
	}
	in, _ := json.Marshal(m)
	script := `import json, sys
meta = json.loads(sys.argv[1])
meta["runtime_timeout"] = 300
sys.stdout.write(json.dumps(meta))`
	want, err := exec.Command("python3", "-c", script, string(in)).Output()
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Published(300); string(got) != string(want) {
		t.Errorf("Published:\n%s\nLithops writes:\n%s", got, want)
	}
	for _, c := range m.Published(300) {
		if c > 0x7e {
			t.Fatal("Published is not ASCII; Lithops decodes it as ASCII")
		}
	}
}
