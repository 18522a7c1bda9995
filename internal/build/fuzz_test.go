package build

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/lithops-fc/runtime-action/internal/python/tags"
	"github.com/lithops-fc/runtime-action/internal/python/wheeltest"
)

// FuzzInspect feeds arbitrary bytes to Inspect as a wheel: it must return a manifest or
// an error, never panic or hang, whatever the archive claims.
func FuzzInspect(f *testing.F) {
	f.Add(goodWheel().MustBytes(f))
	f.Add(goodWheel().MustBytes(f, wheeltest.WithLyingSize("demo_pkg/__init__.py", 1<<40)))
	f.Add(goodWheel().MustBytes(f, wheeltest.WithSymlink("demo_pkg/l", "/")))
	f.Add([]byte("PK\x05\x06" + string(make([]byte, 18))))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "demo_pkg-1.0-py3-none-any.whl")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		m, err := Inspect(context.Background(), p, WithLimits(Limits{MaxEntries: 1000, MaxUncompressed: 8 << 20}))
		if err == nil && (m.DistInfo == "" || m.Name == "") {
			t.Errorf("accepted a wheel without metadata: %+v", m)
		}
	})
}

// FuzzReadELF feeds arbitrary bytes to readELF and the glibc check, as an extension
// module in a hostile wheel would: they must return, never panic, hang or blow up.
func FuzzReadELF(f *testing.F) {
	f.Add(gcc(f, srcOld, "-shared", "-fPIC", "-s"))
	f.Add(gcc(f, srcGlibc234, "-shared", "-fPIC", "-s"))
	f.Fuzz(func(t *testing.T, data []byte) {
		readELF(bytes.NewReader(data)).Problems(tags.Glibc{Major: 2, Minor: 28})
	})
}
