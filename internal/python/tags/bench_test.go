package tags

import "testing"

func BenchmarkParseWheelName(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseWheelName("numpy-1.26.4-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRank(b *testing.B) {
	s := mustSupported(b, 10, 28)
	w, err := ParseWheelName("numpy-1.26.4-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		s.Rank(w)
	}
}
