"""Where a Lithops client looks for its runtime, computed with Lithops' own code.

Usage: python3 lithops_lookup.py GITDIR TAG < config.yaml

GITDIR is a clone of github.com/lithops-cloud/lithops (bare or not) holding TAG. The
Lithops configuration on stdin is read with yaml.safe_load, as Lithops reads
~/.lithops/config, and completed by the tag's own aliyun_fc and aliyun_oss load_config.
Then, with Lithops' code taken from the tag (whole modules where they import nothing
but the standard library, single methods through ast where the module needs the cloud
SDKs), it prints as JSON what the client's FunctionExecutor uses:

  bucket        Storage.__init__: aliyun_oss storage_bucket, else generate_bucket_name()
  function      the backend's _format_function_name(runtime, runtime_memory)
  runtime_key   the backend's get_runtime_key(runtime, runtime_memory) (3.6: with the
                service chosen in __init__ from the config or the key id)
  meta_key      Storage.get_runtime_meta's object: '/'.join([RUNTIMES_PREFIX, key + '.meta.json'])
  cache_file    its local cache: os.path.join(CACHE_DIR, RUNTIMES_PREFIX, key + '.meta.json'),
                with the home folder written as ~
"""
import ast
import hashlib
import json
import os
import subprocess
import sys
import types

import yaml

repo, tag = sys.argv[1], sys.argv[2]


def source(path):
    return subprocess.check_output(['git', '-C', repo, 'show', tag + ':' + path]).decode()


def module(name, path, **preset):
    m = types.ModuleType(name)
    m.__dict__.update(preset)
    exec(compile(source(path), path, 'exec'), m.__dict__)
    sys.modules[name] = m
    return m


def methods(path, cls_name, names, ns):
    tree = ast.parse(source(path))
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == cls_name)
    fns = [n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name in names]
    exec(compile(ast.Module(body=fns, type_ignores=[]), path, 'exec'), ns)
    return cls, {n.name: ns[n.name] for n in fns}


# lithops.constants imports only os and tempfile: the real module, with HOME marked.
home = os.environ['HOME'] = '/LITHOPS-HOME'
sys.modules['lithops'] = types.ModuleType('lithops')
constants = module('lithops.constants', 'lithops/constants.py')
version = module('lithops.version', 'lithops/version.py').__version__

config_data = yaml.safe_load(sys.stdin)
fc_config = module('fc_config', 'lithops/serverless/backends/aliyun_fc/config.py')
oss_config = module('oss_config', 'lithops/storage/backends/aliyun_oss/config.py')
fc_config.load_config(config_data)
oss_config.load_config(config_data)
afc = config_data['aliyun_fc']
oss = config_data['aliyun_oss']

# The compute backend: __init__'s assignments of name, region and (FC 2.0) service, and
# the naming methods.
fc_path = 'lithops/serverless/backends/aliyun_fc/aliyun_fc.py'
ns = {'hashlib': hashlib, 'os': os, '__version__': version}
cls, fc_methods = methods(fc_path, 'AliyunFunctionComputeBackend', ('_format_function_name', 'get_runtime_key'), ns)
backend = type('Backend', (), fc_methods)()
init = next(n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == '__init__')
wanted = {'name', 'region', 'access_key_id', 'default_service_name', 'service_name'}
assigns = [s for s in init.body if isinstance(s, ast.Assign) and isinstance(s.targets[0], ast.Attribute)
           and s.targets[0].attr in wanted]
exec(compile(ast.Module(body=assigns, type_ignores=[]), fc_path, 'exec'),
     {'self': backend, 'afc_config': afc, 'config': fc_config})

# The storage backend's bucket naming.
oss_path = 'lithops/storage/backends/aliyun_oss/aliyun_oss.py'
_, oss_methods = methods(oss_path, 'AliyunObjectStorageServiceBackend', ('generate_bucket_name', '_bucket_name_suffix'), {'hashlib': hashlib})
storage = type('Storage', (), oss_methods)()
storage.config, storage.region = oss, oss['region']
bucket = oss.get('storage_bucket') or storage.generate_bucket_name()

runtime, memory = afc['runtime'], afc['runtime_memory']
key = backend.get_runtime_key(runtime, memory)
path = [constants.RUNTIMES_PREFIX, key + '.meta.json']
print(json.dumps({
    'bucket': bucket,
    'function': backend._format_function_name(runtime, memory),
    'runtime_key': key,
    'meta_key': '/'.join(path).replace('\\', '/'),
    'cache_file': os.path.join(constants.CACHE_DIR, *path).replace(home, '~', 1),
    'runtime': runtime,
    'runtime_memory': memory,
    'version': version,
}))
