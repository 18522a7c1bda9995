package lithops

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The vectors below were computed with Lithops 3.7.0's own methods: the script
// testdata/container_vectors.py extracts _format_function_name, _get_default_runtime_name,
// _use_custom_container, _format_image_name and get_runtime_key from
//
//	git -C /work/.mirror/lithops-cloud+lithops/repo show 3.7.0:lithops/serverless/backends/aliyun_fc/aliyun_fc.py
//
// with Python's ast module and runs them (python3 3.11) on a stand-in self
// (deploy_mode, config with docker_server/docker_user, region cn-hangzhou,
// utils.CURRENT_PY_VERSION); TestContainerVectorsFromLithops reruns it when the mirror
// is there.

func TestDefaultContainerRuntimeName(t *testing.T) {
	l := mustNew(t, "3.7.0")
	for py, want := range map[string]string{
		// Lithops 3.7.0 _get_default_runtime_name with deploy_mode custom-container.
		"3.9": "default-container-runtime-v39", "3.10": "default-container-runtime-v310", "3.12": "default-container-runtime-v312",
	} {
		if got, err := l.DefaultContainerRuntimeName(py); got != want || err != nil {
			t.Errorf("DefaultContainerRuntimeName(%s) = %q, %v; Lithops computes %q", py, got, err, want)
		}
	}
	if _, err := mustNew(t, "3.6.4").DefaultContainerRuntimeName("3.10"); err == nil || !strings.Contains(err.Error(), "3.7.0") {
		t.Errorf("3.6.4 container runtime name: %v, want an error", err)
	}
}

func TestImageName(t *testing.T) {
	tests := []struct {
		server, user, runtime, version string
		want                           string // or "error: substrings|..."
	}{
		// Lithops 3.7.0 _format_image_name.
		{"docker.io", "lithopscloud", "default-container-runtime-v312", "3.7.0", "lithopscloud/lithops-aliyunfc-default-container-runtime-v312:v3-7-0"},
		{"registry.cn-hangzhou.aliyuncs.com", "my-ns", "my-torch-runtime", "3.7.0", "registry.cn-hangzhou.aliyuncs.com/my-ns/lithops-aliyunfc-my-torch-runtime:v3-7-0"},
		{"registry-vpc.cn-shanghai.aliyuncs.com", "team", "default-container-runtime-v310", "3.7.1.dev0", "registry-vpc.cn-shanghai.aliyuncs.com/team/lithops-aliyunfc-default-container-runtime-v310:v3-7-1-dev0"},
		{"myinst-registry.cn-beijing.cr.aliyuncs.com", "ns", "rt_1", "3.7.0", "myinst-registry.cn-beijing.cr.aliyuncs.com/ns/lithops-aliyunfc-rt_1:v3-7-0"},
		{"", "someone", "scipy-rt", "3.7.0", "someone/lithops-aliyunfc-scipy-rt:v3-7-0"}, // docker_server unset: docker.io
		{"docker.io", "u", "registry.example.com/ns/custom:tag", "3.7.0", "registry.example.com/ns/custom:tag"},
		{"registry.cn-hangzhou.aliyuncs.com", "u", "ns/only-slash", "3.7.0", "registry.cn-hangzhou.aliyuncs.com/u/lithops-aliyunfc-ns/only-slash:v3-7-0"},
		// Names Lithops would build but docker refuses: said before anything is built.
		{"docker.io", "u", "MyRuntime", "3.7.0", "error: lithops-aliyunfc-MyRuntime|runtime-name"},
		{"docker.io", "", "rt", "3.7.0", "error: docker_user|registry"},
		{"docker.io", "u", "rt", "3.6.4", "error: 3.7.0"},
	}
	for _, tt := range tests {
		got, err := mustNew(t, tt.version).ImageName(tt.server, tt.user, tt.runtime)
		if want, isErr := strings.CutPrefix(tt.want, "error: "); isErr {
			for _, s := range strings.Split(want, "|") {
				if err == nil || !strings.Contains(err.Error(), s) {
					t.Errorf("ImageName(%q, %q, %q) @%s = %q, %v; want an error containing %q", tt.server, tt.user, tt.runtime, tt.version, got, err, s)
				}
			}
			continue
		}
		if got != tt.want || err != nil {
			t.Errorf("ImageName(%q, %q, %q) @%s = %q, %v; Lithops computes %q", tt.server, tt.user, tt.runtime, tt.version, got, err, tt.want)
		}
	}
}

// TestContainerFunctionNames: function names and runtime keys of container runtimes are
// the zip mode's; vectors from Lithops 3.7.0's _format_function_name and get_runtime_key.
func TestContainerFunctionNames(t *testing.T) {
	l := mustNew(t, "3.7.0")
	for _, tt := range []struct {
		runtime       string
		memory        int
		function, key string
	}{
		{"default-container-runtime-v312", 256, "lithops-worker-default-container-runtime-v312-v3-7-0-72acd66fe9", "aliyun_fc/3.7.0/cn-hangzhou/lithops-worker-default-container-runtime-v312-v3-7-0-72acd66fe9"},
		{"default-container-runtime-v39", 1024, "lithops-worker-default-container-runtime-v39-v3-7-0-56d1f80346", "aliyun_fc/3.7.0/cn-hangzhou/lithops-worker-default-container-runtime-v39-v3-7-0-56d1f80346"},
		{"my-torch-runtime", 4096, "lithops-worker-my-torch-runtime-v3-7-0-058d54e457", "aliyun_fc/3.7.0/cn-hangzhou/lithops-worker-my-torch-runtime-v3-7-0-058d54e457"},
	} {
		fn, err := l.FunctionName(tt.runtime, tt.memory)
		if err != nil || fn != tt.function {
			t.Errorf("FunctionName(%s, %d) = %q, %v; Lithops computes %q", tt.runtime, tt.memory, fn, err, tt.function)
			continue
		}
		if key, err := l.RuntimeKey("cn-hangzhou", "", fn); key != tt.key || err != nil {
			t.Errorf("RuntimeKey(%s) = %q, %v; Lithops computes %q", fn, key, err, tt.key)
		}
	}
	// The longest default container name still makes a valid FC function name.
	if _, err := l.FunctionName("default-container-runtime-v310", 32768); err != nil {
		t.Errorf("default container runtime for 3.10: %v", err)
	}
}

// lithopsMirror is the bare git mirror of lithops-cloud/lithops the team keeps beside the
// worktrees (the team's rule: check Lithops itself, never memory of it).
const lithopsMirror = "/work/.mirror/lithops-cloud+lithops/repo"

// TestContainerVectorsFromLithops reruns testdata/container_vectors.py on Lithops 3.7.0's
// tagged source and compares every convention above with what Lithops computes.
func TestContainerVectorsFromLithops(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("SKIPPED: python3 is not on PATH")
	}
	show := func(path string) string {
		out, err := exec.Command("git", "-C", lithopsMirror, "show", "3.7.0:"+path).Output()
		if err != nil {
			t.Skipf("SKIPPED: no Lithops mirror at %s (%v)", lithopsMirror, err)
		}
		f := filepath.Join(t.TempDir(), filepath.Base(path))
		if err := os.WriteFile(f, out, 0o644); err != nil {
			t.Fatal(err)
		}
		return f
	}
	aliyun := show("lithops/serverless/backends/aliyun_fc/aliyun_fc.py")
	config := show("lithops/serverless/backends/aliyun_fc/config.py")

	type imageCase struct {
		Config  map[string]string `json:"config"`
		Runtime string            `json:"runtime"`
	}
	cases := struct {
		Pythons   []string    `json:"pythons"`
		Images    []imageCase `json:"images"`
		Functions [][3]any    `json:"functions"`
	}{
		Pythons: []string{"3.9", "3.10", "3.12"},
		Images: []imageCase{
			{map[string]string{"docker_user": "lithopscloud"}, "default-container-runtime-v312"},
			{map[string]string{"docker_server": "docker.io", "docker_user": "a"}, "rt"},
			{map[string]string{"docker_server": "registry.cn-hangzhou.aliyuncs.com", "docker_user": "my-ns"}, "my-torch-runtime"},
			{map[string]string{"docker_server": "127.0.0.1:5000", "docker_user": "ns"}, "x_y-z"},
			{map[string]string{"docker_user": "u"}, "reg.example.com/ns/img:tag"},
		},
		Functions: [][3]any{{"default-container-runtime-v310", 512, "3.7.0"}, {"rt", 128, "3.7.0"}},
	}
	in, _ := json.Marshal(cases)
	cmd := exec.Command(py, "testdata/container_vectors.py", aliyun, config, "3.7.0")
	cmd.Stdin = bytes.NewReader(in)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("container_vectors.py: %v", err)
	}
	var got struct {
		DefaultRuntimes map[string]string `json:"default_runtimes"`
		Images          []string          `json:"images"`
		Functions       [][2]string       `json:"functions"`
		CAPort          int               `json:"ca_port"`
		PipInstall      []string          `json:"pip_install"`
		Env             []string          `json:"env"`
		Workdir         string            `json:"workdir"`
		Cmd             string            `json:"cmd"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%s: %v", out, err)
	}
	l := mustNew(t, "3.7.0")
	for py, want := range got.DefaultRuntimes {
		if name, err := l.DefaultContainerRuntimeName(py); name != want || err != nil {
			t.Errorf("DefaultContainerRuntimeName(%s) = %q, %v; Lithops: %q", py, name, err, want)
		}
	}
	for i, c := range cases.Images {
		if name, err := l.ImageName(c.Config["docker_server"], c.Config["docker_user"], c.Runtime); name != got.Images[i] || err != nil {
			t.Errorf("ImageName(%v, %s) = %q, %v; Lithops: %q", c.Config, c.Runtime, name, err, got.Images[i])
		}
	}
	for i, c := range cases.Functions {
		fn, err := mustNew(t, c[2].(string)).FunctionName(c[0].(string), c[1].(int))
		key, _ := l.RuntimeKey("cn-hangzhou", "", fn)
		if fn != got.Functions[i][0] || key != got.Functions[i][1] || err != nil {
			t.Errorf("FunctionName/RuntimeKey%v = %q, %q, %v; Lithops: %v", c, fn, key, err, got.Functions[i])
		}
	}
	if got.CAPort != ContainerPort {
		t.Errorf("CA_PORT %d, ContainerPort %d", got.CAPort, ContainerPort)
	}
	if a, b := strings.Join(got.PipInstall, " "), strings.Join(l.ContainerModules(), " "); a != b {
		t.Errorf("DEFAULT_DOCKERFILE installs %s; ContainerModules %s", a, b)
	}
	if a, b := strings.Join(got.Env, " "), strings.Join(ContainerEnv(), " "); a != b {
		t.Errorf("DEFAULT_DOCKERFILE ENV %s; ContainerEnv %s", a, b)
	}
	if got.Workdir != "${APP_HOME}" {
		t.Errorf("WORKDIR %s", got.Workdir)
	}
	// Lithops: `exec gunicorn --bind 0.0.0.0:${CAPort} ARGS`; ours: `python -m gunicorn
	// --bind 0.0.0.0:9000 ARGS` (no shell, no console script: see ContainerCommand).
	want := strings.Replace(strings.TrimPrefix(got.Cmd, "exec gunicorn "), "${CAPort}", strconv.Itoa(ContainerPort), 1)
	if ours := strings.Join(ContainerCommand()[2:], " "); ours != want {
		t.Errorf("Lithops CMD %q; ContainerCommand %q", got.Cmd, ours)
	}
}
