package wheeltest

import (
	"os"
	"os/exec"
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
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("SKIPPED: git is not on PATH; Lithops' source is read with git")
	}
	dir := os.Getenv("LITHOPS_SRC")
	if dir == "" {
		dir = MirrorLithops
	}
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("SKIPPED: no Lithops source: set LITHOPS_SRC to a clone of github.com/lithops-cloud/lithops (looked at %s)", dir)
	}
	if err := exec.Command("git", "-C", dir, "rev-parse", "--verify", "--quiet", tag+"^{commit}").Run(); err != nil {
		t.Skipf("SKIPPED: the Lithops source at %s has no tag %s (fetch the tags)", dir, tag)
	}
	return dir
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
