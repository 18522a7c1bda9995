package pylock

import (
	"encoding/json"
	"strings"
	"testing"
)

// lockOf is a lock of name=version pairs, each wheel's hash derived from hashes[name]
// (default "a").
func lockOf(pairs map[string]string, hashes map[string]string) *Lock {
	l := New(ToolTable, "3.10")
	for name, version := range pairs {
		h := hashes[name]
		if h == "" {
			h = "a"
		}
		file := strings.ReplaceAll(name, "-", "_") + "-" + version + "-py3-none-any.whl"
		l.Packages = append(l.Packages, Package{Name: name, Version: version,
			Wheel: Wheel{Name: file, URL: "https://h/" + file, SHA256: strings.Repeat(h, 64)}})
	}
	return l
}

func TestDiffSummary(t *testing.T) {
	tests := []struct {
		name     string
		old, new *Lock
		want     string
		kinds    string // name:kind, in order
	}{
		{"the issue's example", lockOf(map[string]string{"numpy": "1.26.4", "six": "1.16.0"}, nil),
			lockOf(map[string]string{"numpy": "2.1.0", "six": "1.16.0", "tzdata": "2024.1"}, nil),
			"numpy 1.26.4 → 2.1.0, +1 new dependency", "numpy:upgraded tzdata:added"},
		{"first deploy", nil, lockOf(map[string]string{"b": "1", "a": "2"}, nil),
			"first deploy: 2 distributions", "a:added b:added"},
		{"first deploy of one", nil, lockOf(map[string]string{"a": "1"}, nil), "first deploy: 1 distribution", "a:added"},
		{"PEP 440 order, not string order", lockOf(map[string]string{"a": "1.9", "b": "2.0rc1", "c": "1.0.post1"}, nil),
			lockOf(map[string]string{"a": "1.10", "b": "2.0", "c": "1.0"}, nil),
			"a 1.9 → 1.10, b 2.0rc1 → 2.0, c 1.0.post1 → 1.0 (downgrade)", "a:upgraded b:upgraded c:downgraded"},
		{"equal versions spelled differently, same wheel", lockOf(map[string]string{"a": "1.0"}, nil), func() *Lock {
			l := lockOf(map[string]string{"a": "1.0"}, nil)
			l.Packages[0].Version = "1.0.0"
			l.Packages[0].Wheel.URL = "https://mirror/" + l.Packages[0].Wheel.Name
			return l
		}(), "no changes (1 distribution)", ""},
		{"same version, other hash", lockOf(map[string]string{"a": "1.0", "b": "2"}, nil),
			lockOf(map[string]string{"a": "1.0", "b": "2"}, map[string]string{"a": "b"}), "1 rebuilt", "a:rebuilt"},
		{"names compared in normal form", lockOf(map[string]string{"Foo_Bar": "1"}, nil), lockOf(map[string]string{"foo-bar": "2"}, nil),
			"foo-bar 1 → 2", "foo-bar:upgraded"},
		{"more than three version changes", lockOf(map[string]string{"a": "1", "b": "1", "c": "1", "d": "1", "e": "1", "x": "1", "y": "1"}, nil),
			lockOf(map[string]string{"a": "2", "b": "2", "c": "2", "d": "0", "e": "2"}, nil),
			"a 1 → 2, b 1 → 2, c 1 → 2, 2 more version changes, -2 removed", "a:upgraded b:upgraded c:upgraded d:downgraded e:upgraded x:removed y:removed"},
		{"several added", lockOf(map[string]string{}, nil), lockOf(map[string]string{"a": "1", "b": "1"}, nil), "+2 new dependencies", "a:added b:added"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Diff(tt.old, tt.new)
			if s := c.Summary(); s != tt.want {
				t.Errorf("Summary = %q, want %q", s, tt.want)
			}
			var kinds []string
			for _, ch := range c.Changes {
				kinds = append(kinds, ch.Name+":"+string(ch.Kind))
			}
			if got := strings.Join(kinds, " "); got != tt.kinds {
				t.Errorf("changes %s, want %s", got, tt.kinds)
			}
		})
	}
}

func TestChangesMarkdownAndJSON(t *testing.T) {
	none := Diff(lockOf(map[string]string{"a": "1"}, nil), lockOf(map[string]string{"a": "1"}, nil))
	if md := none.Markdown(); md != "no changes (1 distribution)\n" {
		t.Errorf("Markdown without changes = %q", md)
	}
	raw, err := json.Marshal(none)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"schema":1,"first_deploy":false,"summary":"no changes (1 distribution)","counts":{"added":0,"removed":0,"upgraded":0,"downgraded":0,"rebuilt":0,"unchanged":1},"changes":[]}`
	if string(raw) != want {
		t.Errorf("JSON = %s\nwant   %s", raw, want)
	}
	first := Diff(nil, lockOf(map[string]string{"a": "1"}, nil))
	raw, _ = json.Marshal(first)
	want = `{"schema":1,"first_deploy":true,"summary":"first deploy: 1 distribution","counts":{"added":1,"removed":0,"upgraded":0,"downgraded":0,"rebuilt":0,"unchanged":0},` +
		`"changes":[{"name":"a","change":"added","before":null,"after":{"version":"1","wheel":"a-1-py3-none-any.whl","sha256":"` + strings.Repeat("a", 64) + `"}}]}`
	if string(raw) != want {
		t.Errorf("JSON = %s\nwant   %s", raw, want)
	}
	if md := first.Markdown(); md != "first deploy: 1 distribution\n\n| distribution | before | after | change |\n|---|---|---|---|\n| a | — | 1 | added |\n" {
		t.Errorf("first deploy Markdown = %q", md)
	}
	// A cell never breaks the table or injects markup, whatever a lock holds.
	if got := cell("a|b<script>`x`\nc"); got != `a\|b&lt;script&gt;'x' c` {
		t.Errorf("cell = %q", got)
	}
}
