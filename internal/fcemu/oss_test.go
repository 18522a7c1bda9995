package fcemu

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	fc3 "github.com/alibabacloud-go/fc-20230330/v4/client"
	"github.com/alibabacloud-go/tea/tea"
	"github.com/aliyun/aliyun-oss-go-sdk/oss"
	fc "github.com/aliyun/fc-go-sdk"
)

func randomData(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func readObject(t *testing.T, b *oss.Bucket, key string, opts ...oss.Option) []byte {
	t.Helper()
	rc, err := b.GetObject(key, opts...)
	if err != nil {
		t.Fatalf("GetObject %s: %v", key, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return data
}

// exerciseObjects puts, reads, lists and deletes objects through b.
func exerciseObjects(t *testing.T, b *oss.Bucket) {
	t.Helper()
	data := randomData(t, 64<<10)
	key := "dir/a b+c~.zip"
	if err := b.PutObject(key, bytes.NewReader(data)); err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	if got := readObject(t, b, key); !bytes.Equal(got, data) {
		t.Fatalf("GetObject returned %d bytes, want the %d put", len(got), len(data))
	}
	if got := readObject(t, b, key, oss.Range(10, 19)); !bytes.Equal(got, data[10:20]) {
		t.Errorf("ranged GetObject = %d bytes, want bytes 10-19", len(got))
	}
	meta, err := b.GetObjectDetailedMeta(key)
	if err != nil {
		t.Fatalf("HEAD: %v", err)
	}
	if meta.Get("Content-Length") != strconv.Itoa(len(data)) || meta.Get("X-Oss-Hash-Crc64ecma") != crcDecimal(data) ||
		meta.Get("Content-Type") != "application/zip" || meta.Get("ETag") == "" {
		t.Errorf("HEAD headers = %v", meta)
	}
	// GetObjectToFile compares the downloaded CRC-64 with x-oss-hash-crc64ecma.
	file := filepath.Join(t.TempDir(), "copy.zip")
	if err := b.GetObjectToFile(key, file); err != nil {
		t.Fatalf("GetObjectToFile: %v", err)
	}
	if got, _ := os.ReadFile(file); !bytes.Equal(got, data) {
		t.Error("GetObjectToFile content differs")
	}
	if err := b.PutObject("dir/sub/x", strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
	if err := b.PutObject("top", strings.NewReader("t")); err != nil {
		t.Fatal(err)
	}
	list, err := b.ListObjects(oss.Prefix("dir/"), oss.Delimiter("/"))
	if err != nil {
		t.Fatalf("ListObjects: %v", err)
	}
	if len(list.Objects) != 1 || list.Objects[0].Key != key || list.Objects[0].Size != int64(len(data)) ||
		len(list.CommonPrefixes) != 1 || list.CommonPrefixes[0] != "dir/sub/" {
		t.Errorf("ListObjects dir/ = %+v", list)
	}
	page, err := b.ListObjectsV2(oss.MaxKeys(2))
	if err != nil || len(page.Objects) != 2 || !page.IsTruncated {
		t.Fatalf("ListObjectsV2 page 1 = %+v, %v", page, err)
	}
	rest, err := b.ListObjectsV2(oss.ContinuationToken(page.NextContinuationToken))
	if err != nil || len(rest.Objects) != 1 || rest.Objects[0].Key != "top" || rest.IsTruncated {
		t.Errorf("ListObjectsV2 page 2 = %+v, %v", rest, err)
	}
	if err := b.DeleteObject(key); err != nil {
		t.Fatalf("DeleteObject: %v", err)
	}
	if ok, err := b.IsObjectExist(key); ok || err != nil {
		t.Errorf("IsObjectExist after delete = %v, %v", ok, err)
	}
	_, err = b.GetObject(key)
	if status, code := ossCode(err); status != 404 || code != "NoSuchKey" {
		t.Errorf("GetObject after delete: %d %s (%v)", status, code, err)
	}
}

// exerciseMultipart uploads three parts by hand and a file with the SDK's concurrent uploader.
func exerciseMultipart(t *testing.T, b *oss.Bucket) {
	t.Helper()
	data := randomData(t, 250<<10)
	imur, err := b.InitiateMultipartUpload("big/code.zip")
	if err != nil {
		t.Fatalf("InitiateMultipartUpload: %v", err)
	}
	var parts []oss.UploadPart
	for i, chunk := range [][]byte{data[:100<<10], data[100<<10 : 200<<10], data[200<<10:]} {
		p, err := b.UploadPart(imur, bytes.NewReader(chunk), int64(len(chunk)), i+1)
		if err != nil {
			t.Fatalf("UploadPart %d: %v", i+1, err)
		}
		parts = append(parts, p)
	}
	wrong := append([]oss.UploadPart(nil), parts...)
	wrong[1].ETag = `"00000000000000000000000000000000"`
	_, err = b.CompleteMultipartUpload(imur, wrong)
	if status, code := ossCode(err); status != 400 || code != "InvalidPart" {
		t.Errorf("complete with a wrong ETag: %d %s (%v)", status, code, err)
	}
	res, err := b.CompleteMultipartUpload(imur, parts)
	if err != nil {
		t.Fatalf("CompleteMultipartUpload: %v", err)
	}
	if !strings.HasSuffix(res.ETag, `-3"`) {
		t.Errorf("multipart ETag = %s, want the -3 form", res.ETag)
	}
	if got := readObject(t, b, "big/code.zip"); !bytes.Equal(got, data) {
		t.Errorf("assembled object: %d bytes, want %d", len(got), len(data))
	}

	small, err := b.InitiateMultipartUpload("small")
	if err != nil {
		t.Fatal(err)
	}
	p1, _ := b.UploadPart(small, strings.NewReader("tiny"), 4, 1)
	p2, _ := b.UploadPart(small, strings.NewReader("tail"), 4, 2)
	_, err = b.CompleteMultipartUpload(small, []oss.UploadPart{p1, p2})
	if status, code := ossCode(err); status != 400 || code != "EntityTooSmall" {
		t.Errorf("complete with a 4-byte first part: %d %s (%v)", status, code, err)
	}
	if err := b.AbortMultipartUpload(small); err != nil {
		t.Fatalf("AbortMultipartUpload: %v", err)
	}
	_, err = b.UploadPart(small, strings.NewReader("x"), 1, 3)
	if status, code := ossCode(err); status != 404 || code != "NoSuchUpload" {
		t.Errorf("UploadPart after abort: %d %s (%v)", status, code, err)
	}

	file := filepath.Join(t.TempDir(), "upload.zip")
	fileData := randomData(t, 350<<10)
	if err := os.WriteFile(file, fileData, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := b.UploadFile("uploaded.zip", file, 100<<10, oss.Routines(3)); err != nil {
		t.Fatalf("UploadFile: %v", err)
	}
	if got := readObject(t, b, "uploaded.zip"); !bytes.Equal(got, fileData) {
		t.Errorf("UploadFile object: %d bytes, want %d", len(got), len(fileData))
	}
}

func TestOSSObjectsV1(t *testing.T) {
	_, base := start(t, WithBucket("user-bucket"))
	b, err := ossClient(t, base, testKeyID, testSecret).Bucket("user-bucket")
	if err != nil {
		t.Fatal(err)
	}
	exerciseObjects(t, b)
	exerciseMultipart(t, b)
}

func TestOSSObjectsV4(t *testing.T) {
	_, base := start(t, WithBucket("user-bucket"))
	c := ossClient(t, base, testKeyID, testSecret, oss.AuthVersion(oss.AuthV4), oss.Region(testRegion))
	b, err := c.Bucket("user-bucket")
	if err != nil {
		t.Fatal(err)
	}
	exerciseObjects(t, b)
	exerciseMultipart(t, b)

	// A V4 signature names its region: another region's is refused.
	beijing := ossClient(t, base, testKeyID, testSecret, oss.AuthVersion(oss.AuthV4), oss.Region("cn-beijing"))
	bb, _ := beijing.Bucket("user-bucket")
	err = bb.PutObject("k", strings.NewReader("v"))
	if status, code := ossCode(err); status != 400 || code != "InvalidArgument" {
		t.Errorf("V4 signed for cn-beijing: %d %s (%v)", status, code, err)
	}
	wrong := ossClient(t, base, testKeyID, "wrong", oss.AuthVersion(oss.AuthV4), oss.Region(testRegion))
	wb, _ := wrong.Bucket("user-bucket")
	err = wb.PutObject("k", strings.NewReader("v"))
	if status, code := ossCode(err); status != 403 || code != "SignatureDoesNotMatch" {
		t.Errorf("V4 with a wrong secret: %d %s (%v)", status, code, err)
	}
}

// The SDK addresses a domain endpoint virtual-hosted style (bucket.host): the emulator
// takes the bucket from the Host header.
func TestOSSVirtualHosted(t *testing.T) {
	_, base := start(t, WithBucket("user-bucket"))
	u, _ := url.Parse(base)
	dial := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, u.Host)
	}}}
	c := ossClient(t, "http://oss-cn-hangzhou.aliyuncs.com", testKeyID, testSecret, oss.HTTPClient(dial))
	b, err := c.Bucket("user-bucket")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.PutObject("k.txt", strings.NewReader("virtual")); err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	if got := readObject(t, b, "k.txt"); string(got) != "virtual" {
		t.Errorf("GetObject = %q", got)
	}
	// The same object through path style.
	pb, _ := ossClient(t, base, testKeyID, testSecret).Bucket("user-bucket")
	if got := readObject(t, pb, "k.txt"); string(got) != "virtual" {
		t.Errorf("path-style GetObject = %q", got)
	}
}

func TestOSSAuth(t *testing.T) {
	clock := newTestClock()
	e, base := start(t, WithBucket("user-bucket"), WithClock(clock.Now))
	put := func(c *oss.Client, bucket string) error {
		b, err := c.Bucket(bucket)
		if err != nil {
			return err
		}
		return b.PutObject("k", strings.NewReader("v"))
	}
	sts := e.IssueSTS(time.Minute)
	if err := put(ossClient(t, base, sts.AccessKeyID, sts.AccessKeySecret, oss.SecurityToken(sts.SecurityToken)), "user-bucket"); err != nil {
		t.Errorf("STS credentials refused: %v", err)
	}
	tests := []struct {
		name   string
		client *oss.Client
		bucket string
		status int
		code   string
	}{
		{"wrong secret", ossClient(t, base, testKeyID, "wrong"), "user-bucket", 403, "SignatureDoesNotMatch"},
		{"unknown key", ossClient(t, base, "LTAInobody", testSecret), "user-bucket", 403, "InvalidAccessKeyId"},
		{"missing bucket", ossClient(t, base, testKeyID, testSecret), "no-such-bucket", 404, "NoSuchBucket"},
		{"temporary code bucket", ossClient(t, base, testKeyID, testSecret), e.TempBucket(), 403, "AccessDenied"},
	}
	for _, tt := range tests {
		err := put(tt.client, tt.bucket)
		if status, code := ossCode(err); status != tt.status || code != tt.code {
			t.Errorf("%s: %d %s (%v), want %d %s", tt.name, status, code, err, tt.status, tt.code)
		}
	}
	resp, err := http.Get(base + "/user-bucket/k")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 || !bytes.Contains(body, []byte("<Code>AccessDenied</Code>")) || resp.Header.Get("X-Oss-Request-Id") == "" {
		t.Errorf("anonymous GET: %d %s", resp.StatusCode, body)
	}
	clock.Add(2 * time.Minute)
	err = put(ossClient(t, base, sts.AccessKeyID, sts.AccessKeySecret, oss.SecurityToken(sts.SecurityToken)), "user-bucket")
	if status, code := ossCode(err); status != 403 || code != "SecurityTokenExpired" {
		t.Errorf("expired token: %d %s (%v)", status, code, err)
	}
	clock.Add(20 * time.Minute)
	err = put(ossClient(t, base, testKeyID, testSecret), "user-bucket")
	if status, code := ossCode(err); status != 403 || code != "RequestTimeTooSkewed" {
		t.Errorf("22 minutes of skew: %d %s (%v)", status, code, err)
	}
}

// A function created from an object in the user's bucket (FC 2.0) and from FC's temporary
// code bucket (GetTempBucketToken, then FC 3.0), then invoked.
func TestFunctionCodeFromOSS(t *testing.T) {
	rec := &recorder{}
	e, base := start(t, WithBucket("user-bucket"), rec.option())
	code := handlerZip(t)

	ub, _ := ossClient(t, base, testKeyID, testSecret).Bucket("user-bucket")
	if err := ub.PutObject("runtimes/worker.zip", bytes.NewReader(code)); err != nil {
		t.Fatal(err)
	}
	c2 := fc2Client(t, e, base, testKeyID, testSecret)
	if _, err := c2.CreateService(fc.NewCreateServiceInput().WithServiceName("svc")); err != nil {
		t.Fatal(err)
	}
	f2, err := c2.CreateFunction(fc.NewCreateFunctionInput("svc").WithFunctionName("from-user-bucket").WithRuntime("python3.10").
		WithHandler("index.handler").WithCode(fc.NewCode().WithOSSBucketName("user-bucket").WithOSSObjectName("runtimes/worker.zip")))
	if err != nil {
		t.Fatalf("CreateFunction from the user bucket: %v", err)
	}
	if *f2.CodeChecksum != crcDecimal(code) || *f2.CodeSize != int64(len(code)) {
		t.Errorf("from the user bucket: checksum %s size %d", *f2.CodeChecksum, *f2.CodeSize)
	}

	tok, err := c2.GetTempBucketToken()
	if err != nil {
		t.Fatalf("GetTempBucketToken: %v", err)
	}
	key := e.AccountID() + "/" + tok.ObjectName
	up := ossClient(t, base, tok.Credentials.AccessKeyID, tok.Credentials.AccessKeySecret, oss.SecurityToken(tok.Credentials.SecurityToken))
	tb, _ := up.Bucket(tok.OssBucket)
	if err := tb.PutObject(key, bytes.NewReader(code)); err != nil {
		t.Fatalf("upload to the temporary bucket: %v", err)
	}
	err = tb.PutObject(key+"-other", strings.NewReader("x"))
	if status, code := ossCode(err); status != 403 || code != "AccessDenied" {
		t.Errorf("temporary credentials on another key: %d %s (%v)", status, code, err)
	}
	c3 := fc3Client(t, base, testKeyID, testSecret, "")
	f3, err := fc3Create(c3, &fc3.CreateFunctionInput{
		FunctionName: tea.String("from-temp-bucket"), Runtime: tea.String("python3.10"), Handler: tea.String("index.handler"),
		Code: &fc3.InputCodeLocation{OssBucketName: tea.String(tok.OssBucket), OssObjectName: tea.String(key), Checksum: tea.String(crcDecimal(code))},
	})
	if err != nil {
		t.Fatalf("CreateFunction from the temporary bucket: %v", err)
	}
	if tea.StringValue(f3.CodeChecksum) != crcDecimal(code) {
		t.Errorf("from the temporary bucket: checksum %s", tea.StringValue(f3.CodeChecksum))
	}
	if puts := rec.callsOf(OpPutObject); len(puts) != 3 || puts[1].Resource != tok.OssBucket+"/"+key || puts[1].Status != 200 {
		t.Errorf("PutObject calls = %+v", puts)
	}

	needPython(t, e, "3.10", "python3.10")
	inv, err := c2.InvokeFunction(fc.NewInvokeFunctionInput("svc", "from-user-bucket").WithPayload([]byte("a")))
	if err != nil || inv.GetErrorType() != "" || !bytes.Contains(inv.Payload, []byte(`"event": "a"`)) {
		t.Errorf("invoke FC 2.0 function from OSS: %v %s %s", err, inv.GetErrorType(), inv.Payload)
	}
	a, err := fc3Invoke(c3, "from-temp-bucket", []byte("b"), nil)
	if status, _ := fc3Code(err); status == 412 { // Pending for one poll
		a, err = fc3Invoke(c3, "from-temp-bucket", []byte("b"), nil)
	}
	if err != nil || a.header("x-fc-error-type") != "" || !bytes.Contains(a.body, []byte(`"event": "b"`)) {
		t.Errorf("invoke FC 3.0 function from the temporary bucket: %v %s", err, a.body)
	}
}

// TestOSSBuckets creates buckets and reads their information through the OSS SDK, signed
// V1 and V4 (as Lithops 3.7 finds its bucket: GetBucketInfo, then PutBucket when it is
// missing): PutBucket of a bucket the account owns answers 200 and changes nothing, of a
// name another account holds 409 BucketAlreadyExists; GetBucketInfo of a missing bucket
// is 404 NoSuchBucket, of another account's 403; a wrong secret is refused on both.
func TestOSSBuckets(t *testing.T) {
	for _, v4 := range []bool{false, true} {
		t.Run(map[bool]string{false: "V1", true: "V4"}[v4], func(t *testing.T) {
			_, base := start(t, WithForeignBucket("taken-bucket"))
			client := func(secret string) *oss.Client {
				opts := []oss.ClientOption{}
				if v4 {
					opts = append(opts, oss.AuthVersion(oss.AuthV4), oss.Region(testRegion))
				}
				return ossClient(t, base, testKeyID, secret, opts...)
			}
			c := client(testSecret)
			_, err := c.GetBucketInfo("new-bucket")
			if status, code := ossCode(err); status != 404 || code != "NoSuchBucket" {
				t.Errorf("GetBucketInfo of a missing bucket: %d %s (%v)", status, code, err)
			}
			if err := c.CreateBucket("new-bucket"); err != nil {
				t.Fatalf("CreateBucket: %v", err)
			}
			b, _ := c.Bucket("new-bucket")
			if err := b.PutObject("k", strings.NewReader("v")); err != nil {
				t.Fatal(err)
			}
			info, err := c.GetBucketInfo("new-bucket")
			if err != nil || info.BucketInfo.Name != "new-bucket" || info.BucketInfo.Location != "oss-"+testRegion || info.BucketInfo.CreationDate.IsZero() {
				t.Errorf("GetBucketInfo = %+v, %v", info.BucketInfo, err)
			}
			if err := c.CreateBucket("new-bucket"); err != nil {
				t.Errorf("CreateBucket of a bucket the account owns: %v (OSS answers 200)", err)
			}
			if got := readObject(t, b, "k"); string(got) != "v" {
				t.Errorf("the object did not survive a second CreateBucket: %q", got)
			}
			err = c.CreateBucket("taken-bucket")
			if status, code := ossCode(err); status != 409 || code != "BucketAlreadyExists" {
				t.Errorf("CreateBucket of another account's name: %d %s (%v)", status, code, err)
			}
			_, err = c.GetBucketInfo("taken-bucket")
			if status, code := ossCode(err); status != 403 || code != "AccessDenied" {
				t.Errorf("GetBucketInfo of another account's bucket: %d %s (%v)", status, code, err)
			}
			for name, call := range map[string]func(*oss.Client) error{
				"GetBucketInfo": func(c *oss.Client) error { _, err := c.GetBucketInfo("new-bucket"); return err },
				"CreateBucket":  func(c *oss.Client) error { return c.CreateBucket("other-bucket") },
			} {
				if status, code := ossCode(call(client("wrong"))); status != 403 || code != "SignatureDoesNotMatch" {
					t.Errorf("%s with a wrong secret: %d %s", name, status, code)
				}
			}
		})
	}
}

// TestObjectListingPages: paging through ListObjects, V1 by NextMarker and V2 by
// NextContinuationToken, lists every object and common prefix of the one-page listing
// exactly once, whatever max-keys, prefix and delimiter (a page may end inside a group).
func TestObjectListingPages(t *testing.T) {
	objects := map[string]*object{}
	for _, k := range []string{"a", "a/b", "a/c/d", "a/c/e", "a b/x", "b/1", "b/2", "b/3/4", "c", "d/é", "d/z/y", "e/", "e//f"} {
		objects[k] = &object{Key: k}
	}
	// list pages from params on; one page when max-keys is 1000.
	list := func(t *testing.T, params url.Values) []string {
		var entries []string
		for pages := 0; pages <= len(objects); pages++ {
			q, apiErr := parseObjectQuery(params)
			if apiErr != nil {
				t.Fatalf("%v: %v", params, apiErr)
			}
			res := q.result("b", q.page(q.candidates(objects), objects))
			for _, o := range res.Contents {
				entries = append(entries, "object "+o.Key)
			}
			for _, p := range res.CommonPrefixes {
				entries = append(entries, "prefix "+p.Prefix)
			}
			switch {
			case !res.IsTruncated:
				sort.Strings(entries)
				return entries
			case q.v2:
				params.Set("continuation-token", res.NextContinuationToken)
			default:
				params.Set("marker", res.NextMarker)
			}
		}
		t.Fatalf("%v: more pages than objects", params)
		return nil
	}
	for _, listType := range []string{"", "2"} {
		for _, prefix := range []string{"", "a", "a/", "b/", "e/"} {
			for _, delimiter := range []string{"", "/", "b"} {
				query := func(maxKeys int) url.Values {
					return url.Values{"list-type": {listType}, "prefix": {prefix}, "delimiter": {delimiter}, "max-keys": {strconv.Itoa(maxKeys)}}
				}
				want := list(t, query(1000))
				for maxKeys := 1; maxKeys <= 4; maxKeys++ {
					if got := list(t, query(maxKeys)); !slices.Equal(got, want) {
						t.Errorf("list-type %q prefix %q delimiter %q max-keys %d: pages list\n%q\nwant\n%q", listType, prefix, delimiter, maxKeys, got, want)
					}
				}
			}
		}
	}
}
