"""Computes custom-container vectors with Lithops' own code, for internal/lithops tests.

usage: python3 container_vectors.py ALIYUN_FC_PY CONFIG_PY VERSION < cases.json

ALIYUN_FC_PY and CONFIG_PY are lithops/serverless/backends/aliyun_fc/{aliyun_fc,config}.py
of a Lithops tag (git show TAG:PATH). The methods _format_function_name,
_get_default_runtime_name, _use_custom_container, _format_image_name and get_runtime_key
are taken from the class with the ast module and run on a stand-in self; config.py is
executed as it is (it only imports copy, os and lithops.constants.TEMP_DIR, stubbed).
Prints one JSON object.
"""
import ast
import hashlib
import json
import os
import re
import sys
import types

aliyun_src, config_src, version = open(sys.argv[1]).read(), open(sys.argv[2]).read(), sys.argv[3]
cases = json.load(sys.stdin)

cls = next(n for n in ast.parse(aliyun_src).body
           if isinstance(n, ast.ClassDef) and n.name == 'AliyunFunctionComputeBackend')
wanted = {'_format_function_name', '_get_default_runtime_name', '_use_custom_container',
          '_format_image_name', 'get_runtime_key'}
methods = [n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name in wanted]
assert {m.name for m in methods} == wanted, [m.name for m in methods]


def backend(py, config, deploy_mode='custom-container'):
    ns = {'hashlib': hashlib, 'os': os, '__version__': version,
          'utils': types.SimpleNamespace(CURRENT_PY_VERSION=py)}
    exec(compile(ast.Module(body=methods, type_ignores=[]), 'aliyun_fc.py', 'exec'), ns)
    self = types.SimpleNamespace(deploy_mode=deploy_mode, name='aliyun_fc', region='cn-hangzhou', config=config)
    for m in wanted:
        setattr(self, m, types.MethodType(ns[m], self))
    return self


sys.modules['lithops'] = types.ModuleType('lithops')
sys.modules['lithops.constants'] = types.SimpleNamespace(TEMP_DIR='/tmp')
config = {}
exec(compile(config_src, 'config.py', 'exec'), config)
dockerfile = config['DEFAULT_DOCKERFILE']
pip = re.search(r'pip install --no-cache-dir\s*\\?\s*(.*?)(?:\n\n|$)', dockerfile, re.S).group(1)

out = {
    'default_runtimes': {py: backend(py, {})._get_default_runtime_name() for py in cases['pythons']},
    'images': [backend('3.12', c['config'])._format_image_name(c['runtime'], c.get('version', version))
               for c in cases['images']],
    'functions': [[backend('3.12', {})._format_function_name(r, m, v), backend('3.12', {}).get_runtime_key(r, m, v)]
                  for r, m, v in cases['functions']],
    'ca_port': config['CA_PORT'],
    'pip_install': pip.replace('\\', ' ').split(),
    'env': re.findall(r'^ENV (\S+)$', dockerfile, re.M),
    'workdir': re.search(r'^WORKDIR (\S+)$', dockerfile, re.M).group(1),
    'cmd': re.search(r'^CMD (.*)$', dockerfile, re.M).group(1),
}
print(json.dumps(out))
