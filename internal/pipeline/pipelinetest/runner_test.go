package pipelinetest

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The security tests trust these readers to see what the runner sees: they must find
// an injected output or command when there is one.
func TestParseOutputs(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []Output
		wantErr string
	}{
		{name: "plain and heredoc", in: "a=1\n\nb<<EOF\nx\ny\nEOF\nc=\n", want: []Output{{"a", "1"}, {"b", "x\ny"}, {"c", ""}}},
		{name: "equals before heredoc marker is plain", in: "a=x<<y\n", want: []Output{{"a", "x<<y"}}},
		{name: "a value ending its heredoc early sets another output", in: "a<<D\nv\nD\nevil=1\nD\n", wantErr: "line 5"},
		{name: "forged delimiter inside a random-delimiter heredoc stays a value", in: "a<<ghadelimiter_r\nD\nevil=1\nghadelimiter_r\n", want: []Output{{"a", "D\nevil=1"}}},
		{name: "unterminated heredoc", in: "a<<D\nv\n", wantErr: "no closing delimiter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseOutputs(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestCommands(t *testing.T) {
	log := strings.Join([]string{
		"::add-mask::s3cret",
		"  ::group::plan",
		"text ::error::not at line start",
		"::stop-commands::tok1",
		"::set-output name=x::y",
		"::add-mask::FORGED",
		"::TOK1::",
		"##[set-output name=z;]w",
		"::endgroup::",
		"::unknown::then ##[warning]legacy, anywhere in the line",
		"::stop-commands::tok2",
		"resumed by the legacy form ##[tok2]",
		"::debug::on",
	}, "\n")
	cmds, stopped := Commands(log)
	var got []string
	for _, c := range cmds {
		got = append(got, c.Name+"|"+c.Props+"|"+c.Data)
	}
	want := []string{"add-mask||s3cret", "group||plan", "stop-commands||tok1", "set-output|name=z;|w", "endgroup||",
		"warning||legacy, anywhere in the line", "stop-commands||tok2", "debug||on"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("commands (-want +got):\n%s", diff)
	}
	if !stopped[5] || !stopped[6] || stopped[7] || stopped[8] || stopped[12] {
		t.Errorf("stopped lines %v, want 5 and 6", stopped)
	}
	if shown := Shown(log); strings.Contains(shown, "s3cret") || !strings.Contains(shown, "FORGED") {
		t.Errorf("Shown hides the wrong lines:\n%s", shown)
	}
}
