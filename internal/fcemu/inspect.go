package fcemu

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"
)

// FunctionInfo describes a stored function, for tests and for showing a --local run.
type FunctionInfo struct {
	API              API
	Service          string // FC 2.0 only
	Name             string
	Runtime          string
	Handler          string
	Description      string
	Role             string // FC 3.0; FC 2.0 functions run as their service's role
	MemorySize       int
	Timeout          int
	Env              map[string]string
	Config           map[string]json.RawMessage // the other fields, as the client sent them
	CodeChecksum     string
	CodeSize         int64
	State            string // FC 3.0
	LastUpdateStatus string // FC 3.0
	Created          time.Time
	Modified         time.Time
}

func (fn *function) info(api API, svc string) FunctionInfo {
	env := map[string]string{}
	for k, v := range fn.Env {
		env[k] = v
	}
	return FunctionInfo{
		API: api, Service: svc, Name: fn.Name, Runtime: fn.Runtime, Handler: fn.Handler,
		Description: fn.Description, Role: fn.Role, MemorySize: int(fn.MemorySize), Timeout: int(fn.Timeout),
		Env: env, Config: cloneRaw(fn.Config), CodeChecksum: fn.Code.Checksum, CodeSize: fn.Code.Size,
		State: fn.State, LastUpdateStatus: fn.LastUpdateStatus, Created: fn.Created, Modified: fn.Modified,
	}
}

// Functions lists every stored function: FC 2.0 ones by service and name, then FC 3.0 ones.
func (e *Emulator) Functions() []FunctionInfo {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []FunctionInfo
	for _, s := range e.st.Services {
		for _, fn := range s.Functions {
			out = append(out, fn.info(APIFC2, s.Name))
		}
	}
	for _, fn := range e.st.Functions {
		out = append(out, fn.info(APIFC3, ""))
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.API != b.API {
			return a.API < b.API
		}
		if a.Service != b.Service {
			return a.Service < b.Service
		}
		return a.Name < b.Name
	})
	return out
}

// Function returns one function: FC 2.0 by service and name, FC 3.0 by name (service "").
func (e *Emulator) Function(api API, service, name string) (FunctionInfo, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	fn := e.lookupLocked(api, service, name)
	if fn == nil {
		return FunctionInfo{}, false
	}
	return fn.info(api, service), true
}

// FunctionCode returns a function's zip.
func (e *Emulator) FunctionCode(api API, service, name string) ([]byte, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	fn := e.lookupLocked(api, service, name)
	if fn == nil {
		return nil, fmt.Errorf("fcemu: no %s function %q (service %q)", api, name, service)
	}
	return e.blobs.get(fn.Code.Blob)
}

func (e *Emulator) lookupLocked(api API, service, name string) *function {
	switch api {
	case APIFC2:
		if s, ok := e.st.Services[service]; ok {
			return s.Functions[name]
		}
	case APIFC3:
		return e.st.Functions[name]
	}
	return nil
}

// ServiceInfo describes a stored FC 2.0 service.
type ServiceInfo struct {
	Name        string
	Description string
	Role        string
	Functions   []string
}

// Services lists the FC 2.0 services by name.
func (e *Emulator) Services() []ServiceInfo {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []ServiceInfo
	for _, s := range e.st.Services {
		si := ServiceInfo{Name: s.Name, Description: s.Description, Role: s.Role}
		for n := range s.Functions {
			si.Functions = append(si.Functions, n)
		}
		sort.Strings(si.Functions)
		out = append(out, si)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// ObjectInfo describes a stored OSS object.
type ObjectInfo struct {
	Bucket      string
	Key         string
	Size        int64
	ETag        string
	CRC64       uint64
	ContentType string
	Modified    time.Time
}

// Objects lists a bucket's objects by key.
func (e *Emulator) Objects(bucketName string) []ObjectInfo {
	e.mu.Lock()
	defer e.mu.Unlock()
	b, ok := e.st.Buckets[bucketName]
	if !ok {
		return nil
	}
	var out []ObjectInfo
	for _, o := range b.Objects {
		out = append(out, ObjectInfo{Bucket: bucketName, Key: o.Key, Size: o.Size, ETag: o.ETag, CRC64: o.CRC64, ContentType: o.ContentType, Modified: o.Modified})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// Object returns an object's bytes.
func (e *Emulator) Object(bucketName, key string) ([]byte, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	b, ok := e.st.Buckets[bucketName]
	if !ok || b.Objects[key] == nil {
		return nil, false
	}
	data, err := e.blobs.get(b.Objects[key].Blob)
	return data, err == nil
}

// PutObject stores an object directly (test setup), creating the bucket if needed.
func (e *Emulator) PutObject(bucketName, key string, data []byte) error {
	if !validBucketName(bucketName) {
		return fmt.Errorf("fcemu: bucket name %q is invalid", bucketName)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	b, ok := e.st.Buckets[bucketName]
	if !ok {
		b = newBucket(bucketName, e.now())
		e.st.Buckets[bucketName] = b
	}
	o := &object{Key: key, ETag: md5ETag(data), ContentType: "application/octet-stream", Type: "Normal", Modified: e.now()}
	if err := e.storeObjectLocked(b, o, data); err != nil {
		return err
	}
	return e.saveLocked()
}

// CreateBucket creates an OSS bucket in the account (no error if it exists).
func (e *Emulator) CreateBucket(name string) error {
	if !validBucketName(name) {
		return fmt.Errorf("fcemu: bucket name %q is invalid: 3-63 lower-case letters, digits and '-'", name)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.st.Buckets[name]; !ok {
		e.st.Buckets[name] = newBucket(name, e.now())
	}
	return e.saveLocked()
}

// HasBucket reports whether the account has the bucket (FC's temporary bucket and other
// accounts' buckets are not the account's).
func (e *Emulator) HasBucket(name string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	b, ok := e.st.Buckets[name]
	return ok && !b.System && !b.Foreign
}
