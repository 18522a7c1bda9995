package fcemu

import (
	"archive/tar"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUnpackEntryStaysInTheImage: an image whose link leads out of its root cannot make
// a folder out there through it (the check comes before MkdirAll), nor hard-link a file
// from out there; entries inside it still unpack.
func TestUnpackEntryStaysInTheImage(t *testing.T) {
	parent := t.TempDir()
	root := filepath.Join(parent, "image")
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(parent, "secret")
	if err := os.WriteFile(secret, []byte("outside"), 0o600); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1024)
	entry := func(h *tar.Header, body string) error {
		h.Size = int64(len(body))
		return unpackEntry(root, root, h, strings.NewReader(body), buf)
	}
	if err := entry(&tar.Header{Name: "up", Typeflag: tar.TypeSymlink, Linkname: ".."}, ""); err != nil {
		t.Fatal(err)
	}
	if err := entry(&tar.Header{Name: "up/made/f", Typeflag: tar.TypeReg, Mode: 0o644}, "x"); err == nil || !strings.Contains(err.Error(), "outside the image") {
		t.Errorf("an entry through a link out of the image: %v", err)
	}
	if _, err := os.Stat(filepath.Join(parent, "made")); !os.IsNotExist(err) {
		t.Errorf("a folder was made outside the image: %v", err)
	}
	if err := entry(&tar.Header{Name: "stolen", Typeflag: tar.TypeLink, Linkname: "up/secret"}, ""); err == nil || !strings.Contains(err.Error(), "outside the image") {
		t.Errorf("a hard link to a file outside the image: %v", err)
	}
	if _, err := os.Lstat(filepath.Join(root, "stolen")); !os.IsNotExist(err) {
		t.Errorf("the hard link was made: %v", err)
	}
	if err := entry(&tar.Header{Name: "usr/lib/ok", Typeflag: tar.TypeReg, Mode: 0o644}, "fine"); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(root, "usr/lib/ok")); err != nil || string(b) != "fine" {
		t.Errorf("an entry inside the image: %q, %v", b, err)
	}
}
