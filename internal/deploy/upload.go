package deploy

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash/crc64"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"
	"golang.org/x/sync/errgroup"

	"github.com/lithops-fc/runtime-action/internal/credentials"
	"github.com/lithops-fc/runtime-action/internal/fcruntime"
)

// PackagePrefix is where runtime zips go in the storage bucket, each under its SHA-256,
// so that an unchanged package is never uploaded twice.
const PackagePrefix = "lithops.runtimes/packages/"

// PackageKey is the storage-bucket object of a package.
func PackageKey(p Package) string { return PackagePrefix + p.SHA256 + ".zip" }

// Uploader gets a package to FC: inline (base64) when it fits FC's request limit, else
// through OSS: the user's storage bucket under a content-addressed key, or FC's
// temporary upload bucket when there is none. It also writes and removes the storage
// bucket's objects (published metadata, uploads it made).
type Uploader struct {
	bucket      string // the storage bucket; "" means FC's temporary bucket
	ossEndpoint string // the oss-endpoint input; "" derives it from the region (the temporary bucket's: from FC's answer)
	region      string
	account     string
	creds       credentials.Credentials
	fc2         *fc2Transport // GetTempBucketToken
	inline      int64         // largest base64 zipFile sent inline
	partSize    int64
	parallel    int
	retry       RetryPolicy
	progress    time.Duration
	timeout     Timeouts
	log         func(string, ...any)
	redact      redactor

	once    sync.Once
	client  *oss.Client
	initErr error
}

// Inline reports whether a package of size bytes is sent inline.
func (u *Uploader) Inline(size int64) bool { return fcruntime.Base64Size(size) <= u.inline }

// Upload makes pkg available to FC and returns where it is. OSS uploads are skipped when
// the object already holds the same bytes (same CRC-64 and size).
func (u *Uploader) Upload(ctx context.Context, pkg Package) (Code, error) {
	if err := ctx.Err(); err != nil {
		return Code{}, err
	}
	if u.Inline(pkg.Size) {
		b, err := os.ReadFile(pkg.Path)
		if err != nil {
			return Code{}, fmt.Errorf("read package: %w", err)
		}
		if int64(len(b)) != pkg.Size {
			return Code{}, fmt.Errorf("package %s changed: %d bytes, the build said %d", pkg.Path, len(b), pkg.Size)
		}
		return Code{ZipFile: base64.StdEncoding.EncodeToString(b), Checksum: pkg.CodeChecksum}, nil
	}
	if u.bucket == "" {
		return u.uploadTemp(ctx, pkg)
	}
	bucket, err := u.storage()
	if err != nil {
		return Code{}, err
	}
	key := PackageKey(pkg)
	code := Code{Bucket: u.bucket, Object: key, Checksum: pkg.CodeChecksum}
	h, err := u.head(ctx, bucket, key)
	switch {
	case err == nil && h.Get("Content-Length") == strconv.FormatInt(pkg.Size, 10) && h.Get(oss.HTTPHeaderOssCRC64) == pkg.CodeChecksum:
		u.log("package already in oss://%s/%s, not uploaded again", u.bucket, key)
		return code, nil
	case err != nil && !errors.Is(err, ErrNotFound):
		return Code{}, err
	}
	if err := u.put(ctx, bucket, key, pkg, u.redact); err != nil {
		return Code{}, err
	}
	code.Uploaded = true
	return code, nil
}

// uploadTemp uploads pkg to FC's temporary bucket with the credentials FC hands out.
func (u *Uploader) uploadTemp(ctx context.Context, pkg Package) (Code, error) {
	var tok struct {
		bucket, object, region string
		creds                  credentials.Credentials
	}
	err := u.try(ctx, "get FC's temporary upload bucket", u.timeout.Call, func(cctx context.Context) error {
		out, err := u.fc2.tempBucketToken(cctx)
		if err != nil {
			return err
		}
		tok.bucket, tok.object, tok.region = out.OssBucket, out.ObjectName, out.OssRegion
		tok.creds = credentials.Credentials{AccessKeyID: out.Credentials.AccessKeyID,
			AccessKeySecret: out.Credentials.AccessKeySecret, SecurityToken: out.Credentials.SecurityToken}
		return nil
	})
	if err != nil {
		return Code{}, err
	}
	endpoint := u.ossEndpoint
	if endpoint == "" && tok.region != "" {
		endpoint = "https://" + tok.region + ".aliyuncs.com"
	}
	if tok.bucket == "" || tok.object == "" || endpoint == "" || tok.creds.AccessKeyID == "" || tok.creds.AccessKeySecret == "" {
		return Code{}, errors.New("FC 2.0 GetTempBucketToken: the answer lacks the bucket, object, region or credentials to upload with; " +
			"give a storage-bucket to upload through it instead")
	}
	redact := append(append(redactor{}, u.redact...), tok.creds.AccessKeySecret, tok.creds.SecurityToken)
	client, err := newOSSClient(endpoint, tok.creds, u.timeout.Call)
	if err != nil {
		return Code{}, fmt.Errorf("OSS client for FC's temporary bucket: %w", err)
	}
	bucket, err := client.Bucket(tok.bucket)
	if err != nil {
		return Code{}, fmt.Errorf("OSS bucket %s: %w", tok.bucket, err)
	}
	key := u.account + "/" + tok.object
	if err := u.put(ctx, bucket, key, pkg, redact); err != nil {
		return Code{}, err
	}
	return Code{Bucket: tok.bucket, Object: key, Checksum: pkg.CodeChecksum, Uploaded: true, Temporary: true}, nil
}

func newOSSClient(endpoint string, c credentials.Credentials, timeout time.Duration) (*oss.Client, error) {
	// The read-write timeout is per read or write, not per request: a part upload
	// making progress is never cut; the request's context bounds the whole.
	opts := []oss.ClientOption{oss.Timeout(int64(connectTimeout/time.Second), int64(timeout/time.Second)), oss.UserAgent(userAgent)}
	if c.SecurityToken != "" {
		opts = append(opts, oss.SecurityToken(c.SecurityToken))
	}
	return oss.New(endpoint, c.AccessKeyID, c.AccessKeySecret, opts...)
}

// storage returns the storage bucket's client, made on first use.
func (u *Uploader) storage() (*oss.Bucket, error) {
	if u.bucket == "" {
		return nil, errors.New("no storage-bucket given")
	}
	endpoint := u.ossEndpoint
	if endpoint == "" {
		endpoint = DefaultOSSEndpoint(u.region)
	}
	u.once.Do(func() {
		u.client, u.initErr = newOSSClient(endpoint, u.creds, u.timeout.Call)
	})
	if u.initErr != nil {
		return nil, fmt.Errorf("OSS client for %s: %w", shownURL(endpoint), u.initErr)
	}
	b, err := u.client.Bucket(u.bucket)
	if err != nil {
		return nil, fmt.Errorf("OSS bucket %s: %w", u.bucket, err)
	}
	return b, nil
}

// ossError turns the OSS SDK's error into an *APIError.
func (u *Uploader) ossError(op, resource string, err error) error {
	return ossError(u.redact, op, resource, err)
}

func ossError(red redactor, op, resource string, err error) error {
	var se oss.ServiceError
	if errors.As(err, &se) {
		code := se.Code
		if code == "" && se.StatusCode == http.StatusNotFound {
			code = "NoSuchKey" // HEAD answers have no body
		}
		return &APIError{Service: "OSS", Op: op, Resource: resource, Status: se.StatusCode, Code: code,
			Message: red.apply(se.Message), RequestID: se.RequestID}
	}
	for _, c := range []error{context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, c) { // the SDK's message would quote the whole request URL
			return fmt.Errorf("OSS %s %s: %w", op, resource, c)
		}
	}
	// The SDK's text quotes the request URL (signed queries): it is redacted, so the
	// error chain is cut here; whether a retry may help is kept (see Retryable).
	return &redactedError{msg: fmt.Sprintf("OSS %s %s: %s", op, resource, red.apply(err.Error())),
		retryable: Retryable(err), dial: unreachable(err)}
}

func (u *Uploader) head(ctx context.Context, b *oss.Bucket, key string) (http.Header, error) {
	var h http.Header
	err := u.try(ctx, "look up oss://"+b.BucketName+"/"+key, u.timeout.Call, func(cctx context.Context) error {
		var err error
		h, err = b.GetObjectDetailedMeta(key, oss.WithContext(cctx))
		if err != nil {
			return u.ossError("HeadObject", b.BucketName+"/"+key, err)
		}
		return nil
	})
	return h, err
}

// put uploads pkg to key: one PutObject for a small package, else a multipart upload
// with parts sent in parallel (an interrupted one is aborted, so no parts linger).
func (u *Uploader) put(ctx context.Context, b *oss.Bucket, key string, pkg Package, red redactor) error {
	where := "oss://" + b.BucketName + "/" + key
	u.log("uploading %s (%s) to %s", filepath.Base(pkg.Path), sizeMB(pkg.Size), where)
	f, err := os.Open(pkg.Path)
	if err != nil {
		return fmt.Errorf("read package: %w", err)
	}
	defer f.Close()
	prog := &progress{log: u.log, what: where, total: pkg.Size, every: u.progress, last: time.Now()}
	if pkg.Size <= u.partSize {
		err := u.try(ctx, "upload to "+where, u.timeout.bytes(pkg.Size), func(cctx context.Context) error {
			if err := b.PutObject(key, io.NewSectionReader(f, 0, pkg.Size), oss.WithContext(cctx), oss.ContentType("application/zip")); err != nil {
				return ossError(red, "PutObject", b.BucketName+"/"+key, err)
			}
			return nil
		})
		if err != nil {
			return err
		}
		prog.add(pkg.Size)
		u.log("uploaded %s", where)
		return nil
	}
	var imur oss.InitiateMultipartUploadResult
	err = u.try(ctx, "start the upload to "+where, u.timeout.Call, func(cctx context.Context) error {
		var err error
		if imur, err = b.InitiateMultipartUpload(key, oss.WithContext(cctx), oss.ContentType("application/zip")); err != nil {
			return ossError(red, "InitiateMultipartUpload", b.BucketName+"/"+key, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	n := int((pkg.Size + u.partSize - 1) / u.partSize)
	parts := make([]oss.UploadPart, n)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(u.parallel)
	for i := range n {
		g.Go(func() error {
			off := int64(i) * u.partSize
			size := min(u.partSize, pkg.Size-off)
			return u.try(gctx, fmt.Sprintf("upload part %d of %d to %s", i+1, n, where), u.timeout.bytes(size), func(cctx context.Context) error {
				p, err := b.UploadPart(imur, io.NewSectionReader(f, off, size), size, i+1, oss.WithContext(cctx))
				if err != nil {
					return ossError(red, "UploadPart", b.BucketName+"/"+key, err)
				}
				parts[i] = p
				prog.add(size)
				return nil
			})
		})
	}
	err = g.Wait()
	if err == nil {
		err = u.try(ctx, "complete the upload to "+where, u.timeout.Call, func(cctx context.Context) error {
			if _, err := b.CompleteMultipartUpload(imur, parts, oss.WithContext(cctx)); err != nil {
				return ossError(red, "CompleteMultipartUpload", b.BucketName+"/"+key, err)
			}
			return nil
		})
	}
	if err != nil {
		// Aborted even when the run is cancelled: parts left behind are billed storage.
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), u.timeout.Call)
		defer cancel()
		if aerr := b.AbortMultipartUpload(imur, oss.WithContext(actx)); aerr != nil {
			u.log("could not abort the unfinished upload to %s: %v", where, ossError(red, "AbortMultipartUpload", b.BucketName+"/"+key, aerr))
		}
		return err
	}
	u.log("uploaded %s in %d parts", where, n)
	return nil
}

// try runs call under the retry policy, each attempt bounded by timeout.
func (u *Uploader) try(ctx context.Context, what string, timeout time.Duration, call func(context.Context) error) error {
	return retry(ctx, u.retry, u.log, what, func() error {
		cctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		return call(cctx)
	})
}

// progress prints how far an upload got, at most every `every`.
type progress struct {
	log   func(string, ...any)
	what  string
	total int64
	every time.Duration
	done  atomic.Int64
	mu    sync.Mutex
	last  time.Time
}

func (p *progress) add(n int64) {
	done := p.done.Add(n)
	p.mu.Lock()
	defer p.mu.Unlock()
	if done < p.total && time.Since(p.last) < p.every {
		return
	}
	p.last = time.Now()
	if done < p.total {
		p.log("uploading to %s: %d%% (%s of %s)", p.what, done*100/p.total, sizeMB(done), sizeMB(p.total))
	}
}

func sizeMB(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }

// GetObject reads a storage-bucket object; a missing one is ErrNotFound.
func (u *Uploader) GetObject(ctx context.Context, key string) ([]byte, error) {
	b, err := u.storage()
	if err != nil {
		return nil, err
	}
	var data []byte
	err = u.try(ctx, "read oss://"+u.bucket+"/"+key, u.timeout.Call, func(cctx context.Context) error {
		r, err := b.GetObject(key, oss.WithContext(cctx))
		if err != nil {
			return u.ossError("GetObject", u.bucket+"/"+key, err)
		}
		defer r.Close()
		data, err = io.ReadAll(io.LimitReader(r, maxAnswer))
		return err
	})
	return data, err
}

// PutObject writes a storage-bucket object.
func (u *Uploader) PutObject(ctx context.Context, key string, data []byte, contentType string) error {
	b, err := u.storage()
	if err != nil {
		return err
	}
	return u.try(ctx, "write oss://"+u.bucket+"/"+key, u.timeout.Call, func(cctx context.Context) error {
		if err := b.PutObject(key, bytes.NewReader(data), oss.WithContext(cctx), oss.ContentType(contentType)); err != nil {
			return u.ossError("PutObject", u.bucket+"/"+key, err)
		}
		return nil
	})
}

// DeleteObject removes a storage-bucket object (a missing one is not an error).
func (u *Uploader) DeleteObject(ctx context.Context, key string) error {
	b, err := u.storage()
	if err != nil {
		return err
	}
	return u.try(ctx, "delete oss://"+u.bucket+"/"+key, u.timeout.Call, func(cctx context.Context) error {
		if err := b.DeleteObject(key, oss.WithContext(cctx)); err != nil {
			return u.ossError("DeleteObject", u.bucket+"/"+key, err)
		}
		return nil
	})
}

// ListObjects returns the keys of the storage-bucket objects under prefix, all pages
// read; a bucket that does not exist holds none.
func (u *Uploader) ListObjects(ctx context.Context, prefix string) ([]string, error) {
	b, err := u.storage()
	if err != nil {
		return nil, err
	}
	var keys []string
	err = pages(func(token string) (string, error) {
		var next string
		err := u.try(ctx, "list oss://"+u.bucket+"/"+prefix+"*", u.timeout.Call, func(cctx context.Context) error {
			opts := []oss.Option{oss.Prefix(prefix), oss.MaxKeys(1000), oss.WithContext(cctx)}
			if token != "" {
				opts = append(opts, oss.ContinuationToken(token))
			}
			res, err := b.ListObjectsV2(opts...)
			if err != nil {
				return u.ossError("ListObjects", u.bucket+"/"+prefix, err)
			}
			for _, o := range res.Objects {
				keys = append(keys, o.Key)
			}
			if res.IsTruncated {
				next = res.NextContinuationToken
				if next == "" {
					return errors.New("OSS ListObjects " + u.bucket + ": a truncated page without a continuation token")
				}
			}
			return nil
		})
		return next, err
	})
	var ae *APIError
	if errors.As(err, &ae) && ae.Code == "NoSuchBucket" {
		return nil, nil
	}
	return keys, err
}

// Remove deletes the storage-bucket object of code when this run uploaded it (the
// temporary bucket is FC's to clean).
func (u *Uploader) Remove(ctx context.Context, code Code) error {
	if !code.Uploaded || code.Temporary || code.Bucket == "" || code.Bucket != u.bucket {
		return nil
	}
	return u.DeleteObject(ctx, code.Object)
}

// download saves the zip at a GetFunctionCode URL into dir and checks it against
// FC's checksum. Errors name the URL without its query (a signed URL's credentials).
func download(ctx context.Context, client *http.Client, rawURL, dir, checksum string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return "", fmt.Errorf("download the code from %s: bad URL", shownURL(rawURL))
	}
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its message would quote the signed URL
		}
		return "", fmt.Errorf("download the code from %s: %w", shownURL(rawURL), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("download the code from %s: HTTP %d", shownURL(rawURL), resp.StatusCode)
	}
	f, err := os.CreateTemp(dir, "previous-*.zip")
	if err != nil {
		return "", fmt.Errorf("keep the previous code: %w", err)
	}
	crc := crc64.New(crc64.MakeTable(crc64.ECMA))
	_, err = io.Copy(io.MultiWriter(f, crc), resp.Body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("download the code from %s: %w", shownURL(rawURL), err)
	}
	if got := strconv.FormatUint(crc.Sum64(), 10); checksum != "" && got != checksum {
		os.Remove(f.Name())
		return "", fmt.Errorf("download the code from %s: checksum %s, FC says %s", shownURL(rawURL), got, checksum)
	}
	return f.Name(), nil
}

// packageOf describes a zip on disk (for restoring previous code).
func packageOf(path string) (Package, error) {
	f, err := os.Open(path)
	if err != nil {
		return Package{}, err
	}
	defer f.Close()
	crc := crc64.New(crc64.MakeTable(crc64.ECMA))
	sha := sha256.New()
	n, err := io.Copy(io.MultiWriter(crc, sha), f)
	if err != nil {
		return Package{}, err
	}
	return Package{Path: path, Size: n, SHA256: fmt.Sprintf("%x", sha.Sum(nil)), CodeChecksum: strconv.FormatUint(crc.Sum64(), 10)}, nil
}

// redactor replaces known secrets in text that came from a service.
type redactor []string

func (r redactor) apply(s string) string {
	for _, secret := range r {
		if len(secret) >= 4 {
			s = strings.ReplaceAll(s, secret, "***")
		}
	}
	return s
}

// Bucket is the storage bucket ("" when there is none).
func (u *Uploader) Bucket() string { return u.bucket }

// BucketTakenError is a storage bucket name that another account holds (OSS bucket names
// are global): the action cannot publish there, and neither can a Lithops client.
type BucketTakenError struct{ Bucket string }

func (e *BucketTakenError) Error() string {
	return fmt.Sprintf("the OSS bucket name %s is taken by another Alibaba Cloud account", e.Bucket)
}

// EnsureBucket makes the storage bucket exist, as Lithops 3.7's client does
// (aliyun_oss create_bucket): GetBucketInfo, and PutBucket when OSS answers
// NoSuchBucket. It reports whether it created the bucket. A name another account holds
// is a *BucketTakenError.
func (u *Uploader) EnsureBucket(ctx context.Context) (created bool, err error) {
	exists, err := u.BucketExists(ctx)
	if err != nil || exists {
		return false, err
	}
	err = u.try(ctx, "create oss://"+u.bucket, u.timeout.Call, func(cctx context.Context) error {
		if err := u.client.CreateBucket(u.bucket, oss.WithContext(cctx)); err != nil {
			return u.ossError("PutBucket", u.bucket, err)
		}
		return nil
	})
	var ae *APIError
	if errors.As(err, &ae) && ae.Status == http.StatusConflict && ae.Code == "BucketAlreadyExists" {
		return false, &BucketTakenError{Bucket: u.bucket}
	}
	if err != nil {
		return false, err
	}
	u.log("created the OSS bucket %s", u.bucket)
	return true, nil
}

// BucketExists looks the storage bucket up (GetBucketInfo) and changes nothing: a
// missing bucket is false, one another account holds (or these credentials may not
// read) a *BucketTakenError.
func (u *Uploader) BucketExists(ctx context.Context) (bool, error) {
	if _, err := u.storage(); err != nil {
		return false, err
	}
	var missing bool
	err := u.try(ctx, "look up oss://"+u.bucket, u.timeout.Call, func(cctx context.Context) error {
		_, err := u.client.GetBucketInfo(u.bucket, oss.WithContext(cctx))
		var se oss.ServiceError
		switch {
		case errors.As(err, &se) && se.Code == "NoSuchBucket":
			missing = true
			return nil
		case err != nil:
			return u.ossError("GetBucketInfo", u.bucket, err)
		}
		return nil
	})
	var ae *APIError
	if errors.As(err, &ae) && ae.Status == http.StatusForbidden && ae.Code == "AccessDenied" {
		return false, fmt.Errorf("%w (or these credentials may not read it: oss:GetBucketInfo)", &BucketTakenError{Bucket: u.bucket})
	}
	if err != nil {
		return false, err
	}
	return !missing, nil
}
