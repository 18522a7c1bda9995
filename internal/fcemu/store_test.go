package fcemu

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alibabacloud-go/tea/tea"
	fc "github.com/aliyun/fc-go-sdk"
)

// A second emulator on the same state folder sees what the first one stored, as a second
// --local run must.
func TestStateDirPersists(t *testing.T) {
	dir := t.TempDir()
	code := handlerZip(t)

	e1, base := start(t, WithStateDir(dir), WithBucket("user-bucket"))
	c2 := fc2Client(t, e1, base, testKeyID, testSecret)
	deployFC2(t, c2, "python3.10", "fn", "index.handler", 10)
	if _, err := fc3Create(fc3Client(t, base, testKeyID, testSecret, ""), newFC3Function("fn3", "python3.10", code)); err != nil {
		t.Fatal(err)
	}
	b, _ := ossClient(t, base, testKeyID, testSecret).Bucket("user-bucket")
	if err := b.PutObject("meta.json", strings.NewReader(`{"v":1}`)); err != nil {
		t.Fatal(err)
	}
	if err := e1.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "state.json")); err != nil {
		t.Fatalf("no state.json: %v", err)
	}

	e2, base2 := start(t, WithStateDir(dir))
	c2 = fc2Client(t, e2, base2, testKeyID, testSecret)
	got, err := c2.GetFunction(fc.NewGetFunctionInput("svc", "fn"))
	if err != nil || *got.CodeChecksum != crcDecimal(code) || *got.Timeout != 10 {
		t.Fatalf("FC 2.0 function after restart: %v, %v", got, err)
	}
	fn3, err := fc3Get(fc3Client(t, base2, testKeyID, testSecret, ""), "fn3")
	if err != nil || tea.StringValue(fn3.CodeChecksum) != crcDecimal(code) {
		t.Fatalf("FC 3.0 function after restart: %v, %v", fn3, err)
	}
	b, _ = ossClient(t, base2, testKeyID, testSecret).Bucket("user-bucket")
	if got := readObject(t, b, "meta.json"); string(got) != `{"v":1}` {
		t.Errorf("object after restart = %q", got)
	}
	if data, err := e2.FunctionCode(APIFC2, "svc", "fn"); err != nil || !bytes.Equal(data, code) {
		t.Errorf("FunctionCode after restart: %d bytes, %v", len(data), err)
	}

	// Deleting the last user of a blob removes its file.
	blobs := func() int {
		entries, _ := os.ReadDir(filepath.Join(dir, "blobs"))
		return len(entries)
	}
	before := blobs()
	if err := b.DeleteObject("meta.json"); err != nil {
		t.Fatal(err)
	}
	if after := blobs(); after != before-1 {
		t.Errorf("blobs: %d before deleting the object, %d after", before, after)
	}

	needPython(t, e2, "3.10", "python3.10")
	if out := invokeFC2(t, c2, "fn", []byte("again")); out.GetErrorType() != "" || !bytes.Contains(out.Payload, []byte(`"event": "again"`)) {
		t.Errorf("invoke after restart: %s %s", out.GetErrorType(), out.Payload)
	}
}

func TestStateDirCorrupt(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "state.json"), []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := New(WithStateDir(dir))
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "state.json")) || !strings.Contains(err.Error(), "delete the folder") {
		t.Errorf("New on a corrupt state: %v", err)
	}
}

// A state file with null entries (edited by hand, or cut short by another tool) is refused
// with the file named, not a nil dereference.
func TestStateDirNullEntries(t *testing.T) {
	for _, doc := range []string{
		`{"services": {"svc": null}}`,
		`{"services": {"svc": {"name": "svc", "functions": {"fn": null}}}}`,
		`{"functions": {"fn": null}}`,
		`{"buckets": {"b": null}}`,
		`{"buckets": {"b": {"name": "b", "objects": {"k": null}}}}`,
	} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "state.json"), []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := New(WithStateDir(dir))
		if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "state.json")) || !strings.Contains(err.Error(), "delete the folder") {
			t.Errorf("New on %s: %v", doc, err)
		}
	}
}

func TestHandlerWithHTTPTest(t *testing.T) {
	e, err := New(WithAccessKey(testKeyID, testSecret))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e.Handler())
	defer srv.Close()
	if _, err := fc3Create(fc3Client(t, srv.URL, testKeyID, testSecret, ""), newFC3Function("fn", "python3.10", handlerZip(t))); err != nil {
		t.Fatalf("CreateFunction through httptest: %v", err)
	}
	if _, ok := e.Function(APIFC3, "", "fn"); !ok {
		t.Error("the function is not stored")
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Start(context.Background()); err == nil {
		t.Error("Start after Close succeeded")
	}
}

func TestNewRefusesBadOptions(t *testing.T) {
	for _, tt := range []struct {
		name   string
		opt    Option
		errHas string
	}{
		{"account", WithAccountID("acct"), "account id"},
		{"interpreter", WithPython("3.10", "/nonexistent/python3.10"), "interpreter for Python 3.10"},
		{"preinstalled runtime", WithPreinstalled("python3.11", t.TempDir()), "not a Python runtime of FC"},
		{"preinstalled folder", WithPreinstalled("python3.10", "/nonexistent"), "is not a folder"},
		{"bucket", WithBucket("Bad_Bucket"), "bucket name"},
		{"polls", WithPendingPolls(-1), "pending polls"},
		{"limits", WithLimits(Limits{InlineCode: 1}), "every limit must be positive"},
	} {
		_, err := New(tt.opt)
		if err == nil || !strings.Contains(err.Error(), tt.errHas) {
			t.Errorf("%s: New error = %v, want one containing %q", tt.name, err, tt.errHas)
		}
	}
}
