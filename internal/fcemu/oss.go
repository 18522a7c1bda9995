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
	ossHandlers[op](e, x, bucketName, key)
}

// ossHandlers serve the OSS operations ossOperation names, given the bucket and key.
var ossHandlers = map[Op]func(e *Emulator, x *exchange, bucketName, key string){
	OpPutBucket:               (*Emulator).ossPutBucket,
	OpGetBucketInfo:           (*Emulator).ossGetBucketInfo,
	OpListObjects:             (*Emulator).ossList,
	OpPutObject:               (*Emulator).ossPutObject,
	OpGetObject:               (*Emulator).ossGetObject,
	OpHeadObject:              (*Emulator).ossGetObject,
	OpDeleteObject:            (*Emulator).ossDeleteObject,
	OpInitiateMultipartUpload: (*Emulator).ossInitiate,
	OpUploadPart:              (*Emulator).ossUploadPart,
	OpCompleteMultipartUpload: (*Emulator).ossComplete,
	OpAbortMultipartUpload:    (*Emulator).ossAbort,
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
func (e *Emulator) ossPutBucket(x *exchange, name, _ string) {
	e.update(x, func() (reply, *apiError) {
		if !validBucketName(name) {
			return nil, errf(http.StatusBadRequest, "InvalidBucketName", "The specified bucket is not valid.")
		}
		if s := x.who.sess; s != nil && s.scope != nil {
			return nil, errf(http.StatusForbidden, "AccessDenied", "The credentials only allow access to object %s in bucket %s.", s.scope.key, s.scope.bucket)
		}
		if b, ok := e.st.Buckets[name]; !ok {
			e.st.Buckets[name] = newBucket(name, e.now())
		} else if b.System || b.Foreign {
			return nil, errf(http.StatusConflict, "BucketAlreadyExists", "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.")
		}
		return ossStatus(http.StatusOK), nil
	})
}

// ossGetBucketInfo answers GetBucketInfo (GET /?bucketInfo) for a bucket of the account:
// its name, region, endpoints, creation date, ACL and storage class.
func (e *Emulator) ossGetBucketInfo(x *exchange, name, _ string) {
	e.view(x, func() (reply, *apiError) {
		b, apiErr := e.bucketLocked(x, name, "")
		if apiErr != nil {
			return nil, apiErr
		}
		return ossXML(e.bucketInfo(b)), nil
	})
}

// bucketInfo is GetBucketInfo's answer.
func (e *Emulator) bucketInfo(b *bucket) any {
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
	return info{Name: b.Name, Location: "oss-" + region, CreationDate: b.Created.UTC().Format("2006-01-02T15:04:05.000Z"),
		ExtranetEndpoint: "oss-" + region + ".aliyuncs.com", IntranetEndpoint: "oss-" + region + "-internal.aliyuncs.com",
		ACL: "private", StorageClass: "Standard", Redundancy: "LRS", Owner: owner{ID: e.cfg.accountID, DisplayName: e.cfg.accountID}}
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
	e.update(x, func() (reply, *apiError) {
		if apiErr := x.checkMD5(); apiErr != nil {
			return nil, apiErr
		}
		b, apiErr := e.bucketLocked(x, bucketName, key)
		if apiErr != nil {
			return nil, apiErr
		}
		o := &object{
			Key: key, ETag: md5ETag(x.body), ContentType: contentType(x.r.Header), Type: "Normal",
			Modified: e.now(), Meta: objectMeta(x.r.Header),
		}
		if err := e.storeObjectLocked(b, o, x.body); err != nil {
			return nil, internalError(err)
		}
		sum := md5.Sum(x.body)
		return ossStatus(http.StatusOK, "ETag", o.ETag, "X-Oss-Hash-Crc64ecma", strconv.FormatUint(o.CRC64, 10),
			"Content-MD5", base64.StdEncoding.EncodeToString(sum[:])), nil
	})
}

func noSuchKey() *apiError {
	return errf(http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
}

func (e *Emulator) ossGetObject(x *exchange, bucketName, key string) {
	e.view(x, func() (reply, *apiError) {
		b, apiErr := e.bucketLocked(x, bucketName, key)
		if apiErr != nil {
			return nil, apiErr
		}
		o, ok := b.Objects[key]
		if !ok {
			return nil, noSuchKey()
		}
		data, err := e.blobs.get(o.Blob)
		if err != nil {
			return nil, errf(http.StatusInternalServerError, "InternalError", "fcemu: %v", err)
		}
		return objectReply(*o, data), nil
	})
}

// objectReply answers GetObject and HeadObject with o's content and headers.
func objectReply(o object, data []byte) reply {
	return func(x *exchange) {
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
}

func (e *Emulator) ossDeleteObject(x *exchange, bucketName, key string) {
	e.update(x, func() (reply, *apiError) {
		b, apiErr := e.bucketLocked(x, bucketName, key)
		if apiErr != nil {
			return nil, apiErr
		}
		delete(b.Objects, key) // deleting a missing object succeeds too
		return ossStatus(http.StatusNoContent), nil
	})
}

// ossStatus answers status without a body, with OSS's headers and the given header
// name, value pairs.
func ossStatus(status int, header ...string) reply {
	return func(x *exchange) {
		x.ossHeaders()
		for i := 0; i+1 < len(header); i += 2 {
			x.w.Header().Set(header[i], header[i+1])
		}
		x.w.WriteHeader(status)
	}
}

// ossXML answers 200 with v as an XML document.
func ossXML(v any, header ...string) reply {
	return func(x *exchange) {
		b, err := xml.Marshal(v)
		if err != nil {
			x.internal(err)
			return
		}
		body := append([]byte(xml.Header), b...)
		ossStatus(http.StatusOK, append([]string{"Content-Type", "application/xml", "Content-Length", strconv.Itoa(len(body))}, header...)...)(x)
		x.w.Write(body)
	}
}

func (e *Emulator) ossInitiate(x *exchange, bucketName, key string) {
	e.view(x, func() (reply, *apiError) {
		if _, apiErr := e.bucketLocked(x, bucketName, key); apiErr != nil {
			return nil, apiErr
		}
		up := &upload{id: strings.ToUpper(randomHex(16)), bucket: bucketName, key: key,
			contentType: contentType(x.r.Header), meta: objectMeta(x.r.Header), parts: map[int]uploadPart{}}
		e.uploads[up.id] = up
		return ossXML(struct {
			XMLName  xml.Name `xml:"InitiateMultipartUploadResult"`
			Bucket   string   `xml:"Bucket"`
			Key      string   `xml:"Key"`
			UploadID string   `xml:"UploadId"`
		}{Bucket: bucketName, Key: key, UploadID: up.id}), nil
	})
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
	e.view(x, func() (reply, *apiError) {
		n, err := strconv.Atoi(x.r.URL.Query().Get("partNumber"))
		if err != nil || n < 1 || n > 10000 {
			return nil, invalidArg("Part number must be an integer between 1 and 10000, inclusive.")
		}
		if apiErr := x.checkMD5(); apiErr != nil {
			return nil, apiErr
		}
		up, apiErr := e.uploadLocked(x, bucketName, key)
		if apiErr != nil {
			return nil, apiErr
		}
		p := uploadPart{data: x.body, etag: md5ETag(x.body)}
		up.parts[n] = p
		return ossStatus(http.StatusOK, "ETag", p.etag, "X-Oss-Hash-Crc64ecma", strconv.FormatUint(crc64.Checksum(x.body, crcTable), 10)), nil
	})
}

func (e *Emulator) ossComplete(x *exchange, bucketName, key string) {
	e.update(x, func() (reply, *apiError) {
		parts, apiErr := completeParts(x.body)
		if apiErr != nil {
			return nil, apiErr
		}
		up, apiErr := e.uploadLocked(x, bucketName, key)
		if apiErr != nil {
			return nil, apiErr
		}
		data, etag, apiErr := up.assemble(parts)
		if apiErr != nil {
			return nil, apiErr
		}
		o := &object{Key: key, ContentType: up.contentType, Type: "Multipart", Modified: e.now(), Meta: up.meta, ETag: etag}
		if err := e.storeObjectLocked(e.st.Buckets[bucketName], o, data); err != nil {
			return nil, internalError(err)
		}
		delete(e.uploads, up.id)
		return ossXML(struct {
			XMLName  xml.Name `xml:"CompleteMultipartUploadResult"`
			Location string   `xml:"Location"`
			Bucket   string   `xml:"Bucket"`
			Key      string   `xml:"Key"`
			ETag     string   `xml:"ETag"`
		}{Location: "http://" + x.r.Host + "/" + bucketName + "/" + key, Bucket: bucketName, Key: key, ETag: o.ETag},
			"X-Oss-Hash-Crc64ecma", strconv.FormatUint(o.CRC64, 10)), nil
	})
}

// completeParts decodes CompleteMultipartUpload's list of parts.
func completeParts(body []byte) ([]completePart, *apiError) {
	var req struct {
		XMLName xml.Name       `xml:"CompleteMultipartUpload"`
		Parts   []completePart `xml:"Part"`
	}
	if err := xml.Unmarshal(body, &req); err != nil || len(req.Parts) == 0 {
		return nil, errf(http.StatusBadRequest, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema.")
	}
	return req.Parts, nil
}

type completePart struct {
	PartNumber int    `xml:"PartNumber"`
	ETag       string `xml:"ETag"`
}

// assemble joins the uploaded parts the list names, in its (ascending) order, and
// returns the object's bytes and its multipart ETag (the MD5 of the parts' MD5s, -N).
func (up *upload) assemble(parts []completePart) ([]byte, string, *apiError) {
	var data, md5s []byte
	prev := 0
	for i, p := range parts {
		if p.PartNumber <= prev {
			return nil, "", errf(http.StatusBadRequest, "InvalidPartOrder", "The list of parts was not in ascending order. The parts list must be specified in order by part number.")
		}
		prev = p.PartNumber
		part, ok := up.parts[p.PartNumber]
		if !ok || !strings.EqualFold(strings.Trim(p.ETag, `"`), strings.Trim(part.etag, `"`)) {
			return nil, "", errf(http.StatusBadRequest, "InvalidPart", "One or more of the specified parts could not be found or the specified entity tag might not have matched the part's entity tag.")
		}
		if i < len(parts)-1 && len(part.data) < minPartSize {
			return nil, "", errf(http.StatusBadRequest, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size: every part but the last must be at least %d bytes.", minPartSize)
		}
		data = append(data, part.data...)
		sum := md5.Sum(part.data)
		md5s = append(md5s, sum[:]...)
	}
	all := md5.Sum(md5s)
	return data, `"` + strings.ToUpper(hex.EncodeToString(all[:])) + "-" + strconv.Itoa(len(parts)) + `"`, nil
}

func (e *Emulator) ossAbort(x *exchange, bucketName, key string) {
	e.view(x, func() (reply, *apiError) {
		up, apiErr := e.uploadLocked(x, bucketName, key)
		if apiErr != nil {
			return nil, apiErr
		}
		delete(e.uploads, up.id)
		return ossStatus(http.StatusNoContent), nil
	})
}

// ossList answers ListObjects (V1, and V2 with list-type=2): keys after the marker
// (V2: the continuation token or start-after), grouped by delimiter, at most max-keys.
func (e *Emulator) ossList(x *exchange, bucketName, _ string) {
	e.view(x, func() (reply, *apiError) {
		q, apiErr := parseObjectQuery(x.r.URL.Query())
		if apiErr != nil {
			return nil, apiErr
		}
		b, apiErr := e.bucketLocked(x, bucketName, "")
		if apiErr != nil {
			return nil, apiErr
		}
		return ossXML(q.result(bucketName, q.page(q.candidates(b.Objects), b.Objects))), nil
	})
}

// objectQuery is a ListObjects request.
type objectQuery struct {
	params            url.Values
	v2                bool // list-type=2
	prefix, delimiter string
	after             string // the keys listed come after this one
	maxKeys           int
}

// parseObjectQuery reads max-keys and where the listing starts: V1's marker, V2's
// continuation token (the previous page's last key, base64) or else start-after.
func parseObjectQuery(params url.Values) (objectQuery, *apiError) {
	q := objectQuery{params: params, v2: params.Get("list-type") == "2", prefix: params.Get("prefix"),
		delimiter: params.Get("delimiter"), after: params.Get("marker"), maxKeys: 100}
	if s := params.Get("max-keys"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			return q, invalidArg("max-keys %q is invalid: it must be between 1 and 1000", s)
		}
		q.maxKeys = n
	}
	if !q.v2 {
		return q, nil
	}
	q.after = params.Get("start-after")
	if tok := params.Get("continuation-token"); tok != "" {
		k, err := base64.RawURLEncoding.DecodeString(tok)
		if err != nil {
			return q, invalidArg("the continuation token is invalid")
		}
		q.after = string(k)
	}
	return q, nil
}

// enc writes a key or prefix as encoding-type asks (url: query-escaped).
func (q objectQuery) enc(s string) string {
	if q.params.Get("encoding-type") == "url" {
		return url.QueryEscape(s)
	}
	return s
}

// candidates are the keys under the prefix after q.after, in order. A marker that is a
// common prefix (the NextMarker of a page that ended in a group) skips the group's
// keys; a marker that is an object's key ending in the delimiter skips nothing more.
func (q objectQuery) candidates(objects map[string]*object) []string {
	var keys []string
	for k := range objects {
		if !strings.HasPrefix(k, q.prefix) || k <= q.after {
			continue
		}
		if g := q.group(k); g == "" || g != q.after {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// group is the common prefix key is listed under: up to the first delimiter after the
// prefix ("" when the key is listed itself).
func (q objectQuery) group(key string) string {
	if q.delimiter == "" {
		return ""
	}
	if i := strings.Index(key[len(q.prefix):], q.delimiter); i >= 0 {
		return key[:len(q.prefix)+i+len(q.delimiter)]
	}
	return ""
}

type listedObject struct {
	Key          string `xml:"Key"`
	LastModified string `xml:"LastModified"`
	ETag         string `xml:"ETag"`
	Type         string `xml:"Type"`
	Size         int64  `xml:"Size"`
	StorageClass string `xml:"StorageClass"`
}

type commonPrefix struct {
	Prefix string `xml:"Prefix"`
}

// objectPage is one page of a listing: objects and common prefixes, at most max-keys in
// all, and, when more follow, the last key listed (a group's prefix + "\xff", so the
// next page starts after the whole group).
type objectPage struct {
	contents  []listedObject
	prefixes  []commonPrefix
	truncated bool
	last      string
}

func (q objectQuery) page(keys []string, objects map[string]*object) objectPage {
	var p objectPage
	seen := map[string]bool{}
	for _, k := range keys {
		g := q.group(k)
		if g != "" && seen[g] {
			continue
		}
		if len(p.contents)+len(p.prefixes) == q.maxKeys {
			p.truncated = true
			break
		}
		if g != "" {
			seen[g] = true
			p.prefixes = append(p.prefixes, commonPrefix{q.enc(g)})
			p.last = g + "\xff"
			continue
		}
		o := objects[k]
		p.contents = append(p.contents, listedObject{Key: q.enc(k), LastModified: o.Modified.UTC().Format("2006-01-02T15:04:05.000Z"),
			ETag: o.ETag, Type: o.Type, Size: o.Size, StorageClass: "Standard"})
		p.last = k
	}
	return p
}

// listBucketResult is ListObjects' answer, V1 and V2 (nil and empty fields are left
// out, so each version shows only its own).
type listBucketResult struct {
	XMLName               xml.Name       `xml:"ListBucketResult"`
	Name                  string         `xml:"Name"`
	Prefix                string         `xml:"Prefix"`
	Marker                *string        `xml:"Marker"`                      // V1
	StartAfter            string         `xml:"StartAfter,omitempty"`        // V2
	ContinuationToken     string         `xml:"ContinuationToken,omitempty"` // V2
	MaxKeys               int            `xml:"MaxKeys"`
	Delimiter             string         `xml:"Delimiter"`
	EncodingType          string         `xml:"EncodingType,omitempty"`
	IsTruncated           bool           `xml:"IsTruncated"`
	KeyCount              *int           `xml:"KeyCount"`                        // V2
	NextMarker            string         `xml:"NextMarker,omitempty"`            // V1
	NextContinuationToken string         `xml:"NextContinuationToken,omitempty"` // V2
	Contents              []listedObject `xml:"Contents"`
	CommonPrefixes        []commonPrefix `xml:"CommonPrefixes"`
}

// result renders page p: V1 echoes the marker and names the next one (the last key or
// group listed), V2 counts the entries and carries the last key in its token.
func (q objectQuery) result(bucketName string, p objectPage) listBucketResult {
	res := listBucketResult{Name: bucketName, Prefix: q.enc(q.prefix), MaxKeys: q.maxKeys, Delimiter: q.enc(q.delimiter),
		EncodingType: q.params.Get("encoding-type"), IsTruncated: p.truncated, Contents: p.contents, CommonPrefixes: p.prefixes}
	if !q.v2 {
		marker := q.enc(q.params.Get("marker"))
		res.Marker = &marker
		if p.truncated {
			res.NextMarker = q.enc(strings.TrimSuffix(p.last, "\xff"))
		}
		return res
	}
	n := len(p.contents) + len(p.prefixes)
	res.StartAfter, res.ContinuationToken, res.KeyCount = q.enc(q.params.Get("start-after")), q.params.Get("continuation-token"), &n
	if p.truncated {
		res.NextContinuationToken = base64.RawURLEncoding.EncodeToString([]byte(p.last))
	}
	return res
}

// codeLink is a download URL GetFunctionCode handed out (OSS would sign one).
type codeLink struct {
	blob     string
	resource string
	expires  time.Time
}

const codeLinkTTL = 10 * time.Minute

// codeLocationLocked is GetFunctionCode's answer: a download URL for code, valid for
// codeLinkTTL, on the host the client reached, and the code's checksum. The caller
// holds e.mu.
func (e *Emulator) codeLocationLocked(r *http.Request, code codeRef, resource string) map[string]any {
	now := e.now()
	for tok, l := range e.links {
		if now.After(l.expires) {
			delete(e.links, tok)
		}
	}
	tok := randomHex(24)
	e.links[tok] = codeLink{blob: code.Blob, resource: resource, expires: now.Add(codeLinkTTL)}
	return map[string]any{"url": fmt.Sprintf("http://%s%s%s", r.Host, codePathPrefix, tok), "checksum": code.Checksum}
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
	e.view(x, func() (reply, *apiError) {
		l, ok := e.links[tok]
		switch {
		case !ok:
			return nil, errf(http.StatusForbidden, "AccessDenied", "The download URL is not valid.")
		case e.now().After(l.expires):
			return nil, errf(http.StatusForbidden, "AccessDenied", "Request has expired.")
		}
		data, err := e.blobs.get(l.blob)
		if err != nil {
			return nil, errf(http.StatusNotFound, "NoSuchKey", "The code is no longer stored: %v", err)
		}
		x.resource = l.resource
		return func(x *exchange) {
			x.ossHeaders()
			x.w.Header().Set("Content-Type", "application/zip")
			x.w.Header().Set("X-Oss-Hash-Crc64ecma", strconv.FormatUint(crc64.Checksum(data, crcTable), 10))
			http.ServeContent(x.w, x.r, "", time.Time{}, bytes.NewReader(data))
		}, nil
	})
}
