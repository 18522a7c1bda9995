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
// Personal Edition instances created from 9 September 2024 have a domain of their own,
// crpi-{id}[-vpc].{region}.personal.cr.aliyuncs.com (alibabacloud.com/help/en/acr/
// user-guide/individual-edition-instance-independent-domain-name-capacity-limit).
// Each pattern's first group is the region.
var (
	acrPersonal = []*regexp.Regexp{
		regexp.MustCompile(`^registry(?:-vpc)?\.([a-z0-9-]+)\.aliyuncs\.com$`),
		regexp.MustCompile(`^crpi-[a-z0-9]+(?:-vpc)?\.([a-z0-9-]+)\.personal\.cr\.aliyuncs\.com$`),
	}
	acrEnterprise = regexp.MustCompile(`^[a-z0-9-]+-registry(?:-vpc)?\.([a-z0-9-]+)\.cr\.aliyuncs\.com$`)
)

// ImagePullProblem says why FC, as its documentation describes it, cannot pull an image
// from the registry at host for a function in region ("" when region is unknown: only
// the registry is judged); "" when nothing is known to prevent it.
func ImagePullProblem(host, region string) string {
	var m []string
	for _, re := range acrPersonal {
		if m == nil {
			m = re.FindStringSubmatch(host)
		}
	}
	switch e := acrEnterprise.FindStringSubmatch(host); {
	case m != nil && region != "" && m[1] != region:
		return fmt.Sprintf("%s is Alibaba Cloud Container Registry in %s, but the functions are in %s: FC pulls images only from ACR in the function's region", host, m[1], region)
	case m != nil:
		return ""
	case e != nil && region != "" && e[1] != region:
		return fmt.Sprintf("%s is an ACR Enterprise Edition instance in %s, but the functions are in %s: FC pulls images only from ACR in the function's region", host, e[1], region)
	case e != nil:
		return fmt.Sprintf("%s is an ACR Enterprise Edition instance: FC pulls its images only with customContainerConfig.acrInstanceId, which Lithops 3.7 does not set, and neither does this action", host)
	}
	return fmt.Sprintf("%s is not Alibaba Cloud Container Registry: FC pulls custom-container images only from ACR (Personal or Enterprise Edition) of the function's account and region", host)
}
