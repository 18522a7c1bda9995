package fcemu

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

const fc2Prefix = "/2016-08-15"

// fc2ServicePassthrough and fc2FunctionPassthrough are configuration FC 2.0 stores and
// returns; the emulator keeps them as sent.
var (
	fc2ServicePassthrough  = []string{"logConfig", "vpcConfig", "nasConfig", "tracingConfig"}
	fc2FunctionPassthrough = []string{"initializer", "initializationTimeout", "instanceConcurrency", "customContainerConfig", "caPort", "instanceType", "layers"}
)

// serveFC2 routes FC 2.0 (/2016-08-15) requests.
func (e *Emulator) serveFC2(x *exchange) {
	r := x.r
	seg := splitSegments(r.URL.Path, fc2Prefix)
	small := int64(1 << 20)
	codeBody := e.cfg.limits.InlineCode + small // a function body carries the base64 zip
	route := func(op Op, resource string, max int64) bool {
		return x.admitFC(op, resource, max, x.authFC2)
	}
	m := r.Method
	switch {
	case len(seg) == 1 && seg[0] == "tempBucketToken" && m == http.MethodGet:
		if route(OpGetTempBucketToken, "", small) {
			e.fc2TempBucketToken(x)
		}
	case len(seg) == 1 && seg[0] == "services" && m == http.MethodGet:
		if route(OpListServices, "", small) {
			e.fc2ListServices(x)
		}
	case len(seg) == 1 && seg[0] == "services" && m == http.MethodPost:
		if route(OpCreateService, "", small) {
			e.fc2CreateService(x)
		}
	case len(seg) == 2 && seg[0] == "services":
		svc, q := splitQualifier(seg[1])
		switch m {
		case http.MethodGet:
			if route(OpGetService, svc, small) {
				e.fc2GetService(x, svc, q)
			}
		case http.MethodPut:
			if route(OpUpdateService, seg[1], small) {
				e.fc2UpdateService(x, seg[1])
			}
		case http.MethodDelete:
			if route(OpDeleteService, seg[1], small) {
				e.fc2DeleteService(x, seg[1])
			}
		default:
			x.pathNotSupported()
		}
	case len(seg) == 3 && seg[0] == "services" && seg[2] == "functions":
		svc, q := splitQualifier(seg[1])
		switch m {
		case http.MethodGet:
			if route(OpListFunctions, svc, small) {
				e.fc2ListFunctions(x, svc, q)
			}
		case http.MethodPost:
			if route(OpCreateFunction, seg[1], codeBody) {
				e.fc2CreateFunction(x, seg[1])
			}
		default:
			x.pathNotSupported()
		}
	case len(seg) == 4 && seg[0] == "services" && seg[2] == "functions":
		svc, q := splitQualifier(seg[1])
		res := svc + "/" + seg[3]
		switch m {
		case http.MethodGet:
			if route(OpGetFunction, res, small) {
				e.fc2GetFunction(x, svc, q, seg[3])
			}
		case http.MethodPut:
			if route(OpUpdateFunction, res, codeBody) {
				e.fc2UpdateFunction(x, seg[1], seg[3])
			}
		case http.MethodDelete:
			if route(OpDeleteFunction, res, small) {
				e.fc2DeleteFunction(x, seg[1], seg[3])
			}
		default:
			x.pathNotSupported()
		}
	case len(seg) == 5 && seg[0] == "services" && seg[2] == "functions" && seg[4] == "code" && m == http.MethodGet:
		svc, q := splitQualifier(seg[1])
		if route(OpGetFunctionCode, svc+"/"+seg[3], small) {
			e.fc2GetFunctionCode(x, svc, q, seg[3])
		}
	case len(seg) == 5 && seg[0] == "services" && seg[2] == "functions" && seg[4] == "invocations" && m == http.MethodPost:
		svc, q := splitQualifier(seg[1])
		if route(OpInvokeFunction, svc+"/"+seg[3], e.payloadLimit(r)) {
			e.fc2Invoke(x, svc, q, seg[3])
		}
	default:
		if x.begin(OpUnknown, "", small) {
			x.pathNotSupported()
		}
	}
}

func (x *exchange) pathNotSupported() {
	x.fail(errf(http.StatusBadRequest, "PathNotSupported", "'%s' against '%s' is not supported", x.r.Method, x.r.URL.Path))
}

// splitQualifier splits "svc.LATEST" (the SDK's qualified service path) into its parts.
func splitQualifier(seg string) (name, qualifier string) {
	name, qualifier, _ = strings.Cut(seg, ".")
	return name, qualifier
}

func serviceNotFound(name string) *apiError {
	return errf(http.StatusNotFound, "ServiceNotFound", "service '%s' does not exist", name)
}

func fc2FunctionNotFound(svc, name string) *apiError {
	return errf(http.StatusNotFound, "FunctionNotFound", "function '%s' does not exist in service '%s'", name, svc)
}

func (s *service) json() map[string]any {
	m := map[string]any{
		"serviceName":      s.Name,
		"serviceId":        s.ID,
		"description":      s.Description,
		"role":             s.Role,
		"internetAccess":   s.InternetAccess == nil || *s.InternetAccess,
		"createdTime":      fcTime(s.Created),
		"lastModifiedTime": fcTime(s.Modified),
	}
	for k, v := range s.Config {
		m[k] = v
	}
	return m
}

func (fn *function) fc2JSON() map[string]any {
	env := fn.Env
	if env == nil {
		env = map[string]string{}
	}
	m := map[string]any{
		"functionId":           fn.ID,
		"functionName":         fn.Name,
		"description":          fn.Description,
		"runtime":              fn.Runtime,
		"handler":              fn.Handler,
		"timeout":              fn.Timeout,
		"memorySize":           fn.MemorySize,
		"codeSize":             fn.Code.Size,
		"codeChecksum":         fn.Code.Checksum,
		"environmentVariables": env,
		"createdTime":          fcTime(fn.Created),
		"lastModifiedTime":     fcTime(fn.Modified),
		"instanceConcurrency":  1,
		"instanceType":         "e1",
	}
	for k, v := range fn.Config {
		m[k] = v
	}
	return m
}

func (e *Emulator) fc2CreateService(x *exchange) {
	f, apiErr := parseFields(x.body)
	if apiErr != nil {
		x.fail(apiErr)
		return
	}
	name, apiErr := f.str("serviceName")
	if apiErr != nil {
		x.fail(apiErr)
		return
	}
	if name == nil {
		name = new(string)
	}
	if apiErr := checkName("service", *name, 128); apiErr != nil {
		x.fail(apiErr)
		return
	}
	x.resource = *name
	now := e.now()
	s := &service{Name: *name, ID: randomUUID(), Created: now, Modified: now, ETag: newETag(), Functions: map[string]*function{}}
	if apiErr := s.configure(f); apiErr != nil {
		x.fail(apiErr)
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.st.Services[*name]; ok {
		x.fail(errf(http.StatusConflict, "ServiceAlreadyExists", "service '%s' already exists", *name))
		return
	}
	e.st.Services[*name] = s
	if err := e.saveLocked(); err != nil {
		x.internal(err)
		return
	}
	x.fc2Answer(http.StatusOK, s.ETag, s.json())
}

func (s *service) configure(f fields) *apiError {
	if v, err := f.str("description"); err != nil {
		return err
	} else if v != nil {
		s.Description = *v
	}
	if v, err := f.role(); err != nil {
		return err
	} else if v != nil {
		s.Role = *v
	}
	if v, err := f.boolean("internetAccess"); err != nil {
		return err
	} else if v != nil {
		s.InternetAccess = v
	}
	s.Config = f.passthrough(s.Config, fc2ServicePassthrough...)
	return nil
}

func (e *Emulator) fc2GetService(x *exchange, name, qualifier string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	s, apiErr := e.fc2Service(name, qualifier)
	if apiErr != nil {
		x.fail(apiErr)
		return
	}
	x.fc2Answer(http.StatusOK, s.ETag, s.json())
}

func (e *Emulator) fc2UpdateService(x *exchange, name string) {
	f, apiErr := parseFields(x.body)
	if apiErr != nil {
		x.fail(apiErr)
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	s, apiErr := e.fc2Service(name, "")
	if apiErr != nil {
		x.fail(apiErr)
		return
	}
	if apiErr := checkIfMatch(x.r, s.ETag); apiErr != nil {
		x.fail(apiErr)
		return
	}
	updated := *s
	updated.Config = cloneRaw(s.Config)
	if apiErr := updated.configure(f); apiErr != nil {
		x.fail(apiErr)
		return
	}
	updated.Modified, updated.ETag = e.now(), newETag()
	*s = updated
	if err := e.saveLocked(); err != nil {
		x.internal(err)
		return
	}
	x.fc2Answer(http.StatusOK, s.ETag, s.json())
}

func (e *Emulator) fc2DeleteService(x *exchange, name string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	s, apiErr := e.fc2Service(name, "")
	if apiErr != nil {
		x.fail(apiErr)
		return
	}
	if apiErr := checkIfMatch(x.r, s.ETag); apiErr != nil {
		x.fail(apiErr)
		return
	}
	if len(s.Functions) > 0 {
		x.fail(errf(http.StatusBadRequest, "ServiceNotEmpty", "service '%s' is not empty: delete its %d function(s) first", name, len(s.Functions)))
		return
	}
	delete(e.st.Services, name)
	if err := e.saveLocked(); err != nil {
		x.internal(err)
		return
	}
	x.noContent()
}

func (e *Emulator) fc2ListServices(x *exchange) {
	q := x.r.URL.Query()
	limit, apiErr := pageLimit(q.Get("limit"), 20, 100)
	if apiErr != nil {
		x.fail(apiErr)
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	out := listPage("services", e.st.Services, nil, q.Get("prefix"), max(q.Get("startKey"), q.Get("nextToken")), limit, (*service).json)
	x.fc2Answer(http.StatusOK, "", out)
}

func (e *Emulator) fc2CreateFunction(x *exchange, svcName string) {
	fn, spec, apiErr := x.decodeCreate(fc2Functions, svcName+"/")
	if apiErr != nil {
		x.fail(apiErr)
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	s, apiErr := e.fc2Service(svcName, "")
	if apiErr != nil {
		x.fail(apiErr)
		return
	}
	if _, ok := s.Functions[fn.Name]; ok {
		x.fail(errf(http.StatusConflict, "FunctionAlreadyExists", "function '%s' already exists in service '%s'", fn.Name, svcName))
		return
	}
	ref, apiErr := e.loadCodeLocked(spec)
	if apiErr != nil {
		x.fail(apiErr)
		return
	}
	fn.Code = ref
	s.Functions[fn.Name] = fn
	if err := e.saveLocked(); err != nil {
		x.internal(err)
		return
	}
	x.fc2Answer(http.StatusOK, fn.ETag, fn.fc2JSON())
}

// configureFC2 applies the FC 2.0-only function fields (stored and echoed).
func configureFC2(fn *function, f fields) *apiError {
	fn.Config = f.passthrough(fn.Config, fc2FunctionPassthrough...)
	return nil
}

func (e *Emulator) fc2GetFunction(x *exchange, svcName, qualifier, name string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	fn, apiErr := e.fc2Lookup(svcName, qualifier, name)
	if apiErr != nil {
		x.fail(apiErr)
		return
	}
	x.fc2Answer(http.StatusOK, fn.ETag, fn.fc2JSON())
}

// fc2Service finds a service (qualifier: see checkQualifier). The caller holds e.mu.
func (e *Emulator) fc2Service(name, qualifier string) (*service, *apiError) {
	s, ok := e.st.Services[name]
	if !ok {
		return nil, serviceNotFound(name)
	}
	if apiErr := checkQualifier(qualifier, "service '"+name+"'"); apiErr != nil {
		return nil, apiErr
	}
	return s, nil
}

// fc2Lookup finds a function (qualifier "" for changes). The caller holds e.mu.
func (e *Emulator) fc2Lookup(svcName, qualifier, name string) (*function, *apiError) {
	s, apiErr := e.fc2Service(svcName, qualifier)
	if apiErr != nil {
		return nil, apiErr
	}
	fn, ok := s.Functions[name]
	if !ok {
		return nil, fc2FunctionNotFound(svcName, name)
	}
	return fn, nil
}

func (e *Emulator) fc2UpdateFunction(x *exchange, svcName, name string) {
	f, apiErr := parseFields(x.body)
	if apiErr != nil {
		x.fail(apiErr)
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	fn, apiErr := e.fc2Lookup(svcName, "", name)
	if apiErr != nil {
		x.fail(apiErr)
		return
	}
	if apiErr := checkIfMatch(x.r, fn.ETag); apiErr != nil {
		x.fail(apiErr)
		return
	}
	updated, apiErr := e.updateLocked(x, fc2Functions, fn, f)
	if apiErr != nil {
		x.fail(apiErr)
		return
	}
	*fn = updated
	if err := e.saveLocked(); err != nil {
		x.internal(err)
		return
	}
	x.fc2Answer(http.StatusOK, fn.ETag, fn.fc2JSON())
}

func (e *Emulator) fc2DeleteFunction(x *exchange, svcName, name string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	fn, apiErr := e.fc2Lookup(svcName, "", name)
	if apiErr != nil {
		x.fail(apiErr)
		return
	}
	if apiErr := checkIfMatch(x.r, fn.ETag); apiErr != nil {
		x.fail(apiErr)
		return
	}
	delete(e.st.Services[svcName].Functions, name)
	if err := e.saveLocked(); err != nil {
		x.internal(err)
		return
	}
	x.noContent()
}

func (e *Emulator) fc2ListFunctions(x *exchange, svcName, qualifier string) {
	q := x.r.URL.Query()
	limit, apiErr := pageLimit(q.Get("limit"), 20, 100)
	if apiErr != nil {
		x.fail(apiErr)
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	s, apiErr := e.fc2Service(svcName, qualifier)
	if apiErr != nil {
		x.fail(apiErr)
		return
	}
	out := listPage("functions", s.Functions, nil, q.Get("prefix"), max(q.Get("startKey"), q.Get("nextToken")), limit, (*function).fc2JSON)
	x.fc2Answer(http.StatusOK, "", out)
}

func (e *Emulator) fc2GetFunctionCode(x *exchange, svcName, qualifier, name string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	fn, apiErr := e.fc2Lookup(svcName, qualifier, name)
	if apiErr != nil {
		x.fail(apiErr)
		return
	}
	url := e.codeURLLocked(x.r, fn.Code, svcName+"/"+name)
	x.fc2Answer(http.StatusOK, "", map[string]any{"url": url, "checksum": fn.Code.Checksum})
}

func (e *Emulator) fc2Invoke(x *exchange, svcName, qualifier, name string) {
	e.mu.Lock()
	fn, apiErr := e.fc2Lookup(svcName, qualifier, name)
	var t invokeTarget
	if apiErr == nil {
		t = invokeTarget{api: APIFC2, service: svcName, qualifier: "LATEST", fn: *fn, role: e.st.Services[svcName].Role}
	}
	e.mu.Unlock()
	if apiErr != nil {
		x.fail(apiErr)
		return
	}
	e.invoke(x, t)
}

// fc2TempBucketToken hands out credentials that can write one object into FC's temporary
// code bucket; the code is then given to Create/UpdateFunction as that OSS object.
func (e *Emulator) fc2TempBucketToken(x *exchange) {
	objectName := randomHex(16)
	creds := e.sessions.issue(e.now(), time.Hour, &objectScope{bucket: e.TempBucket(), key: e.cfg.accountID + "/" + objectName})
	x.fc2Answer(http.StatusOK, "", map[string]any{
		"credentials": map[string]string{
			"AccessKeyId":     creds.AccessKeyID,
			"AccessKeySecret": creds.AccessKeySecret,
			"Expiration":      creds.Expiration.Format("2006-01-02T15:04:05Z"),
			"SecurityToken":   creds.SecurityToken,
		},
		"ossRegion":  "oss-" + e.cfg.region,
		"ossBucket":  e.TempBucket(),
		"objectName": objectName,
	})
}

// TempBucket is the name of FC's temporary code bucket in the emulated region.
func (e *Emulator) TempBucket() string { return "fc-temp-code-" + e.cfg.region }

func (x *exchange) fc2Answer(status int, etag string, v any) {
	h := x.w.Header()
	h.Set("X-Fc-Request-Id", x.requestID)
	if etag != "" {
		h.Set("ETag", etag)
	}
	x.writeJSON(status, v)
}

func (x *exchange) noContent() {
	x.w.Header().Set("X-Fc-Request-Id", x.requestID)
	x.w.WriteHeader(http.StatusNoContent)
}

func cloneRaw(m map[string]json.RawMessage) map[string]json.RawMessage {
	if m == nil {
		return nil
	}
	out := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func randomUUID() string {
	h := randomHex(16)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
