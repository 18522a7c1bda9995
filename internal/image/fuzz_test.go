package image

import (
	"testing"

	"github.com/lithops-fc/runtime-action/internal/image/imagetest"
)

// FuzzReadLibc: a base image's libc.so.6 is input from any registry; reading it must
// neither panic nor run away, and what it accepts is a glibc release it can name.
func FuzzReadLibc(f *testing.F) {
	f.Add(imagetest.FakeLibc(imagetest.GlibcVersions(36), "2.36"))
	f.Add(imagetest.FakeLibc(imagetest.GlibcVersions(30), "2.31"))
	f.Add(imagetest.FakeLibc([]string{"GLIBC_2.2.5"}, ""))
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := readLibc(b)
		if err == nil && (info.Glibc.Major < 1 || info.Defined.Newer(info.Glibc)) {
			t.Errorf("accepted libc with glibc %s, defined %s", info.Glibc, info.Defined)
		}
	})
}
