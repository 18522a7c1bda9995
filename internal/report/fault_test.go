package report

import (
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// faulty is an error of another package that says where it is at fault.
type faulty struct {
	title  string
	places []string
	msg    string
}

func (e *faulty) Error() string                    { return e.msg }
func (e *faulty) Fault() (string, []string)        { return e.title, e.places }
func at(title, msg string, places ...string) error { return &faulty{title, places, msg} }

func TestErrorAnnotations(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want []Annotation
	}{
		{"plain", errors.New("boom"), []Annotation{{Level: LevelError, Message: "boom"}}},
		{"a line, wrapped", fmt.Errorf("resolve: %w", at("requirements", "bad", "requirements.txt:3")),
			[]Annotation{{Level: LevelError, File: "requirements.txt", Line: 3, Title: "requirements", Message: "resolve: bad"}}},
		{"several lines", at("requirements", "conflict", "a.txt:1", "b.txt:2"), []Annotation{
			{Level: LevelError, File: "a.txt", Line: 1, Title: "requirements", Message: "conflict"},
			{Level: LevelError, File: "b.txt", Line: 2, Title: "requirements", Message: "conflict"}}},
		{"the file as a whole", at("input requirements", "empty", "req.txt:0"),
			[]Annotation{{Level: LevelError, File: "req.txt", Title: "input requirements", Message: "empty"}}},
		{"a title, no file", at("input runtime-memory", "not a number"),
			[]Annotation{{Level: LevelError, Title: "input runtime-memory", Message: "not a number"}}},
		{"no place among the places: looked through", fmt.Errorf("x: %w", at("requirements", "worker", "Lithops 3.7.0 worker module")),
			[]Annotation{{Level: LevelError, Message: "x: worker"}}},
		{"an empty place and no title", at("", "outer: inner", ""),
			[]Annotation{{Level: LevelError, Message: "outer: inner"}}},
		{"joined problems", errors.Join(at("input region", "missing"), errors.New("unplaced"), at("requirements", "bad", "r.txt:9")), []Annotation{
			{Level: LevelError, Title: "input region", Message: "missing"},
			{Level: LevelError, Message: "unplaced"},
			{Level: LevelError, File: "r.txt", Line: 9, Title: "requirements", Message: "bad"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, ErrorAnnotations(tt.err)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParsePlace(t *testing.T) {
	for in, want := range map[string]string{"requirements.txt:3": "requirements.txt 3", "dir/r.txt:0": "dir/r.txt 0",
		"Lithops 3.7.0 worker module": "", "flask 3.0.3:2": "", ":3": "", "r.txt:-1": "", "r.txt": ""} {
		got := ""
		if f, l, ok := ParsePlace(in); ok {
			got = fmt.Sprintf("%s %d", f, l)
		}
		if got != want {
			t.Errorf("ParsePlace(%q) = %q, want %q", in, got, want)
		}
	}
}
