

# The import check as an image function's HTTP server (ImageImports): this file follows
# smoke.py in the command's source. FC sends each invocation to POST /invoke, with the
# event as body, on the configured port (CAPort in Lithops' images); /initialize first.
import os as _os
from http.server import BaseHTTPRequestHandler as _Base, HTTPServer as _Server


class _ImportCheck(_Base):
    def do_POST(self):
        n = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(n) if n else b''
        if self.path.split('?')[0] == '/invoke':
            answer = main(body or b'{}', None).encode('utf-8')
        else:
            answer = b'{}'
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, fmt, *args):
        pass


_Server(('0.0.0.0', int(_os.environ.get('CAPort') or 9000)), _ImportCheck).serve_forever()
