package wheeltest

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// MirrorLithops is where the team keeps a bare clone of lithops-cloud/lithops.
const MirrorLithops = "/work/.mirror/lithops-cloud+lithops/repo"

// LithopsSource returns a git folder of Lithops' own source (bare or not) holding tag:
// $LITHOPS_SRC, else the team's mirror. Without one, or without git, the test is skipped
// with a message that says so (a loud skip, never a silent pass).
func LithopsSource(t testing.TB, tag string) string {
	t.Helper()
	dir, missing := FindLithopsSource(tag)
	if missing != "" {
		t.Skip("SKIPPED: " + missing)
	}
	return dir
}

// FindLithopsSource is LithopsSource for tests that have another way to go on: the
// folder, or why there is none.
func FindLithopsSource(tag string) (dir, missing string) {
	if _, err := exec.LookPath("git"); err != nil {
		return "", "git is not on PATH; Lithops' source is read with git"
	}
	dir = os.Getenv("LITHOPS_SRC")
	if dir == "" {
		dir = MirrorLithops
	}
	if _, err := os.Stat(dir); err != nil {
		return "", "no Lithops source: set LITHOPS_SRC to a clone of github.com/lithops-cloud/lithops (looked at " + dir + ")"
	}
	if err := exec.Command("git", "-C", dir, "rev-parse", "--verify", "--quiet", tag+"^{commit}").Run(); err != nil {
		return "", "the Lithops source at " + dir + " has no tag " + tag + " (fetch the tags)"
	}
	return dir, ""
}

// LithopsFile returns the file at path in Lithops' source at tag (see LithopsSource).
func LithopsFile(t testing.TB, tag, path string) []byte {
	t.Helper()
	dir := LithopsSource(t, tag)
	out, err := exec.Command("git", "-C", dir, "show", tag+":"+path).Output()
	if err != nil {
		t.Fatalf("git show %s:%s in %s: %v", tag, path, dir, err)
	}
	return out
}

// LithopsFiles lists the files under prefix in Lithops' source at tag.
func LithopsFiles(t testing.TB, tag, prefix string) []string {
	t.Helper()
	dir := LithopsSource(t, tag)
	out, err := exec.Command("git", "-C", dir, "ls-tree", "-r", "--name-only", tag, "--", prefix).Output()
	if err != nil {
		t.Fatalf("git ls-tree %s %s in %s: %v", tag, prefix, dir, err)
	}
	return strings.Fields(string(out))
}

var installRequiresRE = regexp.MustCompile(`(?s)install_requires\s*=\s*\[(.*?)\]`)
var quotedRE = regexp.MustCompile(`['"]([^'"]+)['"]`)

// LithopsFromSource returns a lithops wheel built from Lithops' own source at tag (see
// LithopsSource): every file under lithops/, the version of lithops/version.py, and
// setup.py's install_requires as Requires-Dist. It is the real Lithops code, packed by
// this package rather than by Lithops' release process.
func LithopsFromSource(t testing.TB, tag string) Wheel {
	t.Helper()
	dir := LithopsSource(t, tag)
	out, err := exec.Command("git", "-C", dir, "archive", "--format=tar", tag, "lithops", "setup.py").Output()
	if err != nil {
		t.Fatalf("git archive %s in %s: %v", tag, dir, err)
	}
	files := map[string][]byte{}
	var setup []byte
	tr := tar.NewReader(bytes.NewReader(out))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("git archive %s: %v", tag, err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		if h.Name == "setup.py" {
			setup = data
			continue
		}
		files[h.Name] = data
	}
	m := regexp.MustCompile(`__version__\s*=\s*['"]([^'"]+)['"]`).FindSubmatch(files["lithops/version.py"])
	if m == nil {
		t.Fatalf("lithops/version.py at %s has no __version__", tag)
	}
	var requires []string
	if r := installRequiresRE.FindSubmatch(setup); r != nil {
		for _, q := range quotedRE.FindAllSubmatch(r[1], -1) {
			requires = append(requires, string(q[1]))
		}
	}
	return Wheel{Name: "lithops", Version: string(m[1]), Files: files,
		Metadata: Metadata{Summary: "Lithops " + tag + " from its own source, packed by wheeltest (not a release wheel)", RequiresPython: ">=3.6", RequiresDist: requires}}
}
