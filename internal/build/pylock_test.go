package build

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

type lockDoc struct {
	LockVersion    string   `toml:"lock-version"`
	Environments   []string `toml:"environments"`
	RequiresPython string   `toml:"requires-python"`
	CreatedBy      string   `toml:"created-by"`
	Extras         []string `toml:"extras"`
	Groups         []string `toml:"dependency-groups"`
	DefaultGroups  []string `toml:"default-groups"`
	Packages       []struct {
		Name           string `toml:"name"`
		Version        string `toml:"version"`
		RequiresPython string `toml:"requires-python"`
		Index          string `toml:"index"`
		Wheels         []struct {
			Name   string            `toml:"name"`
			URL    string            `toml:"url"`
			Path   string            `toml:"path"`
			Size   int64             `toml:"size"`
			Hashes map[string]string `toml:"hashes"`
		} `toml:"wheels"`
	} `toml:"packages"`
	Tool map[string]map[string][]string `toml:"tool"`
}

func TestPylock(t *testing.T) {
	dir := t.TempDir()
	in := fixtureInput(t, dir, "3.7.0", py310)
	in.Wheels[0].URL = "https://user:s3cret@pypi.example.org/files/x.whl?X-Amz-Signature=abc#sha256=1"
	in.Wheels[0].Index = "https://token:s3cret@pypi.example.org/simple/"
	in.Wheels[1].URL = ""
	in.Exclude = []string{in.Wheels[2].Name}
	res, err := Assemble(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(res.LockPath)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "s3cret") || strings.Contains(string(raw), "Signature") {
		t.Errorf("pylock.toml leaks credentials:\n%s", raw)
	}
	var lock lockDoc
	md, err := toml.Decode(string(raw), &lock)
	if err != nil {
		t.Fatalf("pylock.toml is not TOML: %v\n%s", err, raw)
	}
	if und := md.Undecoded(); len(und) > 0 {
		t.Errorf("keys this test does not know: %v", und)
	}
	if lock.LockVersion != "1.0" || lock.CreatedBy == "" || lock.RequiresPython != "==3.10.*" || len(lock.Environments) != 1 ||
		!strings.Contains(lock.Environments[0], "python_version == '3.10'") {
		t.Errorf("header %+v", lock)
	}
	byName := map[string]Wheel{}
	for _, w := range append([]Wheel{in.Lithops}, in.Wheels...) {
		byName[w.Name] = w
	}
	if len(lock.Packages) != len(res.Distributions) {
		t.Fatalf("%d packages, %d distributions", len(lock.Packages), len(res.Distributions))
	}
	for i, p := range lock.Packages {
		if i > 0 && lock.Packages[i-1].Name >= p.Name {
			t.Errorf("packages not sorted: %s before %s", lock.Packages[i-1].Name, p.Name)
		}
		w, ok := byName[p.Name]
		st, _ := os.Stat(w.Path)
		if !ok || p.Version != w.Version.String() || len(p.Wheels) != 1 || p.Wheels[0].Hashes["sha256"] != w.SHA256 || p.Wheels[0].Size != st.Size() ||
			p.Wheels[0].Name != strings.TrimPrefix(w.Path, dir+"/") || p.RequiresPython != ">=3.6" {
			t.Errorf("package %+v does not match wheel %+v", p, w)
		}
		switch p.Name {
		case in.Wheels[0].Name:
			if p.Wheels[0].URL != "https://pypi.example.org/files/x.whl" || p.Index != "https://pypi.example.org/simple/" {
				t.Errorf("redacted url %q index %q", p.Wheels[0].URL, p.Index)
			}
		case in.Wheels[1].Name:
			if p.Wheels[0].URL != "" || p.Wheels[0].Path != w.Path {
				t.Errorf("no URL: want path, got %+v", p.Wheels[0])
			}
		case in.Wheels[2].Name:
			t.Errorf("excluded %s is in the lock", p.Name)
		default:
			if p.Wheels[0].URL != w.URL {
				t.Errorf("url %q, want %q", p.Wheels[0].URL, w.URL)
			}
		}
	}
	if got := lock.Tool["lithops-fc-runtime"]["excluded"]; len(got) != 1 || got[0] != in.Wheels[2].Name {
		t.Errorf("tool.excluded = %v", got)
	}
}
