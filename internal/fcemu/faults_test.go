package fcemu

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	fc3 "github.com/alibabacloud-go/fc-20230330/v4/client"
	"github.com/alibabacloud-go/tea/tea"
	fc "github.com/aliyun/fc-go-sdk"
)

func TestFaultsFailNext(t *testing.T) {
	e, base := start(t, WithBucket("user-bucket"))
	c2 := fc2Client(t, e, base, testKeyID, testSecret)
	if _, err := c2.CreateService(fc.NewCreateServiceInput().WithServiceName("svc")); err != nil {
		t.Fatal(err)
	}
	create := func() error {
		_, err := c2.CreateFunction(fc.NewCreateFunctionInput("svc").WithFunctionName("fn").WithRuntime("python3.10").
			WithHandler("index.handler").WithCode(fc.NewCode().WithZipFile(handlerZip(t))))
		return err
	}
	e.Faults().FailNext(OpCreateFunction, 2, 503, "ServiceUnavailable")
	for i := 0; i < 2; i++ {
		if status, code := fc2Code(create()); status != 503 || code != "ServiceUnavailable" {
			t.Errorf("attempt %d: %d %s, want the injected 503", i+1, status, code)
		}
	}
	if err := create(); err != nil {
		t.Fatalf("third attempt: %v", err)
	}
	var statuses []int
	for _, call := range e.CallsOf(OpCreateFunction) {
		statuses = append(statuses, call.Status)
		if call.API != APIFC2 || call.Resource != "svc" && call.Resource != "svc/fn" {
			t.Errorf("call = %+v", call)
		}
	}
	if len(statuses) != 3 || statuses[0] != 503 || statuses[1] != 503 || statuses[2] != 200 {
		t.Errorf("CreateFunction statuses = %v, want [503 503 200]", statuses)
	}

	e.Faults().FailNext(OpUpdateFunction, 1, 409, "ConcurrentUpdateError")
	_, err := c2.UpdateFunction(fc.NewUpdateFunctionInput("svc", "fn").WithDescription("x"))
	if status, code := fc2Code(err); status != 409 || code != "ConcurrentUpdateError" {
		t.Errorf("UpdateFunction: %d %s (%v)", status, code, err)
	}

	// OpAny hits whatever comes next, in that service's shape: FC 3.0 JSON, OSS XML.
	e.Faults().FailNext(OpAny, 1, 429, "ResourceExhausted")
	_, err = fc3Client(t, base, testKeyID, testSecret, "").ListFunctions(&fc3.ListFunctionsRequest{})
	if status, code := fc3Code(err); status != 429 || code != "ResourceExhausted" {
		t.Errorf("FC 3.0 after OpAny: %d %s (%v)", status, code, err)
	}
	b, _ := ossClient(t, base, testKeyID, testSecret).Bucket("user-bucket")
	e.Faults().FailNext(OpPutObject, 1, 500, "InternalError")
	err = b.PutObject("k", strings.NewReader("v"))
	if status, code := ossCode(err); status != 500 || code != "InternalError" {
		t.Errorf("PutObject: %d %s (%v)", status, code, err)
	}
	if err := b.PutObject("k", strings.NewReader("v")); err != nil {
		t.Errorf("PutObject after the fault: %v", err)
	}

	e.Faults().FailNext(OpGetFunction, 5, 500, "InternalServerError")
	e.Faults().Reset()
	if _, err := c2.GetFunction(fc.NewGetFunctionInput("svc", "fn")); err != nil {
		t.Errorf("GetFunction after Reset: %v", err)
	}
}

func TestFaultsDelay(t *testing.T) {
	e, base := start(t)
	client := &http.Client{Timeout: 200 * time.Millisecond}
	e.Faults().Delay(OpListServices, time.Minute)
	if _, err := client.Get(base + "/2016-08-15/services"); err == nil {
		t.Error("a request delayed by a minute answered within 200ms")
	}
	e.Faults().Delay(OpListServices, 0)
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
	e, base := start(t)
	c := fc3Client(t, base, testKeyID, testSecret, "")
	states := func(name string, n int) string {
		var s []string
		for i := 0; i < n; i++ {
			fn, err := fc3Get(c, name)
			if err != nil {
				t.Fatalf("GetFunction: %v", err)
			}
			s = append(s, tea.StringValue(fn.State)+"/"+tea.StringValue(fn.LastUpdateStatus))
		}
		return strings.Join(s, " ")
	}

	e.Faults().KeepPending("slow", 3)
	if _, err := fc3Create(c, newFC3Function("slow", "python3.10", handlerZip(t))); err != nil {
		t.Fatal(err)
	}
	if got, want := states("slow", 4), "Pending/ Pending/ Pending/ Active/Successful"; got != want {
		t.Errorf("KeepPending 3: %s, want %s", got, want)
	}

	if _, err := fc3Create(c, newFC3Function("broken", "python3.10", handlerZip(t))); err != nil {
		t.Fatal(err)
	}
	e.Faults().EndFailed("broken", "image pull failed")
	if got, want := states("broken", 2), "Pending/ Failed/Failed"; got != want {
		t.Errorf("EndFailed after create: %s, want %s", got, want)
	}
	fn, _ := fc3Get(c, "broken")
	if tea.StringValue(fn.StateReason) != "image pull failed" {
		t.Errorf("stateReason = %q", tea.StringValue(fn.StateReason))
	}
	_, err := fc3Invoke(c, "broken", nil, nil)
	if status, code := fc3Code(err); status != 412 || code != "PreconditionFailed" || !strings.Contains(err.Error(), "image pull failed") {
		t.Errorf("invoke a Failed function: %d %s (%v)", status, code, err)
	}

	e.Faults().EndFailed("slow", "code too large for the instance")
	if _, err := fc3Update(c, "slow", &fc3.UpdateFunctionInput{Description: tea.String("v2")}); err != nil {
		t.Fatal(err)
	}
	if got, want := states("slow", 2), "Active/InProgress Active/Failed"; got != want {
		t.Errorf("EndFailed after update: %s, want %s", got, want)
	}
}

func TestFaultsFailInvocations(t *testing.T) {
	e, base := start(t)
	c := fc2Client(t, e, base, testKeyID, testSecret)
	deployFC2(t, c, "python3.10", "fn", "index.handler", 10)
	e.Faults().FailInvocations("fn", 1, "worker lost")
	out := invokeFC2(t, c, "fn", nil)
	if out.GetErrorType() != "UnhandledInvocationError" || !bytes.Contains(out.Payload, []byte("worker lost")) {
		t.Errorf("injected failure: %s %s", out.GetErrorType(), out.Payload)
	}
	needPython(t, e, "3.10", "python3.10")
	if out := invokeFC2(t, c, "fn", []byte("ok")); out.GetErrorType() != "" {
		t.Errorf("the second invocation failed too: %s", out.Payload)
	}
}

func TestCallLog(t *testing.T) {
	e, base := start(t)
	c := fc3Client(t, base, testKeyID, testSecret, "")
	if _, err := fc3Create(c, newFC3Function("fn", "python3.10", handlerZip(t))); err != nil {
		t.Fatal(err)
	}
	// An inline deploy uploads nothing.
	if puts := e.CallsOf(OpPutObject); len(puts) != 0 {
		t.Errorf("PutObject calls = %+v", puts)
	}
	calls := e.Calls()
	if len(calls) != 1 || calls[0].API != APIFC3 || calls[0].Op != OpCreateFunction || calls[0].Resource != "fn" ||
		calls[0].AccessKeyID != testKeyID || calls[0].Status != 200 || calls[0].RequestID == "" {
		t.Errorf("calls = %+v", calls)
	}
	e.ResetCalls()
	_, err := fc3Get(c, "nope")
	calls = e.Calls()
	if err == nil || len(calls) != 1 || calls[0].Status != 404 || calls[0].ErrorCode != "FunctionNotFound" {
		t.Errorf("after reset: %+v", calls)
	}
}
