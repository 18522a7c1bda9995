package deploy

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/alibabacloud-go/tea/tea"
	fc "github.com/aliyun/fc-go-sdk"

	"github.com/lithops-fc/runtime-action/internal/credentials"
	"github.com/lithops-fc/runtime-action/internal/urlcred"
)

// fc2Version is FC 2.0's API version, the first segment of every path.
const fc2Version = "2016-08-15"

// fc2Transport sends fc-go-sdk's requests. The SDK's own client keeps its HTTP
// settings in resty's package-level client (NewClient replaces the global transport
// and timeout; docs/architecture.md, "Function Compute and OSS"), takes no context and cannot send
// X-Fc-Code-Checksum; so the SDK's request types and signer are used with an
// http.Client of ours: a context per call, per-call timeouts, no shared state.
type fc2Transport struct {
	base    string // scheme://host[:port]
	account string
	creds   credentials.Credentials
	client  *http.Client
	redact  redactor
}

// maxAnswer bounds what is read of an answer: FC's synchronous responses are at most
// 16 MB (32 MB requests); management answers are small.
const maxAnswer = 32 << 20

// do sends one FC 2.0 request and returns the answer's body and headers; an answer of
// 300 or more is an *APIError.
func (t *fc2Transport) do(ctx context.Context, op, resource, method string, in fc.ServiceInput, extra map[string]string) ([]byte, http.Header, error) {
	if err := in.Validate(); err != nil {
		return nil, nil, fmt.Errorf("FC 2.0 %s %s: %w", op, resource, err)
	}
	path := "/" + fc2Version + in.GetPath()
	headers := map[string]string{}
	for k, v := range in.GetHeaders() {
		headers[k] = v
	}
	for k, v := range extra {
		headers[k] = v
	}
	headers[fc.HTTPHeaderAccountID] = t.account
	headers[fc.HTTPHeaderUserAgent] = userAgent
	headers["Accept"] = "application/json"
	var body []byte
	if p := in.GetPayload(); p != nil {
		if b, ok := p.(*[]byte); ok {
			headers[fc.HTTPHeaderContentType] = "application/octet-stream"
			body = *b
		} else {
			var err error
			if body, err = json.Marshal(p); err != nil {
				return nil, nil, fmt.Errorf("FC 2.0 %s %s: encode request: %w", op, resource, err)
			}
			headers[fc.HTTPHeaderContentType] = "application/json"
		}
		headers[fc.HTTPHeaderContentMD5] = fc.MD5(body)
	}
	headers[fc.HTTPHeaderDate] = time.Now().UTC().Format(http.TimeFormat)
	if t.creds.SecurityToken != "" {
		headers[fc.HTTPHeaderSecurityToken] = t.creds.SecurityToken
	}
	headers["Authorization"] = fc.GetAuthStr(t.creds.AccessKeyID, t.creds.AccessKeySecret, method, headers, path)

	u := t.base + path
	if q := in.GetQueryParams(); len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return nil, nil, fmt.Errorf("FC 2.0 %s %s: %w", op, resource, err)
	}
	if body == nil {
		req.Body, req.ContentLength = nil, 0
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := t.client.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("FC 2.0 %s %s: %w", op, resource, err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return nil, nil, fmt.Errorf("FC 2.0 %s %s: read answer: %w", op, resource, err)
	}
	if resp.StatusCode >= 300 {
		var e struct{ ErrorCode, ErrorMessage string }
		_ = json.Unmarshal(answer, &e) // a body that is not FC's JSON leaves the status alone
		if e.ErrorCode == "" && e.ErrorMessage == "" {
			e.ErrorMessage = strings.TrimSpace(string(answer))
			if len(e.ErrorMessage) > 200 {
				e.ErrorMessage = e.ErrorMessage[:200] + "..."
			}
		}
		return nil, nil, &APIError{Service: "FC 2.0", Op: op, Resource: resource, Status: resp.StatusCode,
			Code: e.ErrorCode, Message: t.redact.apply(e.ErrorMessage), RequestID: resp.Header.Get(fc.HTTPHeaderRequestID),
			Conditional: resp.StatusCode == http.StatusPreconditionFailed && headers["If-Match"] != ""}
	}
	return answer, resp.Header, nil
}

// tempBucketToken asks FC for its temporary upload bucket (an FC 2.0 call that serves
// FC 3.0 deployments too).
func (t *fc2Transport) tempBucketToken(ctx context.Context) (fc.GetTempBucketTokenOutput, error) {
	var out fc.GetTempBucketTokenOutput
	body, _, err := t.do(ctx, "GetTempBucketToken", "", http.MethodGet, fc.GetTempBucketTokenInput{}, nil)
	if err != nil {
		return out, err
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return out, fmt.Errorf("FC 2.0 GetTempBucketToken: decode answer: %w", err)
	}
	return out, nil
}

// fc2 deploys to one FC 2.0 service. The service carries the role and internet access of
// its functions and is shared by every function in it: Put creates it when missing (as
// Lithops does) and otherwise uses it as it is; it changes an existing service's role or
// internet access only when updateService allows it (else a *ServiceMismatchError). Get
// reports role and internet access from the service.
type fc2 struct {
	t             *fc2Transport
	service       string
	updateService bool
	timeout       Timeouts
	log           func(string, ...any)
	mu            sync.Mutex // one service check at a time
}

// ServiceMismatchError is an existing FC 2.0 service whose role or internet access is
// not what the functions are to run with. The service is shared by every function in it,
// so it is not changed without leave.
type ServiceMismatchError struct {
	Service                string
	Role, WantRole         string
	Internet, WantInternet bool
}

func (e *ServiceMismatchError) Error() string {
	var diffs []string
	if e.Role != e.WantRole {
		diffs = append(diffs, fmt.Sprintf("its role is %s, the role-arn input is %s", or(e.Role, "(none)"), e.WantRole))
	}
	if e.Internet != e.WantInternet {
		diffs = append(diffs, fmt.Sprintf("its internet access is %t, Lithops' workers need %t", e.Internet, e.WantInternet))
	}
	return fmt.Sprintf("the FC 2.0 service %s exists and differs from this deployment: %s. The service's role and internet access apply to every function in it, so the action leaves it as it is", e.Service, strings.Join(diffs, "; "))
}

// serviceMismatch describes how svc's role or internet access differs from the wanted
// ones; nil when they agree.
func serviceMismatch(name string, svc fc.GetServiceOutput, role string, internet bool) *ServiceMismatchError {
	e := &ServiceMismatchError{Service: name, Role: tea.StringValue(svc.Role), WantRole: role,
		Internet: internetAccess(svc.InternetAccess), WantInternet: internet}
	if e.Role == e.WantRole && e.Internet == e.WantInternet {
		return nil
	}
	return e
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// ServiceDescription marks the FC 2.0 services the action creates: mode: delete removes
// a service once it holds no function only when it bears this description, so a service
// made by Lithops itself, by hand or by another tool is never removed (nor one whose
// description someone changed).
const ServiceDescription = "Lithops runtimes; created by lithops-fc/runtime-action, which deletes it once it holds no function"

// checkService compares an existing service with role and internet access; a missing
// service is fine (Put creates it). It changes nothing.
func (c *fc2) checkService(ctx context.Context, role string, internet bool) error {
	svc, err := c.getService(ctx)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if m := serviceMismatch(c.service, svc, role, internet); m != nil && !c.updateService {
		return m
	}
	return nil
}

func (c *fc2) Get(ctx context.Context, name string) (Function, error) {
	svc, err := c.getService(ctx)
	if err != nil {
		return Function{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout.Call)
	defer cancel()
	body, h, err := c.t.do(ctx, "GetFunction", c.service+"/"+name, http.MethodGet, fc.NewGetFunctionInput(c.service, name), nil)
	if err != nil {
		return Function{}, err
	}
	var out fc.GetFunctionOutput
	if err := json.Unmarshal(body, &out); err != nil {
		return Function{}, fmt.Errorf("FC 2.0 GetFunction %s: decode answer: %w", name, err)
	}
	if out.FunctionName == nil {
		return Function{}, noFunction("FC 2.0", "GetFunction", name)
	}
	return fc2Function(out, h, svc), nil
}

// fc2Function is a function as FC 2.0 answers it (headers h), with the role and internet
// access of its service.
func fc2Function(out fc.GetFunctionOutput, h http.Header, svc fc.GetServiceOutput) Function {
	return Function{
		Spec: Spec{Name: tea.StringValue(out.FunctionName), Runtime: tea.StringValue(out.Runtime), Handler: tea.StringValue(out.Handler),
			MemoryMB: int(tea.Int32Value(out.MemorySize)), TimeoutSec: int(tea.Int32Value(out.Timeout)),
			Role: tea.StringValue(svc.Role), InternetAccess: internetAccess(svc.InternetAccess)},
		CodeChecksum: tea.StringValue(out.CodeChecksum), CodeSize: tea.Int64Value(out.CodeSize),
		LastModified: tea.StringValue(out.LastModifiedTime), ETag: strings.Trim(h.Get("ETag"), `"`),
	}
}

// internetAccess reads FC's internetAccess, which is true when FC leaves it out.
func internetAccess(p *bool) bool { return p == nil || *p }

func (c *fc2) getService(ctx context.Context) (fc.GetServiceOutput, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout.Call)
	defer cancel()
	var out fc.GetServiceOutput
	body, _, err := c.t.do(ctx, "GetService", c.service, http.MethodGet, fc.NewGetServiceInput(c.service), nil)
	if err != nil {
		return out, err
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return out, fmt.Errorf("FC 2.0 GetService %s: decode answer: %w", c.service, err)
	}
	return out, nil
}

// ensureService makes the service exist: created with role and internet access when
// missing; an existing one that differs is updated only with updateService.
func (c *fc2) ensureService(ctx context.Context, role string, internet bool) (fc.GetServiceOutput, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	svc, err := c.getService(ctx)
	if errors.Is(err, ErrNotFound) {
		in := fc.NewCreateServiceInput().WithServiceName(c.service).WithDescription(ServiceDescription).WithRole(role).WithInternetAccess(internet)
		mctx, cancel := mutating(ctx, c.timeout.Call)
		_, _, err = c.t.do(mctx, "CreateService", c.service, http.MethodPost, in, nil)
		cancel()
		if err == nil {
			c.log("created FC 2.0 service %s (role %s)", c.service, role)
		}
		if err == nil || isAlreadyExists(err) {
			return c.getService(ctx)
		}
		return svc, err
	}
	if err != nil {
		return svc, err
	}
	m := serviceMismatch(c.service, svc, role, internet)
	if m == nil {
		return svc, nil
	}
	if !c.updateService {
		return svc, m
	}
	in := fc.NewUpdateServiceInput(c.service).WithRole(role).WithInternetAccess(internet)
	mctx, cancel := mutating(ctx, c.timeout.Call)
	defer cancel()
	if _, _, err := c.t.do(mctx, "UpdateService", c.service, http.MethodPut, in, nil); err != nil {
		return svc, err
	}
	c.log("updated FC 2.0 service %s: role %s, internet access %t (was role %s)", c.service, role, internet, tea.StringValue(svc.Role))
	return c.getService(ctx)
}

func (c *fc2) Put(ctx context.Context, p Put) (Function, error) {
	if err := ctx.Err(); err != nil {
		return Function{}, err
	}
	if p.Spec.Container != nil {
		// Lithops deploys custom-container runtimes through FC 3.0 only (3.7 and later).
		return Function{}, fmt.Errorf("function %s: custom-container functions are deployed through FC 3.0 (Lithops 3.7 and later), not FC 2.0", p.Spec.Name)
	}
	svc, err := c.ensureService(ctx, p.Spec.Role, p.Spec.InternetAccess)
	if err != nil {
		return Function{}, err
	}
	s := p.Spec
	runtime, handler := s.Runtime, s.Handler
	memory, timeout := int32(s.MemoryMB), int32(s.TimeoutSec)
	var code *fc.Code
	extra := map[string]string{}
	if p.Code != nil {
		code = &fc.Code{}
		if p.Code.Bucket != "" {
			code.OSSBucketName, code.OSSObjectName = &p.Code.Bucket, &p.Code.Object
		} else {
			code.ZipFile = &p.Code.ZipFile
		}
		if p.Code.Checksum != "" {
			extra["X-Fc-Code-Checksum"] = p.Code.Checksum
		}
	}
	op, method := "UpdateFunction", http.MethodPut
	var in fc.ServiceInput
	if p.Create {
		op, method = "CreateFunction", http.MethodPost
		in = &fc.CreateFunctionInput{ServiceName: &c.service, FunctionCreateObject: fc.FunctionCreateObject{
			FunctionName: &s.Name, Runtime: &runtime, Handler: &handler, MemorySize: &memory, Timeout: &timeout, Code: code}}
	} else {
		u := &fc.UpdateFunctionInput{ServiceName: &c.service, FunctionName: &s.Name, FunctionUpdateObject: fc.FunctionUpdateObject{
			Runtime: &runtime, Handler: &handler, MemorySize: &memory, Timeout: &timeout, Code: code}}
		if p.IfMatch != "" {
			u.IfMatch = &p.IfMatch
		}
		in = u
	}
	mctx, cancel := mutating(ctx, c.timeout.upload(p.Code))
	defer cancel()
	body, h, err := c.t.do(mctx, op, c.service+"/"+s.Name, method, in, extra)
	if err != nil {
		return Function{}, err
	}
	var out fc.GetFunctionOutput
	if err := json.Unmarshal(body, &out); err != nil {
		return Function{}, fmt.Errorf("FC 2.0 %s %s: decode answer: %w", op, s.Name, err)
	}
	if out.FunctionName == nil {
		return Function{}, noFunction("FC 2.0", op, s.Name)
	}
	return fc2Function(out, h, svc), nil
}

func (c *fc2) Delete(ctx context.Context, name string) error {
	mctx, cancel := mutating(ctx, c.timeout.Call)
	defer cancel()
	_, _, err := c.t.do(mctx, "DeleteFunction", c.service+"/"+name, http.MethodDelete, fc.NewDeleteFunctionInput(c.service, name), nil)
	return err
}

// listPage is the most FC's List calls answer at once.
const listPage = 100

func (c *fc2) List(ctx context.Context, prefix string) ([]Function, error) {
	return c.list(ctx, prefix, 0)
}

// list lists the service's functions under prefix: all of them, or the first most when
// most > 0.
func (c *fc2) list(ctx context.Context, prefix string, most int) ([]Function, error) {
	svc, err := c.getService(ctx)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Function
	err = pages(func(token string) (string, error) {
		limit := int32(listPage)
		if most > 0 {
			limit = int32(min(most-len(out), listPage))
		}
		in := fc.NewListFunctionsInput(c.service).WithPrefix(prefix).WithLimit(limit)
		if token != "" {
			in.WithNextToken(token)
		}
		lctx, cancel := context.WithTimeout(ctx, c.timeout.Call)
		defer cancel()
		body, _, err := c.t.do(lctx, "ListFunctions", c.service, http.MethodGet, in, nil)
		if err != nil {
			return "", err
		}
		// fc-go-sdk's list entries are of an unexported type: each is decoded as the
		// GetFunction answer that embeds it.
		var page struct {
			Functions []json.RawMessage `json:"functions"`
			NextToken string            `json:"nextToken"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			return "", fmt.Errorf("FC 2.0 ListFunctions %s: decode answer: %w", c.service, err)
		}
		for _, raw := range page.Functions {
			var f fc.GetFunctionOutput
			if err := json.Unmarshal(raw, &f); err != nil || f.FunctionName == nil {
				return "", fmt.Errorf("FC 2.0 ListFunctions %s: an entry describes no function", c.service)
			}
			out = append(out, fc2Function(f, http.Header{}, svc))
		}
		if most > 0 && len(out) >= most {
			return "", nil
		}
		return page.NextToken, nil
	})
	if errors.Is(err, ErrNotFound) { // the service went meanwhile, and its functions with it
		return nil, nil
	}
	return out, err
}

// pages calls page with each next token, from none, until a page answers none. A token
// answered twice in a row would list forever: it is an error.
func pages(page func(token string) (next string, err error)) error {
	token := ""
	for {
		next, err := page(token)
		if err != nil || next == "" {
			return err
		}
		if next == token {
			return fmt.Errorf("the listing answered the same next token twice (%q)", next)
		}
		token = next
	}
}

func (c *fc2) CodeURL(ctx context.Context, name string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout.Call)
	defer cancel()
	body, _, err := c.t.do(ctx, "GetFunctionCode", c.service+"/"+name, http.MethodGet, fc.NewGetFunctionCodeInput(c.service, name), nil)
	if err != nil {
		return "", err
	}
	var out fc.GetFunctionCodeOutput
	if err := json.Unmarshal(body, &out); err != nil || out.URL == "" {
		return "", fmt.Errorf("FC 2.0 GetFunctionCode %s: no code URL in the answer", name)
	}
	return out.URL, nil
}

func (c *fc2) Invoke(ctx context.Context, name string, event []byte) (Invocation, error) {
	in := fc.NewInvokeFunctionInput(c.service, name).WithPayload(event).WithSyncInvocation().WithLogType("Tail")
	body, h, err := c.t.do(ctx, "InvokeFunction", c.service+"/"+name, http.MethodPost, in, nil)
	if err != nil {
		return Invocation{}, err
	}
	return invocation(body, func(k string) string { return h.Get(k) }), nil
}

// invocation reads an invocation answer's headers (get is case-insensitive).
func invocation(body []byte, get func(string) string) Invocation {
	inv := Invocation{RequestID: get("X-Fc-Request-Id"), ErrorType: get("X-Fc-Error-Type"),
		CodeChecksum: get("X-Fc-Code-Checksum"), Body: body}
	if l := get("X-Fc-Log-Result"); l != "" {
		if b, err := base64.StdEncoding.DecodeString(l); err == nil {
			inv.Log = string(b)
		} else {
			inv.Log = l
		}
	}
	return inv
}

// mutating returns the context for a call that changes FC. It is not cancelled with the
// run: a change abandoned halfway may still land after the run gave up on it, after roll
// back looked at the function, so the answer is always awaited (within timeout) and the
// caller sees cancellation right after.
func mutating(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), timeout)
}

// shownURL is a URL for messages: without user information, query or fragment (signed
// download URLs carry credentials in their query).
func shownURL(s string) string {
	if u := urlcred.Strip(s); u != "" {
		return u
	}
	return "(a URL)"
}
