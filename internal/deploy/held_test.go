package deploy

import "testing"

// TestFunctionNames: a kept service's reason names up to three of the functions it
// holds, with "..." only when it holds more (the listing asks for one more).
func TestFunctionNames(t *testing.T) {
	fns := func(names ...string) []Function {
		var out []Function
		for _, n := range names {
			out = append(out, Function{Spec: Spec{Name: n}})
		}
		return out
	}
	tests := []struct {
		in   []Function
		want string
	}{
		{fns("a"), "a"},
		{fns("a", "b", "c"), "a, b, c"},
		{fns("a", "b", "c", "d"), "a, b, c, ..."},
	}
	for _, tt := range tests {
		if got := functionNames(tt.in); got != tt.want {
			t.Errorf("functionNames(%d functions) = %q, want %q", len(tt.in), got, tt.want)
		}
	}
}
