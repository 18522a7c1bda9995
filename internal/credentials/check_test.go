package credentials_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/lithops-fc/runtime-action/internal/credentials"
)

// TestCheck: what Resolve would refuse or not find is found without a network call, and
// the message names inputs and variables, never values.
func TestCheck(t *testing.T) {
	const secret = "zgH3CTs8K0S79neBCJVeS5zYlrdLgs"
	tests := []struct {
		name string
		req  credentials.Request
		env  map[string]string
		want string // "" for no error
	}{
		{name: "keys from inputs", req: credentials.Request{AccessKeyID: "LTAI5tKey", AccessKeySecret: secret}},
		{name: "keys from the environment", env: map[string]string{"ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAI5tKey", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": secret}},
		{name: "none at all", want: "no Alibaba Cloud credentials"},
		{name: "half a pair", req: credentials.Request{AccessKeyID: "LTAI5tKey"}, want: "together"},
		{name: "half a pair in the environment", env: map[string]string{"ALICLOUD_ACCESS_KEY": "LTAI5tKey"}, want: "ALICLOUD_SECRET_KEY is empty"},
		{name: "an STS key without its token", req: credentials.Request{AccessKeyID: "STS.NUk", AccessKeySecret: secret}, want: "set security-token"},
		{name: "an STS key in the environment without its token", env: map[string]string{"ALIBABA_CLOUD_ACCESS_KEY_ID": "STS.NUk", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": secret}, want: "set ALIBABA_CLOUD_SECURITY_TOKEN"},
		{name: "a secret with a line break", req: credentials.Request{AccessKeyID: "LTAI5tKey", AccessKeySecret: secret + "\n"}, want: "access-key-secret holds white space"},
		{name: "OIDC without the id-token permission", req: credentials.Request{OIDCRoleARN: roleARN, OIDCProviderARN: providerARN}, want: "id-token: write"},
		{name: "OIDC with it", req: credentials.Request{OIDCRoleARN: roleARN, OIDCProviderARN: providerARN},
			env: map[string]string{"ACTIONS_ID_TOKEN_REQUEST_URL": "https://token.actions.example/x", "ACTIONS_ID_TOKEN_REQUEST_TOKEN": requestTok}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := credentials.Check(tt.req, getenv(tt.env))
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Check: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Check: %v, want %q", err, tt.want)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("the message shows the secret: %v", err)
			}
			if tt.name == "none at all" && !errors.Is(err, credentials.ErrNoCredentials) {
				t.Errorf("not ErrNoCredentials: %v", err)
			}
		})
	}
	env := map[string]string{"ALIBABA_CLOUD_ACCESS_KEY_SECRET": secret, "ALICLOUD_SECURITY_TOKEN": "tok", "OTHER": "x"}
	if got := credentials.EnvSecrets(func(k string) string { return env[k] }); len(got) != 2 {
		t.Errorf("EnvSecrets = %q", got)
	}
}
