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

// fc2Routes is FC 2.0's API. Only reads and invocations take a qualified service: a
// change names the service as given ("svc.LATEST" is then no service).
var fc2Routes = []route{
	{http.MethodGet, "tempBucketToken", OpGetTempBucketToken, smallBody, (*Emulator).fc2TempBucketToken},
	{http.MethodGet, "services", OpListServices, smallBody, (*Emulator).fc2ListServices},
	{http.MethodPost, "services", OpCreateService, smallBody, (*Emulator).fc2CreateService},
	{http.MethodGet, "services/{service.qualifier}", OpGetService, smallBody, (*Emulator).fc2GetService},
	{http.MethodPut, "services/{service}", OpUpdateService, smallBody, (*Emulator).fc2UpdateService},
	{http.MethodDelete, "services/{service}", OpDeleteService, smallBody, (*Emulator).fc2DeleteService},
	{http.MethodGet, "services/{service.qualifier}/functions", OpListFunctions, smallBody, (*Emulator).fc2ListFunctions},
	{http.MethodPost, "services/{service}/functions", OpCreateFunction, codeBody, (*Emulator).fc2CreateFunction},
	{http.MethodGet, "services/{service.qualifier}/functions/{function}", OpGetFunction, smallBody, (*Emulator).fc2GetFunction},
	{http.MethodPut, "services/{service}/functions/{function}", OpUpdateFunction, codeBody, (*Emulator).fc2UpdateFunction},
	{http.MethodDelete, "services/{service}/functions/{function}", OpDeleteFunction, smallBody, (*Emulator).fc2DeleteFunction},
	{http.MethodGet, "services/{service.qualifier}/functions/{function}/code", OpGetFunctionCode, smallBody, (*Emulator).fc2GetFunctionCode},
	{http.MethodPost, "services/{service.qualifier}/functions/{function}/invocations", OpInvokeFunction, eventBody, (*Emulator).fc2Invoke},
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
	return fn.json(map[string]any{"instanceConcurrency": 1, "instanceType": "e1"})
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

// fc2Function finds the function p names. The caller holds e.mu.
func (e *Emulator) fc2Function(p fcPath) (*service, *function, *apiError) {
	s, apiErr := e.fc2Service(p.service, p.qualifier)
	if apiErr != nil {
		return nil, nil, apiErr
	}
	fn, ok := s.Functions[p.function]
	if !ok {
		return nil, nil, fc2FunctionNotFound(p.service, p.function)
	}
	return s, fn, nil
}

// fc2ServiceToChange finds the service p names for a change, which If-Match may pin
// to a version. The caller holds e.mu.
func (e *Emulator) fc2ServiceToChange(x *exchange, p fcPath) (*service, *apiError) {
	s, apiErr := e.fc2Service(p.service, "")
	if apiErr != nil {
		return nil, apiErr
	}
	return s, checkIfMatch(x.r, s.ETag)
}

// fc2FunctionToChange is fc2ServiceToChange for a function.
func (e *Emulator) fc2FunctionToChange(x *exchange, p fcPath) (*service, *function, *apiError) {
	s, fn, apiErr := e.fc2Function(p)
	if apiErr != nil {
		return nil, nil, apiErr
	}
	return s, fn, checkIfMatch(x.r, fn.ETag)
}

// decodeService decodes a CreateService body.
func (x *exchange) decodeService() (*service, *apiError) {
	f, apiErr := parseFields(x.body)
	if apiErr != nil {
		return nil, apiErr
	}
	name, apiErr := field[string](f, "serviceName")
	if apiErr != nil {
		return nil, apiErr
	}
	if name == nil {
		name = new(string)
	}
	if apiErr := checkName("service", *name, 128); apiErr != nil {
		return nil, apiErr
	}
	x.resource = *name
	now := x.e.now()
	s := &service{Name: *name, ID: randomUUID(), Created: now, Modified: now, ETag: newETag(), Functions: map[string]*function{}}
	return s, s.configure(f)
}

func (s *service) configure(f fields) *apiError {
	apiErr := firstError(
		assign(f, "description", &s.Description, nil),
		assign(f, "role", &s.Role, checkRole),
		assign(f, "internetAccess", &s.InternetAccess, nil),
	)
	s.Config = f.passthrough(s.Config, fc2ServicePassthrough...)
	return apiErr
}

func (e *Emulator) fc2CreateService(x *exchange, _ fcPath) {
	e.update(x, func() (reply, *apiError) {
		s, apiErr := x.decodeService()
		if apiErr != nil {
			return nil, apiErr
		}
		if _, ok := e.st.Services[s.Name]; ok {
			return nil, errf(http.StatusConflict, "ServiceAlreadyExists", "service '%s' already exists", s.Name)
		}
		e.st.Services[s.Name] = s
		return fc2Reply(s.ETag, s.json()), nil
	})
}

func (e *Emulator) fc2GetService(x *exchange, p fcPath) {
	e.view(x, func() (reply, *apiError) {
		s, apiErr := e.fc2Service(p.service, p.qualifier)
		if apiErr != nil {
			return nil, apiErr
		}
		return fc2Reply(s.ETag, s.json()), nil
	})
}

func (e *Emulator) fc2UpdateService(x *exchange, p fcPath) {
	e.update(x, func() (reply, *apiError) {
		f, apiErr := parseFields(x.body)
		if apiErr != nil {
			return nil, apiErr
		}
		s, apiErr := e.fc2ServiceToChange(x, p)
		if apiErr != nil {
			return nil, apiErr
		}
		updated := *s
		updated.Config = cloneRaw(s.Config)
		if apiErr := updated.configure(f); apiErr != nil {
			return nil, apiErr
		}
		updated.Modified, updated.ETag = e.now(), newETag()
		*s = updated
		return fc2Reply(s.ETag, s.json()), nil
	})
}

func (e *Emulator) fc2DeleteService(x *exchange, p fcPath) {
	e.update(x, func() (reply, *apiError) {
		s, apiErr := e.fc2ServiceToChange(x, p)
		if apiErr != nil {
			return nil, apiErr
		}
		if len(s.Functions) > 0 {
			// FC answers 409 with this message (seen in Serverless-Devs/Serverless-Devs
			// issue 52: "DELETE /services/demo failed with 409 ... service 'demo' has
			// active 'functions'"); the error code there is not shown, ServiceNotEmpty
			// is the emulator's.
			return nil, errf(http.StatusConflict, "ServiceNotEmpty", "service '%s' has active 'functions'.", s.Name)
		}
		delete(e.st.Services, s.Name)
		return noContent, nil
	})
}

func (e *Emulator) fc2ListServices(x *exchange, _ fcPath) {
	e.view(x, func() (reply, *apiError) {
		q, apiErr := listQueryOf(x.r, "startKey", "nextToken")
		if apiErr != nil {
			return nil, apiErr
		}
		return fc2Reply("", listPage("services", e.st.Services, nil, q, (*service).json)), nil
	})
}

func (e *Emulator) fc2ListFunctions(x *exchange, p fcPath) {
	e.view(x, func() (reply, *apiError) {
		q, apiErr := listQueryOf(x.r, "startKey", "nextToken")
		if apiErr != nil {
			return nil, apiErr
		}
		s, apiErr := e.fc2Service(p.service, p.qualifier)
		if apiErr != nil {
			return nil, apiErr
		}
		return fc2Reply("", listPage("functions", s.Functions, nil, q, (*function).fc2JSON)), nil
	})
}

func (e *Emulator) fc2CreateFunction(x *exchange, p fcPath) {
	e.update(x, func() (reply, *apiError) {
		fn, spec, apiErr := x.decodeCreate(fc2Functions, p.service+"/")
		if apiErr != nil {
			return nil, apiErr
		}
		s, apiErr := e.fc2Service(p.service, "")
		if apiErr != nil {
			return nil, apiErr
		}
		if _, ok := s.Functions[fn.Name]; ok {
			return nil, errf(http.StatusConflict, "FunctionAlreadyExists", "function '%s' already exists in service '%s'", fn.Name, p.service)
		}
		if fn.Code, apiErr = e.loadCodeLocked(spec); apiErr != nil {
			return nil, apiErr
		}
		s.Functions[fn.Name] = fn
		return fc2Reply(fn.ETag, fn.fc2JSON()), nil
	})
}

// configureFC2 applies the FC 2.0-only function fields (stored and echoed).
func configureFC2(fn *function, f fields) *apiError {
	fn.Config = f.passthrough(fn.Config, fc2FunctionPassthrough...)
	return nil
}

func (e *Emulator) fc2GetFunction(x *exchange, p fcPath) {
	e.view(x, func() (reply, *apiError) {
		_, fn, apiErr := e.fc2Function(p)
		if apiErr != nil {
			return nil, apiErr
		}
		return fc2Reply(fn.ETag, fn.fc2JSON()), nil
	})
}

func (e *Emulator) fc2UpdateFunction(x *exchange, p fcPath) {
	e.update(x, func() (reply, *apiError) {
		f, apiErr := parseFields(x.body)
		if apiErr != nil {
			return nil, apiErr
		}
		_, fn, apiErr := e.fc2FunctionToChange(x, p)
		if apiErr != nil {
			return nil, apiErr
		}
		updated, apiErr := e.updateLocked(x, fc2Functions, fn, f)
		if apiErr != nil {
			return nil, apiErr
		}
		*fn = updated
		return fc2Reply(fn.ETag, fn.fc2JSON()), nil
	})
}

func (e *Emulator) fc2DeleteFunction(x *exchange, p fcPath) {
	e.update(x, func() (reply, *apiError) {
		s, fn, apiErr := e.fc2FunctionToChange(x, p)
		if apiErr != nil {
			return nil, apiErr
		}
		delete(s.Functions, fn.Name)
		return noContent, nil
	})
}

func (e *Emulator) fc2GetFunctionCode(x *exchange, p fcPath) {
	e.view(x, func() (reply, *apiError) {
		_, fn, apiErr := e.fc2Function(p)
		if apiErr != nil {
			return nil, apiErr
		}
		return fc2Reply("", e.codeLocationLocked(x.r, fn.Code, p.resource())), nil
	})
}

func (e *Emulator) fc2Invoke(x *exchange, p fcPath) {
	e.view(x, func() (reply, *apiError) {
		s, fn, apiErr := e.fc2Function(p)
		if apiErr != nil {
			return nil, apiErr
		}
		t := invokeTarget{api: APIFC2, service: p.service, qualifier: "LATEST", fn: *fn, role: s.Role}
		return func(x *exchange) { e.invoke(x, t) }, nil
	})
}

// fc2TempBucketToken hands out credentials that can write one object into FC's temporary
// code bucket; the code is then given to Create/UpdateFunction as that OSS object.
func (e *Emulator) fc2TempBucketToken(x *exchange, _ fcPath) {
	objectName := randomHex(16)
	creds := e.sessions.issue(e.now(), time.Hour, &objectScope{bucket: e.TempBucket(), key: e.cfg.accountID + "/" + objectName})
	fc2Reply("", map[string]any{
		"credentials": map[string]string{
			"AccessKeyId":     creds.AccessKeyID,
			"AccessKeySecret": creds.AccessKeySecret,
			"Expiration":      creds.Expiration.Format("2006-01-02T15:04:05Z"),
			"SecurityToken":   creds.SecurityToken,
		},
		"ossRegion":  "oss-" + e.cfg.region,
		"ossBucket":  e.TempBucket(),
		"objectName": objectName,
	})(x)
}

// TempBucket is the name of FC's temporary code bucket in the emulated region.
func (e *Emulator) TempBucket() string { return "fc-temp-code-" + e.cfg.region }

// fc2Reply answers 200 with v (rendered by the caller) and the resource's ETag, if any.
func fc2Reply(etag string, v any) reply {
	return func(x *exchange) {
		h := x.w.Header()
		h.Set("X-Fc-Request-Id", x.requestID)
		if etag != "" {
			h.Set("ETag", etag)
		}
		x.writeJSON(http.StatusOK, v)
	}
}

// noContent is an FC delete's answer.
func noContent(x *exchange) {
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
