package fcemu

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"hash/crc64"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// upload is a multipart upload in progress (kept in memory only).
type upload struct {
	id, bucket, key, contentType string
	meta                         map[string]string
	parts                        map[int]uploadPart
}

type uploadPart struct {
	data []byte
	etag string
}

const (
	maxObjectSize   = 5 << 30   // OSS's limit for one PUT or part
	minPartSize     = 100 << 10 // every part but the last
	maxObjectKeyLen = 1023
)

var bucketNamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$`)

func validBucketName(name string) bool { return bucketNamePattern.MatchString(name) }

// ossTarget finds the bucket and key: path style (/bucket/key) when the host is an IP
// address, localhost or the OSS endpoint itself (oss-<region>...), else virtual-hosted
// style (bucket.host/key), as the SDK addresses them.
func ossTarget(r *http.Request) (bucketName, key string) {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if net.ParseIP(host) != nil || host == "localhost" || !strings.Contains(host, ".") || strings.HasPrefix(host, "oss-") {
		bucketName, key, _ = strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		return bucketName, key
	}
	return host[:strings.Index(host, ".")], strings.TrimPrefix(r.URL.Path, "/")
}

// listParams are the query parameters of ListObjects (V1 and V2).
var listParams = map[string]bool{
	"prefix": true, "marker": true, "max-keys": true, "delimiter": true, "encoding-type": true,
	"list-type": true, "continuation-token": true, "start-after": true, "fetch-owner": true,
}

// ossOperation names what a request asks for; OpUnknown for what the emulator lacks.
func ossOperation(r *http.Request, bucketName, key string) Op {
	q := r.URL.Query()
	// other reports a sub-resource the emulator does not implement.
	other := func(allowed ...string) bool {
		for k := range q {
			if listParams[k] && key == "" || strings.HasPrefix(k, "response-") || slices.Contains(allowed, k) {
				continue
			}
			return true
		}
		return false
	}
	if bucketName == "" {
		return OpUnknown // ListBuckets
	}
	copying := r.Header.Get("X-Oss-Copy-Source") != ""
	m := r.Method
	switch {
	case key == "" && m == http.MethodPut && !other():
		return OpPutBucket
	case key == "" && m == http.MethodGet && q.Has("bucketInfo") && !other("bucketInfo"):
		return OpGetBucketInfo
	case key == "" && m == http.MethodGet && !other():
		return OpListObjects
	case key == "":
		return OpUnknown
	case m == http.MethodPut && q.Has("partNumber") && q.Has("uploadId") && !copying && !other("partNumber", "uploadId"):
		return OpUploadPart
	case m == http.MethodPut && !copying && !other():
		return OpPutObject
	case m == http.MethodPost && q.Has("uploads") && !other("uploads"):
		return OpInitiateMultipartUpload
	case m == http.MethodPost && q.Has("uploadId") && !other("uploadId"):
		return OpCompleteMultipartUpload
	case m == http.MethodDelete && q.Has("uploadId") && !other("uploadId"):
		return OpAbortMultipartUpload
	case m == http.MethodDelete && !other():
		return OpDeleteObject
	case m == http.MethodGet && !other():
		return OpGetObject
	case m == http.MethodHead && !other("objectMeta"):
		return OpHeadObject
	}
	return OpUnknown
}

func (e *Emulator) serveOSS(x *exchange) {
	r := x.r
	bucketName, key := ossTarget(r)
	op := ossOperation(r, bucketName, key)
	resource := bucketName
	if key != "" {
		resource += "/" + key
	}
	max := int64(1 << 20)
	if op == OpPutObject || op == OpUploadPart {
		max = maxObjectSize
	}
	if !x.begin(op, resource, max) {
		return
	}
	if op == OpUnknown {
		x.fail(errf(http.StatusNotImplemented, "NotImplemented", "fcemu does not implement %s %s", r.Method, r.URL.RequestURI()))
		return
	}
	if apiErr := x.authOSS(bucketName, key); apiErr != nil {
		x.fail(apiErr)
		return
	}
	if len(key) > maxObjectKeyLen {
		x.fail(errf(http.StatusBadRequest, "InvalidObjectName", "The specified object name is not valid: at most %d bytes.", maxObjectKeyLen))
		return
	}
	switch op {
	case OpPutBucket:
		e.ossPutBucket(x, bucketName)
	case OpGetBucketInfo:
		e.ossGetBucketInfo(x, bucketName)
	case OpListObjects:
		e.ossList(x, bucketName)
	case OpPutObject:
		e.ossPutObject(x, bucketName, key)
	case OpGetObject, OpHeadObject:
		e.ossGetObject(x, bucketName, key)
	case OpDeleteObject:
		e.ossDeleteObject(x, bucketName, key)
	case OpInitiateMultipartUpload:
		e.ossInitiate(x, bucketName, key)
	case OpUploadPart:
		e.ossUploadPart(x, bucketName, key)
	case OpCompleteMultipartUpload:
		e.ossComplete(x, bucketName, key)
	case OpAbortMultipartUpload:
		e.ossAbort(x, bucketName, key)
	}
}

// bucketLocked finds a bucket the caller may use for key. The caller holds e.mu.
func (e *Emulator) bucketLocked(x *exchange, name, key string) (*bucket, *apiError) {
	b, ok := e.st.Buckets[name]
	if !ok {
		return nil, errf(http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist.")
	}
	if s := x.who.sess; s != nil && s.scope != nil {
		if s.scope.bucket != name || s.scope.key != key {
			return nil, errf(http.StatusForbidden, "AccessDenied", "The credentials only allow access to object %s in bucket %s.", s.scope.key, s.scope.bucket)
		}
		return b, nil
	}
	if b.System {
		return nil, errf(http.StatusForbidden, "AccessDenied", "You have no right to access this bucket: it belongs to Function Compute.")
	}
	if b.Foreign {
		return nil, errf(http.StatusForbidden, "AccessDenied", "You have no right to access this bucket: it belongs to another account.")
	}
	return b, nil
}

// ossPutBucket creates a bucket. As OSS documents it (PutBucket), a bucket the account
// already owns answers 200 and stays as it is (no ACL or storage class is changed here,
// since the emulator keeps neither); a name another account holds (WithForeignBucket,
// FC's temporary bucket) is 409 BucketAlreadyExists.
func (e *Emulator) ossPutBucket(x *exchange, name string) {
	if !validBucketName(name) {
		x.fail(errf(http.StatusBadRequest, "InvalidBucketName", "The specified bucket is not valid."))
		return
	}
	if s := x.who.sess; s != nil && s.scope != nil {
		x.fail(errf(http.StatusForbidden, "AccessDenied", "The credentials only allow access to object %s in bucket %s.", s.scope.key, s.scope.bucket))
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if b, ok := e.st.Buckets[name]; ok {
		if b.System || b.Foreign {
			x.fail(errf(http.StatusConflict, "BucketAlreadyExists", "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again."))
			return
		}
		x.ossHeaders()
		x.w.WriteHeader(http.StatusOK)
		return
	}
	e.st.Buckets[name] = newBucket(name, e.now())
	if err := e.saveLocked(); err != nil {
		x.internal(err)
		return
	}
	x.ossHeaders()
	x.w.WriteHeader(http.StatusOK)
}

// ossGetBucketInfo answers GetBucketInfo (GET /?bucketInfo) for a bucket of the account:
// its name, region, endpoints, creation date, ACL and storage class.
func (e *Emulator) ossGetBucketInfo(x *exchange, name string) {
	e.mu.Lock()
	b, apiErr := e.bucketLocked(x, name, "")
	var created time.Time
	if apiErr == nil {
		created = b.Created
	}
	e.mu.Unlock()
	if apiErr != nil {
		x.fail(apiErr)
		return
	}
	type owner struct {
		ID          string `xml:"ID"`
		DisplayName string `xml:"DisplayName"`
	}
	type info struct {
		XMLName          xml.Name `xml:"BucketInfo"`
		Name             string   `xml:"Bucket>Name"`
		Location         string   `xml:"Bucket>Location"`
		CreationDate     string   `xml:"Bucket>CreationDate"`
		ExtranetEndpoint string   `xml:"Bucket>ExtranetEndpoint"`
		IntranetEndpoint string   `xml:"Bucket>IntranetEndpoint"`
		ACL              string   `xml:"Bucket>AccessControlList>Grant"`
		StorageClass     string   `xml:"Bucket>StorageClass"`
		Redundancy       string   `xml:"Bucket>DataRedundancyType"`
		Owner            owner    `xml:"Bucket>Owner"`
	}
	region := e.cfg.region
	x.ossXML(info{Name: name, Location: "oss-" + region, CreationDate: created.UTC().Format("2006-01-02T15:04:05.000Z"),
		ExtranetEndpoint: "oss-" + region + ".aliyuncs.com", IntranetEndpoint: "oss-" + region + "-internal.aliyuncs.com",
		ACL: "private", StorageClass: "Standard", Redundancy: "LRS", Owner: owner{ID: e.cfg.accountID, DisplayName: e.cfg.accountID}})
}

func (x *exchange) ossHeaders() {
	h := x.w.Header()
	h.Set("X-Oss-Request-Id", x.requestID)
	h.Set("Server", "AliyunOSS")
}

// checkMD5 verifies Content-MD5 (base64), when the client sent one.
func (x *exchange) checkMD5() *apiError {
	want := x.r.Header.Get("Content-MD5")
	if want == "" {
		return nil
	}
	sum := md5.Sum(x.body)
	if base64.StdEncoding.EncodeToString(sum[:]) != want {
		return errf(http.StatusBadRequest, "InvalidDigest", "The Content-MD5 you specified was invalid.")
	}
	return nil
}

func objectMeta(h http.Header) map[string]string {
	var meta map[string]string
	for k, vs := range h {
		if lk := strings.ToLower(k); strings.HasPrefix(lk, "x-oss-meta-") {
			if meta == nil {
				meta = map[string]string{}
			}
			meta[lk] = vs[0]
		}
	}
	return meta
}

func contentType(h http.Header) string {
	if ct := h.Get("Content-Type"); ct != "" {
		return ct
	}
	return "application/octet-stream"
}

func md5ETag(data []byte) string {
	sum := md5.Sum(data)
	return `"` + strings.ToUpper(hex.EncodeToString(sum[:])) + `"`
}

func (e *Emulator) ossPutObject(x *exchange, bucketName, key string) {
	if apiErr := x.checkMD5(); apiErr != nil {
		x.fail(apiErr)
		return
	}
	o := &object{
		Key: key, ETag: md5ETag(x.body), ContentType: contentType(x.r.Header), Type: "Normal",
		Modified: e.now(), Meta: objectMeta(x.r.Header),
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	b, apiErr := e.bucketLocked(x, bucketName, key)
	if apiErr != nil {
		x.fail(apiErr)
		return
	}
	if err := e.storeObjectLocked(b, o, x.body); err != nil {
		x.internal(err)
		return
	}
	sum := md5.Sum(x.body)
	x.ossHeaders()
	h := x.w.Header()
	h.Set("ETag", o.ETag)
	h.Set("X-Oss-Hash-Crc64ecma", strconv.FormatUint(o.CRC64, 10))
	h.Set("Content-MD5", base64.StdEncoding.EncodeToString(sum[:]))
	x.w.WriteHeader(http.StatusOK)
}

func noSuchKey() *apiError {
	return errf(http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
}

func (e *Emulator) ossGetObject(x *exchange, bucketName, key string) {
	e.mu.Lock()
	b, apiErr := e.bucketLocked(x, bucketName, key)
	var o object
	var data []byte
	if apiErr == nil {
		if p, ok := b.Objects[key]; !ok {
			apiErr = noSuchKey()
		} else {
			o = *p
			var err error
			if data, err = e.blobs.get(o.Blob); err != nil {
				apiErr = errf(http.StatusInternalServerError, "InternalError", "fcemu: %v", err)
			}
		}
	}
	e.mu.Unlock()
	if apiErr != nil {
		x.fail(apiErr)
		return
	}
	x.ossHeaders()
	h := x.w.Header()
	h.Set("Content-Type", o.ContentType)
	h.Set("ETag", o.ETag)
	h.Set("X-Oss-Hash-Crc64ecma", strconv.FormatUint(o.CRC64, 10))
	h.Set("X-Oss-Object-Type", o.Type)
	h.Set("X-Oss-Storage-Class", "Standard")
	for k, v := range o.Meta {
		h.Set(k, v)
	}
	// ServeContent answers ranges, conditional requests and HEAD as OSS does.
	http.ServeContent(x.w, x.r, "", o.Modified, bytes.NewReader(data))
}

func (e *Emulator) ossDeleteObject(x *exchange, bucketName, key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	b, apiErr := e.bucketLocked(x, bucketName, key)
	if apiErr != nil {
		x.fail(apiErr)
		return
	}
	delete(b.Objects, key) // deleting a missing object succeeds too
	if err := e.saveLocked(); err != nil {
		x.internal(err)
		return
	}
	x.ossHeaders()
	x.w.WriteHeader(http.StatusNoContent)
}

func (x *exchange) ossXML(v any) {
	b, err := xml.Marshal(v)
	if err != nil {
		x.internal(err)
		return
	}
	body := append([]byte(xml.Header), b...)
	x.ossHeaders()
	h := x.w.Header()
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	x.w.WriteHeader(http.StatusOK)
	x.w.Write(body)
}

func (e *Emulator) ossInitiate(x *exchange, bucketName, key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, apiErr := e.bucketLocked(x, bucketName, key); apiErr != nil {
		x.fail(apiErr)
		return
	}
	up := &upload{id: strings.ToUpper(randomHex(16)), bucket: bucketName, key: key,
		contentType: contentType(x.r.Header), meta: objectMeta(x.r.Header), parts: map[int]uploadPart{}}
	e.uploads[up.id] = up
	x.ossXML(struct {
		XMLName  xml.Name `xml:"InitiateMultipartUploadResult"`
		Bucket   string   `xml:"Bucket"`
		Key      string   `xml:"Key"`
		UploadID string   `xml:"UploadId"`
	}{Bucket: bucketName, Key: key, UploadID: up.id})
}

// uploadLocked finds the multipart upload a request names. The caller holds e.mu.
func (e *Emulator) uploadLocked(x *exchange, bucketName, key string) (*upload, *apiError) {
	if _, apiErr := e.bucketLocked(x, bucketName, key); apiErr != nil {
		return nil, apiErr
	}
	up, ok := e.uploads[x.r.URL.Query().Get("uploadId")]
	if !ok || up.bucket != bucketName || up.key != key {
		return nil, errf(http.StatusNotFound, "NoSuchUpload", "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.")
	}
	return up, nil
}

func (e *Emulator) ossUploadPart(x *exchange, bucketName, key string) {
	n, err := strconv.Atoi(x.r.URL.Query().Get("partNumber"))
	if err != nil || n < 1 || n > 10000 {
		x.fail(invalidArg("Part number must be an integer between 1 and 10000, inclusive."))
		return
	}
	if apiErr := x.checkMD5(); apiErr != nil {
		x.fail(apiErr)
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	up, apiErr := e.uploadLocked(x, bucketName, key)
	if apiErr != nil {
		x.fail(apiErr)
		return
	}
	p := uploadPart{data: x.body, etag: md5ETag(x.body)}
	up.parts[n] = p
	x.ossHeaders()
	h := x.w.Header()
	h.Set("ETag", p.etag)
	h.Set("X-Oss-Hash-Crc64ecma", strconv.FormatUint(crc64.Checksum(x.body, crcTable), 10))
	x.w.WriteHeader(http.StatusOK)
}

func (e *Emulator) ossComplete(x *exchange, bucketName, key string) {
	var req struct {
		XMLName xml.Name `xml:"CompleteMultipartUpload"`
		Parts   []struct {
			PartNumber int    `xml:"PartNumber"`
			ETag       string `xml:"ETag"`
		} `xml:"Part"`
	}
	if err := xml.Unmarshal(x.body, &req); err != nil || len(req.Parts) == 0 {
		x.fail(errf(http.StatusBadRequest, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema."))
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	up, apiErr := e.uploadLocked(x, bucketName, key)
	if apiErr != nil {
		x.fail(apiErr)
		return
	}
	b := e.st.Buckets[bucketName]
	var data, md5s []byte
	prev := 0
	for i, p := range req.Parts {
		if p.PartNumber <= prev {
			x.fail(errf(http.StatusBadRequest, "InvalidPartOrder", "The list of parts was not in ascending order. The parts list must be specified in order by part number."))
			return
		}
		prev = p.PartNumber
		part, ok := up.parts[p.PartNumber]
		if !ok || !strings.EqualFold(strings.Trim(p.ETag, `"`), strings.Trim(part.etag, `"`)) {
			x.fail(errf(http.StatusBadRequest, "InvalidPart", "One or more of the specified parts could not be found or the specified entity tag might not have matched the part's entity tag."))
			return
		}
		if i < len(req.Parts)-1 && len(part.data) < minPartSize {
			x.fail(errf(http.StatusBadRequest, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size: every part but the last must be at least %d bytes.", minPartSize))
			return
		}
		data = append(data, part.data...)
		sum := md5.Sum(part.data)
		md5s = append(md5s, sum[:]...)
	}
	all := md5.Sum(md5s)
	o := &object{
		Key: key, ContentType: up.contentType, Type: "Multipart", Modified: e.now(), Meta: up.meta,
		ETag: `"` + strings.ToUpper(hex.EncodeToString(all[:])) + "-" + strconv.Itoa(len(req.Parts)) + `"`,
	}
	if err := e.storeObjectLocked(b, o, data); err != nil {
		x.internal(err)
		return
	}
	delete(e.uploads, up.id)
	x.w.Header().Set("X-Oss-Hash-Crc64ecma", strconv.FormatUint(o.CRC64, 10))
	x.ossXML(struct {
		XMLName  xml.Name `xml:"CompleteMultipartUploadResult"`
		Location string   `xml:"Location"`
		Bucket   string   `xml:"Bucket"`
		Key      string   `xml:"Key"`
		ETag     string   `xml:"ETag"`
	}{Location: "http://" + x.r.Host + "/" + bucketName + "/" + key, Bucket: bucketName, Key: key, ETag: o.ETag})
}

func (e *Emulator) ossAbort(x *exchange, bucketName, key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	up, apiErr := e.uploadLocked(x, bucketName, key)
	if apiErr != nil {
		x.fail(apiErr)
		return
	}
	delete(e.uploads, up.id)
	x.ossHeaders()
	x.w.WriteHeader(http.StatusNoContent)
}

type listedObject struct {
	Key          string `xml:"Key"`
	LastModified string `xml:"LastModified"`
	ETag         string `xml:"ETag"`
	Type         string `xml:"Type"`
	Size         int64  `xml:"Size"`
	StorageClass string `xml:"StorageClass"`
}

// ossList answers ListObjects (V1, and V2 with list-type=2): keys after the marker
// (V2: the continuation token or start-after), grouped by delimiter, at most max-keys.
func (e *Emulator) ossList(x *exchange, bucketName string) {
	q := x.r.URL.Query()
	maxKeys := 100
	if s := q.Get("max-keys"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			x.fail(invalidArg("max-keys %q is invalid: it must be between 1 and 1000", s))
			return
		}
		maxKeys = n
	}
	v2 := q.Get("list-type") == "2"
	prefix, delim := q.Get("prefix"), q.Get("delimiter")
	after := q.Get("marker")
	if v2 {
		after = q.Get("start-after")
		if tok := q.Get("continuation-token"); tok != "" {
			k, err := base64.RawURLEncoding.DecodeString(tok)
			if err != nil {
				x.fail(invalidArg("the continuation token is invalid"))
				return
			}
			after = string(k)
		}
	}
	enc := func(s string) string { return s }
	if q.Get("encoding-type") == "url" {
		enc = url.QueryEscape
	}

	e.mu.Lock()
	b, apiErr := e.bucketLocked(x, bucketName, "")
	var keys []string
	objs := map[string]object{}
	if apiErr == nil {
		// A marker that is a common prefix (NextMarker of a page ending in a group) skips the
		// whole group.
		skipGroup := delim != "" && strings.HasSuffix(after, delim)
		for k, o := range b.Objects {
			if strings.HasPrefix(k, prefix) && k > after && !(skipGroup && strings.HasPrefix(k, after)) {
				keys = append(keys, k)
				objs[k] = *o
			}
		}
	}
	e.mu.Unlock()
	if apiErr != nil {
		x.fail(apiErr)
		return
	}
	sort.Strings(keys)

	var contents []listedObject
	var prefixes []string
	seen := map[string]bool{}
	truncated, last := false, ""
	for _, k := range keys {
		cp := ""
		if delim != "" {
			if i := strings.Index(k[len(prefix):], delim); i >= 0 {
				cp = k[:len(prefix)+i+len(delim)]
			}
		}
		if cp != "" && seen[cp] {
			continue
		}
		if len(contents)+len(prefixes) == maxKeys {
			truncated = true
			break
		}
		last = k
		if cp != "" {
			seen[cp] = true
			prefixes = append(prefixes, enc(cp))
			last = cp + "\xff" // skip the whole group next page
			continue
		}
		o := objs[k]
		contents = append(contents, listedObject{Key: enc(k), LastModified: o.Modified.UTC().Format("2006-01-02T15:04:05.000Z"),
			ETag: o.ETag, Type: o.Type, Size: o.Size, StorageClass: "Standard"})
	}
	type commonPrefix struct {
		Prefix string `xml:"Prefix"`
	}
	var cps []commonPrefix
	for _, p := range prefixes {
		cps = append(cps, commonPrefix{p})
	}
	if v2 {
		res := struct {
			XMLName               xml.Name       `xml:"ListBucketResult"`
			Name                  string         `xml:"Name"`
			Prefix                string         `xml:"Prefix"`
			StartAfter            string         `xml:"StartAfter,omitempty"`
			ContinuationToken     string         `xml:"ContinuationToken,omitempty"`
			MaxKeys               int            `xml:"MaxKeys"`
			Delimiter             string         `xml:"Delimiter"`
			EncodingType          string         `xml:"EncodingType,omitempty"`
			IsTruncated           bool           `xml:"IsTruncated"`
			KeyCount              int            `xml:"KeyCount"`
			NextContinuationToken string         `xml:"NextContinuationToken,omitempty"`
			Contents              []listedObject `xml:"Contents"`
			CommonPrefixes        []commonPrefix `xml:"CommonPrefixes"`
		}{Name: bucketName, Prefix: enc(prefix), StartAfter: enc(q.Get("start-after")), ContinuationToken: q.Get("continuation-token"),
			MaxKeys: maxKeys, Delimiter: enc(delim), EncodingType: q.Get("encoding-type"), IsTruncated: truncated,
			KeyCount: len(contents) + len(cps), Contents: contents, CommonPrefixes: cps}
		if truncated {
			res.NextContinuationToken = base64.RawURLEncoding.EncodeToString([]byte(last))
		}
		x.ossXML(res)
		return
	}
	res := struct {
		XMLName        xml.Name       `xml:"ListBucketResult"`
		Name           string         `xml:"Name"`
		Prefix         string         `xml:"Prefix"`
		Marker         string         `xml:"Marker"`
		MaxKeys        int            `xml:"MaxKeys"`
		Delimiter      string         `xml:"Delimiter"`
		EncodingType   string         `xml:"EncodingType,omitempty"`
		IsTruncated    bool           `xml:"IsTruncated"`
		NextMarker     string         `xml:"NextMarker,omitempty"`
		Contents       []listedObject `xml:"Contents"`
		CommonPrefixes []commonPrefix `xml:"CommonPrefixes"`
	}{Name: bucketName, Prefix: enc(prefix), Marker: enc(q.Get("marker")), MaxKeys: maxKeys, Delimiter: enc(delim),
		EncodingType: q.Get("encoding-type"), IsTruncated: truncated, Contents: contents, CommonPrefixes: cps}
	if truncated {
		res.NextMarker = enc(strings.TrimSuffix(last, "\xff"))
	}
	x.ossXML(res)
}

// codeLink is a download URL GetFunctionCode handed out (OSS would sign one).
type codeLink struct {
	blob     string
	resource string
	expires  time.Time
}

const codeLinkTTL = 10 * time.Minute

// codeURLLocked returns a download URL for code, valid for codeLinkTTL, on the host the
// client reached. The caller holds e.mu.
func (e *Emulator) codeURLLocked(r *http.Request, code codeRef, resource string) string {
	now := e.now()
	for tok, l := range e.links {
		if now.After(l.expires) {
			delete(e.links, tok)
		}
	}
	tok := randomHex(24)
	e.links[tok] = codeLink{blob: code.Blob, resource: resource, expires: now.Add(codeLinkTTL)}
	return fmt.Sprintf("http://%s%s%s", r.Host, codePathPrefix, tok)
}

func (e *Emulator) serveCode(x *exchange) {
	tok := strings.TrimPrefix(x.r.URL.Path, codePathPrefix)
	if !x.begin(OpDownloadCode, "", 1<<20) {
		return
	}
	if x.r.Method != http.MethodGet && x.r.Method != http.MethodHead {
		x.fail(errf(http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource."))
		return
	}
	e.mu.Lock()
	l, ok := e.links[tok]
	var data []byte
	var err error
	if ok && !e.now().After(l.expires) {
		data, err = e.blobs.get(l.blob)
	}
	e.mu.Unlock()
	switch {
	case !ok:
		x.fail(errf(http.StatusForbidden, "AccessDenied", "The download URL is not valid."))
		return
	case e.now().After(l.expires):
		x.fail(errf(http.StatusForbidden, "AccessDenied", "Request has expired."))
		return
	case err != nil:
		x.fail(errf(http.StatusNotFound, "NoSuchKey", "The code is no longer stored: %v", err))
		return
	}
	x.resource = l.resource
	x.ossHeaders()
	x.w.Header().Set("Content-Type", "application/zip")
	x.w.Header().Set("X-Oss-Hash-Crc64ecma", strconv.FormatUint(crc64.Checksum(data, crcTable), 10))
	http.ServeContent(x.w, x.r, "", time.Time{}, bytes.NewReader(data))
}
