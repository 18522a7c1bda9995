package credentials_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/lithops-fc/runtime-action/internal/credentials"
)

const (
	roleARN     = "acs:ram::1234567890123456:role/github-deployer"
	providerARN = "acs:ram::1234567890123456:oidc-provider/github"
	requestTok  = "runner-request-token-XYZ"
	jwt         = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOm8vcjpyZWY6cmVmcy9oZWFkcy9tYWluIn0.c2ln"
)

func getenv(env map[string]string) credentials.Option {
	return credentials.WithGetenv(func(k string) string { return env[k] })
}

func TestResolveStaticSources(t *testing.T) {
	tests := []struct {
		name    string
		req     credentials.Request
		env     map[string]string
		want    credentials.Credentials
		wantErr string
	}{
		{
			name: "inputs win over the environment",
			req:  credentials.Request{AccessKeyID: "in-id", AccessKeySecret: "in-secret", SecurityToken: "in-token"},
			env:  map[string]string{"ALIBABA_CLOUD_ACCESS_KEY_ID": "env-id", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "env-secret"},
			want: credentials.Credentials{AccessKeyID: "in-id", AccessKeySecret: "in-secret", SecurityToken: "in-token", Source: "inputs"},
		},
		{
			name: "ALIBABA_CLOUD_* variables",
			env: map[string]string{"ALIBABA_CLOUD_ACCESS_KEY_ID": "env-id", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "env-secret", "ALIBABA_CLOUD_SECURITY_TOKEN": "env-token",
				"ALICLOUD_ACCESS_KEY": "tf-id", "ALICLOUD_SECRET_KEY": "tf-secret"},
			want: credentials.Credentials{AccessKeyID: "env-id", AccessKeySecret: "env-secret", SecurityToken: "env-token", Source: "ALIBABA_CLOUD_ACCESS_KEY_ID environment"},
		},
		{
			name: "ALICLOUD_* variables",
			env:  map[string]string{"ALICLOUD_ACCESS_KEY": "tf-id", "ALICLOUD_SECRET_KEY": "tf-secret", "ALICLOUD_SECURITY_TOKEN": "tf-token", "ALIBABA_CLOUD_SECURITY_TOKEN": "other"},
			want: credentials.Credentials{AccessKeyID: "tf-id", AccessKeySecret: "tf-secret", SecurityToken: "tf-token", Source: "ALICLOUD_ACCESS_KEY environment"},
		},
		{
			name:    "half a pair in the environment",
			env:     map[string]string{"ALIBABA_CLOUD_ACCESS_KEY_ID": "env-id", "ALICLOUD_ACCESS_KEY": "tf-id", "ALICLOUD_SECRET_KEY": "tf-secret"},
			wantErr: "credentials: ALIBABA_CLOUD_ACCESS_KEY_SECRET is empty while its pair is set; set both (or neither)",
		},
		{
			name:    "half a pair in the inputs",
			req:     credentials.Request{AccessKeySecret: "in-secret"},
			wantErr: "credentials: set access-key-id and access-key-secret together",
		},
		{
			name:    "nothing",
			env:     map[string]string{"ALIBABA_CLOUD_ACCESS_KEY_ID": "", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": ""},
			wantErr: credentials.ErrNoCredentials.Error(),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := credentials.Resolve(context.Background(), tt.req, getenv(tt.env))
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Resolve (-want +got):\n%s", diff)
			}
		})
	}
}

// fakeGitHub serves the runner's ID token endpoint; status answers are used in turn.
type fakeGitHub struct {
	calls    atomic.Int32
	statuses []int
	audience atomic.Value
}

func (f *fakeGitHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := int(f.calls.Add(1)) - 1
	if r.Header.Get("Authorization") != "Bearer "+requestTok {
		http.Error(w, "bad bearer", http.StatusUnauthorized)
		return
	}
	if r.URL.Query().Get("api-version") != "2.0" {
		http.Error(w, "the request URL's own query was dropped", http.StatusBadRequest)
		return
	}
	f.audience.Store(r.URL.Query().Get("audience"))
	if n < len(f.statuses) && f.statuses[n] != http.StatusOK {
		http.Error(w, `{"message":"nope"}`, f.statuses[n])
		return
	}
	fmt.Fprintf(w, `{"count":1,"value":%q}`, jwt)
}

// fakeSTS serves AssumeRoleWithOIDC; status answers are used in turn, then success.
type fakeSTS struct {
	t        *testing.T
	calls    atomic.Int32
	statuses []int
	errBody  string
	hang     chan struct{}
}

func (f *fakeSTS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := int(f.calls.Add(1)) - 1
	if f.hang != nil {
		select {
		case <-f.hang:
		case <-r.Context().Done():
		}
		return
	}
	q := r.URL.Query()
	if r.Method != http.MethodPost || q.Get("Action") != "AssumeRoleWithOIDC" || q.Get("Version") != "2015-04-01" || q.Get("Format") != "JSON" {
		f.t.Errorf("STS request %s %s", r.Method, r.URL)
	}
	if _, err := time.Parse("2006-01-02T15:04:05Z", q.Get("Timestamp")); err != nil {
		f.t.Errorf("Timestamp %q: %v", q.Get("Timestamp"), err)
	}
	if r.Header.Get("Authorization") != "" {
		f.t.Errorf("AssumeRoleWithOIDC must be unsigned, got Authorization %q", r.Header.Get("Authorization"))
	}
	if err := r.ParseForm(); err != nil {
		f.t.Fatal(err)
	}
	want := map[string]string{"RoleArn": roleARN, "OIDCProviderArn": providerARN, "OIDCToken": jwt, "RoleSessionName": "lithops-fc-runtime-987654", "DurationSeconds": "3600"}
	for k, v := range want {
		if got := r.PostForm.Get(k); got != v {
			f.t.Errorf("form %s = %q, want %q", k, got, v)
		}
	}
	if n < len(f.statuses) {
		w.WriteHeader(f.statuses[n])
		fmt.Fprint(w, f.errBody)
		return
	}
	json.NewEncoder(w).Encode(map[string]any{
		"RequestId": "req-ok",
		"Credentials": map[string]string{
			"AccessKeyId": "STS.id", "AccessKeySecret": "sts-secret", "SecurityToken": "sts-token", "Expiration": "2026-11-28T08:00:00Z",
		},
	})
}

func oidcSetup(t *testing.T, gh *fakeGitHub, sts *fakeSTS) (map[string]string, []credentials.Option) {
	t.Helper()
	ghSrv := httptest.NewServer(gh)
	t.Cleanup(ghSrv.Close)
	stsSrv := httptest.NewServer(sts)
	t.Cleanup(stsSrv.Close)
	env := map[string]string{
		"ACTIONS_ID_TOKEN_REQUEST_URL":   ghSrv.URL + "/token?api-version=2.0",
		"ACTIONS_ID_TOKEN_REQUEST_TOKEN": requestTok,
		"GITHUB_RUN_ID":                  "987654",
	}
	return env, []credentials.Option{getenv(env), credentials.WithSTSEndpoint(stsSrv.URL), credentials.WithRetry(3, time.Millisecond)}
}

var oidcReq = credentials.Request{OIDCRoleARN: roleARN, OIDCProviderARN: providerARN}

// TestResolveOIDCRetryBudget: retries stop when the next wait would pass the budget,
// however many attempts are left, and the first retry line says what is retried and for
// how long.
func TestResolveOIDCRetryBudget(t *testing.T) {
	sts := &fakeSTS{t: t, statuses: []int{503, 503, 503, 503, 503, 503, 503, 503, 503, 503},
		errBody: `{"RequestId":"req-9","Code":"ServiceUnavailable","Message":"busy"}`}
	_, opts := oidcSetup(t, &fakeGitHub{}, sts)
	var lines []string
	opts = append(opts, credentials.WithRetry(10, 100*time.Millisecond), credentials.WithRetryBudget(250*time.Millisecond),
		credentials.WithLog(func(f string, a ...any) { lines = append(lines, fmt.Sprintf(f, a...)) }))
	_, err := credentials.Resolve(context.Background(), oidcReq, opts...)
	// Attempt 1 at 0, attempt 2 after 100 ms; the next wait (200 ms) would end past 250 ms.
	if got := sts.calls.Load(); got != 2 {
		t.Errorf("%d STS calls, want 2 within the 250ms budget", got)
	}
	if err == nil || !strings.Contains(err.Error(), "gave up after 2 attempts in ") || !strings.Contains(err.Error(), "at most 250ms") {
		t.Errorf("error %v does not say the budget ran out", err)
	}
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "STS AssumeRoleWithOIDC: ServiceUnavailable") ||
		!strings.Contains(lines[0], "up to 10 attempts within 250ms") {
		t.Errorf("retry lines %q: want one, naming the request and the budget", lines)
	}
}

func TestResolveOIDC(t *testing.T) {
	gh, sts := &fakeGitHub{}, &fakeSTS{t: t}
	env, opts := oidcSetup(t, gh, sts)
	env["ALIBABA_CLOUD_ACCESS_KEY_ID"], env["ALIBABA_CLOUD_ACCESS_KEY_SECRET"] = "left", "over" // OIDC wins
	got, err := credentials.Resolve(context.Background(), oidcReq, opts...)
	if err != nil {
		t.Fatal(err)
	}
	want := credentials.Credentials{AccessKeyID: "STS.id", AccessKeySecret: "sts-secret", SecurityToken: "sts-token",
		Expiration: time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC), Source: "OIDC role " + roleARN}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Resolve (-want +got):\n%s", diff)
	}
	if aud := gh.audience.Load(); aud != "sts.aliyuncs.com" {
		t.Errorf("audience %v, want the default sts.aliyuncs.com", aud)
	}
	for _, s := range got.Secrets() {
		if strings.Contains(got.String(), s) || strings.Contains(fmt.Sprintf("%#v", got), s) {
			t.Errorf("printed credentials contain %q", s)
		}
	}

	custom := oidcReq
	custom.OIDCAudience = "sts.cn-hangzhou.aliyuncs.com"
	if _, err := credentials.Resolve(context.Background(), custom, opts...); err != nil {
		t.Fatal(err)
	}
	if aud := gh.audience.Load(); aud != custom.OIDCAudience {
		t.Errorf("audience %v, want %s", aud, custom.OIDCAudience)
	}
}

func TestResolveOIDCWithoutIDTokenPermission(t *testing.T) {
	for _, missing := range []string{"ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN"} {
		gh, sts := &fakeGitHub{}, &fakeSTS{t: t}
		env, opts := oidcSetup(t, gh, sts)
		delete(env, missing)
		_, err := credentials.Resolve(context.Background(), oidcReq, opts...)
		if !errors.Is(err, credentials.ErrNoIDTokenPermission) {
			t.Fatalf("without %s: %v", missing, err)
		}
		if !strings.Contains(err.Error(), "permissions:\n    id-token: write") {
			t.Errorf("error does not say which lines to add: %v", err)
		}
		if gh.calls.Load()+sts.calls.Load() != 0 {
			t.Errorf("requests were sent without a token")
		}
	}
}

func TestResolveOIDCSTSErrors(t *testing.T) {
	tests := []struct {
		name      string
		statuses  []int
		body      string
		wantCalls int32
		want      string
	}{
		{
			name:      "audience mismatch is final and names the fix",
			statuses:  []int{400},
			body:      `{"RequestId":"req-1","HostId":"sts.aliyuncs.com","Code":"AuthenticationFail.OIDCToken.AudienceNotMatchError","Message":"The audience of token ` + jwt + ` does not match."}`,
			wantCalls: 1,
			want:      "STS AssumeRoleWithOIDC: AuthenticationFail.OIDCToken.AudienceNotMatchError: The audience of token *** does not match. (HTTP 400, request id req-1); the RAM OIDC provider's client ids must include the audience requested (oidc-audience, default sts.aliyuncs.com)",
		},
		{
			name:      "role missing",
			statuses:  []int{404},
			body:      `{"RequestId":"req-2","Code":"EntityNotExist.Role","Message":"The role not exists."}`,
			wantCalls: 1,
			want:      "STS AssumeRoleWithOIDC: EntityNotExist.Role: The role not exists. (HTTP 404, request id req-2); check oidc-role-arn",
		},
		{
			name:      "server errors are retried until attempts run out",
			statuses:  []int{503, 500, 502},
			body:      `{"RequestId":"req-3","Code":"ServiceUnavailable","Message":"busy"}`,
			wantCalls: 3,
			want:      "STS AssumeRoleWithOIDC: ServiceUnavailable: busy (HTTP 502, request id req-3) (gave up after 3 attempts in ",
		},
		{
			name:      "not JSON",
			statuses:  []int{403},
			body:      "<html>denied " + jwt + "</html>",
			wantCalls: 1,
			want:      "STS AssumeRoleWithOIDC: UnknownError: <html>denied ***</html> (HTTP 403, request id )",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sts := &fakeSTS{t: t, statuses: tt.statuses, errBody: tt.body}
			_, opts := oidcSetup(t, &fakeGitHub{}, sts)
			_, err := credentials.Resolve(context.Background(), oidcReq, opts...)
			var se *credentials.STSError
			if !errors.As(err, &se) {
				t.Fatalf("error %v is not an STSError", err)
			}
			// Retried errors end with the attempts and the time they took (which varies).
			if got := err.Error(); got != tt.want && !(strings.HasSuffix(tt.want, " in ") && strings.HasPrefix(got, tt.want)) {
				t.Errorf("error:\n got %s\nwant %s", err, tt.want)
			}
			if strings.Contains(err.Error(), jwt) || strings.Contains(err.Error(), requestTok) {
				t.Errorf("error leaks a token: %s", err)
			}
			if got := sts.calls.Load(); got != tt.wantCalls {
				t.Errorf("%d STS calls, want %d", got, tt.wantCalls)
			}
		})
	}
}

func TestResolveOIDCRetriesThenSucceeds(t *testing.T) {
	gh := &fakeGitHub{statuses: []int{500}}
	sts := &fakeSTS{t: t, statuses: []int{429}, errBody: `{"Code":"Throttling","Message":"slow down","RequestId":"r"}`}
	_, opts := oidcSetup(t, gh, sts)
	c, err := credentials.Resolve(context.Background(), oidcReq, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if c.SecurityToken != "sts-token" || gh.calls.Load() != 2 || sts.calls.Load() != 2 {
		t.Errorf("token %q after %d ID token and %d STS calls, want 2 and 2", c.SecurityToken, gh.calls.Load(), sts.calls.Load())
	}
}

func TestResolveOIDCIDTokenRefused(t *testing.T) {
	gh := &fakeGitHub{statuses: []int{403}}
	sts := &fakeSTS{t: t}
	_, opts := oidcSetup(t, gh, sts)
	_, err := credentials.Resolve(context.Background(), oidcReq, opts...)
	if err == nil || !strings.HasPrefix(err.Error(), "GitHub ID token request: HTTP 403: ") {
		t.Fatalf("error %v", err)
	}
	if gh.calls.Load() != 1 || sts.calls.Load() != 0 {
		t.Errorf("%d ID token calls and %d STS calls, want 1 and 0", gh.calls.Load(), sts.calls.Load())
	}
}

func TestResolveOIDCHonoursTimeoutAndCancellation(t *testing.T) {
	sts := &fakeSTS{t: t, hang: make(chan struct{})}
	defer close(sts.hang)
	_, opts := oidcSetup(t, &fakeGitHub{}, sts)
	_, err := credentials.Resolve(context.Background(), oidcReq, append(opts, credentials.WithRequestTimeout(20*time.Millisecond), credentials.WithRetry(2, time.Millisecond))...)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("per-request timeout: error %v, want a deadline", err)
	}
	if sts.calls.Load() != 2 {
		t.Errorf("%d STS calls, want 2 (a timeout is retried)", sts.calls.Load())
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = credentials.Resolve(ctx, oidcReq, opts...)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: error %v", err)
	}
}

func TestKnown(t *testing.T) {
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	tests := []struct {
		name      string
		req       credentials.Request
		env       map[string]string
		id        string
		temporary bool
	}{
		{"none", credentials.Request{}, nil, "", false},
		{"OIDC", credentials.Request{OIDCRoleARN: "acs:ram::1:role/r", OIDCProviderARN: "acs:ram::1:oidc-provider/p", AccessKeyID: "LTAIx"}, nil, "", true},
		{"inputs", credentials.Request{AccessKeyID: "LTAIin", AccessKeySecret: "s"}, map[string]string{"ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIenv"}, "LTAIin", false},
		{"inputs with token", credentials.Request{AccessKeyID: "STS.in", AccessKeySecret: "s", SecurityToken: "t"}, nil, "STS.in", true},
		{"environment", credentials.Request{}, map[string]string{"ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIenv", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "s"}, "LTAIenv", false},
		{"environment STS", credentials.Request{}, map[string]string{"ALICLOUD_ACCESS_KEY": "STS.x", "ALICLOUD_SECRET_KEY": "s", "ALICLOUD_SECURITY_TOKEN": "t"}, "STS.x", true},
	}
	for _, tt := range tests {
		env = tt.env
		id, tmp := credentials.Known(tt.req, getenv)
		if id != tt.id || tmp != tt.temporary {
			t.Errorf("%s: Known = %q, %v; want %q, %v", tt.name, id, tmp, tt.id, tt.temporary)
		}
		// Known agrees with Resolve about the key id whenever Resolve needs no network.
		if tt.req.OIDCRoleARN == "" && tt.id != "" {
			c, err := credentials.Resolve(context.Background(), tt.req, credentials.WithGetenv(getenv))
			if err != nil || c.AccessKeyID != id || (c.SecurityToken != "") != tmp {
				t.Errorf("%s: Resolve = %v, %v; Known said %q, temporary %v", tt.name, c, err, id, tmp)
			}
		}
	}
}
