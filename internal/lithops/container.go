package lithops

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Lithops 3.7 custom-container runtimes (aliyun_fc deploy_mode: custom-container), as
// lithops/serverless/backends/aliyun_fc/{aliyun_fc,config}.py at tag 3.7.0 define them.
// Function names and runtime keys are the zip mode's (FunctionName, RuntimeKey): Lithops
// computes them the same way in both modes.
const (
	// ContainerRuntime is the FC 3.0 runtime of a container function.
	ContainerRuntime = "custom-container"
	// ContainerHandler is the handler Lithops sets (FC requires one; the image's HTTP
	// server answers every invocation whatever it says).
	ContainerHandler = "container_entry_point.invoke"
	// ContainerPort is config.py's CA_PORT, the port FC sends invocations to.
	ContainerPort = 9000
	// ContainerAccelerationType is customContainerConfig.accelerationType as Lithops sets it.
	ContainerAccelerationType = "Default"
	// ContainerEntryPointSource is where the lithops wheel keeps the container's HTTP entry
	// point; the image has it as container_entry_point.py in ContainerAppHome.
	ContainerEntryPointSource = "lithops/serverless/backends/aliyun_fc/container_entry_point.py"
	// ContainerAppHome is DEFAULT_DOCKERFILE's APP_HOME and WORKDIR: the lithops package
	// and the entry point are unzipped there.
	ContainerAppHome = "/function"
	// DefaultDockerServer is the registry Lithops pushes to when docker_server is unset.
	DefaultDockerServer = "docker.io"
)

// ContainerSupported reports whether this Lithops can deploy custom-container runtimes
// (3.7 and later: the FC 3.0 backend with deploy_mode).
func (l Lithops) ContainerSupported() error {
	if !l.atLeast(3, 7) {
		return fmt.Errorf("lithops-version %s has no custom-container runtimes for aliyun_fc (they came with Lithops 3.7.0): use the zip deploy mode or Lithops >= 3.7.0", l.version)
	}
	return nil
}

// DefaultContainerRuntimeName is Lithops' runtime name in custom-container mode when
// none is configured: default-container-runtime-v{py without the dot}.
func (l Lithops) DefaultContainerRuntimeName(python string) (string, error) {
	if err := l.ContainerSupported(); err != nil {
		return "", err
	}
	name, err := l.DefaultRuntimeName(python)
	if err != nil {
		return "", err
	}
	return strings.Replace(name, "default-python-runtime-", "default-container-runtime-", 1), nil
}

// ContainerModules are what Lithops' DEFAULT_DOCKERFILE pip-installs (with their
// dependencies) beside the lithops package: the HTTP server the entry point runs in
// (gunicorn, flask, gevent), the worker modules and the client libraries Lithops' worker
// uses on FC (redis, requests, PyYAML, oss2), in the Dockerfile's order.
func (l Lithops) ContainerModules() []string {
	return []string{"gunicorn", "flask", "gevent", "six", "pika", "redis", "requests", "PyYAML", "oss2",
		"cloudpickle", "ps-mem", "tblib", "psutil"}
}

// ContainerCommand is how Lithops' image starts its server (DEFAULT_DOCKERFILE's CMD,
// `exec gunicorn --bind 0.0.0.0:${CAPort} ...` with CAPort=9000), as the arguments that
// follow the interpreter in `python -m gunicorn ...`.
func ContainerCommand() []string {
	return []string{"-m", "gunicorn", "--bind", fmt.Sprintf("0.0.0.0:%d", ContainerPort),
		"--workers", "1", "--timeout", "600", "--keep-alive", "95", "container_entry_point:app"}
}

// ContainerEnv is the environment DEFAULT_DOCKERFILE adds to the base image's.
func ContainerEnv() []string {
	return []string{"APP_HOME=" + ContainerAppHome, fmt.Sprintf("CAPort=%d", ContainerPort)}
}

// ImageRepository is the last component of the image's repository: lithops-aliyunfc-{runtime}.
func ImageRepository(runtime string) string { return "lithops-aliyunfc-" + runtime }

// ImageTag is the image's tag: v{version, . as -}, e.g. v3-7-0.
func (l Lithops) ImageTag() string { return "v" + strings.ReplaceAll(l.version, ".", "-") }

// DefaultBaseImage is the base of Lithops' image for the client's Python major.minor:
// build_runtime and _build_default_runtime write FROM python:{CURRENT_PY_VERSION}-slim-bookworm
// before DEFAULT_DOCKERFILE.
func DefaultBaseImage(python string) string { return "python:" + python + "-slim-bookworm" }

// Docker reference grammar (distribution/reference): path components and tags.
var (
	pathComponentRE = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$`)
	tagRE           = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
)

// ImageName is Lithops' _format_image_name: {server}/{user}/lithops-aliyunfc-{runtime}:v{version
// with . as -}, without the server when it is docker.io (or empty, Lithops' default),
// and runtime itself when it already names an image (it holds both "/" and ":"). server
// and user are Lithops' docker_server and docker_user. A name that is not a valid image
// reference (upper-case letters, for one) is an error naming the input to change.
func (l Lithops) ImageName(server, user, runtime string) (string, error) {
	if err := l.ContainerSupported(); err != nil {
		return "", err
	}
	if strings.Contains(runtime, "/") && strings.Contains(runtime, ":") {
		return runtime, nil
	}
	if runtime == "" {
		return "", errors.New("runtime-name is empty: set it, or leave it unset for Lithops' default")
	}
	if user == "" {
		return "", errors.New("the image name needs the registry namespace (Lithops' docker_user): set it with the registry input, e.g. registry.cn-hangzhou.aliyuncs.com/<namespace>")
	}
	if server == "" {
		server = DefaultDockerServer
	}
	repo := user + "/" + ImageRepository(runtime)
	tag := l.ImageTag()
	for _, c := range strings.Split(repo, "/") {
		if !pathComponentRE.MatchString(c) {
			return "", fmt.Errorf("image repository %q: %q is not a valid path component (lower-case letters, digits and single . _ or - between them): change runtime-name or the registry namespace", repo, c)
		}
	}
	if !tagRE.MatchString(tag) {
		return "", fmt.Errorf("image tag %q from lithops-version %q is not a valid tag", tag, l.version)
	}
	if server == DefaultDockerServer {
		return repo + ":" + tag, nil
	}
	return server + "/" + repo + ":" + tag, nil
}
