package fcemu_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	fc3 "github.com/alibabacloud-go/fc-20230330/v4/client"
	"github.com/alibabacloud-go/tea/tea"
	fc "github.com/aliyun/fc-go-sdk"

	"github.com/lithops-fc/runtime-action/internal/fcemu"
	"github.com/lithops-fc/runtime-action/internal/fcemu/fcemutest"
)

func TestFaultsFailNext(t *testing.T) {
	e, base, p := startProbed(t, fcemu.WithBucket("user-bucket"))
	c2 := fcemu.FC2Client(t, e, base, fcemu.TestKeyID, fcemu.TestSecret)
	if _, err := c2.CreateService(fc.NewCreateServiceInput().WithServiceName("svc")); err != nil {
		t.Fatal(err)
	}
	create := func() error {
		_, err := c2.CreateFunction(fc.NewCreateFunctionInput("svc").WithFunctionName("fn").WithRuntime("python3.10").
			WithHandler("index.handler").WithCode(fc.NewCode().WithZipFile(fcemu.HandlerZip(t))))
		return err
	}
	p.Faults().FailNext(fcemu.OpCreateFunction, 2, 503, "ServiceUnavailable")
	for i := 0; i < 2; i++ {
		if status, code := fcemu.FC2Code(create()); status != 503 || code != "ServiceUnavailable" {
			t.Errorf("attempt %d: %d %s, want the injected 503", i+1, status, code)
		}
	}
	if err := create(); err != nil {
		t.Fatalf("third attempt: %v", err)
	}
	var statuses []int
	for _, call := range p.CallsOf(fcemu.OpCreateFunction) {
		statuses = append(statuses, call.Status)
		if call.API != fcemu.APIFC2 || call.Resource != "svc" && call.Resource != "svc/fn" {
			t.Errorf("call = %+v", call)
		}
	}
	if len(statuses) != 3 || statuses[0] != 503 || statuses[1] != 503 || statuses[2] != 200 {
		t.Errorf("CreateFunction statuses = %v, want [503 503 200]", statuses)
	}

	p.Faults().FailNext(fcemu.OpUpdateFunction, 1, 409, "ConcurrentUpdateError")
	_, err := c2.UpdateFunction(fc.NewUpdateFunctionInput("svc", "fn").WithDescription("x"))
	if status, code := fcemu.FC2Code(err); status != 409 || code != "ConcurrentUpdateError" {
		t.Errorf("UpdateFunction: %d %s (%v)", status, code, err)
	}

	// OpAny hits whatever comes next, in that service's shape: FC 3.0 JSON, OSS XML.
	p.Faults().FailNext(fcemu.OpAny, 1, 429, "ResourceExhausted")
	_, err = fcemu.FC3Client(t, base, fcemu.TestKeyID, fcemu.TestSecret, "").ListFunctions(&fc3.ListFunctionsRequest{})
	if status, code := fcemu.FC3Code(err); status != 429 || code != "ResourceExhausted" {
		t.Errorf("FC 3.0 after OpAny: %d %s (%v)", status, code, err)
	}
	b, _ := fcemu.OSSClient(t, base, fcemu.TestKeyID, fcemu.TestSecret).Bucket("user-bucket")
	p.Faults().FailNext(fcemu.OpPutObject, 1, 500, "InternalError")
	err = b.PutObject("k", strings.NewReader("v"))
	if status, code := fcemu.OSSCode(err); status != 500 || code != "InternalError" {
		t.Errorf("PutObject: %d %s (%v)", status, code, err)
	}
	if err := b.PutObject("k", strings.NewReader("v")); err != nil {
		t.Errorf("PutObject after the fault: %v", err)
	}

	p.Faults().FailNext(fcemu.OpGetFunction, 5, 500, "InternalServerError")
	p.Faults().Reset()
	if _, err := c2.GetFunction(fc.NewGetFunctionInput("svc", "fn")); err != nil {
		t.Errorf("GetFunction after Reset: %v", err)
	}
}

func TestFaultsDelay(t *testing.T) {
	_, base, p := startProbed(t)
	client := &http.Client{Timeout: 200 * time.Millisecond}
	p.Faults().Delay(fcemu.OpListServices, time.Minute)
	if _, err := client.Get(base + "/2016-08-15/services"); err == nil {
		t.Error("a request delayed by a minute answered within 200ms")
	}
	p.Faults().Delay(fcemu.OpListServices, 0)
	resp, err := client.Get(base + "/2016-08-15/services")
	if err != nil {
		t.Fatalf("after removing the delay: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 { // unsigned: MissingRequiredHeader, answered at once
		t.Errorf("status %d", resp.StatusCode)
	}
}

func TestFaultsFC3Transitions(t *testing.T) {
	_, base, p := startProbed(t)
	c := fcemu.FC3Client(t, base, fcemu.TestKeyID, fcemu.TestSecret, "")
	states := func(name string, n int) string {
		var s []string
		for i := 0; i < n; i++ {
			fn, err := fcemu.FC3Get(c, name)
			if err != nil {
				t.Fatalf("GetFunction: %v", err)
			}
			s = append(s, tea.StringValue(fn.State)+"/"+tea.StringValue(fn.LastUpdateStatus))
		}
		return strings.Join(s, " ")
	}

	p.Faults().KeepPending("slow", 3)
	if _, err := fcemu.FC3Create(c, fcemu.NewFC3Function("slow", "python3.10", fcemu.HandlerZip(t))); err != nil {
		t.Fatal(err)
	}
	if got, want := states("slow", 4), "Pending/ Pending/ Pending/ Active/Successful"; got != want {
		t.Errorf("KeepPending 3: %s, want %s", got, want)
	}

	if _, err := fcemu.FC3Create(c, fcemu.NewFC3Function("broken", "python3.10", fcemu.HandlerZip(t))); err != nil {
		t.Fatal(err)
	}
	p.Faults().EndFailed("broken", "image pull failed")
	if got, want := states("broken", 2), "Pending/ Failed/Failed"; got != want {
		t.Errorf("EndFailed after create: %s, want %s", got, want)
	}
	fn, _ := fcemu.FC3Get(c, "broken")
	if tea.StringValue(fn.StateReason) != "image pull failed" {
		t.Errorf("stateReason = %q", tea.StringValue(fn.StateReason))
	}
	_, err := fcemu.FC3Invoke(c, "broken", nil, nil)
	if status, code := fcemu.FC3Code(err); status != 412 || code != "PreconditionFailed" || !strings.Contains(err.Error(), "image pull failed") {
		t.Errorf("invoke a Failed function: %d %s (%v)", status, code, err)
	}

	p.Faults().EndFailed("slow", "code too large for the instance")
	if _, err := fcemu.FC3Update(c, "slow", &fc3.UpdateFunctionInput{Description: tea.String("v2")}); err != nil {
		t.Fatal(err)
	}
	if got, want := states("slow", 2), "Active/InProgress Active/Failed"; got != want {
		t.Errorf("EndFailed after update: %s, want %s", got, want)
	}
}

func TestFaultsFailInvocations(t *testing.T) {
	e, base, p := startProbed(t)
	c := fcemu.FC2Client(t, e, base, fcemu.TestKeyID, fcemu.TestSecret)
	fcemu.DeployFC2(t, c, "python3.10", "fn", "index.handler", 10)
	p.Faults().FailInvocations("fn", 1, "worker lost")
	out := fcemu.InvokeFC2(t, c, "fn", nil)
	if out.GetErrorType() != "UnhandledInvocationError" || !bytes.Contains(out.Payload, []byte("worker lost")) {
		t.Errorf("injected failure: %s %s", out.GetErrorType(), out.Payload)
	}
	fcemu.NeedPython(t, e, "3.10", "python3.10")
	if out := fcemu.InvokeFC2(t, c, "fn", []byte("ok")); out.GetErrorType() != "" {
		t.Errorf("the second invocation failed too: %s", out.Payload)
	}
}

func TestCallLog(t *testing.T) {
	_, base, p := startProbed(t)
	c := fcemu.FC3Client(t, base, fcemu.TestKeyID, fcemu.TestSecret, "")
	if _, err := fcemu.FC3Create(c, fcemu.NewFC3Function("fn", "python3.10", fcemu.HandlerZip(t))); err != nil {
		t.Fatal(err)
	}
	// An inline deploy uploads nothing.
	if puts := p.CallsOf(fcemu.OpPutObject); len(puts) != 0 {
		t.Errorf("PutObject calls = %+v", puts)
	}
	calls := p.Calls()
	if len(calls) != 1 || calls[0].API != fcemu.APIFC3 || calls[0].Op != fcemu.OpCreateFunction || calls[0].Resource != "fn" ||
		calls[0].AccessKeyID != fcemu.TestKeyID || calls[0].Status != 200 || calls[0].RequestID == "" {
		t.Errorf("calls = %+v", calls)
	}
	p.ResetCalls()
	_, err := fcemu.FC3Get(c, "nope")
	calls = p.Calls()
	if err == nil || len(calls) != 1 || calls[0].Status != 404 || calls[0].ErrorCode != "FunctionNotFound" {
		t.Errorf("after reset: %+v", calls)
	}
}

// startProbed runs an emulator with a fcemutest.Probe installed.
func startProbed(t *testing.T, opts ...fcemu.Option) (*fcemu.Emulator, string, *fcemutest.Probe) {
	t.Helper()
	p := fcemutest.New()
	e, base := fcemu.Start(t, append([]fcemu.Option{p.Option()}, opts...)...)
	return e, base, p
}
