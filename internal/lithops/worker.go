package lithops

// Lithops' zip runtimes (aliyun_fc's default deploy mode), as
// lithops/serverless/backends/aliyun_fc/aliyun_fc.py creates their functions in every 3.x
// release.
const (
	// EntryPointSource is where the lithops wheel keeps the FC handler module; the zip's
	// root has it as entry_point.py.
	EntryPointSource = "lithops/serverless/backends/aliyun_fc/entry_point.py"
	// EntryPoint is that module's path in the zip.
	EntryPoint = "entry_point.py"
	// Handler is the handler of a worker function: main in entry_point.py.
	Handler = "entry_point.main"
	// InternetAccess is set on every worker function (on FC 2.0, on its service): the
	// workers reach OSS and Lithops' monitoring.
	InternetAccess = true
)
