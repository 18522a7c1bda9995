"""Import check of lithops-fc/runtime-action.

It runs only in a short-lived function made from the runtime's code plus this module,
never in the runtime itself: it imports each top-level module it is given and reports
every failure with its traceback. Python 3.6 to 3.12.
"""
import importlib
import json
import sys
import time
import traceback


def main(event, context):
    if isinstance(event, bytes):
        event = event.decode('utf-8')
    modules = json.loads(event).get('modules', [])
    results = []
    for name in modules:
        # Printed first: if an import kills the process, the log tail names the module.
        print('importing %s' % name)
        sys.stdout.flush()
        start = time.time()
        try:
            importlib.import_module(name)
        except BaseException as e:  # SystemExit or KeyboardInterrupt raised on import fail it too
            results.append({'module': name, 'ok': False,
                            'error': '%s: %s' % (type(e).__name__, e),
                            'traceback': traceback.format_exc()})
        else:
            results.append({'module': name, 'ok': True,
                            'seconds': round(time.time() - start, 3)})
    return json.dumps({'python_version': '%d.%d' % sys.version_info[:2],
                       'results': results})
