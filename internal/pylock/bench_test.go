package pylock

import (
	"fmt"
	"strings"
	"testing"

	"github.com/lithops-fc/runtime-action/internal/tomlshape"
)

// BenchmarkParse reads a lock of a thousand packages, ten times a large runtime.
func BenchmarkParse(b *testing.B) {
	l := sampleLock()
	pkg := l.Packages[1]
	l.Packages = l.Packages[:1]
	for i := range 1000 {
		p := pkg
		p.Name = fmt.Sprintf("pkg%d", i)
		p.Wheel.Name = strings.Replace(pkg.Wheel.Name, "numpy", p.Name, 1)
		p.Wheel.URL = strings.Replace(pkg.Wheel.URL, "numpy", p.Name, 1)
		l.Packages = append(l.Packages, p)
	}
	data := []byte(mustMarshal(b, l))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("pylock.toml", data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseWorstShape decodes the slowest text the bounds let through: a file of
// maxSize made of inline tables nested tomlshape.MaxDepth deep (the decoder's time grows
// with the square of the depth).
func BenchmarkParseWorstShape(b *testing.B) {
	var s strings.Builder
	for i := 0; s.Len() < maxSize-200; i++ {
		fmt.Fprintf(&s, "k%d = %s1%s\n", i, strings.Repeat("{b = ", tomlshape.MaxDepth), strings.Repeat("}", tomlshape.MaxDepth))
	}
	data := []byte(s.String())
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse("pylock.toml", data); err == nil {
			b.Fatal("accepted")
		}
	}
}
