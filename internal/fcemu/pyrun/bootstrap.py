# fcemu's stand-in for Function Compute's Python event runtime.
#
# Started as: python -B -E -s -S bootstrap.py INVOCATION_DIR, with the code directory as
# the working directory. It reads context.json and event from INVOCATION_DIR, puts the
# code directory first on sys.path (as FC does with /code) and the preinstalled folders
# after the standard library, calls handler(event, context) and writes the answer to
# INVOCATION_DIR: "result" (bytes) or "error.json". Nothing is written to stdout or
# stderr, which belong to the function's log. Keep it runnable on Python 3.6.
import importlib
import json
import os
import site
import sys
import traceback


class _Attrs(object):
    """An object with the given attributes, like FC's context parts."""

    def __init__(self, **attrs):
        self.__dict__.update(attrs)

    def __repr__(self):
        return "%s(%s)" % (type(self).__name__, ", ".join(
            "%s=%r" % kv for kv in sorted(self.__dict__.items())
            if kv[0] not in ("access_key_secret", "security_token")))


class Credentials(_Attrs):
    pass


class FunctionMeta(_Attrs):
    pass


class ServiceMeta(_Attrs):
    pass


class FCContext(_Attrs):
    pass


def _context(spec):
    c, f, s = spec["credentials"], spec["function"], spec["service"]
    return FCContext(
        request_id=spec["request_id"],
        credentials=Credentials(
            access_key_id=c["access_key_id"],
            access_key_secret=c["access_key_secret"],
            security_token=c["security_token"]),
        function=FunctionMeta(
            name=f["name"], handler=f["handler"], memory=f["memory"], timeout=f["timeout"],
            initializer=f.get("initializer"), initialization_timeout=f.get("initialization_timeout")),
        service=ServiceMeta(
            name=s["name"], qualifier=s["qualifier"], version_id=s.get("version_id"),
            log_project=s.get("log_project"), log_store=s.get("log_store")),
        region=spec["region"],
        account_id=spec["account_id"],
    )


def _write(inv, name, data):
    tmp = os.path.join(inv, name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, os.path.join(inv, name))


def _stack(tb):
    # FC's shape: one [file, line, function, source] list per frame.
    return [['File "%s"' % fr[0], "line %d" % fr[1], "in %s" % fr[2], fr[3] or ""]
            for fr in traceback.extract_tb(tb)]


def _encode(result):
    # FC returns bytes and str as they are and JSON-encodes everything else (a dict comes
    # back as a JSON object: Lithops json.loads such answers).
    if isinstance(result, (bytes, bytearray)):
        return bytes(result)
    if isinstance(result, str):
        return result.encode("utf-8")
    return json.dumps(result).encode("utf-8")


def main():
    inv = sys.argv[1]
    with open(os.path.join(inv, "context.json"), "rb") as f:
        spec = json.loads(f.read().decode("utf-8"))
    with open(os.path.join(inv, "event"), "rb") as f:
        event = f.read()
    sys.argv = [spec["handler"]]
    sys.path.insert(0, spec["code_dir"])
    for d in spec["preinstalled"]:
        site.addsitedir(d)
    module_name, _, func_name = spec["handler"].rpartition(".")
    try:
        handler = getattr(importlib.import_module(module_name), func_name)
        body = _encode(handler(event, _context(spec)))
    except Exception as exc:
        tb = exc.__traceback__
        if tb is not None and tb.tb_frame.f_code is main.__code__:
            tb = tb.tb_next  # leave this runtime's own frame out, as FC does
        err = {"errorMessage": str(exc), "errorType": type(exc).__name__, "stackTrace": _stack(tb)}
        _write(inv, "error.json", json.dumps(err).encode("utf-8"))
    else:
        _write(inv, "result", body)
    sys.stdout.flush()
    sys.stderr.flush()


if __name__ == "__main__":
    main()
