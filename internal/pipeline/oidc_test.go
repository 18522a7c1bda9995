package pipeline_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/lithops-fc/runtime-action/internal/fcemu"
	"github.com/lithops-fc/runtime-action/internal/fcruntime"
	"github.com/lithops-fc/runtime-action/internal/pipeline/pipelinetest"
)

// TestDeployWithGitHubOIDC runs the whole action with oidc-role-arn and
// oidc-provider-arn and no keys: the job's ID token (from a fake runner endpoint) is
// exchanged at the emulator's STS, and every FC and OSS call is signed with the
// temporary credentials, which are masked and never printed.
func TestDeployWithGitHubOIDC(t *testing.T) {
	const (
		provider = "acs:ram::1234567890123456:oidc-provider/github"
		role     = "acs:ram::1234567890123456:role/runtime-deployer"
	)
	for _, tg := range []target{fc2, fc3} {
		t.Run(tg.String(), func(t *testing.T) {
			gh := pipelinetest.NewGitHubOIDC(t)
			v := startEmulator(t, tg, fcemu.WithOIDCProvider(gh.Provider(provider, role)))
			issued := captureSTS(t, v.Emu.Handler(), v.Intercept)
			a := newAction(t, tg, v, "fc-demo\n", demo("1.0.0"))
			for _, k := range []string{"access-key-id", "access-key-secret", "security-token"} {
				delete(a.inputs, k)
			}
			a.inputs["oidc-role-arn"], a.inputs["oidc-provider-arn"] = role, provider
			a.env = gh.Env()
			a.deps.Cloud.STSEndpoint = v.URL // the emulator's STS
			r := a.mustRun()

			if r.out["deployed"] != "created" {
				t.Errorf("deployed %q", r.out["deployed"])
			}
			creds := issued()
			if len(creds) != 1 {
				t.Fatalf("%d STS answers, want 1", len(creds))
			}
			c := creds[0]
			writes := 0
			for _, call := range v.Probe.Calls() {
				switch call.Op {
				case fcemu.OpAssumeRoleWithOIDC, fcemu.OpUnknown:
					continue
				}
				if call.API == fcemu.APIFC2 || call.API == fcemu.APIFC3 || call.API == fcemu.APIOSS {
					if call.AccessKeyID != c.AccessKeyID {
						t.Errorf("%s %s signed by %q, want the assumed role's %s", call.Op, call.Resource, call.AccessKeyID, c.AccessKeyID)
					}
					writes++
				}
			}
			if writes == 0 {
				t.Fatal("no FC or OSS call recorded")
			}
			// Every secret of the exchange is kept out of the log, outputs and summary.
			secrets := append([]string{c.AccessKeySecret, c.SecurityToken, gh.RequestToken}, gh.Tokens()...)
			raw := strings.Join([]string{pipelinetest.Shown(r.log), r.summary, r.out["functions"]}, "\n")
			pipelinetest.NoSecrets(t, secrets, map[string]string{"log, summary and outputs": raw})
			for _, s := range []string{c.AccessKeySecret, c.SecurityToken} {
				if !strings.Contains(r.log, "::add-mask::"+s) {
					t.Errorf("an STS secret was not masked for the runner")
				}
			}
			if tg.api == fcruntime.FC3 && !strings.Contains(r.out["function-arn"], ":functions/") {
				t.Errorf("function-arn %q", r.out["function-arn"])
			}
		})
	}
}

type stsCreds struct{ AccessKeyID, AccessKeySecret, SecurityToken string }

// captureSTS records the credentials the emulator's STS hands out.
func captureSTS(t *testing.T, h http.Handler, intercept func(func(http.ResponseWriter, *http.Request) bool)) func() []stsCreds {
	var mu sync.Mutex
	var got []stsCreds
	intercept(func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Query().Get("Action") != "AssumeRoleWithOIDC" {
			return false
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		var answer struct {
			Credentials struct{ AccessKeyId, AccessKeySecret, SecurityToken string }
		}
		if json.Unmarshal(rec.Body.Bytes(), &answer) == nil && answer.Credentials.AccessKeyId != "" {
			mu.Lock()
			got = append(got, stsCreds{answer.Credentials.AccessKeyId, answer.Credentials.AccessKeySecret, answer.Credentials.SecurityToken})
			mu.Unlock()
		}
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
		return true
	})
	return func() []stsCreds {
		mu.Lock()
		defer mu.Unlock()
		return append([]stsCreds(nil), got...)
	}
}
