package fcruntime

import (
	"strings"
	"testing"
)

func TestImagePullProblem(t *testing.T) {
	tests := []struct {
		host, region string
		want         string // a substring of the problem; "" none
	}{
		{"registry.cn-hangzhou.aliyuncs.com", "cn-hangzhou", ""},
		{"registry-vpc.cn-hangzhou.aliyuncs.com", "cn-hangzhou", ""},
		{"registry.cn-hangzhou.aliyuncs.com", "", ""},
		{"registry.cn-shanghai.aliyuncs.com", "cn-hangzhou", "in cn-shanghai, but the functions are in cn-hangzhou"},
		{"myinst-registry.cn-hangzhou.cr.aliyuncs.com", "cn-hangzhou", "acrInstanceId"},
		{"myinst-registry-vpc.cn-beijing.cr.aliyuncs.com", "cn-hangzhou", "in cn-beijing"},
		{"crpi-abc123.cn-hangzhou.personal.cr.aliyuncs.com", "cn-hangzhou", ""},
		{"crpi-abc123-vpc.cn-hangzhou.personal.cr.aliyuncs.com", "cn-hangzhou", ""},
		{"crpi-abc123.cn-shanghai.personal.cr.aliyuncs.com", "cn-hangzhou", "in cn-shanghai, but the functions are in cn-hangzhou"},
		{"docker.io", "cn-hangzhou", "not Alibaba Cloud Container Registry"},
		{"ghcr.io", "", "not Alibaba Cloud Container Registry"},
		{"registry.cn-hangzhou.aliyuncs.com.evil.example", "cn-hangzhou", "not Alibaba Cloud Container Registry"},
	}
	for _, tt := range tests {
		got := ImagePullProblem(tt.host, tt.region)
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("ImagePullProblem(%s, %s) = %q, want %q", tt.host, tt.region, got, tt.want)
		}
	}
}
