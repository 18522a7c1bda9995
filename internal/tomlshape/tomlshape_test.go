package tomlshape

import (
	"strings"
	"testing"
)

// TestCheck: nesting that would make the TOML decoder slow (its time grows with
// the square of the depth) is refused before decoding, with its line; brackets and dots
// inside strings and comments do not count.
func TestCheck(t *testing.T) {
	deep := strings.Repeat("[", MaxDepth+1)
	dotted := strings.Repeat("a.", MaxDepth) + "b = 1"
	tests := []struct {
		text string
		line int
		want string
	}{
		{"x = 1\ny = " + deep, 2, "nested more than 16 levels"},
		{"x = 1\n\n" + "a = " + strings.Repeat("{b = ", MaxDepth+1) + "1", 3, "nested more than 16 levels"},
		{"#\n" + dotted, 2, "dotted key of more than 16 parts"},
		{"[" + strings.Repeat("a.", MaxDepth) + "b]", 1, "dotted key"},
		{"a = [" + strings.Repeat("[1], ", 100) + "]\n", 0, ""}, // wide, not deep
		{`a = "` + deep + `\"` + dotted + `"`, 0, ""},
		{"a = '" + deep + dotted + "'", 0, ""},
		{`a = """` + "\n" + deep + "\n\\\"\"\"" + dotted + `"""`, 0, ""},
		{"a = '''\n" + deep + "\n'''\n# " + deep, 0, ""},
		{"a = \"\"\"x\\\n" + deep + "\"\"\"\nb = " + deep, 3, "nested"},
		{"version = \"1.2.3\"\n[tool.lithops-fc-runtime.target]\nx = 1.5", 0, ""},
	}
	for _, tt := range tests {
		line, msg := Check([]byte(tt.text))
		if line != tt.line || !strings.Contains(msg, tt.want) || (tt.want == "") != (msg == "") {
			t.Errorf("Check(%.40q…) = %d %q, want %d %q", tt.text, line, msg, tt.line, tt.want)
		}
	}
}
