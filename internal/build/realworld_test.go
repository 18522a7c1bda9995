package build

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/lithops-fc/runtime-action/internal/python/tags"
	"github.com/lithops-fc/runtime-action/internal/python/wheeltest"
)

// recordOracle lists, with Python's zipfile/hashlib/csv, the wheels in dir whose files do
// not match their RECORD: an independent judge for Inspect.
const recordOracle = `
import base64, csv, hashlib, io, os, sys, zipfile
for name in sorted(os.listdir(sys.argv[1])):
    z = zipfile.ZipFile(os.path.join(sys.argv[1], name))
    rec = [n for n in z.namelist() if n.endswith('.dist-info/RECORD')][0]
    rows = {r[0]: r for r in csv.reader(io.StringIO(z.read(rec).decode())) if r}
    for n in z.namelist():
        if n == rec or n.endswith('/'):
            continue
        algo, _, digest = rows[n][1].partition('=')
        got = base64.urlsafe_b64encode(hashlib.new(algo, z.read(n)).digest()).rstrip(b'=').decode()
        if got != digest:
            print(name, n)
            break
`

// TestInspectRealWheels runs every real-world wheel through Inspect. Exactly the wheels
// Python finds inconsistent with their RECORD must be refused. (On the build machines
// the CA bundles of certifi, botocore and pip were edited after installation, so their
// repacked wheels are genuinely tampered with.)
func TestInspectRealWheels(t *testing.T) {
	dir := realWheels(t)
	out, err := exec.Command("python3", "-c", recordOracle, dir).Output()
	if err != nil {
		t.Fatalf("record oracle: %v", err)
	}
	bad := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if f := strings.Fields(l); len(f) == 2 {
			bad[f[0]] = f[1]
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.whl"))
	if len(files) < 20 {
		t.Fatalf("only %d real wheels", len(files))
	}
	var elfs, accepted int
	for _, f := range files {
		m, err := Inspect(context.Background(), f)
		if entry, tampered := bad[filepath.Base(f)]; tampered {
			var we *WheelError
			if !errors.As(err, &we) || we.Entry != entry || !strings.Contains(we.Problem, "RECORD hash") {
				t.Errorf("%s: Python finds %s altered; Inspect says %v", filepath.Base(f), entry, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		accepted++
		if len(m.TopLevel) == 0 {
			t.Errorf("%s: no top-level modules", filepath.Base(f))
		}
		for _, e := range m.Entries {
			if e.ELF != nil {
				elfs++
			}
		}
	}
	if elfs == 0 {
		t.Error("no ELF files found among the real wheels")
	}
	var refused []string
	for k := range bad {
		refused = append(refused, k)
	}
	sort.Strings(refused)
	t.Logf("%d wheels accepted (%d ELF files), refused as altered after install: %v", accepted, elfs, refused)
}

// realWheelhouse describes every real-world wheel Inspect accepts, with its manifest
// (the warm-cache state).
func realWheelhouse(tb testing.TB) []Wheel {
	files, _ := filepath.Glob(filepath.Join(realWheels(tb), "*.whl"))
	var out []Wheel
	for _, f := range files {
		m, err := Inspect(context.Background(), f)
		if err != nil {
			continue // altered after installation on this machine, see TestInspectRealWheels
		}
		w := realWheel(tb, strings.SplitN(filepath.Base(f), "-", 2)[0])
		w.Manifest = m
		out = append(out, w)
	}
	return out
}

// BenchmarkAssembleRealWheelhouse is a warm build (manifests cached) of every accepted
// real-world wheel plus the lithops fixture: raw copy only.
func BenchmarkAssembleRealWheelhouse(b *testing.B) {
	dir := b.TempDir()
	in := fixtureInput(b, dir, "3.7.0", tags.Target{Python: [2]int{3, 12}, Glibc: tags.Glibc{Major: 2, Minor: 34}})
	in.Wheels = nil // the real wheelhouse has its own six, cloudpickle and friends
	for _, w := range []string{"pika", "tblib", "ps-mem", "psutil"} {
		in.Wheels = append(in.Wheels, fixtureWheel(b, dir, wheeltest.Worker(w)))
	}
	for i := range in.Wheels {
		in.Wheels[i].Manifest, _ = Inspect(context.Background(), in.Wheels[i].Path)
	}
	in.Lithops.Manifest, _ = Inspect(context.Background(), in.Lithops.Path)
	in.Wheels = append(in.Wheels, realWheelhouse(b)...)
	res, err := Assemble(context.Background(), in)
	if err != nil {
		b.Fatal(err)
	}
	var unpacked int64
	for _, d := range res.Distributions {
		unpacked += d.Uncompressed
	}
	b.Logf("%d distributions, %d entries, %.1f MB zip (%.1f MB unpacked)", len(res.Distributions), res.Entries, float64(res.Size)/1e6, float64(unpacked)/1e6)
	b.SetBytes(res.Size)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := Assemble(context.Background(), in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInspectRealWheelhouse is the one-time verification of the same wheels.
func BenchmarkInspectRealWheelhouse(b *testing.B) {
	files, _ := filepath.Glob(filepath.Join(realWheels(b), "*.whl"))
	var total int64
	for _, f := range files {
		st, _ := os.Stat(f)
		total += st.Size()
	}
	b.SetBytes(total)
	b.ReportAllocs()
	for b.Loop() {
		for _, f := range files {
			Inspect(context.Background(), f)
		}
	}
}
