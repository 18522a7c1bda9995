package fcemu

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"hash/crc64"
	"net/http"
	"strconv"
)

var crcTable = crc64.MakeTable(crc64.ECMA)

// codeChecksum is FC's codeChecksum: CRC-64/ECMA-182 (Go's ECMA table, as OSS uses for
// x-oss-hash-crc64ecma) of the zip, as an unsigned decimal.
func codeChecksum(data []byte) string {
	return strconv.FormatUint(crc64.Checksum(data, crcTable), 10)
}

// codeSpec is a request's code location: an inline base64 zip or an OSS object, and
// optionally the checksum FC must verify (FC 3.0 code.checksum, FC 2.0 X-Fc-Code-Checksum).
type codeSpec struct {
	ZipFile       *string `json:"zipFile"`
	OSSBucketName *string `json:"ossBucketName"`
	OSSObjectName *string `json:"ossObjectName"`
	Checksum      *string `json:"checksum"`
}

func parseCode(raw json.RawMessage) (codeSpec, *apiError) {
	var c codeSpec
	if err := json.Unmarshal(raw, &c); err != nil {
		return c, invalidArg("code must be an object with zipFile or ossBucketName and ossObjectName")
	}
	return c, nil
}

// loadCodeLocked resolves a code location to zip bytes and stores them, answering as FC
// does to a bad location. The caller holds e.mu.
func (e *Emulator) loadCodeLocked(c codeSpec) (codeRef, *apiError) {
	data, apiErr := e.codeBytesLocked(c)
	if apiErr != nil {
		return codeRef{}, apiErr
	}
	if _, err := zip.NewReader(bytes.NewReader(data), int64(len(data))); err != nil {
		return codeRef{}, invalidArg("the code package is not a valid zip file: %v", err)
	}
	sum := codeChecksum(data)
	if c.Checksum != nil && *c.Checksum != "" && *c.Checksum != sum {
		return codeRef{}, invalidArg("code checksum mismatch: given %s, the package's CRC-64 is %s", *c.Checksum, sum)
	}
	id, err := e.blobs.put(data)
	if err != nil {
		return codeRef{}, internalError(err)
	}
	return codeRef{Blob: id, Size: int64(len(data)), Checksum: sum}, nil
}

// codeBytesLocked reads the zip of exactly one location: the inline base64 zipFile
// (at most Limits.InlineCode) or an OSS object of the account (at most Limits.OSSCode).
func (e *Emulator) codeBytesLocked(c codeSpec) ([]byte, *apiError) {
	given := func(s *string) bool { return s != nil && *s != "" }
	inline, fromOSS := given(c.ZipFile), given(c.OSSBucketName) || given(c.OSSObjectName)
	switch {
	case inline == fromOSS:
		return nil, invalidArg("Either ossBucketName/ossObjectName or zipFile must be set")
	case inline && int64(len(*c.ZipFile)) > e.cfg.limits.InlineCode:
		return nil, errf(http.StatusBadRequest, "EntityTooLarge", "payload size exceeds maximum allowed size (%d bytes); upload the code to OSS and pass ossBucketName/ossObjectName", e.cfg.limits.InlineCode)
	case inline:
		b, err := base64.StdEncoding.DecodeString(*c.ZipFile)
		if err != nil {
			return nil, invalidArg("code.zipFile is not valid base64: %v", err)
		}
		return b, nil
	case !given(c.OSSBucketName) || !given(c.OSSObjectName):
		return nil, invalidArg("both ossBucketName and ossObjectName must be set")
	}
	bucketName, key := *c.OSSBucketName, *c.OSSObjectName
	var o *object
	if b, ok := e.st.Buckets[bucketName]; ok {
		o = b.Objects[key]
	}
	if o == nil {
		return nil, invalidArg("unable to access object %s in bucket %s: it does not exist", key, bucketName)
	}
	if o.Size > e.cfg.limits.OSSCode {
		return nil, errf(http.StatusBadRequest, "EntityTooLarge", "code size %d exceeds maximum allowed size (%d bytes)", o.Size, e.cfg.limits.OSSCode)
	}
	data, err := e.blobs.get(o.Blob)
	if err != nil {
		return nil, internalError(err)
	}
	return data, nil
}
