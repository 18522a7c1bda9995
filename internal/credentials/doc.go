// Package credentials owns Alibaba Cloud credentials: from inputs, from the ALIBABA_CLOUD_*
// and ALICLOUD_* variables, or from GitHub OIDC exchanged through STS AssumeRoleWithOIDC.
package credentials
