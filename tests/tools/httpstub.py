"""httpstub - a small loopback HTTP server for ferry's tests of outgoing
requests (OCSP responders, CRL distribution points, timestamping
authorities).

Subclass HTTPStub and implement respond(method, path, headers, body) ->
(status, content_type, body bytes). The server records every request in
.requests as (method, path, content_type, body), can be made to hang
(.hang_seconds: hold each request that long before answering) and can be
stopped and started again on the same port (a responder that is down).
"""
import http.server
import socketserver
import threading
import time


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class HTTPStub:
    def __init__(self, port: int = 0):
        self.port = port
        self.requests = []
        self.hang_seconds = 0.0
        self._srv = None
        self._thread = None

    # -- override ---------------------------------------------------------
    def respond(self, method: str, path: str, headers, body: bytes):
        return 404, "text/plain", b"not found\n"

    # -- lifecycle ----------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str = "") -> str:
        return self.base_url + path

    def start(self):
        stub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, fmt, *args):
                pass

            def _serve(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                stub.requests.append((self.command, self.path, self.headers.get("Content-Type"), body))
                if stub.hang_seconds:
                    time.sleep(stub.hang_seconds)
                status, ctype, out = stub.respond(self.command, self.path, self.headers, body)
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(out)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(out)

            do_GET = _serve
            do_POST = _serve

        self._srv = _Server(("127.0.0.1", self.port), Handler)
        self.port = self._srv.server_address[1]
        self._thread = threading.Thread(target=self._srv.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._srv:
            self._srv.shutdown()
            self._srv.server_close()
            self._srv = None

    def __enter__(self):
        return self.start() if not self._srv else self

    def __exit__(self, *exc):
        self.stop()
