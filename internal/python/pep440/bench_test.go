package pep440

import "testing"

// realVersions is a sample of version spellings seen on PyPI.
var realVersions = []string{"1.26.4", "2.31.0", "0.4.6", "24.2", "3.1.3", "2023.12.25",
	"1.0.0rc1", "0.10.0.dev20240101", "5.2.post1", "1.2.3+cpu", "4.0.0b2", "2!1.0"}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := Parse(realVersions[i%len(realVersions)]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCompare(b *testing.B) {
	vs := versions(realVersions...)
	b.ReportAllocs()
	n := 0
	for i := 0; b.Loop(); i++ {
		n += Compare(vs[i%len(vs)], vs[(i+5)%len(vs)])
	}
	_ = n
}

func BenchmarkSpecifierSetContains(b *testing.B) {
	vs := versions(realVersions...)
	for _, spec := range []string{">=1.0", ">=1.20,<2,!=1.21.*", "~=2.0,!=2.1.3,>2.0.post1"} {
		set := MustParseSpecifierSet(spec)
		b.Run(spec, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				set.Contains(vs[i%len(vs)])
			}
		})
	}
}

func BenchmarkFilter(b *testing.B) {
	vs := versions(realVersions...)
	set := MustParseSpecifierSet(">=1.0,<5")
	b.ReportAllocs()
	for b.Loop() {
		set.Filter(vs, PreDefault)
	}
}

func BenchmarkParseSpecifierSet(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		MustParseSpecifierSet(">=1.20,<2,!=1.21.*")
	}
}
