// Package workspace opens the files and folders that the inputs and the requirements
// files name, confined to the job's workspace. A pull request controls those names, so a
// path outside the workspace (/proc/self/environ, ../../etc/passwd), a symbolic link
// that leaves it, and anything but a regular file or a folder (a FIFO, a device) are
// refused before a byte is read. Symbolic links inside the workspace are followed
// (os.Root refuses escapes by construction, absolute links included).
package workspace

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// Root is a workspace folder. The zero Root confines nothing: every path is allowed (for
// library use and tests that have no workspace).
type Root struct {
	dir string // absolute and clean; "" confines nothing
}

// New returns the workspace at dir (made absolute).
func New(dir string) Root {
	if dir == "" {
		return Root{}
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	return Root{dir: filepath.Clean(dir)}
}

// Dir is the workspace folder ("" for the zero Root).
func (r Root) Dir() string { return r.dir }

// Refusal errors, inside an *Error.
var (
	ErrOutside    = errors.New("is outside the workspace")
	ErrNotRegular = errors.New("is not a regular file or folder")
)

// Error is a path the workspace refuses, or cannot open. Its message names the path as
// the caller wrote it and what is wrong, never anything the file holds.
type Error struct {
	Path string // as the caller gave it
	Err  error  // ErrOutside, ErrNotRegular, or an os error
	What string // for ErrNotRegular: "a named pipe (FIFO)", "a device", ...
}

func (e *Error) Error() string {
	switch {
	case errors.Is(e.Err, ErrOutside):
		return "it is outside the workspace (a path or symbolic link that leaves it; links must be relative and stay inside)"
	case errors.Is(e.Err, ErrNotRegular) && e.What == "a folder":
		return "it is a folder, not a file"
	case errors.Is(e.Err, ErrNotRegular) && e.What == "a file":
		return "it is a file, not a folder"
	case errors.Is(e.Err, ErrNotRegular):
		return "it is " + e.What + ", not a regular file or folder"
	}
	return e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Rel returns path (absolute, or relative to the workspace) relative to the workspace,
// or an *Error with ErrOutside when it lies outside.
func (r Root) Rel(path string) (string, error) {
	if r.dir == "" {
		return path, nil
	}
	abs := path
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(r.dir, abs)
	}
	abs = filepath.Clean(abs)
	if rel, ok := within(r.dir, abs); ok {
		return rel, nil
	}
	// The workspace may be named through a link (/tmp on macOS): compare real paths.
	if real, err := filepath.EvalSymlinks(r.dir); err == nil && real != r.dir {
		if rel, ok := within(real, abs); ok {
			return rel, nil
		}
	}
	return "", &Error{Path: path, Err: ErrOutside}
}

func within(dir, abs string) (string, bool) {
	rel, err := filepath.Rel(dir, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return "", false
	}
	return rel, true
}

// Stat returns what path is, following symbolic links that stay inside the workspace:
// a regular file or a folder, else an *Error.
func (r Root) Stat(path string) (fs.FileInfo, error) {
	if r.dir == "" {
		info, err := os.Stat(path)
		if err != nil {
			return nil, &Error{Path: path, Err: unwrapPath(err)}
		}
		return info, kindError(path, info)
	}
	root, rel, err := r.openRoot(path)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	info, err := root.Stat(rel)
	if err != nil {
		return nil, &Error{Path: path, Err: rootErr(err)}
	}
	return info, kindError(path, info)
}

// Open opens the regular file at path for reading. It never blocks on a FIFO and reads
// nothing from anything but a regular file inside the workspace.
func (r Root) Open(path string) (*os.File, error) {
	info, err := r.Stat(path)
	if err != nil {
		return nil, err
	}
	if info.IsDir() {
		return nil, &Error{Path: path, Err: ErrNotRegular, What: "a folder"}
	}
	// O_NONBLOCK: should the file have become a FIFO since Stat, opening it does not
	// wait for a writer; the check below then refuses it.
	const flags = os.O_RDONLY | syscall.O_NONBLOCK
	var f *os.File
	if r.dir == "" {
		f, err = os.OpenFile(path, flags, 0)
	} else {
		root, rel, rerr := r.openRoot(path)
		if rerr != nil {
			return nil, rerr
		}
		defer root.Close()
		f, err = root.OpenFile(rel, flags, 0)
	}
	if err != nil {
		return nil, &Error{Path: path, Err: rootErr(err)}
	}
	info, err = f.Stat()
	if err == nil && !info.Mode().IsRegular() {
		err = kindError(path, info)
		if err == nil {
			err = &Error{Path: path, Err: ErrNotRegular, What: "a folder"}
		}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// ReadDir lists the folder at path. Its entries are as os.ReadDir gives them: a caller
// that opens one goes through Open.
func (r Root) ReadDir(path string) ([]fs.DirEntry, error) {
	info, err := r.Stat(path)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return nil, &Error{Path: path, Err: ErrNotRegular, What: "a file"}
	}
	if r.dir == "" {
		entries, err := os.ReadDir(path)
		if err != nil {
			return nil, &Error{Path: path, Err: unwrapPath(err)}
		}
		return entries, nil
	}
	root, rel, err := r.openRoot(path)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	d, err := root.Open(rel)
	if err != nil {
		return nil, &Error{Path: path, Err: rootErr(err)}
	}
	defer d.Close()
	entries, err := d.ReadDir(-1)
	if err != nil {
		return nil, &Error{Path: path, Err: unwrapPath(err)}
	}
	return entries, nil
}

// openRoot opens the workspace as an os.Root, through which path (inside it) is reached
// as rel without leaving it; the caller closes root.
func (r Root) openRoot(path string) (root *os.Root, rel string, err error) {
	if rel, err = r.Rel(path); err != nil {
		return nil, "", err
	}
	if root, err = os.OpenRoot(r.dir); err != nil {
		return nil, "", &Error{Path: path, Err: unwrapPath(err)}
	}
	return root, rel, nil
}

// kindError refuses anything but a regular file or a folder.
func kindError(path string, info fs.FileInfo) error {
	m := info.Mode()
	if m.IsRegular() || m.IsDir() {
		return nil
	}
	what := "a special file"
	switch {
	case m&fs.ModeNamedPipe != 0:
		what = "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		what = "a socket"
	case m&fs.ModeDevice != 0, m&fs.ModeCharDevice != 0:
		what = "a device"
	case m&fs.ModeSymlink != 0:
		what = "a symbolic link"
	}
	return &Error{Path: path, Err: ErrNotRegular, What: what}
}

// rootErr maps os.Root's refusal of an escaping path to ErrOutside.
func rootErr(err error) error {
	err = unwrapPath(err)
	if err != nil && strings.Contains(err.Error(), "path escapes") {
		return ErrOutside
	}
	return err
}

// unwrapPath drops the path os errors repeat: messages name the path as the user wrote
// it, and an expanded one may hold a ${VAR}'s value.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}
