package fcemu

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	fc3 "github.com/alibabacloud-go/fc-20230330/v4/client"
	util "github.com/alibabacloud-go/tea-utils/v2/service"
	"github.com/alibabacloud-go/tea/tea"
)

func fc3Create(c *fc3.Client, in *fc3.CreateFunctionInput) (*fc3.Function, error) {
	resp, err := c.CreateFunction(&fc3.CreateFunctionRequest{Body: in})
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

func fc3Get(c *fc3.Client, name string) (*fc3.Function, error) {
	resp, err := c.GetFunction(tea.String(name), &fc3.GetFunctionRequest{})
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

func fc3Update(c *fc3.Client, name string, in *fc3.UpdateFunctionInput) (*fc3.Function, error) {
	resp, err := c.UpdateFunction(tea.String(name), &fc3.UpdateFunctionRequest{Body: in})
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

type fc3Answer struct {
	status  int
	headers map[string]string
	body    []byte
}

func (a fc3Answer) header(name string) string {
	for k, v := range a.headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

func fc3Invoke(c *fc3.Client, name string, payload []byte, h *fc3.InvokeFunctionHeaders) (fc3Answer, error) {
	if h == nil {
		h = &fc3.InvokeFunctionHeaders{}
	}
	resp, err := c.InvokeFunctionWithOptions(tea.String(name), &fc3.InvokeFunctionRequest{Body: bytes.NewReader(payload)}, h, &util.RuntimeOptions{})
	if err != nil {
		return fc3Answer{}, err
	}
	a := fc3Answer{status: int(tea.Int32Value(resp.StatusCode)), headers: map[string]string{}}
	for k, v := range resp.Headers {
		a.headers[k] = tea.StringValue(v)
	}
	if resp.Body != nil {
		a.body, err = io.ReadAll(resp.Body)
	}
	return a, err
}

func zipFileCode(code []byte) *fc3.InputCodeLocation {
	return &fc3.InputCodeLocation{ZipFile: tea.String(base64.StdEncoding.EncodeToString(code))}
}

func newFC3Function(name, runtime string, code []byte) *fc3.CreateFunctionInput {
	return &fc3.CreateFunctionInput{
		FunctionName: tea.String(name), Runtime: tea.String(runtime), Handler: tea.String("index.handler"),
		MemorySize: tea.Int32(512), Timeout: tea.Int32(30), Code: zipFileCode(code),
	}
}

func TestFC3RoundTrip(t *testing.T) {
	e, base := start(t)
	c := fc3Client(t, base, testKeyID, testSecret, "")
	code := handlerZip(t)

	in := newFC3Function("lithops-worker", "python3.12", code)
	in.Role = tea.String("acs:ram::1234567890123456:role/lithops")
	in.EnvironmentVariables = map[string]*string{"MY_VAR": tea.String("v3")}
	in.Code.Checksum = tea.String(crcDecimal(code))
	fn, err := fc3Create(c, in)
	if err != nil {
		t.Fatalf("CreateFunction: %v", err)
	}
	if tea.StringValue(fn.State) != "Pending" || tea.StringValue(fn.CodeChecksum) != crcDecimal(code) ||
		tea.StringValue(fn.FunctionArn) != "acs:fc:cn-hangzhou:1234567890123456:functions/lithops-worker" {
		t.Errorf("created: state %s checksum %s arn %s", tea.StringValue(fn.State), tea.StringValue(fn.CodeChecksum), tea.StringValue(fn.FunctionArn))
	}
	// One poll shows Pending (the default), the next Active.
	var states []string
	for i := 0; i < 2; i++ {
		got, err := fc3Get(c, "lithops-worker")
		if err != nil {
			t.Fatalf("GetFunction: %v", err)
		}
		states = append(states, tea.StringValue(got.State)+"/"+tea.StringValue(got.LastUpdateStatus))
	}
	if want := "Pending//Active/Successful"; strings.Join(states, "/") != want {
		t.Errorf("states over two polls = %v, want %s", states, want)
	}

	code2 := makeZip(t, map[string]string{"index.py": handlerCode, "extra.txt": "v2"})
	upd, err := fc3Update(c, "lithops-worker", &fc3.UpdateFunctionInput{Description: tea.String("v2"), Code: zipFileCode(code2)})
	if err != nil {
		t.Fatalf("UpdateFunction: %v", err)
	}
	if tea.StringValue(upd.LastUpdateStatus) != "InProgress" || tea.StringValue(upd.CodeChecksum) != crcDecimal(code2) ||
		tea.StringValue(upd.Runtime) != "python3.12" || tea.Int32Value(upd.MemorySize) != 512 || tea.StringValue(upd.EnvironmentVariables["MY_VAR"]) != "v3" {
		t.Errorf("updated: %s", upd)
	}
	_, err = fc3Update(c, "lithops-worker", &fc3.UpdateFunctionInput{Description: tea.String("v3")})
	if status, code := fc3Code(err); status != 409 || code != "ConcurrentUpdateError" {
		t.Errorf("update while InProgress: %d %s (%v), want 409 ConcurrentUpdateError", status, code, err)
	}
	for _, want := range []string{"InProgress", "Successful"} {
		got, err := fc3Get(c, "lithops-worker")
		if err != nil || tea.StringValue(got.LastUpdateStatus) != want || tea.StringValue(got.Description) != "v2" {
			t.Errorf("after update: %v, %v; want lastUpdateStatus %s", got, err, want)
		}
	}

	if _, err := fc3Create(c, newFC3Function("other", "python3.10", code)); err != nil {
		t.Fatal(err)
	}
	list, err := c.ListFunctions(&fc3.ListFunctionsRequest{Prefix: tea.String("lith")})
	if err != nil || len(list.Body.Functions) != 1 || tea.StringValue(list.Body.Functions[0].FunctionName) != "lithops-worker" {
		t.Fatalf("ListFunctions prefix = %v, %v", list, err)
	}
	if list.Body.Functions[0].State != nil {
		t.Errorf("ListFunctions shows state %q; FC leaves it to GetFunction", tea.StringValue(list.Body.Functions[0].State))
	}

	codeResp, err := c.GetFunctionCode(tea.String("lithops-worker"), &fc3.GetFunctionCodeRequest{})
	if err != nil {
		t.Fatalf("GetFunctionCode: %v", err)
	}
	if tea.StringValue(codeResp.Body.Checksum) != crcDecimal(code2) {
		t.Errorf("GetFunctionCode checksum = %s", tea.StringValue(codeResp.Body.Checksum))
	}
	resp, err := http.Get(tea.StringValue(codeResp.Body.Url))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(got, code2) {
		t.Errorf("downloaded %d bytes, want the %d-byte zip", len(got), len(code2))
	}

	needPython(t, e, "3.12", "python3.12")
	a, err := fc3Invoke(c, "lithops-worker", []byte("hello"), &fc3.InvokeFunctionHeaders{XFcLogType: tea.String("Tail")})
	if err != nil {
		t.Fatalf("InvokeFunction: %v", err)
	}
	var out struct {
		Event, Python string
		Service       struct{ Name, Qualifier string }
		MyVar         string `json:"my_var"`
	}
	if err := json.Unmarshal(a.body, &out); err != nil || a.header("x-fc-error-type") != "" {
		t.Fatalf("invocation answer %q (%s): %v", a.body, a.header("x-fc-error-type"), err)
	}
	if out.Event != "hello" || out.Python != "3.12" || out.Service.Name != "" || out.Service.Qualifier != "LATEST" || out.MyVar != "v3" {
		t.Errorf("handler saw %+v", out)
	}
	if a.header("x-fc-request-id") == "" || a.header("x-fc-code-checksum") != crcDecimal(code2) || a.header("x-fc-log-result") == "" {
		t.Errorf("invoke headers = %v", a.headers)
	}

	if _, err := c.DeleteFunction(tea.String("other")); err != nil {
		t.Fatalf("DeleteFunction: %v", err)
	}
	_, err = fc3Get(c, "other")
	if status, code := fc3Code(err); status != 404 || code != "FunctionNotFound" {
		t.Errorf("GetFunction after delete: %d %s (%v)", status, code, err)
	}
}

func TestFC3Errors(t *testing.T) {
	_, base := start(t)
	c := fc3Client(t, base, testKeyID, testSecret, "")
	code := handlerZip(t)
	if _, err := fc3Create(c, newFC3Function("fn", "python3.10", code)); err != nil {
		t.Fatal(err)
	}
	with := func(name string, change func(*fc3.CreateFunctionInput)) func() error {
		return func() error {
			in := newFC3Function(name, "python3.10", code)
			change(in)
			_, err := fc3Create(c, in)
			return err
		}
	}
	tests := []struct {
		name   string
		call   func() error
		status int
		code   string
	}{
		{"exists", with("fn", func(*fc3.CreateFunctionInput) {}), 409, "FunctionAlreadyExists"},
		{"checksum mismatch", with("c1", func(in *fc3.CreateFunctionInput) { in.Code.Checksum = tea.String("123") }), 400, "InvalidArgument"},
		{"bad memory", with("m1", func(in *fc3.CreateFunctionInput) { in.MemorySize = tea.Int32(100) }), 400, "InvalidArgument"},
		{"cpu too small for memory", with("cpu", func(in *fc3.CreateFunctionInput) { in.Cpu = tea.Float32(0.05) }), 400, "InvalidArgument"},
		{"bad disk", with("d", func(in *fc3.CreateFunctionInput) { in.DiskSize = tea.Int32(1024) }), 400, "InvalidArgument"},
		{"unknown runtime", with("r", func(in *fc3.CreateFunctionInput) { in.Runtime = tea.String("python3.13") }), 400, "InvalidArgument"},
		{"bad name", with("-x", func(*fc3.CreateFunctionInput) {}), 400, "InvalidArgument"},
		{"bad handler", with("h", func(in *fc3.CreateFunctionInput) { in.Handler = tea.String("index") }), 400, "InvalidArgument"},
		{"bad role", with("role", func(in *fc3.CreateFunctionInput) { in.Role = tea.String("lithops") }), 400, "InvalidArgument"},
		{"no code", with("nc", func(in *fc3.CreateFunctionInput) { in.Code = nil }), 400, "InvalidArgument"},
		{"both code sources", with("bc", func(in *fc3.CreateFunctionInput) {
			in.Code.OssBucketName, in.Code.OssObjectName = tea.String("b"), tea.String("k")
		}), 400, "InvalidArgument"},
		{"missing", func() error { _, err := fc3Get(c, "nope"); return err }, 404, "FunctionNotFound"},
		{"unknown version", func() error {
			_, err := c.GetFunction(tea.String("fn"), &fc3.GetFunctionRequest{Qualifier: tea.String("3")})
			return err
		}, 404, "VersionNotFound"},
		{"update missing", func() error { _, err := fc3Update(c, "nope", &fc3.UpdateFunctionInput{}); return err }, 404, "FunctionNotFound"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if status, code := fc3Code(err); status != tt.status || code != tt.code {
				t.Errorf("got %d %s (%v), want %d %s", status, code, err, tt.status, tt.code)
			}
		})
	}
	// A cpu that fits the memory is accepted and echoed.
	in := newFC3Function("cpuok", "python3.10", code)
	in.Cpu, in.MemorySize = tea.Float32(0.35), tea.Int32(512)
	fn, err := fc3Create(c, in)
	if err != nil || tea.Float32Value(fn.Cpu) != 0.35 {
		t.Errorf("cpu 0.35 with 512 MB: %v, %v", fn, err)
	}
}

func TestFC3Auth(t *testing.T) {
	clock := newTestClock()
	e, base := start(t, WithClock(clock.Now))
	list := func(c *fc3.Client) error { _, err := c.ListFunctions(&fc3.ListFunctionsRequest{}); return err }
	if err := list(fc3Client(t, base, testKeyID, testSecret, "")); err != nil {
		t.Fatalf("good key refused: %v", err)
	}
	sts := e.IssueSTS(time.Minute)
	if err := list(fc3Client(t, base, sts.AccessKeyID, sts.AccessKeySecret, sts.SecurityToken)); err != nil {
		t.Errorf("STS credentials refused: %v", err)
	}
	for _, tt := range []struct {
		name   string
		client *fc3.Client
		code   string
	}{
		{"wrong secret", fc3Client(t, base, testKeyID, "wrong", ""), "SignatureNotMatch"},
		{"unknown key", fc3Client(t, base, "LTAInobody", testSecret, ""), "InvalidAccessKeyID"},
		{"forged token", fc3Client(t, base, sts.AccessKeyID, sts.AccessKeySecret, "CAISforged"), "InvalidSecurityToken.Malformed"},
	} {
		err := list(tt.client)
		if status, code := fc3Code(err); status != 403 || code != tt.code {
			t.Errorf("%s: got %d %s (%v), want 403 %s", tt.name, status, code, err, tt.code)
		}
	}
	clock.Add(2 * time.Minute)
	err := list(fc3Client(t, base, sts.AccessKeyID, sts.AccessKeySecret, sts.SecurityToken))
	if status, code := fc3Code(err); status != 403 || code != "InvalidSecurityToken.Expired" {
		t.Errorf("expired token: %d %s (%v)", status, code, err)
	}
	clock.Add(-20 * time.Minute)
	err = list(fc3Client(t, base, testKeyID, testSecret, ""))
	if status, code := fc3Code(err); status != 403 || code != "RequestTimeTooSkewed" {
		t.Errorf("18 minutes of skew: %d %s (%v)", status, code, err)
	}
}

func TestFC3PendingInvocation(t *testing.T) {
	e, base := start(t, WithPendingPolls(2))
	needPython(t, e, "3.10", "python3.10")
	c := fc3Client(t, base, testKeyID, testSecret, "")
	if _, err := fc3Create(c, newFC3Function("fn", "python3.10", handlerZip(t))); err != nil {
		t.Fatal(err)
	}
	// Invocations count as polls: two are refused with 412 (how Lithops waits), the third runs.
	for i := 0; i < 2; i++ {
		_, err := fc3Invoke(c, "fn", []byte("x"), nil)
		if status, code := fc3Code(err); status != 412 || code != "PreconditionFailed" {
			t.Fatalf("invocation %d while Pending: %d %s (%v), want 412 PreconditionFailed", i+1, status, code, err)
		}
	}
	a, err := fc3Invoke(c, "fn", []byte("x"), nil)
	if err != nil || a.status != 200 || a.header("x-fc-error-type") != "" {
		t.Fatalf("third invocation: %v %s %v", a.status, a.body, err)
	}
}

// A captured FC 3.0 request sent again is refused: its signature nonce was used.
func TestFC3NonceReplay(t *testing.T) {
	e, err := New(WithAccessKey(testKeyID, testSecret))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	var captured *http.Request
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if captured == nil {
			body, _ = io.ReadAll(r.Body)
			captured = r.Clone(context.Background())
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		e.Handler().ServeHTTP(w, r)
	}))
	defer srv.Close()
	if _, err := fc3Client(t, srv.URL, testKeyID, testSecret, "").ListFunctions(&fc3.ListFunctionsRequest{}); err != nil {
		t.Fatalf("first request: %v", err)
	}
	replay, err := http.NewRequest(captured.Method, srv.URL+captured.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	replay.Header = captured.Header.Clone()
	resp, err := http.DefaultClient.Do(replay)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc map[string]string
	json.NewDecoder(resp.Body).Decode(&doc)
	if resp.StatusCode != 400 || doc["Code"] != "SignatureNonceUsed" {
		t.Errorf("replayed request: %d %v", resp.StatusCode, doc)
	}
}
