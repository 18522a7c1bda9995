package deploy

import (
	"context"
	"hash/crc64"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestDownloadHidesSignedQuery: a GetFunctionCode URL carries credentials in its query;
// no error may show them, and a download that does not match FC's checksum is refused.
func TestDownloadHidesSignedQuery(t *testing.T) {
	zip := []byte("PK\x05\x06" + strings.Repeat("\x00", 18))
	sum := strconv.FormatUint(crc64.Checksum(zip, crc64.MakeTable(crc64.ECMA)), 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok.zip":
			w.Write(zip)
		case "/hangup.zip":
			hj, _ := w.(http.Hijacker)
			c, _, _ := hj.Hijack()
			c.Close()
		default:
			w.WriteHeader(http.StatusForbidden)
		}
	}))
	defer srv.Close()
	const query = "?OSSAccessKeyId=STS.key&Signature=sig&security-token=TOKEN-SECRET-123"
	dir := t.TempDir()

	p, err := download(context.Background(), srv.Client(), srv.URL+"/ok.zip"+query, dir, sum)
	if err != nil {
		t.Fatalf("download: %v", err)
	}
	if got, _ := os.ReadFile(p); string(got) != string(zip) {
		t.Errorf("downloaded %q", got)
	}
	for _, c := range []struct{ path, checksum, want string }{
		{"/ok.zip", "1", "checksum"},
		{"/denied.zip", sum, "HTTP 403"},
		{"/hangup.zip", sum, "download the code from"},
	} {
		_, err := download(context.Background(), srv.Client(), srv.URL+c.path+query, dir, c.checksum)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one saying %q", c.path, err, c.want)
		}
		if err != nil && (strings.Contains(err.Error(), "TOKEN-SECRET-123") || strings.Contains(err.Error(), "Signature=")) {
			t.Errorf("%s: the error shows the signed query: %v", c.path, err)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d files kept, want only the good download", len(entries))
	}
}
