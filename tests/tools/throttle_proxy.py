"""throttle_proxy - a counting, throttling HTTP reverse proxy in front of a registry.

Test-only helper (integration tests and bench/idle). Every request is
forwarded to the upstream registry and recorded as (method, path). Blob
downloads (GET /v2/<repo>/blobs/<digest>) can be slowed to `blob_rate` bytes
per second, or held after their first `hold_after` bytes until `release()` is
called, to catch a reconcile worker in the middle of a download.
"""
import http.client
import http.server
import threading
import time
import urllib.parse

PASS_HEADERS = ("accept", "authorization", "range", "content-type", "content-length")
SKIP_RESPONSE_HEADERS = ("connection", "keep-alive", "transfer-encoding", "content-length", "date", "server")


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet
        pass

    def _forward(self, method):
        proxy = self.server.proxy
        proxy._record(method, self.path)
        body = None
        if self.headers.get("Content-Length"):
            body = self.rfile.read(int(self.headers["Content-Length"]))
        conn = http.client.HTTPConnection(proxy.upstream_host, proxy.upstream_port, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() in PASS_HEADERS}
        conn.request(method, self.path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in SKIP_RESPONSE_HEADERS:
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if method == "HEAD":
            return
        is_blob = "/blobs/sha256:" in urllib.parse.urlparse(self.path).path and resp.status == 200
        try:
            if is_blob and (proxy.blob_rate or proxy._holding.is_set()):
                self._slow_body(data)
            else:
                self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _slow_body(self, data):
        proxy = self.server.proxy
        sent = 0
        chunk = 4096
        while sent < len(data):
            if proxy._holding.is_set() and sent >= proxy.hold_after:
                proxy.held.set()
                while proxy._holding.is_set() and not proxy._stopping.is_set():
                    time.sleep(0.05)
            piece = data[sent:sent + chunk]
            self.wfile.write(piece)
            self.wfile.flush()
            sent += len(piece)
            if proxy.blob_rate:
                time.sleep(len(piece) / proxy.blob_rate)

    def do_GET(self):
        self._forward("GET")

    def do_HEAD(self):
        self._forward("HEAD")

    def do_POST(self):
        self._forward("POST")

    def do_PUT(self):
        self._forward("PUT")

    def do_PATCH(self):
        self._forward("PATCH")


class ThrottleProxy:
    def __init__(self, upstream: str):
        u = urllib.parse.urlparse(upstream)
        self.upstream_host = u.hostname
        self.upstream_port = u.port or 80
        self.blob_rate = 0          # bytes per second for blob bodies; 0: full speed
        self.hold_after = 0         # with hold(): bytes sent before holding
        self.held = threading.Event()
        self._holding = threading.Event()
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self.requests = []
        self.server = None
        self.thread = None

    def start(self):
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.proxy = self
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self._stopping.set()
        self._holding.clear()
        if self.server:
            self.server.shutdown()
            self.server.server_close()

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.server.server_address[1]}"

    def oci_url(self, repo: str) -> str:
        return f"oci://{self.host}/{repo}"

    def hold(self, after_bytes: int = 0):
        """Hold blob downloads once after_bytes of a body went out."""
        self.hold_after = after_bytes
        self.held.clear()
        self._holding.set()

    def release(self):
        self._holding.clear()

    def _record(self, method, path):
        with self._lock:
            self.requests.append((method, urllib.parse.urlparse(path).path))

    def take_requests(self):
        with self._lock:
            out, self.requests = self.requests, []
        return out
