"""faultproxy - a fault-injecting reverse proxy in front of a test registry.

The registry client is pointed at the proxy (oci://127.0.0.1:<proxy port>/...)
and the proxy forwards to a real plain-HTTP docker-registry, except where a
rule says otherwise. Rules match method and path (regexp on path+query) and
fire `times` times (None = always), in the order added:

  status       answer `status` with `headers` and `body` (503, 429 + Retry-After, ...)
  truncate     forward, but send only `keep` bytes of the body (Content-Length
               still announces the whole body), then close the connection
  stall        forward, send `keep` bytes, then stall for `seconds` and close
  redirect     answer 307 to the same path on the second listener (the "CDN",
               another port, so another origin)
  strip_header forward without response header `name`
  paginate_tags  answer GET /v2/<repo>/tags/list in pages of `page_size` tags
               (the client's n= when smaller), chained with
               `Link: <...?n=N&last=T>; rel="next"` as the distribution spec
               describes; docker-registry 2.8 itself always returns every tag

The CDN listener serves GET/HEAD by fetching the path from the registry itself
(with `cdn_upstream_auth` as its Authorization, if set) and records the
headers it was sent, so tests can assert no credential followed the redirect.

With `forward_proxy=True` the proxy also accepts absolute-form requests
(`GET http://host:port/path`, as a client configured with an HTTP proxy sends
them), optionally requiring `proxy_auth=(user, password)`; those are recorded
in `proxied`.

Every request is recorded in `requests` / `cdn_requests` as a dict with
method, path (with query) and headers (a plain dict).
"""
import base64
import http.client
import http.server
import json
import re
import threading
import time
import urllib.parse

HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
              "transfer-encoding", "upgrade", "content-length"}


class Rule:
    def __init__(self, action: str, path: str, method: str, times, params: dict):
        self.action = action
        self.path = re.compile(path)
        self.method = method
        self.times = times
        self.params = params
        self.fired = 0

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method != method:
            return False
        if self.times is not None and self.fired >= self.times:
            return False
        return bool(self.path.search(path))


class FaultProxy:
    def __init__(self, upstream: str, forward_proxy: bool = False, proxy_auth=None, cdn_upstream_auth=None):
        u = urllib.parse.urlsplit(upstream)
        if u.scheme != "http":
            raise ValueError("upstream must be a plain-HTTP registry")
        self.upstream_host = u.hostname
        self.upstream_port = u.port or 80
        self.forward_proxy = forward_proxy
        self.proxy_auth = proxy_auth
        self.cdn_upstream_auth = cdn_upstream_auth
        self.rules = []
        self.requests = []
        self.cdn_requests = []
        self.proxied = []
        self._lock = threading.Lock()
        self._servers = []

    # -- test API -------------------------------------------------------------
    def add(self, action: str, path: str = r".*", method: str = None, times=1, **params) -> Rule:
        r = Rule(action, path, method, times, params)
        with self._lock:
            self.rules.append(r)
        return r

    def clear(self):
        with self._lock:
            self.rules.clear()
            self.requests.clear()
            self.cdn_requests.clear()
            self.proxied.clear()

    def matching(self, pattern: str, log=None):
        rx = re.compile(pattern)
        with self._lock:
            return [r for r in (self.requests if log is None else log) if rx.search(f"{r['method']} {r['path']}")]

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"http://{self.host}"

    @property
    def cdn_base_url(self) -> str:
        return f"http://127.0.0.1:{self.cdn_port}"

    def oci_url(self, repo: str) -> str:
        return f"oci://{self.host}/{repo}"

    def start(self):
        proxy = self

        class Main(_Handler):
            srv = proxy
            cdn = False

        class Cdn(_Handler):
            srv = proxy
            cdn = True

        for handler in (Main, Cdn):
            httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
            httpd.daemon_threads = True
            t = threading.Thread(target=httpd.serve_forever, name="faultproxy", daemon=True)
            t.start()
            self._servers.append((httpd, t))
        self.port = self._servers[0][0].server_address[1]
        self.cdn_port = self._servers[1][0].server_address[1]
        return self

    def stop(self):
        for httpd, t in self._servers:
            httpd.shutdown()
            httpd.server_close()
        self._servers = []

    # -- internals --------------------------------------------------------------
    def _rule_for(self, method: str, path: str):
        with self._lock:
            for r in self.rules:
                if r.matches(method, path):
                    r.fired += 1
                    return r
        return None

    def _record(self, log, method, path, headers):
        with self._lock:
            log.append({"method": method, "path": path, "headers": dict(headers.items())})


class _Handler(http.server.BaseHTTPRequestHandler):
    srv: FaultProxy = None
    cdn = False
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def _upstream(self, method, path, body, headers, host=None, port=None):
        conn = http.client.HTTPConnection(host or self.srv.upstream_host, port or self.srv.upstream_port,
                                          timeout=30)
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        hdrs = [(k, v) for k, v in resp.getheaders() if k.lower() not in HOP_BY_HOP]
        if method == "HEAD" and resp.getheader("Content-Length"):
            hdrs.append(("X-Head-Length", resp.getheader("Content-Length")))
        conn.close()
        return resp.status, hdrs, data

    def _send(self, status, headers, data, head=False, keep=None, stall=0.0):
        self.send_response(status)
        length = str(len(data))
        for k, v in headers:
            if k == "X-Head-Length":
                length = v
            else:
                self.send_header(k, v)
        self.send_header("Content-Length", length)
        if keep is not None:
            self.send_header("Connection", "close")
        self.end_headers()
        if head:
            return
        if keep is None:
            self.wfile.write(data)
            return
        self.wfile.write(data[:keep])
        self.wfile.flush()
        if stall:
            time.sleep(stall)
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(2)
        except OSError:
            pass

    def _request_headers(self):
        return {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP and k.lower() != "host"}

    def _handle(self, method):
        srv = self.srv
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else None
        path = self.path
        if self.cdn:
            srv._record(srv.cdn_requests, method, path, self.headers)
            headers = {}
            if srv.cdn_upstream_auth:
                headers["Authorization"] = srv.cdn_upstream_auth
            status, hdrs, data = self._upstream(method, path, None, headers)
            return self._send(status, hdrs, data, head=method == "HEAD")
        if path.startswith("http://"):
            return self._forward_proxy(method, path, body)
        srv._record(srv.requests, method, path, self.headers)
        rule = srv._rule_for(method, path)
        action = rule.action if rule else None
        p = rule.params if rule else {}
        if action == "status":
            hdrs = list((p.get("headers") or {}).items())
            data = p.get("body", b"")
            if isinstance(data, str):
                data = data.encode()
            return self._send(p.get("status", 503), hdrs, data, head=method == "HEAD")
        if action == "redirect":
            return self._send(p.get("status", 307), [("Location", srv.cdn_base_url + path)], b"",
                              head=method == "HEAD")
        if action == "paginate_tags":
            return self._tags_page(method, path, p.get("page_size", 2))
        status, hdrs, data = self._upstream(method, path, body, self._request_headers())
        if action == "strip_header":
            hdrs = [(k, v) for k, v in hdrs if k.lower() != p["name"].lower()]
        if action == "truncate":
            return self._send(status, hdrs, data, head=method == "HEAD", keep=p.get("keep", len(data) // 2))
        if action == "stall":
            return self._send(status, hdrs, data, head=method == "HEAD", keep=p.get("keep", 0),
                              stall=p.get("seconds", 5.0))
        return self._send(status, hdrs, data, head=method == "HEAD")

    def _tags_page(self, method, path, page_size):
        u = urllib.parse.urlsplit(path)
        q = urllib.parse.parse_qs(u.query)
        status, hdrs, data = self._upstream(method, u.path, None, self._request_headers())
        if status != 200:
            return self._send(status, hdrs, data, head=method == "HEAD")
        doc = json.loads(data)
        tags = sorted(doc.get("tags") or [])
        if "n" in q and int(q["n"][0]) > 0:
            page_size = min(page_size, int(q["n"][0]))
        start = 0
        if "last" in q:
            start = len([t for t in tags if t <= q["last"][0]])
        page = tags[start:start + page_size]
        out = [(k, v) for k, v in hdrs if k.lower() != "link"]
        if start + page_size < len(tags):
            nxt = u.path + "?" + urllib.parse.urlencode({"n": page_size, "last": page[-1]})
            out.append(("Link", f'<{nxt}>; rel="next"'))
        body = json.dumps({"name": doc.get("name"), "tags": page}).encode()
        return self._send(200, out, body, head=method == "HEAD")

    def _forward_proxy(self, method, url, body):
        srv = self.srv
        srv._record(srv.proxied, method, url, self.headers)
        if not srv.forward_proxy:
            return self._send(400, [], b"not a forward proxy")
        if srv.proxy_auth:
            want = "Basic " + base64.b64encode(("%s:%s" % srv.proxy_auth).encode()).decode()
            if self.headers.get("Proxy-Authorization") != want:
                return self._send(407, [("Proxy-Authenticate", 'Basic realm="ferry-test-proxy"')], b"")
        u = urllib.parse.urlsplit(url)
        path = u.path + ("?" + u.query if u.query else "")
        status, hdrs, data = self._upstream(method, path, body, self._request_headers(), u.hostname,
                                            u.port or 80)
        return self._send(status, hdrs, data, head=method == "HEAD")

    def do_GET(self):
        self._handle("GET")

    def do_HEAD(self):
        self._handle("HEAD")

    def do_POST(self):
        self._handle("POST")

    def do_PUT(self):
        self._handle("PUT")

    def do_PATCH(self):
        self._handle("PATCH")

    def do_DELETE(self):
        self._handle("DELETE")
