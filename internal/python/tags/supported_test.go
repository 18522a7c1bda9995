package tags

import (
	"testing"
)

func mustSupported(t testing.TB, py int, glibc int) *TagSet {
	t.Helper()
	s, err := Supported(Target{Python: [2]int{3, py}, Glibc: Glibc{Major: 2, Minor: glibc}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSupportedPython36(t *testing.T) {
	// FC's python3 runtime is CPython 3.6, whose ABI tag carries pymalloc's "m";
	// checked against packaging's cpython_tags((3, 6)).
	s := mustSupported(t, 6, 24)
	tags := s.Tags()
	if got := tags[0].String(); got != "cp36-cp36m-manylinux_2_24_x86_64" {
		t.Errorf("first tag %s", got)
	}
	platforms := (24 - 5 + 1) + 3 // manylinux_2_24 .. 2_5, plus manylinux2014, 2010 and 1
	if got := tags[platforms].String(); got != "cp36-abi3-manylinux_2_24_x86_64" {
		t.Errorf("tag %d is %s", platforms, got)
	}
	if got := tags[len(tags)-1].String(); got != "py30-none-any" {
		t.Errorf("last tag %s", got)
	}
	if _, ok := s.Index(Tag{"cp36", "cp36", "manylinux1_x86_64"}); ok {
		t.Error("cp36-cp36 (no m) must not be accepted")
	}
}

func TestSupportedRejects(t *testing.T) {
	s := mustSupported(t, 10, 28)
	for _, tag := range []Tag{
		{"cp310", "cp310", "linux_x86_64"},
		{"cp310", "cp310", "manylinux_2_29_x86_64"},
		{"cp310", "cp310", "musllinux_1_1_x86_64"},
		{"cp311", "cp311", "manylinux_2_17_x86_64"},
		{"cp310", "cp310", "manylinux_2_17_aarch64"},
		{"cp310", "abi3", "win_amd64"},
	} {
		if _, ok := s.Index(tag); ok {
			t.Errorf("%s accepted for %s", tag, "cp310/glibc 2.28")
		}
	}
	for _, bad := range []Target{
		{Python: [2]int{2, 7}, Glibc: Glibc{Major: 2, Minor: 28}},
		{Python: [2]int{3, 10}, Glibc: Glibc{Major: 2, Minor: 4}},
		{},
	} {
		if _, err := Supported(bad); err == nil {
			t.Errorf("Supported(%+v) accepted", bad)
		}
	}
	if _, err := Supported(Target{Python: [2]int{2, 7}}); err == nil || err.Error() != "target Python 2.7: only CPython 3.x is supported" {
		t.Errorf("error %v", err)
	}
}

func TestRankAndBest(t *testing.T) {
	s := mustSupported(t, 10, 24)
	names := []string{
		"pkg-1.0-py3-none-any.whl",                                           // 0: pure
		"pkg-1.0-cp310-cp310-manylinux_2_28_x86_64.whl",                      // 1: glibc too new
		"pkg-1.0-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", // 2: best tag
		"pkg-1.0-2-cp310-cp310-manylinux_2_17_x86_64.whl",                    // 3: same tag, build 2
		"pkg-1.0-cp37-abi3-manylinux_2_24_x86_64.whl",                        // 4: stable ABI
		"pkg-1.0-cp310-cp310-linux_x86_64.whl",                               // 5: never
	}
	ws := make([]WheelName, len(names))
	for i, n := range names {
		w, err := ParseWheelName(n)
		if err != nil {
			t.Fatal(err)
		}
		ws[i] = w
	}
	for _, i := range []int{1, 5} {
		if _, ok := s.Rank(ws[i]); ok {
			t.Errorf("%s ranked", names[i])
		}
	}
	r0, _ := s.Rank(ws[0])
	r2, _ := s.Rank(ws[2])
	r4, _ := s.Rank(ws[4])
	if !(r2 < r4 && r4 < r0) {
		t.Errorf("ranks: manylinux %d, abi3 %d, pure %d", r2, r4, r0)
	}
	if got := s.Best(ws); got != 3 {
		t.Errorf("Best = %d (%s), want 3: the higher build tag breaks the tie", got, names[got])
	}
	if got := s.Best(ws[:3]); got != 2 {
		t.Errorf("Best = %d, want 2", got)
	}
	if got := s.Best([]WheelName{ws[1], ws[5]}); got != -1 {
		t.Errorf("Best of unsupported wheels = %d", got)
	}
	if s.Len() != len(s.Tags()) {
		t.Error("Len and Tags disagree")
	}
}
