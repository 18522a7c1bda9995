package index

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lithops-fc/runtime-action/internal/workspace"
)

// TestLocalFilesConfined: with WithWorkspace, a local find-links page (which may link
// file: URLs) cannot make the client read a wheel outside the workspace, and a
// find-links folder outside it is refused.
func TestLocalFilesConfined(t *testing.T) {
	ws, outside := t.TempDir(), t.TempDir()
	wheel := filepath.Join(outside, "six-1.16.0-py3-none-any.whl")
	if err := os.WriteFile(wheel, []byte("PK TOP-SECRET"), 0o644); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(ws, "links.html")
	if err := os.WriteFile(page, []byte(`<a href="file://`+wheel+`">six</a>`), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c, err := New(WithNoIndex(), WithFindLinks(page), WithWorkspace(ws), WithCacheDir(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.Project(ctx, "six")
	if err != nil || len(p.Files) != 1 {
		t.Fatalf("Project: %v %+v", err, p)
	}
	for name, call := range map[string]func() error{
		"Download": func() error { _, err := c.Download(ctx, p.Files[0], nil); return err },
		"Metadata": func() error { _, err := c.Metadata(ctx, p.Files[0]); return err },
	} {
		if err := call(); !errors.Is(err, workspace.ErrOutside) || strings.Contains(err.Error(), "TOP-SECRET") {
			t.Errorf("%s of a wheel outside the workspace: %v", name, err)
		}
	}

	c, err = New(WithNoIndex(), WithFindLinks(outside), WithWorkspace(ws), WithCacheDir(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Project(ctx, "six"); !errors.Is(err, workspace.ErrOutside) {
		t.Errorf("a find-links folder outside the workspace: %v", err)
	}
}

func TestNetrcSecrets(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".netrc")
	if err := os.WriteFile(path, []byte("machine pypi.example.com login __token__ password pypi-AgEI/x+y\ndefault login ci password s3cr3t\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(NetrcSecrets(path), " ")
	for _, want := range []string{"pypi-AgEI/x+y", "s3cr3t", "__token__"} {
		if !strings.Contains(got, want) {
			t.Errorf("NetrcSecrets = %q, lacks %q", got, want)
		}
	}
	if NetrcSecrets(filepath.Join(t.TempDir(), "missing")) != nil {
		t.Errorf("a missing .netrc has secrets")
	}
}
