package lithops

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/lithops-fc/runtime-action/internal/fcruntime"
)

func mustNew(t *testing.T, v string) Lithops {
	t.Helper()
	l, err := New(v)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestFunctionName(t *testing.T) {
	tests := []struct {
		runtime string
		memory  int
		version string
		want    string // a name, or "error: ..." substrings separated by |
	}{
		// docs/architecture.md's examples ("Lithops").
		{"my_matplotlib_runtime", 256, "3.6.4", "lithops-worker-my_matplotlib_runtime-v3-6-4-323f271e1d"},
		{"default-python-runtime-v312", 1024, "3.7.0", "lithops-worker-default-python-runtime-v312-v3-7-0-74b9c41a6b"},
		{"r", 128, "3.7.1.dev0", "lithops-worker-r-v3-7-1-dev0-"},
		{"x", 256, "3.7.0", "lithops-worker-x-v3-7-0-"},
		{strings.Repeat("a", 30), 256, "3.7.0", "lithops-worker-" + strings.Repeat("a", 30) + "-v3-7-0-"}, // 63 characters
		{strings.Repeat("a", 32), 256, "3.7.0", "error: runtime-name|65 characters; FC allows 64|shorten runtime-name to at most 31 characters"},
		{"my.runtime", 256, "3.7.0", `error: runtime-name "my.runtime" has characters FC does not allow|"."|only letters, digits, _ and -`},
		{"a b/c", 256, "3.7.0", `error: "/"`},
		{"", 256, "3.7.0", "error: runtime-name is empty"},
		{"ok", 256, "3.7.0+local", `error: lithops-version "3.7.0+local"|"+"`},
	}
	for _, tt := range tests {
		l := mustNew(t, tt.version)
		got, err := l.FunctionName(tt.runtime, tt.memory)
		if want, isErr := strings.CutPrefix(tt.want, "error: "); isErr {
			for _, s := range strings.Split(want, "|") {
				if err == nil || !strings.Contains(err.Error(), s) {
					t.Errorf("FunctionName(%q, %d, %s) error = %v, want one containing %q", tt.runtime, tt.memory, tt.version, err, s)
				}
			}
			continue
		}
		if err != nil || !strings.HasPrefix(got, tt.want) || len(got) != len(tt.want)+10*boolInt(strings.HasSuffix(tt.want, "-")) {
			t.Errorf("FunctionName(%q, %d, %s) = %q, %v; want %q", tt.runtime, tt.memory, tt.version, got, err, tt.want)
		}
		if err := CheckFunctionName(got); err != nil {
			t.Errorf("%s: %v", got, err)
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestFunctionNameMatchesLithops recomputes names with Lithops' own formula in Python
// (hashlib.sha1 of "{runtime}-{memory}-{version}").
func TestFunctionNameMatchesLithops(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("SKIPPED: python3 is not on PATH")
	}
	cases := [][3]string{{"default-runtime-v39", "256", "3.6.0"}, {"étrange", "512", "3.7.0"}, {"rt_1", "32768", "3.7.1.dev0"}, {"default-python-runtime-v310", "2048", "3.7.0"}}
	script := `import hashlib, json, sys
out = []
for rt, mem, ver in json.loads(sys.argv[1]):
    h = hashlib.sha1(f"{rt}-{mem}-{ver}".encode("utf-8")).hexdigest()[:10]
    out.append(f"lithops-worker-{rt}-v{ver.replace('.', '-')}-{h}")
print(json.dumps(out))`
	in, _ := json.Marshal(cases)
	out, err := exec.Command("python3", "-c", script, string(in)).Output()
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	json.Unmarshal(out, &want)
	for i, c := range cases {
		mem := map[string]int{"256": 256, "512": 512, "32768": 32768, "2048": 2048}[c[1]]
		got, err := mustNew(t, c[2]).FunctionName(c[0], mem)
		if c[0] == "étrange" {
			// Lithops would build this name, but FC refuses it: we must say so.
			if err == nil {
				t.Errorf("non-ASCII runtime name accepted: %s", got)
			}
			continue
		}
		if err != nil || got != want[i] {
			t.Errorf("FunctionName%v = %q, %v; Lithops computes %q", c, got, err, want[i])
		}
	}
}

func TestCheckFunctionName(t *testing.T) {
	tests := map[string]bool{
		"a": true, "_a": true, "A-b_9": true, strings.Repeat("a", 64): true,
		"": false, "9a": false, "-a": false, "a.b": false, "a b": false, strings.Repeat("a", 65): false, "ä": false,
	}
	for name, ok := range tests {
		if err := CheckFunctionName(name); (err == nil) != ok {
			t.Errorf("CheckFunctionName(%q) = %v, want ok=%v", name, err, ok)
		}
	}
}

func TestVersionRules(t *testing.T) {
	tests := []struct {
		version      string
		api          fcruntime.API
		runtime39    string
		workers      string
		runtimeKeyFC string
	}{
		{"3.0.0", fcruntime.FC2, "default-runtime-v39", "pika tblib cloudpickle ps-mem", "aliyun_fc/3.0.0/cn-hangzhou/lithops_ltai/F"},
		{"3.1.0", fcruntime.FC2, "default-runtime-v39", "pika tblib cloudpickle ps-mem", "aliyun_fc/3.1.0/cn-hangzhou/lithops_ltai/F"},
		{"3.1.1", fcruntime.FC2, "default-runtime-v39", "pika tblib cloudpickle ps-mem psutil", "aliyun_fc/3.1.1/cn-hangzhou/lithops_ltai/F"},
		{"3.6.4", fcruntime.FC2, "default-runtime-v39", "pika tblib cloudpickle ps-mem psutil", "aliyun_fc/3.6.4/cn-hangzhou/lithops_ltai/F"},
		{"3.6.5.dev0", fcruntime.FC2, "default-runtime-v39", "pika tblib cloudpickle ps-mem psutil", "aliyun_fc/3.6.5.dev0/cn-hangzhou/lithops_ltai/F"},
		{"3.7.0rc1", fcruntime.FC3, "default-python-runtime-v39", "six pika tblib cloudpickle ps-mem psutil", "aliyun_fc/3.7.0rc1/cn-hangzhou/F"},
		{"3.7.0", fcruntime.FC3, "default-python-runtime-v39", "six pika tblib cloudpickle ps-mem psutil", "aliyun_fc/3.7.0/cn-hangzhou/F"},
		{"3.7.1.dev0", fcruntime.FC3, "default-python-runtime-v39", "six pika tblib cloudpickle ps-mem psutil", "aliyun_fc/3.7.1.dev0/cn-hangzhou/F"},
		{"4", fcruntime.FC3, "default-python-runtime-v39", "six pika tblib cloudpickle ps-mem psutil", "aliyun_fc/4/cn-hangzhou/F"},
	}
	for _, tt := range tests {
		l := mustNew(t, tt.version)
		if l.API() != tt.api {
			t.Errorf("%s: API %s, want %s", tt.version, l.API(), tt.api)
		}
		if got, err := l.DefaultRuntimeName("3.9"); got != tt.runtime39 || err != nil {
			t.Errorf("%s: DefaultRuntimeName(3.9) = %q, %v", tt.version, got, err)
		}
		if got := strings.Join(l.WorkerModules(), " "); got != tt.workers {
			t.Errorf("%s: WorkerModules = %s, want %s", tt.version, got, tt.workers)
		}
		if got, err := l.RuntimeKey("cn-hangzhou", "lithops_ltai", "F"); got != tt.runtimeKeyFC || err != nil {
			t.Errorf("%s: RuntimeKey = %q, %v, want %q", tt.version, got, err, tt.runtimeKeyFC)
		}
	}
	l := mustNew(t, "3.7.0")
	for py, want := range map[string]string{"3.12": "default-python-runtime-v312", "3.10.14": "default-python-runtime-v310", "3": "", "x.y": "", "3.10.1.2": ""} {
		got, err := l.DefaultRuntimeName(py)
		if got != want || (want == "") != (err != nil) {
			t.Errorf("DefaultRuntimeName(%q) = %q, %v; want %q", py, got, err, want)
		}
	}
	if got := mustNew(t, "3.6.4"); true {
		if name, _ := got.DefaultRuntimeName("3.10"); name != "default-runtime-v310" {
			t.Errorf("3.6.4 default runtime for 3.10: %s", name)
		}
	}
	for _, bad := range []string{"2.9.0", "banana", " 3.7.0"} {
		if _, err := New(bad); err == nil || !strings.Contains(err.Error(), "lithops-version") {
			t.Errorf("New(%q) = %v, want an error naming lithops-version", bad, err)
		}
	}
	if _, err := mustNew(t, "3.6.4").RuntimeKey("cn-hangzhou", "", "F"); err == nil {
		t.Error("FC 2.0 runtime key without a service accepted")
	}
}

func TestServiceAndARN(t *testing.T) {
	for key, want := range map[string]string{"LTAI5tAbCdEf": "lithops_ltai", "ab": "lithops_ab"} {
		if got, err := DefaultService(key); got != want || err != nil {
			t.Errorf("DefaultService(%q) = %q, %v; want %q", key, got, err, want)
		}
	}
	for _, key := range []string{"", "STS.NUxyz"} {
		if _, err := DefaultService(key); err == nil || !strings.Contains(err.Error(), "set the service input") {
			t.Errorf("DefaultService(%q) = %v", key, err)
		}
	}
	if got := FunctionARN(fcruntime.FC2, "cn-hangzhou", "123", "lithops_ltai", "f"); got != "acs:fc:cn-hangzhou:123:services/lithops_ltai.LATEST/functions/f" {
		t.Errorf("FC2 ARN %s", got)
	}
	if got := FunctionARN(fcruntime.FC3, "cn-hangzhou", "123", "ignored", "f"); got != "acs:fc:cn-hangzhou:123:functions/f" {
		t.Errorf("FC3 ARN %s", got)
	}
	if got := MetaKey("aliyun_fc/3.7.0/cn-hangzhou/f"); got != "lithops.runtimes/aliyun_fc/3.7.0/cn-hangzhou/f.meta.json" {
		t.Errorf("MetaKey %s", got)
	}
}
