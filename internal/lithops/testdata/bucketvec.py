# Compute Lithops' default OSS bucket names with Lithops' own code: the methods
# generate_bucket_name (and, from 3.7, _bucket_name_suffix) are taken with ast from
# lithops/storage/backends/aliyun_oss/aliyun_oss.py at a tag and run on a stand-in object
# holding the config dict and region, as AliyunObjectStorageServiceBackend does.
import ast, hashlib, json, subprocess, sys, types
repo, tag = sys.argv[1], sys.argv[2]
src = subprocess.check_output(['git', '-C', repo, 'show', tag + ':lithops/storage/backends/aliyun_oss/aliyun_oss.py']).decode()
cls = next(n for n in ast.parse(src).body if isinstance(n, ast.ClassDef) and n.name == 'AliyunObjectStorageServiceBackend')
methods = [n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name in ('generate_bucket_name', '_bucket_name_suffix')]
ns = {'hashlib': hashlib}
exec(compile(ast.Module(body=methods, type_ignores=[]), tag, 'exec'), ns)
Backend = type('Backend', (), {m.name: ns[m.name] for m in methods})
cases = json.loads(sys.argv[3])
out = []
for region, key, account in cases:
    b = Backend(); b.region = region; b.config = {'access_key_id': key, 'region': region}
    if account is not None: b.config['account_id'] = account
    out.append([region, key, account, b.generate_bucket_name()])
print(json.dumps(out))
