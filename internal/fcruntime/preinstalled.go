package fcruntime

// Dist is one distribution a runtime preinstalls, at the version FC documents.
type Dist struct {
	Name    string // as FC's page names it (a PyPI project name)
	Version string
}

// PreinstalledSource is where the lists below come from: FC's "Python runtimes, built-in
// modules" pages (alibabacloud.com/help/en/functioncompute/fc/python/,
// help.aliyun.com/document_detail/158208.html), as docs/architecture.md records them.
const PreinstalledSource = "FC's Python runtime pages (built-in modules): alibabacloud.com/help/en/functioncompute/fc/python/"

// preinstalled are the distributions each runtime has on its path before any code, with
// FC's documented versions. Dependencies are not listed there (oss2 brings requests,
// six, crcmod, pycryptodome, aliyun-python-sdk-core...): whoever installs the list
// resolves them. Gaps in the sources: python3.9's list is cut after "scrapy 2.5…" on the
// page (its requests, redis and the rest are unknown; scrapy is left out), python3's (3.6)
// was not retrieved at all, and python3.10's "pyOpenSSL 1.0.2" is as printed (no such
// release is compatible with Python 3.10; likely a typo on the page).
var preinstalled = map[string][]Dist{
	"python3.12": {
		{"oss2", "2.18.6"},
		{"alibabacloud_ecs20140526", "4.1.9"}, {"alibabacloud_vpc20160428", "6.7.2"}, {"alibabacloud_rds20140815", "6.0.1"},
		{"alibabacloud_kms20160120", "2.2.1"}, {"alibabacloud-mns-open20220119", "1.0.3"}, {"alibabacloud_cdn20180510", "4.0.0"},
		{"alibabacloud_ram20150501", "1.1.0"}, {"alibabacloud_sts20150401", "3.1.0"}, {"alibabacloud_iot20180120", "5.1.0"},
		{"alibabacloud_sls20201230", "5.2.2"},
		{"wand", "0.6.11"}, {"scrapy", "2.11.2"}, {"PyMySQL", "1.4.6"}, {"elasticsearch", "8.14.0"}, {"Pillow", "10.4.0"},
		{"pyOpenSSL", "24.2.1"}, {"redis", "5.0.7"}, {"requests", "2.32.3"},
	},
	"python3.10": {
		{"oss2", "2.16.0"}, {"tablestore", "5.4.1"}, {"aliyun-fc2", "2.5.2"},
		{"aliyun-python-sdk-ecs", "4.24.26"}, {"aliyun-python-sdk-vpc", "3.0.27"}, {"aliyun-python-sdk-rds", "2.7.2"},
		{"aliyun-python-sdk-kms", "2.16.0"}, {"aliyun-mns", "1.1.5"}, {"aliyun-python-sdk-cdn", "3.7.8"},
		{"aliyun-python-sdk-ram", "3.2.0"}, {"aliyun-python-sdk-sts", "3.1.0"}, {"aliyun-python-sdk-iot", "8.47.0"},
		{"aliyun-log-python-sdk", "0.8.0"},
		{"wand", "0.6.10"}, {"scrapy", "2.7.1"}, {"PyMySQL", "1.0.2"}, {"elasticsearch", "8.5.2"}, {"Pillow", "9.3.0"},
		{"pyOpenSSL", "1.0.2"}, {"redis", "4.4.0"}, {"requests", "2.28.1"},
	},
	"python3.9": {
		{"oss2", "2.15.0"}, {"tablestore", "5.2.1"}, {"aliyun-fc2", "2.5.0"},
		{"aliyun-python-sdk-ecs", "4.24.11"}, {"aliyun-python-sdk-vpc", "3.0.15"}, {"aliyun-python-sdk-rds", "2.6.1"},
		{"aliyun-python-sdk-kms", "2.15.0"}, {"aliyun-mns", "1.1.5"}, {"aliyun-python-sdk-cdn", "3.6.7"},
		{"aliyun-python-sdk-ram", "3.2.0"}, {"aliyun-python-sdk-sts", "3.1.0"}, {"aliyun-python-sdk-iot", "8.30.0"},
		{"aliyun-log-python-sdk", "0.7.3"},
		{"wand", "0.6.7"}, {"opencv-python", "4.5.4.58"}, {"numpy", "1.21.4"}, {"scipy", "1.7.2"}, {"matplotlib", "3.4.3"},
	},
	"python3": nil,
}

// Preinstalled returns the distributions FC documents as preinstalled in runtime (e.g.
// "python3.10"), and whether its list is known to be complete (python3.9's and python3's
// are not: see PreinstalledSource).
func Preinstalled(runtime string) (dists []Dist, complete bool) {
	d := preinstalled[runtime]
	return append([]Dist(nil), d...), runtime == "python3.12" || runtime == "python3.10"
}
