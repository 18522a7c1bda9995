package reqfile

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lithops-fc/runtime-action/internal/workspace"
)

// TestConfinedToTheWorkspace: with WithWorkspace, every file a requirements file names
// (-r, -c, -f, wheel paths and file: URLs) must be a regular file or folder inside the
// workspace. Anything else is an error on the line that names it, which shows none of
// the target's content and takes no time (a FIFO is not waited on).
func TestConfinedToTheWorkspace(t *testing.T) {
	outside := t.TempDir()
	secret := filepath.Join(outside, "secret.txt")
	if err := os.WriteFile(secret, []byte("TOP-SECRET==1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, "six-1.16.0-py3-none-any.whl"), []byte("PK TOP-SECRET"), 0o644); err != nil {
		t.Fatal(err)
	}
	up := strings.Repeat("../", 12) + strings.TrimPrefix(secret, "/")
	tests := []struct {
		name  string
		line  string
		setup func(t *testing.T, ws string)
		want  string // in the message
	}{
		{name: "-r /proc/self/environ", line: "-r /proc/self/environ", want: "outside the workspace"},
		{name: "-r climbing out", line: "-r " + up, want: "outside the workspace"},
		{name: "-c outside", line: "-c " + secret, want: "outside the workspace"},
		{name: "-r through a symbolic link", line: "-r link.txt", want: "outside the workspace",
			setup: func(t *testing.T, ws string) { symlink(t, secret, filepath.Join(ws, "link.txt")) }},
		{name: "-r through a linked folder", line: "-r sub/secret.txt", want: "outside the workspace",
			setup: func(t *testing.T, ws string) { symlink(t, outside, filepath.Join(ws, "sub")) }},
		{name: "-r a FIFO", line: "-r fifo.txt", want: "named pipe",
			setup: func(t *testing.T, ws string) {
				if err := syscall.Mkfifo(filepath.Join(ws, "fifo.txt"), 0o644); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "-r a folder", line: "-r sub", want: "folder",
			setup: func(t *testing.T, ws string) { os.Mkdir(filepath.Join(ws, "sub"), 0o755) }},
		{name: "-f outside", line: "-f " + outside, want: "outside the workspace"},
		{name: "-f a file: URL outside", line: "--find-links file://" + outside, want: "outside the workspace"},
		{name: "a wheel path outside", line: filepath.Join(outside, "six-1.16.0-py3-none-any.whl"), want: "outside the workspace"},
		{name: "a wheel path through a link", line: "./w/six-1.16.0-py3-none-any.whl", want: "outside the workspace",
			setup: func(t *testing.T, ws string) { symlink(t, outside, filepath.Join(ws, "w")) }},
		{name: "a file: URL outside", line: "six @ file://" + filepath.Join(outside, "six-1.16.0-py3-none-any.whl"), want: "outside the workspace"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws := setup(t, map[string]string{"requirements.txt": "six\n" + tt.line + "\n"})
			if tt.setup != nil {
				tt.setup(t, ws)
			}
			done := make(chan error, 1)
			go func() {
				_, err := Parse(context.Background(), filepath.Join(ws, "requirements.txt"), WithWorkDir(ws), WithWorkspace(ws))
				done <- err
			}()
			var err error
			select {
			case err = <-done:
			case <-time.After(30 * time.Second):
				t.Fatal("Parse blocked")
			}
			var e *Error
			if !errors.As(err, &e) || e.Line != 2 || e.File != filepath.Join(ws, "requirements.txt") {
				t.Fatalf("error %v, want one on requirements.txt:2", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
			for _, leak := range []string{"TOP-SECRET", "PATH=", "root:"} {
				if strings.Contains(err.Error(), leak) {
					t.Errorf("error shows the target: %q", err)
				}
			}
		})
	}

	// The top file itself.
	ws := t.TempDir()
	_, err := Parse(context.Background(), secret, WithWorkDir(ws), WithWorkspace(ws))
	if !errors.Is(err, workspace.ErrOutside) || strings.Contains(err.Error(), "TOP-SECRET") {
		t.Errorf("a requirements file outside the workspace: %v", err)
	}
	// Inside, links that stay inside are followed.
	ws = setup(t, map[string]string{"requirements.txt": "-r sub/link.txt\n-f wheels\n", "sub/real.txt": "six\n", "wheels/.keep": ""})
	symlink(t, "real.txt", filepath.Join(ws, "sub", "link.txt"))
	f, err := Parse(context.Background(), filepath.Join(ws, "requirements.txt"), WithWorkDir(ws), WithWorkspace(ws))
	if err != nil || len(f.Requirements) != 1 || len(f.FindLinks) != 1 {
		t.Errorf("a link inside the workspace: %v %+v", err, f)
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// TestLongInputQuotedShort: a requirement of 200,000 characters is quoted in a few
// hundred, with a count of what was cut.
func TestLongInputQuotedShort(t *testing.T) {
	for _, line := range []string{strings.Repeat("a", 200000) + ">=>1", "-e " + strings.Repeat("b", 200000), "six --hash=" + strings.Repeat("c", 200000)} {
		ws := setup(t, map[string]string{"requirements.txt": line + "\n"})
		_, err := Parse(context.Background(), filepath.Join(ws, "requirements.txt"), WithWorkDir(ws), WithWorkspace(ws))
		if err == nil || len(err.Error()) > 1000 || !strings.Contains(err.Error(), "more bytes not shown") {
			t.Errorf("error of %d bytes: %.300s", len(fmt.Sprint(err)), err)
		}
	}
}
