package index

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/lithops-fc/runtime-action/internal/python/pep508"
	"github.com/lithops-fc/runtime-action/internal/python/tags"
	"github.com/lithops-fc/runtime-action/internal/urlcred"
)

// Metadata returns a wheel's core metadata, trying in turn: the cache (by the wheel's
// sha256), the PEP 658/714 metadata file the index advertises (its hash verified; a
// mismatch is a *HashMismatchError), HTTP range requests for the zip's central directory
// and METADATA entry, and finally a full download. Only wheels have metadata here: sdists
// are never built.
func (c *Client) Metadata(ctx context.Context, f File) (*Metadata, error) {
	if distKind(f.Filename) != "wheel" {
		return nil, fmt.Errorf("metadata %s: %w; this tool installs wheels only and never builds sdists", f.Filename, errNotWheel)
	}
	return c.metadata.get(ctx, f.URL, func(ctx context.Context) (*Metadata, error) {
		return c.fetchMetadata(ctx, f)
	})
}

func (c *Client) fetchMetadata(ctx context.Context, f File) (*Metadata, error) {
	sha := f.Hashes["sha256"]
	if data, ok := c.cache.readMetadata(sha); ok {
		if md, err := checkedMetadata(data, f.Filename); err == nil {
			c.emit(Event{Kind: EventMetadata, File: f.Filename, Via: "cache", Cached: true})
			return md, nil
		}
	}
	u, err := urlcred.Parse(f.URL)
	if err != nil {
		return nil, fmt.Errorf("metadata %s: invalid URL %s", f.Filename, urlcred.Redact(f.URL))
	}
	var (
		data []byte
		via  string
		n    int64
	)
	if u.Scheme == "file" {
		data, err = c.zipMetadataAt(filepath.FromSlash(u.Path), f.Filename)
		via = "local file"
	} else {
		if f.CoreMetadata {
			data, err = c.metadataFile(ctx, f, u)
			n, via = int64(len(data)), "metadata-file"
			var se *StatusError
			if errors.As(err, &se) && se.Status == http.StatusNotFound {
				c.emit(Event{Kind: EventFallback, File: f.Filename, Err: errors.New("advertised metadata file is missing (404)"), Via: "range requests"})
				data, err = nil, nil
			}
			if err != nil {
				return nil, err
			}
		}
		if data == nil {
			data, n, err = c.rangeMetadata(ctx, f, u)
			via = "range"
			if err != nil && ctx.Err() == nil {
				c.emit(Event{Kind: EventFallback, File: f.Filename, Err: err, Via: "a full download"})
				var d *Downloaded
				if d, err = c.Download(ctx, f, nil); err == nil {
					data, err = zipMetadata(d.Path, f.Filename)
					n, via = d.Size, "download"
				}
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("metadata %s: %w", f.Filename, err)
	}
	md, err := checkedMetadata(data, f.Filename)
	if err != nil {
		return nil, err
	}
	c.emit(Event{Kind: EventMetadata, File: f.Filename, Via: via, Bytes: n})
	if err := c.cache.writeMetadata(sha, data); err != nil {
		return nil, err
	}
	return md, nil
}

// checkedMetadata parses METADATA and checks it describes the wheel it came from, as uv
// does: a wheel whose METADATA names another project or version is broken.
func checkedMetadata(data []byte, filename string) (*Metadata, error) {
	md, err := ParseMetadata(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filename, err)
	}
	wn, err := tags.ParseWheelName(filename)
	if err != nil {
		return nil, fmt.Errorf("metadata %s: %w", filename, err)
	}
	if wn.NormalizedName() != pep508.NormalizeName(md.Name) || !wn.Version.Equal(md.Version) {
		return nil, fmt.Errorf("%s: METADATA describes %s %s, the file name says %s %s; the wheel is broken",
			filename, md.Name, md.Version, wn.Name, wn.Version)
	}
	return md, nil
}

// metadataFile fetches URL + ".metadata" and checks the advertised hashes.
func (c *Client) metadataFile(ctx context.Context, f File, u *url.URL) ([]byte, error) {
	mu := *u
	mu.Path += ".metadata"
	if mu.RawPath != "" {
		mu.RawPath += ".metadata"
	}
	var data []byte
	err := c.get(ctx, &mu, nil, func(resp *http.Response) error {
		if resp.StatusCode != http.StatusOK {
			return statusError(resp)
		}
		var err error
		data, err = readCapped(resp.Body, maxMetadataBytes)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("metadata %s: %w", f.Filename, unwrapPermanent(err))
	}
	if want := f.CoreMetadataHashes.Verifiable(); len(want) > 0 {
		mh := newMultiHasher(slices.Collect(maps.Keys(want))...)
		mh.Write(data)
		if err := mh.verify(f.Filename+".metadata", want, nil); err != nil {
			var hm *HashMismatchError
			if errors.As(err, &hm) {
				hm.Source = "core-metadata"
			}
			return nil, err
		}
	}
	return data, nil
}

// zipMetadata reads the *.dist-info/METADATA entry of a wheel on disk.
// zipMetadataAt reads the METADATA of a local wheel the user named (confined to the
// workspace).
func (c *Client) zipMetadataAt(path, filename string) ([]byte, error) {
	f, err := c.cfg.root.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filename, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filename, err)
	}
	zr, err := zip.NewReader(f, info.Size())
	if err != nil {
		return nil, fmt.Errorf("%s is not a readable wheel: %w", filename, err)
	}
	return readMetadataEntry(zr, filename, nil)
}

func zipMetadata(path, filename string) ([]byte, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, fmt.Errorf("%s is not a readable wheel: %w", filename, err)
	}
	defer zr.Close()
	return readMetadataEntry(&zr.Reader, filename, nil)
}

// readMetadataEntry finds the top-level *.dist-info/METADATA, preferring the one whose
// folder names the wheel's project when there are several.
// hint, when set, is told how many bytes the entry spans so a range reader fetches it in
// one request.
func readMetadataEntry(zr *zip.Reader, filename string, hint func(int64)) ([]byte, error) {
	key, _, _ := strings.Cut(filename, "-")
	if wn, err := tags.ParseWheelName(filename); err == nil {
		key = wn.NormalizedName()
	} else {
		key = pep508.NormalizeName(key)
	}
	var found []*zip.File
	for _, zf := range zr.File {
		dir, base, ok := strings.Cut(zf.Name, "/")
		if ok && base == "METADATA" && strings.HasSuffix(dir, ".dist-info") {
			found = append(found, zf)
		}
	}
	var pick *zip.File
	for _, zf := range found {
		dir := strings.TrimSuffix(strings.SplitN(zf.Name, "/", 2)[0], ".dist-info")
		name, _, _ := strings.Cut(dir, "-")
		if pep508.NormalizeName(name) == key {
			pick = zf
			break
		}
	}
	if pick == nil && len(found) == 1 {
		pick = found[0]
	}
	if pick == nil {
		return nil, fmt.Errorf("%s has no %s-*.dist-info/METADATA entry; the wheel is broken", filename, key)
	}
	if hint != nil {
		hint(min(int64(pick.CompressedSize64), maxMetadataBytes) + int64(len(pick.Name)) + 30 + 1024)
	}
	rc, err := pick.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", filename, pick.Name, err)
	}
	defer rc.Close()
	data, err := readCapped(rc, maxMetadataBytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", filename, pick.Name, unwrapPermanent(err))
	}
	return data, nil
}

// Range-request tuning: the first request reads the file's tail, which for most wheels
// holds the whole central directory and often METADATA too.
const (
	rangeTail     = 64 << 10
	rangeMinFetch = 16 << 10
	rangeMaxTotal = 64 << 20 // give up (and download) past this many bytes of ranges
)

// rangeMetadata reads METADATA through HTTP range requests. Any failure other than
// cancellation sends the caller to a full download.
func (c *Client) rangeMetadata(ctx context.Context, f File, u *url.URL) ([]byte, int64, error) {
	r := &rangeReader{ctx: ctx, c: c, u: u, size: -1, minFetch: rangeMinFetch}
	start := int64(-1)
	if f.Size > 0 {
		start = max(f.Size-rangeTail, 0)
	}
	if err := r.fetchTail(start); err != nil {
		return nil, r.bytes, err
	}
	r.prefetchDirectory()
	zr, err := zip.NewReader(r, r.size)
	if err != nil {
		return nil, r.bytes, fmt.Errorf("reading the zip directory through ranges: %w", err)
	}
	data, err := readMetadataEntry(zr, f.Filename, func(n int64) { r.minFetch = n })
	return data, r.bytes, err
}

// rangeReader is an io.ReaderAt over HTTP range requests, caching what it fetched.
type rangeReader struct {
	ctx    context.Context
	c      *Client
	u      *url.URL
	size   int64
	chunks []chunk
	bytes  int64

	minFetch int64 // the least a cache miss fetches
}

type chunk struct {
	off  int64
	data []byte
}

// fetchTail reads the last bytes: from start, or a suffix range when the size is unknown.
func (r *rangeReader) fetchTail(start int64) error {
	spec := "bytes=-" + strconv.Itoa(rangeTail)
	if start >= 0 {
		spec = "bytes=" + strconv.FormatInt(start, 10) + "-"
	}
	return r.fetch(spec, start)
}

func (r *rangeReader) fetch(spec string, wantStart int64) error {
	if r.bytes > rangeMaxTotal {
		return fmt.Errorf("range requests passed %d bytes", rangeMaxTotal)
	}
	return r.c.get(r.ctx, r.u, http.Header{"Range": {spec}}, func(resp *http.Response) error {
		switch resp.StatusCode {
		case http.StatusPartialContent:
		case http.StatusOK, http.StatusRequestedRangeNotSatisfiable:
			return &permanentError{errNoRange}
		default:
			return statusError(resp)
		}
		first, last, total, err := parseContentRange(resp.Header.Get("Content-Range"))
		if err != nil || (wantStart >= 0 && first != wantStart) || (r.size >= 0 && total != r.size) {
			return &permanentError{fmt.Errorf("%w: unexpected Content-Range %q", errNoRange, resp.Header.Get("Content-Range"))}
		}
		if last-first+1 > rangeMaxTotal {
			return &permanentError{fmt.Errorf("range reply of %d bytes is too large", last-first+1)}
		}
		data, err := readCapped(resp.Body, last-first+1)
		if err != nil {
			return err
		}
		if int64(len(data)) != last-first+1 {
			return io.ErrUnexpectedEOF
		}
		r.size = total
		r.bytes += int64(len(data))
		r.chunks = append(r.chunks, chunk{off: first, data: data})
		return nil
	})
}

// parseContentRange reads "bytes first-last/total".
func parseContentRange(v string) (first, last, total int64, err error) {
	bad := fmt.Errorf("bad Content-Range %q", v)
	rest, ok := strings.CutPrefix(v, "bytes ")
	if !ok {
		return 0, 0, 0, bad
	}
	span, size, ok := strings.Cut(rest, "/")
	a, b, ok2 := strings.Cut(span, "-")
	if !ok || !ok2 {
		return 0, 0, 0, bad
	}
	first, err1 := strconv.ParseInt(a, 10, 64)
	last, err2 := strconv.ParseInt(b, 10, 64)
	total, err3 := strconv.ParseInt(size, 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || first < 0 || last < first || total <= last {
		return 0, 0, 0, bad
	}
	return first, last, total, nil
}

func (r *rangeReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("negative offset")
	}
	n := 0
	for n < len(p) {
		pos := off + int64(n)
		if pos >= r.size {
			return n, io.EOF
		}
		if c := r.find(pos); c != nil {
			n += copy(p[n:], c.data[pos-c.off:])
			continue
		}
		end := min(r.size, pos+max(int64(len(p)-n), r.minFetch), r.nextChunk(pos))
		spec := "bytes=" + strconv.FormatInt(pos, 10) + "-" + strconv.FormatInt(end-1, 10)
		if err := r.fetch(spec, pos); err != nil {
			return n, err
		}
	}
	return n, nil
}

func (r *rangeReader) find(pos int64) *chunk {
	for i := range r.chunks {
		c := &r.chunks[i]
		if pos >= c.off && pos < c.off+int64(len(c.data)) {
			return c
		}
	}
	return nil
}

// nextChunk is the start of the first cached chunk after pos (or the size): a fetch
// stops there instead of fetching bytes it has.
func (r *rangeReader) nextChunk(pos int64) int64 {
	next := r.size
	for _, c := range r.chunks {
		if c.off > pos && c.off < next {
			next = c.off
		}
	}
	return next
}

// prefetchDirectory fetches the central directory in one request when the tail did not
// hold all of it, instead of letting the zip reader pull it in small pieces.
func (r *rangeReader) prefetchDirectory() {
	if len(r.chunks) != 1 {
		return
	}
	tail := r.chunks[0]
	i := bytes.LastIndex(tail.data, []byte("PK\x05\x06"))
	if i < 0 || len(tail.data)-i < 22 {
		return
	}
	eocd := tail.data[i:]
	size := int64(binary.LittleEndian.Uint32(eocd[12:]))
	offset := int64(binary.LittleEndian.Uint32(eocd[16:]))
	if offset == 0xffffffff || size == 0xffffffff || offset >= tail.off || offset+size > r.size {
		return // zip64, already fetched, or nonsense: the zip reader will ask for what it needs
	}
	if tail.off-offset > rangeMaxTotal {
		return
	}
	spec := "bytes=" + strconv.FormatInt(offset, 10) + "-" + strconv.FormatInt(tail.off-1, 10)
	_ = r.fetch(spec, offset) // a failure surfaces again when the zip reader reads there
}
