package fcruntime

import (
	"fmt"
	"regexp"
)

// Where FC pulls custom-container images from (docs/architecture.md, "Function Compute
// and OSS"): Alibaba Cloud Container Registry (ACR) of the function's account, in its
// region ("Create a Custom Container function", alibabacloud.com/help/en/functioncompute/
// fc-3-0/user-guide/create-a-custom-container-function); Personal Edition or Enterprise
// Edition, not Economy Edition (help.aliyun.com/en/functioncompute/fc/user-guide/
// custom-container/); an Enterprise Edition image needs customContainerConfig.acrInstanceId
// (the CustomContainerConfig reference of FC 3.0), which Lithops 3.7 does not set.
var (
	acrPersonal   = regexp.MustCompile(`^registry(-vpc)?\.([a-z0-9-]+)\.aliyuncs\.com$`)
	acrEnterprise = regexp.MustCompile(`^[a-z0-9-]+-registry(-vpc)?\.([a-z0-9-]+)\.cr\.aliyuncs\.com$`)
)

// ImagePullProblem says why FC, as its documentation describes it, cannot pull an image
// from the registry at host for a function in region ("" when region is unknown: only
// the registry is judged); "" when nothing is known to prevent it.
func ImagePullProblem(host, region string) string {
	switch m, e := acrPersonal.FindStringSubmatch(host), acrEnterprise.FindStringSubmatch(host); {
	case m != nil && region != "" && m[2] != region:
		return fmt.Sprintf("%s is Alibaba Cloud Container Registry in %s, but the functions are in %s: FC pulls images only from ACR in the function's region", host, m[2], region)
	case m != nil:
		return ""
	case e != nil && region != "" && e[2] != region:
		return fmt.Sprintf("%s is an ACR Enterprise Edition instance in %s, but the functions are in %s: FC pulls images only from ACR in the function's region", host, e[2], region)
	case e != nil:
		return fmt.Sprintf("%s is an ACR Enterprise Edition instance: FC pulls its images only with customContainerConfig.acrInstanceId, which Lithops 3.7 does not set, and neither does this action", host)
	}
	return fmt.Sprintf("%s is not Alibaba Cloud Container Registry: FC pulls custom-container images only from ACR (Personal or Enterprise Edition) of the function's account and region", host)
}
