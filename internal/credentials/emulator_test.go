package credentials_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"

	"github.com/lithops-fc/runtime-action/internal/credentials"
	"github.com/lithops-fc/runtime-action/internal/fcemu"
	"github.com/lithops-fc/runtime-action/internal/fcemu/fcemutest"
	"github.com/lithops-fc/runtime-action/internal/pipeline/pipelinetest"
)

// TestOIDCAgainstEmulatorSTS exchanges a GitHub ID token (RS256, from a fake runner
// endpoint) for STS credentials at the emulator's AssumeRoleWithOIDC, which checks the
// token as STS does, and uses them on FC and OSS. Refusals name what to fix and never
// quote the token.
func TestOIDCAgainstEmulatorSTS(t *testing.T) {
	const (
		provider = "acs:ram::1234567890123456:oidc-provider/github"
		role     = "acs:ram::1234567890123456:role/runtime-deployer"
		other    = "acs:ram::1234567890123456:role/not-trusting-github"
		gitlab   = "acs:ram::1234567890123456:oidc-provider/gitlab"
	)
	gh := pipelinetest.NewGitHubOIDC(t)
	probe := fcemutest.New()
	emu, err := fcemu.New(fcemu.WithOIDCProvider(gh.Provider(provider, role)),
		fcemu.WithOIDCProvider(gh.Provider(gitlab, other)), fcemu.WithBucket("lithops-bucket"), probe.Option())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(func() { srv.Close(); emu.Close() })
	env := gh.Env()
	env["GITHUB_RUN_ID"] = "77"
	opts := []credentials.Option{getenv(env), credentials.WithSTSEndpoint(srv.URL), credentials.WithRetry(1, time.Millisecond),
		credentials.WithSessionDuration(30 * time.Minute)}

	tests := []struct {
		name    string
		req     credentials.Request
		wantErr []string // empty: success
	}{
		{name: "trusted role", req: credentials.Request{OIDCRoleARN: role, OIDCProviderARN: provider}},
		{name: "trusted role, explicit default audience", req: credentials.Request{OIDCRoleARN: role, OIDCProviderARN: provider, OIDCAudience: "sts.aliyuncs.com"}},
		{name: "audience the provider does not accept", req: credentials.Request{OIDCRoleARN: role, OIDCProviderARN: provider, OIDCAudience: "https://github.com/octo"},
			wantErr: []string{"AudienceNotMatch", "oidc-audience"}},
		{name: "role that does not trust the provider", req: credentials.Request{OIDCRoleARN: other, OIDCProviderARN: provider},
			wantErr: []string{"NoPermission", "trust policy"}},
		{name: "unknown provider", req: credentials.Request{OIDCRoleARN: role, OIDCProviderARN: "acs:ram::1234567890123456:oidc-provider/bitbucket"},
			wantErr: []string{"NoPermission"}},
		{name: "unknown role", req: credentials.Request{OIDCRoleARN: "acs:ram::1234567890123456:role/typo", OIDCProviderARN: provider},
			wantErr: []string{"EntityNotExist.Role", "check oidc-role-arn"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := credentials.Resolve(context.Background(), tt.req, opts...)
			for _, tok := range gh.Tokens() {
				if err != nil && strings.Contains(err.Error(), tok) {
					t.Errorf("the error quotes the ID token")
				}
			}
			if len(tt.wantErr) > 0 {
				var se *credentials.STSError
				if !errors.As(err, &se) {
					t.Fatalf("error %v, want an STS refusal", err)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not say %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(c.AccessKeyID, "STS.") || c.AccessKeySecret == "" || c.SecurityToken == "" {
				t.Errorf("credentials %v are not temporary STS ones", c)
			}
			if d := time.Until(c.Expiration); d < 29*time.Minute || d > 31*time.Minute {
				t.Errorf("expire in %v, want the 30 minutes asked", d)
			}
			if c.Source != "OIDC role "+role {
				t.Errorf("source %q", c.Source)
			}
			for _, s := range c.Secrets() {
				if strings.Contains(c.String(), s) {
					t.Errorf("String() shows a secret")
				}
			}
			// The emulator accepts them, signed, on FC (with the security token).
			n := len(probe.Calls())
			put(t, srv.URL, c)
			calls := probe.Calls()[n:]
			if len(calls) != 1 || calls[0].Status != 200 || calls[0].AccessKeyID != c.AccessKeyID {
				t.Errorf("signed OSS call with the credentials: %+v", calls)
			}
		})
	}
	if sts := probe.CallsOf(fcemu.OpAssumeRoleWithOIDC); len(sts) != len(tests) {
		t.Errorf("%d AssumeRoleWithOIDC calls, want one per case (%d)", len(sts), len(tests))
	}
}

// put writes an object with c through the official OSS SDK (signature and security
// token checked by the emulator).
func put(t *testing.T, endpoint string, c credentials.Credentials) {
	t.Helper()
	client, err := oss.New(endpoint, c.AccessKeyID, c.AccessKeySecret, oss.SecurityToken(c.SecurityToken))
	if err != nil {
		t.Fatal(err)
	}
	b, err := client.Bucket("lithops-bucket")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.PutObject("probe.txt", strings.NewReader("assumed")); err != nil {
		t.Errorf("OSS PutObject with the assumed role's credentials: %v", err)
	}
}
