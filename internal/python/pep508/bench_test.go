package pep508

import "testing"

func BenchmarkParseRequirement(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseRequirement(`requests[socks]>=2.8.1,<3; python_version >= "3.8" and extra == "socks"`); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMarkerEvaluate(b *testing.B) {
	m, err := ParseMarker(`python_version >= "3.8" and (sys_platform == "linux" or extra == "socks")`)
	if err != nil {
		b.Fatal(err)
	}
	env, _ := TargetEnv("3.10.14")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Evaluate(env, ""); err != nil {
			b.Fatal(err)
		}
	}
}
