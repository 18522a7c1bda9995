package pipeline

import (
	"testing"

	"github.com/lithops-fc/runtime-action/internal/credentials"
	"github.com/lithops-fc/runtime-action/internal/deploy"
	"github.com/lithops-fc/runtime-action/internal/fcruntime"
	"github.com/lithops-fc/runtime-action/internal/inputs"
)

func TestDestination(t *testing.T) {
	cfg := inputs.Config{Region: "cn-shanghai", AccountID: "42", StorageBucket: "b", Endpoint: "https://fc.internal", OSSEndpoint: "https://oss.internal"}
	creds := credentials.Credentials{AccessKeyID: "id", AccessKeySecret: "s"}
	got := destination(cfg, fcruntime.FC3, creds, "lithops_abcd")
	want := deploy.Destination{API: fcruntime.FC3, Region: "cn-shanghai", AccountID: "42", Credentials: creds, Bucket: "b",
		Endpoint: "https://fc.internal", OSSEndpoint: "https://oss.internal"}
	if got != want {
		t.Errorf("FC 3.0: %+v, want %+v (no service)", got, want)
	}
	if got := destination(cfg, fcruntime.FC2, creds, "lithops_abcd"); got.Service != "lithops_abcd" || got.API != fcruntime.FC2 {
		t.Errorf("FC 2.0: %+v", got)
	}
}
