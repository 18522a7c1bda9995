package lithops

import (
	"encoding/json"
	"math/rand/v2"
	"os/exec"
	"strings"
	"testing"

	"github.com/lithops-fc/runtime-action/internal/fcruntime"
)

// TestParseFunctionName reads back names FunctionName made, for runtime names that hold
// "-v" and digits, pre-release and development versions and every FC memory bound;
// anything Lithops would not have named so is refused.
func TestParseFunctionName(t *testing.T) {
	for _, c := range []struct {
		runtime, version string
		memory           int
	}{
		{"default-python-runtime-v312", "3.7.0", 1024},
		{"default-runtime-v310", "3.6.4", 256},
		{"my-v2-runtime", "3.7.0", fcruntime.MinMemoryMB},
		{"rt-v3-7-0", "3.7.0", fcruntime.MaxMemoryMB},
		{"x", "3.7.1.dev0", 512},
		{"x", "3.8.0rc1", 3008},
		{"_under", "3.0.0", 128},
	} {
		name, err := mustNew(t, c.version).FunctionName(c.runtime, c.memory)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := ParseFunctionName(name)
		if want := (Worker{Name: name, Runtime: c.runtime, Version: c.version, MemoryMB: c.memory}); !ok || got != want {
			t.Errorf("ParseFunctionName(%q) = %+v, %v; want %+v", name, got, ok, want)
		}
		if mem, ok := mustNew(t, c.version).MemoryOf(c.runtime, name); !ok || mem != c.memory {
			t.Errorf("MemoryOf(%q, %q) = %d, %v", c.runtime, name, mem, ok)
		}
		if !strings.HasPrefix(name, mustNew(t, c.version).FunctionPrefix(c.runtime)) {
			t.Errorf("%s does not start with FunctionPrefix(%q)", name, c.runtime)
		}
	}
	good, _ := mustNew(t, "3.7.0").FunctionName("rt", 256)
	for _, name := range []string{
		"lithops-fc-runtime-action-smoke-20250101T000000Z-0a1b2c", // the import check's
		"lithops-worker-rt-v3-7-0-0000000000",                     // a hash of no memory size
		good[:len(good)-1] + "x",                                  // one character off
		good + "0",                                                // one too many
		"lithops-worker-rt-v2-9-0-" + good[len(good)-10:],         // Lithops 2.9: not 3.x's rules
		"lithops-worker-rt-3-7-0-" + good[len(good)-10:],          // no -v
		"lithops-worker--v3-7-0-" + good[len(good)-10:],           // no runtime
		"lithops-worker-rt-vx-y-" + good[len(good)-10:],           // no version
		"my-function", "lithops-worker-", "",
	} {
		if w, ok := ParseFunctionName(name); ok {
			t.Errorf("ParseFunctionName(%q) = %+v, want not a worker", name, w)
		}
	}
	// Another runtime of the same version whose name extends this one's prefix is not it.
	other, _ := mustNew(t, "3.7.0").FunctionName("rt-v3-7-0-x", 256)
	if _, ok := mustNew(t, "3.7.0").MemoryOf("rt", other); ok {
		t.Errorf("MemoryOf(rt, %s) took another runtime's function", other)
	}
}

// TestParseFunctionNameProperty: any name FunctionName makes reads back to what made it.
func TestParseFunctionNameProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const chars = "abcXYZ019_-v"
	versions := []string{"3.0.0", "3.5.1", "3.6.4", "3.7.0", "3.7.1.dev0", "3.10.2", "4.0.0rc2"}
	for range 300 {
		var b strings.Builder
		b.WriteByte("abcv_"[r.IntN(5)])
		for range r.IntN(14) {
			b.WriteByte(chars[r.IntN(len(chars))])
		}
		runtime, version := b.String(), versions[r.IntN(len(versions))]
		mem := fcruntime.MinMemoryMB + fcruntime.MemoryStepMB*r.IntN((fcruntime.MaxMemoryMB-fcruntime.MinMemoryMB)/fcruntime.MemoryStepMB+1)
		name, err := mustNew(t, version).FunctionName(runtime, mem)
		if err != nil {
			continue // too long for FC
		}
		got, ok := ParseFunctionName(name)
		if want := (Worker{Name: name, Runtime: runtime, Version: version, MemoryMB: mem}); !ok || got != want {
			t.Fatalf("ParseFunctionName(%q) = %+v, %v; want %+v", name, got, ok, want)
		}
	}
}

// FuzzParseFunctionName: a name read back as a worker is exactly the name of that
// worker.
func FuzzParseFunctionName(f *testing.F) {
	for _, s := range []string{"lithops-worker-default-python-runtime-v312-v3-7-0-74b9c41a6b", "lithops-worker-a-v3-6-4-0123456789", "lithops-worker-x-v-v3-7-0-abc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		w, ok := ParseFunctionName(name)
		if !ok {
			return
		}
		l, err := New(w.Version)
		if err != nil {
			t.Fatalf("%q read back with version %q: %v", name, w.Version, err)
		}
		if got, err := l.FunctionName(w.Runtime, w.MemoryMB); err != nil || got != name {
			t.Fatalf("%q read back as %+v, which names %q (%v)", name, w, got, err)
		}
	})
}

// TestParseMatchesLithops: Lithops' own _unformat_function_name (run in Python) splits
// the names into the same runtime and version.
func TestParseMatchesLithops(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("SKIPPED: python3 is not on PATH")
	}
	var names []string
	for _, c := range [][2]string{{"default-python-runtime-v312", "3.7.0"}, {"my-v2-rt", "3.6.4"}, {"rt", "3.7.1.dev0"}} {
		n, err := mustNew(t, c[1]).FunctionName(c[0], 512)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	// lithops@3.7.0:lithops/serverless/backends/aliyun_fc/aliyun_fc.py _unformat_function_name
	script := `import json, sys
out = []
for function_name in json.loads(sys.argv[1]):
    runtime_name, _hash = function_name.rsplit('-', 1)
    runtime_name = runtime_name.replace('lithops-worker-', '')
    runtime_name, version = runtime_name.rsplit('-v', 1)
    version = version.replace('-', '.')
    out.append([runtime_name, version])
print(json.dumps(out))`
	in, _ := json.Marshal(names)
	out, err := exec.Command("python3", "-c", script, string(in)).Output()
	if err != nil {
		t.Fatal(err)
	}
	var want [][2]string
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatal(err)
	}
	for i, n := range names {
		w, ok := ParseFunctionName(n)
		if !ok || [2]string{w.Runtime, w.Version} != want[i] {
			t.Errorf("ParseFunctionName(%q) = %+v, %v; Lithops reads %v", n, w, ok, want[i])
		}
	}
}

// TestKeys: the metadata and lock objects of a runtime's functions are under its
// KeyPrefix and read back to their function; other keys are not.
func TestKeys(t *testing.T) {
	for _, c := range []struct{ version, service string }{{"3.7.0", ""}, {"3.6.4", "lithops_ltai"}} {
		l := mustNew(t, c.version)
		prefix, err := l.KeyPrefix("cn-hangzhou", c.service, "rt")
		if err != nil {
			t.Fatal(err)
		}
		fn, _ := l.FunctionName("rt", 512)
		key, _ := l.RuntimeKey("cn-hangzhou", c.service, fn)
		for _, k := range []string{MetaKey(key), LockKey(key)} {
			if got, ok := FunctionOfKey(prefix, k); !ok || got != fn || !strings.HasPrefix(k, prefix) {
				t.Errorf("%s: FunctionOfKey(%q, %q) = %q, %v; want %s", c.version, prefix, k, got, ok, fn)
			}
		}
		other, _ := l.FunctionName("rt2", 512)
		otherKey, _ := l.RuntimeKey("cn-hangzhou", c.service, other)
		for _, k := range []string{MetaKey(otherKey), "lithops.runtimes/" + key + ".json", "lithops.runtimes/" + key + "/x.meta.json"} {
			if got, ok := FunctionOfKey(prefix, k); ok {
				t.Errorf("FunctionOfKey(%q, %q) = %q, want no function", prefix, k, got)
			}
		}
	}
	if got := LockKey("aliyun_fc/3.7.0/cn-hangzhou/f"); got != "lithops.runtimes/aliyun_fc/3.7.0/cn-hangzhou/f.pylock.toml" {
		t.Errorf("LockKey = %s", got)
	}
}

func TestDefaultRuntimeNames(t *testing.T) {
	got, err := DefaultRuntimeNames("3.10")
	if err != nil || strings.Join(got, " ") != "default-runtime-v310 default-python-runtime-v310" {
		t.Errorf("DefaultRuntimeNames(3.10) = %v, %v", got, err)
	}
	for _, v := range []string{"3.6.4", "3.7.0", "3.8.1"} {
		name, _ := mustNew(t, v).DefaultRuntimeName("3.10")
		found := false
		for _, n := range got {
			found = found || n == name
		}
		if !found {
			t.Errorf("Lithops %s's default name %s is not among %v", v, name, got)
		}
	}
}
