package imagetest

import (
	"github.com/lithops-fc/runtime-action/internal/python/wheeltest"
)

// This file holds FIXTURE distributions for the container runtime: stand-ins for the
// HTTP server Lithops' container entry point runs in (flask, gunicorn), small enough to
// read and importable on every CPython from 3.6, and the FIXTURE lithops with a
// container_entry_point.py that follows the real one's protocol.

const note = "# FIXTURE built by internal/image/imagetest: a stand-in for the real package for tests.\n"

// ContainerEntryPoint is a FIXTURE lithops/serverless/backends/aliyun_fc/container_entry_point.py:
// Lithops 3.7.0's protocol (a Flask app; POST /initialize; POST /invoke with the
// payload as body: get_metadata answers the runtime metadata, anything else runs the
// FIXTURE worker).
const ContainerEntryPoint = note + `import json
import logging
import os

from flask import Flask, request

from lithops.version import __version__
from lithops.utils import setup_lithops_logger
from lithops.worker import function_handler, function_invoker
from lithops.worker.utils import get_runtime_metadata

logger = logging.getLogger('lithops.worker')

app = Flask(__name__)


@app.route('/initialize', methods=['POST'])
def initialize():
    return 'Function is initialized, request_id: %s\n' % request.headers.get('x-fc-request-id', '')


@app.route('/invoke', methods=['POST'])
def invoke():
    os.environ['__LITHOPS_ACTIVATION_ID'] = request.headers.get('x-fc-request-id', '')
    os.environ['__LITHOPS_BACKEND'] = 'Aliyun Function Compute'
    raw = request.get_data()
    if not raw:
        return 'Empty event\n', 400
    args = json.loads(raw.decode('utf-8'))
    setup_lithops_logger(args.get('log_level', logging.INFO))
    if args.get('get_metadata'):
        logger.info('Lithops v%s - Generating metadata', __version__)
        return json.dumps(get_runtime_metadata()), 200, {'Content-Type': 'application/json'}
    if 'remote_invoker' in args:
        function_invoker(args)
    else:
        function_handler(args)
    return json.dumps({'Execution': 'Finished'}), 200, {'Content-Type': 'application/json'}
`

// Lithops is the FIXTURE lithops at version with ContainerEntryPoint (or entryPoint when
// not empty, e.g. the real file from Lithops' source).
func Lithops(version, entryPoint string) wheeltest.Wheel {
	w := wheeltest.Lithops(version)
	files := map[string][]byte{}
	for k, v := range w.Files {
		files[k] = v
	}
	if entryPoint == "" {
		entryPoint = ContainerEntryPoint
	}
	files["lithops/serverless/backends/aliyun_fc/container_entry_point.py"] = []byte(entryPoint)
	w.Files = files
	return w
}

// Flask is a FIXTURE flask: Flask(name) with route() and a WSGI __call__, and the
// request object (headers, get_data()); views may return a body, or (body, status[,
// headers]).
func Flask() wheeltest.Wheel {
	return wheeltest.Wheel{Name: "flask", Version: "3.1.3",
		Metadata: wheeltest.Metadata{Summary: "FIXTURE: tiny stand-in for flask, built by imagetest", RequiresPython: ">=3.6"},
		Files: map[string][]byte{"flask/__init__.py": []byte(note + `import threading
import traceback
from http.client import responses

__version__ = '3.1.3'
FIXTURE = True


class _Headers(dict):
    def get(self, key, default=None):
        return dict.get(self, key.lower(), default)


class _Request(threading.local):
    headers = _Headers()
    _body = b''

    def get_data(self):
        return self._body


request = _Request()


class Flask:
    def __init__(self, import_name):
        self.import_name = import_name
        self.routes = {}

    def route(self, rule, methods=None):
        def decorator(view):
            for m in methods or ['GET']:
                self.routes[(m, rule)] = view
            return view
        return decorator

    def __call__(self, environ, start_response):
        view = self.routes.get((environ['REQUEST_METHOD'], environ.get('PATH_INFO') or '/'))
        if view is None:
            start_response('404 NOT FOUND', [('Content-Type', 'text/plain')])
            return [b'Not Found']
        n = int(environ.get('CONTENT_LENGTH') or 0)
        request._body = environ['wsgi.input'].read(n) if n else b''
        request.headers = _Headers((k[5:].replace('_', '-').lower(), v) for k, v in environ.items() if k.startswith('HTTP_'))
        try:
            rv = view()
        except Exception:
            traceback.print_exc()
            start_response('500 INTERNAL SERVER ERROR', [('Content-Type', 'text/plain')])
            return [b'Internal Server Error']
        status, headers = 200, {}
        if isinstance(rv, tuple):
            headers = dict(rv[2]) if len(rv) > 2 else {}
            rv, status = rv[0], rv[1]
        body = rv.encode('utf-8') if isinstance(rv, str) else rv
        start_response('%d %s' % (status, responses.get(status, '')),
                       list(headers.items()) + [('Content-Length', str(len(body)))])
        return [body]
`)}}
}

// Gunicorn is a FIXTURE gunicorn: `python -m gunicorn --bind HOST:PORT [--workers N]
// [--timeout T] [--keep-alive K] module:app` imports the app from the working folder
// and serves it with the standard library's wsgiref, one request at a time.
func Gunicorn() wheeltest.Wheel {
	return wheeltest.Wheel{Name: "gunicorn", Version: "23.0.0",
		Metadata: wheeltest.Metadata{Summary: "FIXTURE: tiny stand-in for gunicorn, built by imagetest", RequiresPython: ">=3.6"},
		Files: map[string][]byte{
			"gunicorn/__init__.py": []byte(note + "__version__ = '23.0.0'\nFIXTURE = True\n"),
			"gunicorn/__main__.py": []byte(note + `import argparse
import importlib
import os
import sys
from wsgiref.simple_server import WSGIRequestHandler, make_server

parser = argparse.ArgumentParser(prog='gunicorn')
parser.add_argument('-b', '--bind', default='127.0.0.1:8000')
parser.add_argument('-w', '--workers', type=int, default=1)
parser.add_argument('-t', '--timeout', type=int, default=30)
parser.add_argument('--keep-alive', type=int, default=2)
parser.add_argument('app')
args = parser.parse_args()

sys.path.insert(0, os.getcwd())  # gunicorn serves apps from its working folder
module, _, var = args.app.partition(':')
app = getattr(importlib.import_module(module), var or 'application')
host, _, port = args.bind.rpartition(':')


class Handler(WSGIRequestHandler):
    def log_message(self, fmt, *a):
        sys.stderr.write('[gunicorn FIXTURE] ' + (fmt % a) + '\n')


server = make_server(host, int(port), app, handler_class=Handler)
print('[INFO] Listening at: http://%s:%s (FIXTURE)' % (host, port), flush=True)
server.serve_forever()
`),
		}}
}

// Runtime is what the FIXTURE container entry point needs at Lithops version: gunicorn,
// flask, the worker modules, and requests and oss2, which Lithops' Dockerfile installs
// (a container has no FC preinstalled modules) and its worker imports.
func Runtime(version string) []wheeltest.Wheel {
	out := append([]wheeltest.Wheel{Gunicorn(), Flask()}, wheeltest.Workers(version)...)
	for _, w := range wheeltest.FCPreinstalled("python3.12") {
		if w.Name != "six" { // a worker module of every Lithops with containers (3.7+)
			out = append(out, w)
		}
	}
	return out
}

// ContainerModules are FIXTURE stand-ins for everything Lithops' DEFAULT_DOCKERFILE
// installs at version (lithops.ContainerModules: gunicorn flask gevent six pika redis
// requests PyYAML oss2 cloudpickle ps-mem tblib psutil): Runtime plus one-module gevent,
// redis and PyYAML (yaml), which the FIXTURE entry point does not import.
func ContainerModules(version string) []wheeltest.Wheel {
	small := func(name, version, module string) wheeltest.Wheel {
		return wheeltest.Wheel{Name: name, Version: version,
			Metadata: wheeltest.Metadata{Summary: "FIXTURE: tiny stand-in for " + name + ", built by imagetest", RequiresPython: ">=3.6"},
			Files:    map[string][]byte{module + "/__init__.py": []byte(note + "__version__ = '" + version + "'\nFIXTURE = True\n")}}
	}
	return append(Runtime(version), small("gevent", "24.11.1", "gevent"), small("redis", "5.2.1", "redis"), small("PyYAML", "6.0.2", "yaml"))
}
