package inputs_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/lithops-fc/runtime-action/internal/inputs"
)

// TestFoldersSharedWithTheHost: in a container action, output-dir and cache-dir must be
// on a folder the runner mounted from the host, or what the step writes there is lost
// when it ends (the step would still pass). The runner translates a host path under a
// mounted folder to the container's (/github/...); one it did not mount arrives as given.
func TestFoldersSharedWithTheHost(t *testing.T) {
	const hostTemp = "/home/runner/work/_temp"
	container := func(runnerTemp string, in map[string]string) map[string]string {
		env := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": "/github/workspace",
			"HOME": "/github/home", "RUNNER_TEMP": runnerTemp}
		for k, v := range in {
			env[k] = v
		}
		return env
	}
	tests := []struct {
		name    string
		env     map[string]string
		refused []string // inputs refused, in order
	}{
		{"defaults: in the workspace", container("/github/runner_temp", nil), nil},
		{"relative cache-dir", container(hostTemp, map[string]string{"INPUT_CACHE-DIR": ".cache/wheels"}), nil},
		{"${{ github.workspace }}/x, translated", container(hostTemp, map[string]string{"INPUT_CACHE-DIR": "/github/workspace/x"}), nil},
		{"${{ runner.temp }}/x on runner >= 2.329 (mounted, translated)",
			container("/github/runner_temp", map[string]string{"INPUT_CACHE-DIR": "/github/runner_temp/x", "INPUT_OUTPUT-DIR": "/github/runner_temp/out"}), nil},
		{"HOME (/github/home, kept for the job)", container(hostTemp, map[string]string{"INPUT_CACHE-DIR": "/github/home/.cache/x"}), nil},
		{"${{ runner.temp }}/x on runner < 2.329 (not mounted)",
			container(hostTemp, map[string]string{"INPUT_CACHE-DIR": hostTemp + "/x"}), []string{"cache-dir"}},
		{"/github/runner_temp given by hand on runner < 2.329",
			container(hostTemp, map[string]string{"INPUT_CACHE-DIR": "/github/runner_temp/x"}), []string{"cache-dir"}},
		{"both outside, /tmp and ..",
			container("/github/runner_temp", map[string]string{"INPUT_OUTPUT-DIR": "/tmp/out", "INPUT_CACHE-DIR": "../cache"}), []string{"output-dir", "cache-dir"}},
		{"a workspace look-alike", container("/github/runner_temp", map[string]string{"INPUT_CACHE-DIR": "/github/workspace2/x"}), []string{"cache-dir"}},
		{"not in a container: any absolute path is the host's",
			map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": "/home/runner/work/r/r", "INPUT_CACHE-DIR": hostTemp + "/x"}, nil},
		{"laptop", map[string]string{"GITHUB_WORKSPACE": "/home/me/proj", "INPUT_CACHE-DIR": "/tmp/x"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.env["INPUT_DRY-RUN"] = "true" // nothing else to give
			_, err := load(tt.env)
			var got []string
			for _, e := range inputs.Errors(err) {
				got = append(got, e.Input)
				if !strings.Contains(e.Problem, "lost when the step ends") || !strings.Contains(e.Fix, "relative to the workspace") {
					t.Errorf("message does not say why and what to do: %v", e)
				}
			}
			if err != nil && len(got) == 0 {
				t.Fatalf("error %v is not an input error", err)
			}
			if strings.Join(got, ",") != strings.Join(tt.refused, ",") {
				t.Errorf("refused %q, want %q (error: %v)", got, tt.refused, err)
			}
			if err != nil && !errors.As(err, new(*inputs.Error)) {
				t.Errorf("not an *inputs.Error: %v", err)
			}
		})
	}
}

// TestContainerInputs: the registry input is read as docker reads an image name (a first
// component with a dot, a port or localhost is the server, else docker.io, Lithops'
// default); the container inputs apply to deploy-mode: container only, and a container
// deploy needs a registry.
func TestContainerInputs(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    inputs.Registry
		refused []string
	}{
		{"ACR personal edition", map[string]string{"INPUT_REGISTRY": "registry.cn-hangzhou.aliyuncs.com/my-ns"},
			inputs.Registry{Server: "registry.cn-hangzhou.aliyuncs.com", Namespace: "my-ns"}, nil},
		{"trailing slash", map[string]string{"INPUT_REGISTRY": "registry-vpc.cn-shanghai.aliyuncs.com/team/"},
			inputs.Registry{Server: "registry-vpc.cn-shanghai.aliyuncs.com", Namespace: "team"}, nil},
		{"a port", map[string]string{"INPUT_REGISTRY": "127.0.0.1:5000/ns/sub"}, inputs.Registry{Server: "127.0.0.1:5000", Namespace: "ns/sub"}, nil},
		{"localhost", map[string]string{"INPUT_REGISTRY": "localhost/ns"}, inputs.Registry{Server: "localhost", Namespace: "ns"}, nil},
		{"Docker Hub user alone", map[string]string{"INPUT_REGISTRY": "lithopscloud"}, inputs.Registry{Server: "docker.io", Namespace: "lithopscloud"}, nil},
		{"scheme", map[string]string{"INPUT_REGISTRY": "https://registry.cn-hangzhou.aliyuncs.com/ns"}, inputs.Registry{}, []string{"registry"}},
		{"server without namespace", map[string]string{"INPUT_REGISTRY": "registry.cn-hangzhou.aliyuncs.com"}, inputs.Registry{}, []string{"registry"}},
		{"upper case namespace", map[string]string{"INPUT_REGISTRY": "registry.cn-hangzhou.aliyuncs.com/MyNs"}, inputs.Registry{}, []string{"registry"}},
		{"longest namespace", map[string]string{"INPUT_REGISTRY": "r.example.com/" + strings.Repeat("n", 255-len("r.example.com/")-len("/lithops-aliyunfc-")-inputs.MaxRuntimeName)},
			inputs.Registry{Server: "r.example.com", Namespace: strings.Repeat("n", 255-len("r.example.com/")-len("/lithops-aliyunfc-")-inputs.MaxRuntimeName)}, nil},
		{"namespace too long for an image name", map[string]string{"INPUT_REGISTRY": "r.example.com/" + strings.Repeat("n", 256-len("r.example.com/")-len("/lithops-aliyunfc-")-inputs.MaxRuntimeName)},
			inputs.Registry{}, []string{"registry"}},
		{"bad base image", map[string]string{"INPUT_BASE-IMAGE": "Python:3.12 slim"}, inputs.Registry{}, []string{"base-image"}},
		{"user without password", map[string]string{"INPUT_REGISTRY": "r.example.com/ns", "INPUT_REGISTRY-USERNAME": "me"},
			inputs.Registry{Server: "r.example.com", Namespace: "ns"}, []string{"registry-password"}},
		{"password without registry", map[string]string{"INPUT_REGISTRY-PASSWORD": "pw"}, inputs.Registry{}, []string{"registry"}},
		{"deploy without registry", map[string]string{"INPUT_DRY-RUN": "false", "INPUT_REGION": "cn-hangzhou", "INPUT_ACCOUNT-ID": "1",
			"INPUT_ROLE-ARN": "acs:ram::1:role/r", "INPUT_ACCESS-KEY-ID": "k", "INPUT_ACCESS-KEY-SECRET": "s"}, inputs.Registry{}, []string{"registry"}},
		{"zip with a registry", map[string]string{"INPUT_DEPLOY-MODE": "zip", "INPUT_REGISTRY": "r.example.com/ns", "INPUT_BASE-IMAGE": "python:3.12"},
			inputs.Registry{}, []string{"base-image", "registry"}},
		{"unknown mode", map[string]string{"INPUT_DEPLOY-MODE": "docker"}, inputs.Registry{}, []string{"deploy-mode"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"INPUT_DRY-RUN": "true", "INPUT_DEPLOY-MODE": "container"}
			for k, v := range tt.env {
				env[k] = v
			}
			cfg, err := load(env)
			var got []string
			for _, e := range inputs.Errors(err) {
				got = append(got, e.Input)
				if e.Fix == "" {
					t.Errorf("%v: no fix", e)
				}
				if strings.Contains(e.Error(), "pw") && e.Input == "registry" && tt.env["INPUT_REGISTRY-PASSWORD"] != "" {
					t.Errorf("the password shows: %v", e)
				}
			}
			if err != nil && len(got) == 0 {
				t.Fatalf("error %v is not an input error", err)
			}
			if strings.Join(got, ",") != strings.Join(tt.refused, ",") {
				t.Errorf("refused %q, want %q (error: %v)", got, tt.refused, err)
			}
			if err == nil && cfg.Registry != tt.want {
				t.Errorf("registry %+v, want %+v", cfg.Registry, tt.want)
			}
		})
	}
	cfg, err := load(map[string]string{"INPUT_DRY-RUN": "true", "INPUT_DEPLOY-MODE": "container", "INPUT_REGISTRY": "r.example.com/ns", "INPUT_REGISTRY-PASSWORD": "s3cr3t"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(cfg.Secrets(), "s3cr3t") || strings.Contains(cfg.String(), "s3cr3t") {
		t.Errorf("registry-password is not a secret: %v, %s", cfg.Secrets(), cfg)
	}
}

// FuzzRegistryInput: whatever the registry input holds, it is refused, or it makes a
// valid image reference the way Lithops builds one ({registry}/lithops-aliyunfc-{runtime}:
// v{version}), with the server docker reads from it.
func FuzzRegistryInput(f *testing.F) {
	for _, s := range []string{"registry.cn-hangzhou.aliyuncs.com/ns", "lithopscloud", "127.0.0.1:5000/a/b", "localhost/x", "a.b/C", "x:y", "/", "a//b", "r.io/ns/"} {
		f.Add(s)
	}
	// Found by this target: a namespace too long for any image name (255 characters).
	f.Add(strings.Repeat("0", 240))
	f.Fuzz(func(t *testing.T, s string) {
		cfg, err := load(map[string]string{"INPUT_DRY-RUN": "true", "INPUT_DEPLOY-MODE": "container", "INPUT_REGISTRY": s})
		if err != nil {
			if len(inputs.Errors(err)) == 0 {
				t.Fatalf("%q: not an input error: %v", s, err)
			}
			return
		}
		r := cfg.Registry
		if strings.TrimSpace(s) == "" {
			if !r.IsZero() {
				t.Fatalf("empty input made %+v", r)
			}
			return
		}
		ref, err := name.ParseReference(r.String()+"/lithops-aliyunfc-rt:v3-7-0", name.StrictValidation)
		if err != nil {
			t.Fatalf("%q → %+v: not a valid image reference: %v", s, r, err)
		}
		if want := r.Server; want != "docker.io" && ref.Context().RegistryStr() != want {
			t.Fatalf("%q → server %s, docker reads %s", s, want, ref.Context().RegistryStr())
		}
	})
}
