"""referrers_server - a Referrers-API registry stand-in for ferry's tests.

Debian's docker-registry (distribution 2.8) predates the OCI 1.1 Referrers
API, and no Debian package plays a registry that has it. This small threaded
HTTP server reverse-proxies every request to a real docker-registry and
answers `GET /v2/<repo>/referrers/<digest>` itself:

- the answer is an OCI image index (Content-Type
  application/vnd.oci.image.index.v1+json) of the manifests with a `subject`
  that were pushed through the proxy, plus any the test registers;
- `?artifactType=` filters it and the response carries
  `OCI-Filters-Applied: artifactType`, unless `filter_artifact_type` is off
  (then the full list is returned without the header and the client must
  filter);
- `page_size` splits the list into pages chained with
  `Link: <...>; rel="next"` (the client's `n=` is honoured when smaller);
- `mode` "unsupported" answers 404 (a registry without the API; clients fall
  back to the referrers tag), "bad-content-type" answers 200 with JSON of
  another content type (also "unsupported" for oras-go).

Every request is recorded in `requests` (method, path with query) so tests
can assert which API a client used.

Library:
    srv = ReferrersServer("http://127.0.0.1:5000", page_size=2).start()
    srv.base_url / srv.host; srv.register(repo, subject_digest, descriptor); srv.stop()
CLI:
    referrers_server.py --upstream URL [--listen 127.0.0.1:0] [--page-size N] [--no-filter]
"""
import hashlib
import http.client
import http.server
import json
import re
import threading
import urllib.parse

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
REFERRERS_RE = re.compile(r"^/v2/(?P<repo>.+)/referrers/(?P<digest>[a-z0-9]+:[a-zA-Z0-9=_-]+)$")
MANIFEST_RE = re.compile(r"^/v2/(?P<repo>.+)/manifests/(?P<ref>[^/]+)$")
HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
              "trailers", "transfer-encoding", "upgrade"}
MAX_BODY = 64 << 20


class ReferrersServer:
    def __init__(self, upstream: str, listen: str = "127.0.0.1:0", page_size: int = None,
                 filter_artifact_type: bool = True, mode: str = "api"):
        u = urllib.parse.urlsplit(upstream)
        if u.scheme != "http":
            raise ValueError("upstream must be a plain-http registry")
        self.upstream_host = u.hostname
        self.upstream_port = u.port or 80
        self.listen_host, _, port = listen.rpartition(":")
        self.listen_port = int(port)
        self.page_size = page_size
        self.filter_artifact_type = filter_artifact_type
        self.mode = mode
        self.requests = []
        self._referrers = {}   # (repo, subject digest) -> [descriptor] in push order
        self._lock = threading.Lock()
        self._httpd = None
        self._thread = None

    # -- test API ---------------------------------------------------------
    def register(self, repo: str, subject_digest: str, descriptor: dict):
        """Add a referrer by hand (e.g. one whose manifest never went through
        the proxy); descriptor needs mediaType, digest, size, artifactType."""
        with self._lock:
            lst = self._referrers.setdefault((repo, subject_digest), [])
            lst[:] = [d for d in lst if d["digest"] != descriptor["digest"]]
            lst.append(dict(descriptor))

    def referrers(self, repo: str, subject_digest: str):
        with self._lock:
            return [dict(d) for d in self._referrers.get((repo, subject_digest), [])]

    def clear(self, repo: str = None, subject_digest: str = None):
        with self._lock:
            for k in list(self._referrers):
                if (repo is None or k[0] == repo) and (subject_digest is None or k[1] == subject_digest):
                    del self._referrers[k]

    def requests_matching(self, pattern: str):
        rx = re.compile(pattern)
        with self._lock:
            return [r for r in self.requests if rx.search(f"{r[0]} {r[1]}")]

    @property
    def host(self) -> str:
        return f"{self.listen_host}:{self.listen_port}"

    @property
    def base_url(self) -> str:
        return f"http://{self.host}"

    def start(self):
        server = self

        class Handler(_Handler):
            srv = server

        self._httpd = http.server.ThreadingHTTPServer((self.listen_host, self.listen_port), Handler)
        self._httpd.daemon_threads = True
        self.listen_port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="referrers-server",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join(timeout=5)
            self._httpd = None

    # -- internals --------------------------------------------------------
    def _record(self, method, path):
        with self._lock:
            self.requests.append((method, path))

    def _saw_manifest(self, repo: str, body: bytes, content_type: str):
        try:
            m = json.loads(body)
        except ValueError:
            return
        subject = m.get("subject") if isinstance(m, dict) else None
        if not isinstance(subject, dict) or "digest" not in subject:
            return
        d = {"mediaType": m.get("mediaType") or content_type,
             "digest": "sha256:" + hashlib.sha256(body).hexdigest(), "size": len(body)}
        at = m.get("artifactType") or (m.get("config") or {}).get("mediaType")
        if at:
            d["artifactType"] = at
        if m.get("annotations"):
            d["annotations"] = m["annotations"]
        self.register(repo, subject["digest"], d)

    def _page(self, repo: str, digest: str, query: dict):
        items = self.referrers(repo, digest)
        applied = False
        wanted = query.get("artifactType", [None])[0]
        if wanted and self.filter_artifact_type:
            items = [d for d in items if d.get("artifactType") == wanted]
            applied = True
        size = self.page_size
        if "n" in query:
            try:
                n = int(query["n"][0])
                if n > 0:
                    size = min(size, n) if size else n
            except ValueError:
                pass
        start = 0
        if "last" in query:
            digests = [d["digest"] for d in items]
            last = query["last"][0]
            start = digests.index(last) + 1 if last in digests else len(items)
        page = items[start:start + size] if size else items[start:]
        nxt = None
        if size and start + size < len(items):
            q = {k: v[0] for k, v in query.items() if k != "last"}
            q["last"] = page[-1]["digest"]
            nxt = f"/v2/{repo}/referrers/{digest}?" + urllib.parse.urlencode(q)
        index = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": page}
        return json.dumps(index, separators=(",", ":")).encode(), applied, nxt


class _Handler(http.server.BaseHTTPRequestHandler):
    srv: ReferrersServer = None
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # keep pytest output clean
        pass

    def _body(self) -> bytes:
        n = int(self.headers.get("Content-Length") or 0)
        if n > MAX_BODY:
            raise ValueError("request body too large")
        return self.rfile.read(n) if n else b""

    def _send(self, status: int, headers: dict, body: bytes, head: bool = False):
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _referrers(self, m, query):
        srv = self.srv
        if srv.mode == "unsupported":
            body = b'{"errors":[{"code":"UNSUPPORTED","message":"referrers API not implemented"}]}'
            return self._send(404, {"Content-Type": "application/json"}, body)
        body, applied, nxt = srv._page(m["repo"], m["digest"], query)
        headers = {"Content-Type": OCI_INDEX if srv.mode != "bad-content-type" else "application/json",
                   "Docker-Distribution-Api-Version": "registry/2.0"}
        if applied:
            headers["OCI-Filters-Applied"] = "artifactType"
        if nxt:
            headers["Link"] = f'<{nxt}>; rel="next"'
        self._send(200, headers, body, head=self.command == "HEAD")

    def _proxy(self):
        srv = self.srv
        u = urllib.parse.urlsplit(self.path)
        srv._record(self.command, self.path)
        if self.command in ("GET", "HEAD"):
            m = REFERRERS_RE.match(u.path)
            if m:
                return self._referrers(m, urllib.parse.parse_qs(u.query))
        body = self._body()
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        conn = http.client.HTTPConnection(srv.upstream_host, srv.upstream_port, timeout=60)
        try:
            conn.request(self.command, self.path, body=body if body or self.command in ("PUT", "POST", "PATCH") else None,
                         headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            out = {k: v for k, v in resp.getheaders() if k.lower() not in HOP_BY_HOP and k.lower() != "content-length"}
            if self.command == "HEAD":
                # keep the upstream Content-Length of the entity
                self.send_response(resp.status)
                for k, v in out.items():
                    self.send_header(k, v)
                cl = resp.getheader("Content-Length")
                if cl is not None:
                    self.send_header("Content-Length", cl)
                self.end_headers()
                return
            if self.command == "PUT" and 200 <= resp.status < 300:
                # Recorded before the client hears back, so a referrers query
                # right after the push already lists it.
                m = MANIFEST_RE.match(u.path)
                if m:
                    srv._saw_manifest(m["repo"], body, self.headers.get("Content-Type", ""))
            self._send(resp.status, out, data)
        finally:
            conn.close()

    do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = _proxy


def main(argv=None):
    import argparse
    import signal
    p = argparse.ArgumentParser(description="proxy a docker-registry and serve the OCI Referrers API")
    p.add_argument("--upstream", required=True, help="plain-http registry base URL")
    p.add_argument("--listen", default="127.0.0.1:0")
    p.add_argument("--page-size", type=int)
    p.add_argument("--no-filter", action="store_true", help="ignore ?artifactType= (client filters)")
    a = p.parse_args(argv)
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    srv = ReferrersServer(a.upstream, a.listen, a.page_size, not a.no_filter).start()
    print(srv.base_url, flush=True)
    signal.sigwait({signal.SIGINT, signal.SIGTERM})
    srv.stop()


if __name__ == "__main__":
    main()
