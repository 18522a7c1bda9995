package wheeltest

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/lithops-fc/runtime-action/internal/fcruntime"
)

// This file holds FIXTURE distributions: stand-ins for lithops and its worker modules,
// small enough to read, importable on every CPython from 3.6, and clearly not the real
// packages (each Summary starts with "FIXTURE" and each module sets FIXTURE = True).
// They follow the real packages' layout and, for lithops, the aliyun_fc handler
// protocol: lithops/serverless/backends/aliyun_fc/entry_point.py main(event, context)
// answers {"get_metadata": true} with preinstalls, python_version and lithops_version,
// computed as lithops/worker/utils.py get_runtime_metadata does.

const fixtureNote = "# FIXTURE built by internal/python/wheeltest: a stand-in for the real package for tests.\n"

// Lithops returns the FIXTURE lithops distribution at version (e.g. "3.7.0"). Its METADATA
// declares the real client-side requirements of that Lithops line (Click, PyYAML,
// requests, paramiko, ...; plus the "aliyun" extra), which a runtime must NOT contain.
//
// Its entry point imports, by the time get_metadata answers, what the real one imports
// from outside the lithops package (found by running the entry point of the 3.6.4 and
// 3.7.0 sources): six (lithops.future, also lithops.retries from 3.7), cloudpickle,
// pika, tblib, ps_mem, psutil, and requests (lithops.worker.jobrunner). Lithops ships
// neither six (before 3.7) nor requests: on FC they are preinstalled (FCPreinstalled).
func Lithops(version string) Wheel {
	fc3 := atLeast(version, 3, 7)
	init := fixtureNote + "from lithops.version import __version__  # noqa: F401\n" +
		"from lithops import future  # noqa: F401  (FunctionExecutor's futures import six)\n"
	if fc3 {
		init += "from lithops import retries  # noqa: F401  (Lithops >= 3.7 imports six here)\n"
	}
	init += "\nFIXTURE = True\n"
	files := map[string][]byte{
		"lithops/__init__.py": []byte(init),
		"lithops/version.py": []byte(fixtureNote + "\n__version__ = \"" + version + "\"\n\n" +
			"if __name__ == \"__main__\":\n    print(__version__)\n"),
		"lithops/utils.py": []byte(fixtureNote + `import logging


def setup_lithops_logger(log_level=logging.INFO):
    """Configure the 'lithops' logger like the real helper: level and a stream handler."""
    logger = logging.getLogger('lithops')
    logger.setLevel(log_level)
    if not logger.handlers:
        logger.addHandler(logging.StreamHandler())
`),
		"lithops/worker/__init__.py": []byte(fixtureNote + "from .handler import function_handler  # noqa: F401\n" +
			"from .invoker import function_invoker  # noqa: F401\n"),
		"lithops/future.py": []byte(fixtureNote + "from six import reraise  # noqa: F401\n"),
		"lithops/worker/jobrunner.py": []byte(fixtureNote + `# The real job runner imports requests at import time (FC preinstalls it).
import requests  # noqa: F401
`),
		"lithops/worker/handler.py": []byte(fixtureNote + `# The real handler needs these worker modules at import time.
import cloudpickle  # noqa: F401
import pika  # noqa: F401
from tblib import pickling_support  # noqa: F401

from lithops.worker import jobrunner  # noqa: F401


def function_handler(payload):
    raise NotImplementedError('the FIXTURE lithops cannot run jobs')
`),
		"lithops/worker/invoker.py": []byte(fixtureNote + `def function_invoker(payload):
    raise NotImplementedError('the FIXTURE lithops cannot invoke jobs')
`),
		"lithops/worker/utils.py": []byte(fixtureNote + `import pkgutil
import sys

from lithops.version import __version__ as lithops_ver

try:
    import psutil  # noqa: F401
    psutil_found = True
except ModuleNotFoundError:
    psutil_found = False

import ps_mem  # noqa: F401  (imported on every Unix host, as in Lithops)


def get_runtime_metadata():
    """Lithops' runtime metadata: every importable top-level module on sys.path as
    [name, is_pkg] (sorted), the interpreter's major.minor and the lithops version."""
    modules = sorted([name, is_pkg] for _, name, is_pkg in pkgutil.iter_modules())
    return {
        "preinstalls": modules,
        "python_version": "%d.%d" % sys.version_info[:2],
        "lithops_version": lithops_ver,
    }
`),
		"lithops/serverless/__init__.py":                    []byte(fixtureNote),
		"lithops/serverless/backends/__init__.py":           []byte(fixtureNote),
		"lithops/serverless/backends/aliyun_fc/__init__.py": []byte(fixtureNote),
		"lithops/serverless/backends/aliyun_fc/entry_point.py": []byte(fixtureNote + `# FC calls main(event, context) with the invocation payload (JSON bytes) and a context
# carrying request_id; the return value is FC's response.
import json
import logging
import os

from lithops.version import __version__
from lithops.utils import setup_lithops_logger
from lithops.worker import function_handler, function_invoker
from lithops.worker.utils import get_runtime_metadata

logger = logging.getLogger('lithops.worker')


def main(event, context):
    args = json.loads(event)
    os.environ['__LITHOPS_ACTIVATION_ID'] = context.request_id
    os.environ['__LITHOPS_BACKEND'] = 'Aliyun Function Compute'
    setup_lithops_logger(args.get('log_level', logging.INFO))

    if 'get_metadata' in args:
        logger.info("Lithops v%s - Generating metadata", __version__)
        return get_runtime_metadata()
    if 'remote_invoker' in args:
        function_invoker(args)
    else:
        function_handler(args)
    return {"Execution": "Finished"}
`),
	}
	if fc3 {
		files["lithops/retries.py"] = []byte(fixtureNote + "from six import reraise  # noqa: F401\n")
	}
	aliyun := []string{`aliyun-fc2; extra == "aliyun"`, `oss2; extra == "aliyun"`}
	if fc3 {
		aliyun = []string{`alibabacloud-fc20230330>=4.7.0; extra == "aliyun"`, `oss2; extra == "aliyun"`}
	}
	requires := []string{"Click", "tabulate", "six", "PyYAML", "pika", "tqdm", "tblib",
		"requests", "paramiko", "cloudpickle", "ps-mem", "psutil"}
	return Wheel{
		Name:    "lithops",
		Version: version,
		Metadata: Metadata{
			Summary:        "FIXTURE: stand-in for Lithops (layout and aliyun_fc protocol only), built by wheeltest",
			RequiresPython: ">=3.6",
			RequiresDist:   append(append(requires, `boto3; extra == "aws"`), aliyun...),
			ProvidesExtra:  []string{"aliyun", "aws"},
		},
		Files: files,
	}
}

// atLeast reports whether a release version's major.minor is at least major.minor. The
// fixtures only ever see plain release versions chosen by tests.
func atLeast(version string, major, minor int) bool {
	f := strings.SplitN(version, ".", 3)
	if len(f) < 2 {
		panic(fmt.Sprintf("wheeltest: fixture version %q is not major.minor[.micro]", version))
	}
	ma, err1 := strconv.Atoi(f[0])
	mi, err2 := strconv.Atoi(f[1])
	if err1 != nil || err2 != nil {
		panic(fmt.Sprintf("wheeltest: fixture version %q is not major.minor[.micro]", version))
	}
	return ma > major || ma == major && mi >= minor
}

// workerFixtures returns the FIXTURE worker modules Lithops installs beside itself.
func workerFixtures() map[string]Wheel {
	return map[string]Wheel{
		"pika": fixture("pika", "1.3.2", map[string]string{
			"pika/__init__.py": "__version__ = '1.3.2'\n\n\nclass BlockingConnection:\n    def __init__(self, *a, **kw):\n        raise NotImplementedError('FIXTURE pika has no broker')\n",
		}),
		"tblib": fixture("tblib", "3.1.0", map[string]string{
			"tblib/__init__.py":         "__version__ = '3.1.0'\n",
			"tblib/pickling_support.py": "def install(*exc_classes):\n    \"\"\"FIXTURE: the real one makes tracebacks picklable.\"\"\"\n",
		}),
		"cloudpickle": fixture("cloudpickle", "3.1.1", map[string]string{
			"cloudpickle/__init__.py": "import pickle\n\n__version__ = '3.1.1'\ndumps, loads = pickle.dumps, pickle.loads\n",
		}),
		"ps-mem": fixture("ps-mem", "3.14", map[string]string{
			"ps_mem.py": "def verify_environment(pids_to_show):\n    pass\n\n\ndef human(num, power='Ki', units=None):\n    return num\n",
		}),
		"psutil": fixture("psutil", "7.0.0", map[string]string{
			"psutil/__init__.py": "__version__ = '7.0.0'\n\n\ndef cpu_percent(interval=None, percpu=False):\n    return [0.0] if percpu else 0.0\n",
		}),
		"six": fixture("six", "1.17.0", map[string]string{
			"six.py": "__version__ = '1.17.0'\nPY3 = True\n\n\ndef reraise(tp, value, tb=None):\n    raise value.with_traceback(tb)\n",
		}),
	}
}

func fixture(name, version string, files map[string]string) Wheel {
	w := Wheel{
		Name:     name,
		Version:  version,
		Metadata: Metadata{Summary: "FIXTURE: tiny stand-in for " + name + ", built by wheeltest", RequiresPython: ">=3.6"},
		Files:    map[string][]byte{},
	}
	tops := map[string]bool{}
	for p, src := range files {
		w.Files[p] = []byte(fixtureNote + src + "\nFIXTURE = True\n")
		tops[strings.TrimSuffix(strings.SplitN(p, "/", 2)[0], ".py")] = true
	}
	var tl []string
	for t := range tops {
		tl = append(tl, t)
	}
	sort.Strings(tl)
	w.Files[w.DistInfo()+"/top_level.txt"] = []byte(strings.Join(tl, "\n") + "\n")
	return w
}

// WorkerNames lists the FIXTURE worker distributions, in Lithops' order
// ("six" is only a worker module from Lithops 3.7).
func WorkerNames() []string {
	return []string{"six", "pika", "tblib", "cloudpickle", "ps-mem", "psutil"}
}

// Worker returns the FIXTURE worker distribution name (one of WorkerNames).
func Worker(name string) Wheel {
	w, ok := workerFixtures()[name]
	if !ok {
		panic("wheeltest: no worker fixture " + name)
	}
	return w
}

// Workers returns the FIXTURE worker distributions Lithops at version installs:
// pika, tblib, cloudpickle, ps-mem, psutil, and six from 3.7.
func Workers(version string) []Wheel {
	var out []Wheel
	for _, n := range WorkerNames() {
		if n == "six" && !atLeast(version, 3, 7) {
			continue
		}
		out = append(out, Worker(n))
	}
	return out
}

// FCPreinstalled returns FIXTURE stand-ins for what FC's Python runtime (e.g.
// "python3.12") preinstalls and Lithops' worker imports: requests at the runtime's
// documented version (fcruntime.Preinstalled; 2.27.1 where FC's page gives none), oss2
// at its documented version requiring requests and six, and six. A test gives them to
// the emulator (fcemu.WithPreinstalled), as FC has them, or serves them for --local.
func FCPreinstalled(runtime string) []Wheel {
	version := func(name, def string) string {
		dists, _ := fcruntime.Preinstalled(runtime)
		for _, d := range dists {
			if d.Name == name {
				return d.Version
			}
		}
		return def
	}
	req := fixture("requests", version("requests", "2.27.1"), map[string]string{
		"requests/__init__.py": "__version__ = '" + version("requests", "2.27.1") + "'\n\n\ndef get(url, **kw):\n    raise NotImplementedError('FIXTURE requests has no network')\n",
	})
	oss2 := fixture("oss2", version("oss2", "2.15.0"), map[string]string{
		"oss2/__init__.py": "import requests  # noqa: F401\nimport six  # noqa: F401\n\n__version__ = '" + version("oss2", "2.15.0") + "'\n",
	})
	oss2.Metadata.RequiresDist = []string{"requests", "six"}
	return []Wheel{oss2, req, Worker("six")}
}
