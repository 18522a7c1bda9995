package build

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
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
