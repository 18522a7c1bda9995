package fcemu

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	fc "github.com/aliyun/fc-go-sdk"
)

func TestFC2RoundTrip(t *testing.T) {
	e, base := start(t)
	c := fc2Client(t, e, base, testKeyID, testSecret)
	code := handlerZip(t)

	if _, err := c.CreateService(fc.NewCreateServiceInput().WithServiceName("lithops_ltai").
		WithDescription("first").WithRole("acs:ram::1234567890123456:role/lithops")); err != nil {
		t.Fatalf("CreateService: %v", err)
	}
	created, err := c.CreateFunction(fc.NewCreateFunctionInput("lithops_ltai").WithFunctionName("worker").
		WithRuntime("python3.10").WithHandler("index.handler").WithMemorySize(256).WithTimeout(30).
		WithEnvironmentVariables(map[string]string{"MY_VAR": "v1"}).
		WithCode(fc.NewCode().WithZipFile(code)))
	if err != nil {
		t.Fatalf("CreateFunction: %v", err)
	}
	if got, want := *created.CodeChecksum, crcDecimal(code); got != want {
		t.Errorf("codeChecksum = %s, want CRC-64/ECMA %s", got, want)
	}
	if *created.CodeSize != int64(len(code)) || *created.MemorySize != 256 || *created.Timeout != 30 {
		t.Errorf("created = size %d memory %d timeout %d", *created.CodeSize, *created.MemorySize, *created.Timeout)
	}
	etag := created.GetEtag()
	if etag == "" {
		t.Error("CreateFunction answered no ETag")
	}

	// fc-go-sdk sends every unset field as JSON null: only the description changes.
	updated, err := c.UpdateFunction(fc.NewUpdateFunctionInput("lithops_ltai", "worker").WithDescription("second"))
	if err != nil {
		t.Fatalf("UpdateFunction: %v", err)
	}
	if *updated.Description != "second" || *updated.Runtime != "python3.10" || *updated.Handler != "index.handler" ||
		*updated.MemorySize != 256 || updated.EnvironmentVariables["MY_VAR"] != "v1" || *updated.CodeChecksum != crcDecimal(code) {
		t.Errorf("after a description-only update: %s", updated)
	}
	if updated.GetEtag() == etag {
		t.Error("the ETag did not change on update")
	}

	got, err := c.GetFunction(fc.NewGetFunctionInput("lithops_ltai", "worker").WithQualifier("LATEST"))
	if err != nil {
		t.Fatalf("GetFunction LATEST: %v", err)
	}
	if *got.Description != "second" || got.GetEtag() != updated.GetEtag() {
		t.Errorf("GetFunction = %s", got)
	}

	if _, err := c.CreateFunction(fc.NewCreateFunctionInput("lithops_ltai").WithFunctionName("other").
		WithRuntime("python3.9").WithHandler("index.handler").WithCode(fc.NewCode().WithZipFile(code))); err != nil {
		t.Fatalf("CreateFunction other: %v", err)
	}
	list, err := c.ListFunctions(fc.NewListFunctionsInput("lithops_ltai").WithLimit(1))
	if err != nil {
		t.Fatalf("ListFunctions: %v", err)
	}
	if len(list.Functions) != 1 || *list.Functions[0].FunctionName != "other" || list.NextToken == nil || *list.NextToken != "worker" {
		t.Fatalf("ListFunctions page 1 = %s", list)
	}
	list, err = c.ListFunctions(fc.NewListFunctionsInput("lithops_ltai").WithNextToken(*list.NextToken))
	if err != nil || len(list.Functions) != 1 || *list.Functions[0].FunctionName != "worker" || list.NextToken != nil {
		t.Fatalf("ListFunctions page 2 = %v, %v", list, err)
	}
	services, err := c.ListServices(fc.NewListServicesInput().WithPrefix("lithops"))
	if err != nil || len(services.Services) != 1 || *services.Services[0].ServiceName != "lithops_ltai" {
		t.Fatalf("ListServices = %v, %v", services, err)
	}

	codeOut, err := c.GetFunctionCode(fc.NewGetFunctionCodeInput("lithops_ltai", "worker"))
	if err != nil {
		t.Fatalf("GetFunctionCode: %v", err)
	}
	resp, err := http.Get(codeOut.URL)
	if err != nil {
		t.Fatalf("download code: %v", err)
	}
	downloaded, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(downloaded) != string(code) {
		t.Errorf("downloaded code: status %d, %d bytes, want the %d-byte zip", resp.StatusCode, len(downloaded), len(code))
	}

	needPython(t, e, "3.10", "python3.10")
	inv, err := c.InvokeFunction(fc.NewInvokeFunctionInput("lithops_ltai", "worker").WithQualifier("LATEST").WithPayload([]byte(`{"k":1}`)))
	if err != nil {
		t.Fatalf("InvokeFunction: %v", err)
	}
	if inv.GetErrorType() != "" {
		t.Fatalf("invocation failed: %s: %s", inv.GetErrorType(), inv.Payload)
	}
	var out struct {
		Event, Python, RequestID string
		Function                 struct{ Name, Handler string }
		Service                  struct{ Name, Qualifier string }
		Credentials              struct {
			AccessKeyID string `json:"access_key_id"`
			HasToken    bool   `json:"has_token"`
		}
		MyVar string `json:"my_var"`
	}
	if err := json.Unmarshal(inv.Payload, &out); err != nil {
		t.Fatalf("invocation answer %q: %v", inv.Payload, err)
	}
	if out.Event != `{"k":1}` || out.Python != "3.10" || out.Function.Name != "worker" || out.Service.Name != "lithops_ltai" ||
		out.Service.Qualifier != "LATEST" || out.MyVar != "v1" || !strings.HasPrefix(out.Credentials.AccessKeyID, "STS.") || !out.Credentials.HasToken {
		t.Errorf("handler saw %+v", out)
	}
	if inv.GetRequestID() == "" || inv.Header.Get("X-Fc-Code-Checksum") != crcDecimal(code) {
		t.Errorf("invoke headers: request id %q, code checksum %q", inv.GetRequestID(), inv.Header.Get("X-Fc-Code-Checksum"))
	}

	if _, err := c.DeleteFunction(fc.NewDeleteFunctionInput("lithops_ltai", "other")); err != nil {
		t.Fatalf("DeleteFunction: %v", err)
	}
	if _, err := c.GetFunction(fc.NewGetFunctionInput("lithops_ltai", "other")); err == nil {
		t.Error("GetFunction found a deleted function")
	}
}

func TestFC2Errors(t *testing.T) {
	e, base := start(t, WithLimits(Limits{InlineCode: 4 << 10, OSSCode: 4 << 10, SyncPayload: 1 << 20, AsyncPayload: 1 << 10}))
	c := fc2Client(t, e, base, testKeyID, testSecret)
	code := handlerZip(t)
	if _, err := c.CreateService(fc.NewCreateServiceInput().WithServiceName("svc")); err != nil {
		t.Fatal(err)
	}
	created, err := c.CreateFunction(fc.NewCreateFunctionInput("svc").WithFunctionName("fn").WithRuntime("python3.9").
		WithHandler("index.handler").WithCode(fc.NewCode().WithZipFile(code)))
	if err != nil {
		t.Fatal(err)
	}
	big := make([]byte, 8<<10) // base64 of 8 KiB > the 4 KiB inline limit
	zipped := fc.NewCode().WithZipFile(code)
	newFn := func(name string) *fc.CreateFunctionInput {
		return fc.NewCreateFunctionInput("svc").WithFunctionName(name).WithRuntime("python3.10").WithHandler("index.handler")
	}
	create := func(in *fc.CreateFunctionInput) func() error {
		return func() error { _, err := c.CreateFunction(in); return err }
	}
	createService := func(name string) func() error {
		return func() error { _, err := c.CreateService(fc.NewCreateServiceInput().WithServiceName(name)); return err }
	}
	tests := []struct {
		name   string
		call   func() error
		status int
		code   string
	}{
		{"missing service", func() error { _, err := c.GetService(fc.NewGetServiceInput("nope")); return err }, 404, "ServiceNotFound"},
		{"missing function", func() error { _, err := c.GetFunction(fc.NewGetFunctionInput("svc", "nope")); return err }, 404, "FunctionNotFound"},
		{"function in missing service", create(fc.NewCreateFunctionInput("nope").WithFunctionName("f").WithRuntime("python3.10").WithHandler("index.handler").WithCode(zipped)), 404, "ServiceNotFound"},
		{"service exists", createService("svc"), 409, "ServiceAlreadyExists"},
		{"function exists", create(newFn("fn").WithCode(zipped)), 409, "FunctionAlreadyExists"},
		{"service name starts with digit", createService("1svc"), 400, "InvalidArgument"},
		{"function name with dot", create(newFn("a.b").WithCode(zipped)), 400, "InvalidArgument"},
		{"function name too long", create(newFn(strings.Repeat("f", 65)).WithCode(zipped)), 400, "InvalidArgument"},
		{"memory below 128", create(newFn("m1").WithMemorySize(64).WithCode(zipped)), 400, "InvalidArgument"},
		{"memory not a 64 MB step", create(newFn("m2").WithMemorySize(200).WithCode(zipped)), 400, "InvalidArgument"},
		{"memory above 32 GB", create(newFn("m3").WithMemorySize(32832).WithCode(zipped)), 400, "InvalidArgument"},
		{"unknown runtime", create(newFn("r").WithRuntime("python3.11").WithCode(zipped)), 400, "InvalidArgument"},
		{"no code", create(newFn("nc")), 400, "InvalidArgument"},
		{"both code sources", create(newFn("bc").WithCode(fc.NewCode().WithZipFile(code).WithOSSBucketName("b").WithOSSObjectName("k"))), 400, "InvalidArgument"},
		{"not a zip", create(newFn("nz").WithCode(fc.NewCode().WithZipFile([]byte("not a zip")))), 400, "InvalidArgument"},
		{"missing OSS object", create(newFn("mo").WithCode(fc.NewCode().WithOSSBucketName("bkt").WithOSSObjectName("code.zip"))), 400, "InvalidArgument"},
		{"inline code too large", create(newFn("tl").WithCode(fc.NewCode().WithZipFile(big))), 400, "EntityTooLarge"},
		{"service not empty", func() error { _, err := c.DeleteService(fc.NewDeleteServiceInput("svc")); return err }, 409, "ServiceNotEmpty"},
		{"stale If-Match", func() error {
			_, err := c.UpdateFunction(fc.NewUpdateFunctionInput("svc", "fn").WithDescription("x").WithIfMatch("stale"))
			return err
		}, 412, "PreconditionFailed"},
		{"unknown qualifier", func() error {
			_, err := c.GetFunction(fc.NewGetFunctionInput("svc", "fn").WithQualifier("prod"))
			return err
		}, 404, "AliasNotFound"},
		{"async payload too large", func() error {
			_, err := c.InvokeFunction(fc.NewInvokeFunctionInput("svc", "fn").WithAsyncInvocation().WithPayload(make([]byte, 2<<10)))
			return err
		}, 400, "EntityTooLarge"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if status, code := fc2Code(err); status != tt.status || code != tt.code {
				t.Errorf("got %d %s (%v), want %d %s", status, code, err, tt.status, tt.code)
			}
		})
	}
	// A matching If-Match goes through.
	if _, err := c.UpdateFunction(fc.NewUpdateFunctionInput("svc", "fn").WithDescription("x").WithIfMatch(created.GetEtag())); err != nil {
		t.Errorf("update with the current ETag: %v", err)
	}
	if err := e.PutObject("bkt", "big.zip", make([]byte, 5<<10)); err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateFunction(newFn("ob").WithCode(fc.NewCode().WithOSSBucketName("bkt").WithOSSObjectName("big.zip")))
	if status, code := fc2Code(err); status != 400 || code != "EntityTooLarge" {
		t.Errorf("OSS code over the limit: %d %s (%v), want 400 EntityTooLarge", status, code, err)
	}
}

func TestFC2Auth(t *testing.T) {
	clock := newTestClock()
	e, base := start(t, WithClock(clock.Now))
	ok := fc2Client(t, e, base, testKeyID, testSecret)
	if _, err := ok.CreateService(fc.NewCreateServiceInput().WithServiceName("svc")); err != nil {
		t.Fatal(err)
	}
	get := func(c *fc.Client) error { _, err := c.GetService(fc.NewGetServiceInput("svc")); return err }

	sts := e.IssueSTS(time.Hour)
	if err := get(fc2Client(t, e, base, sts.AccessKeyID, sts.AccessKeySecret, fc.WithSecurityToken(sts.SecurityToken))); err != nil {
		t.Errorf("STS credentials refused: %v", err)
	}
	tests := []struct {
		name   string
		client *fc.Client
		code   string
	}{
		{"wrong secret", fc2Client(t, e, base, testKeyID, "wrong"), "SignatureNotMatch"},
		{"unknown key", fc2Client(t, e, base, "LTAInobody", testSecret), "InvalidAccessKeyID"},
		{"unknown token", fc2Client(t, e, base, sts.AccessKeyID, sts.AccessKeySecret, fc.WithSecurityToken("CAISforged")), "InvalidSecurityToken.Malformed"},
		{"STS key without token", fc2Client(t, e, base, sts.AccessKeyID, sts.AccessKeySecret), "InvalidSecurityToken.Malformed"},
		{"another account", fc2Client(t, e, base, testKeyID, testSecret, fc.WithAccountID("999")), "AccessDenied"},
	}
	for _, tt := range tests {
		err := get(tt.client)
		if status, code := fc2Code(err); status != 403 || code != tt.code {
			t.Errorf("%s: got %d %s (%v), want 403 %s", tt.name, status, code, err, tt.code)
		}
		if !strings.Contains(err.Error(), "RequestId") {
			t.Errorf("%s: error has no request id: %v", tt.name, err)
		}
	}

	// Expiry and skew follow the emulator's clock; the SDK stamps real time.
	short := e.IssueSTS(time.Minute)
	clock.Add(2 * time.Minute)
	err := get(fc2Client(t, e, base, short.AccessKeyID, short.AccessKeySecret, fc.WithSecurityToken(short.SecurityToken)))
	if status, code := fc2Code(err); status != 403 || code != "InvalidSecurityToken.Expired" {
		t.Errorf("expired token: got %d %s (%v)", status, code, err)
	}
	clock.Add(20 * time.Minute)
	err = get(ok)
	if status, code := fc2Code(err); status != 403 || code != "RequestTimeTooSkewed" {
		t.Errorf("22 minutes of skew: got %d %s (%v)", status, code, err)
	}
}

func TestFC2TempBucketTokenScope(t *testing.T) {
	e, base := start(t)
	c := fc2Client(t, e, base, testKeyID, testSecret)
	tok, err := c.GetTempBucketToken()
	if err != nil {
		t.Fatalf("GetTempBucketToken: %v", err)
	}
	if tok.OssBucket != e.TempBucket() || tok.ObjectName == "" || tok.Credentials.SecurityToken == "" {
		t.Fatalf("token = %+v", tok)
	}
	exp, err := time.Parse("2006-01-02T15:04:05Z", tok.Credentials.Expiration)
	if err != nil || !exp.After(time.Now()) {
		t.Errorf("expiration %q: %v", tok.Credentials.Expiration, err)
	}
	// The upload credentials do not open FC.
	scoped := fc2Client(t, e, base, tok.Credentials.AccessKeyID, tok.Credentials.AccessKeySecret, fc.WithSecurityToken(tok.Credentials.SecurityToken))
	_, err = scoped.ListServices(nil)
	if status, code := fc2Code(err); status != 403 || code != "AccessDenied" {
		t.Errorf("FC call with temp bucket credentials: %d %s (%v)", status, code, err)
	}
}

func TestFC2ErrorBodyShape(t *testing.T) {
	_, base := start(t)
	resp, err := http.Get(base + "/2016-08-15/services/x")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]string
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 400 || body["ErrorCode"] != "MissingRequiredHeader" || body["ErrorMessage"] == "" || resp.Header.Get("X-Fc-Request-Id") == "" {
		t.Errorf("unsigned request: %d %v, request id %q", resp.StatusCode, body, resp.Header.Get("X-Fc-Request-Id"))
	}
}
