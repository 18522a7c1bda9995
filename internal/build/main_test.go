package build

import (
	"path/filepath"
	"testing"

	"github.com/lithops-fc/runtime-action/internal/python/wheeltest"
)

// realWheels returns the folder of real-world wheels: python3's site-packages packed
// by the shared repack tool (wheeltest.RealWheelhouse, shared by every test binary).
func realWheels(t testing.TB) string {
	t.Helper()
	return filepath.Join(wheeltest.RealWheelhouse(t), "files")
}
