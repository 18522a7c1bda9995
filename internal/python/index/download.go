package index

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"

	"github.com/lithops-fc/runtime-action/internal/urlcred"
)

// Downloaded is a file in the cache whose hashes have been checked.
type Downloaded struct {
	Path   string // inside the cache; the file keeps its own name
	SHA256 string // hex digest of the file, also when the index gave none
	Size   int64
}

// Download puts a file in the cache, or finds it there, and returns its path. The file's
// digests are checked against the index's hashes and, when requiredHashes (pip's --hash
// values, "sha256:<hex>") are given, it must match one of them: a mismatch is a
// *HashMismatchError. A file the index gives no hash for is hashed and stored by its
// sha256.
func (c *Client) Download(ctx context.Context, f File, requiredHashes []string) (*Downloaded, error) {
	if !validFilename(f.Filename) {
		return nil, fmt.Errorf("download: invalid file name %q", f.Filename)
	}
	required, err := parseRequiredHashes(requiredHashes)
	if err != nil {
		return nil, fmt.Errorf("download %s: %w", f.Filename, err)
	}
	d, err := c.downloads.get(ctx, f.URL, func(ctx context.Context) (*Downloaded, error) {
		return c.fetchFile(ctx, f)
	})
	if err != nil {
		return nil, err
	}
	if len(required) > 0 {
		if err := checkRequired(d, f.Filename, required); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// checkRequired verifies --hash values; sha256 is known already, others need a re-read.
func checkRequired(d *Downloaded, filename string, required map[string][]string) error {
	if len(required) == 1 && required["sha256"] != nil {
		for _, want := range required["sha256"] {
			if want == d.SHA256 {
				return nil
			}
		}
		return &HashMismatchError{Filename: filename, Source: "--hash", Algorithm: "sha256", Want: required["sha256"], Got: d.SHA256}
	}
	mh := newMultiHasher(slices.Collect(maps.Keys(required))...)
	fh, err := os.Open(d.Path)
	if err != nil {
		return fmt.Errorf("download %s: %w", filename, err)
	}
	defer fh.Close()
	if _, err := io.Copy(mh, fh); err != nil {
		return fmt.Errorf("download %s: %w", filename, err)
	}
	return mh.verify(filename, nil, required)
}

func (c *Client) fetchFile(ctx context.Context, f File) (*Downloaded, error) {
	index := f.Hashes.Verifiable()
	sha := index["sha256"]
	if size, ok := c.cache.checkWheel(sha, f.Filename); ok {
		d := &Downloaded{Path: c.cache.wheelPath(sha, f.Filename), SHA256: sha, Size: size}
		c.emit(Event{Kind: EventDownload, File: f.Filename, Cached: true})
		return d, nil
	}
	u, err := urlcred.Parse(f.URL)
	if err != nil {
		return nil, fmt.Errorf("download %s: invalid URL %s", f.Filename, urlcred.Redact(f.URL))
	}
	var d *Downloaded
	if u.Scheme == "file" {
		fh, err := c.cfg.root.Open(filepath.FromSlash(u.Path))
		if err != nil {
			return nil, fmt.Errorf("download %s: %w", f.Filename, err)
		}
		defer fh.Close()
		if d, err = c.store(fh, f, index); err != nil {
			return nil, unwrapPermanent(err)
		}
	} else {
		err = c.get(ctx, u, nil, func(resp *http.Response) error {
			if resp.StatusCode != http.StatusOK {
				return statusError(resp)
			}
			var err error
			d, err = c.store(resp.Body, f, index)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("download %s: %w", f.Filename, unwrapPermanent(err))
		}
	}
	c.emit(Event{Kind: EventDownload, File: f.Filename, URL: urlcred.Redact(f.URL), Bytes: d.Size})
	return d, nil
}

// store streams r into the cache, hashing on the way; the file appears under its sha256
// only when every index hash matched.
func (c *Client) store(r io.Reader, f File, index Hashes) (*Downloaded, error) {
	mh := newMultiHasher(slices.Collect(maps.Keys(index))...)
	tmpDir := filepath.Join(c.cache.dir, "wheels-v1")
	if err := os.MkdirAll(tmpDir, 0o755); err != nil {
		return nil, &permanentError{fmt.Errorf("cache: %w", err)}
	}
	tmp, err := os.CreateTemp(tmpDir, ".tmp-*")
	if err != nil {
		return nil, &permanentError{fmt.Errorf("cache: %w", err)}
	}
	defer os.Remove(tmp.Name())
	n, err := io.Copy(io.MultiWriter(tmp, mh), io.LimitReader(r, c.cfg.maxFileBytes+1))
	if cerr := tmp.Close(); err == nil && cerr != nil {
		return nil, &permanentError{fmt.Errorf("cache: %w", cerr)}
	}
	if err != nil {
		return nil, err // a broken connection: worth another try
	}
	if n > c.cfg.maxFileBytes {
		return nil, &permanentError{fmt.Errorf("larger than the %d byte limit", c.cfg.maxFileBytes)}
	}
	if f.Size > 0 && n != f.Size {
		return nil, &permanentError{fmt.Errorf("size mismatch: the index says %d bytes, got %d", f.Size, n)}
	}
	if err := mh.verify(f.Filename, index, nil); err != nil {
		return nil, &permanentError{err}
	}
	sum := mh.sum("sha256")
	final := c.cache.wheelPath(sum, f.Filename)
	if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
		return nil, &permanentError{fmt.Errorf("cache: %w", err)}
	}
	if err := os.Rename(tmp.Name(), final); err != nil {
		return nil, &permanentError{fmt.Errorf("cache: %w", err)}
	}
	return &Downloaded{Path: final, SHA256: sum, Size: n}, nil
}

// unwrapPermanent drops the retry marker so callers can match the error type directly.
func unwrapPermanent(err error) error {
	var pe *permanentError
	if errors.As(err, &pe) {
		return pe.err
	}
	return err
}
