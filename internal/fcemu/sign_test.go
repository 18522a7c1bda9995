package fcemu

import (
	"net/http"
	"net/url"
	"testing"
)

// FC 2.0's published vector (fc-go-sdk signature_test.go TestGetSignature; signing in
// docs/architecture.md section 4.2), reproduced with the verifier's canonicalization.
func TestFC2SignatureVector(t *testing.T) {
	path := "/2016-08-15/proxy/service.LATEST/func/abc 123"
	queries := url.Values{
		"x":                   {"xyz", "456"},
		"a":                   {"123 45"},
		"x-fc-expires":        {"1583221068"},
		"x-fc-access-key-id":  {"akID"},
		"x-fc-security-token": {"stsToken"},
	}
	h := http.Header{}
	h.Set("x-fc-trace-id", "trace-id")
	h.Set("content-type", "text/json")
	h.Set("content-md5", "ef5b43a0fe1d5b401b62c3ba33a7a3d6")

	resource := fc2ResourceWithQueries(path, queries)
	toSign := fc2StringToSign("GET", h, resource)
	wantToSign := "GET\nef5b43a0fe1d5b401b62c3ba33a7a3d6\ntext/json\n1583221068\nx-fc-trace-id:trace-id\n" +
		"/2016-08-15/proxy/service.LATEST/func/abc 123\na=123 45\nx-fc-access-key-id=akID\nx-fc-expires=1583221068\n" +
		"x-fc-security-token=stsToken\nx=456\nx=xyz"
	if toSign != wantToSign {
		t.Errorf("string to sign:\n%q\nwant\n%q", toSign, wantToSign)
	}
	if got, want := fc2Signature("S9MWOBG0AOWHSO9HPASP216QOPHT5YR4NLH3A", toSign), "QFdNhz0Dl+onUM/MvpX940WFH3H8OHayZHbby1c01aI="; got != want {
		t.Errorf("signature = %s, want %s", got, want)
	}
}

// fc-go-sdk signature_test.go TestGetSignResourceWithQueries.
func TestFC2ResourceWithQueries(t *testing.T) {
	got := fc2ResourceWithQueries("/path/action with space", url.Values{
		"xyz":             {},
		"foo":             {"bar"},
		"key2":            {"123"},
		"key1":            {"xyz", "abc"},
		"key3/~x-y_z.a#b": {"value/~x-y_z.a#b"},
	})
	want := "/path/action with space\nfoo=bar\nkey1=abc\nkey1=xyz\nkey2=123\nkey3/~x-y_z.a#b=value/~x-y_z.a#b\nxyz"
	if got != want {
		t.Errorf("resource = %q, want %q", got, want)
	}
}

func TestCodeChecksumCheckValue(t *testing.T) {
	// CRC-64/XZ (Go's ECMA table) check value for "123456789" (codeChecksum: docs/architecture.md section 4.2).
	if got, want := codeChecksum([]byte("123456789")), "11051210869376104954"; got != want {
		t.Errorf("codeChecksum = %s, want %s", got, want)
	}
}

func TestOSSV1ResourceSortsByKey(t *testing.T) {
	// The SDK sorts sub-resource keys, not "key=value" strings: "uploadId" sorts before
	// "uploads" ('I' < 's') and partNumber before both.
	q := url.Values{"uploadId": {"ABC"}, "partNumber": {"2"}, "prefix": {"ignored"}}
	if got, want := ossV1Resource("b", "dir/key.zip", q), "/b/dir/key.zip?partNumber=2&uploadId=ABC"; got != want {
		t.Errorf("resource = %q, want %q", got, want)
	}
	if got, want := ossV1Resource("b", "", url.Values{"uploads": {""}}), "/b/?uploads"; got != want {
		t.Errorf("resource = %q, want %q", got, want)
	}
}
